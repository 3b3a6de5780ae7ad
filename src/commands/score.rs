//! `tempest score`: run the model over a given text and report how expected each character was:
//! bits/char, the share of characters in each GLTR rank bucket, the text coloured by bucket, or
//! the per-character JSONL of the one schema `sample` and the explorer's export write.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::score_color::{Painter, When};
use tempest_core::analysis::gltr;
use tempest_core::display::thousands;
use tempest_core::files::{self, MAX_SCORE_BYTES};
use tempest_core::jsonl::{CharRecord, Header, ModelInfo, Record, Settings, StreamInfo, Summary};
use tempest_core::model::UnknownPolicy;
use tempest_core::sampling::SamplerSettings;
use tempest_core::score::{describe_unknown, unknown_chars, Scorer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A summary: bits/char and the share of characters in each rank bucket.
    Text,
    /// tempest's JSONL schema (see the README): a header, one record per character with its rank,
    /// p and the top of the model's distribution there, and a summary.
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// The text to score: a UTF-8 file, or `-` for standard input (at most 16 MiB).
    pub file: PathBuf,
    /// A bundled model by name (shakespeare, rust) or a model file (.safetensors). Default: shakespeare.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Text fed before the scored text, so that its first character is predicted from something.
    #[arg(long, default_value = "\n")]
    pub prime: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the text coloured by how highly the model ranked each character (GLTR's buckets,
    /// sized for the vocabulary), with a legend. `auto` colours only a terminal, and honours
    /// NO_COLOR (then bold and dim stand in for colours).
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "auto", conflicts_with = "format")]
    pub color: Option<When>,
    /// Entries of the model's distribution written per character in jsonl.
    #[arg(long, default_value_t = 5, value_parser = super::values::int_in::<usize>(0, 1 << 20))]
    pub top: usize,
    /// What to do with characters the model does not know: stop naming them, or skip them (they
    /// are then neither fed nor scored, and `--color` prints them uncoloured).
    #[arg(long, value_parser = super::values::unknown_policy(), default_value = "error")]
    pub unknown: UnknownPolicy,
}

pub fn run(args: ScoreArgs) -> anyhow::Result<i32> {
    anyhow::ensure!(super::sample::stdout_is_open(), "standard output is closed: there is nowhere to write the score");
    let (name, text) = read_text(&args.file)?;
    let ckpt = tempest_core::assets::load_model(args.model.as_deref())?;
    let vocab = ckpt.vocab.clone();
    anyhow::ensure!(!args.prime.is_empty(), "--prime is empty: give at least one character to predict the text from");
    let prime_ids = vocab.encode(&args.prime, UnknownPolicy::Error).context("--prime")?;
    let unknown = unknown_chars(&vocab, &text);
    if !unknown.is_empty() && args.unknown == UnknownPolicy::Error {
        let n: usize = unknown.iter().map(|u| u.2).sum();
        anyhow::bail!(
            "{name} has {} character{} the model does not know: {}; --unknown skip scores the rest",
            thousands(n as u64),
            if n == 1 { "" } else { "s" },
            describe_unknown(&unknown)
        );
    }
    anyhow::ensure!(
        text.chars().count() > unknown.iter().map(|u| u.2).sum::<usize>(),
        "{name} has no characters to score{}",
        if text.is_empty() { " (it is empty)" } else { " that the model knows" }
    );

    let mut scorer = Scorer::new(ckpt.model.stepper(1), vocab.clone(), &prime_ids)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let painter = args.color.map(|when| {
        let colour = when == When::Always
            || (when == When::Auto
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()));
        let styled = when == When::Always || (when == When::Auto && io::stdout().is_terminal());
        Painter::new(styled, colour)
    });
    let mut buckets = [0u64; 4];
    let result = (|| -> anyhow::Result<()> {
        if args.format == Format::Jsonl {
            let settings = SamplerSettings::default();
            let stream = StreamInfo {
                stream: 1,
                settings: Settings::from(&settings),
                scored: Some(args.file.to_string_lossy().into_owned()),
            };
            let model = ModelInfo::new(args.model.as_deref(), &ckpt.metadata);
            let header = Header::new("score", Some(model), &vocab, &args.prime, None, None, vec![stream]);
            Record::Header(Box::new(header)).write_to(&mut out)?;
        }
        for c in text.chars() {
            let Some(id) = vocab.id(c) else {
                if let Some(p) = &painter {
                    p.plain(&mut out, c)?;
                }
                continue;
            };
            let pos = scorer.chars();
            let d = scorer.next(id).with_context(|| format!("scoring stopped at character {}", thousands(pos + 1)))?;
            let bucket = gltr::rank_bucket(d.rank, vocab.len());
            buckets[bucket] += 1;
            if let Some(p) = &painter {
                p.paint(&mut out, c, bucket)?;
            } else if args.format == Format::Jsonl {
                Record::Char(CharRecord::from_drawn(0, pos, &d, &vocab, args.top)).write_to(&mut out)?;
            }
        }
        let (chars, bpc) = (scorer.chars(), scorer.bits_per_char());
        match (&painter, args.format) {
            (_, Format::Jsonl) => {
                Record::Summary(Summary { stream: 1, chars, bits_per_char: bpc }).write_to(&mut out)?;
            }
            (Some(p), _) => {
                if !text.ends_with('\n') {
                    writeln!(out)?;
                }
                p.legend(&mut out, &gltr::bucket_labels(vocab.len()), &buckets, chars)?;
                writeln!(out, "{}", summary_line(&name, chars, bpc))?;
            }
            (None, Format::Text) => {
                writeln!(out, "{}", summary_line(&name, chars, bpc))?;
                writeln!(out, "{}", shares_line(&gltr::bucket_labels(vocab.len()), &buckets, chars))?;
            }
        }
        out.flush()?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(0),
        // `tempest score … | head` is ordinary use, not an error.
        Err(e) if e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) => Ok(0),
        Err(e) => Err(e),
    }
}

/// `2.134 bits/char over 12,345 characters of play.txt`.
fn summary_line(name: &str, chars: u64, bpc: f64) -> String {
    format!(
        "{bpc:.4} bits/char over {} characters of {name} (under the model's own distribution, T = 1)",
        thousands(chars)
    )
}

/// `rank top-1 54.2% · top-3 22.1% · top-10 15.0% · rest 8.7%`.
pub(super) fn shares_line(labels: &[String; 4], buckets: &[u64; 4], chars: u64) -> String {
    let parts: Vec<String> = labels
        .iter()
        .zip(buckets)
        .map(|(l, &n)| format!("{l} {:.1}%", 100.0 * n as f64 / chars.max(1) as f64))
        .collect();
    format!("rank under the model: {}", parts.join(" · "))
}

/// The text and how to name it in messages: a file through the core's read rules, or standard
/// input read up to the same cap.
fn read_text(path: &Path) -> anyhow::Result<(String, String)> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin().lock().take(MAX_SCORE_BYTES + 1).read_to_end(&mut bytes).context("reading standard input")?;
        anyhow::ensure!(
            bytes.len() as u64 <= MAX_SCORE_BYTES,
            "standard input is longer than the limit of {} bytes",
            thousands(MAX_SCORE_BYTES)
        );
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!("standard input is not UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to())
        })?;
        return Ok(("standard input".into(), text));
    }
    let text = files::read_regular_text(path, MAX_SCORE_BYTES, "text")?;
    Ok((files::quote_path(path), text))
}
