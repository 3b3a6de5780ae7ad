//! `tempest sample`: headless generation, one stream per temperature, all run as one batch.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;

use super::values::{int_in, number_in, THREADS};
use tempest_core::limits;

use tempest_core::generate::Generator;
use tempest_core::jsonl::{CharRecord, Header, ModelInfo, Record};
use tempest_core::model::{UnknownPolicy, Vocab};
use tempest_core::sampling::SamplerSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The text itself. One stream streams character by character; several stream line by line,
    /// each line prefixed with its stream's temperature.
    Text,
    /// tempest's JSONL schema (see the README): a header with the model, prime, seed and each
    /// stream's settings, then one object per generated character with its probabilities and the
    /// top of the distribution it was drawn from.
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// A bundled model by name (shakespeare, rust) or a model file (.safetensors). Default: shakespeare.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Text to start from; it is fed through the model and printed before the generated text.
    #[arg(long, default_value = "\n")]
    pub prime: String,
    /// Characters to generate per stream.
    #[arg(long, default_value_t = 1000, value_parser = int_in::<usize>(0, MAX_LENGTH))]
    pub length: usize,
    /// Sampling temperature; repeat it for several streams, generated together as one batch.
    /// 0 is argmax.
    // `allow_hyphen_values`: `-t -1` and `-t -inf` reach the range check ("must be in [0, 100]")
    // instead of clap's "unexpected argument".
    #[arg(long = "temperature", short = 't', default_value = "1.0", allow_hyphen_values = true,
          value_parser = number_in(limits::TEMPERATURE))]
    pub temperatures: Vec<f32>,
    /// Keep only the k most likely characters (0: off).
    #[arg(long, default_value_t = 0, value_parser = int_in::<usize>(0, 1 << 20))]
    pub top_k: usize,
    /// Nucleus sampling: keep the most likely characters up to this mass (1: off).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = number_in(limits::TOP_P))]
    pub top_p: f32,
    /// Drop characters less likely than this fraction of the most likely one (0: off).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = number_in(limits::MIN_P))]
    pub min_p: f32,
    /// Penalise characters seen in the last --repeat-window characters (1: off).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = number_in(limits::REPEAT_PENALTY))]
    pub repeat_penalty: f32,
    #[arg(long, default_value_t = 64,
          value_parser = int_in::<usize>(limits::REPEAT_WINDOW.lo as u64, limits::REPEAT_WINDOW.hi as u64))]
    pub repeat_window: usize,
    /// Random seed; the same model, prime, seed and settings always give the same text.
    /// Default: a fresh seed, printed on stderr.
    #[arg(long, value_parser = tempest_core::limits::parse_seed)]
    pub seed: Option<u64>,
    /// Draw one uniform number per step shared by all streams, so they differ by settings alone.
    #[arg(long)]
    pub coupled: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Entries of the distribution written per character in jsonl.
    #[arg(long, default_value_t = 5, value_parser = int_in::<usize>(0, 1 << 20))]
    pub top: usize,
    /// What to do with prime characters the model does not know.
    #[arg(long, value_parser = super::values::unknown_policy(), default_value = "error")]
    pub unknown: UnknownPolicy,
    /// libtorch threads, 1 to 256.
    #[arg(long, value_parser = int_in::<i32>(THREADS.0, THREADS.1))]
    pub threads: Option<i32>,
}

pub fn run(args: SampleArgs) -> anyhow::Result<i32> {
    if let Some(n) = args.threads {
        tch::set_num_threads(n);
    }
    anyhow::ensure!(
        args.temperatures.len() <= MAX_STREAMS,
        "--temperature is given {} times; at most {MAX_STREAMS} streams",
        args.temperatures.len()
    );
    // Rust quietly discards writes to a closed stdout (`>&-`): the text would be lost with exit 0.
    anyhow::ensure!(stdout_is_open(), "standard output is closed: there is nowhere to write the text");
    let settings: Vec<SamplerSettings> = args
        .temperatures
        .iter()
        .map(|&temperature| SamplerSettings {
            temperature,
            top_k: args.top_k,
            top_p: args.top_p,
            min_p: args.min_p,
            repeat_penalty: args.repeat_penalty,
            repeat_window: args.repeat_window,
        })
        .collect();
    for s in &settings {
        s.validate().map_err(|e| anyhow::anyhow!("--{}", e.replacen('_', "-", 1)))?;
    }
    let ckpt = tempest_core::assets::load_model(args.model.as_deref())?;
    let prime_ids = ckpt.vocab.encode(&args.prime, args.unknown).context("--prime")?;
    anyhow::ensure!(!args.prime.is_empty(), "--prime is empty: give at least one character to start from");
    anyhow::ensure!(!prime_ids.is_empty(), "--prime is empty after skipping unknown characters (--unknown skip)");
    let seed = args.seed.unwrap_or_else(fresh_seed);
    if args.seed.is_none() {
        eprintln!("seed {seed}");
    }
    let stepper = ckpt.model.stepper(settings.len());
    let mut gen = Generator::new(stepper, ckpt.vocab.clone(), settings.clone(), seed, args.coupled)?;
    gen.prime(&prime_ids)?;

    let stdout = io::stdout();
    // Print the prime as the model was fed it: with `--unknown skip` that is without the skipped characters.
    let prime = ckpt.vocab.decode(&prime_ids);
    let header = Header::new(
        "sample",
        Some(ModelInfo::new(args.model.as_deref(), &ckpt.metadata)),
        &ckpt.vocab,
        &prime,
        Some(seed),
        Some(args.coupled),
        Header::streams_from(&settings),
    );
    let mut out = Output {
        w: stdout.lock(),
        format: args.format,
        settings: &settings,
        prime: &prime,
        top: args.top,
        vocab: &ckpt.vocab,
        lines: vec![String::new(); settings.len()],
        header: Some(header),
    };
    let mut stopped: Option<tempest_core::Error> = None;
    let result = (|| -> io::Result<()> {
        out.start()?;
        for pos in 0..args.length {
            let drawn = match gen.step() {
                Ok(d) => d,
                Err(e) => {
                    stopped = Some(e);
                    break;
                }
            };
            for (stream, d) in drawn.iter().enumerate() {
                out.char(stream, pos, d)?;
            }
        }
        out.finish()
    })();
    match result {
        Ok(()) => match stopped {
            None => Ok(0),
            Some(e) => Err(anyhow::Error::from(e).context("generation stopped")),
        },
        // `tempest sample | head` is ordinary use, not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("writing the output"),
    }
}

