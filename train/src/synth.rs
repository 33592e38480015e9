//! The synthetic SMS generator: templates and lexicons from `data/synth/` (see its README for
//! the format), expanded with a seeded random generator.
//!
//! Real verification and transactional messages are scarce in public data; this corpus covers
//! every sub-type of LABELS.md, in modern and older styles, with the hard cases written in on
//! purpose. The same seed gives the same corpus on every machine (ChaCha8).

use crate::data::Example;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use smsguard::Label;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/synth_files.rs"));
}

/// A template or lexicon file that does not follow the format.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A syntax or reference error at a known place.
    #[error("{file}:{line}: {problem}")]
    At {
        /// `templates/<class>.txt` or `lexicons/<name>.txt`.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What was expected.
        problem: String,
    },
    /// A file or folder could not be read.
    #[error("{0}")]
    Io(String),
}

/// One piece of a parsed template.
#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Alt(Vec<Expr>),
    Slot(Slot),
}

type Expr = Vec<Node>;

#[derive(Clone, Debug)]
enum Slot {
    Sender,
    Lexicon(String),
    Code,
    Code4,
    Code6,
    Acode,
    Digits(usize, usize),
    Int(u64, u64),
    Amount,
    AmountSmall,
    Date,
    Time,
    Tail,
    Mobile,
    Hotline,
    Url,
    Minutes,
    Order,
    Pickup,
    TrainNo,
    FlightNo,
    Name,
}

/// How often a section whose senders include `-` sends without one.
const UNSIGNED_SHARE: f64 = 0.3;

/// Share of messages of every class written in traditional script.
const TRADITIONAL_SHARE: f64 = 0.03;

/// Share of messages of every class that get an opening from `lexicons/salutation.txt`, and,
/// independently, a closing from `lexicons/courtesy.txt`. Templates use greetings and polite
/// closings unevenly across classes; real senders of all three use them alike, and a model
/// trained on templates alone would otherwise read "尊敬的客户" or "祝您生活愉快" as a class.
const FRAME_SHARE: f64 = 0.15;

/// How a message that already greets the reader starts: it gets no second greeting.
const GREETINGS: &[&str] = &["尊敬", "亲爱", "您好", "你好", "亲，", "温馨提示"];

/// Share of marketing messages disguised the way bulk spam dodges keyword filters.
const OBFUSCATED_SHARE: f64 = 0.07;

/// Simplified -> traditional forms: messages from Hong Kong, Macao and Taiwan senders arrive in
/// traditional script, in every class, so the script alone must say nothing about the class.
const TRADITIONAL: &[(char, char)] = &[
    ('优', '優'),
    ('会', '會'),
    ('员', '員'),
    ('门', '門'),
    ('开', '開'),
    ('发', '發'),
    ('红', '紅'),
    ('现', '現'),
    ('点', '點'),
    ('请', '請'),
    ('电', '電'),
    ('话', '話'),
    ('领', '領'),
    ('礼', '禮'),
    ('买', '買'),
    ('卖', '賣'),
    ('价', '價'),
    ('钱', '錢'),
    ('费', '費'),
    ('车', '車'),
    ('级', '級'),
    ('动', '動'),
    ('欢', '歡'),
    ('热', '熱'),
    ('线', '線'),
    ('详', '詳'),
    ('询', '詢'),
    ('联', '聯'),
    ('务', '務'),
    ('万', '萬'),
    ('证', '證'),
    ('办', '辦'),
    ('银', '銀'),
    ('额', '額'),
    ('账', '賬'),
    ('户', '戶'),
    ('订', '訂'),
    ('单', '單'),
    ('号', '號'),
    ('余', '餘'),
    ('码', '碼'),
    ('验', '驗'),
    ('时', '時'),
    ('间', '間'),
    ('于', '於'),
    ('为', '為'),
    ('这', '這'),
    ('进', '進'),
    ('过', '過'),
    ('机', '機'),
    ('货', '貨'),
    ('达', '達'),
    ('预', '預'),
    ('计', '計'),
    ('谢', '謝'),
    ('宝', '寶'),
    ('网', '網'),
    ('购', '購'),
    ('转', '轉'),
    ('汇', '匯'),
    ('个', '個'),
    ('们', '們'),
    ('长', '長'),
    ('东', '東'),
    ('国', '國'),
    ('华', '華'),
    ('认', '認'),
    ('设', '設'),
    ('输', '輸'),
    ('记', '記'),
    ('录', '錄'),
    ('内', '內'),
    ('钟', '鐘'),
    ('确', '確'),
    ('态', '態'),
    ('续', '續'),
    ('启', '啟'),
    ('关', '關'),
    ('闭', '閉'),
    ('应', '應'),
    ('从', '從'),
    ('还', '還'),
    ('邮', '郵'),
    ('递', '遞'),
    ('营', '營'),
    ('业', '業'),
    ('处', '處'),
    ('议', '議'),
    ('险', '險'),
    ('检', '檢'),
    ('药', '藥'),
    ('医', '醫'),
    ('约', '約'),
    ('诊', '診'),
    ('馆', '館'),
    ('飞', '飛'),
    ('场', '場'),
    ('乐', '樂'),
    ('卫', '衛'),
    ('复', '復'),
    ('双', '雙'),
    ('几', '幾'),
    ('后', '後'),
    ('台', '臺'),
    ('该', '該'),
    ('击', '擊'),
    ('阅', '閱'),
    ('读', '讀'),
    ('让', '讓'),
    ('实', '實'),
    ('丽', '麗'),
    ('条', '條'),
    ('尔', '爾'),
];

