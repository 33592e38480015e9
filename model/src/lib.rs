//! The trainable smsguard network: a small pre-norm transformer encoder classifier written with
//! candle-core and candle-nn, and its export to `smsguard`'s int8 model format.
//!
//! Tensor names (the `VarBuilder` prefixes) are the names in the model file, and `smsguard`'s
//! int8 forward pass mirrors this file layer by layer.
//!
//! Two candle-nn 0.11 traps are avoided on purpose: `LayerNorm::forward` and
//! `ops::softmax_last_dim` are fused custom ops without a backward pass, so training through
//! them silently leaves most parameters without gradients. This file uses
//! `ops::layer_norm_slow` and `ops::softmax` instead, and a test checks that every parameter
//! receives a gradient.

use candle_core::{DType, Device, Module, Result, Tensor, D};
use candle_nn::{Embedding, Linear, VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use smsguard::format::{self, Dims, ModelFile};

/// Model size. `Default` is the shipped size; [`Config::tiny`] is for tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Width of the hidden states.
    pub d_model: usize,
    /// Encoder layers.
    pub n_layers: usize,
    /// Attention heads (must divide `d_model`).
    pub n_heads: usize,
    /// Width of the feed-forward layer.
    pub d_ffn: usize,
    /// Longest input in tokens, `[CLS]` included.
    pub max_len: usize,
    /// Output classes.
    pub n_labels: usize,
    /// Dropout probability in training.
    pub dropout: f32,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f32,
    /// Hash buckets of the character n-gram branch beside the encoder (0: none). Its logits,
    /// a linear model over the message's hashed 1- to 4-character n-grams, add to the
    /// encoder's. `default` so checkpoints from before the branch load as they are.
    #[serde(default)]
    pub ngram_buckets: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            vocab_size: 6000,
            d_model: 64,
            n_layers: 2,
            n_heads: 4,
            d_ffn: 128,
            max_len: 64,
            n_labels: smsguard::Label::COUNT,
            dropout: 0.1,
            layer_norm_eps: 1e-5,
            ngram_buckets: 1 << 16,
        }
    }
}

impl Config {
    /// A very small model for tests: trains in seconds.
    pub fn tiny(vocab_size: usize) -> Config {
        Config {
            vocab_size,
            d_model: 16,
            n_layers: 1,
            n_heads: 2,
            d_ffn: 32,
            max_len: 32,
            n_labels: smsguard::Label::COUNT,
            dropout: 0.1,
            layer_norm_eps: 1e-5,
            ngram_buckets: 1 << 10,
        }
    }

    fn dims(&self) -> Dims {
        Dims {
            vocab_size: self.vocab_size as u32,
            d_model: self.d_model as u32,
            n_layers: self.n_layers as u32,
            n_heads: self.n_heads as u32,
            d_ffn: self.d_ffn as u32,
            max_len: self.max_len as u32,
            n_labels: self.n_labels as u32,
            layer_norm_eps: self.layer_norm_eps,
        }
    }
}

/// Dropout with masks drawn from a seeded generator, so training runs repeat exactly
/// (candle's own dropout draws from an unseeded generator on the CPU).
pub struct Dropout<'a> {
    /// Drop probability.
    pub p: f32,
    /// The generator.
    pub rng: &'a mut ChaCha8Rng,
}

impl Dropout<'_> {
    fn apply(&mut self, x: &Tensor) -> Result<Tensor> {
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let keep = 1.0 / (1.0 - self.p);
        let n = x.elem_count();
        let mask: Vec<f32> = (0..n)
            .map(|_| {
                if self.rng.random::<f32>() < self.p {
                    0.0
                } else {
                    keep
                }
            })
            .collect();
        let mask = Tensor::from_vec(mask, x.shape(), x.device())?;
        x.mul(&mask)
    }
}

struct LayerNorm {
    weight: Tensor, // [d]
    bias: Tensor,   // [d]
    eps: f32,
}

