//! The smsguard training side as a library: labelled data files, the template-group split and
//! the synthetic corpus generator. The `smsguard-train` binary is a thin CLI over it.
#![deny(missing_docs)]

pub mod data;
pub mod split;
pub mod synth;
