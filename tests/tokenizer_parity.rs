//! Training and inference must turn every message into the same token ids. The trainer uses
//! jieba-rs (restricted dictionary) and the `tokenizers` crate's BPE; `smsguard` has its own
//! small implementations. They are compared on thousands of synthetic messages, hostile text,
//! and every message of `../shared/data/dev.tsv` when it is present.

use smsguard::Classifier;
use smsguard_model::Config;
use smsguard_train::synth::{Grammar, Options};
use smsguard_train::vocab::{TrainTokenizer, VocabOptions};

#[test]
fn train_and_infer_token_ids_are_identical() {
    let g = Grammar::embedded().unwrap();
    let learn: Vec<String> = g
        .generate(&Options {
            n: 4000,
            seed: 3,
            class: None,
        })
        .unwrap()
        .into_iter()
        .map(|e| e.text)
        .collect();
    let tok = TrainTokenizer::learn(
        &learn,
        &VocabOptions {
            vocab_size: 3000,
            limit_alphabet: 1500,
            min_frequency: 2,
        },
    )
    .unwrap();
    assert!(
        tok.dict.len() > 500,
        "only {} dictionary words",
        tok.dict.len()
    );

    // Any weights will do: only the tokenizer tables are compared.
    let cfg = Config {
        max_len: 64,
        ..Config::tiny(tok.vocab.len())
    };
    let (varmap, _) = smsguard_model::build(&cfg, 1).unwrap();
    let (file, _) = smsguard_model::export(
        &varmap,
        &cfg,
        tok.parts(),
        &["marketing", "verification", "transactional", "personal"],
        String::new(),
    )
    .unwrap();
    let c = Classifier::from_bytes(&file.to_bytes()).unwrap();

    let mut texts: Vec<String> = g
        .generate(&Options {
            n: 3000,
            seed: 11,
            class: None,
        })
        .unwrap()
        .into_iter()
        .map(|e| e.text)
        .collect();
    texts.extend(
        [
            "",
            " ",
            "\0",
            "🎉🎉",
            "ＡＢＣ１２３",
            "优 惠",
            "x",
            "xxxx",
            "回T退订",
            "【】[]",
            "\u{E000}",
            "\u{FEFF}验证码",
            "繁體字測試會員",
            "ｈｔｔｐ://ｔ.ｃｎ/ａｂｃ",
            "a@b.com",
            "12:30:45",
            "㊙️",
            "𠀀𠀁",
            "ﾃｽﾄ",
            "Ⅻ",
        ]
        .map(String::from),
    );
    texts.push("验证码".repeat(40_000));
    let dev = smsguard_harness::shared_dev_tsv("the real-message part");
    if let Some(p) = &dev {
        texts.extend(
            smsguard_train::data::read_tsv(p)
                .unwrap()
                .into_iter()
                .map(|e| e.text),
        );
    }
    let mut mismatches = Vec::new();
    for t in &texts {
        let train_ids = tok.encode(t, cfg.max_len);
        let infer_ids = c.token_ids(t);
        if train_ids != infer_ids {
            mismatches.push((t.chars().take(60).collect::<String>(), train_ids, infer_ids));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} messages differ, first: {:?}",
        mismatches.len(),
        texts.len(),
        mismatches.first()
    );
}
