//! Text normalization shared by training and inference.
//!
//! One function, [`normalize`], turns a raw SMS into the form the tokenizer sees:
//!
//! - NFKC, so full-width letters, digits and punctuation become their ASCII forms (`１２３` ->
//!   `123`, `，` stays a CJK comma but `［` becomes `[`);
//! - Latin case folding (`回T退订` -> `回t退订`);
//! - control characters (NUL included) become spaces, runs of white space collapse, and a space
//!   survives only between two Latin words or numbers: Chinese text does not use spaces, and
//!   spam inserts them to dodge filters (`优 惠`);
//! - every run of digits **or of `x`** becomes one number placeholder chosen by the run's
//!   length. Some public corpora mask every digit as `x`; mapping both to the same placeholder
//!   means "contains xxx" can never tell a source apart. A run counts as a number when its whole
//!   ASCII-alphanumeric word is made of digits and `x` (`xxxx元`, `2x3`), so `box` stays a word;
//! - URLs (with or without a scheme: `t.cn/abc`) and e-mail addresses become placeholders.
//!
//! Sender signatures such as `【京东】` or `[招商银行]` are kept as they are: they are
//! informative.
//!
//! Each output character remembers the byte range of the original text it came from, so callers
//! can point back into the message (to extract a code or an opt-out word) after classifying the
//! normalized form.
//!
//! Placeholders are single characters from the Unicode Private Use Area (U+E000...), which no
//! SMS carries in practice after NFKC, so the tokenizer sees each one as one atomic symbol.
//!
//! Only the first [`MAX_CHARS`] characters of a message are read (see [`readable_prefix`]): a
//! real SMS has at most a few hundred, a long concatenated one about a thousand, and the model
//! reads only its first few dozen tokens anyway. This bounds the work per message by a constant
//! whatever arrives, and it is the same cut in training and inference.

use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// A symbol that stands for a class of spans (numbers by length, URLs, e-mail addresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placeholder {
    /// A number (or `x`-masked number) of the given length bucket.
    Number(NumLen),
    /// A URL, with or without a scheme.
    Url,
    /// An e-mail address.
    Email,
}

/// Length buckets for number placeholders. Lengths up to 8 are kept exact (codes are 4-8
/// digits); longer runs are bucketed (11 is a mobile number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NumLen {
    /// Exactly 1 to 8 characters.
    Exact(u8),
    /// 9 or 10 characters.
    From9To10,
    /// Exactly 11 characters: a mobile number, most of the time.
    Eleven,
    /// 12 characters or more: card, order and account numbers.
    From12,
}

const PUA_BASE: u32 = 0xE000;

impl Placeholder {
    /// Every placeholder, in the order of their code points.
    pub const ALL: [Placeholder; 13] = [
        Placeholder::Number(NumLen::Exact(1)),
        Placeholder::Number(NumLen::Exact(2)),
        Placeholder::Number(NumLen::Exact(3)),
        Placeholder::Number(NumLen::Exact(4)),
        Placeholder::Number(NumLen::Exact(5)),
        Placeholder::Number(NumLen::Exact(6)),
        Placeholder::Number(NumLen::Exact(7)),
        Placeholder::Number(NumLen::Exact(8)),
        Placeholder::Number(NumLen::From9To10),
        Placeholder::Number(NumLen::Eleven),
        Placeholder::Number(NumLen::From12),
        Placeholder::Url,
        Placeholder::Email,
    ];

    /// The number placeholder for a run of `len` digits or `x`.
    pub fn number(len: usize) -> Placeholder {
        Placeholder::Number(match len {
            0..=8 => NumLen::Exact(len.max(1) as u8),
            9 | 10 => NumLen::From9To10,
            11 => NumLen::Eleven,
            _ => NumLen::From12,
        })
    }

    fn index(self) -> u32 {
        match self {
            Placeholder::Number(NumLen::Exact(n)) => u32::from(n) - 1,
            Placeholder::Number(NumLen::From9To10) => 8,
            Placeholder::Number(NumLen::Eleven) => 9,
            Placeholder::Number(NumLen::From12) => 10,
            Placeholder::Url => 11,
            Placeholder::Email => 12,
        }
    }

