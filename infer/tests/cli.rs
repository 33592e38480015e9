//! The `smsguard` command on hostile input: every input line gives exactly one JSON line, and
//! bad model files end with a clear message and exit status 2, never a panic (as the README
//! promises).

use std::io::Write;
use std::process::{Command, Stdio};

/// The command, run through `SMSGUARD_TEST_RUNNER` when set (an emulator and its arguments,
/// split on spaces: the cross-built aarch64 tests run the aarch64 binary under qemu, and cargo
/// applies its runner to test binaries only, not to what they spawn).
fn command() -> Command {
    let bin = env!("CARGO_BIN_EXE_smsguard");
    match std::env::var("SMSGUARD_TEST_RUNNER") {
        Ok(runner) if !runner.trim().is_empty() => {
            let mut parts = runner.split_whitespace();
            let mut c = Command::new(parts.next().expect("not empty"));
            c.args(parts).arg(bin);
            c
        }
        _ => Command::new(bin),
    }
}

fn smsguard(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the smsguard binary runs");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_hostile_line_gives_one_json_line() {
    let long = "优惠".repeat(50_000);
    let mut input = Vec::new();
    let lines: Vec<Vec<u8>> = vec![
        "【京东】您的验证码为482913，5分钟内有效".into(),
        b"".to_vec(),
        b"\xff\xfe\xfd invalid".to_vec(),
        b"\0\0\0".to_vec(),
        long.into_bytes(),
        "🎉🎉🎉 双11".into(),
        "ＦＵＬＬ　ＷＩＤＴＨ　１２３".into(),
        b"   \r".to_vec(),
        "last line without newline".into(),
    ];
    for (i, l) in lines.iter().enumerate() {
        input.extend_from_slice(l);
        if i + 1 < lines.len() {
            input.push(b'\n');
        }
    }
    let (code, out, err) = smsguard(&["classify"], &input);
    assert_eq!(code, 0, "{err}");
    let outputs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(outputs.len(), lines.len(), "{out}");
    for (v, l) in outputs.iter().zip(&lines) {
        let blank = String::from_utf8_lossy(l).trim().is_empty();
        if blank {
            assert!(v["error"].is_string(), "{v}");
        } else {
            const LABELS: [&str; 4] = ["marketing", "verification", "transactional", "personal"];
            assert!(LABELS.contains(&v["label"].as_str().unwrap()), "{v}");
            let sum: f64 = LABELS
                .iter()
                .map(|k| v["scores"][k].as_f64().unwrap())
                .sum();
            assert!((sum - 1.0).abs() < 1e-3, "{v}");
        }
    }
    assert!(
        outputs[2]["warning"].is_string(),
        "invalid UTF-8 is flagged"
    );
}

#[test]
fn arguments_are_classified_in_order() {
    let (code, out, _) = smsguard(&["classify", "验证码1234", "回T退订"], b"");
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "label",
            "confidence",
            "scores",
            "fold",
            "code",
            "sender",
            "pickup_code",
            "opt_out",
            "secret",
            "protected_by"
        ]
    );
    assert_eq!(lines[0]["code"]["value"], "1234");
    assert_eq!(lines[0]["protected_by"], "code");
    assert!(lines[1]["protected_by"].is_null() && lines[1]["secret"].is_null());
    assert_eq!(lines[0]["code"]["start"], 9);
    assert_eq!(lines[0]["fold"], false);
    assert_eq!(lines[1]["opt_out"]["reply"], "T");
    assert_eq!(lines[1]["opt_out"]["phrase"], "回T退订");
    assert!(lines[1]["code"].is_null());
}

#[test]
fn explain_lists_spans_of_the_message() {
    let text = "【京东】您的验证码为482913，5分钟内有效";
    let (code, out, err) = smsguard(&["classify", "--explain", text], b"");
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let ev = v["explanation"].as_array().unwrap();
    assert!(!ev.is_empty() && ev.len() <= 5, "{v}");
    let mut last = f64::INFINITY;
    for e in ev {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[s..t], e["text"].as_str().unwrap());
        let effect = e["effect"].as_f64().unwrap();
        assert!(effect > 0.0 && effect <= last, "sorted, positive: {v}");
        last = effect;
    }
    // The default model reads the code word or the code itself among its strongest evidence.
    assert!(
        ev.iter()
            .any(|e| ["验证码", "482913"].contains(&e["text"].as_str().unwrap())),
        "{v}"
    );
}

