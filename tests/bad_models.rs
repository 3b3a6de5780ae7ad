//! Damaged or wrong model files are refused by `tempest info` and `tempest sample --model` with a
//! non-zero exit code and a message naming what is wrong, never with a panic.

mod common;

use std::path::{Path, PathBuf};

use common::{run, tempest, Entry, RawModel, Run};
use safetensors::tensor::Dtype;

const VOCAB: &str = "\n abcdefghij";

fn base() -> RawModel {
    RawModel::random("lstm", 1, 6, 4, VOCAB, 99)
}

fn info(path: &Path) -> Run {
    run(tempest().arg("info").arg(path))
}

fn sample(path: &Path) -> Run {
    run(tempest().args(["sample", "--threads", "1", "--seed", "1", "--length", "20", "--model"]).arg(path))
}

/// Both commands fail cleanly on `path`, each naming every one of `words`.
fn refused(path: &Path, words: &[&str]) {
    info(path).assert_clean_failure(words);
    sample(path).assert_clean_failure(words);
}

fn write_entries(dir: &Path, name: &str, entries: &[Entry], meta: Option<&serde_json::Value>) -> PathBuf {
    let path = dir.join(name);
    common::write_file(&path, entries, meta.map(|m| m.to_string()).as_deref());
    path
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The base model with its tensors and metadata edited.
fn variant(dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<Entry>, &mut serde_json::Value)) -> PathBuf {
    let raw = base();
    let mut entries = raw.entries();
    let mut meta = raw.metadata();
    edit(&mut entries, &mut meta);
    write_entries(dir, name, &entries, Some(&meta))
}

fn entry<'a>(entries: &'a mut [Entry], name: &str) -> &'a mut Entry {
    entries.iter_mut().find(|e| e.name == name).unwrap()
}

#[test]
fn the_base_model_is_good() {
    // Control: every refusal below is caused by the damage, not by the base model.
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "good.safetensors", |_, _| {});
    let i = info(&path);
    i.assert_ok();
    assert!(i.stdout.contains("lstm"), "{}", i.stdout);
    let s = sample(&path);
    s.assert_ok();
    assert_eq!(s.stdout.chars().count(), 1 + 20 + 1, "prime + 20 characters + newline: {:?}", s.stdout);
}

#[test]
fn truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(variant(dir.path(), "good.safetensors", |_, _| {})).unwrap();
    let path = write_bytes(dir.path(), "half.safetensors", &good[..good.len() / 2]);
    refused(&path, &["half.safetensors", "not a valid safetensors", "truncated"]);
    // Losing only the last byte of the data is caught too.
    let path = write_bytes(dir.path(), "short.safetensors", &good[..good.len() - 1]);
    refused(&path, &["short.safetensors", "not a valid safetensors"]);
}

#[test]
fn random_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = common::Rng::new(7);
    let bytes: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    refused(&write_bytes(dir.path(), "noise.safetensors", &bytes), &["noise.safetensors", "not a valid safetensors"]);
    // A plausible header length followed by garbage instead of JSON.
    let mut bytes = 64u64.to_le_bytes().to_vec();
    bytes.extend((0..200).map(|_| rng.next_u64() as u8));
    refused(&write_bytes(dir.path(), "garbage-header.safetensors", &bytes), &["not a valid safetensors"]);
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    refused(&write_bytes(dir.path(), "empty.safetensors", b""), &["empty.safetensors", "not a valid safetensors"]);
}

#[test]
fn nonexistent_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-model.safetensors");
    refused(&path, &["no-such-model.safetensors", "No such file"]);
}

#[test]
fn a_directory_instead_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    refused(dir.path(), &[&dir.path().display().to_string()]);
}

#[test]
fn missing_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "missing.safetensors", |e, _| e.retain(|e| e.name != "rnn.bias_hh_l0"));
    refused(&path, &["missing.safetensors", "rnn.bias_hh_l0", "missing"]);
}