/// Simplified -> traditional or variant forms that bulk spam swaps in to dodge filters.
const VARIANTS: &[(char, char)] = &[
    ('优', '優'),
    ('惠', '恵'),
    ('会', '會'),
    ('员', '員'),
    ('楼', '樓'),
    ('门', '門'),
    ('开', '開'),
    ('发', '發'),
    ('红', '紅'),
    ('现', '現'),
    ('点', '點'),
    ('请', '請'),
    ('电', '電'),
    ('话', '話'),
    ('贷', '貸'),
    ('场', '塲'),
    ('店', '扂'),
    ('领', '領'),
    ('礼', '禮'),
    ('买', '買'),
    ('卖', '賣'),
    ('价', '價'),
    ('钱', '錢'),
    ('费', '費'),
    ('车', '車'),
    ('级', '級'),
    ('动', '動'),
    ('欢', '歡'),
    ('热', '熱'),
    ('线', '線'),
    ('详', '詳'),
    ('询', '詢'),
    ('联', '聯'),
    ('系', '係'),
    ('务', '務'),
    ('厂', '廠'),
    ('惊', '驚'),
    ('喜', '囍'),
    ('万', '萬'),
    ('广', '廣'),
    ('告', '吿'),
    ('证', '證'),
    ('办', '辦'),
    ('银', '銀'),
    ('额', '額'),
];

/// Rewrite the characters [`TRADITIONAL`] knows in their traditional form.
fn to_traditional(text: &str) -> String {
    text.chars()
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(s, _)| *s == c)
                .map_or(c, |&(_, t)| t)
        })
        .collect()
}

/// Disguise a promotion: swap characters for variant forms, or wedge separators between them.
fn obfuscate(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    if rng.random_bool(0.5) {
        for c in text.chars() {
            match VARIANTS.iter().find(|(s, _)| *s == c) {
                Some(&(_, v)) if rng.random_bool(0.7) => out.push(v),
                _ => out.push(c),
            }
        }
    } else {
        let sep = *[" ", "*", "★", ".", "-", "、", "~"].choose(rng).unwrap();
        let mut run = 0;
        for c in text.chars() {
            out.push(c);
            run += 1;
            if smsguard::tokenizer::is_cjk(c) && run >= 2 && rng.random_bool(0.4) {
                out.push_str(sep);
                run = 0;
            }
        }
    }
    out
}

/// A parsed template with where it came from.
#[derive(Clone, Debug)]
struct Template {
    expr: Expr,
    /// The template writes an opt-out line or a promotional tail itself.
    has_tail: bool,
}

#[derive(Clone, Debug)]
struct Section {
    subtype: String,
    senders: Vec<String>,
    /// Some messages of this section have no sender (`-` among the senders).
    unsigned: bool,
    templates: Vec<Template>,
}

/// The loaded templates and lexicons.
#[derive(Clone, Debug)]
pub struct Grammar {
    classes: [Vec<Section>; Label::COUNT],
    lexicons: HashMap<String, Vec<Expr>>,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many messages.
    pub n: usize,
    /// The random seed.
    pub seed: u64,
    /// Only this class (otherwise all four, balanced).
    pub class: Option<Label>,
}

impl Grammar {
    /// The templates and lexicons compiled into this binary.
    pub fn embedded() -> Result<Grammar, SynthError> {
        Grammar::from_files(embedded::TEMPLATES, embedded::LEXICONS)
    }

    /// Read `dir/templates/*.txt` and `dir/lexicons/*.txt` (an edited copy of `data/synth`).
    pub fn from_dir(dir: &Path) -> Result<Grammar, SynthError> {
        let read = |sub: &str| -> Result<Vec<(String, String)>, SynthError> {
            let path = dir.join(sub);
            let entries = std::fs::read_dir(&path)
                .map_err(|e| SynthError::Io(format!("{}: {e}", path.display())))?;
            let mut files = Vec::new();
            for entry in entries {
                let p = entry.map_err(|e| SynthError::Io(e.to_string()))?.path();
                if p.extension().is_some_and(|x| x == "txt") {
                    let text = std::fs::read_to_string(&p)
                        .map_err(|e| SynthError::Io(format!("{}: {e}", p.display())))?;
                    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                    files.push((stem.to_owned(), text));
                }
            }
            files.sort();
            Ok(files)
        };
        let t = read("templates")?;
        let l = read("lexicons")?;
        let t: Vec<(&str, &str)> = t.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let l: Vec<(&str, &str)> = l.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        Grammar::from_files(&t, &l)
    }

