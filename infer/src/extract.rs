//! What a user needs next, read from the message with plain rules: the verification code and
//! how long it is valid, the sender signature, the parcel pickup code and the reply that
//! unsubscribes.
//!
//! The rules run on the NFKC-folded, lower-cased characters of the message (so `ＴＤ`, `Td` and
//! `td` read alike) and report byte ranges of the **original** text, plus the original slice.
//!
//! A verification code is a 4-8 character run of digits, or of letters and digits with at least
//! one digit, next to a code word (`验证码`, `校验码`, `动态密码`, `code`, ...): after it
//! (`验证码：482913`) or before it (`482913是您的验证码`). Runs that are part of something else
//! never qualify, whatever their distance: card tails (`尾号1234`), amounts (`¥1280`, `1280元`),
//! years and dates (`2025年`, `2026-03-05`), times (`14:30`), phone and service numbers (too
//! long, or after `致电`/`客服`), order and tracking numbers, coupon and pickup codes, and the
//! reply of an opt-out (`回复0000退订`). The nearest remaining run wins.
//!
//! Only the first [`MAX_CHARS`](crate::normalize::MAX_CHARS) characters are read, as for the
//! model: codes, signatures and opt-outs sit in the first few hundred characters of any real
//! SMS. Every rule is linear in what it reads (a keyword and its value are at most
//! [`MAX_GAP_CHARS`] apart), so the cost of one message is bounded by a constant whatever its
//! length.

use crate::normalize::{fold, readable_prefix, Unit};

/// The farthest a code may sit from its code word, in characters, whatever [`gap`] counts:
/// an English sentence between them is about 40 (`code for your Microsoft account is`).
const MAX_GAP_CHARS: usize = 64;

/// A piece of the original message: its text and its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Span {
    /// The original text of the range.
    pub text: String,
    /// Byte offset of the first byte in the original message.
    pub start: usize,
    /// Byte offset one past the last byte in the original message.
    pub end: usize,
}

/// A one-time verification code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Code {
    /// The code, as written (letters keep their case).
    pub value: Span,
    /// The stated validity period (`5分钟`, `15 minutes`), when there is one.
    pub validity: Option<Span>,
    /// What the code is for, as the message says: users ask which account a code belongs to.
    pub purpose: Purpose,
}

/// What a verification code is for (see [`Code::purpose`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// Logging in.
    Login,
    /// Creating an account (`注册`, `开户`).
    Signup,
    /// Paying or confirming a transaction.
    Payment,
    /// Resetting or changing a password.
    Reset,
    /// Binding or changing a phone number, card, e-mail or device.
    Binding,
    /// Anything else, or not said.
    Other,
}

impl Purpose {
    /// `login`, `signup`, `payment`, `reset`, `binding` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Signup => "signup",
            Purpose::Payment => "payment",
            Purpose::Reset => "reset",
            Purpose::Binding => "binding",
            Purpose::Other => "other",
        }
    }
}

/// A reply-to-unsubscribe instruction (`回T退订`, `拒收请回复R`, `Reply STOP`).
///
/// Replying to a 106 number is an ordinary SMS and may be charged (often 0.1 yuan), and many
/// senders ignore it: a client should say so before it sends the reply.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OptOut {
    /// What to send, upper-cased and half-width (`T`, `TD`, `QXFS`, `R`, `0000`, `STOP`).
    pub reply: String,
    /// The instruction as written.
    pub phrase: Span,
}

/// Everything [`extract`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extraction {
    /// The verification code, if the message carries one.
    pub code: Option<Code>,
    /// The sender signature without its brackets (`京东` for `【京东】`), at the start or the end.
    pub sender: Option<Span>,
    /// The parcel pickup code (`取件码3-2-1024`); never reported as a verification code.
    pub pickup_code: Option<Span>,
    /// The reply-to-unsubscribe instruction.
    pub opt_out: Option<OptOut>,
    /// A secret other than a short code that LABELS.md counts as verification: a password-reset
    /// or activation link, an initial password, a WLAN password. Like a code, it keeps the
    /// message from being folded.
    pub secret: Option<Secret>,
}

/// A secret that is not a one-time code (see [`Extraction::secret`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Secret {
    /// What it is.
    pub kind: SecretKind,
    /// The link or the password, as written.
    pub value: Span,
}

/// The kinds of [`Secret`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretKind {
    /// A link that resets a password.
    ResetLink,
    /// A link that activates an account or confirms an address.
    ActivationLink,
    /// An initial password for a new account or line.
    InitialPassword,
    /// A WLAN (Wi-Fi) password.
    WlanPassword,
}

impl SecretKind {
    /// `reset_link`, `activation_link`, `initial_password` or `wlan_password`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ResetLink => "reset_link",
            SecretKind::ActivationLink => "activation_link",
            SecretKind::InitialPassword => "initial_password",
            SecretKind::WlanPassword => "wlan_password",
        }
    }
}

/// Read the code, sender, pickup code and opt-out instruction of one message (its first
/// [`MAX_CHARS`](crate::normalize::MAX_CHARS) characters; a signature at the end of a longer
/// message is not seen).
pub fn extract(text: &str) -> Extraction {
    let mut units = Vec::new();
    fold(readable_prefix(text), &mut units);
    let t = Text {
        orig: text,
        c: units.iter().map(|u| simplified(u.c)).collect(),
        units: &units,
    };
    let pickup = pickup_code(&t);
    // Read once: it makes a link a reset link and names the code's purpose.
    let resets = resets_password(&t);
    let secret = secret(&t, resets);
    // A standing password (initial, or a shop's Wi-Fi) is a secret, not a one-time code, even
    // after `密码`; a WLAN password issued for a while (`随机密码`, `30分钟内有效`) is both.
    let code = verification_code(&t, pickup.as_ref().map(|r| r.0..r.1)).filter(|&(s, e)| {
        secret.is_none_or(|(kind, ss, se)| {
            let one_time = kind == SecretKind::WlanPassword
                && (validity(&t, s, e).is_some()
                    || (s.saturating_sub(8)..s).any(|k| t.at(k, "动态") || t.at(k, "随机"))
                    || (e..t.len().min(e + 12)).any(|k| {
                        // Not the bare `s` of `60s`: any word's `s` would do.
                        DURATION_UNITS.iter().any(|u| u.len() > 1 && t.at(k, u))
                    }));
            e <= ss || se <= s || one_time
        })
    });
    // `【12306】` is a sender, but in `【482913】是您的验证码` the brackets hold the code.
    let sender = sender(&t).filter(|&(s, e)| code.is_none_or(|(cs, ce)| e <= cs || ce <= s));
    Extraction {
        code: code.map(|(s, e)| Code {
            value: t.span(s, e),
            validity: validity(&t, s, e).map(|(a, b)| t.span(a, b)),
            // A WLAN password lets a device onto the network; `请在登录页面输入` names the
            // portal, not an account's login.
            purpose: match secret {
                Some((SecretKind::WlanPassword, ss, se)) if ss < e && s < se => Purpose::Other,
                _ => purpose(&t, resets),
            },
        }),
        sender: sender.map(|(s, e)| t.span(s, e)),
        pickup_code: pickup.map(|(s, e)| t.span(s, e)),
        opt_out: opt_out(&t),
        secret: secret.map(|(kind, s, e)| Secret {
            kind,
            value: t.span(s, e),
        }),
    }
}

/// The folded characters of a message and where each came from.
struct Text<'a> {
    orig: &'a str,
    c: Vec<char>,
    units: &'a [Unit],
}

