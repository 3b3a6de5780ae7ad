//! `tempest sample` end to end, on a tiny model trained by `tempest train` in the test and on the
//! bundled model: reproducibility by seed, argmax at T = 0, one stream per temperature in both
//! output formats, coupled sampling, unknown prime characters and bad flag values.

mod common;
#[path = "support/jsonl_schema.rs"]
mod jsonl_schema;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use common::{run, tempest, Run};
use tempest_core::analysis::{LoopDetector, LoopSettings};

/// The corpus: short sentences over a small alphabet (no '€', no capitals, no digits).
fn corpus() -> String {
    let words = [
        "the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "and", "then", "sleeps", "under", "old",
        "tree",
    ];
    let mut rng = common::Rng::new(3);
    let mut text = String::new();
    for _ in 0..120 {
        let n = rng.range(4, 9);
        let line: Vec<&str> = (0..n).map(|_| words[rng.range(0, words.len() - 1)]).collect();
        text.push_str(&line.join(" "));
        text.push_str(".\n");
    }
    text
}

/// Trains the tiny model once per test process.
fn model() -> &'static PathBuf {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        // A fixed folder (re-trained into each run; the trainer writes atomically) rather than a
        // TempDir, which a static would never delete.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sample_cli");
        std::fs::create_dir_all(&dir).unwrap();
        let corpus_path = dir.join("small.txt");
        std::fs::write(&corpus_path, corpus()).unwrap();
        let out = dir.join("m.safetensors");
        run(tempest()
            .arg("train")
            .arg("--corpus")
            .arg(&corpus_path)
            .arg("--out")
            .arg(&out)
            .args(["--hidden", "32", "--embed", "8", "--layers", "1", "--steps", "30", "--seq-len", "16"])
            .args(["--batch", "8", "--eval-every", "30", "--seed", "1", "--threads", "1", "--force"]))
        .assert_ok();
        assert!(out.is_file(), "train wrote no model");
        out
    })
}

/// `tempest sample --model <tiny> --threads 1 ARGS`.
fn sample(args: &[&str]) -> Run {
    run(tempest().args(["sample", "--threads", "1", "--model"]).arg(model()).args(args))
}

fn sample_ok(args: &[&str]) -> String {
    let r = sample(args);
    r.assert_ok();
    r.stdout
}

/// Single-stream text output is the prime, the generated characters and a final newline.
fn generated(stdout: &str, prime: &str, length: usize) -> String {
    let body = stdout.strip_prefix(prime).unwrap_or_else(|| panic!("output does not start with the prime: {stdout:?}"));
    let body = body.strip_suffix('\n').expect("output ends with a newline");
    assert_eq!(body.chars().count(), length, "generated length: {body:?}");
    body.to_string()
}

/// The character records of jsonl output, after checking the whole output (header included)
/// against the documented schema.
fn jsonl(stdout: &str) -> Vec<serde_json::Value> {
    jsonl_schema::check_file(stdout).into_iter().filter(|r| r["kind"] == "char").collect()
}

/// Each stream's generated text, from jsonl output.
fn streams_from_jsonl(rows: &[serde_json::Value]) -> BTreeMap<u64, String> {
    let mut out: BTreeMap<u64, String> = BTreeMap::new();
    for r in rows {
        out.entry(r["stream"].as_u64().unwrap()).or_default().push_str(r["char"].as_str().unwrap());
    }
    out
}

fn corpus_chars() -> HashSet<char> {
    corpus().chars().collect()
}

#[test]
fn same_seed_same_text_and_only_known_characters() {
    let args = ["--seed", "42", "--temperature", "1.0", "--length", "300", "--prime", "the "];
    let a = sample_ok(&args);
    let b = sample_ok(&args);
    assert_eq!(a, b);
    let text = generated(&a, "the ", 300);
    let known = corpus_chars();
    assert!(text.chars().all(|c| known.contains(&c)), "a character outside the corpus: {text:?}");
}

#[test]
fn different_seeds_differ_at_t1() {
    let a = sample_ok(&["--seed", "1", "--length", "200"]);
    let b = sample_ok(&["--seed", "2", "--length", "200"]);
    assert_ne!(generated(&a, "\n", 200), generated(&b, "\n", 200));
}

