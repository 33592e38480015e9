//! The model file format: the one definition, shared by the exporter and the loader.
//!
//! All integers and floats are little-endian. A file is:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `SMSGUARD` |
//! | 4 | format version (u32), see [`FormatVersion`] |
//! | 8 | total file length in bytes (u64), so a cut file is reported as truncated |
//! | 4 × 8 | config: vocab size, d_model, layers, heads, ffn width, max tokens, labels, reserved (0) |
//! | 4 | layer-norm epsilon (f32) |
//! | ... | sections: a 4-byte tag, a u64 payload length, the payload |
//! | 8 | FNV-1a 64 checksum of every byte before it |
//!
//! Sections, each exactly once, in this order:
//!
//! - `LABL`: u32 count, then per label a u16 length and UTF-8 bytes (output order);
//! - `VOCB`: u32 count, then per token a u16 length and UTF-8 bytes;
//! - `MRGS`: u32 count, then (u32 left id, u32 right id) per BPE merge, in rank order;
//! - `DICT`: u32 count, then (u32 token id, u32 frequency) per segmentation-dictionary word;
//! - `NGRM` (version 2 only): the character n-gram branch: u32 buckets, u32 shortest and u32
//!   longest n-gram, u32 hash (1: [`crate::ngram`]'s); its weights are the tensor
//!   `ngram.weight`, `[labels, buckets]`, int8 with one scale per label;
//! - `TNSR`: u32 count, then per tensor: u16 name length, name, u8 dtype (0 = f32, 1 = int8
//!   with one f32 scale per row), u8 rank, u32 dims, then the data (f32 values; or f32 row
//!   scales followed by i8 values, row-major);
//! - `META`: free UTF-8 text (JSON written by the trainer: data, date, metrics).
//!
//! Every count and length is checked against the bytes that remain before anything is
//! allocated, so a truncated or hostile file gives an error, never a panic or a huge
//! allocation.

use std::fmt;

const MAGIC: &[u8; 8] = b"SMSGUARD";

/// The versions of the format this build reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FormatVersion {
    /// The first version: the transformer only.
    V1 = 1,
    /// Adds the `NGRM` section: a hashed character n-gram branch beside the transformer.
    V2 = 2,
}

impl FormatVersion {
    /// The newest version this build reads and writes.
    pub const CURRENT: FormatVersion = FormatVersion::V2;

    fn from_u32(v: u32) -> Option<FormatVersion> {
        match v {
            1 => Some(FormatVersion::V1),
            2 => Some(FormatVersion::V2),
            _ => None,
        }
    }
}

/// The n-gram hash this build computes (the `NGRM` section's hash field).
const NGRAM_HASH: u32 = 1;

/// Why a model file could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatError {
    /// The file does not start with `SMSGUARD`.
    BadMagic,
    /// The file's version is not one this build reads.
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// The file ends before the named part is complete.
    Truncated {
        /// What was being read.
        what: String,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left in the file.
        available: u64,
    },
    /// The checksum does not match: the file was corrupted.
    Checksum {
        /// The checksum stored in the file.
        stored: u64,
        /// The checksum of the bytes read.
        computed: u64,
    },
    /// The file parses but its parts do not fit together.
    Inconsistent(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::BadMagic => write!(f, "not an smsguard model: expected the file to start with \"SMSGUARD\""),
            FormatError::UnsupportedVersion { found } => write!(
                f,
                "unsupported model format version {found}: this build reads versions 1 to {}",
                FormatVersion::CURRENT as u32
            ),
            FormatError::Truncated { what, needed, available } => write!(
                f,
                "truncated model file: {what} needs {needed} bytes but only {available} remain"
            ),
            FormatError::Checksum { stored, computed } => write!(
                f,
                "corrupted model file: checksum {computed:016x} does not match the stored {stored:016x}"
            ),
            FormatError::Inconsistent(s) => write!(f, "inconsistent model file: {s}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Model dimensions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dims {
    /// Vocabulary size.
    pub vocab_size: u32,
    /// Width of the hidden states.
    pub d_model: u32,
    /// Encoder layers.
    pub n_layers: u32,
    /// Attention heads per layer.
    pub n_heads: u32,
    /// Width of the feed-forward layer.
    pub d_ffn: u32,
    /// Longest input in tokens (including `[CLS]`).
    pub max_len: u32,
    /// Output classes.
    pub n_labels: u32,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f32,
}

/// A tensor's values.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    /// Plain f32 values (biases, layer norms).
    F32(Vec<f32>),
    /// int8 values with one f32 scale per row (the last dimension is the row):
    /// value = `values[i] as f32 * scales[row]`.
    I8 {
        /// One scale per row.
        scales: Vec<f32>,
        /// Row-major values.
        values: Vec<i8>,
    },
}

