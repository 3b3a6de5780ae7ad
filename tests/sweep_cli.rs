//! `tempest sweep` end to end on a small random model: CSV, JSON and the SVG plot with the series
//! expected, determinism, the human reference stored by the maintenance command, and bad flags.

mod common;

use std::path::Path;

use common::{run, tempest, RawModel};

const ALPHABET: &str = "abcdefghijklmnop ,.\n";

fn model(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("m.safetensors");
    RawModel::random("lstm", 1, 24, 8, ALPHABET, 9).write(&path);
    path
}

fn sweep(model: &Path, extra: &[&str]) -> common::Run {
    sweep_at(model, "0:1:0.5", extra)
}

fn sweep_at(model: &Path, temperatures: &str, extra: &[&str]) -> common::Run {
    let mut cmd = tempest();
    cmd.args(["sweep", "--quiet", "--model"]).arg(model);
    cmd.args(["--temperatures", temperatures, "--sampler", "plain", "--sampler", "top-k=3"]);
    if !extra.contains(&"--seeds") {
        cmd.args(["--seeds", "2"]);
    }
    cmd.args(["--length", "120"]);
    if !extra.contains(&"--prime") {
        cmd.args(["--prime", "ab"]);
    }
    cmd.args(extra);
    run(&mut cmd)
}

#[test]
fn writes_csv_json_and_an_svg_with_one_line_per_sampler_and_metric() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path());
    let (csv, json, svg) = (dir.path().join("s.csv"), dir.path().join("s.json"), dir.path().join("s.svg"));
    let r =
        sweep(&m, &["--csv", csv.to_str().unwrap(), "--json", json.to_str().unwrap(), "--plot", svg.to_str().unwrap()]);
    r.assert_ok();
    // The readable table goes to stdout: a header and one row per (T, sampler).
    assert_eq!(r.stdout.lines().count(), 1 + 3 * 2, "{}", r.stdout);

    let csv = std::fs::read_to_string(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("temperature,sampler,streams,bits_per_char,entropy_bits,"), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + 6);
    assert!(lines[1].starts_with("0,plain,2,"), "{}", lines[1]);
    assert!(lines[6].starts_with("1,top-k=3,2,"), "{}", lines[6]);

    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["temperature"], 0.0);
    // At T = 0 the sampled distribution is one-hot.
    assert_eq!(rows[0]["entropy_bits"], 0.0);
    assert!(rows[5]["entropy_bits"].as_f64().unwrap() > 0.0);
    assert_eq!(json["spec"]["seeds"], 2);

    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(svg.starts_with("<svg"), "not an SVG");
    for title in ["bits/char under the model at T = 1", "distinct-4 (characters)", "share of characters in near-loops"]
    {
        assert!(svg.contains(title), "panel {title:?} missing");
    }
    // plotters writes each label as its own line inside <text>.
    for label in ["plain", "top-k=3"] {
        assert!(svg.lines().any(|l| l.trim() == label), "the legend lacks {label}");
    }
    // One line per sampler in every panel whose metric is defined at all three temperatures:
    // all but the loop onset (undefined where no stream loops) and lexical validity (no word list
    // in this model). The samplers are drawn in the first two colours of the palette.
    for colour in ["#0072B2", "#D55E00"] {
        let lines = svg
            .split("<polyline")
            .skip(1)
            .filter(|p| p.contains(&format!("stroke=\"{colour}\" stroke-width=\"2\"")))
            .filter(|p| {
                let points = p.split("points=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("");
                points.split_whitespace().count() == 3
            })
            .count();
        assert_eq!(lines, 7, "three-point lines in {colour}");
    }
}

#[test]
fn the_same_flags_give_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path());
    let a = sweep(&m, &["--json", "-"]);
    let b = sweep(&m, &["--json", "-"]);
    a.assert_ok();
    assert_eq!(a.stdout, b.stdout);
    let c = sweep(&m, &["--json", "-", "--seed", "5"]);
    assert_ne!(a.stdout, c.stdout);
}

#[test]
fn a_stored_reference_appears_as_the_human_rows() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path());
    let corpus = dir.path().join("corpus.txt");
    let text: String = common::corpus_text(6000).chars().filter(|c| ALPHABET.contains(*c)).collect();
    std::fs::write(&corpus, text).unwrap();
    let mut cmd = tempest();
    cmd.args(["attach-reference", "--model"]).arg(&m).arg("--corpus").arg(&corpus).args(["--chunk-chars", "100"]);
    let r = run(&mut cmd);
    r.assert_ok();
    assert!(r.stdout.contains("attached a human reference"), "{}", r.stdout);

    let r = sweep(&m, &["--csv", "-"]);
    r.assert_ok();
    let human: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with(",human")).collect();
    assert_eq!(human.len(), 3, "{}", r.stdout);
    // Lexical validity is filled in for every row now that the model carries a word list.
    let last = r.stdout.lines().nth(1).unwrap();
    assert!(!last.ends_with(','), "{last}");
    // The model still loads everywhere else.
    let mut info = tempest();
    run(info.arg("info").arg(&m)).assert_ok();
}

#[test]
fn bad_flags_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(dir.path());
    sweep_at(&m, "0:2", &[]).assert_clean_failure(&["START:STOP:STEP"]);
    sweep(&m, &["--sampler", "nucleus=0.9"]).assert_clean_failure(&["unknown sampler setting"]);
    sweep(&m, &["--seeds", "0"]).assert_clean_failure(&["seeds"]);
    sweep(&m, &["--plot", "out.pdf"]).assert_clean_failure(&[".svg or .png"]);
    sweep(&m, &["--reference", "/no/such/file.txt"]).assert_clean_failure(&["/no/such/file.txt"]);
    sweep(&m, &["--prime", "XYZ"]).assert_clean_failure(&["--prime"]);
}
