//! The int8-weight × f32-activation matrix product, the only hot loop of the model.
//!
//! Weights are stored as int8 with one f32 scale per output row; activations stay f32. A plain
//! scalar loop is the reference; on x86-64 with AVX2 and FMA (detected at run time) a SIMD path
//! converts 8 weights at a time and reuses them for 4 tokens, so the conversion cost is shared.
//! On aarch64, where NEON is part of the base architecture (Linux, Android and iOS targets all
//! enable it), the same scheme runs on four-lane vectors. Property tests hold every SIMD path
//! to the reference within [`SIMD_REL_BUDGET`].
#![allow(unsafe_code)]

/// An int8 linear layer: `y[j] = scale[j] * sum_i W[j][i] * x[i] + bias[j]`.
///
/// The weights are kept transposed (`wt[i * n_out + j] = W[j][i]`): the SIMD path then
/// broadcasts one input value and multiplies it into 16 outputs at once, so no horizontal sums
/// are needed and the per-output scale and bias apply to whole vectors.
#[derive(Clone, Debug)]
pub(crate) struct QLinear {
    /// `n_in × n_out`, the transpose of the file's row-major `n_out × n_in`.
    wt: Vec<i8>,
    /// One per output.
    scales: Vec<f32>,
    /// One per output.
    bias: Vec<f32>,
    pub n_in: usize,
    pub n_out: usize,
}

/// Largest relative difference allowed between the SIMD and scalar paths, measured against
/// the sum of absolute products (so cancellation cannot inflate it): f32 summation in another
/// order, nothing more.
#[cfg(test)]
pub(crate) const SIMD_REL_BUDGET: f32 = 1e-5;

/// Which implementation to run; chosen once at load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// NEON: in every aarch64 target's baseline, so no run-time check is needed.
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    Neon,
}

impl Kernel {
    /// The fastest kernel this CPU supports.
    pub(crate) fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Kernel::Avx2;
            }
        }
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        {
            return Kernel::Neon;
        }
        #[allow(unreachable_code)]
        Kernel::Scalar
    }
}

impl QLinear {
    /// From row-major weights (`n_out × n_in`, as stored in the file).
    pub(crate) fn new(
        w: &[i8],
        scales: Vec<f32>,
        bias: Vec<f32>,
        n_in: usize,
        n_out: usize,
    ) -> QLinear {
        assert!(w.len() == n_in * n_out && scales.len() == n_out && bias.len() == n_out);
        let mut wt = vec![0i8; w.len()];
        for j in 0..n_out {
            for i in 0..n_in {
                wt[i * n_out + j] = w[j * n_in + i];
            }
        }
        QLinear {
            wt,
            scales,
            bias,
            n_in,
            n_out,
        }
    }

    /// Number of weights and biases.
    pub(crate) fn params(&self) -> usize {
        self.wt.len() + self.bias.len()
    }

