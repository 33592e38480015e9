//! The transformer encoder forward pass over int8 weights (no candle), mirroring
//! `smsguard-model`'s candle definition layer by layer and name by name.
//!
//! tokens -> embedding + position -> N × [pre-norm self-attention, pre-norm ReLU feed-forward]
//! -> final layer norm -> mean over tokens -> linear head, plus (version 2 files) the hashed
//! character n-gram branch's logits -> softmax.

#![allow(unsafe_code)]

use crate::format::{Dims, ModelFile, Tensor, TensorData};
use crate::kernels::{grow, Kernel, QActs, QLinear};

/// `e^x` for `x <= 0` (softmax after subtracting the maximum), in plain arithmetic the
/// compiler vectorizes: `2^n e^r` with `n` set in the exponent bits and Cephes' `expf`
/// polynomial for `e^r`. Relative error below 2e-7 (tested against `f32::exp`), where the
/// libm call cost a fifth of a message's instructions.
#[inline(always)]
fn exp_nonpositive<M: Madd>(x: f32) -> f32 {
    let x = x.max(-87.0);
    // Round to nearest by adding 1.5 * 2^23: the sum's low mantissa bits then hold n as an
    // integer, read without a float-to-int conversion (which would keep the loop scalar).
    const MAGIC: f32 = 12_582_912.0;
    let shifted = M::madd(x, std::f32::consts::LOG2_E, MAGIC);
    let n = shifted - MAGIC;
    let n_bits = shifted.to_bits().wrapping_sub(MAGIC.to_bits());
    // x - n ln 2 in two steps (Cody-Waite): the high part of ln 2 has few bits, so n * LN2_HI is
    // exact and the reduced argument keeps full precision.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let r = M::madd(n, -LN2_LO, M::madd(n, -LN2_HI, x)); // in [-0.35, 0.35]
                                                         // e^r = 1 + r + r² P(r), P of degree 5 (Cephes expf).
    const P: [f32; 6] = [
        1.987_569_2e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ];
    let mut p = P[0];
    for &c in &P[1..] {
        p = M::madd(p, r, c);
    }
    let e = M::madd(p, r * r, r) + 1.0;
    // n is in [-126, 0]: a normal exponent.
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    e * scale
}

/// A sum in eight independent lanes, which the compiler turns into SIMD (a plain sequential
/// sum has to stay scalar to keep its rounding order).
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

/// A multiply-add `a * b + c`: fused (one instruction, one rounding) where the kernel's CPU
/// has FMA, plain where it may not (there `f32::mul_add` is a slow libm call).
trait Madd {
    fn madd(a: f32, b: f32, c: f32) -> f32;
}

struct Fused;
struct Plain;