impl Text<'_> {
    /// The original text of folded characters `s..e` (`s < e`).
    fn span(&self, s: usize, e: usize) -> Span {
        let start = self.units[s].span.start;
        let end = self.units[e - 1].span.end;
        Span {
            text: self.orig[start..end].to_owned(),
            start,
            end,
        }
    }

    fn len(&self) -> usize {
        self.c.len()
    }

    /// Does the text at `i` read `word`?
    fn at(&self, i: usize, word: &str) -> bool {
        (i..)
            .zip(word.chars())
            .all(|(j, w)| self.c.get(j) == Some(&w))
    }

    /// The first of `words` that ends exactly at `end`, ignoring spaces before `end`.
    fn ends_with_any(&self, end: usize, words: &[&str]) -> bool {
        let end = self.skip_spaces_back(end);
        words.iter().any(|w| {
            let n = w.chars().count();
            end >= n && self.at(end - n, w)
        })
    }

    /// The first of `words` that starts at `i`, ignoring spaces at `i`; returns its end.
    fn starts_with_any(&self, i: usize, words: &[&str]) -> Option<usize> {
        let i = self.skip_spaces(i);
        words
            .iter()
            .find(|w| self.at(i, w))
            .map(|w| i + w.chars().count())
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.c.get(i) == Some(&' ') {
            i += 1;
        }
        i
    }

    fn skip_spaces_back(&self, mut end: usize) -> usize {
        while end > 0 && self.c[end - 1] == ' ' {
            end -= 1;
        }
        end
    }

    /// Was folded character `i` written as one of `chars` (a space folded from a control
    /// character or a line break does not separate the digits of a code)?
    fn written(&self, i: usize, chars: &[char]) -> bool {
        self.units.get(i).is_some_and(|u| {
            let mut orig = self.orig[u.span.clone()].chars();
            orig.next().is_some_and(|c| chars.contains(&c)) && orig.next().is_none()
        })
    }

    /// Were folded characters `s..e` written as letters and digits (in any script's width),
    /// with at most spaces and dashes between? A character that the normalizer's Unicode
    /// tables map to a letter but the standard library's do not know (`₝`, U+209D) is no part
    /// of a code (found by the fuzzer).
    fn written_alnum(&self, s: usize, e: usize) -> bool {
        let (a, b) = (self.units[s].span.start, self.units[e - 1].span.end);
        self.orig[a..b]
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\u{3000}'))
    }

    /// The end of the ASCII letter-and-digit run that starts at `i`.
    fn alnum_end(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.len() && self.c[j].is_ascii_alphanumeric() {
            j += 1;
        }
        j
    }

    /// Every occurrence of each word, as (start, end).
    fn find_words(&self, words: &[&str]) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        // First characters decoded once: most positions match none and cost one scan.
        let firsts: Vec<char> = words.iter().filter_map(|w| w.chars().next()).collect();
        for i in 0..self.len() {
            if !firsts.contains(&self.c[i]) {
                continue;
            }
            if let Some(w) = words.iter().find(|w| self.at(i, w)) {
                found.push((i, i + w.chars().count()));
            }
        }
        found
    }
}

/// The simplified form of the traditional characters the rules' keywords use (`驗證碼`,
/// `分鐘`, `取件碼`, `回覆`, `憑`...), so Hong Kong and Taiwan messages meet the same rules.
/// Extraction only: the model reads the text as written, and spans point at the original.
fn simplified(c: char) -> char {
    const PAIRS: &[(char, char)] = &[
        ('驗', '验'),
        ('證', '证'),
        ('碼', '码'),
        ('認', '认'),
        ('確', '确'),
        ('號', '号'),
        ('鐘', '钟'),
        ('時', '时'),
        ('內', '内'),
        ('輸', '输'),
        ('請', '请'),
        ('簡', '简'),
        ('訊', '讯'),
        ('動', '动'),
        ('態', '态'),
        ('錄', '录'),
        ('隨', '随'),
        ('機', '机'),
        ('權', '权'),
        ('啟', '启'),
        ('啓', '启'),
        ('覆', '复'),
        ('貨', '货'),
        ('憑', '凭'),
        ('領', '领'),
        ('編', '编'),
        ('訂', '订'),
        ('閱', '阅'),
        ('絕', '绝'),
        ('單', '单'),
        ('運', '运'),
        ('為', '为'),
        ('於', '于'),
        ('後', '后'),
        ('驛', '驿'),
        ('點', '点'),
        ('註', '注'),
        ('冊', '册'),
        ('綁', '绑'),
        ('設', '设'),
        ('戶', '户'),
        ('帳', '账'),
        ('賬', '账'),
        ('僅', '仅'),
        ('洩', '泄'),
        ('轉', '转'),
        ('資', '资'),
        ('過', '过'),
        ('期', '期'),
        ('戲', '戏'),
        ('遊', '游'),
        ('購', '购'),
        ('電', '电'),
        ('繳', '缴'),
        ('費', '费'),
        ('間', '间'),
        ('無', '无'),
        ('線', '线'),
        ('網', '网'),
        ('話', '话'),
        ('預', '预'),
        ('記', '记'),
        ('開', '开'),
        ('櫃', '柜'),
        ('換', '换'),
        ('變', '变'),
        ('現', '现'),
    ];
    PAIRS.iter().find(|p| p.0 == c).map_or(c, |p| p.1)
}

/// Words that name a one-time code.
const CODE_WORDS: &[&str] = &[
    "验证码",
    "校验码",
    "动态码",
    "动态密码",
    "动态口令",
    "短信码",
    "确认码",
    "随机码",
    "认证码",
    "安全码",
    "登录码",
    "授权码",
    "交易码",
    "激活码",
    "注册码",
    "短信口令",
    "验证代码",
    "id代码",
    "密码",
    "verification code",
    "one-time password",
    "one-time pin",
    "verify code",
    "code",
    "otp",
    "passcode",
    "pin",
];

/// Words right before a number that make it something other than a code.
const NOT_CODE_BEFORE: &[&str] = &[
    "尾号",
    "末四位",
    "后四位",
    "卡号",
    "账号",
    "账户",
    "订单",
    "单号",
    "编号",
    "流水号",
    "交易号",
    "取件码",
    "取货码",
    "提货码",
    "取餐码",
    "自提码",
    "优惠码",
    "兑换码",
    "邀请码",
    "推荐码",
    "券码",
    "券",
    "抽奖码",
    "礼包码",
    "会员号",
    "优惠代码",
    "开柜码",
    "ending",
    "ending in",
    "a/c",
    "电话",
    "热线",
    "客服",
    "致电",
    "拨打",
    "号码",
    "手机",
    "手机号",
    "来电",
    "回复",
    "回",
    "发送",
    "金额",
    "¥",
    "￥",
    "$",
    "车次",
    "航班",
    "房间",
    "工号",
    "会议密码",
    "会议号",
    "座位",
    "promo code",
    "coupon code",
    "discount code",
    "gift code",
    "invite code",
    "referral code",
    "call",
    "order",
    "no.",
    "#",
];

/// Words right after a number that make it a quantity, a date or a time.
const NOT_CODE_AFTER: &[&str] = &[
    "元",
    "年",
    "月",
    "日",
    "号",
    "分",
    "秒",
    "天",
    "个",
    "次",
    "笔",
    "%",
    "折",
    "块",
    "万",
    "期",
    "位",
    "人",
    "张",
    "件",
    "退订",
    "退",
    "拒收",
    // A code the message says is no longer valid (`此前的验证码824016已失效`).
    "已失效",
    "已过期",
    "已作废",
    "has expired",
    "expired",
    "is no longer valid",
];