impl LayerNorm {
    fn new(d: usize, eps: f32, vb: VarBuilder) -> Result<LayerNorm> {
        Ok(LayerNorm {
            weight: vb.get_with_hints(d, "weight", candle_nn::Init::Const(1.0))?,
            bias: vb.get_with_hints(d, "bias", candle_nn::Init::Const(0.0))?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        candle_nn::ops::layer_norm_slow(x, &self.weight, &self.bias, self.eps)
    }
}

struct Attention {
    qkv: Linear, // [3d, d]: rows 0..d query, d..2d key, 2d..3d value
    out: Linear, // [d, d]
    n_heads: usize,
}

impl Attention {
    /// `x`: [B, T, d]; `mask_bias`: [B, 1, 1, T], 0 for tokens and a large negative for padding.
    fn forward(&self, x: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (b, t, d) = x.dims3()?;
        let dh = d / self.n_heads;
        let qkv = self.qkv.forward(x)?; // [B, T, 3d]
        let heads = |i: usize| -> Result<Tensor> {
            qkv.narrow(D::Minus1, i * d, d)?
                .reshape((b, t, self.n_heads, dh))?
                .transpose(1, 2)?
                .contiguous() // [B, H, T, dh]
        };
        let (q, k, v) = (heads(0)?, heads(1)?, heads(2)?);
        let scores = (q.matmul(&k.t()?)? / (dh as f64).sqrt())?.broadcast_add(mask_bias)?;
        let att = candle_nn::ops::softmax(&scores, D::Minus1)?; // [B, H, T, T]
        let ctx = att.matmul(&v)?.transpose(1, 2)?.reshape((b, t, d))?;
        self.out.forward(&ctx)
    }
}

struct Layer {
    ln1: LayerNorm,
    attn: Attention,
    ln2: LayerNorm,
    up: Linear,   // [d_ffn, d]
    down: Linear, // [d, d_ffn]
}

/// The n-gram buckets of a batch's messages, flattened, for [`Model::forward`].
pub struct GramBatch {
    messages: usize,
    /// [N] bucket of each n-gram.
    idx: Tensor,
    /// [N] the message it belongs to.
    seg: Tensor,
    /// [N, 1] its weight: 1 / √(the message's n-gram count), as `smsguard` computes it.
    weight: Tensor,
}

impl GramBatch {
    /// The batch of `messages`' n-gram buckets (from `smsguard::ngram::features`). With
    /// `dropout`, each n-gram is left out with its probability and the kept ones are scaled by
    /// 1 / (1 - p), so the expected logits equal the full message's.
    pub fn new(messages: &[&[u32]], dropout: Option<&mut Dropout>) -> Result<GramBatch> {
        let (mut idx, mut seg, mut weight) = (Vec::new(), Vec::new(), Vec::new());
        let mut dropout = dropout;
        for (m, grams) in messages.iter().enumerate() {
            if grams.is_empty() {
                continue;
            }
            let mut w = 1.0 / (grams.len() as f32).sqrt();
            let p = dropout.as_ref().map_or(0.0, |d| d.p);
            if p > 0.0 {
                w /= 1.0 - p;
            }
            for &g in *grams {
                if let Some(d) = dropout.as_deref_mut() {
                    if d.p > 0.0 && d.rng.random::<f32>() < d.p {
                        continue;
                    }
                }
                idx.push(g);
                seg.push(m as u32);
                weight.push(w);
            }
        }
        let n = idx.len();
        Ok(GramBatch {
            messages: messages.len(),
            idx: Tensor::from_vec(idx, n, &Device::Cpu)?,
            seg: Tensor::from_vec(seg, n, &Device::Cpu)?,
            weight: Tensor::from_vec(weight, (n, 1), &Device::Cpu)?,
        })
    }
}

/// The classifier.
pub struct Model {
    tok_emb: Embedding, // [V, d]
    pos_emb: Tensor,    // [max_len, d]
    layers: Vec<Layer>,
    ln_f: LayerNorm,
    head: Linear,          // [n_labels, d]
    ngram: Option<Tensor>, // [n_labels, buckets]
    cfg: Config,
}

impl Model {
    /// Create (or load, depending on `vb`) the model's variables.
    pub fn new(cfg: &Config, vb: VarBuilder) -> Result<Model> {
        if cfg.n_heads == 0 || !cfg.d_model.is_multiple_of(cfg.n_heads) {
            candle_core::bail!(
                "d_model {} must be a multiple of n_heads {}",
                cfg.d_model,
                cfg.n_heads
            );
        }
        let d = cfg.d_model;
        let mut layers = Vec::with_capacity(cfg.n_layers);
        for i in 0..cfg.n_layers {
            let vb = vb.pp(format!("layers.{i}"));
            layers.push(Layer {
                ln1: LayerNorm::new(d, cfg.layer_norm_eps, vb.pp("ln1"))?,
                attn: Attention {
                    qkv: candle_nn::linear(d, 3 * d, vb.pp("attn.qkv"))?,
                    out: candle_nn::linear(d, d, vb.pp("attn.out"))?,
                    n_heads: cfg.n_heads,
                },
                ln2: LayerNorm::new(d, cfg.layer_norm_eps, vb.pp("ln2"))?,
                up: candle_nn::linear(d, cfg.d_ffn, vb.pp("ffn.up"))?,
                down: candle_nn::linear(cfg.d_ffn, d, vb.pp("ffn.down"))?,
            });
        }
        Ok(Model {
            tok_emb: candle_nn::embedding(cfg.vocab_size, d, vb.pp("tok_emb"))?,
            pos_emb: vb.pp("pos_emb").get_with_hints(
                (cfg.max_len, d),
                "weight",
                candle_nn::Init::Randn {
                    mean: 0.0,
                    stdev: 0.02,
                },
            )?,
            layers,
            ln_f: LayerNorm::new(d, cfg.layer_norm_eps, vb.pp("ln_f"))?,
            head: candle_nn::linear(d, cfg.n_labels, vb.pp("head"))?,
            ngram: match cfg.ngram_buckets {
                0 => None,
                b => Some(vb.pp("ngram").get_with_hints(
                    (cfg.n_labels, b),
                    "weight",
                    candle_nn::Init::Const(0.0),
                )?),
            },
            cfg: cfg.clone(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Logits [B, n_labels] for token ids [B, T] (u32), a mask [B, T] (f32, 1 for tokens,
    /// 0 for padding) and the messages' n-grams (`None`: no n-grams, as for a model without the
    /// branch). With `dropout`, the training forward pass.
    pub fn forward(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        grams: Option<&GramBatch>,
        dropout: Option<&mut Dropout>,
    ) -> Result<Tensor> {
        match self.forward_parts(ids, mask, grams, dropout)? {
            (logits, Some(ngram)) => logits + ngram,
            (logits, None) => Ok(logits),
        }
    }

    /// The encoder's logits [B, n_labels] and, apart, the n-gram branch's (`None` without the
    /// branch or n-grams); [`Model::forward`] is their sum. Training can score the branch on
    /// its own as well.
    pub fn forward_parts(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        grams: Option<&GramBatch>,
        dropout: Option<&mut Dropout>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let logits = self.encoder_forward(ids, mask, dropout)?;
        match (&self.ngram, grams) {
            (Some(table), Some(g)) if g.idx.elem_count() > 0 => {
                let (b, l) = logits.dims2()?;
                if g.messages != b {
                    candle_core::bail!("n-grams of {} messages for a batch of {b}", g.messages);
                }
                // Gather each n-gram's column of per-label weights, weight it, and sum per
                // message: a sparse linear model whose gradient reaches only the rows used.
                let rows = table
                    .index_select(&g.idx, 1)?
                    .t()?
                    .broadcast_mul(&g.weight)?;
                let per_message = Tensor::zeros((b, l), DType::F32, logits.device())?.index_add(
                    &g.seg,
                    &rows.contiguous()?,
                    0,
                )?;
                Ok((logits, Some(per_message)))
            }
            _ => Ok((logits, None)),
        }
    }

    fn encoder_forward(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        mut dropout: Option<&mut Dropout>,
    ) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        if t > self.cfg.max_len {
            candle_core::bail!("{t} tokens, the model reads at most {}", self.cfg.max_len);
        }
        let pos = self.pos_emb.narrow(0, 0, t)?;
        let mut x = self.tok_emb.forward(ids)?.broadcast_add(&pos)?;
        if let Some(d) = dropout.as_deref_mut() {
            x = d.apply(&x)?;
        }
        let mask_bias = ((mask.ones_like()? - mask)? * -1e9)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        for layer in &self.layers {
            let mut a = layer.attn.forward(&layer.ln1.forward(&x)?, &mask_bias)?;
            if let Some(d) = dropout.as_deref_mut() {
                a = d.apply(&a)?;
            }
            x = (x + a)?;
            let h = layer.up.forward(&layer.ln2.forward(&x)?)?.relu()?;
            let mut f = layer.down.forward(&h)?;
            if let Some(d) = dropout.as_deref_mut() {
                f = d.apply(&f)?;
            }
            x = (x + f)?;
        }
        let x = self.ln_f.forward(&x)?;
        // Mean over real tokens.
        let m = mask.unsqueeze(D::Minus1)?; // [B, T, 1]
        let pooled = x.broadcast_mul(&m)?.sum(1)?.broadcast_div(&m.sum(1)?)?;
        self.head.forward(&pooled)
    }
}

/// Reinitialize every variable from a seeded generator (candle's CPU initializers are not
/// seedable), by name: linear and embedding weights uniform in ±1/sqrt(fan-in) and N(0, 0.02)
/// respectively, biases 0, layer-norm gains 1.
pub fn init_weights(varmap: &VarMap, seed: u64) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let data = varmap.data().lock().expect("varmap lock");
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let shape = var.shape().clone();
        let n = shape.elem_count();
        let values: Vec<f32> = if name.ends_with(".bias") {
            vec![0.0; n]
        } else if name.starts_with("ln") || name.contains(".ln") {
            vec![1.0; n]
        } else if name.starts_with("ngram") {
            // A linear model starts from no evidence.
            vec![0.0; n]
        } else if name.starts_with("tok_emb") || name.starts_with("pos_emb") {
            (0..n).map(|_| normal(&mut rng) * 0.02).collect()
        } else {
            let fan_in = *shape.dims().last().unwrap_or(&1) as f32;
            let bound = 1.0 / fan_in.sqrt();
            (0..n).map(|_| rng.random_range(-bound..bound)).collect()
        };
        var.set(&Tensor::from_vec(values, shape, var.device())?)?;
    }
    Ok(())
}

fn normal(rng: &mut ChaCha8Rng) -> f32 {
    // Box-Muller: enough for initialization.
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
}

/// The tokenizer tables to store next to the weights.
pub struct TokenizerParts {
    /// Token strings by id.
    pub vocab: Vec<String>,
    /// BPE merges as (left id, right id), in rank order.
    pub merges: Vec<(u32, u32)>,
    /// Segmentation dictionary: (token id, frequency).
    pub dict: Vec<(u32, u32)>,
}

/// One tensor's quantization error, for the exporter's report.
#[derive(Clone, Debug, Serialize)]
pub struct QuantError {
    /// Tensor name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Whether it was stored as int8.
    pub int8: bool,
    /// Largest absolute difference between the f32 and stored values.
    pub max_abs_error: f32,
    /// Largest absolute f32 value (for scale).
    pub max_abs_value: f32,
}

/// Build the model file from trained variables, quantizing every 2-D weight but the position
/// table to int8 (per row) through `smsguard`'s one definition of the format.
pub fn export(
    varmap: &VarMap,
    cfg: &Config,
    tok: TokenizerParts,
    labels: &[&str],
    meta: String,
) -> Result<(ModelFile, Vec<QuantError>)> {
    let data = varmap.data().lock().expect("varmap lock");
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    let mut tensors = Vec::new();
    let mut report = Vec::new();
    for name in names {
        let t = data[name].as_tensor();
        let shape = t.dims().to_vec();
        let values: Vec<f32> = t.flatten_all()?.to_dtype(DType::F32)?.to_vec1()?;
        let int8 = shape.len() == 2 && name != "pos_emb.weight";
        let stored = if int8 {
            format::Tensor::quantize_rows(name, &shape, &values)
        } else {
            format::Tensor::f32(name, &shape, values.clone())
        };
        let back = stored.to_f32();
        report.push(QuantError {
            name: name.clone(),
            shape: shape.clone(),
            int8,
            max_abs_error: values
                .iter()
                .zip(&back)
                .fold(0.0, |m, (a, b)| m.max((a - b).abs())),
            max_abs_value: values.iter().fold(0.0, |m, a| m.max(a.abs())),
        });
        tensors.push(stored);
    }
    if tok.vocab.len() != cfg.vocab_size {
        candle_core::bail!(
            "the vocabulary has {} tokens, the model {}",
            tok.vocab.len(),
            cfg.vocab_size
        );
    }
    let mut file = ModelFile {
        version: format::FormatVersion::CURRENT,
        dims: cfg.dims(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        vocab: tok.vocab,
        merges: tok.merges,
        dict: tok.dict,
        ngram_buckets: cfg.ngram_buckets as u32,
        tensors,
        meta,
    };
    file.version = file.write_version();
    Ok((file, report))
}

/// Load an exported model file back into candle with its int8 weights dequantized: the float
/// reference for the int8 forward pass (same weights, f32 arithmetic).
pub fn from_model_file(file: &ModelFile) -> Result<(Config, VarMap, Model)> {
    let d = &file.dims;
    let cfg = Config {
        vocab_size: d.vocab_size as usize,
        d_model: d.d_model as usize,
        n_layers: d.n_layers as usize,
        n_heads: d.n_heads as usize,
        d_ffn: d.d_ffn as usize,
        max_len: d.max_len as usize,
        n_labels: d.n_labels as usize,
        dropout: 0.0,
        layer_norm_eps: d.layer_norm_eps,
        ngram_buckets: file.ngram_buckets as usize,
    };
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = Model::new(&cfg, vb)?;
    {
        let data = varmap.data().lock().expect("varmap lock");
        for (name, var) in data.iter() {
            let Some(t) = file.tensor(name) else {
                candle_core::bail!("the model file has no tensor {name}");
            };
            var.set(&Tensor::from_vec(t.to_f32(), var.shape(), &Device::Cpu)?)?;
        }
    }
    Ok((cfg, varmap, model))
}

/// A fresh model with its variables, on the CPU, seeded.
pub fn build(cfg: &Config, seed: u64) -> Result<(VarMap, Model)> {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = Model::new(cfg, vb)?;
    init_weights(&varmap, seed)?;
    Ok((varmap, model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::Optimizer;

    fn batch(cfg: &Config) -> (Tensor, Tensor, Tensor) {
        let ids = Tensor::new(&[[1u32, 5, 7, 9], [1, 4, 0, 0]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[1f32, 1., 1., 1.], [1., 1., 0., 0.]], &Device::Cpu).unwrap();
        let labels = Tensor::new(&[0u32, 2], &Device::Cpu).unwrap();
        assert!(cfg.vocab_size > 9);
        (ids, mask, labels)
    }

    /// The fused candle ops have no backward pass; every parameter must get a gradient.
    #[test]
    fn every_parameter_gets_a_gradient() {
        let cfg = Config::tiny(12);
        let (varmap, model) = build(&cfg, 1).unwrap();
        let (ids, mask, labels) = batch(&cfg);
        let grams = GramBatch::new(&[&[3, 700, 3], &[5]], None).unwrap();
        let logits = model.forward(&ids, &mask, Some(&grams), None).unwrap();
        let loss = candle_nn::loss::cross_entropy(&logits, &labels).unwrap();
        let grads = loss.backward().unwrap();
        let data = varmap.data().lock().unwrap();
        assert!(data.len() >= 14, "{} variables", data.len());
        for (name, var) in data.iter() {
            let g = grads
                .get(var.as_tensor())
                .unwrap_or_else(|| panic!("{name} has no gradient"));
            let norm: f32 = g.sqr().unwrap().sum_all().unwrap().to_scalar().unwrap();
            if name != "tok_emb.weight" {
                assert!(norm > 0.0, "{name} has a zero gradient");
            }
        }
    }

    /// The branch adds `Σ weights / √n` per label: checked against the plain sum.
    #[test]
    fn ngram_logits_are_the_normalized_sum() {
        let cfg = Config {
            n_layers: 0,
            ..Config::tiny(12)
        };
        let (varmap, model) = build(&cfg, 4).unwrap();
        let buckets = cfg.ngram_buckets;
        let table: Vec<f32> = (0..cfg.n_labels * buckets)
            .map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0)
            .collect();
        varmap
            .data()
            .lock()
            .unwrap()
            .get("ngram.weight")
            .unwrap()
            .set(&Tensor::from_vec(table.clone(), (cfg.n_labels, buckets), &Device::Cpu).unwrap())
            .unwrap();
        let ids = Tensor::new(&[[1u32, 4], [1, 5]], &Device::Cpu).unwrap();
        let mask = Tensor::ones((2, 2), DType::F32, &Device::Cpu).unwrap();
        let grams: [&[u32]; 2] = [&[3, 9, 3, 1000], &[]];
        let with: Vec<Vec<f32>> = model
            .forward(
                &ids,
                &mask,
                Some(&GramBatch::new(&grams, None).unwrap()),
                None,
            )
            .unwrap()
            .to_vec2()
            .unwrap();
        let without: Vec<Vec<f32>> = model
            .forward(&ids, &mask, None, None)
            .unwrap()
            .to_vec2()
            .unwrap();
        for l in 0..cfg.n_labels {
            let want: f32 = grams[0]
                .iter()
                .map(|&g| table[l * buckets + g as usize])
                .sum::<f32>()
                / 2.0;
            assert!((with[0][l] - without[0][l] - want).abs() < 1e-5);
            assert_eq!(with[1][l], without[1][l], "no n-grams, no change");
        }
    }

    #[test]
    fn padding_does_not_change_the_output() {
        let cfg = Config::tiny(12);
        let (_, model) = build(&cfg, 2).unwrap();
        let short = model
            .forward(
                &Tensor::new(&[[1u32, 4]], &Device::Cpu).unwrap(),
                &Tensor::new(&[[1f32, 1.]], &Device::Cpu).unwrap(),
                None,
                None,
            )
            .unwrap();
        let padded = model
            .forward(
                &Tensor::new(&[[1u32, 4, 0, 0]], &Device::Cpu).unwrap(),
                &Tensor::new(&[[1f32, 1., 0., 0.]], &Device::Cpu).unwrap(),
                None,
                None,
            )
            .unwrap();
        let diff: f32 = (short - padded)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!(diff < 1e-5, "{diff}");
    }

    #[test]
    fn seeded_init_repeats_and_training_reduces_loss() {
        let cfg = Config::tiny(12);
        let (vm1, m1) = build(&cfg, 3).unwrap();
        let (_, m2) = build(&cfg, 3).unwrap();
        let (ids, mask, labels) = batch(&cfg);
        let a: Vec<f32> = m1
            .forward(&ids, &mask, None, None)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let b: Vec<f32> = m2
            .forward(&ids, &mask, None, None)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(a, b);
        let mut opt = candle_nn::AdamW::new(
            vm1.all_vars(),
            candle_nn::ParamsAdamW {
                lr: 1e-2,
                ..Default::default()
            },
        )
        .unwrap();
        let loss0: f32 =
            candle_nn::loss::cross_entropy(&m1.forward(&ids, &mask, None, None).unwrap(), &labels)
                .unwrap()
                .to_scalar()
                .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        for _ in 0..30 {
            let mut d = Dropout {
                p: 0.1,
                rng: &mut rng,
            };
            let loss = candle_nn::loss::cross_entropy(
                &m1.forward(&ids, &mask, None, Some(&mut d)).unwrap(),
                &labels,
            )
            .unwrap();
            opt.backward_step(&loss).unwrap();
        }
        let loss1: f32 =
            candle_nn::loss::cross_entropy(&m1.forward(&ids, &mask, None, None).unwrap(), &labels)
                .unwrap()
                .to_scalar()
                .unwrap();
        assert!(loss1 < loss0 * 0.5, "{loss0} -> {loss1}");
    }
}
