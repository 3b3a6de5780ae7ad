//! The explorer's engine thread and the messages it exchanges with the app.
//!
//! One thread lays the model's weights out for stepping, drops the libtorch model, and then owns
//! the plain-Rust stepper, stepping every pane as one batch; the UI thread only sends
//! [`Request`]s and receives [`Reply`]s, so a keystroke never waits on the model. Nothing here
//! knows about terminals.
//!
//! Replies that describe text carry the `generation` of the request that started that text; the
//! app bumps its generation on reset, branch and pane changes and drops replies from older ones,
//! so characters generated just before a reset can never leak into the new text.

pub mod budget;
pub mod history;
mod interrupt;
mod scoring;
pub mod session;
// `worker::worker` is the thread itself; the folder also holds its session and history.
#[allow(clippy::module_inception)]
pub mod worker;

pub use tempest_core::generate::Drawn;
use tempest_core::sampling::SamplerSettings;

/// What the app asks of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// (Re)start every pane from the prime text, with these settings and seed.
    Reset {
        generation: u64,
        prime: Vec<u32>,
        panes: Vec<SamplerSettings>,
        seed: u64,
        coupled: bool,
    },
    /// Change one pane's sampler settings from its next character on.
    Settings {
        pane: usize,
        settings: SamplerSettings,
    },
    /// Share one uniform number per step across panes (or stop sharing).
    Coupled(bool),
    /// Generate continuously at `chars_per_sec` per pane; `None` means as fast as the model allows.
    Run {
        chars_per_sec: Option<f32>,
    },
    /// Stop generating (the thread then blocks, using no CPU).
    Pause,
    /// Generate exactly one character per pane.
    Step,
    /// Rewind `pane` so that its generated text keeps its first `pos` characters, then continue
    /// with character `id` at position `pos` instead of what was drawn there.
    Branch {
        generation: u64,
        pane: usize,
        pos: u64,
        id: u32,
    },
    /// Add a pane at the end, starting from the prime text.
    AddPane {
        generation: u64,
        settings: SamplerSettings,
    },
    RemovePane {
        generation: u64,
        pane: usize,
    },
    /// Start (or with `pane: None` stop) recording one pane's activations for the neuron view:
    /// answer with the last `window` characters' activations at once (replayed from the pane's
    /// snapshots), then with every new character's, all tagged with `id` (see
    /// [`Reply::Activations`]). Adding or removing a pane stops it.
    Probe {
        id: u64,
        pane: Option<usize>,
        window: usize,
    },
    /// Step another model from now on (the explorer switched models): the session ends, and the
    /// next `Reset` starts one on these weights and this vocabulary.
    Model(NewModel),
    /// Read `text` through the model after `context`, from a zero state, and answer with
    /// [`Reply::Scored`]: a read-only pane's characters. It runs between generation steps, in
    /// chunks, so other requests still get through; a newer `Score` abandons this one.
    Score {
        id: u64,
        context: Vec<u32>,
        text: Vec<u32>,
    },
    /// Answer with [`Reply::Synced`] once every earlier request has been handled (lets tests and
    /// benchmarks wait for the engine without sleeping).
    Sync(u64),
}

/// A model's stepping weights (laid out once) and its vocabulary, for [`Request::Model`].
#[derive(Clone)]
pub struct NewModel {
    pub weights: tempest_core::model::SharedWeights,
    pub vocab: tempest_core::model::Vocab,
    /// Tells one handover from another: the weights are never compared value by value.
    pub id: u64,
}

impl NewModel {
    pub fn new(weights: tempest_core::model::SharedWeights, vocab: tempest_core::model::Vocab) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        NewModel { weights, vocab, id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) }
    }
}

impl std::fmt::Debug for NewModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewModel {{ id: {}, vocab: {} characters }}", self.id, self.vocab.len())
    }
}

impl PartialEq for NewModel {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// Characters generated since the last batch: `steps[k][pane]` is pane `pane`'s `k`-th new
/// character. `last_logits[pane]` are the raw logits that produced each pane's newest character,
/// so the app can re-temper the live histogram at once when T changes.
#[derive(Debug, Clone, PartialEq)]
pub struct StepBatch {
    pub generation: u64,
    pub steps: Vec<Vec<Drawn>>,
    pub last_logits: Vec<Vec<f32>>,
    /// This batch's bytes, counted against the engine's budget until the app drops the batch.
    pub credit: budget::Credit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Stepped(StepBatch),
    /// The pane was rewound to `pos` and `drawn` (the chosen character) now stands there;
    /// `logits` produced it.
    Branched {
        generation: u64,
        pane: usize,
        pos: u64,
        drawn: Drawn,
        logits: Vec<f32>,
    },
    Synced(u64),
    /// Activations of the probed pane (see [`Request::Probe`]): `rows[k]` is every unit's value
    /// (flat, as [`tempest_core::analysis::cells::UnitLayout`] orders them) after the character at
    /// position `start + k`. Whatever the app holds from `start` on is replaced. Sent right after
    /// the `Stepped` batch holding those characters.
    Activations {
        id: u64,
        pane: usize,
        start: u64,
        rows: Vec<Vec<f32>>,
    },
    /// The text of `Request::Score` `id`, each character described under the model's own
    /// distribution; `next_logits` follow its last character.
    Scored {
        id: u64,
        drawn: Vec<Drawn>,
        next_logits: Vec<f32>,
    },
    /// Scoring `id`: `done` of `total` characters so far (while it lasts, about every
    /// [`interrupt::PROGRESS_EVERY`]).
    Scoring {
        id: u64,
        done: usize,
        total: usize,
    },
    /// Feeding a long prime: `done` of `total` characters so far (sent about every
    /// [`interrupt::PROGRESS_EVERY`] while it lasts, so the user sees it move).
    Priming {
        generation: u64,
        done: usize,
        total: usize,
    },
    /// A request could not be carried out; the message is for the user.
    Error(String),
    /// The engine thread has ended: the last reply it sends, on shutdown or after an `Error` that
    /// says why. Nothing follows it.
    Ended,
}