/// The verification code: the candidate nearest to a code word. Returns its folded range.
fn verification_code(t: &Text, pickup: Option<std::ops::Range<usize>>) -> Option<(usize, usize)> {
    let logs_in = t.c.contains(&'密') && !t.find_words(&["登录", "登入", "登陆"]).is_empty();
    let keywords: Vec<(usize, usize)> = t
        .find_words(CODE_WORDS)
        .into_iter()
        .filter(|&(s, e)| {
            // `code` inside `qrcode`, `pin` inside `shopping` or `pink`, or `code` after
            // `promo`, names something else.
            let inside_word =
                (t.c[s].is_ascii_alphabetic() && s > 0 && t.c[s - 1].is_ascii_alphanumeric())
                    || (t.c[e - 1].is_ascii_alphabetic()
                        && t.c.get(e).is_some_and(char::is_ascii_alphabetic));
            // `卡号8821 0192…，密码502913`: the password of a gift or prepaid card, a voucher
            // (LABELS.md: transactional). `动态密码` after a card number is still a code word,
            // and a member number with a password to log in with is a login name with an
            // initial password (verification), kept protected.
            let card_password = e - s == 2
                && !logs_in
                && t.at(s, "密码")
                && !(s >= 2
                    && ["动态", "随机", "交易", "短信"]
                        .iter()
                        .any(|w| t.at(s - 2, w)))
                && (s.saturating_sub(24)..s)
                    .rev()
                    .take_while(|&k| !"。；;!！".contains(t.c[k]))
                    .any(|k| t.at(k, "卡号") || t.at(k, "券号"));
            !inside_word
                && !card_password
                && !t.ends_with_any(
                    s,
                    &["promo", "coupon", "discount", "gift", "invite", "referral"],
                )
        })
        .collect();
    // `Use 204815 to reset your password`: an English code with no code word.
    let uses = t.find_words(&["use "]);
    if keywords.is_empty() && uses.is_empty() {
        return None;
    }
    const USE_TO: &[&str] = &[
        "reset", "sign in", "log in", "login", "verify", "confirm", "complete", "activate",
    ];
    let used = |s: usize, e: usize| {
        uses.iter().any(|&(_, ue)| ue == s)
            && t.starts_with_any(e, &["to "])
                .is_some_and(|k| t.starts_with_any(k, USE_TO).is_some())
    };
    // Only the nearest code word on each side of a candidate matters: a farther one spans a
    // wider gap, which [`gap`] never scores lower. So each candidate costs two binary searches
    // and two walks of at most `MAX_GAP_CHARS`, instead of one walk per code word.
    let starts: Vec<usize> = keywords.iter().map(|k| k.0).collect();
    let mut ends: Vec<usize> = keywords.iter().map(|k| k.1).collect();
    ends.sort_unstable();
    let mut best: Option<(usize, (usize, usize))> = None;
    let mut i = 0;
    while i < t.len() {
        if !t.c[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let (s, mut e) = (i, t.alnum_end(i));
        // A code spelled out digit by digit (`7 1 5 0 3 6`): 4 to 8 single digits, one space
        // apart, count as one candidate.
        let mut spaced = 1;
        if e == s + 1 && t.c[s].is_ascii_digit() {
            while spaced < 8
                && t.written(e, &[' ', '\u{3000}'])
                && t.c.get(e + 1).is_some_and(|c| c.is_ascii_digit())
                && !t.c.get(e + 2).is_some_and(|c| c.is_ascii_alphanumeric())
            {
                e += 2;
                spaced += 1;
            }
        }
        let mut spaced = spaced >= 4;
        if !spaced {
            e = t.alnum_end(s);
        }
        // Equal groups of digits joined by one kind of dash or space, 6 to 8 digits in all
        // (`381-904`, `617 248`, `38 29 10`, `4829 1037`), not part of a longer chain (a phone,
        // card or meeting number). Groups of four only with spaces: `2025-2026` is two years.
        let digits =
            |a: usize, b: usize| b <= t.len() && t.c[a..b].iter().all(char::is_ascii_digit);
        let g = e - s;
        if !spaced
            && (2..=4).contains(&g)
            && digits(s, e)
            && !(s > 0 && (t.c[s - 1].is_ascii_alphanumeric() || t.c[s - 1] == '-'))
            && !(s > 1 && t.c[s - 1] == ' ' && t.c[s - 2].is_ascii_digit())
        {
            let seps: &[char] = if g == 4 {
                &[' ', '\u{3000}']
            } else {
                &['-', ' ', '\u{3000}']
            };
            let sep = t.c.get(e).copied();
            let (mut end, mut groups) = (e, 1);
            while groups * g < 8
                && t.written(end, seps)
                && t.c.get(end) == sep.as_ref()
                && digits(end + 1, end + 1 + g)
                && !t.c.get(end + 1 + g).is_some_and(char::is_ascii_digit)
            {
                end += 1 + g;
                groups += 1;
            }
            let chain_goes_on = t.c.get(end).is_some_and(char::is_ascii_alphanumeric)
                || (t.c.get(end).is_some_and(|&c| c == '-' || c == ' ')
                    && t.c.get(end + 1).is_some_and(char::is_ascii_digit));
            if groups >= 2 && (6..=8).contains(&(groups * g)) && !chain_goes_on {
                e = end;
                spaced = true;
            } else if groups >= 2 && chain_goes_on {
                // A card or phone number in groups (`6210 3301 8821 2291`): none of its groups
                // is a code.
                while end < t.len()
                    && (t.c[end].is_ascii_digit()
                        || ((t.c[end] == ' ' || t.c[end] == '-')
                            && t.c.get(end + 1).is_some_and(char::is_ascii_digit)))
                {
                    end += 1;
                }
                i = end;
                continue;
            }
        }
        i = e;
        let candidate = if spaced {
            let b = t.skip_spaces_back(s);
            !t.ends_with_any(b, NOT_CODE_BEFORE) && t.starts_with_any(e, NOT_CODE_AFTER).is_none()
        } else {
            is_code_candidate(t, s, e)
        };
        if !candidate
            || !t.written_alnum(s, e)
            || pickup.as_ref().is_some_and(|p| s < p.end && p.start < e)
        {
            continue;
        }
        let letters_only = !t.c[s..e].iter().any(|c| c.is_ascii_digit());
        // Keyword first (`验证码：482913`).
        // `Your OTP for the transfer of HKD 2,500.00 to a/c ending 3321 is 840271`: in
        // English the code word may be the subject of a long sentence whose verb `is` comes
        // right before the code.
        let reach = if t.ends_with_any(s, &[" is", " is:"]) {
            24
        } else {
            12
        };
        let before = ends[..ends.partition_point(|&ke| ke <= s)]
            .last()
            .and_then(|&ke| gap(t, ke, s, reach))
            // A code of letters only (`VDPDG`) must follow its word closely.
            .filter(|&d| !letters_only || d <= 2);
        // The code first (`482913是您的验证码`), which costs one extra step so that a code
        // after its word wins a tie. A long bridge only after `是`, `为` or a bracket
        // (`2607 是您的免费无线上网一次性验证码`), so `nian430请打开此链接以重置您的密码` names
        // no code. Letters-only codes never come first.
        let after = starts
            .get(starts.partition_point(|&ks| ks < e))
            .filter(|_| !letters_only)
            .and_then(|&ks| {
                let opens = t.c[t.skip_spaces(e).min(ks)..ks]
                    .iter()
                    .find(|c| !"」』”\"'".contains(**c))
                    .is_some_and(|c| "是为(（)）".contains(*c));
                gap(t, e, ks, if opens { 14 } else { 10 }).map(|d| d + 1)
            });
        let dist = match (before, after) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .or(used(s, e).then_some(1));
        if let Some(d) = dist {
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, (s, e)));
            }
        }
    }
    best.map(|(_, r)| r)
}