/// A named tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Its name, as the trainer's variable names (`layers.0.attn.q.weight`).
    pub name: String,
    /// Its shape; the last dimension is the row length.
    pub shape: Vec<u32>,
    /// Its values.
    pub data: TensorData,
}

impl Tensor {
    /// An f32 tensor.
    pub fn f32(name: &str, shape: &[usize], values: Vec<f32>) -> Tensor {
        Tensor {
            name: name.to_owned(),
            shape: shape.iter().map(|&d| d as u32).collect(),
            data: TensorData::F32(values),
        }
    }

    /// Quantize an f32 matrix to int8 with one symmetric scale per row (max |x| / 127):
    /// the only quantization in the project, used by the exporter.
    pub fn quantize_rows(name: &str, shape: &[usize], values: &[f32]) -> Tensor {
        let row = shape.last().copied().unwrap_or(1).max(1);
        let mut scales = Vec::with_capacity(values.len() / row);
        let mut q = Vec::with_capacity(values.len());
        for r in values.chunks(row) {
            let max = r.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
            scales.push(scale);
            q.extend(
                r.iter()
                    .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8),
            );
        }
        Tensor {
            name: name.to_owned(),
            shape: shape.iter().map(|&d| d as u32).collect(),
            data: TensorData::I8 { scales, values: q },
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.shape.iter().map(|&d| d as usize).product()
    }

    /// Whether the tensor holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as f32 (dequantized for int8).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            TensorData::F32(v) => v.clone(),
            TensorData::I8 { scales, values } => {
                let row = self.shape.last().copied().unwrap_or(1).max(1) as usize;
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &q)| f32::from(q) * scales[i / row])
                    .collect()
            }
        }
    }
}

/// Everything a model file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFile {
    /// The format version the reader found. The writer ignores it and writes the oldest
    /// version that holds the content: version 1 without an n-gram branch (so old files
    /// round-trip byte for byte), version 2 with one.
    pub version: FormatVersion,
    /// Dimensions.
    pub dims: Dims,
    /// Label names in output order.
    pub labels: Vec<String>,
    /// Token strings by id.
    pub vocab: Vec<String>,
    /// BPE merges as (left id, right id), in rank order.
    pub merges: Vec<(u32, u32)>,
    /// Segmentation dictionary: (token id, frequency).
    pub dict: Vec<(u32, u32)>,
    /// Hash buckets of the character n-gram branch; 0 for none (every version 1 file).
    pub ngram_buckets: u32,
    /// Weights.
    pub tensors: Vec<Tensor>,
    /// Free text about how the model was made.
    pub meta: String,
}

/// FNV-1a, 64-bit.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Finish a file from everything before its checksum: patch the length field (when the header
/// reaches it) and append the checksum. For fuzzing edited files past the checksum check.
#[cfg(feature = "internals")]
pub(crate) fn seal(body: &[u8]) -> Vec<u8> {
    let mut w = body.to_vec();
    let at = MAGIC.len() + 4;
    if w.len() >= at + 8 {
        let total = (w.len() + 8) as u64;
        w[at..at + 8].copy_from_slice(&total.to_le_bytes());
    }
    let sum = fnv1a(&w);
    w.extend_from_slice(&sum.to_le_bytes());
    w
}

impl ModelFile {
    /// The version [`ModelFile::to_bytes`] writes: the oldest that holds this content.
    pub fn write_version(&self) -> FormatVersion {
        if self.ngram_buckets == 0 {
            FormatVersion::V1
        } else {
            FormatVersion::V2
        }
    }

