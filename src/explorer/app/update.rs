//! `update`: events in, state changes and effects out.

use crossterm::event::KeyEvent;

use super::field::Field;
use super::keymap::action_for;
use super::keys::{self, Action, Mode};
use super::{
    cursor, edit, export, help_layout, model_switch, neurons, pointer, replies, scored, strings, sweep_view, App, Bump,
    Effect, Event, Inspect, Overlay,
};
use super::{MAX_PANES, SPEED_FACTOR};
use crate::explorer::worker::Request;
use tempest_core::display::thousands;
use tempest_core::limits::SPEED;

/// The only way an [`App`] changes. Returns what the runtime must do in consequence.
pub fn update(app: &mut App, event: Event) -> Vec<Effect> {
    let mut fx = Vec::new();
    match event {
        Event::Key(key) => on_key(app, key, &mut fx),
        // Behind "terminal too small" nothing can be seen, so nothing is edited.
        Event::Paste(_) | Event::Mouse(_) if app.too_small() => {}
        Event::Mouse(m) => pointer::on_mouse(app, m, &mut fx),
        Event::Paste(text) if matches!(app.overlay, Overlay::ScoreEdit { .. }) => scored::on_paste(app, &text),
        Event::Paste(text) => edit::on_paste(app, &text),
        Event::TextRead { path, text } => scored::on_text(app, path, text, &mut fx),
        Event::Resize(w, h) => {
            app.size = (w, h);
            // A taller or wider screen needs less scrolling to reach the help's end.
            help_layout::scroll_help(app, 0);
        }
        Event::Engine(reply) => replies::on_reply(app, reply),
        Event::Exported(Ok(path)) => app.set_status(format!("exported to {}", path.display())),
        Event::Exported(Err(e)) => {
            app.exported = None;
            app.set_error(format!("export failed: {e}"))
        }
        Event::Sweep(ev) => sweep_view::on_event(app, ev),
        Event::ModelSwitched(outcome) => model_switch::on_switched(app, outcome, &mut fx),
    }
    neurons::sync(app, &mut fx);
    fx
}

fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    if !keys::is_press(&key) {
        return;
    }
    if app.too_small() {
        // Nothing else can be seen, so only quitting acts (and resizing, which is not a key).
        if action_for(&key, Mode::Running) == Some(Action::Quit) {
            fx.push(Effect::Quit);
        }
        return;
    }
    // A message answers the last key; the next key clears it.
    app.status = None;
    match app.overlay {
        Overlay::PrimeEdit { .. } | Overlay::SeedEdit { .. } | Overlay::UnitEdit { .. } => {
            return edit::on_key(app, key, fx)
        }
        Overlay::Help => match action_for(&key, Mode::Help) {
            Some(a @ (Action::HelpLineUp | Action::HelpLineDown | Action::HelpPageUp | Action::HelpPageDown)) => {
                return apply(app, a, fx)
            }
            // Esc and ? close the help; any other key closes it and then does what it always does.
            Some(Action::Back | Action::ToggleHelp) => return app.overlay = Overlay::None,
            _ => app.overlay = Overlay::None,
        },
        Overlay::Sweep => return sweep_view::on_key(app, key, fx),
        Overlay::ScoreEdit { .. } => return scored::on_key(app, key, fx),
        Overlay::None => {}
    }
    if let Some(action) = action_for(&key, app.mode()) {
        apply(app, action, fx);
    }
}

/// Lines a page of the help scrolls by.
const HELP_PAGE: i32 = 10;

