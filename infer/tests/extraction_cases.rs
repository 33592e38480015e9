//! The hand-written hard cases of `data/cases/extraction.tsv` (written for this project, not
//! taken from any data set): verification codes, validity periods, sender signatures, pickup
//! codes and opt-out replies, including many messages where the right answer is "none".
//! Extraction is rule-based and model-free, so these cases do not depend on the shipped model.

use smsguard::extract;

struct Case {
    line: usize,
    code: Option<String>,
    validity: Option<String>,
    sender: Option<String>,
    pickup: Option<String>,
    opt_out: Option<String>,
    text: String,
}

fn cases() -> Vec<Case> {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/cases/extraction.tsv"
    ));
    let body = std::fs::read_to_string(path).expect("data/cases/extraction.tsv is committed");
    let field = |s: &str| (s != "-").then(|| s.to_owned());
    body.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                f.len(),
                6,
                "line {}: expected 6 tab-separated columns",
                i + 1
            );
            Case {
                line: i + 1,
                code: field(f[0]),
                validity: field(f[1]),
                sender: field(f[2]),
                pickup: field(f[3]),
                opt_out: field(f[4]),
                text: f[5].to_owned(),
            }
        })
        .collect()
}

#[test]
fn hand_written_hard_cases() {
    let cases = cases();
    assert!(
        cases.len() >= 100,
        "at least 100 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for c in &cases {
        let e = extract(&c.text);
        let got_code = e.code.as_ref().map(|k| k.value.text.clone());
        let got_validity = e
            .code
            .as_ref()
            .and_then(|k| k.validity.as_ref())
            .map(|v| v.text.clone());
        let checks = [
            ("code", &c.code, got_code),
            ("validity", &c.validity, got_validity),
            (
                "sender",
                &c.sender,
                e.sender.as_ref().map(|s| s.text.clone()),
            ),
            (
                "pickup",
                &c.pickup,
                e.pickup_code.as_ref().map(|s| s.text.clone()),
            ),
            (
                "opt_out",
                &c.opt_out,
                e.opt_out.as_ref().map(|o| o.reply.clone()),
            ),
        ];
        for (what, want, got) in checks {
            if want != &got {
                failures.push(format!(
                    "line {}: {what}: expected {want:?}, got {got:?}\n    {}",
                    c.line, c.text
                ));
            }
        }
        // Every span points at its own text in the original message.
        let spans = [
            e.code.as_ref().map(|k| &k.value),
            e.code.as_ref().and_then(|k| k.validity.as_ref()),
            e.sender.as_ref(),
            e.pickup_code.as_ref(),
            e.opt_out.as_ref().map(|o| &o.phrase),
        ];
        for s in spans.into_iter().flatten() {
            assert_eq!(&c.text[s.start..s.end], s.text, "line {}", c.line);
        }
        // A pickup code is never also the verification code.
        if let (Some(k), Some(p)) = (&e.code, &e.pickup_code) {
            assert!(
                k.value.end <= p.start || p.end <= k.value.start,
                "line {}: pickup code reported as a verification code",
                c.line
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
