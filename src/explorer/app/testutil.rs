//! Small, fixed apps for the tests of `app` and `ui`: a tiny vocabulary, hand-made characters with
//! consistent distributions, and helpers to press keys and feed engine replies. No model needed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

use super::{update, App, Effect, Event};
use crate::explorer::config::{ColorsConfig, Config};
use crate::explorer::worker::{Drawn, Reply, Request, StepBatch};
use tempest_core::analysis::LoopSettings;
use tempest_core::jsonl::ModelInfo;
use tempest_core::model::vocab::Vocab;
use tempest_core::model::{CellKind, Metadata, ModelSpec};
use tempest_core::sampling::{softmax_t, SamplerSettings};

pub const PRIME: &str = "KING HENRY:\n";

pub fn vocab() -> Vocab {
    Vocab::from_text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,.;:!?'-\n").unwrap()
}

/// Fixed on purpose rather than read from `config/default.toml`, so retuning the defaults does
/// not change the tests.
pub fn config() -> Config {
    let mut c = Config::default_config();
    c.prime = PRIME.into();
    c.seed = 7;
    c.coupled = false;
    c.panes = [0.2, 1.0, 1.5].map(SamplerSettings::with_temperature).to_vec();
    c.speed.chars_per_sec = 25.0;
    c.speed.max = false;
    c.histogram.top_n = 8;
    c.history.chars = 10_000;
    c.loops = LoopSettings { max_period: 64, min_repeats: 2, min_span: 12 };
    c.metrics.window = 64;
    c.colors = ColorsConfig {
        focus_border: Color::Yellow,
        loop_highlight: Color::Indexed(52),
        chosen_marker: Color::LightCyan,
        bar_at_t: Color::Cyan,
        bar_at_t1: Color::DarkGray,
        rank_1: Color::Green,
        rank_10: Color::Yellow,
        rank_100: Color::Red,
        rank_over_100: Color::Magenta,
    };
    c
}

pub fn app() -> App {
    let mut app = App::new(&config(), vocab(), false);
    let spec = ModelSpec {
        cell: CellKind::Lstm,
        layers: 2,
        hidden: 16,
        embed: 8,
        vocab: app.vocab.len() as i64,
        dropout: 0.0,
    };
    let meta = Metadata::new(&spec, &app.vocab, None);
    app.model = Some(ModelInfo::new(Some(std::path::Path::new("m.safetensors")), &meta));
    app
}

/// Made-up logits that favour `target` and vary with `salt`, so each character gets its own
/// plausible distribution.
pub fn logits(v: &Vocab, target: char, salt: u64) -> Vec<f32> {
    (0..v.len() as u64)
        .map(|i| -(((i * 37 + salt * 11) % 17) as f32) * 0.35)
        .enumerate()
        .map(|(i, z)| if v.char(i as u32) == target { 2.5 } else { z })
        .collect()
}

/// A drawn character consistent with `logits(v, ch, salt)` at temperature `t`, as the engine
/// would report it.
pub fn drawn(v: &Vocab, ch: char, t: f32, salt: u64) -> Drawn {
    drawn_with(v, ch, SamplerSettings::with_temperature(t), salt)
}

/// As [`drawn`], with any sampler settings (the drawn character may then have been cut: tests
/// that care pick one that is kept).
pub fn drawn_with(v: &Vocab, ch: char, settings: SamplerSettings, salt: u64) -> Drawn {
    let z = logits(v, ch, salt);
    let chain = settings.view(&z, &[]);
    let mut p1 = Vec::new();
    softmax_t(&z, 1.0, &mut p1);
    let id = v.id(ch).expect("test char in vocab");
    Drawn::new(v, id, &chain.probs, &p1, &z, &z, settings)
}

/// A `Stepped` reply giving pane `i` the characters of `texts[i]` (all the same length), at each
/// pane's current settings.
pub fn batch(app: &App, generation: u64, texts: &[&str]) -> Reply {
    let v = &app.vocab;
    let per_pane: Vec<Vec<char>> = texts.iter().map(|t| t.chars().collect()).collect();
    let n = per_pane.iter().map(Vec::len).max().unwrap_or(0);
    let settings = |i: usize| app.panes.get(i).map_or(SamplerSettings::default(), |p| p.settings);
    let steps = (0..n)
        .map(|k| {
            per_pane
                .iter()
                .enumerate()
                .map(|(i, cs)| drawn_with(v, cs[k], settings(i), (i * 1000 + k) as u64))
                .collect()
        })
        .collect();
    let last_logits =
        per_pane.iter().enumerate().map(|(i, cs)| logits(v, cs[n - 1], (i * 1000 + n - 1) as u64)).collect();
    Reply::Stepped(StepBatch { generation, steps, last_logits, credit: Default::default() })
}

/// Answers the one `Request::Score` among `fx` as the engine would: every character of `text`
/// ranked at T = 1 (the k-th under logits salted `salt(k)`), then the logits after it, aimed at
/// `next.0` (salted `next.1`).
pub fn answer_score(app: &mut App, fx: &[Effect], text: &str, salt: impl Fn(u64) -> u64, next: (char, u64)) {
    let [Effect::Engine(Request::Score { id, .. })] = fx else { panic!("one score request: {fx:?}") };
    let id = *id;
    let drawn = text.chars().enumerate().map(|(k, c)| drawn(&app.vocab, c, 1.0, salt(k as u64))).collect();
    let next_logits = logits(&app.vocab, next.0, next.1);
    update(app, Event::Engine(Reply::Scored { id, drawn, next_logits }));
}

/// Scores `text` as if read from the file `path`: the app asks the engine, which answers as in
/// [`answer_score`].
pub fn score_file(app: &mut App, path: &str, text: &str, salt: impl Fn(u64) -> u64, next: (char, u64)) {
    let fx = update(app, Event::TextRead { path: path.into(), text: Ok(text.into()) });
    answer_score(app, &fx, text, salt, next);
}

/// Feeds `texts` as one current-generation batch.
pub fn feed(app: &mut App, texts: &[&str]) {
    let r = batch(app, app.generation(), texts);
    update(app, Event::Engine(r));
}

pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Event {
    key(KeyCode::Char(c))
}

pub fn key_with(code: KeyCode, m: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, m))
}

/// Presses `c` and returns the effects.
pub fn press(app: &mut App, c: char) -> Vec<Effect> {
    update(app, ch(c))
}
