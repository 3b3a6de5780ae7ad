//! Helpers shared by the integration tests (and, through `#[path]`, the benches): model files built
//! without tch (plain Rust weights written with the `safetensors` crate), an independent f64
//! reference forward pass, a tch model with seeded random weights, and the CLI.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};

/// SplitMix64: a tiny deterministic PRNG, so test weights need no external crate and no tch.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn uniform(&mut self, lo: f64, hi: f64) -> f32 {
        (lo + (hi - lo) * self.unit()) as f32
    }

    /// Uniform integer in [lo, hi].
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }
}

pub fn gates(cell: &str) -> usize {
    match cell {
        "lstm" => 4,
        "gru" => 3,
        "rnn" => 1,
        other => panic!("test helper: unknown cell {other}"),
    }
}

/// One tensor as it goes into the file: raw little-endian bytes with any dtype.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub bytes: Vec<u8>,
}

impl Entry {
    pub fn f32(name: &str, shape: Vec<usize>, data: &[f32]) -> Self {
        assert_eq!(shape.iter().product::<usize>(), data.len());
        Entry { name: name.into(), dtype: Dtype::F32, shape, bytes: f32_bytes(data) }
    }
}

pub fn f32_bytes(data: &[f32]) -> Vec<u8> {
    data.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn f32_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// A char-RNN described entirely in plain Rust: its hyper-parameters, vocabulary and weights.
#[derive(Clone, Debug)]
pub struct RawModel {
    pub cell: String,
    pub layers: usize,
    pub hidden: usize,
    pub embed: usize,
    pub vocab: Vec<char>,
    /// `(name, shape, data)` in PyTorch `state_dict` order.
    pub tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
}

impl RawModel {
    /// Random weights (uniform in ±`scale`; the embedding in ±1) from a fixed seed.
    pub fn random(cell: &str, layers: usize, hidden: usize, embed: usize, vocab: &str, seed: u64) -> Self {
        let vocab: Vec<char> = vocab.chars().collect();
        let v = vocab.len();
        let g = gates(cell) * hidden;
        let mut rng = Rng::new(seed);
        let scale = 0.6;
        let mut t = Vec::new();
        let mut push = |rng: &mut Rng, name: String, shape: Vec<usize>, s: f64| {
            let n = shape.iter().product();
            let data = (0..n).map(|_| rng.uniform(-s, s)).collect();
            t.push((name, shape, data));
        };
        push(&mut rng, "embed.weight".into(), vec![v, embed], 1.0);
        for l in 0..layers {
            let input = if l == 0 { embed } else { hidden };
            push(&mut rng, format!("rnn.weight_ih_l{l}"), vec![g, input], scale);
            push(&mut rng, format!("rnn.weight_hh_l{l}"), vec![g, hidden], scale);
            push(&mut rng, format!("rnn.bias_ih_l{l}"), vec![g], scale);
            push(&mut rng, format!("rnn.bias_hh_l{l}"), vec![g], scale);
        }
        push(&mut rng, "head.weight".into(), vec![v, hidden], scale);
        push(&mut rng, "head.bias".into(), vec![v], scale);
        RawModel { cell: cell.into(), layers, hidden, embed, vocab, tensors: t }
    }

    pub fn get(&self, name: &str) -> &[f32] {
        &self.tensors.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("no tensor {name}")).2
    }

    pub fn parameter_count(&self) -> usize {
        self.tensors.iter().map(|(_, _, d)| d.len()).sum()
    }

    /// The metadata JSON that `src/model/checkpoint.rs` documents, built by hand.
    pub fn metadata(&self) -> serde_json::Value {
        serde_json::json!({
            "format": "tempest-char-rnn",
            "format_version": 1,
            "cell": self.cell,
            "layers": self.layers,
            "hidden": self.hidden,
            "embed": self.embed,
            "dropout": 0.0,
            "vocab": self.vocab.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        })
    }

    pub fn entries(&self) -> Vec<Entry> {
        self.tensors.iter().map(|(n, s, d)| Entry::f32(n, s.clone(), d)).collect()
    }

    pub fn write(&self, path: &Path) {
        write_file(path, &self.entries(), Some(&self.metadata().to_string()));
    }

    pub fn id(&self, c: char) -> usize {
        self.vocab.iter().position(|&v| v == c).unwrap_or_else(|| panic!("{c:?} not in vocab"))
    }

    /// Logits after each input id, from a zero state, computed in f64 with PyTorch's equations.
    pub fn reference_logits(&self, ids: &[usize]) -> Vec<Vec<f64>> {
        let hsz = self.hidden;
        let w = |name: String| -> Vec<f64> { self.get(&name).iter().map(|&v| v as f64).collect() };
        // y = W x (+ b), with W row-major [rows, cols].
        let matvec = |m: &[f64], x: &[f64]| -> Vec<f64> {
            let cols = x.len();
            m.chunks_exact(cols).map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum()).collect()
        };
        let add = |a: Vec<f64>, b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x + y).collect() };
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let embed = w("embed.weight".into());
        let mut h = vec![vec![0.0f64; hsz]; self.layers];
        let mut c = vec![vec![0.0f64; hsz]; self.layers];
        let mut out = Vec::new();
        for &id in ids {
            let mut x: Vec<f64> = embed[id * self.embed..(id + 1) * self.embed].to_vec();
            for l in 0..self.layers {
                let gi = add(matvec(&w(format!("rnn.weight_ih_l{l}")), &x), &w(format!("rnn.bias_ih_l{l}")));
                let gh = add(matvec(&w(format!("rnn.weight_hh_l{l}")), &h[l]), &w(format!("rnn.bias_hh_l{l}")));
                let new_h: Vec<f64> = match self.cell.as_str() {
                    "rnn" => (0..hsz).map(|j| (gi[j] + gh[j]).tanh()).collect(),
                    "lstm" => {
                        let g: Vec<f64> = gi.iter().zip(&gh).map(|(a, b)| a + b).collect();
                        let mut nh = vec![0.0; hsz];
                        for j in 0..hsz {
                            let i = sig(g[j]);
                            let f = sig(g[hsz + j]);
                            let gg = g[2 * hsz + j].tanh();
                            let o = sig(g[3 * hsz + j]);
                            c[l][j] = f * c[l][j] + i * gg;
                            nh[j] = o * c[l][j].tanh();
                        }
                        nh
                    }
                    "gru" => (0..hsz)
                        .map(|j| {
                            let r = sig(gi[j] + gh[j]);
                            let z = sig(gi[hsz + j] + gh[hsz + j]);
                            let n = (gi[2 * hsz + j] + r * gh[2 * hsz + j]).tanh();
                            (1.0 - z) * n + z * h[l][j]
                        })
                        .collect(),
                    other => panic!("unknown cell {other}"),
                };
                h[l] = new_h;
                x = h[l].clone();
            }
            out.push(add(matvec(&w("head.weight".into()), &x), &w("head.bias".into())));
        }
        out
    }
}