    /// The private-use character that represents this placeholder in normalized text.
    pub fn as_char(self) -> char {
        // The index is below 13, so the code point is always a valid private-use scalar.
        char::from_u32(PUA_BASE + self.index()).unwrap_or('\u{E000}')
    }

    /// The placeholder a normalized character stands for, if it is one.
    pub fn from_char(c: char) -> Option<Placeholder> {
        let i = (c as u32).checked_sub(PUA_BASE)?;
        Placeholder::ALL.get(i as usize).copied()
    }

    /// A readable name, such as `<N6>`, `<N9-10>`, `<URL>`.
    pub fn name(self) -> &'static str {
        const NAMES: [&str; 13] = [
            "<N1>", "<N2>", "<N3>", "<N4>", "<N5>", "<N6>", "<N7>", "<N8>", "<N9-10>", "<N11>",
            "<N12+>", "<URL>", "<EMAIL>",
        ];
        NAMES[self.index() as usize]
    }
}

/// A normalized message, with the byte range in the original text of every output character.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    spans: Vec<Range<usize>>,
}

impl Normalized {
    /// The normalized text; placeholders are private-use characters (see [`Placeholder`]).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// For each character of [`Normalized::as_str`], in order, the byte range of the original
    /// text it came from. Several output characters can share one range (NFKC expansions), and
    /// a placeholder's range covers the whole number, URL or address it replaced.
    pub fn spans(&self) -> &[Range<usize>] {
        &self.spans
    }

    /// The original byte range covered by the normalized byte range `norm`, or `None` if it is
    /// empty or does not fall on character boundaries of the normalized text.
    pub fn original_range(&self, norm: Range<usize>) -> Option<Range<usize>> {
        if norm.start >= norm.end
            || !self.text.is_char_boundary(norm.start)
            || !self.text.is_char_boundary(norm.end)
            || norm.end > self.text.len()
        {
            return None;
        }
        let first = self.text[..norm.start].chars().count();
        let count = self.text[norm.start..norm.end].chars().count();
        let start = self.spans[first].start;
        let end = self.spans[first + count - 1].end;
        Some(start..end)
    }

    /// The text with placeholders spelled out (`<N6>`, `<URL>`), for people and logs.
    pub fn display(&self) -> String {
        display(&self.text)
    }

    fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }

    fn push(&mut self, c: char, span: Range<usize>) {
        self.text.push(c);
        self.spans.push(span);
    }
}

/// Spell out the placeholders of a normalized string (`<N6>`, `<URL>`).
pub fn display(normalized: &str) -> String {
    let mut out = String::with_capacity(normalized.len() + 16);
    for c in normalized.chars() {
        match Placeholder::from_char(c) {
            Some(p) => out.push_str(p.name()),
            None => out.push(c),
        }
    }
    out
}

/// Characters of a message that are read, by the normalizer (hence the model) and by the
/// extraction rules; the rest is ignored, and a prediction says so (`Prediction::truncated`).
pub const MAX_CHARS: usize = 1024;

/// The part of `text` that is read: its first [`MAX_CHARS`] characters (all of it when shorter).
/// A prefix, so byte offsets into it are offsets into `text`. Costs at most `MAX_CHARS` steps.
pub fn readable_prefix(text: &str) -> &str {
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// Normalize one message (its first [`MAX_CHARS`] characters). See the
/// [module documentation](self) for the rules.
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::default();
    normalize_into(text, &mut out, &mut Vec::new());
    out
}

/// One character after NFKC and case folding, with the original byte range it came from.
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    pub(crate) c: char,
    pub(crate) span: Range<usize>,
}

