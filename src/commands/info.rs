//! `tempest info MODEL`: what a model file holds.

use std::path::Path;

use crate::model::vocab::describe_char;
use crate::model::Checkpoint;

pub fn run(path: &Path) -> anyhow::Result<i32> {
    let ckpt = Checkpoint::load(path, tch::Device::Cpu)?;
    let m = &ckpt.metadata;
    let spec = ckpt.model.spec();
    println!("model       {}", path.display());
    println!("format      {} v{}", m.format, m.format_version);
    println!("cell        {} × {} layers, hidden {}, embedding {}", spec.cell, spec.layers, spec.hidden, spec.embed);
    println!("parameters  {}", group(spec.parameter_count() as u64));
    println!("dropout     {} (training only)", spec.dropout);
    if let Some(t) = &m.training {
        println!("corpus      {} ({} characters)", t.corpus, group(t.corpus_chars));
        println!("trained     {} steps, {} characters seen, {:.0} s", group(t.steps), group(t.chars_seen), t.wall_seconds);
        if let Some(l) = t.train_loss {
            println!("train loss  {l:.4} nats/char");
        }
        if let Some(v) = t.val_loss {
            println!("val loss    {v:.4} nats/char ({:.4} bits/char)", v / std::f64::consts::LN_2);
        }
    }
    println!("vocabulary  {} characters:", ckpt.vocab.len());
    for (i, &c) in ckpt.vocab.chars().iter().enumerate() {
        println!("  {i:>4}  {}", describe_char(c));
    }
    Ok(0)
}

/// 1234567 -> "1,234,567".
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