    /// `out[t] = self(x[t])` for `n_tok` tokens; `x` is `n_tok × n_in`, `out` is `n_tok × n_out`.
    pub(crate) fn forward(&self, kernel: Kernel, x: &[f32], n_tok: usize, out: &mut [f32]) {
        assert!(x.len() >= n_tok * self.n_in && out.len() >= n_tok * self.n_out);
        match kernel {
            Kernel::Scalar => self.forward_scalar(x, n_tok, out, 0),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                let simd_cols = self.n_out - self.n_out % 16;
                // SAFETY: `Kernel::Avx2` is only constructed after detecting AVX2 and FMA.
                unsafe { self.forward_avx2(x, n_tok, out, simd_cols) };
                self.forward_scalar(x, n_tok, out, simd_cols);
            }
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Kernel::Neon => {
                let simd_cols = self.n_out - self.n_out % 16;
                // SAFETY: NEON is enabled at compile time for this target (the cfg above).
                unsafe { self.forward_neon(x, n_tok, out, simd_cols) };
                self.forward_scalar(x, n_tok, out, simd_cols);
            }
        }
    }

    /// Columns `0..cols` (a multiple of 16), four tokens and sixteen outputs at a time: the
    /// AVX2 scheme on four-lane vectors (16 accumulators and 4 weight vectors of the 32
    /// registers).
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    unsafe fn forward_neon(&self, x: &[f32], n_tok: usize, out: &mut [f32], cols: usize) {
        use std::arch::aarch64::*;
        let (n_in, n_out) = (self.n_in, self.n_out);
        let w = self.wt.as_ptr();
        let xp = x.as_ptr();
        let op = out.as_mut_ptr();
        // Sixteen int8 weights at `w + at`, as four f32 vectors.
        #[inline(always)]
        unsafe fn load16(w: *const i8, at: usize) -> [float32x4_t; 4] {
            let v = vld1q_s8(w.add(at));
            let (lo, hi) = (vmovl_s8(vget_low_s8(v)), vmovl_high_s8(v));
            [
                vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))),
                vcvtq_f32_s32(vmovl_high_s16(lo)),
                vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))),
                vcvtq_f32_s32(vmovl_high_s16(hi)),
            ]
        }
        #[inline(always)]
        unsafe fn finish(
            acc: &[float32x4_t; 4],
            scale: *const f32,
            bias: *const f32,
            dst: *mut f32,
        ) {
            for (q, a) in acc.iter().enumerate() {
                let r = vfmaq_f32(vld1q_f32(bias.add(4 * q)), *a, vld1q_f32(scale.add(4 * q)));
                vst1q_f32(dst.add(4 * q), r);
            }
        }
        let (sp, bp) = (self.scales.as_ptr(), self.bias.as_ptr());
        let mut t = 0;
        // SAFETY (whole loop): as for the AVX2 path: token indices < n_tok, input indices
        // < n_in, and every column touched is j + 15 < cols <= n_out.
        while t + 4 <= n_tok {
            let mut j = 0;
            while j < cols {
                let mut acc = [[vdupq_n_f32(0.0); 4]; 4];
                for i in 0..n_in {
                    let wv = load16(w, i * n_out + j);
                    for (k, a) in acc.iter_mut().enumerate() {
                        let xv = *xp.add((t + k) * n_in + i);
                        for q in 0..4 {
                            a[q] = vfmaq_n_f32(a[q], wv[q], xv);
                        }
                    }
                }
                for (k, a) in acc.iter().enumerate() {
                    finish(a, sp.add(j), bp.add(j), op.add((t + k) * n_out + j));
                }
                j += 16;
            }
            t += 4;
        }
        while t < n_tok {
            let mut j = 0;
            while j < cols {
                let mut a = [vdupq_n_f32(0.0); 4];
                for i in 0..n_in {
                    let wv = load16(w, i * n_out + j);
                    let xv = *xp.add(t * n_in + i);
                    for q in 0..4 {
                        a[q] = vfmaq_n_f32(a[q], wv[q], xv);
                    }
                }
                finish(&a, sp.add(j), bp.add(j), op.add(t * n_out + j));
                j += 16;
            }
            t += 1;
        }
    }

    /// The reference: each output of columns `from..n_out` as one dot product in index order.
    pub(crate) fn forward_scalar(&self, x: &[f32], n_tok: usize, out: &mut [f32], from: usize) {
        for t in 0..n_tok {
            let xt = &x[t * self.n_in..(t + 1) * self.n_in];
            for j in from..self.n_out {
                let mut dot = 0f32;
                for (i, &v) in xt.iter().enumerate() {
                    dot += f32::from(self.wt[i * self.n_out + j]) * v;
                }
                out[t * self.n_out + j] = dot * self.scales[j] + self.bias[j];
            }
        }
    }

    /// Columns `0..cols` (a multiple of 16), four tokens and sixteen outputs at a time.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn forward_avx2(&self, x: &[f32], n_tok: usize, out: &mut [f32], cols: usize) {
        use std::arch::x86_64::*;
        let (n_in, n_out) = (self.n_in, self.n_out);
        let w = self.wt.as_ptr();
        let xp = x.as_ptr();
        let op = out.as_mut_ptr();
        // Eight int8 weights at `w + at`, as f32.
        #[inline(always)]
        unsafe fn load8(w: *const i8, at: usize) -> __m256 {
            _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(
                w.add(at) as *const __m128i
            )))
        }
        #[inline(always)]
        unsafe fn finish(acc: __m256, scale: *const f32, bias: *const f32, dst: *mut f32) {
            _mm256_storeu_ps(
                dst,
                _mm256_fmadd_ps(acc, _mm256_loadu_ps(scale), _mm256_loadu_ps(bias)),
            );
        }
        let (sp, bp) = (self.scales.as_ptr(), self.bias.as_ptr());
        let mut t = 0;
        // SAFETY (whole loop): every token index is < n_tok and every input index < n_in, so
        // x reads stay within n_tok * n_in <= x.len(); every column read or written is
        // j + 15 < cols <= n_out, within wt (n_in * n_out), scales, bias and the output row.
        while t + 4 <= n_tok {
            let mut j = 0;
            while j < cols {
                let mut acc = [_mm256_setzero_ps(); 8];
                for i in 0..n_in {
                    let w0 = load8(w, i * n_out + j);
                    let w1 = load8(w, i * n_out + j + 8);
                    for k in 0..4 {
                        let xv = _mm256_broadcast_ss(&*xp.add((t + k) * n_in + i));
                        acc[2 * k] = _mm256_fmadd_ps(xv, w0, acc[2 * k]);
                        acc[2 * k + 1] = _mm256_fmadd_ps(xv, w1, acc[2 * k + 1]);
                    }
                }
                for k in 0..4 {
                    let dst = op.add((t + k) * n_out + j);
                    finish(acc[2 * k], sp.add(j), bp.add(j), dst);
                    finish(acc[2 * k + 1], sp.add(j + 8), bp.add(j + 8), dst.add(8));
                }
                j += 16;
            }
            t += 4;
        }
        while t < n_tok {
            let mut j = 0;
            while j < cols {
                let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
                for i in 0..n_in {
                    let xv = _mm256_broadcast_ss(&*xp.add(t * n_in + i));
                    a0 = _mm256_fmadd_ps(xv, load8(w, i * n_out + j), a0);
                    a1 = _mm256_fmadd_ps(xv, load8(w, i * n_out + j + 8), a1);
                }
                let dst = op.add(t * n_out + j);
                finish(a0, sp.add(j), bp.add(j), dst);
                finish(a1, sp.add(j + 8), bp.add(j + 8), dst.add(8));
                j += 16;
            }
            t += 1;
        }
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

    fn random_layer(rng: &mut Lcg, n_in: usize, n_out: usize) -> (Vec<i8>, QLinear) {
        let w: Vec<i8> = (0..n_in * n_out)
            .map(|_| ((rng.next() % 255) as i32 - 127) as i8)
            .collect();
        let scales = (0..n_out).map(|_| rng.f32().abs() * 0.05 + 1e-4).collect();
        let bias = (0..n_out).map(|_| rng.f32()).collect();
        let lin = QLinear::new(&w, scales, bias, n_in, n_out);
        (w, lin)
    }

    /// Every kernel agrees with the scalar reference on random shapes, including row lengths
    /// that are not multiples of 8 and token counts that are not multiples of 4.
    #[test]
    fn simd_matches_scalar_reference() {
        let kernel = Kernel::detect();
        let mut rng = Lcg(42);
        for case in 0..300 {
            let n_in = 1 + (rng.next() % 300) as usize;
            let n_out = 1 + (rng.next() % 80) as usize;
            let n_tok = 1 + (rng.next() % 11) as usize;
            let (w, lin) = random_layer(&mut rng, n_in, n_out);
            let x: Vec<f32> = (0..n_tok * n_in).map(|_| rng.f32() * 4.0).collect();
            let mut want = vec![0.0; n_tok * n_out];
            let mut got = vec![0.0; n_tok * n_out];
            lin.forward_scalar(&x, n_tok, &mut want, 0);
            lin.forward(kernel, &x, n_tok, &mut got);
            for t in 0..n_tok {
                for j in 0..n_out {
                    let row = &w[j * n_in..(j + 1) * n_in];
                    let mag: f32 = row
                        .iter()
                        .zip(&x[t * n_in..])
                        .map(|(&w, &v)| (f32::from(w) * v).abs())
                        .sum();
                    let budget = SIMD_REL_BUDGET * (mag * lin.scales[j] + lin.bias[j].abs()) + 1e-6;
                    let (a, b) = (want[t * n_out + j], got[t * n_out + j]);
                    assert!(
                        (a - b).abs() <= budget,
                        "case {case} ({n_in}x{n_out}, {n_tok} tokens): {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn hand_computed_values() {
        let lin = QLinear::new(&[1, -2, 3, 127], vec![0.5, 0.01], vec![1.0, 0.0], 2, 2);
        let mut out = vec![0.0; 2];
        lin.forward(Kernel::detect(), &[2.0, 1.0], 1, &mut out);
        assert_eq!(out, [1.0, (6.0 + 127.0) * 0.01]);
    }
}
