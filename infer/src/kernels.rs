//! The linear layers' matrix products, the model's hot loop: int8 weights × int8 activations.
//!
//! Weights are int8 with one f32 scale per output. Activations are quantized per token
//! (dynamic, symmetric): each token's values are divided by their largest magnitude and
//! rounded to integers in `-63..=63`, or `0..=127` for inputs that are ReLU outputs. Then
//!
//! ```text
//! y[t][j] = (acc[t][j] as f32) * (xscale[t] * wscale[j]) + bias[j],   acc = Σ_i W[j][i] · xq[t][i]
//! ```
//!
//! The i32 sum is exact in every kernel and the finishing is the same three float operations
//! in the same order, so every kernel reproduces the scalar reference bit for bit: a message
//! gets the same scores on a phone as on a desktop.
//!
//! Why 63 for signed inputs: x86's byte multiply (`pmaddubsw`) takes one unsigned and one
//! signed operand and saturates the sum of two products at i16. The AVX2 kernel feeds it the
//! weights plus 128 (unsigned, 1..=255) against signed activations and subtracts
//! 128 × Σ xq afterwards; 2 × 255 × 63 fits in i16, 2 × 255 × 127 would not. ReLU outputs are
//! non-negative, so they are the unsigned operand against signed weights, and
//! 2 × 127 × 128 fits. On aarch64, `SDOT` (CPUs with `dotprod`, detected at run time) sums
//! four signed byte products into i32 lanes; without it, widening multiplies (`SMULL`) and
//! pairwise adds (`SADALP`) do the same work in more instructions.
#![allow(unsafe_code)]

/// Quantization levels of signed and of non-negative activations (see the module docs).
const SIGNED_LEVELS: f32 = 63.0;
const NONNEG_LEVELS: f32 = 127.0;

/// An int8 linear layer: `y[j] = scale[j] * sum_i W[j][i] * x[i] + bias[j]`.
#[derive(Clone, Debug)]
pub(crate) struct QLinear {
    /// Groups of four inputs per output: `w4[(b * n_out + j) * 4 + r] = W[j][4b + r]`, zero
    /// where `4b + r >= n_in`. Four bytes are the unit of `pmaddubsw`+`pmaddwd` and of `SDOT`,
    /// and consecutive outputs of one group fill a vector.
    w4: Vec<i8>,
    /// One per output.
    scales: Vec<f32>,
    /// One per output.
    bias: Vec<f32>,
    pub n_in: usize,
    pub n_out: usize,
    /// The inputs are ReLU outputs (never negative): quantized to `0..=127`.
    nonneg: bool,
}

/// Which implementation to run; chosen once at load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    Scalar,
    /// AVX2 (and FMA, which the attention loops use).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// NEON widening multiplies: in every aarch64 target's baseline.
    #[cfg(target_arch = "aarch64")]
    Neon,
    /// NEON with the dot-product extension (`SDOT`), detected at run time.
    #[cfg(target_arch = "aarch64")]
    NeonDot,
}

impl Kernel {
    /// The fastest kernel this CPU supports.
    pub(crate) fn detect() -> Kernel {
        *Kernel::available()
            .last()
            .expect("the scalar kernel is always available")
    }

    /// Every kernel this CPU can run, slowest (the scalar reference) first.
    pub(crate) fn available() -> Vec<Kernel> {
        #[allow(unused_mut)]
        let mut k = vec![Kernel::Scalar];
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            k.push(Kernel::Avx2);
        }
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        {
            k.push(Kernel::Neon);
            if std::arch::is_aarch64_feature_detected!("dotprod") {
                k.push(Kernel::NeonDot);
            }
        }
        k
    }
}

/// Quantized activations of one call: per-call scratch, reused between layers and calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct QActs {
    /// `n_tok` rows of `stride` (n_in rounded up to four) values, zero past `n_in`.
    q: Vec<i8>,
    stride: usize,
    /// Per token: the float value of one quantization step.
    scale: Vec<f32>,
    /// Per token: the sum of its quantized values (the AVX2 kernel's offset correction).
    sum: Vec<i32>,
}

/// Make `v` at least `len` long, never shorter: scratch whose first `len` values are written
/// before they are read. Shrinking and regrowing it with each message's (or layer's) size
/// cost a memset per call.
#[inline(always)]
pub(crate) fn grow<T: Clone + Default>(v: &mut Vec<T>, len: usize) {
    if v.len() < len {
        v.resize(len, T::default());
    }
}

/// `v` rounded to the nearest integer (ties to even), for `|v| <= 2^22`: adding 1.5 · 2^23
/// leaves the integer in the low mantissa bits. Plain arithmetic that vectorizes, where
/// `f32::round` is a libm call on baseline x86-64.
#[inline(always)]
fn round_small(v: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0;
    ((v + MAGIC).to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32)
}

