//! `tempest score` end to end on small models written in the test (no tch): bits/char and every
//! character's p and rank against an independent f64 forward pass, the JSONL against the
//! documented schema, `--color`'s bucket escapes, and bad input refused in one line.

mod common;
#[path = "support/jsonl_schema.rs"]
mod jsonl_schema;

use std::path::{Path, PathBuf};

use common::{run, tempest, RawModel, Run};

const VOCAB: &str = "\n abcde.";

fn model_in(dir: &Path, seed: u64) -> (RawModel, PathBuf) {
    let m = RawModel::random("lstm", 2, 12, 5, VOCAB, seed);
    let path = dir.join("m.safetensors");
    m.write(&path);
    (m, path)
}

fn score(model: &Path, args: &[&str]) -> Run {
    run(tempest().arg("score").arg("--model").arg(model).args(args))
}

/// Per character of `text` after `prime`: (p, rank) under the reference forward pass.
fn reference(m: &RawModel, prime: &str, text: &str) -> Vec<(f64, usize)> {
    let ids: Vec<usize> = prime.chars().chain(text.chars()).map(|c| m.id(c)).collect();
    let logits = m.reference_logits(&ids);
    let n = prime.chars().count();
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            let z = &logits[n - 1 + i];
            let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
            let id = m.id(c);
            let p = (z[id] - max).exp() / sum;
            // Rank by logit, ties to the lower id.
            let rank = 1 + z.iter().enumerate().filter(|&(j, &v)| v > z[id] || (v == z[id] && j < id)).count();
            (p, rank)
        })
        .collect()
}

fn text_file(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("t.txt");
    std::fs::write(&p, text).unwrap();
    p
}

const TEXT: &str = "a bad cab.\nbe a dab. cede\nadd a bead.";

#[test]
fn bits_per_char_ranks_and_p_match_an_independent_forward_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (m, model) = model_in(dir.path(), 5);
    let file = text_file(dir.path(), TEXT);
    let want = reference(&m, "\n", TEXT);
    let want_bpc = want.iter().map(|(p, _)| -p.log2()).sum::<f64>() / want.len() as f64;

    let r = score(&model, &[file.to_str().unwrap(), "--format", "jsonl", "--top", "3"]);
    r.assert_ok();
    let lines = jsonl_schema::check_file(&r.stdout);
    let chars: Vec<_> = lines.iter().filter(|l| l["kind"] == "char").collect();
    assert_eq!(chars.len(), TEXT.chars().count());
    for (k, (rec, (p, rank))) in chars.iter().zip(&want).enumerate() {
        assert_eq!(rec["pos"].as_u64(), Some(k as u64 + 1));
        assert_eq!(rec["char"].as_str().unwrap(), TEXT.chars().nth(k).unwrap().to_string());
        let got = rec["p"].as_f64().unwrap();
        assert!((got - p).abs() < 1e-4 * p.max(1e-3), "char {}: p {got} vs {p}", k + 1);
        assert_eq!(rec["p1"], rec["p"], "scored under T = 1");
        assert_eq!(rec["rank"].as_u64(), Some(*rank as u64), "char {}", k + 1);
        assert_eq!(rec["top"].as_array().unwrap().len(), 3);
    }
    let summary = lines.last().unwrap();
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["chars"].as_u64(), Some(want.len() as u64));
    let got = summary["bits_per_char"].as_f64().unwrap();
    assert!((got - want_bpc).abs() < 1e-4, "bits/char {got} vs {want_bpc}");
    assert_eq!(lines[0]["command"], "score");
    assert_eq!(lines[0]["streams"][0]["scored"].as_str(), file.to_str());
    assert_eq!(lines[0]["seed"], serde_json::Value::Null);

    // The plain summary prints the same figure, and the rank shares add up to the text.
    let r = score(&model, &[file.to_str().unwrap()]);
    r.assert_ok();
    let head = format!("{want_bpc:.4} bits/char over {} characters", want.len());
    assert!(r.stdout.starts_with(&head), "{}", r.stdout);
    let top1 = want.iter().filter(|w| w.1 == 1).count() as f64 / want.len() as f64 * 100.0;
    assert!(r.stdout.contains(&format!("top-1 {top1:.1}%")), "{}", r.stdout);
}

