//! `tempest cells`: which units of a model track quotes, brackets, line position and the like, and
//! how often its gates saturate. The analysis is `tempest_core::analysis::cells`; this is the
//! front end (reading the text, the table, `--json`, `--plot`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use super::values::int_in;
use tempest_core::analysis::cells::{CellReport, FeatureKind, Trace, TraceOptions};
use tempest_core::assets::ModelSource;
use tempest_core::display::thousands;
use tempest_core::model::{Checkpoint, UnknownPolicy};

/// Most characters analysed: every unit's value at every character is kept in memory
/// (4 bytes × units × characters).
pub const MAX_CHARS: usize = 200_000;

#[derive(Debug, clap::Args)]
pub struct CellsArgs {
    /// A bundled model by name (shakespeare) or a model file (.safetensors).
    #[arg(long, value_parser = super::values::model_source(), default_value = "shakespeare")]
    pub model: ModelSource,
    /// UTF-8 text to run the model over. Default: the bundled model's held-out excerpt.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// Characters analysed, from --offset on (at most 200,000).
    #[arg(long, default_value_t = 20_000, value_parser = int_in::<usize>(2, MAX_CHARS as u64))]
    pub chars: usize,
    /// Characters of the corpus skipped first (e.g. to reach its held-out tail).
    #[arg(long, default_value_t = 0, value_parser = int_in::<usize>(0, tempest_core::files::MAX_CORPUS_BYTES))]
    pub offset: usize,
    /// Units listed per feature.
    #[arg(long, default_value_t = 3, value_parser = int_in::<usize>(1, 100))]
    pub top: usize,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also draw the gate saturation and the best unit per feature over a sample of the text, to
    /// FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// What to do with characters the model does not know.
    #[arg(long, value_parser = super::values::unknown_policy(), default_value = "error")]
    pub unknown: UnknownPolicy,
}

/// The text analysed and where it came from.
pub struct Text {
    pub chars: Vec<char>,
    pub ids: Vec<u32>,
    pub source: String,
}

pub fn run(args: CellsArgs) -> anyhow::Result<i32> {
    anyhow::ensure!(args.chars >= 2, "--chars must be at least 2");
    anyhow::ensure!(args.chars <= MAX_CHARS, "--chars must be at most {}", thousands(MAX_CHARS as u64));
    anyhow::ensure!(args.top >= 1, "--top must be at least 1");
    if let Some(p) = &args.plot {
        super::plot::PlotFormat::of(p)?;
    }
    let ckpt = args.model.load().with_context(|| format!("cannot load the model {}", args.model.label()))?;
    let text = read_text(&args, &ckpt)?;
    let trace = Trace::run(&ckpt.model, &text.ids, TraceOptions::for_len(text.ids.len()))?;
    let report = CellReport::new(&trace, &text.chars, args.top);
    let model = describe_model(&args.model, &ckpt);
    let out = if args.json {
        let v = serde_json::json!({ "model": model, "text": text.source, "report": report });
        serde_json::to_string_pretty(&v)? + "\n"
    } else {
        table(&model, &text, &report)
    };
    if let Some(p) = &args.plot {
        super::cells_plot::draw(p, &model, &text.chars, &trace, &report)
            .with_context(|| format!("cannot write the plot {}", p.display()))?;
    }
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(0),
    }
}

fn read_text(args: &CellsArgs, ckpt: &Checkpoint) -> anyhow::Result<Text> {
    let (all, source): (String, String) = match (&args.corpus, args.model.bundled()) {
        (Some(p), _) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read the corpus {}", p.display()))?;
            let s = String::from_utf8(bytes).map_err(|e| {
                anyhow::anyhow!(
                    "the corpus {} is not UTF-8 (invalid byte at offset {})",
                    p.display(),
                    e.utf8_error().valid_up_to()
                )
            })?;
            (s, p.display().to_string())
        }
        (None, Some(m)) => (m.heldout.to_string(), format!("the held-out excerpt of the {} model", m.name)),
        (None, None) => anyhow::bail!(
            "--corpus FILE is needed: {} is not a bundled model, so there is no built-in text for it",
            args.model.label()
        ),
    };
    let total = all.chars().count();
    anyhow::ensure!(
        args.offset < total,
        "--offset {} is past the end of {source} ({} characters)",
        args.offset,
        thousands(total as u64)
    );
    let chars: Vec<char> = all.chars().skip(args.offset).take(args.chars).collect();
    anyhow::ensure!(chars.len() >= 2, "{source} has fewer than 2 characters from --offset {} on", args.offset);
    let taken: String = chars.iter().collect();
    let ids = ckpt.vocab.encode(&taken, args.unknown).with_context(|| format!("reading {source}"))?;
    // With `--unknown skip` the skipped characters are not in the text the model saw either.
    let chars: Vec<char> = ckpt.vocab.decode(&ids).chars().collect();
    anyhow::ensure!(chars.len() >= 2, "{source} has fewer than 2 characters the model knows");
    let source = if chars.len() < total {
        format!("{source}: {} of its {} characters", thousands(chars.len() as u64), thousands(total as u64))
    } else {
        format!("{source}: {} characters", thousands(chars.len() as u64))
    };
    Ok(Text { chars, ids, source })
}

/// "shakespeare (lstm 2×512, val 1.3371 nats/char)".
pub fn describe_model(source: &ModelSource, ckpt: &Checkpoint) -> String {
    let s = ckpt.model.spec();
    let val = ckpt.metadata.training.as_ref().and_then(|t| t.val_loss);
    let val = val.map(|v| format!(", val {v:.4} nats/char")).unwrap_or_default();
    format!("{} ({} {}×{}{val})", source.label(), s.cell, s.layers, s.hidden)
}

fn table(model: &str, text: &Text, r: &CellReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "model   {model}");
    let _ = writeln!(o, "text    {}", text.source);
    let _ = writeln!(o, "units   {} (every layer's c and h; \"L2 c 17\" = layer 2, cell state, unit 17)", r.units);
    let _ = writeln!(o);
    let _ = writeln!(o, "best units per feature (yes/no features by AUC, numeric ones by correlation r):");
    let width = r.features.iter().map(|f| f.feature.name.len()).max().unwrap_or(0);
    for f in &r.features {
        let units = if f.best.is_empty() {
            match f.feature.kind {
                FeatureKind::Binary if f.present == 0 => "— (never holds in this text)".to_string(),
                FeatureKind::Binary => "— (holds everywhere in this text)".to_string(),
                FeatureKind::Numeric => "— (constant in this text)".to_string(),
            }
        } else {
            f.best
                .iter()
                .map(|s| format!("{:<10} {:<10}", s.unit.to_string(), s.score.to_string()))
                .collect::<Vec<_>>()
                .join("  ")
        };
        let _ = writeln!(o, "  {:<width$}  {}", f.feature.name, units.trim_end());
    }
    if !r.saturation.iter().all(|l| l.gates.is_empty()) {
        let _ = writeln!(o);
        let _ = writeln!(o, "gate saturation (share of unit-steps left-saturated < 0.1 / right-saturated > 0.9):");
        let _ = writeln!(o, "  layer  gate      < 0.1    > 0.9");
        for l in &r.saturation {
            for g in &l.gates {
                let _ = writeln!(
                    o,
                    "  {:<5}  {:<8}  {:>5.1}%   {:>5.1}%",
                    l.layer,
                    g.gate,
                    g.left * 100.0,
                    g.right * 100.0
                );
            }
        }
    }
    o
}
