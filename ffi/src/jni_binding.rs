//! JNI entry points of `org.smsguard.SmsGuard` (`ffi/java`): the Android binding. The Java
//! class holds the classifier as a `long` handle and closes it; a panic or a bad argument
//! becomes a Java exception, never a crash of the VM.
//!
//! Offsets handed to Java are UTF-16 indices into the message (what `String.substring` takes),
//! converted from the library's byte offsets.

use crate::{guard, SmsguardClassifier};
use jni::objects::{JByteArray, JClass, JObject, JString, JValue};
use jni::sys::{jlong, jobject, jstring};
use jni::JNIEnv;
use smsguard::{Classifier, Span};

const SPAN_CLASS: &str = "org/smsguard/Span";
const PREDICTION_CLASS: &str = "org/smsguard/Prediction";

/// Throw `class` with `message` unless an exception is already pending.
fn throw(env: &mut JNIEnv, class: &str, message: &str) {
    if !env.exception_check().unwrap_or(true) {
        let _ = env.throw_new(class, message);
    }
}

/// The classifier behind a handle, or a thrown `IllegalStateException`.
fn classifier<'a>(env: &mut JNIEnv, handle: jlong) -> Option<&'a Classifier> {
    if handle == 0 {
        throw(
            env,
            "java/lang/IllegalStateException",
            "the classifier is closed",
        );
        return None;
    }
    // SAFETY: a non-zero handle is a `Box<SmsguardClassifier>` made by this module and freed
    // only by `nativeFree`, which the Java class calls once, after its last use.
    Some(unsafe { &(*(handle as *const SmsguardClassifier)).inner })
}

/// The Java string as Rust text, or a thrown exception.
fn text(env: &mut JNIEnv, message: &JString) -> Option<String> {
    if message.is_null() {
        throw(env, "java/lang/NullPointerException", "message is null");
        return None;
    }
    match env.get_string(message) {
        Ok(s) => Some(s.into()),
        Err(e) => {
            throw(env, "java/lang/IllegalArgumentException", &e.to_string());
            None
        }
    }
}

fn into_handle(c: Classifier) -> jlong {
    Box::into_raw(Box::new(SmsguardClassifier { inner: c })) as jlong
}

/// `SmsGuard.nativeNewDefault()`: the embedded model.
#[no_mangle]
pub extern "system" fn Java_org_smsguard_SmsGuard_nativeNewDefault(
    mut env: JNIEnv,
    _class: JClass,
) -> jlong {
    guard(0, || match Classifier::embedded() {
        Ok(c) => into_handle(c),
        Err(e) => {
            throw(&mut env, "java/lang/IllegalStateException", &e.to_string());
            0
        }
    })
}

/// `SmsGuard.nativeFromBytes(byte[])`: a model file's bytes.
#[no_mangle]
pub extern "system" fn Java_org_smsguard_SmsGuard_nativeFromBytes(
    mut env: JNIEnv,
    _class: JClass,
    bytes: JByteArray,
) -> jlong {
    guard(0, || {
        if bytes.is_null() {
            throw(
                &mut env,
                "java/lang/NullPointerException",
                "model bytes are null",
            );
            return 0;
        }
        let data = match env.convert_byte_array(&bytes) {
            Ok(d) => d,
            Err(e) => {
                throw(
                    &mut env,
                    "java/lang/IllegalArgumentException",
                    &e.to_string(),
                );
                return 0;
            }
        };
        match Classifier::from_bytes(&data) {
            Ok(c) => into_handle(c),
            Err(e) => {
                let message = crate::error_chain(&e);
                throw(&mut env, "java/lang/IllegalArgumentException", &message);
                0
            }
        }
    })
}

/// `SmsGuard.nativeClassifyJson(long, String)`: the command's JSON object.
#[no_mangle]
pub extern "system" fn Java_org_smsguard_SmsGuard_nativeClassifyJson(
    mut env: JNIEnv,
    _class: JClass,
    handle: jlong,
    message: JString,
) -> jstring {
    classify_with(&mut env, handle, &message, |env, c, t| {
        let json = smsguard::json::classify(c, t.as_bytes(), false);
        Ok(env.new_string(json)?.into())
    })
}

/// The shared body of the two classify calls: the classifier and the text (or the exception
/// their absence threw), `f`'s object, and a `RuntimeException` if `f` failed or panicked.
fn classify_with<'local>(
    env: &mut JNIEnv<'local>,
    handle: jlong,
    message: &JString,
    f: impl FnOnce(&mut JNIEnv<'local>, &Classifier, &str) -> jni::errors::Result<JObject<'local>>,
) -> jobject {
    let out = guard(std::ptr::null_mut(), || {
        let Some(c) = classifier(env, handle) else {
            return std::ptr::null_mut();
        };
        let Some(t) = text(env, message) else {
            return std::ptr::null_mut();
        };
        f(env, c, &t).map_or(std::ptr::null_mut(), |o| o.into_raw())
    });
    if out.is_null() {
        throw(
            env,
            "java/lang/RuntimeException",
            "smsguard: classification failed",
        );
    }
    out
}