    /// Serialize to bytes, as [`ModelFile::write_version`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let version = self.write_version();
        let mut w = Vec::new();
        w.extend_from_slice(MAGIC);
        put_u32(&mut w, version as u32);
        let len_at = w.len();
        w.extend_from_slice(&0u64.to_le_bytes()); // patched below
        let d = &self.dims;
        for v in [
            d.vocab_size,
            d.d_model,
            d.n_layers,
            d.n_heads,
            d.d_ffn,
            d.max_len,
            d.n_labels,
            0,
        ] {
            put_u32(&mut w, v);
        }
        w.extend_from_slice(&d.layer_norm_eps.to_le_bytes());
        section(&mut w, b"LABL", |s| put_strings(s, &self.labels));
        section(&mut w, b"VOCB", |s| put_strings(s, &self.vocab));
        section(&mut w, b"MRGS", |s| put_pairs(s, &self.merges));
        section(&mut w, b"DICT", |s| put_pairs(s, &self.dict));
        if version == FormatVersion::V2 {
            section(&mut w, b"NGRM", |s| {
                for v in [
                    self.ngram_buckets,
                    crate::ngram::MIN_N as u32,
                    crate::ngram::MAX_N as u32,
                    NGRAM_HASH,
                ] {
                    put_u32(s, v);
                }
            });
        }
        section(&mut w, b"TNSR", |s| {
            put_u32(s, self.tensors.len() as u32);
            for t in &self.tensors {
                put_str(s, &t.name);
                s.push(match t.data {
                    TensorData::F32(_) => 0,
                    TensorData::I8 { .. } => 1,
                });
                s.push(t.shape.len() as u8);
                for &dim in &t.shape {
                    put_u32(s, dim);
                }
                match &t.data {
                    TensorData::F32(v) => {
                        v.iter().for_each(|x| s.extend_from_slice(&x.to_le_bytes()))
                    }
                    TensorData::I8 { scales, values } => {
                        scales
                            .iter()
                            .for_each(|x| s.extend_from_slice(&x.to_le_bytes()));
                        s.extend(values.iter().map(|&q| q as u8));
                    }
                }
            }
        });
        section(&mut w, b"META", |s| {
            s.extend_from_slice(self.meta.as_bytes())
        });
        let total = (w.len() + 8) as u64;
        w[len_at..len_at + 8].copy_from_slice(&total.to_le_bytes());
        let sum = fnv1a(&w);
        w.extend_from_slice(&sum.to_le_bytes());
        w
    }

    /// Parse and validate a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<ModelFile, FormatError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(FormatError::BadMagic);
        }
        let mut r = Reader {
            buf: bytes,
            pos: MAGIC.len(),
        };
        let version = r.u32("the format version")?;
        let version = FormatVersion::from_u32(version)
            .ok_or(FormatError::UnsupportedVersion { found: version })?;
        let declared =
            u64::from_le_bytes(r.take(8, "the file length")?.try_into().expect("8 bytes"));
        if declared != bytes.len() as u64 {
            return Err(if declared > bytes.len() as u64 {
                FormatError::Truncated {
                    what: "the model file".into(),
                    needed: declared,
                    available: bytes.len() as u64,
                }
            } else {
                FormatError::Inconsistent(format!(
                    "the header says {declared} bytes but the file has {}",
                    bytes.len()
                ))
            });
        }
        if bytes.len() < r.pos + 8 {
            return Err(r.truncated("the checksum", 8));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        let stored = u64::from_le_bytes(sum.try_into().expect("8 bytes"));
        let computed = fnv1a(body);
        if stored != computed {
            return Err(FormatError::Checksum { stored, computed });
        }
        let mut r = Reader {
            buf: body,
            pos: r.pos,
        };
        let mut c = [0u32; 8];
        for v in &mut c {
            *v = r.u32("the config")?;
        }
        let layer_norm_eps =
            f32::from_le_bytes(r.take(4, "the config")?.try_into().expect("4 bytes"));
        let dims = Dims {
            vocab_size: c[0],
            d_model: c[1],
            n_layers: c[2],
            n_heads: c[3],
            d_ffn: c[4],
            max_len: c[5],
            n_labels: c[6],
            layer_norm_eps,
        };
        let labels = r.section(b"LABL", |s| s.strings("label"))?;
        let vocab = r.section(b"VOCB", |s| s.strings("token"))?;
        let merges = r.section(b"MRGS", |s| s.pairs("merge"))?;
        let dict = r.section(b"DICT", |s| s.pairs("dictionary entry"))?;
        let ngram_buckets = match version {
            FormatVersion::V1 => 0,
            FormatVersion::V2 => r.section(b"NGRM", |s| {
                let buckets = s.u32("the n-gram buckets")?;
                let (min_n, max_n) = (s.u32("the n-gram range")?, s.u32("the n-gram range")?);
                let hash = s.u32("the n-gram hash")?;
                let want = (crate::ngram::MIN_N as u32, crate::ngram::MAX_N as u32);
                if (min_n, max_n) != want || hash != NGRAM_HASH {
                    return Err(FormatError::Inconsistent(format!(
                        "n-grams of {min_n} to {max_n} characters with hash {hash}: this build \
                         computes {} to {} with hash {NGRAM_HASH}",
                        want.0, want.1
                    )));
                }
                Ok(buckets)
            })?,
        };
        let tensors = r.section(b"TNSR", |s| {
            let n = s.count(1 + 1 + 2, "tensor")?;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                let name = s.string("tensor name")?;
                let dtype = s.take(1, "tensor dtype")?[0];
                let rank = s.take(1, "tensor rank")?[0] as usize;
                let mut shape = Vec::with_capacity(rank);
                for _ in 0..rank {
                    shape.push(s.u32("tensor shape")?);
                }
                let len = shape
                    .iter()
                    .try_fold(1u64, |acc, &d| acc.checked_mul(u64::from(d)));
                let len = len.ok_or_else(|| {
                    FormatError::Inconsistent(format!("tensor {name}: shape {shape:?} overflows"))
                })?;
                let row = u64::from(shape.last().copied().unwrap_or(1).max(1));
                let data = match dtype {
                    0 => {
                        let raw = s.take_u64(len.saturating_mul(4), &name)?;
                        TensorData::F32(
                            raw.chunks_exact(4)
                                .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
                                .collect(),
                        )
                    }
                    1 => {
                        let rows = len / row;
                        let raw = s.take_u64(rows.saturating_mul(4), &name)?;
                        let scales: Vec<f32> = raw
                            .chunks_exact(4)
                            .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
                            .collect();
                        let values = s.take_u64(len, &name)?.iter().map(|&b| b as i8).collect();
                        TensorData::I8 { scales, values }
                    }
                    other => {
                        return Err(FormatError::Inconsistent(format!(
                        "tensor {name}: unknown dtype {other} (expected 0 for f32 or 1 for int8)"
                    )))
                    }
                };
                out.push(Tensor { name, shape, data });
            }
            Ok(out)
        })?;
        let meta = r.section(b"META", |s| {
            let rest = s.take(s.buf.len() - s.pos, "meta")?;
            String::from_utf8(rest.to_vec())
                .map_err(|_| FormatError::Inconsistent("META is not UTF-8".into()))
        })?;
        if r.pos != body.len() {
            return Err(FormatError::Inconsistent(format!(
                "{} unexpected bytes after the last section",
                body.len() - r.pos
            )));
        }
        let file = ModelFile {
            version,
            dims,
            labels,
            vocab,
            merges,
            dict,
            ngram_buckets,
            tensors,
            meta,
        };
        if file.vocab.len() != file.dims.vocab_size as usize {
            return Err(FormatError::Inconsistent(format!(
                "the config says {} tokens but the vocabulary has {}",
                file.dims.vocab_size,
                file.vocab.len()
            )));
        }
        if file.labels.len() != file.dims.n_labels as usize {
            return Err(FormatError::Inconsistent(format!(
                "the config says {} labels but {} are named",
                file.dims.n_labels,
                file.labels.len()
            )));
        }
        Ok(file)
    }

    /// The tensor called `name`.
    pub fn tensor(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

fn put_u32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(u16::MAX as usize);
    w.extend_from_slice(&(n as u16).to_le_bytes());
    w.extend_from_slice(&b[..n]);
}