/// Could `s..e` be a code, judging from its own characters and its neighbours?
fn is_code_candidate(t: &Text, s: usize, e: usize) -> bool {
    let run = &t.c[s..e];
    if !(4..=8).contains(&run.len()) {
        return false;
    }
    // Each folded character must be one original character: a code never holds a ligature
    // (`ǉ` folds to `lj`) or starts or ends inside one (`½` folds to `1⁄2`), and its length is
    // counted as written.
    let same = |a: usize, b: usize| t.units[a].span == t.units[b].span;
    if (s > 0 && same(s - 1, s))
        || (e < t.len() && same(e - 1, e))
        || (s + 1..e).any(|j| same(j - 1, j))
    {
        return false;
    }
    // Letters only: a code such as `VDPDG` or `hQDxNy` carries several capitals; a word in
    // lower case or capitalized (`ready`, `Expires`) is an ordinary word.
    if !run.iter().any(|c| c.is_ascii_digit()) {
        let original = &t.orig[t.units[s].span.start..t.units[e - 1].span.end];
        if original.chars().filter(|c| c.is_uppercase()).count() < 2 {
            return false;
        }
    }
    // Part of a date, time, amount, range or dashed number: `2026-03-05`, `14:30`, `128.50`.
    let joined = |c: Option<&char>, d: Option<&char>| match c {
        Some('-' | '.' | '/' | '_' | '@') => d.is_some_and(|d| d.is_ascii_alphanumeric()),
        // A colon joins a time (`14:30`), not a label and its value (`OTP:5829`).
        Some(':') => d.is_some_and(|d| d.is_ascii_digit()),
        _ => false,
    };
    // Except digits after a service's capital letters and a dash (`G-482715`, `TB-3057`):
    // the digits are what the user types.
    let prefixed = s >= 2 && t.c[s - 1] == '-' && run.iter().all(|c| c.is_ascii_digit()) && {
        let mut b = s - 1;
        while b > 0 && t.c[b - 1].is_ascii_alphabetic() && s - 1 - b < 3 {
            b -= 1;
        }
        let letters = &t.orig[t.units[b].span.start..t.units[s - 2].span.end];
        b < s - 1
            && (b == 0 || !t.c[b - 1].is_ascii_alphanumeric())
            && letters.chars().all(|c| c.is_ascii_uppercase())
    };
    if (s >= 2 && !prefixed && joined(t.c.get(s - 1), t.c.get(s - 2)))
        || joined(t.c.get(e), t.c.get(e + 1))
    {
        return false;
    }
    // Look past quotes and colons: `抽奖码"100579"`, `尾号：1234`.
    let mut b = s;
    while b > 0 && " :：\"'“”‘’「」【】[(（".contains(t.c[b - 1]) {
        b -= 1;
    }
    !t.ends_with_any(b, NOT_CODE_BEFORE) && t.starts_with_any(e, NOT_CODE_AFTER).is_none()
}

/// How far apart `a` and `b` are: characters, except that spaces are free and a Latin word
/// counts as one (`is your login code`); `None` beyond `max` or across a sentence end.
fn gap(t: &Text, a: usize, b: usize, max: usize) -> Option<usize> {
    if b - a > MAX_GAP_CHARS {
        return None;
    }
    let mut n = 0;
    let gap = &t.c[a..b];
    let mut run = (0, false); // the current Latin run: length, holds a digit
    for (i, &c) in gap.iter().enumerate() {
        // `code. Expires`: an English sentence ends at a full stop after a word.
        let sentence_end = matches!(c, '。' | '!' | '?' | ';' | '；' | '！' | '？')
            || (c == '.'
                && gap.get(i + 1) == Some(&' ')
                && i > 0
                && gap[i - 1].is_ascii_alphanumeric());
        if sentence_end {
            return None;
        }
        run = if c.is_ascii_alphanumeric() {
            (run.0 + 1, run.1 || c.is_ascii_digit())
        } else {
            (0, false)
        };
        // A longer token with digits in between (`code is __JHCiEA5...`) is what the word
        // names, too long to be a code here: nothing beyond it is.
        if run.0 > 8 && run.1 {
            return None;
        }
        let continues_word =
            c.is_ascii_alphanumeric() && i > 0 && gap[i - 1].is_ascii_alphanumeric();
        if c != ' ' && !continues_word {
            n += 1;
        }
    }
    (n <= max).then_some(n)
}

const DURATION_UNITS: &[&str] = &[
    "分钟",
    "分鐘",
    "个小时",
    "小时",
    "秒钟",
    "秒",
    "天",
    "minutes",
    "minute",
    "mins",
    "min",
    "hours",
    "hour",
    "hrs",
    "hr",
    "seconds",
    "second",
    "secs",
    // `60s`; last, so that every longer unit is tried first.
    "s",
];

/// The validity period nearest to the code at `s..e`: a number and a unit of time with a word
/// that says it bounds validity (`5分钟内有效`, `有效期10分钟`, `valid for 15 minutes`).
fn validity(t: &Text, s: usize, e: usize) -> Option<(usize, usize)> {
    let numeral = |c: char| c.is_ascii_digit() || "一二两三四五六七八九十半百".contains(c);
    let mut best: Option<(usize, (usize, usize))> = None;
    let mut i = 0;
    while i < t.len() {
        if !numeral(t.c[i]) || (i > 0 && numeral(t.c[i - 1])) {
            i += 1;
            continue;
        }
        let ns = i;
        while i < t.len() && numeral(t.c[i]) {
            i += 1;
        }
        if ns < e && s < i {
            continue; // the code itself
        }
        let Some(ue) = t.starts_with_any(i, DURATION_UNITS) else {
            continue;
        };
        if ue < t.len() && t.c[ue].is_ascii_alphabetic() {
            continue; // `minx`: some other word
        }
        let said_before = t.ends_with_any(
            ns,
            &[
                "有效期",
                "有效期为",
                "有效期是",
                "有效时间",
                "有效时间为",
                "在",
                "于",
                "valid for",
                "valid",
                "限",
                "expires in",
                "within",
                "in",
            ],
        );
        let said_after = t
            .starts_with_any(
                ue,
                &["内", "有效", "过期", "失效", "后失效", "以内", "valid"],
            )
            .is_some();
        // `券有效期7天`: the period of a coupon, a card or points, not of the code.
        let other_object = (ns.saturating_sub(5)..ns)
            .rev()
            .take_while(|&k| !"，,。;；：: ".contains(t.c[k]))
            .any(|k| {
                ["券", "红包", "积分", "会员", "优惠", "礼包"]
                    .iter()
                    .any(|w| t.at(k, w))
            });
        // The period must lie wholly before or after the code: in `有效期5 min1234` the
        // candidate `min1234` overlaps the unit.
        let d = if ue <= s {
            Some(s - ue)
        } else if ns >= e {
            Some(ns - e)
        } else {
            None
        };
        if let (Some(d), true, false) = (d, said_before || said_after, other_object) {
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, (ns, ue)));
            }
        }
    }
    best.map(|(_, r)| r)
}

const OPENERS: &[(char, char)] = &[('【', '】'), ('[', ']'), ('〖', '〗'), ('〔', '〕')];

/// The signature's folded range without brackets: at the start, else at the end.
fn sender(t: &Text) -> Option<(usize, usize)> {
    const MAX: usize = 24;
    let plausible = |s: usize, e: usize| {
        let inner = &t.c[s..e];
        !inner.is_empty()
            && inner.iter().any(|c| *c != ' ')
            && !inner
                .iter()
                .any(|c| OPENERS.iter().any(|&(o, cl)| *c == o || *c == cl))
    };
    let start = t.skip_spaces(0);
    if let Some(&(_, close)) = OPENERS.iter().find(|(o, _)| t.c.get(start) == Some(o)) {
        if let Some(k) = (start + 1..t.len().min(start + MAX + 2)).find(|&k| t.c[k] == close) {
            if plausible(start + 1, k) {
                return Some((start + 1, k));
            }
        }
    }
    let end = t.skip_spaces_back(t.len());
    let last = *t.c.get(end.checked_sub(1)?)?;
    let &(open, _) = OPENERS.iter().find(|(_, c)| *c == last)?;
    let k = (end.saturating_sub(MAX + 2)..end - 1)
        .rev()
        .find(|&k| t.c[k] == open)?;
    plausible(k + 1, end - 1).then_some((k + 1, end - 1))
}