#[test]
fn a_prime_changes_what_the_first_characters_are_predicted_from() {
    let dir = tempfile::tempdir().unwrap();
    let (m, model) = model_in(dir.path(), 6);
    let file = text_file(dir.path(), "abc");
    let want = reference(&m, "dead ", "abc");
    let r = score(&model, &[file.to_str().unwrap(), "--prime", "dead ", "--format", "jsonl"]);
    r.assert_ok();
    let lines = jsonl_schema::check_file(&r.stdout);
    assert_eq!(lines[0]["prime"], "dead ");
    for (rec, (p, _)) in lines[1..4].iter().zip(&want) {
        assert!((rec["p"].as_f64().unwrap() - p).abs() < 1e-4 * p.max(1e-3), "{rec} vs {p}");
    }
}

#[test]
fn standard_input_and_a_bundled_model_by_name() {
    let r =
        run(tempest().args(["score", "-", "--model", "shakespeare", "--format", "jsonl"]).write_stdin("To be, or not"));
    r.assert_ok();
    let lines = jsonl_schema::check_file(&r.stdout);
    assert_eq!(lines[0]["model"]["name"], "shakespeare");
    assert_eq!(lines[0]["model"]["path"], serde_json::Value::Null);
    assert_eq!(lines[0]["streams"][0]["scored"], "-");
    assert_eq!(lines.len(), 1 + 13 + 1);
    // Real English is far more expected than chance (log2 of the vocabulary, over 6 bits).
    assert!(lines.last().unwrap()["bits_per_char"].as_f64().unwrap() < 4.0, "{}", r.stdout);
}

#[test]
fn color_writes_each_character_in_its_rank_bucket_with_a_legend() {
    let dir = tempfile::tempdir().unwrap();
    let (m, model) = model_in(dir.path(), 7);
    let file = text_file(dir.path(), TEXT);
    let want = reference(&m, "\n", TEXT);
    // The vocabulary is small, so the buckets are top-1, top-3, top-10 and the rest.
    let sgr = |rank: usize| match rank {
        1 => "32",
        2..=3 => "33",
        4..=10 => "31",
        _ => "35",
    };
    let mut expected = String::new();
    for (c, (_, rank)) in TEXT.chars().zip(&want) {
        if c == '\n' {
            expected.push('\n');
        } else {
            expected.push_str(&format!("\x1b[{}m{c}\x1b[0m", sgr(*rank)));
        }
    }
    let r = score(&model, &[file.to_str().unwrap(), "--color=always"]);
    r.assert_ok();
    assert!(r.stdout.starts_with(&expected), "got {:?}\nwant {:?}", r.stdout, expected);
    let legend = r.stdout[expected.len()..].trim_start_matches('\n');
    for (label, code) in [("top-1", "32"), ("top-3", "33"), ("top-10", "31"), ("rest", "35")] {
        assert!(legend.contains(&format!("\x1b[{code}m {label} ")), "legend lacks {label}: {legend:?}");
    }
    assert!(legend.contains("bits/char"), "{legend:?}");
    assert!(want.iter().any(|w| w.1 == 1) && want.iter().any(|w| w.1 > 1), "the text exercises several buckets");

    // Into a pipe, `--color` (auto) writes no escapes: the text itself, then the legend.
    let r = score(&model, &[file.to_str().unwrap(), "--color"]);
    r.assert_ok();
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    assert!(r.stdout.starts_with(TEXT), "{:?}", r.stdout);
}