#[test]
fn temperature_zero_is_argmax_whatever_the_seed() {
    let outs: Vec<String> = ["1", "2", "987654321"]
        .iter()
        .map(|seed| sample_ok(&["--seed", seed, "--temperature", "0", "--length", "150", "--prime", "a "]))
        .collect();
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
    // Every T = 0 draw is the single most likely character: p = 1, rank 1, no entropy.
    let rows = jsonl(&sample_ok(&["--seed", "5", "-t", "0", "--length", "50", "--prime", "a ", "--format", "jsonl"]));
    assert_eq!(rows.len(), 50);
    for r in &rows {
        assert_eq!(r["p"].as_f64(), Some(1.0), "{r}");
        assert_eq!(r["rank"].as_u64(), Some(1), "{r}");
        assert_eq!(r["entropy_bits"].as_f64(), Some(0.0), "{r}");
        // The chosen character is the most likely under the model itself.
        let p1 = r["p1"].as_f64().unwrap();
        assert_eq!(r["top"][0]["char"], r["char"], "{r}");
        assert_eq!(r["top"][0]["p1"].as_f64(), Some(p1), "{r}");
    }
    assert_eq!(streams_from_jsonl(&rows)[&1], generated(&outs[0], "a ", 150)[..50]);
}

#[test]
fn one_stream_per_temperature_in_text() {
    let temps = ["0.2", "1", "1.5"];
    let labels = ["1 T0.2│ ", "2 T1│ ", "3 T1.5│ "];
    let prime = "the dog";
    let mut args = vec!["--seed", "9", "--length", "120", "--prime", prime];
    for t in temps {
        args.extend(["--temperature", t]);
    }
    let text = sample_ok(&args);
    let mut json_args = args.clone();
    json_args.extend(["--format", "jsonl"]);
    let streams = streams_from_jsonl(&jsonl(&sample_ok(&json_args)));
    assert_eq!(streams.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3], "streams count from 1");

    let mut lines: Vec<Vec<&str>> = vec![Vec::new(); temps.len()];
    for line in text.lines() {
        let s = labels.iter().position(|l| line.starts_with(l)).unwrap_or_else(|| panic!("unlabelled line {line:?}"));
        lines[s].push(&line[labels[s].len()..]);
    }
    for (s, l) in lines.iter().enumerate() {
        // Joined back, a stream's lines are its prime and generated text (the same as in jsonl).
        let full = format!("{prime}{}", streams[&(s as u64 + 1)]);
        assert_eq!(full.chars().count(), prime.len() + 120);
        let want = full.strip_suffix('\n').unwrap_or(&full);
        assert_eq!(l.join("\n"), want, "stream {s} ({})", labels[s]);
    }
}

#[test]
fn jsonl_fields_are_well_formed() {
    let rows = jsonl(&sample_ok(&[
        "--seed", "3", "--length", "60", "-t", "0.5", "-t", "1", "-t", "2", "--format", "jsonl", "--top", "4",
    ]));
    assert_eq!(rows.len(), 3 * 60);
    let known = corpus_chars();
    let mut positions: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for r in &rows {
        let stream = r["stream"].as_u64().unwrap();
        assert!((1..=3).contains(&stream), "{r}");
        assert_eq!(r["temperature"].as_f64().unwrap() as f32, [0.5f32, 1.0, 2.0][stream as usize - 1], "{r}");
        positions.entry(stream).or_default().push(r["pos"].as_u64().unwrap());
        let ch = r["char"].as_str().unwrap();
        assert_eq!(ch.chars().count(), 1, "{r}");
        assert!(known.contains(&ch.chars().next().unwrap()), "{r}");
        let p = r["p"].as_f64().unwrap();
        let p1 = r["p1"].as_f64().unwrap();
        assert!(p > 0.0 && p <= 1.0, "p of a drawn character: {r}");
        assert!(p1 > 0.0 && p1 <= 1.0, "{r}");
        let h = r["entropy_bits"].as_f64().unwrap();
        assert!((0.0..=(known.len() as f64).log2() + 1e-4).contains(&h), "entropy: {r}");
        let rank = r["rank"].as_u64().unwrap();
        assert!(rank >= 1 && rank as usize <= known.len(), "{r}");
        let top = r["top"].as_array().unwrap();
        assert_eq!(top.len(), 4, "{r}");
        let mut prev = f64::INFINITY;
        let mut mass = 0.0;
        for e in top {
            let tp = e["p"].as_f64().unwrap();
            let tp1 = e["p1"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&tp) && (0.0..=1.0).contains(&tp1), "{r}");
            assert!(tp <= prev, "top is sorted by p: {r}");
            prev = tp;
            mass += tp;
        }
        assert!(mass <= 1.0 + 1e-5, "{r}");
        // The drawn character appears in the top list exactly when its rank is within it.
        let at = top.iter().position(|e| e["char"] == r["char"]);
        if rank <= 4 {
            let e = &top[at.expect("rank within --top")];
            assert_eq!(at.unwrap() + 1, rank as usize, "{r}");
            assert_eq!(e["p"].as_f64(), Some(p), "{r}");
            assert_eq!(e["p1"].as_f64(), Some(p1), "{r}");
        } else {
            assert_eq!(at, None, "{r}");
        }
        // At T = 1 with no truncation the sampled distribution is the model's own.
        if stream == 2 {
            assert_eq!(p, p1, "{r}");
        }
    }
    for (s, pos) in positions {
        assert_eq!(pos, (1..=60).collect::<Vec<_>>(), "stream {s} positions count from 1");
    }
}