/// Quotes and colons that may sit between a keyword and its value.
fn is_connector(c: char) -> bool {
    matches!(
        c,
        ' ' | ':'
            | '：'
            | '"'
            | '\''
            | '“'
            | '”'
            | '‘'
            | '’'
            | '「'
            | '」'
            | '『'
            | '』'
            | '【'
            | '】'
            | '('
            | ')'
            | '<'
            | '>'
            | '《'
            | '》'
            | '为'
            | '是'
    )
}

/// The pickup code: after `取件码`-like words (simplified and traditional); after `凭` or
/// `请用` when the same clause goes on to collect (`凭B-12-3045到…驿站取件`, `凭2-1-7301及时取`);
/// or a shelf code (`7-4-2210`) after `编码`/`编号` in a parcel message.
fn pickup_code(t: &Text) -> Option<(usize, usize)> {
    const WORDS: &[&str] = &[
        "取件编号",
        "取件码",
        "取货码",
        "提货码",
        "取件号码",
        "取件号",
        "取货号",
        "自提码",
        "取餐码",
        "取件密码",
        "取件验证码",
        "开箱码",
        "开柜码",
        "提件码",
        "货架号",
        "pickup code",
        "pick-up code",
        "pick up code",
        "collection code",
    ];
    let value_at = |mut i: usize| -> Option<(usize, usize)> {
        let mut skipped = 0;
        while i < t.len() && is_connector(t.c[i]) && skipped < 4 {
            i += 1;
            skipped += 1;
        }
        if !t.c.get(i)?.is_ascii_alphanumeric() {
            return None;
        }
        let s = i;
        let mut e = i;
        // Letters and digits, and dashes between them (`3-2-1024`).
        while e < t.len()
            && (t.c[e].is_ascii_alphanumeric()
                || (t.c[e] == '-' && t.c.get(e + 1).is_some_and(|c| c.is_ascii_alphanumeric())))
        {
            e += 1;
        }
        (e - s >= 2 && t.c[s..e].iter().any(|c| c.is_ascii_digit())).then_some((s, e))
    };
    for (_, ke) in t.find_words(WORDS) {
        if let Some(r) = value_at(ke) {
            return Some(r);
        }
    }
    // `凭8842取件`, `请用D3-18到…柜取包裹`: a collecting verb (`取` in any form) later in the
    // same clause, within a place name's length.
    let clause_end = |i: usize| {
        (i..t.len().min(i + 24))
            .find(|&k| "，,。;；!！?？\n".contains(t.c[k]))
            .unwrap_or(t.len().min(i + 24))
    };
    for (_, ke) in t.find_words(&["凭", "请用"]) {
        if let Some((s, e)) = value_at(ke) {
            if (e..clause_end(e)).any(|k| matches!(t.c[k], '取' | '领' | '領' | '提')) {
                return Some((s, e));
            }
        }
    }
    // `包裹编码7-4-2210号`, `编号C-06-119，请到…取包裹`: only a shelf code (with a dash) in a
    // message about a parcel, so order and member numbers stay out.
    const PARCEL: &[&str] = &["包裹", "快递", "快件", "驿站", "取件", "代收点"];
    // The rarer words first: most messages name no `编码` and skip the parcel scan.
    let numbered = t.find_words(&["编码", "编号"]);
    if !numbered.is_empty() && !t.find_words(PARCEL).is_empty() {
        for (ks, ke) in numbered {
            if ks >= 2 && (t.at(ks - 2, "订单") || t.at(ks - 2, "运单")) {
                continue;
            }
            if let Some((s, e)) = value_at(ke) {
                if t.c[s..e].contains(&'-') {
                    return Some((s, e));
                }
            }
        }
    }
    None
}

/// What the message says the code is for. The most specific purpose named anywhere wins:
/// resetting a password over binding over paying over signing up over logging in (`登录…修改
/// 支付密码` is a reset; `绑定银行卡` that then mentions payment is a binding).
/// `resets_password`: what [`resets_password`] says of the message.
fn purpose(t: &Text, resets_password: bool) -> Purpose {
    const WORDS: &[(Purpose, &[&str])] = &[
        (
            Purpose::Reset,
            &[
                "重置密码",
                "重设密码",
                "找回密码",
                "修改密码",
                "忘记密码",
                "修改登录密码",
                "修改支付密码",
                "重置支付密码",
                "重置登录密码",
                "密码重置",
                "重设",
                "reset",
            ],
        ),
        (
            Purpose::Binding,
            &[
                "绑定",
                "换绑",
                "解绑",
                "更换手机",
                "修改手机",
                "变更手机",
                "更换绑定",
                "密保手机",
                "bind",
                "link your",
            ],
        ),
        (
            Purpose::Payment,
            &[
                "支付",
                "付款",
                "消费",
                "交易",
                "转账",
                "转出",
                "扣款",
                "缴费",
                "充值",
                "金额",
                "提现",
                "payment",
                "purchase",
                "pay ",
                "transfer",
                "transaction",
                "withdraw",
            ],
        ),
        (
            Purpose::Signup,
            &[
                "注册",
                "开户",
                "开立",
                "开通账号",
                "创建账号",
                "sign up",
                "sign-up",
                "signing up",
                "register",
            ],
        ),
        (
            Purpose::Login,
            &[
                "登录",
                "登入",
                "登陆",
                "log in",
                "login",
                "log on",
                "sign in",
                "sign-in",
                "signing in",
            ],
        ),
    ];
    // The security boilerplate `如非本人操作，请立即修改密码` names no purpose.
    let warning =
        |s: usize| (s.saturating_sub(12)..s).any(|k| t.at(k, "非本人") || t.at(k, "not you"));
    // Words between the verb and its object (`找回个税App登录密码`, `将手机号修改为…`,
    // `修改取件手机号`) name the purpose as surely as the joined phrase.
    if resets_password {
        return Purpose::Reset;
    }
    // `更改已登記的手提電話號碼`: a few words may stand between the verb and the number.
    let changes_phone = t
        .find_words(&["手机号", "电话号码", "手提电话"])
        .iter()
        .any(|&(s, e)| {
            (s.saturating_sub(8)..s)
                .any(|k| ["修改", "更换", "变更", "更改"].iter().any(|w| t.at(k, w)))
                || t.starts_with_any(e, &["修改为", "更换为", "变更为", "改为"])
                    .is_some()
        });
    if changes_phone {
        return Purpose::Binding;
    }
    // `查询缴费记录` looks a payment up; it pays nothing.
    let record = |e: usize| t.starts_with_any(e, &["记录", "明细"]).is_some();
    WORDS
        .iter()
        .find(|(_, words)| {
            t.find_words(words)
                .iter()
                .any(|&(s, e)| !warning(s) && !record(e))
        })
        .map_or(Purpose::Other, |&(p, _)| p)
}

