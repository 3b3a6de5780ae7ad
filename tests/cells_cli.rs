//! `tempest cells` on the bundled model's built-in text, its outputs, and its refusals.

mod common;

use common::{run, tempest, RawModel};

#[test]
fn the_bundled_model_runs_on_its_built_in_text_with_table_json_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("cells.svg");
    let r = run(tempest().args(["cells", "--chars", "1200", "--top", "2", "--plot"]).arg(&svg));
    r.assert_ok();
    assert!(r.stdout.starts_with("model   shakespeare (lstm 2×512, val "), "{}", r.stdout);
    assert!(r.stdout.contains("held-out excerpt of the shakespeare model: 1,200 of its"), "{}", r.stdout);
    for name in ["since_newline", "word_start", "speaker_line", "forget"] {
        assert!(r.stdout.contains(name), "no {name} in\n{}", r.stdout);
    }
    let plot = std::fs::read_to_string(&svg).unwrap();
    assert!(plot.starts_with("<svg") && plot.contains("forget gate") && plot.contains("since_newline"));

    let r = run(tempest().args(["cells", "--model", "shakespeare", "--chars", "600", "--json"]));
    r.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["report"]["chars"], 600);
    assert_eq!(v["report"]["units"], 2048);
    let layers = v["report"]["saturation"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    for g in layers[0]["gates"].as_array().unwrap() {
        let (l, r) = (g["left"].as_f64().unwrap(), g["right"].as_f64().unwrap());
        assert!((0.0..=1.0).contains(&l) && (0.0..=1.0).contains(&r) && l + r <= 1.0, "{g}");
        assert_eq!(g["unit_left"].as_array().unwrap().len(), 512);
    }
}

#[test]
fn bad_input_gets_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    RawModel::random("gru", 1, 8, 4, "ab \n", 3).write(&model);
    let corpus = dir.path().join("c.txt");
    std::fs::write(&corpus, "ab ba\nxyz").unwrap();
    let m = model.to_str().unwrap();
    let c = corpus.to_str().unwrap();
    run(tempest().args(["cells", "--model", m]))
        .assert_clean_failure(&["--corpus FILE is needed", "not a bundled model"]);
    run(tempest().args(["cells", "--model", m, "--corpus", c])).assert_clean_failure(&["'x'", "vocabulary"]);
    run(tempest().args(["cells", "--model", m, "--corpus", c, "--unknown", "skip"])).assert_ok();
    run(tempest().args(["cells", "--plot", "x.pdf"])).assert_clean_failure(&[".svg or .png"]);
    run(tempest().args(["cells", "--chars", "1"])).assert_clean_failure(&["--chars", "must be in [2, 200000], got 1"]);
    run(tempest().args(["cells", "--offset", "99999999"])).assert_clean_failure(&["--offset", "past the end"]);
    run(tempest().args(["cells", "--model", "nope.safetensors"])).assert_clean_failure(&["nope.safetensors"]);
    std::fs::write(&corpus, b"ab\xff").unwrap();
    run(tempest().args(["cells", "--model", m, "--corpus", c])).assert_clean_failure(&["not UTF-8"]);
}