/// Writes tensors and (optionally) the `tempest` metadata entry with the safetensors crate.
pub fn write_file(path: &Path, entries: &[Entry], tempest_json: Option<&str>) {
    let views: Vec<(String, TensorView<'_>)> = entries
        .iter()
        .map(|e| (e.name.clone(), TensorView::new(e.dtype, e.shape.clone(), &e.bytes).expect("consistent test tensor")))
        .collect();
    let meta = tempest_json.map(|j| HashMap::from([("tempest".to_string(), j.to_string())]));
    safetensors::serialize_to_file(views, &meta, path).expect("write test model");
}

/// The `tempest` binary, with a clean environment for panics (so "RUST_BACKTRACE" in stderr can
/// only come from a panic message).
pub fn tempest() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("tempest").expect("the tempest binary is built");
    cmd.env_remove("RUST_BACKTRACE").env_remove("RUST_LIB_BACKTRACE");
    cmd
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd.output().expect("spawn tempest");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Run {
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Fails cleanly: non-zero exit code, no panic, and every `words` item in stderr.
    pub fn assert_clean_failure(&self, words: &[&str]) -> &Self {
        assert!(
            matches!(self.code, Some(c) if c != 0),
            "expected a non-zero exit code, got {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        for bad in ["panicked", "RUST_BACKTRACE"] {
            assert!(!self.stderr.contains(bad), "stderr shows a panic ({bad}):\n{}", self.stderr);
        }
        for w in words {
            assert!(self.stderr.contains(w), "stderr lacks {w:?}:\n{}", self.stderr);
        }
        self
    }
}

/// A few KB of English-like text: sentences of words from a small lexicon, chosen by a fixed LCG,
/// with capitals, punctuation and line breaks, so the vocabulary and the statistics are realistic
/// but the bytes are the same on every run.
pub fn corpus_text(chars: usize) -> String {
    const WORDS: &[&str] = &[
        "the", "king", "and", "queen", "of", "a", "fair", "night", "shall", "speak", "my", "lord", "what", "is",
        "love", "but", "sweet", "sorrow", "to", "be", "or", "not", "thou", "art", "more", "gentle", "than", "summer",
        "day", "I", "will", "go", "with", "thee", "now", "hence", "good", "friend",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n
    };
    let mut text = String::new();
    while text.len() < chars {
        let words = 3 + next(9);
        for w in 0..words {
            let word = WORDS[next(WORDS.len())];
            if w == 0 {
                let mut cs = word.chars();
                let first = cs.next().unwrap().to_ascii_uppercase();
                text.push(first);
                text.push_str(cs.as_str());
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text.push_str([".", "!", "?", ",", ";"][next(5)]);
        text.push(if next(3) == 0 { '\n' } else { ' ' });
    }
    text
}

/// A tch model of `spec` whose weights are uniform in ±`scale` (±1 for the embedding), drawn from
/// a private PRNG seeded by `seed`. libtorch's `manual_seed` is process-global and tests run on
/// parallel threads, so this is how every run sees the same model. Wider than PyTorch's default
/// init when `scale` is large, so the gates saturate and the nonlinearities are really exercised.
pub fn seeded_model(spec: tempest_core::model::ModelSpec, seed: u64, scale: f32) -> tempest_core::model::CharRnn {
    let model = tempest_core::model::CharRnn::new(spec, tch::Device::Cpu);
    let mut rng = Rng::new(seed);
    tch::no_grad(|| {
        for (name, t) in model.named_tensors() {
            let s = if name.starts_with("embed.") { 1.0 } else { scale as f64 };
            let data: Vec<f32> = (0..t.numel()).map(|_| rng.uniform(-s, s)).collect();
            t.shallow_clone().copy_(&tch::Tensor::from_slice(&data).reshape(t.size()));
        }
    });
    model
}