    fn from_files(
        templates: &[(&str, &str)],
        lexicons: &[(&str, &str)],
    ) -> Result<Grammar, SynthError> {
        let mut g = Grammar {
            classes: Default::default(),
            lexicons: HashMap::new(),
        };
        // Where each lexicon entry and template came from, for reference errors.
        let mut origins: Vec<(String, usize, Expr)> = Vec::new();
        for (name, text) in lexicons {
            let file = format!("lexicons/{name}.txt");
            let mut entries = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let expr = parse(line).map_err(|problem| SynthError::At {
                    file: file.clone(),
                    line: i + 1,
                    problem,
                })?;
                origins.push((file.clone(), i + 1, expr.clone()));
                entries.push(expr);
            }
            if entries.is_empty() {
                return Err(SynthError::At {
                    file,
                    line: 1,
                    problem: "expected at least one entry, found none".into(),
                });
            }
            g.lexicons.insert((*name).to_owned(), entries);
        }
        for (name, text) in templates {
            let file = format!("templates/{name}.txt");
            let label: Label =
                name.parse()
                    .map_err(|e: smsguard::UnknownLabel| SynthError::At {
                        file: file.clone(),
                        line: 1,
                        problem: format!("template files are named after their class: {e}"),
                    })?;
            let sections = &mut g.classes[label.index()];
            for (i, line) in text.lines().enumerate() {
                let at = |problem: String| SynthError::At {
                    file: file.clone(),
                    line: i + 1,
                    problem,
                };
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(header) = line.strip_prefix('@') {
                    let mut parts = header.split_whitespace();
                    let (Some(subtype), Some(senders), None) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        return Err(at(format!(
                            "expected `@ <subtype> <sender-lexicons|->`, found {line:?}"
                        )));
                    };
                    let mut senders: Vec<String> = senders.split(',').map(str::to_owned).collect();
                    // `-` alone: never a sender; `-` in a list: sometimes none.
                    let unsigned = senders.iter().any(|s| s == "-");
                    senders.retain(|s| s != "-");
                    for s in &senders {
                        if !g.lexicons.contains_key(s) {
                            return Err(at(format!(
                                "sender lexicon {s:?} does not exist (expected lexicons/{s}.txt)"
                            )));
                        }
                    }
                    sections.push(Section {
                        subtype: subtype.to_owned(),
                        senders,
                        unsigned,
                        templates: Vec::new(),
                    });
                    continue;
                }
                let Some(section) = sections.last_mut() else {
                    return Err(at(
                        "expected a `@ <subtype> <senders>` line before the first template".into(),
                    ));
                };
                let expr = parse(line).map_err(at)?;
                let has_tail = mentions(&expr, &["optout", "promo_tail"]);
                origins.push((file.clone(), i + 1, expr.clone()));
                section.templates.push(Template { expr, has_tail });
            }
            if let Some(empty) = sections.iter().find(|s| s.templates.is_empty()) {
                return Err(SynthError::At {
                    file,
                    line: 1,
                    problem: format!("section {:?} has no templates", empty.subtype),
                });
            }
        }
        for (file, line, expr) in &origins {
            check_refs(expr, &g.lexicons).map_err(|problem| SynthError::At {
                file: file.clone(),
                line: *line,
                problem,
            })?;
        }
        Ok(g)
    }

    /// The sub-types of a class, in file order.
    pub fn subtypes(&self, label: Label) -> Vec<&str> {
        self.classes[label.index()]
            .iter()
            .map(|s| s.subtype.as_str())
            .collect()
    }

    /// How many templates a class has.
    pub fn template_count(&self, label: Label) -> usize {
        self.classes[label.index()]
            .iter()
            .map(|s| s.templates.len())
            .sum()
    }

    /// Generate a corpus: balanced across classes (every prefix too: classes take turns),
    /// sub-types uniform within a class.
    pub fn generate(&self, opts: &Options) -> Result<Vec<Example>, SynthError> {
        let wanted: &[Label] = match &opts.class {
            Some(label) => std::slice::from_ref(label),
            None => &Label::ALL,
        };
        if let Some(label) = wanted.iter().find(|l| self.classes[l.index()].is_empty()) {
            return Err(SynthError::Io(format!(
                "no templates for class {label}: expected templates/{label}.txt"
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
        Ok((0..opts.n)
            .map(|i| {
                let label = opts.class.unwrap_or(Label::ALL[i % Label::COUNT]);
                self.message(label, &mut rng)
            })
            .collect())
    }

    fn message(&self, label: Label, rng: &mut ChaCha8Rng) -> Example {
        let section = self.classes[label.index()]
            .choose(rng)
            .expect("classes are non-empty");
        let template = section
            .templates
            .choose(rng)
            .expect("sections are non-empty");
        let sender = self.pick_sender(section, rng);
        let mut ctx = Ctx {
            g: self,
            sender: sender.clone().unwrap_or_default(),
            depth: 0,
        };
        let mut text = String::new();
        // A person does not open with 尊敬的客户 or close with 祝您生活愉快: the frames are what
        // senders of the three business classes share, and telling them from a person's words
        // is the point.
        let framed = label != Label::Personal;
        if framed && rng.random_bool(FRAME_SHARE) {
            if let Some(entry) = self.lexicons.get("salutation").and_then(|e| e.choose(rng)) {
                ctx.expand(entry, rng, &mut text);
            }
        }
        let start = text.len();
        ctx.expand(&template.expr, rng, &mut text);
        let body = &text[start..];
        if GREETINGS.iter().any(|g| body.starts_with(g)) || has_signature(body) {
            text.drain(..start);
        }
        if !template.has_tail {
            if framed && rng.random_bool(FRAME_SHARE) {
                ctx.append_lexicon("courtesy", rng, &mut text);
            }
            let (optout, promo) = match label {
                // Many real promotions, older ones above all, carry no opt-out line; an ad
                // written like a person's text message (no sender) seldom does.
                Label::Marketing if sender.is_some() => (0.5, 0.0),
                Label::Marketing => (0.15, 0.0),
                Label::Transactional => (0.06, 0.12),
                Label::Verification => (0.03, 0.1),
                Label::Personal => (0.0, 0.0),
            };
            if rng.random_bool(promo) {
                ctx.append_lexicon("promo_tail", rng, &mut text);
            }
            if rng.random_bool(optout) {
                ctx.append_lexicon("optout", rng, &mut text);
            }
        }
        let mut text = tidy(&text);
        if rng.random_bool(TRADITIONAL_SHARE) {
            text = to_traditional(&text);
        }
        if label == Label::Marketing && rng.random_bool(OBFUSCATED_SHARE) {
            text = obfuscate(&text, rng);
        }
        if let Some(sender) = sender {
            if !has_signature(&text) && rng.random_bool(0.92) {
                let sig = if rng.random_bool(0.8) {
                    format!("【{sender}】")
                } else {
                    format!("[{sender}]")
                };
                text = if rng.random_bool(0.7) {
                    sig + &text
                } else {
                    text + &sig
                };
            }
        }
        Example {
            label,
            text,
            source: format!("synth:{}", section.subtype),
        }
    }

    fn pick_sender(&self, section: &Section, rng: &mut ChaCha8Rng) -> Option<String> {
        // Uniform over the union of the section's sender lexicons.
        let total: usize = section.senders.iter().map(|s| self.lexicons[s].len()).sum();
        if total == 0 || (section.unsigned && rng.random_bool(UNSIGNED_SHARE)) {
            return None;
        }
        let mut k = rng.random_range(0..total);
        for s in &section.senders {
            let entries = &self.lexicons[s];
            if k < entries.len() {
                let mut ctx = Ctx {
                    g: self,
                    sender: String::new(),
                    depth: 0,
                };
                let mut out = String::new();
                ctx.expand(&entries[k], rng, &mut out);
                return Some(out);
            }
            k -= entries.len();
        }
        None
    }
}

/// Whether `expr` uses any of the lexicons `names`.
fn mentions(expr: &Expr, names: &[&str]) -> bool {
    expr.iter().any(|n| match n {
        Node::Slot(Slot::Lexicon(l)) => names.contains(&l.as_str()),
        Node::Alt(alts) => alts.iter().any(|a| mentions(a, names)),
        _ => false,
    })
}

fn check_refs(expr: &Expr, lexicons: &HashMap<String, Vec<Expr>>) -> Result<(), String> {
    for n in expr {
        match n {
            Node::Slot(Slot::Lexicon(l)) if !lexicons.contains_key(l) => {
                return Err(format!(
                    "{{{l}}} is neither a built-in slot nor a lexicon (expected lexicons/{l}.txt)"
                ))
            }
            Node::Alt(alts) => {
                for a in alts {
                    // `{code|code6}` is two literal words; almost surely `{{code}|{code6}}` was meant.
                    if let [Node::Text(name)] = a.as_slice() {
                        let is_slot =
                            matches!(slot_of(name), Ok(Some(s)) if !matches!(s, Slot::Lexicon(_)));
                        if alts.len() > 1 && (is_slot || lexicons.contains_key(name)) {
                            return Err(format!(
                                "alternative {name:?} is a slot name; write {{{name}}} inside the alternatives to expand it"
                            ));
                        }
                    }
                    check_refs(a, lexicons)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parse one template line.
fn parse(line: &str) -> Result<Expr, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut pos = 0;
    let expr = parse_seq(&chars, &mut pos, false)?;
    if pos < chars.len() {
        return Err(format!(
            "unexpected {:?} at character {}",
            chars[pos],
            pos + 1
        ));
    }
    Ok(expr)
}

fn parse_seq(chars: &[char], pos: &mut usize, nested: bool) -> Result<Expr, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    while *pos < chars.len() {
        match chars[*pos] {
            '{' => {
                if !text.is_empty() {
                    out.push(Node::Text(std::mem::take(&mut text)));
                }
                *pos += 1;
                out.push(parse_braces(chars, pos)?);
            }
            '}' | '|' if nested => break,
            c @ ('}' | '|') => {
                return Err(format!(
                    "unexpected {c:?} at character {} outside braces (literal braces and bars cannot be written)",
                    *pos + 1
                ))
            }
            c => {
                text.push(c);
                *pos += 1;
            }
        }
    }
    if !text.is_empty() {
        out.push(Node::Text(text));
    }
    Ok(out)
}

/// Parse after a `{` up to and including its `}`.
fn parse_braces(chars: &[char], pos: &mut usize) -> Result<Node, String> {
    let open = *pos;
    let mut alts = Vec::new();
    loop {
        alts.push(parse_seq(chars, pos, true)?);
        match chars.get(*pos) {
            Some('|') => *pos += 1,
            Some('}') => {
                *pos += 1;
                break;
            }
            _ => return Err(format!("the `{{` at character {open} is never closed")),
        }
    }
    if let [alt] = alts.as_slice() {
        if let [Node::Text(name)] = alt.as_slice() {
            if let Some(slot) = slot_of(name)? {
                return Ok(Node::Slot(slot));
            }
        }
    }
    Ok(Node::Alt(alts))
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The slot a `{name}` names, `None` when it is literal text in braces.
fn slot_of(name: &str) -> Result<Option<Slot>, String> {
    if let Some((kind, arg)) = name.split_once(':') {
        let range = |arg: &str| -> Result<(u64, u64), String> {
            let (a, b) = arg.split_once('-').unwrap_or((arg, arg));
            let a: u64 = a
                .parse()
                .map_err(|_| format!("{{{name}}}: expected a number or A-B range"))?;
            let b: u64 = b
                .parse()
                .map_err(|_| format!("{{{name}}}: expected a number or A-B range"))?;
            if a > b {
                return Err(format!("{{{name}}}: the range is empty ({a} > {b})"));
            }
            Ok((a, b))
        };
        return match kind {
            "d" => {
                let (a, b) = range(arg)?;
                if a == 0 || b > 30 {
                    return Err(format!("{{{name}}}: expected between 1 and 30 digits"));
                }
                Ok(Some(Slot::Digits(a as usize, b as usize)))
            }
            "int" => range(arg).map(|(a, b)| Some(Slot::Int(a, b))),
            _ => Err(format!(
                "{{{name}}}: unknown slot kind {kind:?} (expected d: or int:)"
            )),
        };
    }
    if !is_identifier(name) {
        return Ok(None);
    }
    Ok(Some(match name {
        "sender" => Slot::Sender,
        "code" => Slot::Code,
        "code4" => Slot::Code4,
        "code6" => Slot::Code6,
        "acode" => Slot::Acode,
        "amount" => Slot::Amount,
        "amount_small" => Slot::AmountSmall,
        "date" => Slot::Date,
        "time" => Slot::Time,
        "tail" => Slot::Tail,
        "mobile" => Slot::Mobile,
        "hotline" => Slot::Hotline,
        "url" => Slot::Url,
        "minutes" => Slot::Minutes,
        "order" => Slot::Order,
        "pickup" => Slot::Pickup,
        "trainno" => Slot::TrainNo,
        "flightno" => Slot::FlightNo,
        "name" => Slot::Name,
        _ => Slot::Lexicon(name.to_owned()),
    }))
}

struct Ctx<'a> {
    g: &'a Grammar,
    sender: String,
    depth: usize,
}

impl Ctx<'_> {
    fn expand(&mut self, expr: &Expr, rng: &mut ChaCha8Rng, out: &mut String) {
        // Lexicon entries may refer to lexicons; a cycle stops here instead of overflowing.
        if self.depth > 12 {
            return;
        }
        self.depth += 1;
        for node in expr {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Alt(alts) => {
                    let alt = alts
                        .choose(rng)
                        .expect("parser never builds empty alternatives");
                    self.expand(alt, rng, out);
                }
                Node::Slot(slot) => self.slot(slot, rng, out),
            }
        }
        self.depth -= 1;
    }

    fn append_lexicon(&mut self, name: &str, rng: &mut ChaCha8Rng, out: &mut String) {
        let Some(entries) = self.g.lexicons.get(name) else {
            return;
        };
        let entry = entries.choose(rng).expect("lexicons are non-empty");
        let sep = *["", "", " ", "，", "。"].choose(rng).unwrap();
        let ends_sentence = out.ends_with(['。', '！', '!', '.', '~', '，', ',', ' ']);
        if !ends_sentence {
            out.push_str(sep);
        }
        self.expand(entry, rng, out);
    }

    fn slot(&mut self, slot: &Slot, rng: &mut ChaCha8Rng, out: &mut String) {
        match slot {
            Slot::Sender => out.push_str(&self.sender),
            Slot::Lexicon(name) => {
                if let Some(entry) = self.g.lexicons.get(name).and_then(|e| e.choose(rng)) {
                    self.expand(entry, rng, out);
                }
            }
            Slot::Code => {
                let r: f64 = rng.random();
                if r < 0.07 {
                    alnum_code(rng, out);
                } else {
                    let len = match r {
                        r if r < 0.55 => 6,
                        r if r < 0.8 => 4,
                        r if r < 0.87 => 5,
                        r if r < 0.95 => 8,
                        _ => 7,
                    };
                    digits(rng, len, out);
                }
            }
            Slot::Code4 => digits(rng, 4, out),
            Slot::Code6 => digits(rng, 6, out),
            Slot::Acode => alnum_code(rng, out),
            Slot::Digits(a, b) => {
                let n = rng.random_range(*a..=*b);
                digits(rng, n, out);
            }
            Slot::Int(a, b) => {
                let _ = write!(out, "{}", rng.random_range(*a..=*b));
            }
            Slot::Amount => amount(rng, false, out),
            Slot::AmountSmall => amount(rng, true, out),
            Slot::Date => date(rng, out),
            Slot::Time => time(rng, out),
            Slot::Tail => {
                let n = if rng.random_bool(0.85) { 4 } else { 3 };
                digits(rng, n, out);
            }
            Slot::Mobile => mobile(rng, out),
            Slot::Hotline => hotline(rng, out),
            Slot::Url => url(rng, out),
            Slot::Minutes => {
                const M: &[&str] = &[
                    "5分钟",
                    "5分钟",
                    "5分钟",
                    "10分钟",
                    "10分钟",
                    "15分钟",
                    "30分钟",
                    "2分钟",
                    "3分钟",
                    "1分钟",
                    "20分钟",
                    "60分钟",
                    "1小时",
                    "2小时",
                    "24小时",
                    "5min",
                    "10 分钟",
                    "五分钟",
                    "十分钟",
                    "三十分钟",
                ];
                out.push_str(M.choose(rng).unwrap());
            }
            Slot::Order => {
                if rng.random_bool(0.8) {
                    let n = rng.random_range(10..=19);
                    nonzero_digits(rng, n, out);
                } else {
                    const P: &[&str] = &["DD", "E", "SF", "JD", "YT", "ZT", "T", "P", "NO"];
                    out.push_str(P.choose(rng).unwrap());
                    let n = rng.random_range(8..=16);
                    digits(rng, n, out);
                }
            }
            Slot::Pickup => pickup(rng, out),
            Slot::TrainNo => {
                out.push(
                    *['G', 'G', 'G', 'D', 'D', 'C', 'K', 'T', 'Z']
                        .choose(rng)
                        .unwrap(),
                );
                let _ = write!(out, "{}", rng.random_range(1..=9999));
            }
            Slot::FlightNo => {
                const A: &[&str] = &[
                    "CA", "MU", "CZ", "HU", "3U", "ZH", "MF", "9C", "SC", "FM", "HO", "GS", "JD",
                    "KN", "8L", "EU", "G5", "PN", "TV", "GJ", "NS", "BK", "QW", "DZ",
                ];
                out.push_str(A.choose(rng).unwrap());
                let _ = write!(out, "{}", rng.random_range(100..=9999));
            }
            Slot::Name => {
                const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
                const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯晨欣怡婷雪琳子轩梓涵一诺";
                let s: Vec<char> = SURNAMES.chars().collect();
                let gvn: Vec<char> = GIVEN.chars().collect();
                out.push(*s.choose(rng).unwrap());
                match rng.random_range(0..6) {
                    0 => out.push('*'),
                    1 => out.push_str("**"),
                    2 => out.push_str("先生"),
                    3 => out.push_str("女士"),
                    4 => {
                        out.push('*');
                        out.push(*gvn.choose(rng).unwrap());
                    }
                    _ => {
                        out.push(*gvn.choose(rng).unwrap());
                        if rng.random_bool(0.6) {
                            out.push(*gvn.choose(rng).unwrap());
                        }
                    }
                }
            }
        }
    }
}

fn digits(rng: &mut impl Rng, n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
}

fn nonzero_digits(rng: &mut impl Rng, n: usize, out: &mut String) {
    if n == 0 {
        return;
    }
    out.push(char::from(b'1' + rng.random_range(0..9u8)));
    digits(rng, n - 1, out);
}

fn alnum_code(rng: &mut impl Rng, out: &mut String) {
    // No I/O/0/1 look-alikes, as real services avoid them; at least one letter and one digit.
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let n = rng.random_range(4..=8);
    let lower = rng.random_bool(0.2);
    let letter_at = rng.random_range(0..n);
    let digit_at = (letter_at + 1 + rng.random_range(0..n - 1)) % n;
    for i in 0..n {
        let c = if i == letter_at {
            *LETTERS.choose(rng).unwrap()
        } else if i == digit_at || rng.random_bool(0.5) {
            *DIGITS.choose(rng).unwrap()
        } else {
            *LETTERS.choose(rng).unwrap()
        };
        let c = char::from(c);
        out.push(if lower { c.to_ascii_lowercase() } else { c });
    }
}

fn amount(rng: &mut impl Rng, small: bool, out: &mut String) {
    let value: f64 = if small {
        rng.random_range(0.01..200.0)
    } else {
        // Log-uniform from 1 to 200k: small purchases are common, salaries and rent happen.
        10f64.powf(rng.random_range(0.0..5.3))
    };
    let cents = (value * 100.0).round() as u64;
    let (yuan, fen) = (cents / 100, cents % 100);
    let style = rng.random_range(0..4);
    let int_part = if style == 0 && yuan >= 1000 {
        let s = yuan.to_string();
        let mut grouped = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        grouped
    } else {
        yuan.to_string()
    };
    out.push_str(&int_part);
    match style {
        0 | 1 => {
            let _ = write!(out, ".{fen:02}");
        }
        2 if fen % 10 != 0 => {
            let _ = write!(out, ".{fen:02}");
        }
        2 if fen != 0 => {
            let _ = write!(out, ".{}", fen / 10);
        }
        _ => {}
    }
}

fn date(rng: &mut impl Rng, out: &mut String) {
    let y = rng.random_range(2013..=2026);
    let m = rng.random_range(1..=12);
    let d = rng.random_range(1..=28);
    let _ = match rng.random_range(0..9) {
        0 | 1 => write!(out, "{m}月{d}日"),
        2 => write!(out, "{m:02}月{d:02}日"),
        3 => write!(out, "{y}-{m:02}-{d:02}"),
        4 => write!(out, "{y}年{m}月{d}日"),
        5 => write!(out, "{m}/{d}"),
        6 => write!(out, "{d}日"),
        7 => write!(out, "{y}/{m:02}/{d:02}"),
        _ => write!(out, "{m:02}-{d:02}"),
    };
}

fn time(rng: &mut impl Rng, out: &mut String) {
    let h = rng.random_range(0..24);
    let m = rng.random_range(0..60);
    let _ = match rng.random_range(0..6) {
        0..=2 => write!(out, "{h:02}:{m:02}"),
        3 => write!(out, "{h}时{m:02}分"),
        4 => write!(out, "{h:02}:{m:02}:{:02}", rng.random_range(0..60)),
        _ => write!(out, "{h}点{m}分"),
    };
}

fn mobile(rng: &mut impl Rng, out: &mut String) {
    const PREFIX: &[&str] = &["13", "13", "15", "15", "18", "18", "17", "19", "14", "16"];
    out.push_str(PREFIX.choose(rng).unwrap());
    let mut rest = String::new();
    digits(rng, 9, &mut rest);
    if rng.random_bool(0.2) {
        out.push_str(&rest[..1]);
        out.push_str("****");
        out.push_str(&rest[5..]);
    } else {
        out.push_str(&rest);
    }
}

fn hotline(rng: &mut impl Rng, out: &mut String) {
    match rng.random_range(0..10) {
        0..=2 => {
            out.push_str("95");
            digits(rng, 3, out);
        }
        3 | 4 => {
            out.push_str("400-");
            digits(rng, 3, out);
            out.push('-');
            digits(rng, 4, out);
        }
        5 => {
            out.push_str("400");
            digits(rng, 7, out);
        }
        6 | 7 => {
            out.push('0');
            let area = rng.random_range(2..=3);
            digits(rng, area, out);
            out.push('-');
            nonzero_digits(rng, 8, out);
        }
        8 => {
            const S: &[&str] = &[
                "10086", "10010", "10000", "12345", "12306", "12315", "12366", "12333", "10099",
            ];
            out.push_str(S.choose(rng).unwrap());
        }
        _ => {
            out.push_str("1010");
            digits(rng, 4, out);
        }
    }
}

fn url(rng: &mut impl Rng, out: &mut String) {
    const HOSTS: &[&str] = &[
        "t.cn",
        "dwz.cn",
        "url.cn",
        "u.jd.com",
        "m.tb.cn",
        "c.tb.cn",
        "s.tb.cn",
        "3.cn",
        "mrw.so",
        "suo.im",
        "w.url.cn",
        "b23.tv",
        "v.douyin.com",
        "m.10086.cn",
        "u.10010.cn",
        "a.app.qq.com",
        "dpurl.cn",
        "u.meituan.com",
        "vip.com",
        "m.vip.com",
        "e.cmbchina.com",
        "m.ctrip.com",
        "tb.cn",
        "j.youzan.com",
        "xhslink.com",
        "m.pinduoduo.com",
        "pdd.cn",
        "kd.cn",
        "sf.express",
        "d.qunar.com",
        "12306.cn",
        "wx.qq.com",
        "mp.weixin.qq.com",
        "h5.ele.me",
        "m.suning.com",
        "dx.10000.cn",
    ];
    const ALNUM: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    match rng.random_range(0..4) {
        0 => out.push_str("https://"),
        1 => out.push_str("http://"),
        _ => {}
    }
    out.push_str(HOSTS.choose(rng).unwrap());
    if rng.random_bool(0.9) {
        out.push('/');
        if rng.random_bool(0.2) {
            out.push_str(["s/", "h.", "i/", "x/", "m/"].choose(rng).unwrap());
        }
        for _ in 0..rng.random_range(4..=9) {
            out.push(char::from(*ALNUM.choose(rng).unwrap()));
        }
    }
}

fn pickup(rng: &mut impl Rng, out: &mut String) {
    match rng.random_range(0..7) {
        0 | 1 => {
            let _ = write!(
                out,
                "{}-{}-",
                rng.random_range(1..=9),
                rng.random_range(1..=9)
            );
            digits(rng, 4, out);
        }
        2 => {
            out.push(char::from(b'A' + rng.random_range(0..8u8)));
            let _ = write!(out, "{}-", rng.random_range(1..=40));
            digits(rng, 4, out);
        }
        3 => digits(rng, 4, out),
        4 => digits(rng, 6, out),
        5 => {
            let _ = write!(out, "{}-", rng.random_range(1..=30));
            digits(rng, 4, out);
        }
        _ => {
            let _ = write!(
                out,
                "{}-{}-",
                rng.random_range(1..=9),
                rng.random_range(1..=30)
            );
            digits(rng, 3, out);
        }
    }
}

/// Whether a message already opens with a sender signature; `【482913】` is a code, not one.
fn has_signature(text: &str) -> bool {
    let Some((open, close)) = [('【', '】'), ('[', ']')]
        .into_iter()
        .find(|(o, _)| text.starts_with(*o))
    else {
        return false;
    };
    let inner = &text[open.len_utf8()..];
    match inner.find(close) {
        Some(end) => !inner[..end].chars().any(|c| c.is_ascii_digit()),
        None => false,
    }
}

/// Smooth over seams between expanded pieces: doubled sentence punctuation, stray spaces, tabs.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if matches!(c, '\t' | '\n' | '\r') {
            ' '
        } else {
            c
        };
        let last = out.chars().next_back();
        let doubled = match (last, c) {
            (Some(a), b) if a == b && "。，、；：".contains(b) => true,
            (Some('，'), '。') | (Some('。'), '，') => true,
            (Some(' '), ' ') => true,
            (None, ' ') => true,
            _ => false,
        };
        if doubled {
            if c == '。' && last == Some('，') {
                out.pop();
                out.push('。');
            }
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

/// Per class and sub-type counts of a generated corpus, as a table.
pub fn summary(examples: &[Example]) -> String {
    let mut counts: BTreeMap<(Label, &str), usize> = BTreeMap::new();
    for e in examples {
        let sub = e.source.strip_prefix("synth:").unwrap_or(&e.source);
        *counts.entry((e.label, sub)).or_default() += 1;
    }
    let mut out = String::new();
    for label in Label::ALL {
        let total: usize = counts
            .iter()
            .filter(|((l, _), _)| *l == label)
            .map(|(_, n)| n)
            .sum();
        if total == 0 {
            continue;
        }
        let _ = writeln!(out, "{label}: {total}");
        for ((_, sub), n) in counts.iter().filter(|((l, _), _)| *l == label) {
            let _ = writeln!(out, "  {sub:<24} {n:>7}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Grammar {
        let templates = [
            (
                "verification",
                "@ login app\n验证码{code}，{minutes}内有效\n{code6}是您的{sender}验证码\n",
            ),
            (
                "transactional",
                "@ parcel -\n取件码{pickup}，请到{驿站|柜机}取件\n",
            ),
            (
                "marketing",
                "@ promo app\n{sender}{大促|特卖}，{url}{optout}\n",
            ),
            ("personal", "@ chat -\n{老王|小李}，晚上{7|8}点老地方见\n"),
        ];
        let lexicons = [
            ("app", "# apps\n淘宝\n京东\n"),
            ("optout", "回T退订\n"),
            ("promo_tail", "下载App\n"),
        ];
        Grammar::from_files(&templates, &lexicons).unwrap()
    }

    #[test]
    fn traditional_script_rewrites_known_characters_only() {
        assert_eq!(
            to_traditional("您的验证码为123，请勿泄露"),
            "您的驗證碼為123，請勿泄露"
        );
        assert_eq!(to_traditional("abc 你好"), "abc 你好");
        assert!(TRADITIONAL.iter().all(|(s, t)| s != t));
    }

    #[test]
    fn same_seed_same_corpus() {
        let g = tiny();
        let opts = Options {
            n: 300,
            seed: 7,
            class: None,
        };
        let a = g.generate(&opts).unwrap();
        assert_eq!(a, g.generate(&opts).unwrap());
        let b = g.generate(&Options { seed: 8, ..opts }).unwrap();
        assert_ne!(a, b);
        let counts = crate::data::LabelCounts::of(&a);
        assert_eq!(counts.0, [75, 75, 75, 75]);
    }

    #[test]
    fn slots_expand() {
        let g = tiny();
        for e in g
            .generate(&Options {
                n: 300,
                seed: 1,
                class: None,
            })
            .unwrap()
        {
            assert!(!e.text.contains('{') && !e.text.contains('}'), "{}", e.text);
            // A few messages of every class are written in traditional script.
            let simplified: String = e
                .text
                .chars()
                .map(|c| {
                    TRADITIONAL
                        .iter()
                        .find(|(_, t)| *t == c)
                        .map_or(c, |&(s, _)| s)
                })
                .collect();
            match e.label {
                Label::Marketing => {
                    // Some promotions are obfuscated with separators between characters.
                    let plain: String = simplified
                        .chars()
                        .filter(|c| !" *★.-、~".contains(*c))
                        .collect();
                    assert!(plain.contains("回T退订"), "{}", e.text)
                }
                Label::Transactional => assert!(simplified.contains("取件码"), "{}", e.text),
                Label::Verification => assert!(simplified.contains("验证码"), "{}", e.text),
                Label::Personal => {
                    // No sender signature, opt-out line or company greeting is added.
                    assert!(simplified.contains("老地方见"), "{}", e.text);
                    assert!(
                        !e.text.contains('【') && !e.text.contains("退订"),
                        "{}",
                        e.text
                    );
                }
            }
            assert!(e.source.starts_with("synth:"));
        }
    }

    #[test]
    fn parse_errors_name_file_and_line() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "@ a -\n验证码{code",
                "templates/verification.txt:2:",
                "never closed",
            ),
            (
                "@ a -\n验证码}",
                "templates/verification.txt:2:",
                "outside braces",
            ),
            (
                "验证码{code}",
                "templates/verification.txt:1:",
                "expected a `@ <subtype>",
            ),
            (
                "@ a nosuch\nx",
                "templates/verification.txt:1:",
                "sender lexicon \"nosuch\"",
            ),
            (
                "@ a -\n{nosuch}",
                "templates/verification.txt:2:",
                "neither a built-in slot nor a lexicon",
            ),
            (
                "@ a -\n{code|code6}",
                "templates/verification.txt:2:",
                "is a slot name",
            ),
            (
                "@ a -\n{d:0}",
                "templates/verification.txt:2:",
                "between 1 and 30 digits",
            ),
            (
                "@ a -\n{int:9-1}",
                "templates/verification.txt:2:",
                "range is empty",
            ),
            (
                "@ a\nx",
                "templates/verification.txt:1:",
                "expected `@ <subtype>",
            ),
        ];
        for (text, place, what) in cases {
            let t = [
                ("verification", *text),
                ("transactional", "@ b -\nx\n"),
                ("marketing", "@ c -\ny\n"),
            ];
            let err = Grammar::from_files(&t, &[("app", "a\n")])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(place) && err.contains(what),
                "{text:?}: {err}"
            );
        }
        let t = [("spam", "@ a -\nx\n")];
        let err = Grammar::from_files(&t, &[]).unwrap_err().to_string();
        assert!(err.contains("named after their class"), "{err}");
    }

    #[test]
    fn builtins_have_their_shapes() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..2000 {
            let mut s = String::new();
            alnum_code(&mut rng, &mut s);
            assert!((4..=8).contains(&s.len()));
            assert!(
                s.chars().any(|c| c.is_ascii_digit()) && s.chars().any(|c| c.is_ascii_alphabetic()),
                "{s}"
            );
            let mut m = String::new();
            mobile(&mut rng, &mut m);
            assert_eq!(m.len(), 11, "{m}");
            let mut a = String::new();
            amount(&mut rng, true, &mut a);
            let v: f64 = a.replace(',', "").parse().unwrap();
            assert!(v <= 200.0, "{a}");
        }
    }

    #[test]
    fn signatures_are_recognized() {
        assert!(has_signature("【京东】您好"));
        assert!(has_signature("[Apple]code"));
        assert!(!has_signature("【482913】您正在支付"));
        assert!(!has_signature("您好【京东】"));
        assert!(!has_signature("【未闭合"));
    }

    #[test]
    fn obfuscation_changes_form_not_length_much() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let text = "全场优惠活动欢迎光临详询电话";
        let mut changed = 0;
        for _ in 0..50 {
            let o = obfuscate(text, &mut rng);
            assert!(
                o.chars().count() >= text.chars().count()
                    && o.chars().count() <= 2 * text.chars().count()
            );
            changed += usize::from(o != text);
        }
        assert!(changed > 40, "only {changed} of 50 changed");
        let mut seen = std::collections::HashSet::new();
        assert!(
            VARIANTS.iter().all(|(s, v)| s != v && seen.insert(*s)),
            "identity or duplicate entries"
        );
    }

    #[test]
    fn tidy_smooths_seams() {
        assert_eq!(tidy("你好，，世界。。"), "你好，世界。");
        assert_eq!(tidy("a，。b"), "a。b");
        assert_eq!(tidy(" a\tb  "), "a b");
    }

    #[test]
    fn embedded_grammar_loads_and_covers_every_class() {
        let g = Grammar::embedded().unwrap();
        for label in Label::ALL {
            assert!(!g.subtypes(label).is_empty(), "{label}");
        }
    }
}
