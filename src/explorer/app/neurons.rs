//! The neuron view: the focused pane's text coloured by one unit's activation, the units most
//! active at the inspect cursor, LSTMVis-style span selection, and a jump to the unit that best
//! tracks a built-in feature.
//!
//! Memory stays bounded: the app keeps the activations of the focused pane's newest
//! [`Neurons::window`] characters only. Turning the view on (or a new focus, reset or branch)
//! asks the engine for that window, which it replays from the pane's state snapshots; from then on
//! every new character's activations arrive with it. Replies are tagged with the id of the
//! request they answer, so a late one for another pane or an older text is dropped.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;

use super::{App, Effect};
use crate::explorer::worker::Request;
use tempest_core::analysis::cells::{
    self, features, rank_span, Quantity, Score, SpanQuery, SpanResult, UnitLayout, UnitRef, FEATURES,
};
use tempest_core::display::{describe_char, thousands};

/// Characters whose activations are kept by default (every unit of a 2×512 LSTM: 8 KB each).
pub const DEFAULT_WINDOW: usize = 2000;

#[derive(Debug, Clone)]
pub struct Neurons {
    pub on: bool,
    /// The model's units; empty until the runtime (or a test) sets it.
    pub layout: UnitLayout,
    /// The unit the text is coloured by.
    pub unit: UnitRef,
    pub window: usize,
    pub ring: Ring,
    /// The request the ring answers: its id, pane and the app generation it was made in.
    probing: Option<(u64, usize, u64)>,
    next_id: u64,
    pub span: SpanState,
    /// Index into [`FEATURES`] of the last feature jumped to.
    pub feature: Option<usize>,
}

/// Activations of the newest characters of one pane: `rows[k]` is every unit after the character
/// at position `start + k`.
#[derive(Debug, Clone, Default)]
pub struct Ring {
    pub pane: usize,
    pub start: u64,
    pub rows: VecDeque<Vec<f32>>,
}

impl Ring {
    pub fn get(&self, pos: u64) -> Option<&[f32]> {
        let i = pos.checked_sub(self.start)?;
        self.rows.get(usize::try_from(i).ok()?).map(Vec::as_slice)
    }

    pub fn end(&self) -> u64 {
        self.start + self.rows.len() as u64
    }

    /// Replaces everything from `start` on with `rows`, keeping at most `window` rows.
    fn splice(&mut self, start: u64, rows: Vec<Vec<f32>>, window: usize) {
        if start < self.start || start > self.end() {
            self.rows.clear();
            self.start = start;
        } else {
            self.rows.truncate((start - self.start) as usize);
        }
        self.rows.extend(rows);
        while self.rows.len() > window {
            self.rows.pop_front();
            self.start += 1;
        }
    }
}

/// Span selection: the first end marked, then the result.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum SpanState {
    #[default]
    None,
    /// One end marked at this position of the pane.
    Marked {
        pane: usize,
        anchor: u64,
    },
    Ranked(SpanOutcome),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpanOutcome {
    pub pane: usize,
    /// The marked characters (absolute positions).
    pub span: Range<u64>,
    pub result: SpanResult,
    /// Where else the best units are lit together (absolute positions).
    pub matches: Vec<Range<u64>>,
}

impl Neurons {
    pub fn new(window: usize) -> Self {
        Neurons {
            on: false,
            layout: UnitLayout { layers: 0, hidden: 0, has_cell: false },
            unit: UnitRef { quantity: Quantity::H, layer: 0, index: 0 },
            window: window.max(1),
            ring: Ring::default(),
            probing: None,
            next_id: 1,
            span: SpanState::None,
            feature: None,
        }
    }

    /// Sets the model's units and starts on the first layer's first cell (LSTM) or output.
    pub fn set_layout(&mut self, layout: UnitLayout) {
        self.layout = layout;
        let quantity = if layout.has_cell { Quantity::C } else { Quantity::H };
        self.unit = UnitRef { quantity, layer: 0, index: 0 };
    }

    /// The view for a newly loaded model: on if it was, on the new model's first unit, nothing
    /// held. Request ids carry on, so a late reply about the old model's text matches nothing.
    pub fn after_model_change(&self, layout: UnitLayout) -> Neurons {
        let mut n = Neurons::new(self.window);
        n.set_layout(layout);
        n.on = self.on;
        n.next_id = self.next_id;
        n
    }

    /// The shown unit's value after the character at `pos` of `pane`, if it is held.
    pub fn value(&self, pane: usize, pos: u64) -> Option<f32> {
        if !self.on || self.ring.pane != pane || self.probing.is_none() {
            return None;
        }
        let i = self.layout.flat(self.unit)?;
        self.ring.get(pos).and_then(|r| r.get(i).copied())
    }

    /// The colour scale's end: 1 for outputs (always in [-1, 1]); the largest |value| held for a
    /// cell state (unbounded), at least 1e-3.
    pub fn scale(&self) -> f32 {
        if self.unit.quantity == Quantity::H {
            return 1.0;
        }
        let Some(i) = self.layout.flat(self.unit) else { return 1.0 };
        self.ring.rows.iter().filter_map(|r| r.get(i)).fold(1e-3f32, |m, v| m.max(v.abs()))
    }