/// Carries out one action. Public so that tests and future key maps can drive the app directly.
pub fn apply(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    use Action::*;
    match action {
        FocusPrev => cursor::set_focus(app, (app.focus + app.panes.len() - 1) % app.panes.len()),
        FocusNext => cursor::set_focus(app, (app.focus + 1) % app.panes.len()),
        TempUp => adjust(app, true, false, fx),
        TempDown => adjust(app, false, false, fx),
        TempUpBig => adjust(app, true, true, fx),
        TempDownBig => adjust(app, false, true, fx),
        CycleKnob => {
            app.knob = app.knob.next();
            let s = app.panes[app.focus].settings;
            app.set_status(format!("↑/↓ now adjust {} (now {})", app.knob.name(), app.knob.value(&s)));
        }
        NextPreset => next_preset(app, fx),
        ToggleLogScale => app.hist.log_scale = !app.hist.log_scale,
        HistScrollUp => app.hist.scroll = app.hist.scroll.saturating_sub(HIST_SCROLL),
        HistScrollDown => {
            let n = app.vocab.len();
            app.hist.scroll = (app.hist.scroll + HIST_SCROLL).min(n.saturating_sub(1));
        }
        TogglePause if app.paused => {
            app.paused = false;
            leave_inspect(app);
            fx.push(Effect::Engine(Request::Run { chars_per_sec: app.speed.request_rate() }));
        }
        TogglePause => {
            app.paused = true;
            fx.push(Effect::Engine(Request::Pause));
        }
        Step if app.paused => fx.push(Effect::Engine(Request::Step)),
        Step => app.set_status(strings::HINT_STEP_PAUSED),
        Reset => {
            app.restart(fx);
            app.set_status(strings::MSG_RESET);
        }
        EditPrime => app.overlay = Overlay::PrimeEdit { field: super::Field::new(&app.prime), error: None },
        EditSeed => {
            app.overlay = Overlay::SeedEdit { field: super::Field::prefilled(&app.seed.to_string()), error: None }
        }
        ToggleCoupled => {
            app.coupled = !app.coupled;
            fx.push(Effect::Engine(Request::Coupled(app.coupled)));
            app.set_status(if app.coupled { strings::MSG_COUPLED_ON } else { strings::MSG_COUPLED_OFF });
        }
        SpeedUp => change_speed(app, SPEED_FACTOR, fx),
        SpeedDown => change_speed(app, 1.0 / SPEED_FACTOR, fx),
        ToggleMaxSpeed => {
            app.speed.max = !app.speed.max;
            if !app.paused {
                fx.push(Effect::Engine(Request::Run { chars_per_sec: app.speed.request_rate() }));
            }
        }
        AddPane => add_pane(app, fx),
        RemovePane => remove_pane(app, fx),
        CycleColors => app.color_mode = app.color_mode.next(),
        Export => {
            app.exported = Some(app.export_mark());
            let (text, jsonl) = export::build(app);
            fx.push(Effect::Export { text, jsonl });
        }
        ToggleHelp => {
            app.help_scroll = 0;
            app.overlay = Overlay::Help
        }
        HelpLineUp => help_layout::scroll_help(app, -1),
        HelpLineDown => help_layout::scroll_help(app, 1),
        HelpPageUp => help_layout::scroll_help(app, -HELP_PAGE),
        HelpPageDown => help_layout::scroll_help(app, HELP_PAGE),
        ToggleLoops => app.loop_panel = !app.loop_panel,
        SortLoopsByT => {
            app.loop_sort_by_t = !app.loop_sort_by_t;
            app.loop_panel = true;
        }
        OpenSweep => sweep_view::open(app, fx),
        ScoreText => scored::open(app),
        InspectBack | InspectWordBack | InspectWordForward if !app.paused && app.inspect.is_none() => {
            // Pausing first: the cursor opens on the newest character, which then stays put.
            app.paused = true;
            fx.push(Effect::Engine(Request::Pause));
            move_cursor(app, |pos, _, _| pos);
        }
        InspectBack => move_cursor(app, |pos, _, _| pos.saturating_sub(1)),
        InspectForward => move_cursor(app, |pos, _, _| pos + 1),
        InspectWordBack | InspectWordForward if app.inspect.is_none() => move_cursor(app, |pos, _, _| pos),
        InspectWordBack | InspectWordForward => {
            let to = cursor::word_target(app, action == InspectWordForward);
            move_cursor(app, |pos, _, _| to.unwrap_or(pos));
        }
        // Outside inspect, home/end scroll the text: the focused pane to its start, every pane back
        // to following its newest characters.
        InspectOldest if app.inspect.is_none() => app.panes[app.focus].view_anchor = Some(0),
        InspectNewest if app.inspect.is_none() => app.panes.iter_mut().for_each(|p| p.view_anchor = None),
        InspectOldest => move_cursor(app, |_, first, _| first),
        InspectNewest => move_cursor(app, |_, _, newest| newest),
        InspectLineUp => cursor::move_rows(app, -1, false),
        InspectLineDown => cursor::move_rows(app, 1, false),
        InspectPageUp | InspectPageDown => {
            let page = cursor::pane_area(app, app.focus).map_or(1, |a| a.height.max(1) as isize);
            cursor::move_rows(app, if action == InspectPageUp { -page } else { page }, true);
        }
        SelectUp => move_selection(app, -1),
        SelectDown => move_selection(app, 1),
        Branch => branch(app, fx),
        ToggleNeurons => neurons::apply(app, neurons::NeuronAction::Toggle),
        NextUnit => neurons::apply(app, neurons::NeuronAction::NextUnit),
        PrevUnit => neurons::apply(app, neurons::NeuronAction::PrevUnit),
        NextLayer => neurons::apply(app, neurons::NeuronAction::NextLayer),
        PrevLayer => neurons::apply(app, neurons::NeuronAction::PrevLayer),
        SwitchQuantity => neurons::apply(app, neurons::NeuronAction::SwitchQuantity),
        NextFeature => neurons::apply(app, neurons::NeuronAction::NextFeature),
        MarkSpan => neurons::apply(app, neurons::NeuronAction::MarkSpan),
        SwitchModel => model_switch::request(app, fx),
        TypeUnit => app.overlay = Overlay::UnitEdit { field: Field::new(""), error: None },
        Back if app.inspect.is_some() => leave_inspect(app),
        // Esc also closes things, so a second or third press must not lose the session.
        Back if app.has_unexported_text() => app.set_status(strings::MSG_ESC_KEEPS),
        Back | Quit => fx.push(Effect::Quit),
    }
}

