//! Labelled SMS files: `label<TAB>text[<TAB>source]`, one message per line.
//!
//! Errors name the file and line and say what was expected. A first line of exactly
//! `label<TAB>text...` is taken as a header and skipped.

use smsguard::Label;
use std::fmt;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One labelled message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The class.
    pub label: Label,
    /// The raw message text, as received.
    pub text: String,
    /// Where it comes from (the third column; empty when absent).
    pub source: String,
}

/// Why a data file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A line is not `label<TAB>text[<TAB>source]`.
    #[error("{path}:{line}: {problem}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was expected and what was found.
        problem: String,
    },
    /// The file holds no message.
    #[error("{path}: no messages (expected lines of label<TAB>text[<TAB>source])")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Parse labelled messages from `reader`; `path` only names the input in errors.
pub fn parse_tsv(reader: impl BufRead, path: &Path) -> Result<Vec<Example>, DataError> {
    let mut out = Vec::new();
    let malformed = |line: usize, problem: String| DataError::Malformed {
        path: path.to_owned(),
        line,
        problem,
    };
    for (i, raw) in reader.split(b'\n').enumerate() {
        let line_no = i + 1;
        let raw = raw.map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })?;
        let line = std::str::from_utf8(&raw).map_err(|e| {
            malformed(
                line_no,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let label = fields.next().unwrap_or_default();
        let Some(text) = fields.next() else {
            return Err(malformed(
                line_no,
                format!(
                    "expected label<TAB>text[<TAB>source], found one field {:?}",
                    clip(line)
                ),
            ));
        };
        let source = fields.next().unwrap_or_default();
        if fields.next().is_some() {
            return Err(malformed(
                line_no,
                "expected at most 3 tab-separated fields (label, text, source), found more".into(),
            ));
        }
        if line_no == 1 && label == "label" {
            continue;
        }
        let label: Label = label
            .parse()
            .map_err(|e: smsguard::UnknownLabel| malformed(line_no, e.to_string()))?;
        if text.trim().is_empty() {
            return Err(malformed(
                line_no,
                "expected a message text, found an empty field".into(),
            ));
        }
        out.push(Example {
            label,
            text: text.to_owned(),
            source: source.to_owned(),
        });
    }
    Ok(out)
}

/// Read one labelled file; an empty file is an error.
pub fn read_tsv(path: &Path) -> Result<Vec<Example>, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })?;
    let examples = parse_tsv(std::io::BufReader::new(file), path)?;
    if examples.is_empty() {
        return Err(DataError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(examples)
}

fn clip(s: &str) -> String {
    let mut c: String = s.chars().take(40).collect();
    if c.len() < s.len() {
        c.push('…');
    }
    c
}

/// How many messages each label has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelCounts(pub [usize; Label::COUNT]);

impl LabelCounts {
    /// Count the labels of `examples`.
    pub fn of(examples: &[Example]) -> LabelCounts {
        let mut c = [0; Label::COUNT];
        for e in examples {
            c[e.label.index()] += 1;
        }
        LabelCounts(c)
    }

    /// All messages.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// Check a training set: at least two classes present, or say what is missing.
    pub fn check_trainable(&self) -> Result<(), String> {
        let present: Vec<&str> = Label::ALL
            .iter()
            .filter(|l| self.0[l.index()] > 0)
            .map(|l| l.as_str())
            .collect();
        match present.len() {
            0 => Err("the data set is empty: expected labelled messages".into()),
            1 => Err(format!(
                "the data set has only one class ({}): expected at least two of marketing, verification, transactional, personal",
                present[0]
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for LabelCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = Label::ALL
            .iter()
            .map(|l| format!("{} {}", l.as_str(), self.0[l.index()]))
            .collect();
        write!(f, "{} messages ({})", self.total(), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Example>, DataError> {
        parse_tsv(s.as_bytes(), Path::new("t.tsv"))
    }

    #[test]
    fn good_lines() {
        let ex =
            parse("label\ttext\tsource\nmarketing\t双11全场5折\tx\r\n\nverification\t验证码1234\n")
                .unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].label, Label::Marketing);
        assert_eq!(ex[0].source, "x");
        assert_eq!(ex[1].text, "验证码1234");
        assert_eq!(ex[1].source, "");
        assert_eq!(LabelCounts::of(&ex).0, [1, 1, 0, 0]);
    }

    #[test]
    fn bad_lines_name_line_and_expectation() {
        let cases: &[(&str, &str)] = &[
            (
                "marketing\n",
                "t.tsv:1: expected label<TAB>text[<TAB>source], found one field",
            ),
            (
                "marketing\tok\nspam\thi\n",
                "t.tsv:2: unknown label \"spam\": expected one of",
            ),
            (
                "marketing\t \n",
                "t.tsv:1: expected a message text, found an empty field",
            ),
            ("marketing\ta\tb\tc\n", "t.tsv:1: expected at most 3"),
            (
                "label\ttext\nlabel\ttext\n",
                "t.tsv:2: unknown label \"label\"",
            ),
        ];
        for (input, want) in cases {
            let err = parse(input).unwrap_err().to_string();
            assert!(
                err.starts_with(want),
                "{input:?}: got {err:?}, want {want:?}"
            );
        }
        let err = parse_tsv(&b"marketing\t\xff\xfe\n"[..], Path::new("t.tsv")).unwrap_err();
        assert!(err.to_string().contains("t.tsv:1: invalid UTF-8"), "{err}");
    }

    #[test]
    fn hostile_text_is_kept_verbatim() {
        let long = "优".repeat(100_000);
        let input = format!("marketing\t{long}\ntransactional\t🎉\0ＡＢＣ\n");
        let ex = parse(&input).unwrap();
        assert_eq!(ex[0].text.chars().count(), 100_000);
        assert_eq!(ex[1].text, "🎉\0ＡＢＣ");
    }

    #[test]
    fn missing_and_empty_files() {
        let err = read_tsv(Path::new("/nonexistent/x.tsv"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/nonexistent/x.tsv:"), "{err}");
        let dir = std::env::temp_dir().join(format!("smsguard-empty-{}", std::process::id()));
        std::fs::write(&dir, "\n\n").unwrap();
        let err = read_tsv(&dir).unwrap_err().to_string();
        std::fs::remove_file(&dir).ok();
        assert!(err.contains("no messages"), "{err}");
    }

    #[test]
    fn trainable_checks() {
        assert!(LabelCounts([0, 0, 0, 0])
            .check_trainable()
            .unwrap_err()
            .contains("empty"));
        let one = LabelCounts([5, 0, 0, 0]).check_trainable().unwrap_err();
        assert!(one.contains("only one class (marketing)"), "{one}");
        assert!(LabelCounts([5, 0, 1, 2]).check_trainable().is_ok());
        assert_eq!(
            LabelCounts([5, 0, 1, 2]).to_string(),
            "8 messages (marketing 5, verification 0, transactional 1, personal 2)"
        );
    }
}