    /// The `n` units of the shown quantity (every layer) with the largest |value| after the
    /// character at `pos`, largest first.
    pub fn most_active(&self, pane: usize, pos: u64, n: usize) -> Vec<(UnitRef, f32)> {
        if self.ring.pane != pane {
            return Vec::new();
        }
        let Some(row) = self.ring.get(pos) else { return Vec::new() };
        let mut v: Vec<(UnitRef, f32)> = self
            .layout
            .units()
            .zip(row)
            .filter(|(u, _)| u.quantity == self.unit.quantity)
            .map(|(u, &x)| (u, x))
            .collect();
        v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        v.truncate(n);
        v
    }

    /// Whether `pos` of `pane` is in the marked span or one of its matches: `(in span, in match)`.
    pub fn span_marks(&self, pane: usize, pos: u64) -> (bool, bool) {
        match &self.span {
            SpanState::Ranked(o) if o.pane == pane => {
                (o.span.contains(&pos), o.matches.iter().any(|m| m.contains(&pos)))
            }
            _ => (false, false),
        }
    }
}

/// Keeps the engine's recording in step with what the view needs: the focused pane of the current
/// text while the view is on, nothing otherwise. Called after every event.
pub(super) fn sync(app: &mut App, fx: &mut Vec<Effect>) {
    let n = &mut app.neurons;
    let want = (n.on && !n.layout.is_empty()).then_some((app.focus, app.generations.current()));
    let have = n.probing.map(|(_, pane, generation)| (pane, generation));
    if want == have {
        return;
    }
    match want {
        Some((pane, generation)) => {
            let id = n.next_id;
            n.next_id += 1;
            n.probing = Some((id, pane, generation));
            n.ring = Ring { pane, start: app.panes[pane].total(), rows: VecDeque::new() };
            fx.push(Effect::Engine(Request::Probe { id, pane: Some(pane), window: n.window }));
        }
        None => {
            n.probing = None;
            n.ring = Ring::default();
            fx.push(Effect::Engine(Request::Probe { id: 0, pane: None, window: 0 }));
        }
    }
    if !matches!(&n.span, SpanState::Ranked(o) if Some(o.pane) == want.map(|w| w.0)) {
        n.span = SpanState::None;
    }
}

/// An `Activations` reply: kept if it answers the current request.
pub(super) fn on_activations(app: &mut App, id: u64, pane: usize, start: u64, rows: Vec<Vec<f32>>) {
    let n = &mut app.neurons;
    if n.probing.map(|p| (p.0, p.1)) != Some((id, pane)) {
        return;
    }
    n.ring.splice(start, rows, n.window);
}

/// What the neuron keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeuronAction {
    Toggle,
    NextUnit,
    PrevUnit,
    NextLayer,
    PrevLayer,
    SwitchQuantity,
    NextFeature,
    MarkSpan,
}

pub(super) fn apply(app: &mut App, a: NeuronAction) {
    if app.neurons.layout.is_empty() {
        return app.set_error("the neuron view needs the model's shape (not known in this session)");
    }
    if a == NeuronAction::Toggle {
        app.neurons.on = !app.neurons.on;
        return app.set_status(if app.neurons.on { describe_unit(app) } else { "neuron view off".into() });
    }
    // Any neuron key turns the view on.
    app.neurons.on = true;
    let n = &mut app.neurons;
    let (layers, hidden) = (n.layout.layers, n.layout.hidden);
    match a {
        NeuronAction::NextUnit => n.unit.index = (n.unit.index + 1) % hidden,
        NeuronAction::PrevUnit => n.unit.index = (n.unit.index + hidden - 1) % hidden,
        NeuronAction::NextLayer => n.unit.layer = (n.unit.layer + 1) % layers,
        NeuronAction::PrevLayer => n.unit.layer = (n.unit.layer + layers - 1) % layers,
        NeuronAction::SwitchQuantity if n.layout.has_cell => {
            n.unit.quantity = if n.unit.quantity == Quantity::C { Quantity::H } else { Quantity::C }
        }
        NeuronAction::SwitchQuantity => return app.set_status("this model has no cell state: only h"),
        NeuronAction::NextFeature => return jump_to_feature(app),
        NeuronAction::MarkSpan => return mark_span(app),
        NeuronAction::Toggle => {}
    }
    let s = describe_unit(app);
    app.set_status(s);
}

/// Sets the unit from a typed number; `Err` says why not.
pub(super) fn set_unit_index(app: &mut App, index: usize) -> Result<(), String> {
    let hidden = app.neurons.layout.hidden;
    if index >= hidden {
        return Err(format!("units are numbered 0 to {} in each layer", hidden.saturating_sub(1)));
    }
    app.neurons.on = true;
    app.neurons.unit.index = index;
    let s = describe_unit(app);
    app.set_status(s);
    Ok(())
}

