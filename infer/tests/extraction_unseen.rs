//! Extraction on `data/cases/extraction-unseen.tsv`: hand-written cases of the formats issue 15
//! names (modern pickup-code phrasing, 屏蔽/免收/拒收 opt-outs, traditional script, prefixed and
//! quoted codes, two candidate numbers, reset and activation links, initial and Wi-Fi
//! passwords), written **before** the rules were extended, by someone who had not read them.
//! They measure how the rules generalize, unlike `extraction.tsv`, whose cases the rules were
//! written against. `data/cases/extraction-unseen-2.tsv` is a second batch of the same kind,
//! written after those rules, for a fresh figure (see [`FLOORS_2`]), and
//! `data/cases/extraction-unseen-3.tsv` a third, written after batch 2's rules ([`FLOORS_3`]).
//!
//! Each test prints each field's score and fails when one drops below its floor:
//! the floors are the scores measured when the cases were committed, raised as the rules
//! learn the families, so a change can improve them and never silently lose them.

mod common;

use smsguard::extract;

/// Least share of cases right per field (exact match, "none" included), as last measured.
/// 2026-12-03, the rules before issue 15's families (195 cases): code 168/195 (54 of the 78
/// codes), validity 179/195, sender 195/195, pickup 180/195 (8 of 23 pickup codes), opt-out
/// 186/195 (17 of 26 replies).
/// After the pickup and opt-out rules of issue 15 (凭/请用 … 取, shelf codes after 编码/编号 in
/// a parcel message, traditional 取件碼; 屏蔽/免收 triggers, long replies before 退订, a bare
/// `TD退订`): pickup 195/195 (23 of 23), opt-out 195/195 (26 of 26). After reading traditional
/// characters as simplified (extraction only): code 181/195 (67 of 78), validity 188/195.
/// Secrets (reset and activation links, initial and WLAN passwords; no rule before): 194/195
/// (13 of 14; the miss is an activation link phrased `啟用您的會員帳號`).
/// After prefixed codes (`G-482715`: the digits), a code the message calls expired
/// (`…824016已失效`) ruled out, `one-time password` as a code word and `OTP:5829` no longer
/// read as a time: code 188/195 (74 of 78), validity 191/195 (51 of 54). The misses left: two
/// codes written with spaces between the digits and one grouped with a dash (`381-904`), a
/// code before `to reset your password` in English; and three initial or WLAN passwords the
/// cases call secrets only, which the rules also report as codes (as `extraction.tsv` wants
/// for `WLAN上网随机密码`): a convention the two case files do not share.
/// The code's purpose (no rule before): 181/195 (67 of 78 codes) as first written, 184/195 (70
/// of 78) after ignoring the `如非本人操作，请修改密码` boilerplate and reading 繳费 and 转出 as
/// payment, both seen among the misses.
/// After codes spelled digit by digit (`7 1 5 0 3 6`, 4 to 8 single digits one space apart):
/// code 190/195 (76 of 78), validity 192/195 (52 of 54).
/// After the rules written for batch 2's misses (two groups of three digits, `Use 204815 to
/// reset`, `has expired`, a password being reset with words in between, a changed phone
/// number, and the WLAN convention settled: a standing password is a secret only, one issued
/// for a while is also a code; one gold row changed to it): code 195/195 (79 of 79), validity
/// 195/195, purpose 191/195 (75 of 79). After `金额` as payment, `查询缴费记录` as not paying,
/// `費` read as `费` and an account `启用`d a few characters on: secret 195/195, purpose 194/195
/// (the miss: a code whose gold says login where the message names no purpose).
const FLOORS_1: &[(&str, f64)] = &[
    ("code", 1.0),
    ("validity", 1.0),
    ("sender", 1.0),
    ("pickup", 1.0),
    ("opt_out", 1.0),
    ("secret", 1.0),
    ("purpose", 0.994),
];