/// `v · inv` rounded into `lo..=hi`; NaN gives `lo`. Compare-and-select rather than
/// `f32::clamp`, so the loops around it vectorize to min/max instructions.
#[inline(always)]
fn quantize_one(v: f32, inv: f32, lo: f32, hi: f32) -> i8 {
    let r = v * inv;
    let r = if r > lo { r } else { lo };
    let r = if r < hi { r } else { hi };
    round_small(r) as i8
}

/// [`max_abs`] one value at a time, for the few values after the vector loops.
#[inline(always)]
fn max_abs_scalar(x: &[f32]) -> f32 {
    x.iter()
        .fold(0f32, |m, &v| if v.abs() > m { v.abs() } else { m })
}

/// Largest `|v|` (0 for an empty slice; NaN is skipped), in eight lanes so it vectorizes.
#[inline(always)]
fn max_abs(x: &[f32]) -> f32 {
    let mut m = [0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail = max_abs_scalar(chunks.remainder());
    for c in chunks {
        for k in 0..8 {
            m[k] = if c[k].abs() > m[k] { c[k].abs() } else { m[k] };
        }
    }
    m.iter().fold(tail, |a, &b| if b > a { b } else { a })
}

/// `dst[i] = quantize_one(row[i], inv, lo, hi)` for every `i`; returns `Σ dst`. One fused
/// loop that the compiler vectorizes for the caller's CPU (written out with intrinsics it
/// measured no fewer instructions on AVX2, 0.4% fewer on NEON).
#[inline(always)]
fn quantize_row(row: &[f32], dst: &mut [i8], inv: f32, lo: f32, hi: f32) -> i32 {
    let mut total = 0;
    for (d, &v) in dst.iter_mut().zip(row) {
        *d = quantize_one(v, inv, lo, hi);
        total += i32::from(*d);
    }
    total
}

/// [`max_abs`] written out for AVX2 and NEON (rows of 16 spent more on the eight-lane
/// array's set-up and final fold than on the values). Exact: the maximum of magnitudes does
/// not depend on the order, and NaN is skipped alike.
#[inline(always)]
fn row_max_abs(kernel: Kernel, row: &[f32]) -> f32 {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Kernel::Avx2` is only constructed after detecting AVX2.
        Kernel::Avx2 => unsafe { max_abs_avx2(row) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NEON is in every aarch64 target's baseline.
        Kernel::Neon | Kernel::NeonDot => unsafe { max_abs_neon(row) },
        Kernel::Scalar => max_abs(row),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn max_abs_avx2(row: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    let magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    let mut m = _mm256_setzero_ps();
    let mut i = 0;
    // SAFETY: i + 8 <= row.len().
    while i + 8 <= row.len() {
        let a = _mm256_and_ps(_mm256_loadu_ps(row.as_ptr().add(i)), magnitude);
        // `maxps` returns its second operand when the first is NaN: NaN is skipped.
        m = _mm256_max_ps(a, m);
        i += 8;
    }
    let h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    let h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    let h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    let tail = max_abs_scalar(&row[i..]);
    let best = _mm_cvtss_f32(h);
    if tail > best {
        tail
    } else {
        best
    }
}

#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
#[inline]
unsafe fn max_abs_neon(row: &[f32]) -> f32 {
    use std::arch::aarch64::*;
    let mut m = vdupq_n_f32(0.0);
    let mut i = 0;
    // SAFETY: i + 4 <= row.len().
    while i + 4 <= row.len() {
        // FMAXNM returns the number when the other operand is NaN: NaN is skipped.
        m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(row.as_ptr().add(i))));
        i += 4;
    }
    let tail = max_abs_scalar(&row[i..]);
    let best = vmaxnmvq_f32(m);
    if tail > best {
        tail
    } else {
        best
    }
}

impl QActs {
    /// Quantize `n_tok` rows of `n_in` values (see the module docs) with the row code of
    /// `kernel`.
    #[inline(always)]
    fn quantize(&mut self, kernel: Kernel, x: &[f32], n_tok: usize, n_in: usize, nonneg: bool) {
        let stride = n_in.div_ceil(4) * 4;
        self.stride = stride;
        // Every value of the first n_tok rows is written below (padding and all-zero rows
        // included).
        grow(&mut self.q, n_tok * stride);
        self.scale.clear();
        self.sum.clear();
        let (lo, levels) = if nonneg {
            (0.0, NONNEG_LEVELS)
        } else {
            (-SIGNED_LEVELS, SIGNED_LEVELS)
        };
        for (row, dst) in x[..n_tok * n_in]
            .chunks_exact(n_in)
            .zip(self.q[..n_tok * stride].chunks_exact_mut(stride))
        {
            if stride > n_in {
                dst[n_in..].fill(0);
            }
            let max = row_max_abs(kernel, row);
            if !(max > 0.0 && max.is_finite()) {
                // All zero (or not a number): every product is zero.
                dst.fill(0);
                self.scale.push(0.0);
                self.sum.push(0);
                continue;
            }
            // The clamp keeps rounding noise (and a stray negative ReLU input) in range.
            let total = quantize_row(row, &mut dst[..n_in], levels / max, lo, levels);
            self.scale.push(max / levels);
            self.sum.push(total);
        }
    }
}

/// The finishing arithmetic every kernel shares, in this order.
#[inline(always)]
fn finish(acc: i32, xscale: f32, wscale: f32, bias: f32) -> f32 {
    acc as f32 * (xscale * wscale) + bias
}

impl QLinear {
    /// From row-major weights (`n_out × n_in`, as stored in the file). `nonneg`: the inputs
    /// are never negative (ReLU outputs), which buys them twice the quantization levels.
    pub(crate) fn new(
        w: &[i8],
        scales: Vec<f32>,
        bias: Vec<f32>,
        n_in: usize,
        n_out: usize,
        nonneg: bool,
    ) -> QLinear {
        assert!(w.len() == n_in * n_out && scales.len() == n_out && bias.len() == n_out);
        let blocks = n_in.div_ceil(4);
        let mut w4 = vec![0i8; blocks * n_out * 4];
        for j in 0..n_out {
            for i in 0..n_in {
                w4[((i / 4) * n_out + j) * 4 + i % 4] = w[j * n_in + i];
            }
        }
        QLinear {
            w4,
            scales,
            bias,
            n_in,
            n_out,
            nonneg,
        }
    }

    /// Number of weights and biases.
    pub(crate) fn params(&self) -> usize {
        self.n_in * self.n_out + self.bias.len()
    }

    /// `W[j][i]`.
    #[inline(always)]
    fn weight(&self, j: usize, i: usize) -> i8 {
        self.w4[((i / 4) * self.n_out + j) * 4 + i % 4]
    }

    /// `out[t] = self(x[t])` for `n_tok` tokens with float activations (no activation
    /// quantization), one plain dot product per output: for the classification head, which
    /// runs once per message and feeds the scores directly.
    pub(crate) fn forward_f32(&self, x: &[f32], n_tok: usize, out: &mut [f32]) {
        assert!(x.len() >= n_tok * self.n_in && out.len() >= n_tok * self.n_out);
        for t in 0..n_tok {
            let xt = &x[t * self.n_in..(t + 1) * self.n_in];
            for j in 0..self.n_out {
                let mut dot = 0f32;
                for (i, &v) in xt.iter().enumerate() {
                    dot += f32::from(self.weight(j, i)) * v;
                }
                out[t * self.n_out + j] = dot * self.scales[j] + self.bias[j];
            }
        }
    }

    /// `out[t] = self(x[t])` for `n_tok` tokens, activations quantized to int8 in `acts`;
    /// `x` is `n_tok × n_in`, `out` is `n_tok × n_out`.
    pub(crate) fn forward(
        &self,
        kernel: Kernel,
        x: &[f32],
        n_tok: usize,
        out: &mut [f32],
        acts: &mut QActs,
    ) {
        assert!(x.len() >= n_tok * self.n_in && out.len() >= n_tok * self.n_out);
        let cols = self.n_out - self.n_out % 16;
        match kernel {
            Kernel::Scalar => {
                acts.quantize(kernel, x, n_tok, self.n_in, self.nonneg);
                self.matmul_scalar(acts, n_tok, out, 0);
                return;
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only constructed after detecting AVX2 and FMA.
            Kernel::Avx2 => unsafe { self.forward_avx2(x, n_tok, out, acts, cols) },
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => {
                acts.quantize(kernel, x, n_tok, self.n_in, self.nonneg);
                // SAFETY: NEON is in the baseline of every aarch64 target.
                unsafe { self.matmul_neon(acts, n_tok, out, cols) }
            }
            #[cfg(target_arch = "aarch64")]
            Kernel::NeonDot => {
                acts.quantize(kernel, x, n_tok, self.n_in, self.nonneg);
                // SAFETY: `Kernel::NeonDot` is only constructed after detecting `dotprod`.
                unsafe { self.matmul_sdot(acts, n_tok, out, cols) }
            }
        }
        // Columns past the last multiple of 16 (none in the shipped model).
        if cols < self.n_out {
            self.matmul_scalar(acts, n_tok, out, cols);
        }
    }

    /// The reference: each output of columns `from..n_out` as one integer dot product in index
    /// order.
    fn matmul_scalar(&self, acts: &QActs, n_tok: usize, out: &mut [f32], from: usize) {
        let blocks = self.n_in.div_ceil(4);
        for t in 0..n_tok {
            let xq = &acts.q[t * acts.stride..(t + 1) * acts.stride];
            for j in from..self.n_out {
                let mut acc = 0i32;
                for b in 0..blocks {
                    for r in 0..4 {
                        let w = self.w4[(b * self.n_out + j) * 4 + r];
                        acc += i32::from(w) * i32::from(xq[4 * b + r]);
                    }
                }
                out[t * self.n_out + j] = finish(acc, acts.scale[t], self.scales[j], self.bias[j]);
            }
        }
    }

    /// Quantize (compiled for AVX2 here, so that loop runs eight lanes wide), then columns
    /// `0..cols` (a multiple of 16) four tokens at a time.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn forward_avx2(
        &self,
        x: &[f32],
        n_tok: usize,
        out: &mut [f32],
        acts: &mut QActs,
        cols: usize,
    ) {
        acts.quantize(Kernel::Avx2, x, n_tok, self.n_in, self.nonneg);
        let mut t = 0;
        while t + 4 <= n_tok {
            if self.nonneg {
                self.tile_avx2::<4, true>(acts, t, out, cols);
            } else {
                self.tile_avx2::<4, false>(acts, t, out, cols);
            }
            t += 4;
        }
        while t < n_tok {
            if self.nonneg {
                self.tile_avx2::<1, true>(acts, t, out, cols);
            } else {
                self.tile_avx2::<1, false>(acts, t, out, cols);
            }
            t += 1;
        }
    }

    /// Tokens `t..t + T`, columns `0..cols` sixteen at a time (two vectors of eight i32
    /// lanes). `NONNEG`: activations unsigned against signed weights; otherwise weights + 128
    /// unsigned against signed activations, corrected by 128 × Σ xq at the end.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn tile_avx2<const T: usize, const NONNEG: bool>(
        &self,
        acts: &QActs,
        t: usize,
        out: &mut [f32],
        cols: usize,
    ) {
        use std::arch::x86_64::*;
        let (n_out, stride) = (self.n_out, acts.stride);
        let blocks = stride / 4;
        let w = self.w4.as_ptr();
        let q = acts.q.as_ptr();
        let ones = _mm256_set1_epi16(1);
        let flip = _mm256_set1_epi8(-128);
        // SAFETY (whole function): tokens t..t+T < n_tok rows of `stride` quantized values;
        // weight groups b < blocks and columns j + 15 < cols <= n_out stay within w4
        // (blocks * n_out * 4), scales, bias and the output rows.
        let mut j = 0;
        while j < cols {
            let mut acc = [[_mm256_setzero_si256(); 2]; T];
            for b in 0..blocks {
                let mut wv = [
                    _mm256_loadu_si256(w.add((b * n_out + j) * 4) as *const __m256i),
                    _mm256_loadu_si256(w.add((b * n_out + j + 8) * 4) as *const __m256i),
                ];
                if !NONNEG {
                    wv = [_mm256_xor_si256(wv[0], flip), _mm256_xor_si256(wv[1], flip)];
                }
                for (k, a) in acc.iter_mut().enumerate() {
                    let four = (q.add((t + k) * stride + 4 * b) as *const i32).read_unaligned();
                    let xb = _mm256_set1_epi32(four);
                    for h in 0..2 {
                        let pairs = if NONNEG {
                            _mm256_maddubs_epi16(xb, wv[h])
                        } else {
                            _mm256_maddubs_epi16(wv[h], xb)
                        };
                        a[h] = _mm256_add_epi32(a[h], _mm256_madd_epi16(pairs, ones));
                    }
                }
            }
            for (k, a) in acc.iter().enumerate() {
                let xs = _mm256_set1_ps(acts.scale[t + k]);
                let offset = _mm256_set1_epi32(acts.sum[t + k].wrapping_mul(128));
                for (h, &v) in a.iter().enumerate() {
                    let c = j + 8 * h;
                    let v = if NONNEG {
                        v
                    } else {
                        _mm256_sub_epi32(v, offset)
                    };
                    let s = _mm256_mul_ps(xs, _mm256_loadu_ps(self.scales.as_ptr().add(c)));
                    let y = _mm256_add_ps(
                        _mm256_mul_ps(_mm256_cvtepi32_ps(v), s),
                        _mm256_loadu_ps(self.bias.as_ptr().add(c)),
                    );
                    _mm256_storeu_ps(out.as_mut_ptr().add((t + k) * n_out + c), y);
                }
            }
            j += 16;
        }
    }

    /// Columns `0..cols` (a multiple of 16) with `SDOT`, four tokens at a time.
    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon,dotprod")]
    unsafe fn matmul_sdot(&self, acts: &QActs, n_tok: usize, out: &mut [f32], cols: usize) {
        let mut t = 0;
        while t + 4 <= n_tok {
            self.tile_sdot::<4>(acts, t, out, cols);
            t += 4;
        }
        while t < n_tok {
            self.tile_sdot::<1>(acts, t, out, cols);
            t += 1;
        }
    }

    /// Tokens `t..t + T`, columns sixteen at a time (four vectors of four i32 lanes). Each
    /// token's inputs are loaded sixteen at a time (four groups) and `SDOT`'s by-element form
    /// picks the group from a lane, so no group is loaded or broadcast on its own.
    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon,dotprod")]
    #[inline]
    unsafe fn tile_sdot<const T: usize>(
        &self,
        acts: &QActs,
        t: usize,
        out: &mut [f32],
        cols: usize,
    ) {
        use std::arch::aarch64::*;
        /// `acc[l] += Σ_r w[4l + r] · x[4 LANE + r]`. `SDOT` through `asm!`: its intrinsic
        /// (`vdotq_laneq_s32`) is not stable Rust yet.
        #[inline(always)]
        unsafe fn sdot<const LANE: i32>(acc: int32x4_t, w: int8x16_t, x: int8x16_t) -> int32x4_t {
            let mut acc = acc;
            std::arch::asm!(
                "sdot {acc:v}.4s, {w:v}.16b, {x:v}.4b[{lane}]",
                acc = inout(vreg) acc,
                w = in(vreg) w,
                x = in(vreg) x,
                lane = const LANE,
                options(pure, nomem, nostack, preserves_flags)
            );
            acc
        }
        /// One group of four inputs (lane `LANE` of each token's `xv`) against sixteen outputs.
        #[inline(always)]
        unsafe fn group<const LANE: i32, const T: usize>(
            acc: &mut [[int32x4_t; 4]; T],
            wv: [int8x16_t; 4],
            xv: &[int8x16_t; T],
        ) {
            for (a, &x) in acc.iter_mut().zip(xv) {
                for m in 0..4 {
                    a[m] = sdot::<LANE>(a[m], wv[m], x);
                }
            }
        }
        let (n_out, stride) = (self.n_out, acts.stride);
        let blocks = stride / 4;
        let w = self.w4.as_ptr();
        let q = acts.q.as_ptr();
        // SAFETY (whole function): as in the AVX2 tile; a sixteen-byte input load at group b
        // stays within the token's row because b + 3 < blocks.
        let mut j = 0;
        while j < cols {
            let mut acc = [[vdupq_n_s32(0); 4]; T];
            let group_at = |b: usize| w.add((b * n_out + j) * 4);
            let mut b = 0;
            while b + 4 <= blocks {
                let mut xv = [vdupq_n_s8(0); T];
                for (k, x) in xv.iter_mut().enumerate() {
                    *x = vld1q_s8(q.add((t + k) * stride + 4 * b));
                }
                group::<0, T>(&mut acc, load_group(group_at(b)), &xv);
                group::<1, T>(&mut acc, load_group(group_at(b + 1)), &xv);
                group::<2, T>(&mut acc, load_group(group_at(b + 2)), &xv);
                group::<3, T>(&mut acc, load_group(group_at(b + 3)), &xv);
                b += 4;
            }
            while b < blocks {
                let mut xv = [vdupq_n_s8(0); T];
                for (k, x) in xv.iter_mut().enumerate() {
                    *x = broadcast_group(q.add((t + k) * stride + 4 * b));
                }
                group::<0, T>(&mut acc, load_group(group_at(b)), &xv);
                b += 1;
            }
            for (k, a) in acc.iter().enumerate() {
                store_neon(self, acts, t + k, j, a, out);
            }
            j += 16;
        }
    }

    /// Columns `0..cols` (a multiple of 16) with widening multiplies, two tokens at a time.
    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon")]
    unsafe fn matmul_neon(&self, acts: &QActs, n_tok: usize, out: &mut [f32], cols: usize) {
        // Groups of products an i16 lane holds exactly: 4 × 128 × 63 and 2 × 128 × 127 fit.
        if self.nonneg {
            self.matmul_neon_k::<2>(acts, n_tok, out, cols);
        } else {
            self.matmul_neon_k::<4>(acts, n_tok, out, cols);
        }
    }

    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon")]
    #[inline]
    unsafe fn matmul_neon_k<const K: usize>(
        &self,
        acts: &QActs,
        n_tok: usize,
        out: &mut [f32],
        cols: usize,
    ) {
        let mut t = 0;
        while t + 2 <= n_tok {
            self.tile_neon::<2, K>(acts, t, out, cols);
            t += 2;
        }
        while t < n_tok {
            self.tile_neon::<1, K>(acts, t, out, cols);
            t += 1;
        }
    }

    /// Tokens `t..t + T`, columns eight at a time: a vector of 16 weights holds four outputs'
    /// groups of four; `SMULL`/`SMLAL` (and their high halves) sum the products of `K` groups
    /// in i16 lanes (exact: at most K × 128 × the activation's largest level, see
    /// `matmul_neon`), then `SADALP` adds neighbouring pairs into i32, leaving two partial sums
    /// per output that one pairwise add (`ADDP`) joins at the end. Eight columns rather than
    /// sixteen keep the i16 and i32 sums of two tokens in the 32 vector registers.
    #[cfg(target_arch = "aarch64")]
    #[target_feature(enable = "neon")]
    #[inline]
    unsafe fn tile_neon<const T: usize, const K: usize>(
        &self,
        acts: &QActs,
        t: usize,
        out: &mut [f32],
        cols: usize,
    ) {
        use std::arch::aarch64::*;
        let (n_out, stride) = (self.n_out, acts.stride);
        let blocks = stride / 4;
        let w = self.w4.as_ptr();
        let q = acts.q.as_ptr();
        // SAFETY (whole function): as in the AVX2 tile (columns j + 7 < cols).
        let mut j = 0;
        while j < cols {
            // [token][vector of four outputs][low pair of outputs, high pair]
            let mut acc = [[[vdupq_n_s32(0); 2]; 2]; T];
            // The i16 sums of groups b..b + n (n <= K), widened into `acc`.
            let step = |acc: &mut [[[int32x4_t; 2]; 2]; T], b: usize, n: usize| {
                let mut part = [[[vdupq_n_s16(0); 2]; 2]; T];
                for g in b..b + n {
                    let base = w.add((g * n_out + j) * 4);
                    let wv = [vld1q_s8(base), vld1q_s8(base.add(16))];
                    for (k, p) in part.iter_mut().enumerate() {
                        let xv = broadcast_group(q.add((t + k) * stride + 4 * g));
                        for m in 0..2 {
                            p[m][0] = vmlal_s8(p[m][0], vget_low_s8(wv[m]), vget_low_s8(xv));
                            p[m][1] = vmlal_high_s8(p[m][1], wv[m], xv);
                        }
                    }
                }
                for (a, p) in acc.iter_mut().zip(&part) {
                    for m in 0..2 {
                        a[m][0] = vpadalq_s16(a[m][0], p[m][0]);
                        a[m][1] = vpadalq_s16(a[m][1], p[m][1]);
                    }
                }
            };
            let mut b = 0;
            while b + K <= blocks {
                step(&mut acc, b, K); // K is a constant: unrolled
                b += K;
            }
            if b < blocks {
                step(&mut acc, b, blocks - b);
            }
            for (k, a) in acc.iter().enumerate() {
                let sums = [vpaddq_s32(a[0][0], a[0][1]), vpaddq_s32(a[1][0], a[1][1])];
                store_neon(self, acts, t + k, j, &sums, out);
            }
            j += 8;
        }
    }
}

/// Sixteen outputs' weights for one group of four inputs: four vectors of four outputs each
/// (the `w4` layout), at `base`.
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
#[inline]
unsafe fn load_group(base: *const i8) -> [std::arch::aarch64::int8x16_t; 4] {
    use std::arch::aarch64::*;
    // SAFETY: the callers' tiles read 64 bytes within `w4` (see the AVX2 tile).
    [
        vld1q_s8(base),
        vld1q_s8(base.add(16)),
        vld1q_s8(base.add(32)),
        vld1q_s8(base.add(48)),
    ]
}

/// One token's group of four quantized inputs at `at`, repeated in all four lanes.
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
#[inline]
unsafe fn broadcast_group(at: *const i8) -> std::arch::aarch64::int8x16_t {
    use std::arch::aarch64::*;
    // SAFETY: `at` is a group within the token's row of `stride` values.
    vreinterpretq_s8_s32(vld1q_dup_s32(at as *const i32))
}

/// Finish four outputs per vector of `sums` (columns `j..`) of token `t` from their i32 sums.
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
#[inline]
unsafe fn store_neon(
    lin: &QLinear,
    acts: &QActs,
    t: usize,
    j: usize,
    sums: &[std::arch::aarch64::int32x4_t],
    out: &mut [f32],
) {
    use std::arch::aarch64::*;
    let xs = vdupq_n_f32(acts.scale[t]);
    // SAFETY: columns j + 4 × sums.len() <= n_out and token t < n_tok (the callers' loops).
    for (m, &v) in sums.iter().enumerate() {
        let c = j + 4 * m;
        let s = vmulq_f32(xs, vld1q_f32(lin.scales.as_ptr().add(c)));
        let y = vaddq_f32(
            vmulq_f32(vcvtq_f32_s32(v), s),
            vld1q_f32(lin.bias.as_ptr().add(c)),
        );
        vst1q_f32(out.as_mut_ptr().add(t * lin.n_out + c), y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the property test needs no dependency.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
        fn f32(&mut self) -> f32 {
            self.next() as f32 / (1u64 << 31) as f32 * 2.0 - 1.0
        }
    }

    fn random_layer(rng: &mut Lcg, n_in: usize, n_out: usize, nonneg: bool) -> (Vec<i8>, QLinear) {
        // The full int8 range, -128 included: the kernels' no-overflow arguments must hold
        // at the extremes.
        let w: Vec<i8> = (0..n_in * n_out).map(|_| rng.next() as u8 as i8).collect();
        let scales = (0..n_out).map(|_| rng.f32().abs() * 0.05 + 1e-4).collect();
        let bias = (0..n_out).map(|_| rng.f32()).collect();
        let lin = QLinear::new(&w, scales, bias, n_in, n_out, nonneg);
        (w, lin)
    }

    /// Inputs with the shapes that matter: zero rows, one large outlier, extremes, and for a
    /// non-negative layer, ReLU-like zeros.
    fn random_input(rng: &mut Lcg, n_tok: usize, n_in: usize, nonneg: bool) -> Vec<f32> {
        let mut x: Vec<f32> = (0..n_tok * n_in).map(|_| rng.f32() * 4.0).collect();
        for t in 0..n_tok {
            match rng.next() % 6 {
                0 => x[t * n_in..(t + 1) * n_in].fill(0.0),
                1 => x[t * n_in + rng.next() as usize % n_in] = 300.0,
                2 => x[t * n_in..(t + 1) * n_in].fill(-1.5),
                _ => {}
            }
        }
        if nonneg {
            x.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        x
    }

    /// The plainest statement of the arithmetic: quantize with `f32::round` and sum in i64,
    /// from the row-major weights. Every kernel must equal it exactly.
    fn reference(w: &[i8], lin: &QLinear, x: &[f32], n_tok: usize) -> Vec<f32> {
        let (n_in, n_out) = (lin.n_in, lin.n_out);
        let levels = if lin.nonneg { 127.0 } else { 63.0 };
        let mut out = vec![0.0; n_tok * n_out];
        for t in 0..n_tok {
            let row = &x[t * n_in..(t + 1) * n_in];
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let (xs, q): (f32, Vec<i64>) = if max > 0.0 {
                let lo = if lin.nonneg { 0.0 } else { -levels };
                let q = row
                    .iter()
                    .map(|v| {
                        let r = (v * (levels / max)).clamp(lo, levels);
                        // Ties to even, as the kernels round.
                        let f = r.round();
                        let f = if (r - r.trunc()).abs() == 0.5 && f % 2.0 != 0.0 {
                            f - r.signum()
                        } else {
                            f
                        };
                        f as i64
                    })
                    .collect();
                (max / levels, q)
            } else {
                (0.0, vec![0; n_in])
            };
            for j in 0..n_out {
                let acc: i64 = (0..n_in).map(|i| i64::from(w[j * n_in + i]) * q[i]).sum();
                out[t * n_out + j] = acc as f32 * (xs * lin.scales[j]) + lin.bias[j];
            }
        }
        out
    }

    /// Every kernel this CPU runs equals the reference bit for bit on random shapes, including
    /// input widths that are not multiples of 4, outputs that are not multiples of 16 and
    /// token counts that are not multiples of 4.
    #[test]
    fn every_kernel_matches_the_reference_exactly() {
        let kernels = Kernel::available();
        let mut rng = Lcg(42);
        for case in 0..300 {
            let n_in = 1 + (rng.next() % 300) as usize;
            let n_out = 1 + (rng.next() % 80) as usize;
            let n_tok = 1 + (rng.next() % 11) as usize;
            let nonneg = rng.next().is_multiple_of(2);
            let (w, lin) = random_layer(&mut rng, n_in, n_out, nonneg);
            let x = random_input(&mut rng, n_tok, n_in, nonneg);
            let want = reference(&w, &lin, &x, n_tok);
            for &kernel in &kernels {
                let mut got = vec![f32::NAN; n_tok * n_out];
                lin.forward(kernel, &x, n_tok, &mut got, &mut QActs::default());
                for (i, (a, b)) in want.iter().zip(&got).enumerate() {
                    assert!(
                        a.to_bits() == b.to_bits(),
                        "case {case} ({n_in}x{n_out}, {n_tok} tokens, nonneg {nonneg}, \
                         {kernel:?}) output {i}: {a} vs {b}"
                    );
                }
            }
        }
    }

    /// The quantization error against float activations stays within half a step per input:
    /// |y_int8 - y_f32| <= wscale · Σ_i |W[j][i]| · xscale / 2.
    #[test]
    fn quantization_error_is_half_a_step() {
        let mut rng = Lcg(7);
        for _ in 0..100 {
            let (n_in, n_out, n_tok) = (64, 16, 3);
            let nonneg = rng.next().is_multiple_of(2);
            let (w, lin) = random_layer(&mut rng, n_in, n_out, nonneg);
            let x = random_input(&mut rng, n_tok, n_in, nonneg);
            let (mut q, mut f) = (vec![0.0; n_tok * n_out], vec![0.0; n_tok * n_out]);
            lin.forward(Kernel::detect(), &x, n_tok, &mut q, &mut QActs::default());
            lin.forward_f32(&x, n_tok, &mut f);
            let levels = if nonneg { 127.0 } else { 63.0 };
            for t in 0..n_tok {
                let max = x[t * n_in..(t + 1) * n_in]
                    .iter()
                    .fold(0f32, |m, v| m.max(v.abs()));
                for j in 0..n_out {
                    let l1: f32 = w[j * n_in..(j + 1) * n_in]
                        .iter()
                        .map(|&v| f32::from(v).abs())
                        .sum();
                    let bound = lin.scales[j] * l1 * max / levels / 2.0 * 1.001 + 1e-4;
                    let (a, b) = (q[t * n_out + j], f[t * n_out + j]);
                    assert!((a - b).abs() <= bound, "{a} vs {b}, bound {bound}");
                }
            }
        }
    }

    /// CI names the kernels a CPU must offer (`SMSGUARD_EXPECT_KERNELS=scalar,neon,neondot`
    /// under qemu's Cortex-A76, without `neondot` on the A53), so a run that silently fell back
    /// to a slower kernel, and left the fast one untested, fails.
    #[test]
    fn the_expected_kernels_are_detected() {
        let Ok(expected) = std::env::var("SMSGUARD_EXPECT_KERNELS") else {
            return;
        };
        let got: Vec<String> = Kernel::available()
            .iter()
            .map(|k| format!("{k:?}").to_lowercase())
            .collect();
        assert_eq!(got.join(","), expected);
    }

    #[test]
    fn hand_computed_values() {
        // W = [[1, -2], [3, 127]], x = [2, 1] → quantized to [63, 32] with step 2/63.
        let lin = QLinear::new(
            &[1, -2, 3, 127],
            vec![0.5, 0.01],
            vec![1.0, 0.0],
            2,
            2,
            false,
        );
        for kernel in Kernel::available() {
            let mut out = vec![0.0; 2];
            lin.forward(kernel, &[2.0, 1.0], 1, &mut out, &mut QActs::default());
            let step = 2.0f32 / 63.0;
            assert_eq!(out[0], ((63 - 64) as f32) * (step * 0.5) + 1.0);
            assert_eq!(out[1], ((189 + 127 * 32) as f32) * (step * 0.01));
        }
        let mut out = vec![0.0; 2];
        lin.forward_f32(&[2.0, 1.0], 1, &mut out);
        assert_eq!(out, [1.0, (6.0 + 127.0) * 0.01]);
    }

    /// The written-out maxima equal the plain one on every length around the vector widths,
    /// with NaN, infinities, negative zero and the largest magnitude in the tail.
    #[test]
    fn row_maxima_match_the_plain_one() {
        let mut rng = Lcg(3);
        for len in 0..40 {
            for case in 0..20 {
                let mut row: Vec<f32> = (0..len).map(|_| rng.f32() * 10.0).collect();
                if len > 0 {
                    let i = rng.next() as usize % len;
                    row[i] = match case % 5 {
                        0 => f32::NAN,
                        1 => -1e30,
                        2 => -0.0,
                        3 => f32::INFINITY,
                        _ => row[i],
                    };
                }
                for kernel in Kernel::available() {
                    let (a, b) = (row_max_abs(kernel, &row), max_abs(&row));
                    assert_eq!(a.to_bits(), b.to_bits(), "{kernel:?} len {len}: {row:?}");
                }
            }
        }
    }

    #[test]
    fn rounding_is_to_nearest_even() {
        for (v, want) in [
            (0.5, 0),
            (1.5, 2),
            (-0.5, 0),
            (-1.5, -2),
            (2.4, 2),
            (-63.0, -63),
        ] {
            assert_eq!(round_small(v), want, "{v}");
        }
        assert_eq!(max_abs(&[]), 0.0);
        assert_eq!(max_abs(&[1.0, -3.0, f32::NAN, 2.0]), 3.0);
    }
}
