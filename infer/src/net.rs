//! The transformer encoder forward pass over int8 weights (no candle), mirroring
//! `smsguard-model`'s candle definition layer by layer and name by name.
//!
//! tokens -> embedding + position -> N × [pre-norm self-attention, pre-norm ReLU feed-forward]
//! -> final layer norm -> mean over tokens -> linear head, plus (version 2 files) the hashed
//! character n-gram branch's logits -> softmax.

#![allow(unsafe_code)]

use crate::format::{Dims, ModelFile, Tensor, TensorData};
use crate::kernels::{Kernel, QLinear};

/// A dot product in eight independent lanes, which the compiler turns into SIMD (a plain
/// sequential sum has to stay scalar to keep its rounding order).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// `e^x` for `x <= 0` (softmax after subtracting the maximum), in plain arithmetic the
/// compiler vectorizes: `2^n e^r` with `n` set in the exponent bits and a degree-7
/// polynomial for `e^r`. Relative error below 2e-7 (tested against
/// `f32::exp`), where the libm call cost a fifth of a message's instructions.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    let x = x.max(-87.0);
    // Round to nearest by adding 1.5 * 2^23: the sum's low mantissa bits then hold n as an
    // integer, read without a float-to-int conversion (which would keep the loop scalar).
    const MAGIC: f32 = 12_582_912.0;
    let shifted = x * std::f32::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC;
    let n_bits = shifted.to_bits().wrapping_sub(MAGIC.to_bits());
    // x - n ln 2 in two steps (Cody-Waite): the high part of ln 2 has few bits, so n * LN2_HI is
    // exact and the reduced argument keeps full precision.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let r = (x - n * LN2_HI) - n * LN2_LO; // in [-0.35, 0.35]
                                           // e^r: Taylor series to degree 7, below f32 rounding on this range.
    const C: [f32; 8] = [
        1.0,
        1.0,
        0.5,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
    ];
    let p = C[0]
        + r * (C[1] + r * (C[2] + r * (C[3] + r * (C[4] + r * (C[5] + r * (C[6] + r * C[7]))))));
    // n is in [-126, 0]: a normal exponent.
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    p * scale
}