/// A secret other than a code: a password after `初始密码` or after `密码` in a WLAN message,
/// or a link in a message about resetting a password or activating an account.
/// `resets_password`: what [`resets_password`] says of the message.
fn secret(t: &Text, resets_password: bool) -> Option<(SecretKind, usize, usize)> {
    // A password: printable ASCII up to a space or CJK punctuation (`Qy2026!a`).
    let password_at = |i: usize| -> Option<(usize, usize)> {
        let mut i = i;
        while i < t.len() && (is_connector(t.c[i]) || t.c[i] == '为' || t.c[i] == '是') {
            i += 1;
        }
        let s = i;
        let mut e = i;
        while e < t.len() && t.c[e].is_ascii_graphic() && !",.;".contains(t.c[e]) {
            e += 1;
        }
        (e - s >= 4 && t.c[s..e].iter().any(|c| c.is_ascii_alphanumeric())).then_some((s, e))
    };
    // A password the service set: first issued (`初始密码`, `預設密碼`) or reset by it
    // (`服务密码已重置为 829301`).
    const INITIAL: &[&str] = &[
        "初始密码",
        "默认密码",
        "预设密码",
        "密码已重置为",
        "密码重置为",
        "密码已重设为",
        "新密码为",
        "新密码是",
        "initial password",
        "temporary password",
        "new password is",
    ];
    const WLAN: &[&str] = &["wlan", "wifi", "wi-fi", "无线网", "无线上网"];
    const RESET: &[&str] = &[
        "重置密码",
        "重设密码",
        "找回密码",
        "密码重置",
        "reset your password",
        "reset password",
        "password reset",
    ];
    const ACTIVATE: &[&str] = &[
        "激活",
        "启用账号",
        "启用帐号",
        "验证邮箱",
        "确认邮箱",
        "activate",
        "verify your email",
        "confirm your email",
    ];
    // One pass for every trigger (nearly every message has none), then each hit's group.
    const GROUPS: [&[&str]; 4] = [INITIAL, WLAN, RESET, ACTIVATE];
    let all: Vec<&str> = GROUPS.iter().flat_map(|g| g.iter().copied()).collect();
    let hits = t.find_words(&all);
    let in_group = |g: &[&str], &(s, e): &(usize, usize)| {
        g.iter().any(|w| w.chars().count() == e - s && t.at(s, w))
    };
    for h in hits.iter().filter(|h| in_group(INITIAL, h)) {
        if let Some((s, e)) = password_at(h.1) {
            return Some((SecretKind::InitialPassword, s, e));
        }
    }
    if hits.iter().any(|h| in_group(WLAN, h)) {
        for (_, ke) in t.find_words(&["密码", "password"]) {
            if let Some((s, e)) = password_at(ke) {
                return Some((SecretKind::WlanPassword, s, e));
            }
        }
    }
    // `啟用您的會員帳號`: the verb a few characters before the account.
    let activates_account = || {
        t.find_words(&["账号", "帐号", "账户"])
            .iter()
            .any(|&(ks, _)| (ks.saturating_sub(8)..ks).any(|k| t.at(k, "启用") || t.at(k, "激活")))
    };
    let kind = if hits.iter().any(|h| in_group(RESET, h)) || resets_password {
        SecretKind::ResetLink
    } else if hits.iter().any(|h| in_group(ACTIVATE, h)) || activates_account() {
        SecretKind::ActivationLink
    } else {
        return None;
    };
    // The first link: `http(s)://...` or `host.tld/path`.
    let url_char = |c: char| c.is_ascii_alphanumeric() || "./:?=&_%#~+-@".contains(c);
    let mut i = 0;
    while i < t.len() {
        if !url_char(t.c[i]) || (i > 0 && url_char(t.c[i - 1])) {
            i += 1;
            continue;
        }
        let mut e = i;
        while e < t.len() && url_char(t.c[e]) {
            e += 1;
        }
        // A link starts at a letter or digit: not at the colon of `链接：https://`.
        let start = (i..e)
            .find(|&k| t.c[k].is_ascii_alphanumeric())
            .unwrap_or(e);
        let run: String = t.c[start..e].iter().collect();
        let dotted = run.contains('.') && run.chars().any(|c| c.is_ascii_alphabetic());
        if dotted && (run.starts_with("http") || run.contains('/')) {
            return Some((kind, start, e));
        }
        i = e;
    }
    None
}

/// A password being reset with words between the verb and `密码` (`重設您的密碼`,
/// `找回个税App登录密码`, `修改一卡通查询密码`), outside the `如非本人操作，请修改密码`
/// warning; in English, `reset` a few words before `password` (`Reset your Acme ID password`),
/// outside `If you didn't ask to reset your password`.
fn resets_password(t: &Text) -> bool {
    const VERBS: &[&str] = &["重设", "重置", "找回", "修改", "设置新", "设定新"];
    t.find_words(&["密码", "password"]).iter().any(|&(ks, ke)| {
        if ke - ks > 2 {
            return (ks.saturating_sub(24)..ks).any(|k| t.at(k, "reset"))
                && !(ks.saturating_sub(40)..ks).any(|k| t.at(k, "n't") || t.at(k, "not "));
        }
        (ks.saturating_sub(10)..ks).any(|k| VERBS.iter().any(|w| t.at(k, w)))
            && !(ks.saturating_sub(16)..ks).any(|k| t.at(k, "非本人"))
    })
}