#[test]
fn wrong_shape() {
    let dir = tempfile::tempdir().unwrap();
    // weight_hh_l0 should be [4*6, 6]; give it [4*6, 5].
    let path = variant(dir.path(), "shape.safetensors", |e, _| {
        *entry(e, "rnn.weight_hh_l0") = Entry::f32("rnn.weight_hh_l0", vec![24, 5], &[0.1; 120]);
    });
    refused(&path, &["rnn.weight_hh_l0", "shape", "[24, 5]", "[24, 6]"]);
    // The hidden size in the metadata disagrees with every tensor: the message says which to check.
    let path = variant(dir.path(), "hidden.safetensors", |_, m| m["hidden"] = 7.into());
    refused(&path, &["shape", "hidden 7"]);
}

#[test]
fn extra_unexpected_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "extra.safetensors", |e, _| {
        e.push(Entry::f32("rnn.weight_ih_l1", vec![24, 6], &[0.0; 144]));
    });
    refused(&path, &["unexpected tensor", "rnn.weight_ih_l1", "1-layer"]);
}

#[test]
fn vocabulary_larger_than_embedding() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "vocab.safetensors", |_, m| {
        m["vocab"].as_array_mut().unwrap().push("z".into());
    });
    let n = VOCAB.chars().count() + 1;
    refused(&path, &["embed.weight", "shape", &format!("vocabulary has {n} characters")]);
}

#[test]
fn head_size_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let v = VOCAB.chars().count();
    let path = variant(dir.path(), "head.safetensors", |e, _| {
        *entry(e, "head.weight") = Entry::f32("head.weight", vec![v - 1, 6], &vec![0.1; (v - 1) * 6]);
    });
    refused(&path, &["head.weight", "shape", &format!("vocabulary has {v} characters")]);
}

#[test]
fn unknown_cell_kind() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "cell.safetensors", |_, m| m["cell"] = "transformer".into());
    refused(&path, &["unknown cell kind", "transformer"]);
}

#[test]
fn wrong_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "f16.safetensors", |e, _| {
        let t = entry(e, "head.bias");
        let n = t.shape.iter().product::<usize>();
        *t = Entry { name: t.name.clone(), dtype: Dtype::F16, shape: t.shape.clone(), bytes: vec![0; 2 * n] };
    });
    refused(&path, &["head.bias", "dtype", "F16", "float32"]);
}

#[test]
fn bad_format_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "v2.safetensors", |_, m| m["format_version"] = 2.into());
    refused(&path, &["format version 2", "not supported"]);
    let path = variant(dir.path(), "format.safetensors", |_, m| m["format"] = "llama".into());
    refused(&path, &["llama", "tempest-char-rnn"]);
}

#[test]
fn metadata_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_entries(dir.path(), "nometa.safetensors", &base().entries(), None);
    refused(&path, &["nometa.safetensors", "\"tempest\"", "metadata"]);
}

#[test]
fn metadata_not_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("json.safetensors");
    common::write_file(&path, &base().entries(), Some("{\"format\": \"tempest-char-rnn\", "));
    refused(&path, &["metadata is not valid"]);
    let path = variant(dir.path(), "nolayers.safetensors", |_, m| {
        m.as_object_mut().unwrap().remove("layers");
    });
    refused(&path, &["metadata is not valid", "layers"]);
}

#[test]
fn bad_vocabulary_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "multichar.safetensors", |_, m| m["vocab"][3] = "ab".into());
    refused(&path, &["vocabulary entry 3", "not a single character"]);
    let path = variant(dir.path(), "dup.safetensors", |_, m| m["vocab"][3] = m["vocab"][2].clone());
    refused(&path, &["appears twice"]);
}

#[test]
fn out_of_range_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = variant(dir.path(), "zero-layers.safetensors", |_, m| m["layers"] = 0.into());
    refused(&path, &["layers must be in"]);
    let path = variant(dir.path(), "neg-hidden.safetensors", |_, m| m["hidden"] = (-3).into());
    refused(&path, &["hidden must be in"]);
}

#[test]
fn non_finite_weights() {
    let dir = tempfile::tempdir().unwrap();
    for (file, value) in [("nan.safetensors", f32::NAN), ("inf.safetensors", f32::INFINITY)] {
        let path = variant(dir.path(), file, |e, _| {
            let t = entry(e, "rnn.weight_ih_l0");
            t.bytes[20..24].copy_from_slice(&value.to_le_bytes());
        });
        refused(&path, &["rnn.weight_ih_l0", "non-finite", "flat index 5"]);
    }
}
