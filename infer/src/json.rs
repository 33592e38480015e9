//! The JSON form of a classification: the object `smsguard classify` prints for each message,
//! which the C ABI (`smsguard-ffi`) returns too, so every binding gets exactly the command's
//! output. Feature `json`.

use crate::{Classifier, Explained, Label, Prediction, Span};
use serde_json::{json, Value};

/// Scores and effects are printed with four decimals.
fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

fn span_json(s: &Span) -> Value {
    json!({ "text": s.text, "start": s.start, "end": s.end })
}

fn prediction_json(p: &Prediction) -> Value {
    let scores: serde_json::Map<String, Value> = Label::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), json!(round(p.score(*l)))))
        .collect();
    let f = &p.found;
    json!({
        "label": p.label.as_str(),
        "confidence": round(p.confidence),
        "scores": scores,
        "fold": p.fold,
        "code": f.code.as_ref().map(|c| json!({
            "value": c.value.text,
            "start": c.value.start,
            "end": c.value.end,
            "validity": c.validity.as_ref().map(span_json),
            "purpose": c.purpose.as_str(),
        })),
        "sender": f.sender.as_ref().map(span_json),
        "pickup_code": f.pickup_code.as_ref().map(span_json),
        "opt_out": f.opt_out.as_ref().map(|o| json!({
            "reply": o.reply,
            "phrase": o.phrase.text,
            "start": o.phrase.start,
            "end": o.phrase.end,
        })),
        "secret": f.secret.as_ref().map(|s| json!({
            "kind": s.kind.as_str(),
            "text": s.value.text,
            "start": s.value.start,
            "end": s.value.end,
        })),
        "protected_by": p.protected_by(),
    })
}

fn explained_json(e: &Explained) -> Value {
    let mut v = prediction_json(&e.prediction);
    v["explanation"] = e
        .evidence
        .iter()
        .map(|ev| {
            let mut s = span_json(&ev.span);
            s["effect"] = json!(round(ev.effect));
            s
        })
        .collect();
    v
}

/// The warning for a message cut at [`crate::normalize::MAX_CHARS`] characters.
pub fn cut_warning() -> String {
    format!(
        "message longer than {MAX} characters: only the first {MAX} were read",
        MAX = crate::normalize::MAX_CHARS
    )
}

/// A message given as bytes, as every entry point reads it: invalid UTF-8 replaced with U+FFFD
/// (and `true` to say so), one trailing `\r` dropped (a line from a CRLF file; dropping a
/// suffix leaves every byte offset before it valid).
pub fn decode(raw: &[u8]) -> (std::borrow::Cow<'_, str>, bool) {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    match std::str::from_utf8(raw) {
        Ok(t) => (std::borrow::Cow::Borrowed(t), false),
        Err(_) => (String::from_utf8_lossy(raw), true),
    }
}

/// The JSON object for one message given as bytes, on one line: the prediction, or
/// `{"error": ...}` for an empty (or blank) message. Invalid UTF-8 is replaced with U+FFFD
/// before classifying (the byte offsets then refer to the replaced text) and a `warning` says
/// so; a message longer than [`crate::normalize::MAX_CHARS`] characters gets a `warning` too.
/// One trailing `\r` is ignored. `explain` adds the words that most pushed the decision (one
/// extra model pass per word).
pub fn classify(c: &Classifier, raw: &[u8], explain: bool) -> String {
    let (text, invalid) = decode(raw);
    if text.trim().is_empty() {
        return json!({ "error": "empty message: expected text to classify" }).to_string();
    }
    let (mut v, cut) = if explain {
        let e = c.classify_explained(&text);
        (explained_json(&e), e.prediction.truncated)
    } else {
        let p = c.classify(&text);
        (prediction_json(&p), p.truncated)
    };
    let mut warnings = Vec::new();
    if invalid {
        warnings.push("invalid UTF-8 was replaced with U+FFFD before classifying".to_owned());
    }
    if cut {
        warnings.push(cut_warning());
    }
    if !warnings.is_empty() {
        v["warning"] = json!(warnings.join("; "));
    }
    v.to_string()
}
