//! The four classes, as defined in the project's LABELS.md.

use std::fmt;
use std::str::FromStr;

/// What the sender wants the recipient to do with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// Sells, promotes or re-engages.
    Marketing,
    /// Hands over a one-time secret (a code or password to type somewhere now).
    Verification,
    /// Tells the recipient about their own account, order, service or appointment.
    Transactional,
    /// A person's own words to the recipient: chat, arrangements, replies, forwarded greetings.
    /// Never folded.
    Personal,
}

impl Label {
    /// Every label, in index order (the order of the model's outputs).
    pub const ALL: [Label; 4] = [
        Label::Marketing,
        Label::Verification,
        Label::Transactional,
        Label::Personal,
    ];

    /// How many labels there are.
    pub const COUNT: usize = Label::ALL.len();

    /// The label's name as written in data files and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Marketing => "marketing",
            Label::Verification => "verification",
            Label::Transactional => "transactional",
            Label::Personal => "personal",
        }
    }

    /// The label's position in [`Label::ALL`] and in the model's outputs.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The label at `index` in [`Label::ALL`].
    pub fn from_index(index: usize) -> Option<Label> {
        Label::ALL.get(index).copied()
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a string that names no label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLabel(pub String);

impl fmt::Display for UnknownLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown label {:?}: expected one of marketing, verification, transactional, personal",
            self.0
        )
    }
}

impl std::error::Error for UnknownLabel {}

impl FromStr for Label {
    type Err = UnknownLabel;

    fn from_str(s: &str) -> Result<Label, UnknownLabel> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLabel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, l) in Label::ALL.into_iter().enumerate() {
            assert_eq!(l.as_str().parse::<Label>(), Ok(l));
            assert_eq!(l.index(), i);
            assert_eq!(Label::from_index(i), Some(l));
        }
        assert_eq!(Label::from_index(4), None);
        for bad in ["", "Marketing", "spam", " marketing"] {
            assert!(bad.parse::<Label>().is_err(), "{bad:?}");
        }
        let msg = "spam".parse::<Label>().unwrap_err().to_string();
        assert!(msg.contains("expected one of"), "{msg}");
    }
}