/// A sum in eight independent lanes (see [`dot`]).
#[inline(always)]
fn sum(a: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let c = a.chunks_exact(8);
    let tail: f32 = c.remainder().iter().sum();
    for x in c {
        for k in 0..8 {
            acc[k] += x[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[derive(Clone, Debug)]
struct LayerNorm {
    gain: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    #[inline(always)]
    fn apply(&self, x: &[f32], out: &mut [f32]) {
        let n = x.len() as f32;
        let mean = sum(x) / n;
        let mut centered = [0f32; 8];
        let mut var_acc = 0.0;
        for chunk in x.chunks(8) {
            for (c, &v) in centered.iter_mut().zip(chunk) {
                *c = v - mean;
            }
            var_acc += dot(&centered[..chunk.len()], &centered[..chunk.len()]);
        }
        let var = var_acc / n;
        let inv = 1.0 / (var + self.eps).sqrt();
        for (((o, &v), &g), &b) in out.iter_mut().zip(x).zip(&self.gain).zip(&self.bias) {
            *o = (v - mean) * inv * g + b;
        }
    }
}

#[derive(Clone, Debug)]
struct Layer {
    ln1: LayerNorm,
    qkv: QLinear,
    out: QLinear,
    ln2: LayerNorm,
    up: QLinear,
    down: QLinear,
}

/// The loaded network: immutable, shared by all callers.
#[derive(Clone, Debug)]
pub(crate) struct Net {
    pub dims: Dims,
    /// `[V, d]` int8 rows with one scale per row.
    tok_emb: (Vec<i8>, Vec<f32>),
    pos_emb: Vec<f32>,
    layers: Vec<Layer>,
    ln_f: LayerNorm,
    head: QLinear,
    grams: Option<Grams>,
    kernel: Kernel,
}

/// The n-gram branch: per label, one int8 weight per hash bucket and one scale. A message's
/// logit for a label is `scale × Σ weights[bucket] / √(n-grams)`: a linear model over n-gram
/// counts, normalized so long and short messages weigh alike (as TF-IDF's L2 norm does).
#[derive(Clone, Debug)]
struct Grams {
    buckets: usize,
    /// `[labels, buckets]`, row-major.
    weights: Vec<i8>,
    scales: Vec<f32>,
}

impl Grams {
    /// Add the branch's logits for the n-gram buckets `feats` (each below `buckets`).
    fn add_logits(&self, feats: &[u32], logits: &mut [f32]) {
        if feats.is_empty() {
            return;
        }
        let norm = 1.0 / (feats.len() as f32).sqrt();
        for ((row, &scale), out) in self
            .weights
            .chunks_exact(self.buckets)
            .zip(&self.scales)
            .zip(logits.iter_mut())
        {
            // Exact in i32: at most 4,096 features of at most 127 each.
            let acc: i32 = feats
                .iter()
                .map(|&f| row.get(f as usize).map_or(0, |&w| i32::from(w)))
                .sum();
            *out += acc as f32 * scale * norm;
        }
    }
}

/// Per-call buffers.
#[derive(Default)]
pub(crate) struct Buffers {
    x: Vec<f32>,
    h: Vec<f32>,
    qkv: Vec<f32>,
    att: Vec<f32>,
    proj: Vec<f32>,
    ffn: Vec<f32>,
    scores: Vec<f32>,
    pooled: Vec<f32>,
    kt: Vec<f32>,
    vt: Vec<f32>,
}

struct Getter<'a> {
    file: &'a ModelFile,
}

impl Getter<'_> {
    fn tensor(&self, name: &str, shape: &[usize]) -> Result<&Tensor, String> {
        let t = self
            .file
            .tensor(name)
            .ok_or_else(|| format!("missing tensor {name}"))?;
        let want: Vec<u32> = shape.iter().map(|&d| d as u32).collect();
        if t.shape != want {
            return Err(format!(
                "tensor {name} has shape {:?}, expected {want:?}",
                t.shape
            ));
        }
        Ok(t)
    }

    fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        Ok(self.tensor(name, shape)?.to_f32())
    }

    /// An int8 matrix of `rows × cols` with one scale per row: its values and scales.
    fn int8(&self, name: &str, rows: usize, cols: usize) -> Result<(&[i8], &[f32]), String> {
        let t = self.tensor(name, &[rows, cols])?;
        let TensorData::I8 { scales, values } = &t.data else {
            return Err(format!("tensor {name} must be int8"));
        };
        if scales.len() != rows || values.len() != rows * cols {
            return Err(format!(
                "tensor {name} has {} scales for {rows} rows",
                scales.len()
            ));
        }
        Ok((values, scales))
    }

    fn linear(&self, prefix: &str, n_out: usize, n_in: usize) -> Result<QLinear, String> {
        let (values, scales) = self.int8(&format!("{prefix}.weight"), n_out, n_in)?;
        let bias = self.f32(&format!("{prefix}.bias"), &[n_out])?;
        Ok(QLinear::new(values, scales.to_vec(), bias, n_in, n_out))
    }

    fn norm(&self, prefix: &str, d: usize, eps: f32) -> Result<LayerNorm, String> {
        Ok(LayerNorm {
            gain: self.f32(&format!("{prefix}.weight"), &[d])?,
            bias: self.f32(&format!("{prefix}.bias"), &[d])?,
            eps,
        })
    }
}

impl Net {
    pub(crate) fn from_file(file: &ModelFile) -> Result<Net, String> {
        let dims = file.dims;
        let d = dims.d_model as usize;
        let (v, f, l) = (
            dims.vocab_size as usize,
            dims.d_ffn as usize,
            dims.n_layers as usize,
        );
        let max_len = dims.max_len as usize;
        if d == 0 || dims.n_heads == 0 || !d.is_multiple_of(dims.n_heads as usize) {
            return Err(format!(
                "d_model {d} must be a positive multiple of the {} heads",
                dims.n_heads
            ));
        }
        if max_len < 2 || l > 64 || f == 0 {
            return Err(format!("implausible dimensions {dims:?}"));
        }
        let g = Getter { file };
        let eps = dims.layer_norm_eps;
        let mut layers = Vec::with_capacity(l);
        for i in 0..l {
            let p = format!("layers.{i}");
            layers.push(Layer {
                ln1: g.norm(&format!("{p}.ln1"), d, eps)?,
                qkv: g.linear(&format!("{p}.attn.qkv"), 3 * d, d)?,
                out: g.linear(&format!("{p}.attn.out"), d, d)?,
                ln2: g.norm(&format!("{p}.ln2"), d, eps)?,
                up: g.linear(&format!("{p}.ffn.up"), f, d)?,
                down: g.linear(&format!("{p}.ffn.down"), d, f)?,
            });
        }
        let (emb_values, emb_scales) = g.int8("tok_emb.weight", v, d)?;
        let grams = match file.ngram_buckets as usize {
            0 => None,
            buckets => {
                // One row (and scale) per label.
                let (weights, scales) = g.int8("ngram.weight", dims.n_labels as usize, buckets)?;
                Some(Grams {
                    buckets,
                    weights: weights.to_vec(),
                    scales: scales.to_vec(),
                })
            }
        };
        Ok(Net {
            dims,
            tok_emb: (emb_values.to_vec(), emb_scales.to_vec()),
            pos_emb: g.f32("pos_emb.weight", &[max_len, d])?,
            layers,
            ln_f: g.norm("ln_f", d, eps)?,
            head: g.linear("head", dims.n_labels as usize, d)?,
            grams,
            kernel: Kernel::detect(),
        })
    }

    /// Number of weights.
    pub(crate) fn params(&self) -> usize {
        let lin = |q: &QLinear| q.params();
        let norm = |n: &LayerNorm| n.gain.len() + n.bias.len();
        let layers: usize = self
            .layers
            .iter()
            .map(|l| {
                norm(&l.ln1) + lin(&l.qkv) + lin(&l.out) + norm(&l.ln2) + lin(&l.up) + lin(&l.down)
            })
            .sum();
        let grams = self.grams.as_ref().map_or(0, |g| g.weights.len());
        self.tok_emb.0.len()
            + self.pos_emb.len()
            + layers
            + norm(&self.ln_f)
            + lin(&self.head)
            + grams
    }

    /// Hash buckets of the n-gram branch (0 without one): what [`crate::ngram::features`]
    /// needs.
    pub(crate) fn ngram_buckets(&self) -> u32 {
        self.grams.as_ref().map_or(0, |g| g.buckets as u32)
    }

    /// Class probabilities for token ids (at most `max_len`, all below the vocabulary size) and
    /// n-gram buckets (each below [`Net::ngram_buckets`]; ignored without a branch).
    pub(crate) fn forward(&self, ids: &[u32], grams: &[u32], b: &mut Buffers, probs: &mut [f32]) {
        self.logits(ids, grams, b, probs);
        let max = probs.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0.0;
        for p in probs.iter_mut() {
            *p = (*p - max).exp();
            sum += *p;
        }
        for p in probs.iter_mut() {
            *p /= sum;
        }
    }

    /// Class logits (before the softmax) for token ids and n-gram buckets.
    pub(crate) fn logits(&self, ids: &[u32], grams: &[u32], b: &mut Buffers, logits: &mut [f32]) {
        self.encoder_logits(ids, b, logits);
        if let Some(g) = &self.grams {
            g.add_logits(grams, logits);
        }
    }

    fn encoder_logits(&self, ids: &[u32], b: &mut Buffers, logits: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if self.kernel == Kernel::Avx2 {
            // SAFETY: `Kernel::Avx2` is only constructed after detecting AVX2 and FMA.
            unsafe { self.logits_avx2(ids, b, logits) };
            return;
        }
        self.logits_inlined(ids, b, logits);
    }

    /// The same code compiled for AVX2, so the attention loops, layer norms and softmax that
    /// the compiler vectorizes run eight lanes wide instead of SSE2's four. Rust never fuses a
    /// multiply and an add on its own, so the results are bit for bit those of the SSE2 build.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn logits_avx2(&self, ids: &[u32], b: &mut Buffers, logits: &mut [f32]) {
        self.logits_inlined(ids, b, logits);
    }

    #[inline(always)]
    fn logits_inlined(&self, ids: &[u32], b: &mut Buffers, logits: &mut [f32]) {
        let d = self.dims.d_model as usize;
        let f = self.dims.d_ffn as usize;
        let heads = self.dims.n_heads as usize;
        let dh = d / heads;
        let n = ids.len().min(self.dims.max_len as usize);
        let ids = &ids[..n];
        // Every buffer but `pooled` is fully overwritten before it is read, so only its length
        // is set: zeroing ~190 KB per call cost more than the attention.
        let resize = |v: &mut Vec<f32>, len: usize| v.resize(len, 0.0);
        resize(&mut b.x, n * d);
        resize(&mut b.h, n * d);
        resize(&mut b.qkv, n * 3 * d);
        resize(&mut b.att, n * d);
        resize(&mut b.proj, n * d);
        resize(&mut b.ffn, n * f);
        resize(&mut b.scores, n);
        resize(&mut b.kt, n * dh);
        resize(&mut b.vt, n * dh);
        for (t, &id) in ids.iter().enumerate() {
            let id = id as usize;
            let scale = self.tok_emb.1[id];
            let row = &self.tok_emb.0[id * d..(id + 1) * d];
            let pos = &self.pos_emb[t * d..(t + 1) * d];
            for ((x, &q), &p) in b.x[t * d..(t + 1) * d].iter_mut().zip(row).zip(pos) {
                *x = f32::from(q) * scale + p;
            }
        }
        let inv_sqrt = 1.0 / (dh as f32).sqrt();
        for layer in &self.layers {
            for t in 0..n {
                layer
                    .ln1
                    .apply(&b.x[t * d..(t + 1) * d], &mut b.h[t * d..(t + 1) * d]);
            }
            layer.qkv.forward(self.kernel, &b.h, n, &mut b.qkv);
            for hd in 0..heads {
                // This head's keys and values transposed (`[dh][n]`), so scores for one query
                // and the weighted sum of values are runs over contiguous token vectors.
                for s in 0..n {
                    let base = s * 3 * d + hd * dh;
                    for c in 0..dh {
                        b.kt[c * n + s] = b.qkv[base + d + c];
                        b.vt[c * n + s] = b.qkv[base + 2 * d + c];
                    }
                }
                for t in 0..n {
                    let q = &b.qkv[t * 3 * d + hd * dh..t * 3 * d + (hd + 1) * dh];
                    let scores = &mut b.scores[..n];
                    let q0 = q[0] * inv_sqrt;
                    for (sc, &k) in scores.iter_mut().zip(&b.kt[..n]) {
                        *sc = q0 * k;
                    }
                    for (c, &qc) in q.iter().enumerate().skip(1) {
                        let qc = qc * inv_sqrt;
                        for (sc, &k) in scores.iter_mut().zip(&b.kt[c * n..(c + 1) * n]) {
                            *sc += qc * k;
                        }
                    }
                    let max = scores.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                    for sc in scores.iter_mut() {
                        *sc = exp_nonpositive(*sc - max);
                    }
                    let total = sum(scores);
                    let inv = 1.0 / total;
                    let out = &mut b.att[t * d + hd * dh..t * d + (hd + 1) * dh];
                    for (c, o) in out.iter_mut().enumerate() {
                        *o = dot(scores, &b.vt[c * n..(c + 1) * n]) * inv;
                    }
                }
            }
            layer.out.forward(self.kernel, &b.att, n, &mut b.proj);
            for (x, p) in b.x.iter_mut().zip(&b.proj) {
                *x += p;
            }
            for t in 0..n {
                layer
                    .ln2
                    .apply(&b.x[t * d..(t + 1) * d], &mut b.h[t * d..(t + 1) * d]);
            }
            layer.up.forward(self.kernel, &b.h, n, &mut b.ffn);
            for v in &mut b.ffn {
                *v = v.max(0.0);
            }
            layer.down.forward(self.kernel, &b.ffn, n, &mut b.proj);
            for (x, p) in b.x.iter_mut().zip(&b.proj) {
                *x += p;
            }
        }
        // Final norm, then the mean over tokens.
        b.pooled.clear();
        b.pooled.resize(d, 0.0);
        for t in 0..n {
            self.ln_f.apply(&b.x[t * d..(t + 1) * d], &mut b.h[..d]);
            for (p, &v) in b.pooled.iter_mut().zip(&b.h[..d]) {
                *p += v / n as f32;
            }
        }
        self.head.forward(self.kernel, &b.pooled, 1, logits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest relative error of [`exp_nonpositive`] against `f32::exp`.
    const EXP_REL_BUDGET: f32 = 2e-7 * 4.0;

    #[test]
    fn fast_exp_matches_libm() {
        let mut worst = 0f32;
        let mut x = 0.0f32;
        while x > -87.0 {
            let (a, b) = (exp_nonpositive(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x -= 0.000_71;
        }
        assert!(worst <= EXP_REL_BUDGET, "worst relative error {worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(-1000.0) >= 0.0 && exp_nonpositive(-1000.0) < 1e-37);
        assert!(exp_nonpositive(f32::NEG_INFINITY) >= 0.0);
    }

    #[test]
    fn lane_sums_match_sequential_sums() {
        for n in [0, 1, 7, 8, 9, 16, 63, 64, 65] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - want).abs() < 1e-5, "n {n}");
            assert!((sum(&a) - a.iter().sum::<f32>()).abs() < 1e-5, "n {n}");
        }
    }
}
