//! The smsguard training side as a library: labelled data files, the template-group split,
//! the synthetic corpus generator, tokenizer learning, training, metrics and export.
//! The `smsguard-train` binary is a thin CLI over it.
#![deny(missing_docs)]

pub mod cv;
pub mod data;
pub mod metrics;
pub mod pipeline;
pub mod report;
pub mod split;
pub mod synth;
pub mod trainer;
pub mod vocab;
