//! The explorer's state and the pure `update` that changes it.
//!
//! No threads, no I/O, no clock: the runtime feeds [`Event`]s into [`update`], carries out the
//! returned [`Effect`]s, and draws with `ui::draw(frame, &app)`. `update` is the only code that
//! mutates an [`App`]; the fields are public so that drawing and tests can read them.

mod cursor;
mod edit;
mod event;
mod export;
pub mod field;
mod generations;
pub mod help_layout;
pub mod keymap;
pub mod keys;
pub mod layout;
mod loop_report;
pub mod model_switch;
pub mod neurons;
pub(crate) mod pane;
mod pointer;
mod replies;
pub mod sampler_controls;
pub mod scored;
pub mod strings;
mod sweep_view;
pub mod text_view;
mod update;
mod view;
pub mod wrap;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

pub use event::{Effect, Event};
pub use field::Field;
pub use generations::{Bump, Generations};
pub use keys::{Action, Mode};
pub use loop_report::{comparison, comparison_lines, episode_line, PaneLoops};
pub use pane::{history_capacity, PaneState, HISTORY_BYTES};
pub use sweep_view::{SweepEvent, SweepJob, SweepView};
pub use update::{apply, update};
pub use view::{log_softmax, HistRow, HistogramOptions, HistogramSource, HistogramView};

use crate::explorer::config::{ColorsConfig, Config, Preset};
use crate::explorer::worker::Request;
pub use sampler_controls::Knob;
use tempest_core::analysis::LoopSettings;
use tempest_core::limits;
use tempest_core::model::vocab::{UnknownPolicy, Vocab};
use tempest_core::sampling::SamplerSettings;

/// Most panes side by side.
pub const MAX_PANES: usize = limits::PANES.hi;
/// Temperature steps of ↑/↓ and of Shift-↑/↓, within [`limits::PANE_TEMPERATURE`].
pub const T_STEP: f32 = 0.05;
pub const T_STEP_BIG: f32 = 0.25;
/// The factor of one `+`/`-` speed step, within [`limits::SPEED`].
pub const SPEED_FACTOR: f32 = 1.5;

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help,
    /// Editing the prime text; `error` names the characters the model does not know.
    PrimeEdit {
        field: Field,
        error: Option<String>,
    },
    SeedEdit {
        field: Field,
        error: Option<String>,
    },
    /// Typing the number of the unit the neuron view shows.
    UnitEdit {
        field: Field,
        error: Option<String>,
    },
    /// The temperature sweep screen.
    Sweep,
    /// Typing the path of a text to score (empty: the prime).
    ScoreEdit {
        field: Field,
        error: Option<String>,
    },
}

/// The inspect cursor (only while paused): a character of the focused pane, and the row selected in
/// the histogram of the distribution it was drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspect {
    pub pane: usize,
    /// Absolute position (0 = first character after the prime).
    pub pos: u64,
    /// Row selected in that character's distribution, in the model's order (0 = most likely).
    pub selected: usize,
}

/// How generated text is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    Off,
    /// By the rank of the drawn character, in GLTR's buckets: top 1, top 10, top 100, the rest.
    Rank,
    /// By the probability the character was drawn with.
    Probability,
}

