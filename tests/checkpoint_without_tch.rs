//! A model file written without tch (plain Rust weights, the `safetensors` crate, PyTorch
//! `state_dict` names and hand-built metadata) loads, and both the stepper and the sequence
//! forward reproduce logits computed independently in f64 with PyTorch's cell equations.
//! `CharRnn::save` then writes back exactly the same tensors and metadata.

mod common;

use std::path::Path;

use common::{f32_from_bytes, RawModel};
use safetensors::tensor::Dtype;
use safetensors::SafeTensors;
use tch::{Device, Tensor};
use tempest_core::model::{CellKind, Checkpoint, TrainingFacts};

const TOL: f64 = 1e-4;
const VOCAB: &str = "\n !',.?abcdehilnorstuw";
const INPUT: &str = "hello, world!\nwho are we?";

fn models() -> Vec<RawModel> {
    vec![
        RawModel::random("lstm", 1, 7, 5, VOCAB, 1),
        RawModel::random("gru", 2, 6, 4, VOCAB, 2),
        RawModel::random("rnn", 1, 9, 3, VOCAB, 3),
        RawModel::random("rnn", 2, 5, 4, VOCAB, 4),
        RawModel::random("lstm", 2, 6, 4, VOCAB, 5),
    ]
}

fn write(raw: &RawModel, dir: &Path) -> std::path::PathBuf {
    let path = dir.join(format!("{}-{}.safetensors", raw.cell, raw.layers));
    raw.write(&path);
    path
}

fn assert_logits(what: &str, got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: vocabulary size");
    let d = got.iter().zip(want).map(|(g, w)| (*g as f64 - w).abs()).fold(0.0, f64::max);
    assert!(d < TOL, "{what}: max abs diff {d}\n got {got:?}\nwant {want:?}");
}

#[test]
fn loaded_metadata_and_vocab_are_as_written() {
    let dir = tempfile::tempdir().unwrap();
    for raw in models() {
        let ckpt = Checkpoint::load(&write(&raw, dir.path()), Device::Cpu).unwrap();
        let spec = ckpt.model.spec();
        assert_eq!(spec.cell, CellKind::parse(&raw.cell).unwrap());
        assert_eq!((spec.layers, spec.hidden, spec.embed), (raw.layers as i64, raw.hidden as i64, raw.embed as i64));
        assert_eq!(spec.vocab as usize, raw.vocab.len());
        assert_eq!(ckpt.vocab.chars(), raw.vocab.as_slice());
        assert_eq!(spec.parameter_count() as usize, raw.parameter_count());
        assert_eq!(ckpt.metadata.format, "tempest-char-rnn");
        assert_eq!(ckpt.metadata.format_version, 1);
        assert_eq!(ckpt.metadata.training, None);
        // Every tensor holds exactly the bytes written.
        for (name, t) in ckpt.model.named_tensors() {
            let got = Vec::<f32>::try_from(t.flatten(0, -1)).unwrap();
            assert_eq!(got, raw.get(&name), "{} x{}: tensor {name}", raw.cell, raw.layers);
        }
    }
}

#[test]
fn stepper_matches_independent_reference() {
    let dir = tempfile::tempdir().unwrap();
    for raw in models() {
        let ckpt = Checkpoint::load(&write(&raw, dir.path()), Device::Cpu).unwrap();
        let ids: Vec<usize> = INPUT.chars().map(|c| raw.id(c)).collect();
        let want = raw.reference_logits(&ids);
        // The reference must depend on the input, or agreement would prove little.
        assert!(want.windows(2).any(|w| w[0].iter().zip(&w[1]).any(|(a, b)| (a - b).abs() > 1e-2)));

        let mut stepper = ckpt.model.stepper(1);
        let mut logits = Vec::new();
        for (t, &id) in ids.iter().enumerate() {
            stepper.step(&[id as u32], &mut logits).unwrap();
            assert_logits(&format!("{} x{} stepper, position {t}", raw.cell, raw.layers), &logits, &want[t]);
        }
    }
}

#[test]
fn sequence_forward_matches_independent_reference() {
    let dir = tempfile::tempdir().unwrap();
    for raw in models() {
        let ckpt = Checkpoint::load(&write(&raw, dir.path()), Device::Cpu).unwrap();
        let ids: Vec<usize> = INPUT.chars().map(|c| raw.id(c)).collect();
        let want = raw.reference_logits(&ids);
        let x = Tensor::from_slice(&ids.iter().map(|&i| i as i64).collect::<Vec<_>>()).reshape([1, ids.len() as i64]);
        let model = &ckpt.model;
        let (logits, _) = tch::no_grad(|| model.forward(&x, &model.zero_state(1), false));
        let flat = Vec::<f32>::try_from(logits.flatten(0, -1)).unwrap();
        for (t, got) in flat.chunks(raw.vocab.len()).enumerate() {
            assert_logits(&format!("{} x{} forward, position {t}", raw.cell, raw.layers), got, &want[t]);
        }
    }
}

#[test]
fn save_then_load_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    for raw in models() {
        let ckpt = Checkpoint::load(&write(&raw, dir.path()), Device::Cpu).unwrap();
        let facts = TrainingFacts {
            corpus: "tiny.txt".into(),
            corpus_chars: 1234,
            steps: 56,
            chars_seen: 7890,
            train_loss: Some(1.5),
            val_loss: Some(1.75),
            val_bits_per_char: Some(1.75 / std::f64::consts::LN_2),
            wall_seconds: 2.5,
            settings: serde_json::json!({"lr": 0.002}),
            prime: Some("ROMEO:\n".into()),
        };
        let out = dir.path().join(format!("saved-{}-{}.safetensors", raw.cell, raw.layers));
        ckpt.model.save(&out, &ckpt.vocab, Some(facts.clone())).unwrap();

        // Read back without tempest's loader: PyTorch names, F32, shapes and exact values.
        let bytes = std::fs::read(&out).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let mut names: Vec<String> = st.names().into_iter().cloned().collect();
        names.sort();
        let mut want_names: Vec<String> = raw.tensors.iter().map(|(n, _, _)| n.clone()).collect();
        want_names.sort();
        assert_eq!(names, want_names);
        for (name, shape, data) in &raw.tensors {
            let view = st.tensor(name).unwrap();
            assert_eq!(view.dtype(), Dtype::F32, "{name}");
            assert_eq!(view.shape(), shape.as_slice(), "{name}");
            assert_eq!(f32_from_bytes(view.data()), *data, "{name}");
        }
        let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
        let json: serde_json::Value = serde_json::from_str(&header.metadata().as_ref().unwrap()["tempest"]).unwrap();
        for key in ["format", "format_version", "cell", "layers", "hidden", "embed", "vocab"] {
            assert_eq!(json[key], raw.metadata()[key], "metadata {key}");
        }

        // And through the loader: identical tensors and metadata, training facts included.
        let back = Checkpoint::load(&out, Device::Cpu).unwrap();
        assert_eq!(back.vocab, ckpt.vocab);
        assert_eq!(back.model.spec(), ckpt.model.spec());
        let mut want_meta = ckpt.metadata.clone();
        want_meta.training = Some(facts);
        assert_eq!(back.metadata, want_meta);
        for ((n1, t1), (n2, t2)) in ckpt.model.named_tensors().iter().zip(back.model.named_tensors().iter()) {
            assert_eq!(n1, n2);
            assert_eq!(t1.size(), t2.size(), "{n1}");
            assert!(t1.equal(t2), "{n1} differs after the round trip");
        }
    }
}