/// Closes the inspect cursor; its pane, scrolled only to keep the cursor in view, follows its
/// newest text again.
fn leave_inspect(app: &mut App) {
    if let Some(ins) = app.inspect.take() {
        if let Some(p) = app.panes.get_mut(ins.pane) {
            p.view_anchor = None;
        }
    }
}

/// Rows `<`/`>` scroll the histogram by.
const HIST_SCROLL: usize = 5;

/// Moves the focused pane's chosen sampler setting a step; the engine uses it from the next
/// character, and the histogram re-tempers the newest one at once.
fn adjust(app: &mut App, up: bool, big: bool, fx: &mut Vec<Effect>) {
    let pane = app.focus;
    if app.panes[pane].scored.is_some() {
        return app.set_status(scored::READ_ONLY);
    }
    let knob = app.knob;
    let Some(settings) = knob.step(&app.panes[pane].settings, up, big) else {
        return app.set_status(format!("{} stays within {}", knob.name(), knob.range()));
    };
    app.panes[pane].settings = settings;
    fx.push(Effect::Engine(Request::Settings { pane, settings }));
}

/// Every pane to the next preset's settings, restarted from the prime.
fn next_preset(app: &mut App, fx: &mut Vec<Effect>) {
    if app.presets.is_empty() {
        return app.set_error("no presets configured ([[presets]] in the config)");
    }
    let i = app.preset.map_or(0, |i| (i + 1) % app.presets.len());
    app.preset = Some(i);
    let preset = app.presets[i].clone();
    let l = app.limits;
    // Scored panes stay, after the new generating ones, as far as room allows.
    let kept: Vec<super::PaneState> = app.panes.drain(..).filter(|p| p.scored.is_some()).collect();
    app.panes = preset
        .panes
        .iter()
        .take(MAX_PANES)
        .map(|s| super::PaneState::new(*s, l.history_chars, l.loops, l.metrics_window))
        .collect();
    let room = MAX_PANES - app.panes.len();
    app.panes.extend(kept.into_iter().take(room));
    app.focus = app.focus.min(app.panes.len() - 1);
    app.restart(fx);
    app.set_status(format!("preset {}/{}: {} (P for the next)", i + 1, app.presets.len(), preset.name));
}