/// Most characters generated per stream in one run.
const MAX_LENGTH: u64 = 1_000_000_000;
/// Most streams (temperatures) in one batch.
const MAX_STREAMS: usize = 256;

/// Whether standard output was open when the process started. Rust's runtime reopens a closed
/// descriptor 1 on `/dev/null` (read-write) before `main`, so writes to it vanish with no error; a
/// shell's `> /dev/null` opens it write-only. So read-write `/dev/null` on 1 means it was closed.
pub(crate) fn stdout_is_open() -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(meta) = std::fs::metadata("/proc/self/fd/1") else { return true };
    let null = meta.file_type().is_char_device() && meta.rdev() == 0x103;
    let flags = std::fs::read_to_string("/proc/self/fdinfo/1").ok().and_then(|info| {
        let line = info.lines().find(|l| l.starts_with("flags:"))?;
        u32::from_str_radix(line["flags:".len()..].trim(), 8).ok()
    });
    !(null && flags.is_some_and(|f| f & 0o3 == 0o2))
}

fn fresh_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    // Within the seed range, so that it can be passed back with --seed to reproduce the run.
    ((t.as_nanos() as u64) ^ ((std::process::id() as u64) << 32)) & tempest_core::limits::SEED.hi
}

struct Output<'a, W: Write> {
    w: W,
    format: Format,
    settings: &'a [SamplerSettings],
    prime: &'a str,
    top: usize,
    vocab: &'a Vocab,
    lines: Vec<String>,
    /// Written first in JSONL.
    header: Option<Header>,
}

impl<'a, W: Write> Output<'a, W> {
    fn label(&self, stream: usize) -> String {
        // The stream's number first, so `-t 1 -t 1` still tells its streams apart; then T in the
        // shortest form that round-trips, so 0.2 and 0.201 stay distinguishable.
        format!("{} T{}", stream + 1, self.settings[stream].temperature)
    }

    fn start(&mut self) -> io::Result<()> {
        match self.format {
            Format::Jsonl => match self.header.take() {
                Some(h) => Record::Header(Box::new(h)).write_to(&mut self.w),
                None => Ok(()),
            },
            Format::Text if self.settings.len() == 1 => {
                write!(self.w, "{}", self.prime)?;
                self.w.flush()
            }
            Format::Text => {
                for s in 0..self.settings.len() {
                    for c in self.prime.chars() {
                        self.push_line_char(s, c)?;
                    }
                }
                Ok(())
            }
        }
    }

    fn push_line_char(&mut self, stream: usize, c: char) -> io::Result<()> {
        if c == '\n' {
            let line = std::mem::take(&mut self.lines[stream]);
            writeln!(self.w, "{}│ {line}", self.label(stream))?;
            self.w.flush()
        } else {
            self.lines[stream].push(c);
            Ok(())
        }
    }

    fn char(&mut self, stream: usize, pos: usize, d: &tempest_core::generate::Drawn) -> io::Result<()> {
        match self.format {
            Format::Text if self.settings.len() == 1 => {
                write!(self.w, "{}", d.ch)?;
                self.w.flush()
            }
            Format::Text => self.push_line_char(stream, d.ch),
            Format::Jsonl => {
                Record::Char(CharRecord::from_drawn(stream, pos as u64, d, self.vocab, self.top)).write_to(&mut self.w)
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.format {
            Format::Text if self.settings.len() == 1 => writeln!(self.w)?,
            Format::Text => {
                for s in 0..self.settings.len() {
                    if !self.lines[s].is_empty() {
                        let line = std::mem::take(&mut self.lines[s]);
                        writeln!(self.w, "{}│ {line}", self.label(s))?;
                    }
                }
            }
            Format::Jsonl => {}
        }
        self.w.flush()
    }
}