/// [`normalize`] into caller-owned buffers, so a hot loop allocates nothing once they have grown.
pub(crate) fn normalize_into(text: &str, out: &mut Normalized, units: &mut Vec<Unit>) {
    out.clear();
    fold(readable_prefix(text), units);
    let mut i = 0;
    // A space waits here until we know what follows it.
    let mut pending_space: Option<Range<usize>> = None;
    while i < units.len() {
        let u = &units[i];
        if u.c == ' ' {
            let span = u.span.clone();
            pending_space = Some(match pending_space {
                Some(p) => p.start..span.end,
                None => span,
            });
            i += 1;
            continue;
        }
        let (token, next) = scan(units, i);
        if let Some(space) = pending_space.take() {
            let prev_wordlike = out.text.chars().next_back().is_some_and(is_wordlike);
            let next_wordlike = match token {
                Token::Char(c) => is_wordlike(c),
                Token::Placeholder(_) | Token::Word => true,
            };
            if prev_wordlike && next_wordlike {
                out.push(' ', space);
            }
        }
        match token {
            Token::Char(c) => out.push(c, units[i].span.clone()),
            Token::Placeholder(p) => {
                out.push(p.as_char(), units[i].span.start..units[next - 1].span.end)
            }
            Token::Word => emit_word(&units[i..next], out),
        }
        i = next;
    }
}

/// Apply NFKC, case folding and the control/white-space mapping, one original char at a time.
pub(crate) fn fold(text: &str, units: &mut Vec<Unit>) {
    units.clear();
    for (start, c) in text.char_indices() {
        let span = start..start + c.len_utf8();
        if c.is_ascii() {
            let c = if c.is_ascii_control() || c.is_ascii_whitespace() {
                ' '
            } else {
                c.to_ascii_lowercase()
            };
            units.push(Unit { c, span });
            continue;
        }
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            // CJK Unified Ideographs, most of a Chinese message: NFKC leaves them as they are
            // (the compatibility ideographs live in other blocks) and they have no case, so the
            // normalizer's per-character machinery is skipped.
            units.push(Unit { c, span });
            continue;
        }
        for d in std::iter::once(c).nfkc() {
            if d.is_control() || d.is_whitespace() || is_invisible(d) {
                units.push(Unit {
                    c: ' ',
                    span: span.clone(),
                });
            } else if Placeholder::from_char(d).is_some() {
                // A private-use character in the input must not pose as a placeholder.
                units.push(Unit {
                    c: '\u{FFFD}',
                    span: span.clone(),
                });
            } else {
                for l in d.to_lowercase() {
                    units.push(Unit {
                        c: l,
                        span: span.clone(),
                    });
                }
            }
        }
    }
}

/// Zero-width and formatting characters that spam uses to split words.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Characters next to which a space is meaningful: Latin letters, digits and placeholders.
fn is_wordlike(c: char) -> bool {
    c.is_ascii_alphanumeric() || Placeholder::from_char(c).is_some()
}

enum Token {
    /// One character, copied.
    Char(char),
    /// One placeholder replacing `units[i..next]`.
    Placeholder(Placeholder),
    /// An ASCII alphanumeric word that mixes letters and digits, or letters only.
    Word,
}

/// Recognize the token that starts at `units[i]`; returns it and the index after it.
fn scan(units: &[Unit], i: usize) -> (Token, usize) {
    let c = units[i].c;
    if !c.is_ascii_alphanumeric() {
        return (Token::Char(c), i + 1);
    }
    let at_word_start = i == 0 || !is_url_char(units[i - 1].c);
    if at_word_start {
        if let Some(end) = match_url(units, i) {
            return (Token::Placeholder(Placeholder::Url), end);
        }
        if let Some(end) = match_email(units, i) {
            return (Token::Placeholder(Placeholder::Email), end);
        }
    }
    let end = alnum_end(units, i);
    if units[i..end].iter().all(|u| is_digit_or_x(u.c)) {
        (Token::Placeholder(Placeholder::number(end - i)), end)
    } else {
        (Token::Word, end)
    }
}