impl Madd for Fused {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

impl Madd for Plain {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

/// The largest value (`-inf` for none), in eight lanes so it vectorizes (a fold with
/// `f32::max` stays scalar).
#[inline(always)]
fn max_of(a: &[f32]) -> f32 {
    let mut m = [f32::NEG_INFINITY; 8];
    let c = a.chunks_exact(8);
    let tail = c
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    for x in c {
        for k in 0..8 {
            m[k] = if x[k] > m[k] { x[k] } else { m[k] };
        }
    }
    m.iter().fold(tail, |a, &b| if b > a { b } else { a })
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
        // Σ (x - mean)², in eight lanes.
        let mut acc = [0f32; 8];
        let chunks = x.chunks_exact(8);
        let tail: f32 = chunks
            .remainder()
            .iter()
            .map(|&v| (v - mean) * (v - mean))
            .sum();
        for c in chunks {
            for k in 0..8 {
                acc[k] += (c[k] - mean) * (c[k] - mean);
            }
        }
        let var = (acc.iter().sum::<f32>() + tail) / n;
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
    pooled: Vec<f32>,
    attn: AttnBuffers,
    acts: QActs,
}

/// One head's packed keys and scores, for [`attend_head`].
#[derive(Default)]
struct AttnBuffers {
    /// Keys in tiles of sixteen: `[n16 / 16][dh][16]`, zero past n.
    k: Vec<f32>,
    /// Scores, then unnormalized probabilities: `[n][n16]`.
    s: Vec<f32>,
}

/// `Σ_s p_r[s] · v_s[off..off + W]` for four queries r, over `(row of qkv, p_0..p_3)` items:
/// `W` accumulators per query held in registers.
#[inline(always)]
fn weigh_values<'a, M: Madd, const W: usize>(
    items: impl Iterator<Item = ((((&'a [f32], &'a f32), &'a f32), &'a f32), &'a f32)>,
    off: usize,
) -> [[f32; W]; 4] {
    let mut acc = [[0f32; W]; 4];
    for ((((row, &a0), &a1), &a2), &a3) in items {
        let v = &row[off..off + W];
        let pr = [a0, a1, a2, a3];
        for r in 0..4 {
            for l in 0..W {
                acc[r][l] = M::madd(pr[r], v[l], acc[r][l]);
            }
        }
    }
    acc
}

/// Eight columns widened to sixteen.
#[inline(always)]
fn pad16(a: [[f32; 8]; 4]) -> [[f32; 16]; 4] {
    let mut out = [[0f32; 16]; 4];
    for (o, a) in out.iter_mut().zip(a) {
        o[..8].copy_from_slice(&a);
    }
    out
}

/// Scaled dot-product attention of one head: `att[t][at..at + dh] = softmax(q_t · K / √dh) · V`
/// with q, k and v read from `qkv` (`n × 3d`, the head's columns starting at `at`, `d + at`
/// and `2d + at`).
///
/// Both products run in register tiles (4 queries × 16 keys, then 4 queries × 8 value
/// dimensions) over operands packed so the inner loops read contiguous memory without bounds
/// checks: a plain per-query loop cost three times the instructions.
#[inline(always)]
fn attend_head<M: Madd>(
    qkv: &[f32],
    n: usize,
    d: usize,
    at: usize,
    dh: usize,
    att: &mut [f32],
    b: &mut AttnBuffers,
) {
    let n16 = n.div_ceil(16) * 16;
    let scale = 1.0 / (dh as f32).sqrt();
    let rows = &qkv[..n * 3 * d];
    // Keys transposed in tiles of sixteen, so one vector holds one dimension of 16 keys.
    grow(&mut b.k, n16 * dh);
    for (tile, dst) in b.k[..n16 * dh].chunks_exact_mut(16 * dh).enumerate() {
        let keys = &rows[(tile * 16 * 3 * d).min(rows.len())..];
        if keys.len() < 16 * 3 * d {
            dst.fill(0.0);
        }
        for (l, row) in keys.chunks_exact(3 * d).take(16).enumerate() {
            for (slots, &v) in dst.chunks_exact_mut(16).zip(&row[d + at..d + at + dh]) {
                slots[l] = v;
            }
        }
    }
    // Scores: 4 queries × 16 keys per register tile. A query past n repeats the last one
    // (computed, never stored).
    grow(&mut b.s, n * n16);
    let query = |t: usize| &rows[t.min(n - 1) * 3 * d + at..t.min(n - 1) * 3 * d + at + dh];
    for t0 in (0..n).step_by(4) {
        let (q0, q1, q2, q3) = (query(t0), query(t0 + 1), query(t0 + 2), query(t0 + 3));
        for (kt, ktile) in b.k[..n16 * dh].chunks_exact(16 * dh).enumerate() {
            let mut acc = [[0f32; 16]; 4];
            for ((((k, &a0), &a1), &a2), &a3) in
                ktile.chunks_exact(16).zip(q0).zip(q1).zip(q2).zip(q3)
            {
                let q = [a0, a1, a2, a3];
                for r in 0..4 {
                    for l in 0..16 {
                        acc[r][l] = M::madd(q[r], k[l], acc[r][l]);
                    }
                }
            }
            for (r, a) in acc.iter().enumerate().take(n - t0) {
                let dst = &mut b.s[(t0 + r) * n16 + kt * 16..(t0 + r) * n16 + kt * 16 + 16];
                for (o, &v) in dst.iter_mut().zip(a) {
                    *o = v * scale;
                }
            }
        }
    }
    // Unnormalized probabilities in place; 1 / their sum per query.
    let mut inv = [0f32; 4];
    for t0 in (0..n).step_by(4) {
        for (r, slot) in inv.iter_mut().enumerate() {
            // Whole vectors of eight (the row has n16 >= n8 slots): the exponentials of the
            // padding are computed and then zeroed, which is cheaper than a scalar tail.
            let n8 = n.div_ceil(8) * 8;
            let Some(scores) = b.s.get_mut((t0 + r) * n16..(t0 + r) * n16 + n8) else {
                break;
            };
            let max = max_of(&scores[..n]);
            for sc in scores.iter_mut() {
                *sc = exp_nonpositive::<M>(*sc - max);
            }
            if n < n8 {
                scores[n..].fill(0.0);
            }
            *slot = 1.0 / sum(scores);
        }
        // Weighted values: 4 queries × 8 value dimensions per register tile, each value row
        // read in place from `qkv`.
        let p = |r: usize| {
            let t = (t0 + r).min(n - 1);
            &b.s[t * n16..t * n16 + n]
        };
        let (p0, p1, p2, p3) = (p(0), p(1), p(2), p(3));
        let rows_iter = || rows.chunks_exact(3 * d).zip(p0).zip(p1).zip(p2).zip(p3);
        let mut c0 = 0;
        while c0 < dh {
            let off = 2 * d + at + c0;
            // Sixteen dimensions per tile where they fit (eight accumulators of the sixteen
            // vector registers), eight otherwise, then the plain remainder.
            let w = if dh - c0 >= 16 {
                16
            } else if dh - c0 >= 8 {
                8
            } else {
                dh - c0
            };
            let acc = match w {
                16 => weigh_values::<M, 16>(rows_iter(), off),
                8 => pad16(weigh_values::<M, 8>(rows_iter(), off)),
                _ => {
                    let mut acc = [[0f32; 16]; 4];
                    for ((((row, &a0), &a1), &a2), &a3) in rows_iter() {
                        let pr = [a0, a1, a2, a3];
                        for r in 0..4 {
                            for (a, &v) in acc[r].iter_mut().zip(&row[off..off + w]) {
                                *a = M::madd(pr[r], v, *a);
                            }
                        }
                    }
                    acc
                }
            };
            for (r, a) in acc.iter().enumerate().take(n - t0) {
                let t = t0 + r;
                for (o, &v) in att[t * d + at + c0..t * d + at + c0 + w].iter_mut().zip(a) {
                    *o = v * inv[r];
                }
            }
            c0 += w;
        }
    }
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

    /// `nonneg`: the layer's inputs are ReLU outputs (see [`QLinear::new`]).
    fn linear(
        &self,
        prefix: &str,
        n_out: usize,
        n_in: usize,
        nonneg: bool,
    ) -> Result<QLinear, String> {
        let (values, scales) = self.int8(&format!("{prefix}.weight"), n_out, n_in)?;
        let bias = self.f32(&format!("{prefix}.bias"), &[n_out])?;
        Ok(QLinear::new(
            values,
            scales.to_vec(),
            bias,
            n_in,
            n_out,
            nonneg,
        ))
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
                qkv: g.linear(&format!("{p}.attn.qkv"), 3 * d, d, false)?,
                out: g.linear(&format!("{p}.attn.out"), d, d, false)?,
                ln2: g.norm(&format!("{p}.ln2"), d, eps)?,
                up: g.linear(&format!("{p}.ffn.up"), f, d, false)?,
                down: g.linear(&format!("{p}.ffn.down"), d, f, true)?,
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
            head: g.linear("head", dims.n_labels as usize, d, false)?,
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

    /// Run `kernel` from now on (benchmarks compare kernels on one model).
    #[cfg(feature = "internals")]
    pub(crate) fn set_kernel(&mut self, kernel: Kernel) {
        self.kernel = kernel;
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
        match self.kernel {
            Kernel::Scalar => self.logits_inlined::<Plain>(ids, b, logits),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only constructed after detecting AVX2 and FMA.
            Kernel::Avx2 => unsafe { self.logits_avx2(ids, b, logits) },
            // NEON has a fused multiply-add in its baseline.
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon | Kernel::NeonDot => self.logits_inlined::<Fused>(ids, b, logits),
        }
    }

    /// The same code compiled for AVX2 and FMA, so the attention loops, layer norms and
    /// softmax that the compiler vectorizes run eight lanes wide instead of SSE2's four, with
    /// fused multiply-adds.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn logits_avx2(&self, ids: &[u32], b: &mut Buffers, logits: &mut [f32]) {
        self.logits_inlined::<Fused>(ids, b, logits);
    }

    #[inline(always)]
    fn logits_inlined<M: Madd>(&self, ids: &[u32], b: &mut Buffers, logits: &mut [f32]) {
        let d = self.dims.d_model as usize;
        let f = self.dims.d_ffn as usize;
        let heads = self.dims.n_heads as usize;
        let dh = d / heads;
        let n = ids.len().min(self.dims.max_len as usize);
        let ids = &ids[..n];
        // Every buffer but `pooled` is overwritten where it is read (its first n rows), so no
        // buffer is zeroed: that cost more than the attention.
        grow(&mut b.x, n * d);
        grow(&mut b.h, n * d);
        grow(&mut b.qkv, n * 3 * d);
        grow(&mut b.att, n * d);
        grow(&mut b.proj, n * d);
        grow(&mut b.ffn, n * f);
        for (t, &id) in ids.iter().enumerate() {
            let id = id as usize;
            let scale = self.tok_emb.1[id];
            let row = &self.tok_emb.0[id * d..(id + 1) * d];
            let pos = &self.pos_emb[t * d..(t + 1) * d];
            for ((x, &q), &p) in b.x[t * d..(t + 1) * d].iter_mut().zip(row).zip(pos) {
                *x = f32::from(q) * scale + p;
            }
        }
        for layer in &self.layers {
            for t in 0..n {
                layer
                    .ln1
                    .apply(&b.x[t * d..(t + 1) * d], &mut b.h[t * d..(t + 1) * d]);
            }
            layer
                .qkv
                .forward(self.kernel, &b.h, n, &mut b.qkv, &mut b.acts);
            for hd in 0..heads {
                attend_head::<M>(&b.qkv, n, d, hd * dh, dh, &mut b.att, &mut b.attn);
            }
            layer
                .out
                .forward(self.kernel, &b.att, n, &mut b.proj, &mut b.acts);
            for (x, p) in b.x[..n * d].iter_mut().zip(&b.proj) {
                *x += p;
            }
            for t in 0..n {
                layer
                    .ln2
                    .apply(&b.x[t * d..(t + 1) * d], &mut b.h[t * d..(t + 1) * d]);
            }
            layer
                .up
                .forward(self.kernel, &b.h, n, &mut b.ffn, &mut b.acts);
            for v in &mut b.ffn[..n * f] {
                *v = v.max(0.0);
            }
            layer
                .down
                .forward(self.kernel, &b.ffn, n, &mut b.proj, &mut b.acts);
            for (x, p) in b.x[..n * d].iter_mut().zip(&b.proj) {
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
        self.head.forward_f32(&b.pooled, 1, logits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest relative error of [`exp_nonpositive`] against `f32::exp`.
    const EXP_REL_BUDGET: f32 = 2e-7 * 4.0;

    #[test]
    fn fast_exp_matches_libm() {
        fast_exp_within_budget::<Fused>();
        fast_exp_within_budget::<Plain>();
    }

    fn fast_exp_within_budget<M: Madd>() {
        let mut worst = 0f32;
        let mut x = 0.0f32;
        while x > -87.0 {
            let (a, b) = (exp_nonpositive::<M>(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x -= 0.000_71;
        }
        assert!(worst <= EXP_REL_BUDGET, "worst relative error {worst}");
        assert_eq!(exp_nonpositive::<M>(0.0), 1.0);
        let tiny = exp_nonpositive::<M>(-1000.0);
        assert!((0.0..1e-37).contains(&tiny));
        assert!(exp_nonpositive::<M>(f32::NEG_INFINITY) >= 0.0);
    }

    #[test]
    fn lane_sums_match_sequential_sums() {
        for n in [0, 1, 7, 8, 9, 16, 63, 64, 65] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            assert!((sum(&a) - a.iter().sum::<f32>()).abs() < 1e-5, "n {n}");
            let want = a.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            assert_eq!(max_of(&a), want, "n {n}");
        }
    }

    /// Largest difference allowed between the tiled attention and the plain one: f32 sums in
    /// another order and the fast exponential, relative to the largest value.
    const ATTENTION_REL_BUDGET: f32 = 1e-5;

    /// One head of attention written as plainly as possible.
    fn attention_reference(qkv: &[f32], n: usize, d: usize, at: usize, dh: usize) -> Vec<f32> {
        let mut out = vec![0f32; n * dh];
        let (q, k, v) = (
            |t: usize, c: usize| f64::from(qkv[t * 3 * d + at + c]),
            |t: usize, c: usize| f64::from(qkv[t * 3 * d + d + at + c]),
            |t: usize, c: usize| f64::from(qkv[t * 3 * d + 2 * d + at + c]),
        );
        for t in 0..n {
            let scores: Vec<f64> = (0..n)
                .map(|s| (0..dh).map(|c| q(t, c) * k(s, c)).sum::<f64>() / (dh as f64).sqrt())
                .collect();
            let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
            let total: f64 = e.iter().sum();
            for c in 0..dh {
                let y: f64 = (0..n).map(|s| e[s] * v(s, c)).sum::<f64>() / total;
                out[t * dh + c] = y as f32;
            }
        }
        out
    }

    #[test]
    fn tiled_attention_matches_the_reference() {
        tiled_attention::<Fused>();
        tiled_attention::<Plain>();
    }

    fn tiled_attention<M: Madd>() {
        let mut seed = 12345u64;
        let mut rnd = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
        };
        // Head widths around the tile sizes, token counts around 4 and 16.
        for (heads, dh) in [(4, 16), (2, 8), (3, 4), (2, 12), (1, 24), (2, 40)] {
            for n in [1, 2, 3, 4, 5, 15, 16, 17, 33, 64] {
                let d = heads * dh;
                let qkv: Vec<f32> = (0..n * 3 * d).map(|_| rnd() * 3.0).collect();
                let mut att = vec![f32::NAN; n * d];
                let mut b = AttnBuffers::default();
                for hd in 0..heads {
                    attend_head::<M>(&qkv, n, d, hd * dh, dh, &mut att, &mut b);
                }
                for hd in 0..heads {
                    let want = attention_reference(&qkv, n, d, hd * dh, dh);
                    let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
                    for t in 0..n {
                        for c in 0..dh {
                            let (w, g) = (want[t * dh + c], att[t * d + hd * dh + c]);
                            assert!(
                                (w - g).abs() <= ATTENTION_REL_BUDGET * scale,
                                "heads {heads} dh {dh} n {n} t {t} c {c}: {w} vs {g}"
                            );
                        }
                    }
                }
            }
        }
    }
}
