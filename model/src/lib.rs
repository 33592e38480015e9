//! The trainable smsguard network: a small transformer encoder classifier written with
//! candle-core and candle-nn, and its export to `smsguard`'s int8 model format.
//!
//! Work in progress (issue 3): the layers land here next.