/// Copy a mixed word, replacing each digit run with its number placeholder (`4g` -> `<N1>g`).
fn emit_word(word: &[Unit], out: &mut Normalized) {
    // Which characters stand for digits: digits, and `x` runs that are masked digits, i.e.
    // runs of two or more (`xxxm2` masks `120m2`) or next to a digit (`2x`). A lone `x` between
    // letters (`box`, `taxi`) stays a letter.
    let n = word.len();
    let mut numeric = vec![false; n];
    let mut j = 0;
    while j < n {
        let c = word[j].c;
        if c.is_ascii_digit() {
            numeric[j] = true;
            j += 1;
        } else if c == 'x' {
            let start = j;
            while j < n && word[j].c == 'x' {
                j += 1;
            }
            let next_to_digit = (start > 0 && word[start - 1].c.is_ascii_digit())
                || (j < n && word[j].c.is_ascii_digit());
            if j - start >= 2 || next_to_digit {
                numeric[start..j].iter_mut().for_each(|v| *v = true);
            }
        } else {
            j += 1;
        }
    }
    let mut j = 0;
    while j < n {
        if numeric[j] {
            let start = j;
            while j < n && numeric[j] {
                j += 1;
            }
            let p = Placeholder::number(j - start);
            out.push(p.as_char(), word[start].span.start..word[j - 1].span.end);
        } else {
            out.push(word[j].c, word[j].span.clone());
            j += 1;
        }
    }
}

fn is_digit_or_x(c: char) -> bool {
    c.is_ascii_digit() || c == 'x'
}

fn alnum_end(units: &[Unit], i: usize) -> usize {
    let mut j = i;
    while j < units.len() && units[j].c.is_ascii_alphanumeric() {
        j += 1;
    }
    j
}

/// Characters that may continue a URL once it has started. Brackets and commas are left out:
/// in Chinese text they usually close the sentence around the link.
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#@!$&'*+=%".contains(c)
}

/// Top-level domains that appear in SMS links; a bare `word.tld` counts as a URL only with one
/// of these, so decimals (`5.6`) and abbreviations do not.
const TLDS: &[&str] = &[
    "cn", "com", "net", "org", "cc", "me", "io", "top", "vip", "ly", "co", "info", "xyz", "so",
    "la", "gl", "tv", "hk", "gov", "edu", "ink", "shop", "club", "site", "wang", "tw", "app",
];

fn starts_with(units: &[Unit], i: usize, s: &str) -> bool {
    let mut j = i;
    for c in s.chars() {
        match units.get(j) {
            Some(u) if u.c == c => j += 1,
            _ => return false,
        }
    }
    true
}

/// The end of the URL starting at `units[i]`, if one does.
fn match_url(units: &[Unit], i: usize) -> Option<usize> {
    let schemed = ["https://", "http://", "www."]
        .iter()
        .any(|s| starts_with(units, i, s));
    if schemed {
        let mut j = i;
        while j < units.len() && is_url_char(units[j].c) {
            j += 1;
        }
        return Some(trim_url_end(units, i, j));
    }
    // Bare host: label(.label)+ ending in a known TLD, then an optional path.
    let mut j = i;
    let mut labels = 0;
    let mut last_label = i..i;
    loop {
        let start = j;
        while j < units.len() && (units[j].c.is_ascii_alphanumeric() || units[j].c == '-') {
            j += 1;
        }
        if j == start {
            return None;
        }
        labels += 1;
        last_label = start..j;
        if j < units.len()
            && units[j].c == '.'
            && units
                .get(j + 1)
                .is_some_and(|u| u.c.is_ascii_alphanumeric())
        {
            j += 1;
        } else {
            break;
        }
    }
    let tld: String = units[last_label].iter().map(|u| u.c).collect();
    if labels < 2 || !TLDS.contains(&tld.as_str()) {
        return None;
    }
    if j < units.len() && units[j].c == '@' {
        return None; // the domain part of an e-mail address, handled elsewhere
    }
    if j < units.len() && units[j].c == '/' {
        while j < units.len() && is_url_char(units[j].c) {
            j += 1;
        }
    } else if j < units.len() && units[j].c.is_ascii_alphanumeric() {
        return None;
    }
    Some(trim_url_end(units, i, j))
}

/// Sentence punctuation right after a link belongs to the sentence, not to the link.
fn trim_url_end(units: &[Unit], start: usize, mut end: usize) -> usize {
    while end > start + 1 && matches!(units[end - 1].c, '.' | '!' | '?' | ':' | '\'') {
        end -= 1;
    }
    end
}