#[test]
fn coupled_identical_temperatures_give_identical_streams() {
    let base = ["--seed", "11", "--length", "200", "-t", "1", "-t", "1", "--format", "jsonl"];
    let coupled = streams_from_jsonl(&jsonl(&sample_ok(&[&base[..], &["--coupled"]].concat())));
    assert_eq!(coupled.len(), 2);
    assert_eq!(coupled[&1], coupled[&2]);
    let uncoupled = streams_from_jsonl(&jsonl(&sample_ok(&base)));
    assert_eq!(uncoupled.len(), 2);
    assert_ne!(uncoupled[&1], uncoupled[&2]);
    // Stream 1 of an uncoupled run is the same as a one-stream run: streams draw independently.
    let single =
        streams_from_jsonl(&jsonl(&sample_ok(&["--seed", "11", "--length", "200", "-t", "1", "--format", "jsonl"])));
    assert_eq!(single[&1], uncoupled[&1]);
}

#[test]
fn unknown_prime_character() {
    let r = sample(&["--seed", "3", "--length", "10", "--prime", "th€e"]);
    r.assert_clean_failure(&["'€'", "position 3", "not in the model's vocabulary", "--prime"]);
    assert!(r.stdout.is_empty(), "nothing is generated: {:?}", r.stdout);

    // Skipped, the unknown character is simply not fed: the continuation equals that of "the".
    let skipped = sample_ok(&["--seed", "3", "--length", "40", "--prime", "th€e", "--unknown", "skip"]);
    let plain = sample_ok(&["--seed", "3", "--length", "40", "--prime", "the"]);
    let tail = |s: &str| s.chars().rev().take(41).collect::<Vec<_>>();
    assert_eq!(tail(&skipped), tail(&plain));

    // A prime made only of unknown characters leaves nothing to feed.
    sample(&["--length", "10", "--prime", "€€", "--unknown", "skip"]).assert_clean_failure(&["--prime", "empty"]);
}

#[test]
fn bad_flag_values_are_clear_errors() {
    sample(&["--top-p", "0"]).assert_clean_failure(&["--top-p", "(0, 1]", "got 0"]);
    sample(&["--top-p", "1.5"]).assert_clean_failure(&["--top-p", "(0, 1]"]);
    sample(&["--temperature=-1"]).assert_clean_failure(&["temperature", "[0, 100]", "got -1"]);
    sample(&["--temperature", "-1"]).assert_clean_failure(&["temperature", "[0, 100]", "got -1"]);
    sample(&["-t", "1", "-t", "500"]).assert_clean_failure(&["temperature", "got 500"]);
    sample(&["--temperature", "warm"]).assert_clean_failure(&["--temperature", "warm"]);
    sample(&["--length", "ten"]).assert_clean_failure(&["--length", "ten"]);
    sample(&["--length", "-5"]).assert_clean_failure(&["-5"]);
    sample(&["--min-p", "1"]).assert_clean_failure(&["--min-p", "[0, 1)"]);
    sample(&["--repeat-penalty", "0.5"]).assert_clean_failure(&["--repeat-penalty", "[1, 10]"]);
    sample(&["--threads", "0"]).assert_clean_failure(&["--threads"]);
    sample(&["--format", "xml"]).assert_clean_failure(&["--format", "xml"]);
    sample(&["--repeat-penalty", "1.2", "--repeat-window", "10001"]).assert_clean_failure(&[
        "--repeat-window",
        "[0, 10000]",
        "got 10001",
    ]);
}

/// One seed range everywhere (`tempest_core::limits::SEED`): what the explorer's dialog and a
/// config file accept, every command's `--seed` accepts, and nothing more.
#[test]
fn seeds_beyond_i64_max_are_refused_by_every_command() {
    let too_big = (i64::MAX as u64 + 1).to_string();
    let words = ["--seed", "a seed is a whole number in [0, 9223372036854775807]"];
    sample(&["--length", "5", "--seed", &too_big]).assert_clean_failure(&words);
    sample(&["--length", "5", "--seed=-1"]).assert_clean_failure(&words);
    run(tempest().args(["explore", "--seed", &too_big])).assert_clean_failure(&words);
    run(tempest().args(["--seed", &too_big])).assert_clean_failure(&words);
    run(tempest().args(["train", "--corpus", "x.txt", "--out", "m.safetensors", "--seed", &too_big]))
        .assert_clean_failure(&words);
    // The largest seed works, and a fresh seed is one that can be given back.
    let top = i64::MAX.to_string();
    assert_eq!(sample_ok(&["--length", "30", "--seed", &top]), sample_ok(&["--length", "30", "--seed", &top]));
    for _ in 0..4 {
        let r = sample(&["--length", "1"]);
        r.assert_ok();
        let seed: u64 = r.stderr.trim().strip_prefix("seed ").expect("fresh seed on stderr").parse().unwrap();
        assert!(seed <= i64::MAX as u64, "fresh seed {seed} is outside the seed range");
    }
}

