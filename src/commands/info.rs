//! `tempest info MODEL`: what a model file holds.

use std::io::Write as _;
use std::path::Path;

use tempest_core::display::{describe_char, escape_controls, excerpt, thousands};
use tempest_core::model::Checkpoint;

pub fn run(path: &Path) -> anyhow::Result<i32> {
    // A bundled model by name (`tempest info rust`) or a file, as everywhere else.
    let ckpt = tempest_core::assets::load_model(Some(path))?;
    let text = describe(path, &ckpt);
    // `tempest info m | head` closes the pipe early; that is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(0),
    }
}

fn describe(path: &Path, ckpt: &Checkpoint) -> String {
    let mut lines = Vec::new();
    let m = &ckpt.metadata;
    let spec = ckpt.model.spec();
    lines.push(format!("model       {}", tempest_core::files::quote_path(path)));
    lines.push(format!("format      {} v{}", m.format, m.format_version));
    lines.push(format!(
        "cell        {} × {} layers, hidden {}, embedding {}",
        spec.cell, spec.layers, spec.hidden, spec.embed
    ));
    lines.push(format!("parameters  {}", thousands(spec.parameter_count() as u64)));
    lines.push(format!("dropout     {} (training only)", spec.dropout));
    if let Some(t) = &m.training {
        lines.push(format!("corpus      {} ({} characters)", excerpt(&t.corpus, 200), thousands(t.corpus_chars)));
        lines.push(format!(
            "trained     {} steps, {} characters seen, {:.0} s",
            thousands(t.steps),
            thousands(t.chars_seen),
            t.wall_seconds
        ));
        if let Some(l) = t.train_loss {
            lines.push(format!("train loss  {l:.4} nats/char"));
        }
        if let Some(v) = t.val_loss {
            lines.push(format!("val loss    {v:.4} nats/char ({:.4} bits/char)", v / std::f64::consts::LN_2));
        }
        if let Some(p) = &t.prime {
            // Escaped like everything else read from a file: it is shown, never interpreted.
            lines.push(format!(
                "prime       \"{}\" (the explorer's prime when its own does not fit)",
                tempest_core::display::excerpt(p, 80)
            ));
        }
    }
    lines.push(format!("vocabulary  {} characters:", ckpt.vocab.len()));
    for (i, &c) in ckpt.vocab.chars().iter().enumerate() {
        lines.push(format!("  {i:>4}  {}", describe_char(c)));
    }
    // Every line quotes the file (its path, its metadata strings): no control character reaches the
    // terminal, so a crafted model cannot retitle it, recolour it or move the cursor.
    lines.iter().map(|l| format!("{}\n", escape_controls(l))).collect()
}