fn put_strings(w: &mut Vec<u8>, xs: &[String]) {
    put_u32(w, xs.len() as u32);
    xs.iter().for_each(|s| put_str(w, s));
}

fn put_pairs(w: &mut Vec<u8>, xs: &[(u32, u32)]) {
    put_u32(w, xs.len() as u32);
    for &(a, b) in xs {
        put_u32(w, a);
        put_u32(w, b);
    }
}

fn section(w: &mut Vec<u8>, tag: &[u8; 4], body: impl FnOnce(&mut Vec<u8>)) {
    let mut s = Vec::new();
    body(&mut s);
    w.extend_from_slice(tag);
    w.extend_from_slice(&(s.len() as u64).to_le_bytes());
    w.extend_from_slice(&s);
}

/// A bounds-checked cursor.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn truncated(&self, what: &str, needed: u64) -> FormatError {
        FormatError::Truncated {
            what: what.to_owned(),
            needed,
            available: (self.buf.len() - self.pos) as u64,
        }
    }

    fn take_u64(&mut self, n: u64, what: &str) -> Result<&'a [u8], FormatError> {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return Err(self.truncated(what, n));
        }
        let s = &self.buf[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], FormatError> {
        self.take_u64(n as u64, what)
    }

    fn u32(&mut self, what: &str) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }

    /// A count of items of at least `min_item` bytes each, checked against what is left.
    fn count(&mut self, min_item: u64, what: &str) -> Result<usize, FormatError> {
        let n = u64::from(self.u32(what)?);
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(min_item) > left {
            return Err(FormatError::Truncated {
                what: format!("{n} × {what}"),
                needed: n.saturating_mul(min_item),
                available: left,
            });
        }
        Ok(n as usize)
    }

    fn string(&mut self, what: &str) -> Result<String, FormatError> {
        let n = u16::from_le_bytes(self.take(2, what)?.try_into().expect("2 bytes"));
        let b = self.take(n as usize, what)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| FormatError::Inconsistent(format!("a {what} is not UTF-8")))
    }

    fn strings(&mut self, what: &str) -> Result<Vec<String>, FormatError> {
        let n = self.count(2, what)?;
        (0..n).map(|_| self.string(what)).collect()
    }

    fn pairs(&mut self, what: &str) -> Result<Vec<(u32, u32)>, FormatError> {
        let n = self.count(8, what)?;
        (0..n)
            .map(|_| Ok((self.u32(what)?, self.u32(what)?)))
            .collect()
    }

    /// Read a section with tag `tag`; `body` must consume exactly its payload.
    fn section<T>(
        &mut self,
        tag: &[u8; 4],
        body: impl FnOnce(&mut Reader<'a>) -> Result<T, FormatError>,
    ) -> Result<T, FormatError> {
        let name = String::from_utf8_lossy(tag).into_owned();
        let found = self.take(4, &format!("the {name} section tag"))?;
        if found != tag {
            return Err(FormatError::Inconsistent(format!(
                "expected section {name}, found {:?}",
                String::from_utf8_lossy(found)
            )));
        }
        let len = u64::from_le_bytes(
            self.take(8, &format!("the {name} section length"))?
                .try_into()
                .expect("8"),
        );
        let payload = self.take_u64(len, &format!("the {name} section"))?;
        let mut inner = Reader {
            buf: payload,
            pos: 0,
        };
        let out = body(&mut inner)?;
        if inner.pos != payload.len() {
            return Err(FormatError::Inconsistent(format!(
                "section {name} has {} bytes left over",
                payload.len() - inner.pos
            )));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> ModelFile {
        ModelFile {
            version: FormatVersion::V1,
            dims: Dims {
                vocab_size: 4,
                d_model: 2,
                n_layers: 0,
                n_heads: 1,
                d_ffn: 2,
                max_len: 8,
                n_labels: 3,
                layer_norm_eps: 1e-5,
            },
            labels: vec![
                "marketing".into(),
                "verification".into(),
                "transactional".into(),
            ],
            vocab: vec![
                "[PAD]".into(),
                "[CLS]".into(),
                "[UNK]".into(),
                "京东".into(),
            ],
            merges: vec![(1, 2)],
            dict: vec![(3, 10)],
            ngram_buckets: 0,
            tensors: vec![
                Tensor::quantize_rows("emb", &[4, 2], &[0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 1.0, 2.0]),
                Tensor::f32("bias", &[2], vec![0.1, -0.2]),
            ],
            meta: "{\"note\":\"test\"}".into(),
        }
    }

    /// The sample with an n-gram branch: a version 2 file.
    pub(crate) fn sample_v2() -> ModelFile {
        let mut m = sample();
        m.version = FormatVersion::V2;
        m.ngram_buckets = 4;
        m.tensors.push(Tensor::quantize_rows(
            "ngram.weight",
            &[3, 4],
            &[
                0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 1.0, 2.0, 0.1, 0.2, 0.3, -0.4,
            ],
        ));
        m
    }

    #[test]
    fn round_trip() {
        for m in [sample(), sample_v2()] {
            let bytes = m.to_bytes();
            assert_eq!(ModelFile::from_bytes(&bytes).unwrap(), m);
        }
        assert_eq!(sample().write_version(), FormatVersion::V1);
        assert_eq!(sample_v2().write_version(), FormatVersion::V2);
        assert_eq!(&sample_v2().to_bytes()[8..12], &2u32.to_le_bytes());
    }

    #[test]
    fn a_foreign_ngram_definition_is_refused() {
        let mut bytes = sample_v2().to_bytes();
        let at = bytes.windows(4).position(|w| w == b"NGRM").unwrap() + 4 + 8;
        // The longest n-gram: 4 -> 5.
        bytes[at + 8] = 5;
        let body = bytes.len() - 8;
        let sum = fnv1a(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum.to_le_bytes());
        let err = ModelFile::from_bytes(&bytes).unwrap_err().to_string();
        assert!(err.contains("this build computes 1 to 4"), "{err}");
    }

    #[test]
    fn quantization_error_is_within_half_a_step() {
        let v: Vec<f32> = (0..64)
            .map(|i| ((i * 37) % 17) as f32 / 7.0 - 1.1)
            .collect();
        let t = Tensor::quantize_rows("w", &[4, 16], &v);
        let TensorData::I8 { scales, .. } = &t.data else {
            panic!()
        };
        for (i, (a, b)) in v.iter().zip(t.to_f32()).enumerate() {
            assert!((a - b).abs() <= scales[i / 16] * 0.5 + 1e-6, "{a} vs {b}");
        }
        // An all-zero row quantizes to zeros, not NaN.
        let z = Tensor::quantize_rows("z", &[1, 3], &[0.0; 3]);
        assert_eq!(z.to_f32(), [0.0; 3]);
    }

    #[test]
    fn every_truncation_is_an_error() {
        for bytes in [sample().to_bytes(), sample_v2().to_bytes()] {
            for n in 0..bytes.len() {
                assert!(
                    ModelFile::from_bytes(&bytes[..n]).is_err(),
                    "prefix of {n} bytes parsed"
                );
            }
        }
    }

    #[test]
    fn every_flipped_byte_is_an_error() {
        for bytes in [sample().to_bytes(), sample_v2().to_bytes()] {
            for i in 0..bytes.len() {
                let mut b = bytes.clone();
                b[i] ^= 0x5a;
                assert!(ModelFile::from_bytes(&b).is_err(), "flip at {i} parsed");
            }
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        assert_eq!(
            ModelFile::from_bytes(b"GIF89a....."),
            Err(FormatError::BadMagic)
        );
        let mut b = sample().to_bytes();
        b[8] = 9;
        assert_eq!(
            ModelFile::from_bytes(&b),
            Err(FormatError::UnsupportedVersion { found: 9 })
        );
        let msg = ModelFile::from_bytes(&sample().to_bytes()[..20])
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("truncated model file") || msg.starts_with("corrupted"),
            "{msg}"
        );
        // A huge count in a file with a valid checksum is refused before allocating.
        let mut m = sample();
        m.vocab.clear();
        let mut bytes = m.to_bytes();
        let at = bytes.windows(4).position(|w| w == b"VOCB").unwrap() + 12;
        bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let n = bytes.len() - 8;
        let sum = fnv1a(&bytes[..n]);
        bytes[n..].copy_from_slice(&sum.to_le_bytes());
        let err = ModelFile::from_bytes(&bytes).unwrap_err();
        assert!(matches!(err, FormatError::Truncated { .. }), "{err}");
    }
}