#[test]
fn unknown_characters_are_named_or_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (m, model) = model_in(dir.path(), 8);
    let file = text_file(dir.path(), "a bXad Xcab€");
    let r = score(&model, &[file.to_str().unwrap()]);
    r.assert_clean_failure(&[
        "3 characters the model does not know",
        "'X'",
        "first at position 4, 2 times",
        "'€'",
        "--unknown skip",
    ]);
    assert!(r.stdout.is_empty());

    // Skipped, they are neither fed nor scored: the same as scoring the text without them.
    let r = score(&model, &[file.to_str().unwrap(), "--unknown", "skip", "--format", "jsonl"]);
    r.assert_ok();
    let lines = jsonl_schema::check_file(&r.stdout);
    let want = reference(&m, "\n", "a bad cab");
    assert_eq!(lines.len(), 1 + want.len() + 1);
    for (rec, (p, _)) in lines[1..].iter().zip(&want) {
        assert!((rec["p"].as_f64().unwrap() - p).abs() < 1e-4 * p.max(1e-3), "{rec} vs {p}");
    }
    // With --color they are shown, unstyled, where they stand.
    let r = score(&model, &[file.to_str().unwrap(), "--unknown", "skip", "--color=always"]);
    r.assert_ok();
    assert!(r.stdout.contains("X") && !r.stdout.contains("mX\x1b[0m"), "{:?}", r.stdout);
}

#[test]
fn bad_input_fails_in_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_, model) = model_in(dir.path(), 9);
    let m = model.to_str().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let latin1 = dir.path().join("latin1.txt");
    std::fs::write(&latin1, b"ab\xe9").unwrap();
    let good = text_file(dir.path(), "abc");
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec![empty.to_str().unwrap()], vec!["no characters to score", "empty"]),
        (vec![latin1.to_str().unwrap()], vec!["not UTF-8", "offset 2"]),
        (vec![dir.path().to_str().unwrap()], vec!["is a directory"]),
        (vec!["/nonexistent/t.txt"], vec!["t.txt"]),
        (vec!["/dev/zero"], vec!["is a device"]),
        (vec![good.to_str().unwrap(), "--prime", "Z"], vec!["--prime", "'Z'"]),
        (vec![good.to_str().unwrap(), "--prime", ""], vec!["--prime is empty"]),
        (vec![empty.to_str().unwrap(), "--color", "--format", "jsonl"], vec!["cannot be used with"]),
    ];
    for (args, words) in cases {
        let r = run(tempest().args(["score", "--model", m]).args(&args));
        r.assert_clean_failure(&words);
        assert!(r.stdout.is_empty(), "{args:?}: {:?}", r.stdout);
    }
}

#[test]
fn non_finite_logits_stop_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = RawModel::random("gru", 1, 8, 4, VOCAB, 10);
    for (name, _, data) in &mut m.tensors {
        if name == "head.weight" {
            data.iter_mut().for_each(|v| *v = v.signum() * 3e38);
        }
    }
    let path = dir.path().join("huge.safetensors");
    m.write(&path);
    let file = text_file(dir.path(), "abc");
    let r = score(&path, &[file.to_str().unwrap()]);
    r.assert_clean_failure(&["non-finite logit"]);
}

#[test]
fn the_schema_checker_refuses_what_the_schema_forbids() {
    let schema = jsonl_schema::schema();
    let good: serde_json::Value = serde_json::from_str(
        r#"{"kind":"char","stream":1,"pos":1,"char":"a","id":0,"temperature":0.05,"top_k":0,"top_p":1.0,"min_p":0.0,
            "repeat_penalty":1.0,"repeat_window":64,"p":1.0,"p1":0.3,"rank":1,"entropy_bits":0.0,
            "top":[{"char":"a","p":1.0,"p1":0.3}]}"#,
    )
    .unwrap();
    jsonl_schema::validate(&schema, &schema, &good).unwrap();
    let breaks: [(&str, serde_json::Value); 7] = [
        ("pos", 0.into()),
        ("stream", 0.into()),
        ("p", 1.5.into()),
        ("char", "ab".into()),
        ("top", serde_json::json!([["a", 1.0, 0.3]])),
        ("kind", "chars".into()),
        ("extra", 1.into()),
    ];
    for (field, value) in breaks {
        let mut bad = good.clone();
        bad[field] = value;
        assert!(jsonl_schema::validate(&schema, &schema, &bad).is_err(), "{field} accepted: {bad}");
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("temperature");
    assert!(jsonl_schema::validate(&schema, &schema, &missing).is_err());
}
