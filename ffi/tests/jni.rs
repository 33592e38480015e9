//! The JNI binding on this machine's JVM: `java/` compiled with `javac` and
//! `java/test/SmsGuardCheck.java` run against this run's `libsmsguard_ffi.so` (ART on a phone
//! runs the same JNI code). Skips with a message when no JDK is installed, and fails instead
//! when `CI` is set.
#![cfg(feature = "jni")]

use std::path::PathBuf;
use std::process::Command;

#[test]
fn java_calls_the_library() {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(have("javac") && have("java")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "a JDK is required under CI (apt-get install default-jdk-headless)"
        );
        eprintln!("skipping: javac/java not found");
        return;
    }
    let src = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/java"));
    let classes = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("java-classes");
    std::fs::create_dir_all(&classes).unwrap();
    let files = [
        "org/smsguard/SmsGuard.java",
        "org/smsguard/Prediction.java",
        "org/smsguard/Span.java",
        "test/SmsGuardCheck.java",
    ];
    let out = Command::new("javac")
        .args(["-encoding", "UTF-8", "-Xlint:all", "-Werror", "-d"])
        .arg(&classes)
        .args(files.iter().map(|f| src.join(f)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "javac: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // This run's shared library sits beside the test binary (see tests/c_abi.rs).
    let lib_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let out = Command::new("java")
        .arg("-Xcheck:jni")
        .arg(format!("-Djava.library.path={}", lib_dir.display()))
        .arg("-cp")
        .arg(&classes)
        .arg("SmsGuardCheck")
        .env("LD_LIBRARY_PATH", &lib_dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "java: {text}");
    assert!(text.contains("all checks passed"), "{text}");
}