fn change_speed(app: &mut App, factor: f32, fx: &mut Vec<Effect>) {
    let old = app.speed.chars_per_sec;
    app.speed.chars_per_sec = SPEED.clamp((old * factor).round());
    // Asking for a particular speed means leaving max speed.
    app.speed.max = false;
    if !app.paused {
        fx.push(Effect::Engine(Request::Run { chars_per_sec: app.speed.request_rate() }));
    }
    app.set_status(format!("speed {} ch/s per pane (range {}–{})", app.speed.chars_per_sec, SPEED.lo, SPEED.hi));
}

fn add_pane(app: &mut App, fx: &mut Vec<Effect>) {
    if app.panes.len() >= MAX_PANES {
        return app.set_error(format!("at most {MAX_PANES} panes"));
    }
    // A scored pane's settings are the model's own; a new pane copies the last generating one's.
    let from =
        if app.panes[app.focus].scored.is_some() { scored::live_panes(app).saturating_sub(1) } else { app.focus };
    let settings = app.panes[from].settings;
    let generation = app.generations.bump(Bump::Added);
    let l = app.limits;
    // The engine adds its stream last; here it goes before the scored panes, which are not streams.
    let at = scored::live_panes(app);
    app.panes.insert(at, super::PaneState::new(settings, l.history_chars, l.loops, l.metrics_window));
    app.inspect = None;
    app.focus = at;
    fx.push(Effect::Engine(Request::AddPane { generation, settings }));
}

fn remove_pane(app: &mut App, fx: &mut Vec<Effect>) {
    let pane = app.focus;
    if app.panes[pane].scored.is_some() {
        // Not an engine stream: nothing to tell the engine.
        app.panes.remove(pane);
        app.inspect = None;
        app.focus = pane.min(app.panes.len() - 1);
        return;
    }
    if scored::live_panes(app) <= 1 {
        return app.set_error("the last generating pane cannot be removed");
    }
    let generation = app.generations.bump(Bump::Removed(pane));
    app.panes.remove(pane);
    app.inspect = None;
    app.focus = pane.min(app.panes.len() - 1);
    fx.push(Effect::Engine(Request::RemovePane { generation, pane }));
}

/// Moves (or opens, at the newest character) the inspect cursor; `to(pos, oldest, newest)` gives
/// the new position, which is then kept within the pane's held text.
fn move_cursor(app: &mut App, to: impl Fn(u64, u64, u64) -> u64) {
    if !app.paused {
        return app.set_status(strings::HINT_INSPECT_PAUSED);
    }
    let p = &app.panes[app.focus];
    if p.total() == 0 {
        return app.set_status(strings::HINT_NOTHING_YET);
    }
    let (first, newest) = (p.first_pos(), p.total() - 1);
    let pos = match app.inspect {
        Some(ins) => to(ins.pos, first, newest).clamp(first, newest),
        None => newest,
    };
    app.inspect = Some(Inspect { pane: app.focus, pos, selected: app.default_selection(app.focus, pos) });
    cursor::reveal_cursor(app);
}

fn move_selection(app: &mut App, delta: isize) {
    let Some(ins) = app.inspect else { return };
    let rows = app.panes[ins.pane].get(ins.pos).map_or(0, |d| d.logits.len());
    if rows == 0 {
        return;
    }
    let selected = (ins.selected as isize + delta).clamp(0, rows as isize - 1) as usize;
    app.inspect = Some(Inspect { selected, ..ins });
}

fn branch(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(ins) = app.inspect else { return };
    if app.panes[ins.pane].scored.is_some() {
        return app.set_status("a scored pane is read-only: branch in a generating pane");
    }
    let Some(d) = app.panes[ins.pane].get(ins.pos) else { return };
    let id = d.top_ids(ins.selected + 1).get(ins.selected).copied().unwrap_or(d.id);
    let generation = app.generations.bump(Bump::Branched);
    fx.push(Effect::Engine(Request::Branch { generation, pane: ins.pane, pos: ins.pos, id }));
    let c = app.char_of(id);
    app.set_status(format!(
        "branching pane {} at char {} with {}",
        ins.pane + 1,
        thousands(ins.pos + 1),
        tempest_core::display::describe_char(c)
    ));
}
