//! `tempest info MODEL` prints the cell, depth, sizes, the exact parameter count and every
//! vocabulary character (invisible ones spelled out), plus the model card when there is one.

mod common;

use common::{run, tempest, RawModel};
use tempest_core::model::{CellKind, ModelSpec};

/// 1234567 -> "1,234,567", written independently of the code under test.
fn grouped(n: usize) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let mut parts: Vec<String> = digits.rchunks(3).map(|c| c.iter().collect()).collect();
    parts.reverse();
    parts.join(",")
}

fn field<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(key).filter(|rest| rest.starts_with(' ')))
        .unwrap_or_else(|| panic!("no {key:?} line in:\n{stdout}"))
        .trim()
}

#[test]
fn prints_architecture_parameter_count_and_every_character() {
    let vocab = "\n\t !'.:;?abcdefxyzABCé€";
    let cases = [("lstm", 2, 40, 7), ("gru", 3, 33, 5), ("rnn", 1, 120, 16)];
    let dir = tempfile::tempdir().unwrap();
    for (cell, layers, hidden, embed) in cases {
        let raw = RawModel::random(cell, layers, hidden, embed, vocab, 4);
        let path = dir.path().join(format!("{cell}.safetensors"));
        raw.write(&path);
        let r = run(tempest().arg("info").arg(&path));
        r.assert_ok();
        let out = &r.stdout;

        let spec = ModelSpec {
            cell: CellKind::parse(cell).unwrap(),
            layers: layers as i64,
            hidden: hidden as i64,
            embed: embed as i64,
            vocab: raw.vocab.len() as i64,
            dropout: 0.0,
        };
        assert_eq!(spec.parameter_count() as usize, raw.parameter_count(), "ModelSpec::parameter_count");
        assert!(raw.parameter_count() > 1000, "the count is big enough to need grouping");

        assert!(field(out, "model").contains(&format!("{cell}.safetensors")), "{out}");
        assert_eq!(field(out, "format"), "tempest-char-rnn v1");
        let arch = field(out, "cell");
        assert!(arch.starts_with(cell), "{arch}");
        assert!(arch.contains(&format!("{layers} layers")), "{arch}");
        assert!(arch.contains(&format!("hidden {hidden}")), "{arch}");
        assert!(arch.contains(&format!("embedding {embed}")), "{arch}");
        assert_eq!(field(out, "parameters"), grouped(raw.parameter_count()));
        assert!(!out.contains("corpus"), "no model card was written:\n{out}");

        let n = raw.vocab.len();
        assert_eq!(field(out, "vocabulary"), format!("{n} characters:"));
        let listing: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("vocabulary")).skip(1).collect();
        assert_eq!(listing.len(), n, "one line per character:\n{out}");
        for (i, (&c, line)) in raw.vocab.iter().zip(&listing).enumerate() {
            let (id, desc) = line.trim().split_once(char::is_whitespace).unwrap();
            assert_eq!(id, i.to_string(), "{line}");
            let desc = desc.trim();
            match c {
                '\n' => assert!(desc.contains("\\n") && desc.contains("newline"), "{line}"),
                '\t' => assert!(desc.contains("\\t") && desc.contains("tab"), "{line}"),
                ' ' => assert!(desc.contains("space"), "{line}"),
                c => {
                    assert!(desc.contains(&format!("'{c}'")), "{line}");
                    assert!(desc.contains(&format!("U+{:04X}", c as u32)), "{line}");
                }
            }
        }
    }
}

#[test]
fn prints_the_model_card() {
    let raw = RawModel::random("lstm", 1, 8, 4, "\nabc", 1);
    let mut meta = raw.metadata();
    meta["training"] = serde_json::json!({
        "corpus": "plays.txt",
        "corpus_chars": 1234567,
        "steps": 4000,
        "chars_seen": 8192000,
        "train_loss": 1.25,
        "val_loss": 1.386294,
        "val_bits_per_char": 2.0,
        "wall_seconds": 61.4,
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.safetensors");
    common::write_file(&path, &raw.entries(), Some(&meta.to_string()));
    let r = run(tempest().arg("info").arg(&path));
    r.assert_ok();
    let out = &r.stdout;
    assert_eq!(field(out, "corpus"), "plays.txt (1,234,567 characters)");
    let trained = field(out, "trained");
    assert!(trained.contains("4,000 steps") && trained.contains("8,192,000 characters"), "{trained}");
    assert!(field(out, "train loss").starts_with("1.2500"), "{out}");
    let val = field(out, "val loss");
    assert!(val.starts_with("1.3863") && val.contains("2.0000 bits/char"), "{val}");
}

/// `bench-train` is tooling for the README's performance table: `--help` lists the user's
/// commands only, while the hidden one still runs and documents itself.
#[test]
fn help_lists_the_users_commands_but_not_bench_train() {
    let help = run(tempest().arg("--help"));
    help.assert_ok();
    for cmd in ["explore", "sample", "train", "info"] {
        assert!(help.stdout.contains(cmd), "--help lacks {cmd}:\n{}", help.stdout);
    }
    assert!(!help.stdout.contains("bench-train"), "--help lists bench-train:\n{}", help.stdout);
    let own = run(tempest().args(["bench-train", "--help"]));
    own.assert_ok();
    assert!(own.stdout.contains("Usage: tempest bench-train"), "{}", own.stdout);
}

#[test]
fn bundled_models_are_described_by_name() {
    for (name, vocab) in [("shakespeare", "84 characters"), ("rust", "97 characters")] {
        let r = run(tempest().args(["info", name]));
        r.assert_ok();
        assert!(r.stdout.contains(vocab), "{name}: {}", r.stdout);
    }
}
