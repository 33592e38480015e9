//! # smsguard
//!
//! Sort a Chinese SMS into **marketing**, **verification** (a one-time code) or
//! **transactional** (a notice about the recipient's own account, order or appointment), on
//! the device, so marketing can be folded while no code or bank alert is ever lost.
//!
//! This crate is what an app embeds. Today it holds the label set and the text normalizer that
//! training and inference share; the int8 classifier and its model format follow (see the
//! project README for the roadmap).
//!
//! ```
//! use smsguard::normalize::normalize;
//!
//! let n = normalize("【京东】验证码 ４８２９１３，回T退订");
//! assert_eq!(n.display(), "【京东】验证码<N6>,回t退订");
//! ```
//!
//! ## Dependencies
//!
//! - `unicode-normalization`: NFKC tables (full-width forms and compatibility characters).
//! - `clap`, `serde_json`, `anyhow`: only for the `smsguard` command (feature `cli`, on by
//!   default); embed the library with `default-features = false` to leave them out.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod label;
pub mod normalize;

pub use label::{Label, UnknownLabel};