/// `tempest sample` on the bundled model.
fn bundled_argmax() -> String {
    let r = run(tempest().args(["sample", "--threads", "1", "--seed", "7", "--temperature", "0", "--length", "400"]));
    r.assert_ok();
    r.stdout
}

#[test]
fn bundled_model_argmax_is_deterministic_and_loops() {
    let a = bundled_argmax();
    let b = bundled_argmax();
    assert_eq!(a, b);
    let text = generated(&a, "\n", 400);
    // A different seed changes nothing at T = 0.
    let r = run(tempest().args(["sample", "--threads", "1", "--seed", "8", "--temperature", "0", "--length", "400"]));
    assert_eq!(r.stdout, a);

    let mut detector = LoopDetector::new(LoopSettings::default());
    let found: Vec<_> = text.chars().filter_map(|c| detector.push(c)).collect();
    assert!(!found.is_empty(), "no repetition loop in the argmax text:\n{text}");
    let longest = found.iter().max_by_key(|l| l.span).unwrap();
    assert!(longest.repeats() >= 2 && longest.span >= 24, "{longest:?}");
}

/// Temperature never changes the order of the logits, so `top` follows the model's own order (by
/// p at T = 1) even where tempered probabilities round to 0 or truncation cuts them to 0.
#[test]
fn jsonl_top_is_in_the_model_order_at_low_temperature_and_under_truncation() {
    let cases: [&[&str]; 4] =
        [&["-t", "0"], &["-t", "0.05", "-t", "0.1"], &["-t", "0.8", "--top-k", "5"], &["-t", "1", "--min-p", "0.2"]];
    for extra in cases {
        let mut args = vec!["sample", "--threads", "1", "--seed", "7", "--length", "150", "--format", "jsonl"];
        args.extend(["--top", "20"]);
        args.extend(extra);
        let r = run(tempest().args(&args));
        r.assert_ok();
        for row in jsonl(&r.stdout) {
            let top = row["top"].as_array().unwrap();
            let p1: Vec<f64> = top.iter().map(|e| e["p1"].as_f64().unwrap()).collect();
            assert!(p1.windows(2).all(|w| w[0] >= w[1]), "{extra:?}: top out of model order: {row}");
            let rank = row["rank"].as_u64().unwrap() as usize;
            if let Some(at) = top.iter().position(|e| e["char"] == row["char"]) {
                assert_eq!(at + 1, rank, "{extra:?}: {row}");
            }
        }
    }
}

/// The header says what made the file: the model, its vocabulary, the prime as fed, the seed and
/// each stream's settings, printed as typed (0.05, not 0.05000000074505806).
#[test]
fn jsonl_starts_with_a_header_of_model_prime_seed_and_settings() {
    let out = sample_ok(&[
        "--seed",
        "12",
        "--length",
        "5",
        "--prime",
        "the",
        "-t",
        "0.05",
        "-t",
        "1.3",
        "--top-p",
        "0.9",
        "--min-p",
        "0.05",
        "--coupled",
        "--format",
        "jsonl",
    ]);
    let lines = jsonl_schema::check_file(&out);
    let h = &lines[0];
    assert_eq!(h["command"], "sample");
    assert_eq!(h["tempest"], env!("CARGO_PKG_VERSION"));
    assert_eq!((h["seed"].as_u64(), h["coupled"].as_bool(), h["prime"].as_str()), (Some(12), Some(true), Some("the")));
    assert_eq!(h["model"]["name"], "m.safetensors");
    assert_eq!(h["model"]["path"].as_str(), model().to_str());
    assert_eq!(h["model"]["hidden"], 32);
    let vocab: String = h["vocab"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let mut want: Vec<char> = corpus_chars().into_iter().collect();
    want.sort();
    assert_eq!(vocab, want.into_iter().collect::<String>());
    let streams = h["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 2);
    assert_eq!(streams[1]["stream"], 2);
    let first = out.lines().next().unwrap();
    assert!(first.contains("\"temperature\":0.05,") && first.contains("\"temperature\":1.3,"), "{first}");
    assert!(first.contains("\"top_p\":0.9,") && first.contains("\"min_p\":0.05,"), "{first}");
    // Every character record carries the settings it was drawn with, without float noise too.
    let second = out.lines().nth(1).unwrap();
    assert!(second.contains("\"temperature\":0.05,\"top_k\":0,\"top_p\":0.9,\"min_p\":0.05,"), "{second}");
    assert_eq!(lines.len(), 1 + 2 * 5);
}