/// The end of the e-mail address starting at `units[i]`, if one does.
fn match_email(units: &[Unit], i: usize) -> Option<usize> {
    let mut j = i;
    while j < units.len() && (units[j].c.is_ascii_alphanumeric() || "._-+".contains(units[j].c)) {
        j += 1;
    }
    if j == i || j >= units.len() || units[j].c != '@' {
        return None;
    }
    let host = j + 1;
    let mut k = host;
    while k < units.len() && (units[k].c.is_ascii_alphanumeric() || "-.".contains(units[k].c)) {
        k += 1;
    }
    let end = trim_url_end(units, host, k);
    let dotted = units[host..end].iter().any(|u| u.c == '.');
    (dotted && end > host).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normalize and spell out the placeholders.
    fn n(s: &str) -> String {
        normalize(s).display()
    }

    /// The fast path of `fold` for CJK Unified Ideographs is exact: NFKC maps each to itself
    /// and none has a case or is blank.
    #[test]
    fn ideographs_fold_to_themselves() {
        for c in '\u{4E00}'..='\u{9FFF}' {
            let nfkc: Vec<char> = std::iter::once(c).nfkc().collect();
            assert_eq!(nfkc, [c], "{c:?}");
            assert!(c.to_lowercase().eq([c]) && !c.is_whitespace() && !c.is_control());
            assert!(Placeholder::from_char(c).is_none() && !is_invisible(c));
        }
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("   ", ""),
            ("验证码123456", "验证码<N6>"),
            ("验证码 123456 ，请勿泄露", "验证码<N6>,请勿泄露"),
            // x-masked digits and real digits give the same text
            ("优惠xxxx元，详询xxxxxxxxxxx", "优惠<N4>元,详询<N11>"),
            ("优惠8888元，详询13812345678", "优惠<N4>元,详询<N11>"),
            ("利息x.x起", "利息<N1>.<N1>起"),
            ("利息3.5起", "利息<N1>.<N1>起"),
            ("XXXX年XX月XX日", "<N4>年<N2>月<N2>日"),
            ("2014年05月21日", "<N4>年<N2>月<N2>日"),
            ("50,000.00元", "<N2>,<N3>.<N2>元"),
            // full width, case folding, signatures kept
            ("【京东】ＡＢＣ１２３", "【京东】abc<N3>"),
            ("［招商银行］回T退订", "[招商银行]回t退订"),
            ("回TD退订", "回td退订"),
            ("拒收请回复Ｒ", "拒收请回复r"),
            // words with x stay words; mixed words keep letters
            ("xbox box taxi", "xbox box taxi"),
            ("4G套餐 5G", "<N1>g套餐<N1>g"),
            ("Your code is 4821", "your code is <N4>"),
            ("a3k9", "a<N1>k<N1>"),
            // masked digits inside mixed words: runs of x, or x next to a digit
            ("xxxm2x", "<N3>m<N2>"),
            ("120m2", "<N3>m<N1>"),
            ("wx1234", "w<N5>"),
            ("wxxxxx", "w<N5>"),
            ("xl xxl", "xl <N2>l"),
            // white space: collapsed, kept only between Latin words and numbers
            ("优 惠  活动", "优惠活动"),
            ("a\t\n b", "a b"),
            ("公司地址                        ：北京", "公司地址:北京"),
            // URLs and e-mail
            ("详情 http://t.cn/AbC123 回T退订", "详情<URL>回t退订"),
            ("戳 t.cn/A6xYz 领取", "戳<URL>领取"),
            ("访问www.jd.com。", "访问<URL>。"),
            ("登录https://m.10086.cn/x?a=1&b=2，", "登录<URL>,"),
            ("邮箱zhang.san@qq.com联系", "邮箱<EMAIL>联系"),
            ("xxxxxxxxx@qq.com", "<EMAIL>"),
            ("利率5.6%", "利率<N1>.<N1>%"),
            ("jd.com", "<URL>"),
            ("v1.0", "v<N1>.<N1>"),
            // control characters, NUL, zero-width
            ("验\0证\u{200B}码", "验证码"),
            // emoji and other symbols pass through
            ("🎉双11狂欢🎉", "🎉双<N2>狂欢🎉"),
            // compatibility characters
            ("①②", "<N2>"),
            // a private-use character in the input is not a placeholder
            ("\u{E005}", "\u{FFFD}"),
        ];
        for (input, want) in cases {
            assert_eq!(&n(input), want, "input {input:?}");
        }
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "【京东】验证码 ４８２９１３，访问 t.cn/Ab1 ";
        let norm = normalize(text);
        assert_eq!(norm.as_str().chars().count(), norm.spans().len());
        let pieces: Vec<&str> = norm.spans().iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(
            pieces,
            [
                "【",
                "京",
                "东",
                "】",
                "验",
                "证",
                "码",
                "４８２９１３",
                "，",
                "访",
                "问",
                "t.cn/Ab1"
            ]
        );
    }

    #[test]
    fn original_range_maps_placeholders_back() {
        let text = "您的验证码是 482913 ，5分钟内有效";
        let norm = normalize(text);
        let code = Placeholder::number(6).as_char();
        let at = norm.as_str().find(code).unwrap();
        let r = norm.original_range(at..at + code.len_utf8()).unwrap();
        assert_eq!(&text[r], "482913");
        assert_eq!(norm.original_range(0..0), None);
        assert_eq!(norm.original_range(0..1), None, "not a char boundary");
        assert_eq!(norm.original_range(0..10_000), None);
    }

    #[test]
    fn spans_are_ordered_and_in_bounds_on_hostile_text() {
        let long: String = "优惠活动😀１２x ".repeat(12_500); // 100k chars
        let inputs = [
            long.as_str(),
            "\0\0\0",
            "\u{FEFF}",
            "ｘｘｘ",
            "http://",
            "@@@.com",
            "a@b.",
            "www.",
            "...///",
            "\u{1F600}\u{1F3FB}",
        ];
        for input in inputs {
            let norm = normalize(input);
            assert_eq!(norm.as_str().chars().count(), norm.spans().len());
            let mut last_start = 0;
            for r in norm.spans() {
                assert!(
                    r.start < r.end && r.end <= input.len(),
                    "{r:?} in {input:?}"
                );
                assert!(input.is_char_boundary(r.start) && input.is_char_boundary(r.end));
                assert!(r.start >= last_start, "spans go backwards in {input:?}");
                last_start = r.start;
            }
        }
    }

    #[test]
    fn only_the_readable_prefix_is_read() {
        let cases: &[(&str, usize)] = &[
            ("", 0),
            ("验证码", 3),
            (&"码".repeat(MAX_CHARS), MAX_CHARS),
            (&"码".repeat(MAX_CHARS + 1), MAX_CHARS),
            (&"😀".repeat(MAX_CHARS * 3), MAX_CHARS),
        ];
        for (text, chars) in cases {
            let p = readable_prefix(text);
            assert!(text.starts_with(p));
            assert_eq!(p.chars().count(), *chars);
        }
        // A number cut by the prefix is read as what is left of it.
        let text = format!("{}{}", "码".repeat(MAX_CHARS - 3), "1234567");
        assert!(n(&text).ends_with("<N3>"), "{}", n(&text));
        let huge = "1".repeat(1 << 20);
        assert_eq!(n(&huge), "<N12+>");
        assert_eq!(normalize(&huge).spans()[0], 0..MAX_CHARS);
    }

    #[test]
    fn full_width_x_masks_fold_too() {
        assert_eq!(n("ｘｘｘ元"), "<N3>元");
    }

    #[test]
    fn placeholder_chars_round_trip() {
        for p in Placeholder::ALL {
            assert_eq!(Placeholder::from_char(p.as_char()), Some(p));
        }
        assert_eq!(Placeholder::from_char('a'), None);
        assert_eq!(Placeholder::number(0), Placeholder::number(1));
        assert_eq!(Placeholder::number(11).name(), "<N11>");
        assert_eq!(Placeholder::number(40).name(), "<N12+>");
    }
}