/// UTF-16 index of byte offset `byte` of `text` (a char boundary).
fn utf16_index(text: &str, byte: usize) -> i32 {
    text.get(..byte)
        .map_or(0, |s| s.encode_utf16().count())
        .try_into()
        .unwrap_or(i32::MAX)
}

/// A `Span` object (UTF-16 offsets), or Java null.
fn span<'local>(
    env: &mut JNIEnv<'local>,
    text: &str,
    s: Option<&Span>,
) -> jni::errors::Result<JObject<'local>> {
    let Some(s) = s else {
        return Ok(JObject::null());
    };
    let t = env.new_string(&s.text)?;
    env.new_object(
        SPAN_CLASS,
        "(Ljava/lang/String;II)V",
        &[
            JValue::Object(&t),
            JValue::Int(utf16_index(text, s.start)),
            JValue::Int(utf16_index(text, s.end)),
        ],
    )
}

/// The `Prediction` object of `text`.
fn prediction<'local>(
    env: &mut JNIEnv<'local>,
    c: &Classifier,
    text: &str,
) -> jni::errors::Result<JObject<'local>> {
    let p = c.classify(text);
    let f = &p.found;
    let label = env.new_string(p.label.as_str())?;
    let scores = env.new_float_array(p.scores.len() as i32)?;
    env.set_float_array_region(&scores, 0, &p.scores)?;
    let code = span(env, text, f.code.as_ref().map(|c| &c.value))?;
    let validity = span(env, text, f.code.as_ref().and_then(|c| c.validity.as_ref()))?;
    let sender = span(env, text, f.sender.as_ref())?;
    let pickup = span(env, text, f.pickup_code.as_ref())?;
    let opt_out = span(env, text, f.opt_out.as_ref().map(|o| &o.phrase))?;
    let reply = match &f.opt_out {
        Some(o) => JObject::from(env.new_string(&o.reply)?),
        None => JObject::null(),
    };
    let secret = span(env, text, f.secret.as_ref().map(|s| &s.value))?;
    let optional =
        |env: &mut JNIEnv<'local>, s: Option<&str>| -> jni::errors::Result<JObject<'local>> {
            Ok(match s {
                Some(s) => JObject::from(env.new_string(s)?),
                None => JObject::null(),
            })
        };
    let secret_kind = optional(env, f.secret.as_ref().map(|s| s.kind.as_str()))?;
    let protected_by = optional(env, p.protected_by())?;
    let purpose = optional(env, f.code.as_ref().map(|c| c.purpose.as_str()))?;
    env.new_object(
        PREDICTION_CLASS,
        "(Ljava/lang/String;F[FZZLorg/smsguard/Span;Lorg/smsguard/Span;Lorg/smsguard/Span;\
         Lorg/smsguard/Span;Lorg/smsguard/Span;Ljava/lang/String;Lorg/smsguard/Span;\
         Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V",
        &[
            JValue::Object(&label),
            JValue::Float(p.confidence),
            JValue::Object(&scores),
            JValue::Bool(p.fold.into()),
            JValue::Bool(p.truncated.into()),
            JValue::Object(&code),
            JValue::Object(&validity),
            JValue::Object(&sender),
            JValue::Object(&pickup),
            JValue::Object(&opt_out),
            JValue::Object(&reply),
            JValue::Object(&secret),
            JValue::Object(&secret_kind),
            JValue::Object(&protected_by),
            JValue::Object(&purpose),
        ],
    )
}

/// `SmsGuard.nativeClassify(long, String)`: a `Prediction`.
#[no_mangle]
pub extern "system" fn Java_org_smsguard_SmsGuard_nativeClassify(
    mut env: JNIEnv,
    _class: JClass,
    handle: jlong,
    message: JString,
) -> jobject {
    classify_with(&mut env, handle, &message, |env, c, t| {
        prediction(env, c, t)
    })
}

/// `SmsGuard.nativeFree(long)`.
#[no_mangle]
pub extern "system" fn Java_org_smsguard_SmsGuard_nativeFree(
    _env: JNIEnv,
    _class: JClass,
    handle: jlong,
) {
    if handle != 0 {
        // SAFETY: see `classifier`; the Java class frees each handle once.
        guard((), || {
            drop(unsafe { Box::from_raw(handle as *mut SmsguardClassifier) })
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utf16_indices() {
        let t = "a验😀b";
        assert_eq!(super::utf16_index(t, 0), 0);
        assert_eq!(super::utf16_index(t, 1), 1);
        assert_eq!(super::utf16_index(t, 4), 2);
        assert_eq!(super::utf16_index(t, 8), 4);
        assert_eq!(super::utf16_index(t, 9), 5);
    }
}