/// The reply-to-unsubscribe instruction.
fn opt_out(t: &Text) -> Option<OptOut> {
    const TRIGGERS_AFTER: &[&str] = &[
        "退订",
        "退定",
        "拒收",
        "取消订阅",
        "取消",
        "退",
        "即可退订",
        "即退订",
        "可退订",
        "即可拒收",
        "拒绝",
        "屏蔽",
        "可屏蔽",
        "即可屏蔽",
        "停止接收",
    ];
    const TRIGGERS_BEFORE: &[&str] = &[
        "退订",
        "退定",
        "拒收",
        "取消订阅",
        "不再接收",
        "不想收到",
        "不需要",
        "免打扰",
        "屏蔽",
        "免收",
    ];
    // Quotes, and the brackets some senders put round the reply (`回复【0】退订`).
    let quote = |c: char| {
        matches!(
            c,
            '"' | '\'' | '“' | '”' | '‘' | '’' | '「' | '」' | '『' | '』' | '【' | '】'
        )
    };
    // Reply tokens: letters and digits, and the `@`/`#` some banks use (`回@5TD退订`).
    let token_end = |i: usize| {
        let mut e = i;
        while e < t.len() && (t.c[e].is_ascii_alphanumeric() || t.c[e] == '@' || t.c[e] == '#') {
            e += 1;
        }
        e
    };
    let punctuation = |c: char| "，,。.;；!！?？、【】[]()（）".contains(c);
    for (rs, re) in t.find_words(&["回复", "回覆", "回", "发送"]) {
        // `回复` and its `回` are both found; the longer one comes first at the same start.
        let mut i = re;
        while i < t.len() && (t.c[i] == ' ' || t.c[i] == ':' || t.c[i] == '：' || quote(t.c[i])) {
            i += 1;
        }
        // `请回复“退订”`: the word itself, quoted, is the reply.
        if i > re
            && quote(t.c[i - 1])
            && t.at(i, "退订")
            && t.c.get(i + 2).is_some_and(|&c| quote(c))
        {
            return Some(OptOut {
                reply: "退订".to_owned(),
                phrase: t.span(rs, i + 3),
            });
        }
        if i >= t.len() || !(t.c[i].is_ascii_alphanumeric() || t.c[i] == '@') {
            continue;
        }
        let (ts, te) = (i, token_end(i));
        // Up to 6 characters, or up to 10 right before the trigger (`回XZ8K2M47退订`).
        // Not before `取消`: `回复QXGMLL取消…提醒` is a service command, not an opt-out.
        let long_ok = te - ts <= 10
            && t.starts_with_any(te, &["退订", "退定", "屏蔽", "拒收"])
                .is_some();
        if (te - ts > 6 && !long_ok) || !t.c[ts..te].iter().any(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let mut j = te;
        while j < t.len() && (t.c[j] == ' ' || quote(t.c[j])) {
            j += 1;
        }
        // The trigger right after the token, or a few characters on in the same clause
        // (`回复TD可一周内拒收`).
        let after = (j..t.len().min(j + 7))
            .take_while(|&k| k == j || !punctuation(t.c[k - 1]))
            .find_map(|k| t.starts_with_any(k, TRIGGERS_AFTER));
        // Look back over a short bridge such as `请`, `短信`, `直接`, `，` (and nothing else, so
        // `退订机票请回复1` is not an opt-out).
        let before = (0..=6)
            .filter_map(|k| rs.checked_sub(k))
            .take_while(|&b| b == rs || "请短信直接可，,即您只需 :：".contains(t.c[b]))
            .find(|&b| t.ends_with_any(b, TRIGGERS_BEFORE));
        // `如不想再收到此类短信，请回复TD`: a wish not to receive earlier in the clause, and the
        // reply ends the clause.
        let clause = (rs.saturating_sub(14)..rs)
            .rev()
            .take_while(|&k| !matches!(t.c[k], '。' | '!' | '?' | '！' | '？' | '】' | ']'));
        let wish = clause.clone().any(|k| {
            ["不想", "不再", "不欲", "不希望", "退订", "拒收", "免打扰"]
                .iter()
                .any(|w| t.at(k, w))
        }) && t
            .c
            .get(j)
            .is_none_or(|&c| !super::tokenizer::is_cjk(c) || c == '至' || c == '到');
        let before = before.or(wish.then_some(rs));
        if after.is_none() && before.is_none() {
            continue;
        }
        let start = before.map_or(rs, |b| {
            let b = t.skip_spaces_back(b);
            TRIGGERS_BEFORE
                .iter()
                .find(|w| {
                    let n = w.chars().count();
                    b >= n && t.at(b - n, w)
                })
                .map_or(rs, |w| b - w.chars().count())
        });
        let end = after.unwrap_or(te);
        return Some(OptOut {
            reply: t.c[ts..te].iter().collect::<String>().to_ascii_uppercase(),
            phrase: t.span(start, end),
        });
    }
    // `退订T`, `拒收回R` without a reply verb before the token.
    for (rs, re) in t.find_words(&["退订", "拒收"]) {
        let i = t.skip_spaces(re);
        let te = token_end(i);
        let ends = t.c.get(te).is_none_or(|&c| punctuation(c) || c == ' ');
        if te > i && te - i <= 6 && ends && t.c[i..te].iter().any(|c| c.is_ascii_alphabetic()) {
            return Some(OptOut {
                reply: t.c[i..te].iter().collect::<String>().to_ascii_uppercase(),
                phrase: t.span(rs, te),
            });
        }
    }
    // A bare `TD退订` at the start of a sentence: letters only, nothing but punctuation, a
    // space or the message start before them.
    for (rs, re) in t.find_words(&["退订", "屏蔽"]) {
        let b = t.skip_spaces_back(rs);
        let mut s = b;
        while s > 0 && t.c[s - 1].is_ascii_alphabetic() && b - s < 4 {
            s -= 1;
        }
        let bounded = s == 0 || punctuation(t.c[s - 1]) || t.c[s - 1] == ' ';
        if s < b && bounded && (s == 0 || !t.c[s - 1].is_ascii_alphanumeric()) {
            return Some(OptOut {
                reply: t.c[s..b].iter().collect::<String>().to_ascii_uppercase(),
                phrase: t.span(s, re),
            });
        }
    }
    // English: `Reply STOP`, `reply TD to unsubscribe`, `Reply HELP for help, STOP to
    // cancel`, `Reply N to stop statement alerts`: after a reply verb, in the same sentence,
    // `STOP`, or a short token followed by a verb of stopping. Not `Reply C to cancel your
    // booking`: only `STOP` may cancel.
    const STOPS: &[&str] = &[
        "to stop",
        "to unsubscribe",
        "to opt out",
        "to opt-out",
        "to end",
        "to quit",
    ];
    for (rs, re) in t.find_words(&["reply", "text", "send", "txt"]) {
        let i = t.skip_spaces(re);
        if i == re || i >= t.len() || !t.c[i].is_ascii_alphanumeric() {
            continue;
        }
        let te = t.alnum_end(i);
        let token: String = t.c[i..te].iter().collect();
        let said = token == "stop"
            || (te..t.len().min(te + 24))
                .any(|k| t.at(k, "unsubscribe") || t.at(k, "opt out") || t.at(k, "opt-out"));
        if said && te - i <= 6 {
            return Some(OptOut {
                reply: token.to_ascii_uppercase(),
                phrase: t.span(rs, te),
            });
        }
        let mut k = i;
        while k < t.len().min(re + 48) && !matches!(t.c[k], '.' | '!' | '?' | '。') {
            if !t.c[k].is_ascii_alphanumeric() || (k > 0 && t.c[k - 1].is_ascii_alphanumeric()) {
                k += 1;
                continue;
            }
            let e = t.alnum_end(k);
            let written = &t.orig[t.units[k].span.start..t.units[e - 1].span.end];
            let upper = written
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if e - k <= 6
                && upper
                && (t.at(k, "stop") && e - k == 4 || t.starts_with_any(e, STOPS).is_some())
            {
                return Some(OptOut {
                    reply: written.to_ascii_uppercase(),
                    phrase: t.span(rs, e),
                });
            }
            k = e;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<String> {
        extract(text).code.map(|c| c.value.text)
    }

    #[test]
    fn code_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("【京东】您的验证码为482913，5分钟内有效", Some("482913")),
            ("验证码：A7K9Q2，请勿泄露", Some("A7K9Q2")),
            ("8f3kd2是您的登录验证码", Some("8f3kd2")),
            ("您尾号1234的卡验证码为5678", Some("5678")),
            ("验证码2024，10分钟内有效", Some("2024")),
            ("2025年的验证码活动", None),
            ("Your verification code is 839201.", Some("839201")),
            ("优惠码SALE2026，满100减20", None),
            ("取件码3-2-1024，验证码无", None),
            ("请勿泄露验证码。客服95588", None),
            // Two groups of three (written here), not a longer chain.
            ("验证码 482 913", Some("482 913")),
            ("验证码为 381-904，10分钟内有效", Some("381-904")),
            ("会议号 928 615 304，验证码另行发送", None),
            ("客服400-820-8820，验证码稍后发送", None),
            // English without a code word (written here).
            ("Use 204815 to reset your password.", Some("204815")),
            ("Use SAVE20 at checkout for 20% off", None),
            (
                "Your old code 551029 has expired. Your new code is 873016.",
                Some("873016"),
            ),
            ("注册动态验证码：KQXTM，切勿告诉他人", Some("KQXTM")),
            ("Your code is ready", None),
            // A standing WLAN password is a secret, not a code; one issued for a while is both.
            ("您的无线上网密码为:30417725，请妥善保管。", None),
            (
                "您申请的无线上网随机密码为30417725，30分钟内有效。",
                Some("30417725"),
            ),
            ("您的Apple ID代码为：518306，请勿共享。", Some("518306")),
            ("优惠代码：8866，满减", None),
            (
                "4831 是您的免费上网一次性验证码，请在页面输入",
                Some("4831"),
            ),
            ("", None),
            // Traditional script (written here).
            ("您的簡訊驗證碼為730215，請於5分鐘內輸入", Some("730215")),
            ("【樂購】驗證密碼：418260，切勿告知他人", Some("418260")),
            ("認證碼55071，您正在進行付款", Some("55071")),
            ("訂單編號20261203，感謝購物", None),
            // Prefixed, expired and `OTP:` codes (written here).
            ("G-715204 是你的 Google 验证码", Some("715204")),
            ("【淘宝】TB-6021是您的校验码", Some("6021")),
            ("2026-12-03 是活动日期，验证码见下条", None),
            ("新验证码为381562，旧验证码640193已失效", Some("381562")),
            ("信用卡繳費NT$599，OTP:5829，請勿提供", Some("5829")),
            ("会议时间14:30，验证码另行发送", None),
            (
                "您的登录验证码为 7 1 5 0 3 6 ，5分钟内有效",
                Some("7 1 5 0 3 6"),
            ),
            ("验证码 1 2 3", None),
            // Digits apart by control characters (folded to spaces) are no spaced code (found
            // by the fuzzer).
            ("验证码4\u{1}0\u{1}4\u{1}0\u{1}4", None),
            ("验证码 4\n0\n4\n0", None),
            // A character the standard library does not call a letter inside a run (found by
            // the fuzzer); full-width letters and digits are letters and digits.
            ("验证码 48\u{209d}2913", None),
            ("验证码 ４８ｗ２９１３", Some("４８ｗ２９１３")),
            // Batch 3's families (written here, invented numbers).
            ("您的短信口令为：7Q2M9K，请勿告知他人", Some("7Q2M9K")),
            ("Your PIN is 5083. Do not share it.", Some("5083")),
            ("Pinky 4821 sale", None),
            ("Shopping 4821 items", None),
            ("Your code is 52 81 40, valid 5 mins", Some("52 81 40")),
            ("验证码 2025-2026 赛季通用", None),
            ("安全码 6018 2273，请勿泄露", Some("6018 2273")),
            ("卡号 6210 3301 8821 2291，验证码见下条", None),
            (
                "Your OTP for the payment of USD 80.00 to card ending 4471 is 306182",
                Some("306182"),
            ),
            ("礼品卡卡号 8821 0192，密码 502913，可在门店使用", None),
            (
                "会员卡号1029384，密码602913，请登录官网查看",
                Some("602913"),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(code(text).as_deref(), *want, "{text}");
        }
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "【ＪＤ】验证码：４８２９１３，５分钟内有效";
        let e = extract(text);
        let c = e.code.unwrap();
        assert_eq!(&text[c.value.start..c.value.end], "４８２９１３");
        assert_eq!(c.value.text, "４８２９１３");
        assert_eq!(c.validity.unwrap().text, "５分钟");
        assert_eq!(e.sender.unwrap().text, "ＪＤ");
    }

    #[test]
    fn purpose_table() {
        let cases: &[(&str, Purpose)] = &[
            (
                "验证码482913，您正在登录，如非本人操作请修改密码",
                Purpose::Login,
            ),
            ("验证码482913，用于重置登录密码", Purpose::Reset),
            (
                "您正在绑定银行卡，验证码482913，支付时请勿泄露",
                Purpose::Binding,
            ),
            ("您正在付款128元，验证码482913", Purpose::Payment),
            ("注册验证码482913，10分钟内有效", Purpose::Signup),
            ("验证码482913，请勿泄露", Purpose::Other),
            ("Use code 482913 to sign in", Purpose::Login),
            // Batch 3's families (written here).
            ("您正在提现500元，验证码482913", Purpose::Payment),
            ("您正在开立电子账户，验证码482913", Purpose::Signup),
            ("验证码482913，您正在更改已登记的电话号码", Purpose::Binding),
            ("Your passcode for signing in is 482913", Purpose::Login),
            (
                "您的WLAN动态密码为482913，请在登录页面输入，30分钟内有效",
                Purpose::Other,
            ),
        ];
        for (text, want) in cases {
            let got = extract(text).code.map(|c| c.purpose);
            assert_eq!(got, Some(*want), "{text}");
        }
    }

    #[test]
    fn pickup_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("取件码3-2-1024，请及时领取", Some("3-2-1024")),
            ("凭A-3-2108到阳光城驿站取件", Some("A-3-2108")),
            ("请用D5-21到5栋快递柜取包裹", Some("D5-21")),
            ("快递已放至超市，凭2-3-6194及时取", Some("2-3-6194")),
            ("包裹编码7-4-2210号，请及时取", Some("7-4-2210")),
            ("取件碼：P61940，請於3天內領取", Some("P61940")),
            ("凭会员卡到店享9折", None),
            ("订单编号2026-1203，包裹已发出", None),
            ("凭2-1-7301，欢迎光临", None),
            // Batch 3's families (written here).
            ("快件已存入丰巢柜，开柜码：602918", Some("602918")),
            ("包裹已入柜，取件验证码 551203，请凭码开柜", Some("551203")),
            (
                "Your parcel is in the locker. Pickup code: 730195.",
                Some("730195"),
            ),
            ("Tracking number 1Z9940, arriving Friday", None),
        ];
        for (text, want) in cases {
            let got = extract(text).pickup_code.map(|s| s.text);
            assert_eq!(got.as_deref(), *want, "{text}");
        }
    }

    #[test]
    fn opt_out_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("全场5折，回T退订", Some("T")),
            ("全场5折 退订回TD", Some("TD")),
            ("拒收请回复R", Some("R")),
            ("回复ＱＸＦＳ退订", Some("QXFS")),
            ("回复“TD”退订", Some("TD")),
            ("回复0000退订", Some("0000")),
            ("Reply STOP to unsubscribe", Some("STOP")),
            ("点击链接退订", None),
            ("您的机票已退订成功", None),
            ("回复1查询余额", None),
            ("详情咨询附近网点[回@7TD退订]", Some("@7TD")),
            ("如需退订此项提醒，请发送QXTX到10010", Some("QXTX")),
            ("报名活动回复A，退订T【旅行社】", Some("T")),
            ("校验码：902615，回复td可七天内拒收本类短信", Some("TD")),
            ("退订4006001234", None),
            // Issue 15's families (written here, invented numbers).
            ("流量季包5折，回复0000可屏蔽此类信息", Some("0000")),
            ("以旧换新补贴800元。如需屏蔽回复0000", Some("0000")),
            ("新学期教辅8折。可回复PB屏蔽", Some("PB")),
            ("样板间开放，预约送礼。如免收请回复R", Some("R")),
            ("会员日满200减50。回XZ8K2M47退订", Some("XZ8K2M47")),
            ("私教课买10送2。TD退订", Some("TD")),
            ("回复KTGM开通国际漫游", None),
            ("回复CXLL查询剩余流量，屏蔽骚扰请拨12321", None),
            // Batch 3's families (written here).
            ("周末特价，回复【0】退订", Some("0")),
            ("新品上市。如不希望再收到推广讯息，请回覆STOP", Some("STOP")),
            (
                "Order shipped. Reply HELP for help, STOP to cancel.",
                Some("STOP"),
            ),
            ("Statement ready. Reply N to stop these alerts.", Some("N")),
            (
                "Your table is booked. Reply C to cancel your booking.",
                None,
            ),
            ("愿意参加请回复Y，不愿意的请回复N", None),
        ];
        for (text, want) in cases {
            let got = extract(text).opt_out.map(|o| o.reply);
            assert_eq!(got.as_deref(), *want, "{text}");
        }
    }

    /// Found by `cargo fuzz` (target `extract`): `ǉ` (U+01C9) folds to the two letters `lj`, so
    /// `ǉw2` read as the four-character code `ljw2` while only three characters were written,
    /// and a run could start inside an expansion (`½345` read as `2345` but reported `½345`).
    /// A code's characters must each be one character of the original.
    #[test]
    fn regression_no_code_through_a_compatibility_expansion() {
        assert_eq!(code("[P\u{FFFD}\u{FFFD}\u{1C9}w2 OTP"), None); // the fuzzer's input
        assert_eq!(code("[P\u{1C9}w2 OTP"), None);
        assert_eq!(code("验证码：\u{1C9}w23"), None);
        assert_eq!(code("验证码：\u{BD}345"), None);
        assert_eq!(code("验证码：４８２９"), Some("４８２９".into()));
    }

    #[test]
    fn hostile_input_is_fine() {
        for text in [
            "",
            "\0",
            "🎉🎉",
            &"验证码1234".repeat(20_000),
            "【",
            "】",
            "回",
        ] {
            let _ = extract(text);
        }
    }
}
