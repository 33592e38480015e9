//! What the extraction case tests share: reading a case file and the fields the rules found.

use smsguard::Extraction;

/// The fields a case file can hold, in the order [`found`] returns them.
pub const FIELDS: [&str; 7] = [
    "code", "validity", "sender", "pickup", "opt_out", "secret", "purpose",
];

/// One case: its line in the file, its columns before the text ('-' read as none) and the
/// message.
pub struct Case {
    pub line: usize,
    pub columns: Vec<Option<String>>,
    pub text: String,
}

/// The cases of `data/cases/{file}`: every line that is neither blank nor a `#` comment, with
/// exactly `columns` tab-separated values, the message last.
pub fn read(file: &str, columns: usize) -> Vec<Case> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/cases")
        .join(file);
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    body.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                f.len(),
                columns,
                "{file} line {}: expected {columns} tab-separated columns",
                i + 1
            );
            Case {
                line: i + 1,
                columns: f[..columns - 1]
                    .iter()
                    .map(|s| (*s != "-").then(|| s.to_string()))
                    .collect(),
                text: f[columns - 1].to_owned(),
            }
        })
        .collect()
}

/// The [`FIELDS`] the rules found, as text: the code, its validity, the sender, the pickup
/// code, the opt-out reply, the secret's kind and the code's purpose.
pub fn found(e: &Extraction) -> [Option<String>; 7] {
    [
        e.code.as_ref().map(|k| k.value.text.clone()),
        e.code
            .as_ref()
            .and_then(|k| k.validity.as_ref())
            .map(|v| v.text.clone()),
        e.sender.as_ref().map(|s| s.text.clone()),
        e.pickup_code.as_ref().map(|s| s.text.clone()),
        e.opt_out.as_ref().map(|o| o.reply.clone()),
        e.secret.as_ref().map(|s| s.kind.as_str().to_owned()),
        e.code.as_ref().map(|k| k.purpose.as_str().to_owned()),
    ]
}