/// `data/cases/extraction-unseen-2.tsv`: a second batch (218 cases), written after the rules
/// of issue 15 by a helper who had read neither the rules nor their tests (it did see three
/// sentences of an earlier closing note about them: long opt-out replies, a link after a
/// full-width colon, the WLAN-password convention). Measured 2026-12-03 with the rules as they
/// were when it arrived, before any rule changed (the honest generalization figure): code
/// 203/218 (88 of 95 codes; 7 false codes: a meeting password, promo and invitation codes,
/// initial and temporary passwords), validity 212/218, sender 218/218, pickup 215/218 (23 of
/// 26 pickup codes), opt-out 214/218 (24 of 28 replies), secret 215/218 (17 of 20), purpose
/// 199/218 (84 of 95). After rules written against these misses (so no longer an unseen
/// figure), with one gold row changed to the settled WLAN convention and replies compared
/// upper-cased as documented: every field 218/218.
const FLOORS_2: &[(&str, f64)] = &[
    ("code", 1.0),
    ("validity", 1.0),
    ("sender", 1.0),
    ("pickup", 1.0),
    ("opt_out", 1.0),
    ("secret", 1.0),
    ("purpose", 1.0),
];

/// `data/cases/extraction-unseen-3.tsv`: a third batch (242 cases), written after the rules of
/// batch 2 by a helper who read neither the rules, their tests, the README nor real data (only
/// LABELS.md and the column header of batch 2), committed before it was scored. Measured
/// 2026-12-03 with the rules as they were, before any rule changed (the honest figure): code
/// 230/242 (106 of 112 codes; 6 false codes: two passwords the service set, a gift card's
/// password, three locker pickup codes read as codes), validity 233/242 (65 of 73), sender
/// 242/242, pickup 238/242 (24 of 28), opt-out 238/242 (33 of 37), secret 239/242 (13 of 16),
/// purpose 221/242 (97 of 112). After rules written against these misses (so no longer
/// unseen): every field 242/242 but purpose 241/242 (the miss: `code to confirm sending 1,200.00
/// GBP`, a payment the rules call other, left rather than reading every `sending` as paying).
const FLOORS_3: &[(&str, f64)] = &[
    ("code", 1.0),
    ("validity", 1.0),
    ("sender", 1.0),
    ("pickup", 1.0),
    ("opt_out", 1.0),
    ("secret", 1.0),
    ("purpose", 0.995),
];

#[test]
fn third_batch_scores_at_least_its_floors() {
    check("extraction-unseen-3.tsv", FLOORS_3);
}

#[test]
fn unseen_cases_score_at_least_their_floors() {
    check("extraction-unseen.tsv", FLOORS_1);
}

#[test]
fn second_batch_scores_at_least_its_floors() {
    check("extraction-unseen-2.tsv", FLOORS_2);
}

/// Score every field of `file`'s cases, print the misses and the scores, and fail when a
/// field is below its floor.
fn check(file: &str, floors: &[(&str, f64)]) {
    let cases = common::read(file, 8);
    assert!(cases.len() >= 100, "found only {} cases", cases.len());
    // [field] -> (right, total, positives right, positives)
    let mut score = [(0usize, 0usize, 0usize, 0usize); 7];
    let mut misses = Vec::new();
    for c in &cases {
        let e = extract(&c.text);
        let got = common::found(&e);
        // The files hold the purpose before the secret.
        let col = &c.columns;
        let fields = [
            &col[0], &col[1], &col[2], &col[3], &col[4], &col[6], &col[5],
        ];
        for (k, (want, got)) in fields.into_iter().zip(got).enumerate() {
            // The reply is documented upper-cased (`OptOut::reply`); the cases write it as the
            // text does (`回复td退订`).
            let want = match k {
                4 => want.as_ref().map(|w| w.to_ascii_uppercase()),
                _ => want.clone(),
            };
            let right = want == got;
            let s = &mut score[k];
            s.0 += usize::from(right);
            s.1 += 1;
            if want.is_some() {
                s.2 += usize::from(right);
                s.3 += 1;
            }
            if !right {
                misses.push(format!(
                    "line {}: {}: expected {want:?}, got {got:?}",
                    c.line,
                    common::FIELDS[k]
                ));
            }
        }
    }
    eprintln!("{}", misses.join("\n"));
    let mut below = Vec::new();
    for (k, &(right, total, pos_right, pos)) in score.iter().enumerate() {
        let share = right as f64 / total as f64;
        eprintln!(
            "{:>8}: {right}/{total} = {share:.3} right; where there is one: {pos_right}/{pos}",
            common::FIELDS[k]
        );
        let floor = floors
            .iter()
            .find(|f| f.0 == common::FIELDS[k])
            .map_or(1.0, |f| f.1);
        if share + 1e-9 < floor {
            below.push(format!("{}: {share:.3} < floor {floor}", common::FIELDS[k]));
        }
    }
    assert!(below.is_empty(), "{file}: below the floor: {below:?}");
}
