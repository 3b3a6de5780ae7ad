//! A model with one unit wired by hand to track double quotes (its cell state toggles between 0
//! and 1 at every `"`) must be found by `tempest cells` for the quote feature, and by span
//! selection when a quoted span is marked.

mod common;

use common::{run, tempest};
use tch::{Device, Tensor};
use tempest_core::analysis::cells::{rank_span, SpanQuery, Trace, TraceOptions, UnitLayout};
use tempest_core::model::{CellKind, CharRnn, ModelSpec, UnknownPolicy, Vocab};

const HIDDEN: i64 = 6;
/// The wired unit.
const QUOTE_UNIT: usize = 4;

/// English-like text with some phrases in double quotes, none across a newline.
fn quoted_text(chars: usize) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for (i, sentence) in common::corpus_text(chars).split_inclusive(['.', '!', '?', ',', ';']).enumerate() {
        // Every third phrase is quoted.
        let q = i % 3 == 1;
        let s = sentence.trim_start();
        if q {
            out.push_str(" \"");
            out.push_str(s);
            out.push('"');
        } else {
            out.push(' ');
            out.push_str(s);
        }
        quoted |= q;
    }
    assert!(quoted);
    out
}

/// One-hot embeddings, random weights everywhere, except unit QUOTE_UNIT of the LSTM: its forget
/// and output gates are always open, its input gate opens only on `"`, and its candidate is +1
/// when the unit is off and −1 when it is on, so each quote flips it.
fn quote_model(vocab: &Vocab) -> CharRnn {
    let v = vocab.len() as i64;
    let spec = ModelSpec { cell: CellKind::Lstm, layers: 1, hidden: HIDDEN, embed: v, vocab: v, dropout: 0.0 };
    // libtorch's generator is process-global and the tests of this file run in parallel: seeding and
    // drawing the random weights under one lock keeps every test's model the same.
    static SEEDED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let model = {
        let _one_at_a_time = SEEDED.lock().unwrap_or_else(|e| e.into_inner());
        tch::manual_seed(11);
        CharRnn::new(spec, Device::Cpu)
    };
    let q = vocab.id('"').expect("the text has quotes") as i64;
    let (h, u) = (HIDDEN, QUOTE_UNIT as i64);
    tch::no_grad(|| {
        let t = |name: &str| model.named_tensors().into_iter().find(|(n, _)| n == name).unwrap().1;
        t("embed.weight").copy_(&Tensor::eye(v, (tch::Kind::Float, Device::Cpu)));
        let (w_ih, w_hh, b_ih, b_hh) =
            (t("rnn.weight_ih_l0"), t("rnn.weight_hh_l0"), t("rnn.bias_ih_l0"), t("rnn.bias_hh_l0"));
        // Gate rows of the unit, in PyTorch's order i, f, g, o.
        let (i, f, g, o) = (u, h + u, 2 * h + u, 3 * h + u);
        for r in [i, f, g, o] {
            let _ = w_ih.get(r).fill_(0.0);
            let _ = w_hh.get(r).fill_(0.0);
            let _ = b_hh.get(r).fill_(0.0);
        }
        let _ = w_ih.get(i).get(q).fill_(30.0);
        let _ = b_ih.get(i).fill_(-15.0);
        let _ = b_ih.get(f).fill_(20.0);
        let _ = b_ih.get(o).fill_(20.0);
        // h is 0 when off and tanh(1) ≈ 0.76 when on: the candidate flips sign half-way.
        let _ = w_hh.get(g).get(u).fill_(-20.0);
        let _ = b_ih.get(g).fill_(20.0 * 0.38);
    });
    model
}

fn setup() -> (String, Vocab, CharRnn) {
    let text = quoted_text(6000);
    let vocab = Vocab::from_text(&text).unwrap();
    let model = quote_model(&vocab);
    (text, vocab, model)
}

#[test]
fn cells_finds_the_hand_wired_quote_unit_with_auc_at_least_0_99() {
    let (text, vocab, model) = setup();
    let dir = tempfile::tempdir().unwrap();
    let (mpath, cpath) = (dir.path().join("quote.safetensors"), dir.path().join("quotes.txt"));
    model.save(&mpath, &vocab, None).unwrap();
    std::fs::write(&cpath, &text).unwrap();
    let r = run(tempest().arg("cells").arg("--model").arg(&mpath).arg("--corpus").arg(&cpath).arg("--json"));
    r.assert_ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let feature = v["report"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["feature"]["name"] == "in_double_quotes")
        .expect("the quote feature is reported");
    let best = &feature["best"][0];
    assert_eq!(best["unit"]["index"], QUOTE_UNIT, "{feature:#}");
    assert_eq!(best["unit"]["layer"], 0);
    assert_eq!(best["score"]["kind"], "auc");
    let auc = best["score"]["value"].as_f64().unwrap();
    assert!(auc >= 0.99, "AUC {auc}");

    // The table says the same.
    let r = run(tempest().arg("cells").arg("--model").arg(&mpath).arg("--corpus").arg(&cpath));
    r.assert_ok();
    let line = r.stdout.lines().find(|l| l.trim_start().starts_with("in_double_quotes")).unwrap();
    assert!(line.contains(&format!("L1 c {QUOTE_UNIT} ")) || line.contains(&format!("L1 h {QUOTE_UNIT} ")), "{line}");
}

#[test]
fn span_selection_over_a_quoted_phrase_ranks_the_quote_unit_first_and_finds_the_other_quotes() {
    let (text, vocab, model) = setup();
    let chars: Vec<char> = text.chars().take(1500).collect();
    let ids = vocab.encode(&chars.iter().collect::<String>(), UnknownPolicy::Error).unwrap();
    let trace = Trace::run(&model, &ids, TraceOptions { streams: 1, warmup: 0 }).unwrap();
    let layout = UnitLayout::of(model.spec());
    let rows: Vec<Vec<f32>> = (0..chars.len()).map(|t| (0..layout.len()).map(|i| trace.flat(i)[t]).collect()).collect();
    let refs: Vec<&[f32]> = rows.iter().map(|r| r.as_slice()).collect();
    // The second quoted phrase: from its opening quote to just before its closing one.
    let quotes: Vec<usize> = chars.iter().enumerate().filter(|(_, &c)| c == '"').map(|(i, _)| i).collect();
    let span = quotes[2]..quotes[3];
    let r = rank_span(&layout, &refs, span.clone(), SpanQuery { top: 5, together: 1 }).unwrap();
    assert_eq!(r.units[0].unit.index, QUOTE_UNIT, "{:?}", r.units);
    // On over the whole span, and off outside it except in the other quotes (a third of the text).
    assert!(r.units[0].auc > 0.6 && r.units[0].mean_on > 0.9 && r.units[0].mean_off < 0.5, "{:?}", r.units[0]);
    // Every other quoted phrase of the window is found, and nothing else.
    let expected: Vec<std::ops::Range<usize>> =
        quotes.chunks(2).filter(|p| p.len() == 2 && p[0] != span.start).map(|p| p[0]..p[1]).collect();
    assert_eq!(r.matches, expected);
}