#[test]
fn info_describes_the_model() {
    let (code, out, err) = smsguard(&["info"], b"");
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "format_version",
        "labels",
        "model_bytes",
        "vocab_size",
        "params",
        "ngram_buckets",
    ] {
        assert!(!v[key].is_null(), "missing {key}: {v}");
    }
    // The shipped model is a version 2 file with the n-gram branch.
    assert_eq!(v["format_version"], 2);
    assert_eq!(v["ngram_buckets"], 65_536);
}

#[test]
fn bad_model_files_fail_cleanly() {
    let dir = std::env::temp_dir().join(format!("smsguard-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/model/smsguard-default.smsg"
    ))
    .unwrap();
    let mut corrupted = good.clone();
    let mid = corrupted.len() / 2;
    corrupted[mid] ^= 0xff;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.smsg",
            good[..good.len() / 3].to_vec(),
            "truncated",
        ),
        ("corrupted.smsg", corrupted, "corrupted"),
        ("empty.smsg", Vec::new(), "not an smsguard model"),
        (
            "text.smsg",
            b"hello world, not a model".to_vec(),
            "not an smsguard model",
        ),
    ];
    for (name, bytes, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        for cmd in ["classify", "info"] {
            let (code, out, err) = smsguard(
                &[cmd, "--model", path.to_str().unwrap(), "x"][..if cmd == "info" { 3 } else { 4 }],
                b"",
            );
            assert_eq!(code, 2, "{name}: {err}");
            assert!(out.is_empty());
            assert!(
                err.contains(want) && !err.contains("panicked"),
                "{name}: {err}"
            );
        }
    }
    let (code, _, err) = smsguard(
        &["classify", "--model", "/nonexistent/model.smsg", "x"],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/nonexistent/model.smsg") && err.contains("No such file"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// README: a line is read up to its first 1,024 characters, which the model and the rules read,
/// and a longer one is flagged; the stream goes on with the next line.
#[test]
fn a_long_line_is_cut_and_flagged() {
    let flagged = "message longer than 1024 characters: only the first 1024 were read";
    // 3-byte characters, so the cut falls inside one: it must not read as invalid UTF-8.
    let mut input = "码".repeat((1 << 20) / 3 + 100).into_bytes();
    assert!(input.len() > 1 << 20);
    input.extend_from_slice("\n【京东】您的验证码为482913，5分钟内有效\n".as_bytes());
    // 1,025 four-byte characters and invalid bytes after them: cut, flagged, never "invalid".
    input.extend_from_slice("😀".repeat(1025).as_bytes());
    input.extend_from_slice(b"\xff\xfe\n");
    // Exactly 1,024 characters: read whole, not flagged.
    input.extend_from_slice("😀".repeat(1024).as_bytes());
    input.push(b'\n');
    let (code, out, err) = smsguard(&["classify"], &input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0]["warning"], flagged);
    assert!(lines[1]["warning"].is_null(), "{}", lines[1]);
    assert_eq!(lines[1]["code"]["value"], "482913");
    assert_eq!(lines[2]["warning"], flagged);
    assert!(lines[3]["warning"].is_null(), "{}", lines[3]);
    // As an argument, too.
    let (_, out, _) = smsguard(&["classify", &"码".repeat(2000)], b"");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["warning"], flagged);
    let (_, out, _) = smsguard(&["normalize", &"码".repeat(2000)], b"");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["warning"], flagged);
}

#[test]
fn fold_threshold_is_a_probability() {
    let ad = "双12狂欢最后一天！全场满300减50，戳 t.cn/A6xYz3Qp 抢券，回T退订";
    let fold = |threshold: &str| {
        let (code, out, err) = smsguard(&["classify", "--fold-threshold", threshold, ad], b"");
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["label"], "marketing", "{v}");
        v["fold"].as_bool().unwrap()
    };
    assert!(fold("0"));
    assert!(fold("0.5"));
    for bad in ["1.5", "NaN", "most", "inf"] {
        let (code, _, err) = smsguard(&["classify", "--fold-threshold", bad, ad], b"");
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("expected a probability"), "{bad}: {err}");
    }
}
