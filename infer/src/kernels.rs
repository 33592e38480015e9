//! The int8-weight × f32-activation matrix product, the only hot loop of the model.
//!
//! Weights are stored as int8 with one f32 scale per output row; activations stay f32. A plain
//! scalar loop is the reference; on x86-64 with AVX2 and FMA (detected at run time) a SIMD path
//! converts 8 weights at a time and reuses them for 4 tokens, so the conversion cost is shared.
//! Property tests hold the SIMD path to the reference within [`SIMD_REL_BUDGET`].
#![allow(unsafe_code)]

/// An int8 linear layer: `y = scale[j] * (W[j] · x) + bias[j]`.
#[derive(Clone, Debug)]
pub(crate) struct QLinear {
    /// `n_out × n_in`, row-major.
    pub w: Vec<i8>,
    /// One per output row.
    pub scales: Vec<f32>,
    /// One per output row.
    pub bias: Vec<f32>,
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
        Kernel::Scalar
    }
}

impl QLinear {
    /// `out[t] = self(x[t])` for `n_tok` tokens; `x` is `n_tok × n_in`, `out` is `n_tok × n_out`.
    pub(crate) fn forward(&self, kernel: Kernel, x: &[f32], n_tok: usize, out: &mut [f32]) {
        assert!(x.len() >= n_tok * self.n_in && out.len() >= n_tok * self.n_out);
        match kernel {
            Kernel::Scalar => self.forward_scalar(x, n_tok, out),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Kernel::Avx2` is only constructed after detecting AVX2 and FMA.
            Kernel::Avx2 => unsafe { self.forward_avx2(x, n_tok, out) },
        }
    }

    /// The reference: one dot product per (token, row), in index order.
    pub(crate) fn forward_scalar(&self, x: &[f32], n_tok: usize, out: &mut [f32]) {
        for t in 0..n_tok {
            let xt = &x[t * self.n_in..(t + 1) * self.n_in];
            for j in 0..self.n_out {
                let row = &self.w[j * self.n_in..(j + 1) * self.n_in];
                let dot: f32 = row.iter().zip(xt).map(|(&w, &v)| f32::from(w) * v).sum();
                out[t * self.n_out + j] = dot * self.scales[j] + self.bias[j];
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn forward_avx2(&self, x: &[f32], n_tok: usize, out: &mut [f32]) {
        use std::arch::x86_64::*;
        let n_in = self.n_in;
        let body = n_in - n_in % 8;
        #[inline(always)]
        unsafe fn hsum(v: __m256) -> f32 {
            let lo = _mm256_castps256_ps128(v);
            let hi = _mm256_extractf128_ps(v, 1);
            let s = _mm_add_ps(lo, hi);
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
            _mm_cvtss_f32(s)
        }
        let tail = |row: &[i8], xt: &[f32]| -> f32 {
            row[body..]
                .iter()
                .zip(&xt[body..])
                .map(|(&w, &v)| f32::from(w) * v)
                .sum()
        };
        for j in 0..self.n_out {
            let row = &self.w[j * n_in..(j + 1) * n_in];
            let (scale, bias) = (self.scales[j], self.bias[j]);
            let mut t = 0;
            while t + 4 <= n_tok {
                let xs = [
                    &x[t * n_in..(t + 1) * n_in],
                    &x[(t + 1) * n_in..(t + 2) * n_in],
                    &x[(t + 2) * n_in..(t + 3) * n_in],
                    &x[(t + 3) * n_in..(t + 4) * n_in],
                ];
                let mut acc = [_mm256_setzero_ps(); 4];
                let mut i = 0;
                while i < body {
                    // SAFETY: i + 8 <= body <= n_in, the length of `row` and of every `xs[k]`.
                    let w8 = _mm_loadl_epi64(row.as_ptr().add(i) as *const __m128i);
                    let wf = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(w8));
                    for k in 0..4 {
                        acc[k] =
                            _mm256_fmadd_ps(wf, _mm256_loadu_ps(xs[k].as_ptr().add(i)), acc[k]);
                    }
                    i += 8;
                }
                for k in 0..4 {
                    out[(t + k) * self.n_out + j] =
                        (hsum(acc[k]) + tail(row, xs[k])) * scale + bias;
                }
                t += 4;
            }
            while t < n_tok {
                let xt = &x[t * n_in..(t + 1) * n_in];
                let mut acc = _mm256_setzero_ps();
                let mut i = 0;
                while i < body {
                    // SAFETY: as above.
                    let w8 = _mm_loadl_epi64(row.as_ptr().add(i) as *const __m128i);
                    let wf = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(w8));
                    acc = _mm256_fmadd_ps(wf, _mm256_loadu_ps(xt.as_ptr().add(i)), acc);
                    i += 8;
                }
                out[t * self.n_out + j] = (hsum(acc) + tail(row, xt)) * scale + bias;
                t += 1;
            }
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

    fn random_layer(rng: &mut Lcg, n_in: usize, n_out: usize) -> QLinear {
        QLinear {
            w: (0..n_in * n_out)
                .map(|_| (rng.next() % 255) as i32 as i8)
                .collect(),
            scales: (0..n_out).map(|_| rng.f32().abs() * 0.05 + 1e-4).collect(),
            bias: (0..n_out).map(|_| rng.f32()).collect(),
            n_in,
            n_out,
        }
    }

    /// Every kernel agrees with the scalar reference on random shapes, including row lengths
    /// that are not multiples of 8 and token counts that are not multiples of 4.
    #[test]
    fn simd_matches_scalar_reference() {
        let kernel = Kernel::detect();
        let mut rng = Lcg(42);
        for case in 0..300 {
            let n_in = 1 + (rng.next() % 300) as usize;
            let n_out = 1 + (rng.next() % 40) as usize;
            let n_tok = 1 + (rng.next() % 11) as usize;
            let lin = random_layer(&mut rng, n_in, n_out);
            let x: Vec<f32> = (0..n_tok * n_in).map(|_| rng.f32() * 4.0).collect();
            let mut want = vec![0.0; n_tok * n_out];
            let mut got = vec![0.0; n_tok * n_out];
            lin.forward_scalar(&x, n_tok, &mut want);
            lin.forward(kernel, &x, n_tok, &mut got);
            for t in 0..n_tok {
                for j in 0..n_out {
                    let row = &lin.w[j * n_in..(j + 1) * n_in];
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
        let lin = QLinear {
            w: vec![1, -2, 3, 127],
            scales: vec![0.5, 0.01],
            bias: vec![1.0, 0.0],
            n_in: 2,
            n_out: 2,
        };
        let mut out = vec![0.0; 2];
        lin.forward(Kernel::detect(), &[2.0, 1.0], 1, &mut out);
        assert_eq!(out, [1.0, (6.0 + 127.0) * 0.01]);
    }
}