impl ColorMode {
    pub fn next(self) -> Self {
        match self {
            ColorMode::Off => ColorMode::Rank,
            ColorMode::Rank => ColorMode::Probability,
            ColorMode::Probability => ColorMode::Off,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speed {
    pub chars_per_sec: f32,
    /// As fast as the model allows; `chars_per_sec` is kept for when it is turned off.
    pub max: bool,
}

impl Speed {
    pub fn request_rate(&self) -> Option<f32> {
        (!self.max).then_some(self.chars_per_sec)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

/// Limits read from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub top_n: usize,
    pub history_chars: usize,
    pub loops: LoopSettings,
    pub metrics_window: usize,
}

#[derive(Debug, Clone)]
pub struct App {
    pub panes: Vec<PaneState>,
    pub focus: usize,
    pub paused: bool,
    pub speed: Speed,
    pub coupled: bool,
    pub seed: u64,
    pub prime: String,
    pub prime_ids: Vec<u32>,
    pub generations: Generations,
    pub overlay: Overlay,
    /// The loop panel is shown in place of the histogram.
    pub loop_panel: bool,
    /// The loop panel lists panes by temperature rather than in pane order.
    pub loop_sort_by_t: bool,
    pub sweep: SweepView,
    pub inspect: Option<Inspect>,
    pub hist: HistogramOptions,
    /// The sampler setting ↑/↓ adjusts.
    pub knob: Knob,
    pub presets: Vec<Preset>,
    /// The preset chosen last with `P`, if any.
    pub preset: Option<usize>,
    pub color_mode: ColorMode,
    pub status: Option<Status>,
    pub vocab: Vocab,
    pub limits: Limits,
    pub colors: ColorsConfig,
    /// Set from the NO_COLOR environment variable: draw with modifiers only.
    pub no_color: bool,
    /// Last known terminal size, for matching mouse clicks to panes.
    pub size: (u16, u16),
    pub neurons: neurons::Neurons,
    /// Which model is loaded, for the status bar (e.g. "rust · val 0.912"); empty when unknown.
    pub model_line: String,
    /// The loaded model's name when it is a bundled one (`M` switches to the next).
    pub model_name: Option<&'static str>,
    /// The bundled model being loaded (off the UI thread) after `M`, until it arrives or fails.
    pub loading_model: Option<&'static str>,
    /// While the engine feeds a long prime: characters fed so far, and the prime's length.
    pub priming: Option<(usize, usize)>,
    /// The model, for the header of an export (set by the runtime, which loaded it).
    pub model: Option<tempest_core::jsonl::ModelInfo>,
    /// Lines the `?` help is scrolled down by.
    pub help_scroll: u16,
    /// What the last export held (generation, characters per pane), so Esc knows whether quitting
    /// would lose text that was never exported.
    pub exported: Option<(u64, Vec<u64>)>,
    /// The text being scored for a new scored pane, if any.
    pub scoring: Option<scored::PendingScore>,
    /// The id of the last score asked for (ids tell a stale answer from the awaited one).
    pub next_score_id: u64,
}

impl App {
    /// The explorer as configured, before anything is generated. `no_color` comes from the
    /// NO_COLOR environment variable.
    pub fn new(config: &Config, vocab: Vocab, no_color: bool) -> App {
        let limits = Limits {
            top_n: config.histogram.top_n.max(1),
            history_chars: history_capacity(config.history.chars, vocab.len()),
            loops: config.loops,
            metrics_window: config.metrics.window,
        };
        let new_pane =
            |st: &SamplerSettings| PaneState::new(*st, limits.history_chars, limits.loops, limits.metrics_window);
        let mut panes: Vec<PaneState> = config.panes.iter().take(MAX_PANES).map(new_pane).collect();
        if panes.is_empty() {
            panes.push(new_pane(&SamplerSettings::default()));
        }
        // The config layer checks the prime against the model; should an unknown character slip
        // through anyway, skip it and say so rather than refuse to start.
        let mut status = None;
        if let Some(c) = config.prime.chars().find(|&c| vocab.id(c).is_none()) {
            status = Some(Status { text: edit::unknown_char_message(c) + "; skipped", is_error: true });
        }
        let prime_ids = vocab.encode(&config.prime, UnknownPolicy::Skip).unwrap_or_default();
        App {
            panes,
            focus: 0,
            paused: false,
            speed: Speed { chars_per_sec: limits::SPEED.clamp(config.speed.chars_per_sec), max: config.speed.max },
            coupled: config.coupled,
            seed: config.seed,
            prime: config.prime.clone(),
            prime_ids,
            generations: Generations::new(1),
            overlay: Overlay::None,
            loop_panel: false,
            loop_sort_by_t: false,
            sweep: SweepView::default(),
            inspect: None,
            hist: HistogramOptions::default(),
            knob: Knob::default(),
            presets: config.presets.clone(),
            preset: None,
            color_mode: ColorMode::Off,
            status,
            vocab,
            limits,
            colors: config.colors,
            no_color,
            size: (0, 0),
            neurons: neurons::Neurons::new(neurons::DEFAULT_WINDOW),
            model_line: String::new(),
            model_name: None,
            loading_model: None,
            priming: None,
            model: None,
            help_scroll: 0,
            exported: None,
            scoring: None,
            next_score_id: 0,
        }
    }

    pub fn generation(&self) -> u64 {
        self.generations.current()
    }

    /// What the engine needs to start: every pane from the prime, then running at the configured
    /// speed.
    pub fn initial_requests(&self) -> Vec<Request> {
        let run = if self.paused { Request::Pause } else { Request::Run { chars_per_sec: self.speed.request_rate() } };
        vec![self.reset_request(), run]
    }

    pub(crate) fn reset_request(&self) -> Request {
        Request::Reset {
            generation: self.generation(),
            prime: self.prime_ids.clone(),
            // Scored panes are not engine streams.
            panes: self.panes[..scored::live_panes(self)].iter().map(|p| p.settings).collect(),
            seed: self.seed,
            coupled: self.coupled,
        }
    }

    pub(crate) fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some(Status { text: text.into(), is_error: false });
    }

    pub(crate) fn set_error(&mut self, text: impl Into<String>) {
        self.status = Some(Status { text: text.into(), is_error: true });
    }

    /// Restarts every pane from the prime (after a prime or seed change too).
    pub(crate) fn restart(&mut self, fx: &mut Vec<Effect>) {
        self.generations.bump(Bump::Reset);
        self.priming = None;
        // A scored pane keeps its text: it does not depend on the prime or the seed.
        self.panes.iter_mut().filter(|p| p.scored.is_none()).for_each(|p| p.clear());
        self.inspect = None;
        fx.push(Effect::Engine(self.reset_request()));
    }

    /// The histogram row of the character actually drawn at `pos`, so that Enter right away
    /// re-draws the same character.
    pub(crate) fn default_selection(&self, pane: usize, pos: u64) -> usize {
        self.panes[pane].get(pos).map_or(0, |d| d.rank.saturating_sub(1) as usize)
    }

    /// Whether some pane holds generated text that no export has written.
    pub fn has_unexported_text(&self) -> bool {
        self.panes.iter().any(|p| p.total() > 0) && self.exported.as_ref() != Some(&self.export_mark())
    }

    /// What an export written now would hold, for [`App::has_unexported_text`].
    pub(crate) fn export_mark(&self) -> (u64, Vec<u64>) {
        (self.generation(), self.panes.iter().map(|p| p.total()).collect())
    }

    /// Whether the screen shows "terminal too small" (a size of 0×0 is not known yet).
    pub fn too_small(&self) -> bool {
        let (w, h) = self.size;
        (w, h) != (0, 0) && layout::too_small(ratatui::layout::Rect::new(0, 0, w, h))
    }

    /// The mode that decides what keys mean and which hints show.
    pub fn mode(&self) -> Mode {
        match self.overlay {
            Overlay::PrimeEdit { .. } => Mode::PrimeEditor,
            Overlay::SeedEdit { .. } => Mode::SeedEditor,
            Overlay::UnitEdit { .. } => Mode::UnitEditor,
            Overlay::ScoreEdit { .. } => Mode::ScoreEditor,
            Overlay::Sweep => Mode::Sweep,
            Overlay::Help => Mode::Help,
            Overlay::None if self.inspect.is_some() => Mode::Inspect,
            Overlay::None if self.paused => Mode::Paused,
            Overlay::None => Mode::Running,
        }
    }

    pub fn focused(&self) -> &PaneState {
        &self.panes[self.focus]
    }

    /// Whether the pane the keys act on (the inspected one, else the focused one) is a read-only
    /// scored pane: the hint bar then leaves out what such a pane refuses.
    pub fn scored_focus(&self) -> bool {
        let pane = self.inspect.map_or(self.focus, |i| i.pane);
        self.panes.get(pane).is_some_and(|p| p.scored.is_some())
    }

    /// The character for an id, tolerating ids outside the vocabulary (a bad reply must not crash
    /// the drawing).
    pub fn char_of(&self, id: u32) -> char {
        self.vocab.chars().get(id as usize).copied().unwrap_or('\u{FFFD}')
    }
}