fn describe_unit(app: &App) -> String {
    let n = &app.neurons;
    let what = if n.unit.quantity == Quantity::C { "cell state" } else { "output" };
    format!(
        "neuron view: {} — layer {} of {}, {what}, unit {} of 0–{}",
        n.unit,
        n.unit.layer + 1,
        n.layout.layers,
        n.unit.index,
        n.layout.hidden.saturating_sub(1)
    )
}

/// The pane's characters at the ring's positions, oldest first.
fn ring_text(app: &App) -> Vec<char> {
    let ring = &app.neurons.ring;
    let p = &app.panes[ring.pane];
    (ring.start..ring.end()).map(|pos| p.get(pos).map_or('\u{FFFD}', |d| d.ch)).collect()
}

/// Cycles to the next built-in feature and shows the unit that tracks it best over the held window.
fn jump_to_feature(app: &mut App) {
    let n = &app.neurons;
    if n.ring.rows.len() < 2 {
        return app.set_status("no activations yet: let the pane generate a little first");
    }
    let text = ring_text(app);
    let values = features::compute(&text);
    let rows = &n.ring.rows;
    let column = |i: usize| Cow::Owned(rows.iter().map(|r| r.get(i).copied().unwrap_or(0.0)).collect::<Vec<f32>>());
    let reports = cells::score_features(n.layout.len(), column, &values, 1);
    let start = n.feature.map_or(0, |f| f + 1);
    // The next feature that can be measured on this text.
    let found = (0..FEATURES.len()).map(|k| (start + k) % FEATURES.len()).find(|&f| !reports[f].best.is_empty());
    let Some(f) = found else {
        return app.set_status("none of the built-in features varies in the text held");
    };
    let best = reports[f].best[0];
    let unit = n.layout.unit(best.unit.index);
    let chars = text.len();
    app.neurons.feature = Some(f);
    app.neurons.unit = unit;
    app.set_status(format!(
        "feature {} ({}): best unit {unit}, {} over the last {} characters",
        FEATURES[f].name,
        FEATURES[f].description,
        score_text(best.score),
        thousands(chars as u64)
    ));
}

fn score_text(s: Score) -> String {
    s.to_string()
}

/// In inspect mode: the first press marks one end at the cursor, the second the other end and
/// ranks the units; a third clears the result.
fn mark_span(app: &mut App) {
    let Some(ins) = app.inspect else {
        if matches!(app.neurons.span, SpanState::Ranked(_)) {
            app.neurons.span = SpanState::None;
            return app.set_status("span cleared");
        }
        return app.set_status("span selection works in inspect mode: pause (space), then [ to move the cursor");
    };
    match app.neurons.span.clone() {
        SpanState::Marked { pane, anchor } if pane == ins.pane => {
            rank(app, pane, anchor.min(ins.pos)..anchor.max(ins.pos) + 1)
        }
        SpanState::Ranked(_) => {
            app.neurons.span = SpanState::None;
            app.set_status("span cleared");
        }
        _ => {
            app.neurons.span = SpanState::Marked { pane: ins.pane, anchor: ins.pos };
            app.set_status(format!(
                "span starts at char {}: move the cursor to its other end and press V",
                thousands(ins.pos + 1)
            ));
        }
    }
}

fn rank(app: &mut App, pane: usize, span: Range<u64>) {
    let ring = &app.neurons.ring;
    if ring.pane != pane || span.start < ring.start || span.end > ring.end() {
        let held = ring.rows.len() as u64;
        app.neurons.span = SpanState::None;
        return app.set_error(format!(
            "the span must lie in the last {} characters, whose activations are held",
            thousands(held)
        ));
    }
    let n = &app.neurons;
    let ring = &n.ring;
    let rows: Vec<&[f32]> = ring.rows.iter().map(Vec::as_slice).collect();
    let local = (span.start - ring.start) as usize..(span.end - ring.start) as usize;
    let Some(result) = rank_span(&n.layout, &rows, local, SpanQuery::default()) else {
        app.neurons.span = SpanState::None;
        return app.set_error("mark a span shorter than the whole held text");
    };
    let matches: Vec<Range<u64>> =
        result.matches.iter().map(|m| ring.start + m.start as u64..ring.start + m.end as u64).collect();
    let best = result.units[0];
    let text: String = (span.start..span.end).filter_map(|p| app.panes[pane].get(p)).map(|d| d.ch).collect();
    let msg = format!(
        "span {} ({} ch): best unit {} AUC {:.3}; the top {} are lit together at {} other places",
        describe_char_run(&text),
        span.end - span.start,
        best.unit,
        best.auc,
        SpanQuery::default().together,
        matches.len()
    );
    app.neurons.unit = best.unit;
    app.neurons.span = SpanState::Ranked(SpanOutcome { pane, span, result, matches });
    app.set_status(msg);
}

/// A short quoted excerpt of a span's text for messages.
pub fn describe_char_run(s: &str) -> String {
    let mut chars = s.chars();
    if s.chars().count() == 1 {
        return describe_char(chars.next().unwrap_or(' '));
    }
    let shown: String =
        s.chars().take(24).map(|c| if c == ' ' { c } else { tempest_core::display::glyph(c) }).collect();
    let more = if s.chars().count() > 24 { "…" } else { "" };
    format!("\"{shown}{more}\"")
}
