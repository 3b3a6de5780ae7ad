//! The key map: ONE table of rows, each binding keys to actions, with the text the `?` help, the
//! hint bar and the README show for them. `action_for`, the help overlay and the hint bar all read
//! [`KEYMAP`]; tests check that every action is bound, that no key is ambiguous, that each row's
//! label names exactly its keys, and that the README's key table is the one rendered from here.
//!
//! To add a key: add the [`Action`] variant (and to `Action::ALL`), then one [`Row`] here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::{has_ctrl_or_alt, is_ctrl_c, Action, Mode};

/// One physical key. Character keys never carry Shift (terminals differ in reporting it for `+`,
/// `?` or `K`, so `K` is simply `ch('K')`); other keys may require it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub shift: bool,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key { code: KeyCode::Char(c), shift: false, ctrl: false }
}
const fn key(code: KeyCode) -> Key {
    Key { code, shift: false, ctrl: false }
}
const fn shift(code: KeyCode) -> Key {
    Key { code, shift: true, ctrl: false }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), shift: false, ctrl: true }
}

/// Where a binding or a hint applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    In(&'static [Mode]),
}

impl When {
    pub fn holds(self, mode: Mode) -> bool {
        match self {
            When::Always => true,
            When::In(modes) => modes.contains(&mode),
        }
    }
}

/// Keys that trigger one action. A binding limited to some modes wins over an `Always` one for the
/// same key, so ↑ can mean "temperature" normally and "pick" while inspecting.
#[derive(Debug, Clone, Copy)]
pub struct Bind {
    pub action: Action,
    pub keys: &'static [Key],
    pub when: When,
}

/// Which focused pane a hint is for: a read-only scored pane takes no sampler settings, cannot
/// branch and does not step, so the keys for those are not offered there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    AnyPane,
    Generating,
    Scored,
}

/// One entry of the hint bar. The bar shows the hints whose `when` holds and that are `for` the
/// focused pane, lowest `rank` first, and cuts them off from the right when space is short.
#[derive(Debug, Clone, Copy)]
pub struct Hint {
    pub keys: &'static str,
    pub text: &'static str,
    pub when: When,
    pub rank: u8,
    pub panes: For,
}

/// One line of the help overlay and of the README's key table, and the bindings behind it.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The keys as the help shows them. Space- and `/`-separated names, exactly those of `bind`
    /// (a test checks; see [`key_name`]); a `shift-` prefix applies to every `/` part.
    pub keys: &'static str,
    /// Short, for the help overlay.
    pub help: &'static str,
    /// Longer, for the README's key table.
    pub doc: &'static str,
    pub bind: &'static [Bind],
    pub hints: &'static [Hint],
}

const fn bind(action: Action, keys: &'static [Key]) -> Bind {
    Bind { action, keys, when: When::Always }
}
const fn bind_in(action: Action, keys: &'static [Key], modes: &'static [Mode]) -> Bind {
    Bind { action, keys, when: When::In(modes) }
}
const fn hint_in(keys: &'static str, text: &'static str, rank: u8, modes: &'static [Mode]) -> Hint {
    Hint { keys, text, when: When::In(modes), rank, panes: For::AnyPane }
}
/// A hint only while a generating pane is focused.
const fn gen_hint(keys: &'static str, text: &'static str, rank: u8, modes: &'static [Mode]) -> Hint {
    Hint { panes: For::Generating, ..hint_in(keys, text, rank, modes) }
}
/// A hint only while a scored pane is focused.
const fn scored_hint(keys: &'static str, text: &'static str, rank: u8, modes: &'static [Mode]) -> Hint {
    Hint { panes: For::Scored, ..hint_in(keys, text, rank, modes) }
}

/// The main screen, not inspecting: running or paused.
const NORMAL: &[Mode] = &[Mode::Running, Mode::Paused];
const RUNNING: &[Mode] = &[Mode::Running];
const INSPECT: &[Mode] = &[Mode::Inspect];
/// Paused, whether or not inspecting: where stepping works and space resumes.
const STOPPED: &[Mode] = &[Mode::Paused, Mode::Inspect];
/// The main screen in any of its modes.
const MAIN: &[Mode] = &[Mode::Running, Mode::Paused, Mode::Inspect];
const HELP: &[Mode] = &[Mode::Help];

use Action::*;
use KeyCode::{BackTab, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};

/// The hint for ↑/↓; the hint bar shows the chosen knob's name in its place.
pub const ADJUST_HINT: &str = "T";

/// The key of the help, which the hint bar keeps in sight when it has no room for every hint.
pub const HELP_KEY: &str = "?";

/// Every key binding, in the order the help and the README list them.
pub const KEYMAP: &[Row] = &[
    Row {
        keys: "←/→ h/l tab/shift-tab",
        help: "focus the previous/next pane",
        doc: "focus the previous/next pane (a left click also focuses a pane)",
        bind: &[
            bind(FocusPrev, &[key(Left), ch('h'), key(BackTab)]),
            bind(FocusNext, &[key(Right), ch('l'), key(Tab)]),
        ],
        hints: &[hint_in("←/→", "focus", 0, NORMAL)],
    },
    Row {
        keys: "↑/↓ k/j",
        help: "raise/lower the chosen setting (T ±0.05)",
        doc: "raise/lower the focused pane's chosen sampler setting (see `t`): temperature ±0.05 in [0, 5] \
              (0 = argmax), or the next top-k / top-p / min-p / repetition-penalty step; it applies from the \
              next character and the histogram re-draws at once, even while paused",
        bind: &[bind(TempUp, &[key(Up), ch('k')]), bind(TempDown, &[key(Down), ch('j')])],
        hints: &[gen_hint("↑/↓", ADJUST_HINT, 1, NORMAL)],
    },
    Row {
        keys: "shift-↑/↓ pgup/pgdn K/J",
        help: "the same, bigger steps (T ±0.25)",
        doc: "the same in bigger steps: temperature ±0.25, three steps of the others (while inspecting, \
              pgup/pgdn move the cursor a page instead)",
        bind: &[
            bind(TempUpBig, &[shift(Up), key(PageUp), ch('K')]),
            bind(TempDownBig, &[shift(Down), key(PageDown), ch('J')]),
        ],
        hints: &[],
    },
    Row {
        keys: "space",
        help: "pause / resume",
        doc: "pause / resume",
        bind: &[bind(TogglePause, &[ch(' ')])],
        hints: &[hint_in("space", "pause", 2, RUNNING), hint_in("space", "resume", 3, STOPPED)],
    },
    Row {
        keys: ". n",
        help: "step one character (paused)",
        doc: "step one character (while paused)",
        bind: &[bind(Step, &[ch('.'), ch('n')])],
        hints: &[gen_hint(".", "step", 2, STOPPED)],
    },
    Row {
        keys: "[ ]",
        help: "inspect: cursor back/forward ([ pauses first)",
        doc: "inspect: move a cursor back/forward a character through the focused pane's text; `[` while \
              running pauses and opens it on the newest character; the histogram shows that character's \
              distribution as it was drawn",
        bind: &[bind(InspectBack, &[ch('[')]), bind(InspectForward, &[ch(']')])],
        hints: &[hint_in("[", "inspect", 4, NORMAL), hint_in("[/]", "char", 0, INSPECT)],
    },
    Row {
        keys: "b w",
        help: "inspect: cursor back/forward a word",
        doc: "inspect: move the cursor to the previous / next word's start (like `[`, opens inspect first)",
        bind: &[bind(InspectWordBack, &[ch('b')]), bind(InspectWordForward, &[ch('w')])],
        hints: &[hint_in("b/w", "word", 5, INSPECT)],
    },
    Row {
        keys: "↑/↓ k/j",
        help: "inspect: cursor up/down a line",
        doc: "inspect: move the cursor up/down a row of the pane's text, keeping its column",
        bind: &[
            bind_in(InspectLineUp, &[key(Up), ch('k')], INSPECT),
            bind_in(InspectLineDown, &[key(Down), ch('j')], INSPECT),
        ],
        hints: &[hint_in("↑/↓", "line", 1, INSPECT)],
    },
    Row {
        keys: "pgup/pgdn",
        help: "inspect: cursor and text a page up/down",
        doc: "inspect: scroll the pane's text a page up/down, the cursor keeping its place on screen",
        bind: &[
            bind_in(InspectPageUp, &[key(PageUp)], INSPECT),
            bind_in(InspectPageDown, &[key(PageDown)], INSPECT),
        ],
        hints: &[],
    },
    Row {
        keys: "home end",
        help: "oldest / newest (inspect), else scroll text",
        doc: "inspect: move the cursor to the oldest / newest character kept; otherwise scroll the focused \
              pane's text back to its start / return every pane to following its newest text",
        bind: &[bind(InspectOldest, &[key(Home)]), bind(InspectNewest, &[key(End)])],
        hints: &[],
    },
    Row {
        keys: "enter",
        help: "inspect: branch with the picked character",
        doc: "inspect: branch: the pane rewinds to the cursor and continues from the character picked in the \
              histogram (at first the one drawn)",
        bind: &[bind_in(Branch, &[key(Enter)], INSPECT)],
        hints: &[gen_hint("enter", "branch", 2, INSPECT)],
    },
    Row {
        keys: "r",
        help: "restart all panes from the prime",
        doc: "restart all panes from the prime text",
        bind: &[bind(Reset, &[ch('r')])],
        hints: &[],
    },
    Row {
        keys: "p",
        help: "edit the prime text",
        doc: "edit the prime text inline (Enter applies, Alt-Enter or Ctrl-J adds a newline, Ctrl-U clears, \
              Esc cancels); a character the model does not know is flagged at once",
        bind: &[bind(EditPrime, &[ch('p')])],
        hints: &[],
    },
    Row {
        keys: "s",
        help: "show / set the seed",
        doc: "show or set the seed (Enter restarts with it)",
        bind: &[bind(EditSeed, &[ch('s')])],
        hints: &[],
    },
    Row {
        keys: "c",
        help: "coupled sampling on/off",
        doc: "coupled sampling on/off (one shared uniform number per step, so panes differ by their sampler settings alone)",
        bind: &[bind(ToggleCoupled, &[ch('c')])],
        hints: &[],
    },
    Row {
        keys: "+/= -/_",
        help: "speed ×1.5 / ÷1.5",
        doc: "speed ×1.5 / ÷1.5, within [1, 2000] characters/s per pane",
        bind: &[bind(SpeedUp, &[ch('+'), ch('=')]), bind(SpeedDown, &[ch('-'), ch('_')])],
        hints: &[],
    },
    Row {
        keys: "m",
        help: "max speed on/off",
        doc: "max speed on/off",
        bind: &[bind(ToggleMaxSpeed, &[ch('m')])],
        hints: &[],
    },
    Row {
        keys: "a x",
        help: "add a pane / remove the focused one",
        doc: "add a pane (up to 6; it copies the focused pane's settings) / remove the focused pane",
        bind: &[bind(AddPane, &[ch('a')]), bind(RemovePane, &[ch('x')])],
        hints: &[scored_hint("x", "remove", 4, NORMAL)],
    },
    Row {
        keys: "g",
        help: "colour text: off / rank / probability",
        doc: "colour each character by its probability: off → GLTR rank buckets (top 1 / 3 / 10 / rest, or \
              1 / 10 / 100 / rest above 256 characters) → p-scale, with a legend",
        bind: &[bind(CycleColors, &[ch('g')])],
        hints: &[scored_hint("g", "rank colours", 1, NORMAL)],
    },
    Row {
        keys: "e",
        help: "export the text and per-char JSONL",
        doc: "export every pane's text and per-character JSONL to `tempest-export-<UTC time, e.g. 2026-11-29T15-04-05>.{txt,jsonl}` in the \
              current folder",
        bind: &[bind(Export, &[ch('e')])],
        hints: &[],
    },
    Row {
        keys: "u",
        help: "neuron view: colour by one unit",
        doc: "neuron view on/off: colour the focused pane's text by one unit's activation (blue negative, red \
              positive, with a legend), and list the units most active at the inspect cursor",
        bind: &[bind(ToggleNeurons, &[ch('u')])],
        hints: &[],
    },
    Row {
        keys: "( ) { } ~ #",
        help: "neuron: unit −/+, layer −/+, c↔h, type a unit",
        doc: "neuron view: previous/next unit, previous/next layer, switch between the cell state c and the \
              output h (LSTM), type a unit number",
        bind: &[
            bind(PrevUnit, &[ch('(')]),
            bind(NextUnit, &[ch(')')]),
            bind(PrevLayer, &[ch('{')]),
            bind(NextLayer, &[ch('}')]),
            bind(SwitchQuantity, &[ch('~')]),
            bind(TypeUnit, &[ch('#')]),
        ],
        hints: &[],
    },
    Row {
        keys: "f",
        help: "neuron: best unit for the next feature",
        doc: "neuron view: jump to the unit that best tracks the next built-in feature (quotes, line position, \
              bracket depth, word start, speaker line, indentation) over the text held",
        bind: &[bind(NextFeature, &[ch('f')])],
        hints: &[],
    },
    Row {
        keys: "L",
        help: "loop panel: every pane's loops",
        doc: "show the loop panel in place of the histogram: for every pane the share of characters in \
              loops, exact and near-loops found, first onset, longest period and current state, then the \
              focused pane's loops (kept after the text breaks out)",
        bind: &[bind(ToggleLoops, &[ch('L')])],
        hints: &[],
    },
    Row {
        keys: "T",
        help: "loop panel: sort panes by T",
        doc: "in the loop panel, list the panes by temperature (again: in pane order)",
        bind: &[bind(SortLoopsByT, &[ch('T')])],
        hints: &[],
    },
    Row {
        keys: "S",
        help: "temperature sweep screen",
        doc: "open the sweep screen: 21 temperatures × 3 samplers × 4 seeds × 1,000 characters from the \
              prime, measured and drawn against T (←/→ metric, r re-run, Esc back); runs in the \
              background and is kept for the session",
        bind: &[bind(OpenSweep, &[ch('S')])],
        hints: &[],
    },
    Row {
        keys: "t",
        help: "choose what ↑/↓ adjusts: T, top-k, top-p, min-p, rep",
        doc: "choose which sampler setting ↑/↓ adjusts: temperature → top-k → top-p → min-p → repetition \
              penalty; the focused pane's title marks it (▸) and the hint bar names it",
        bind: &[bind(CycleKnob, &[ch('t')])],
        hints: &[gen_hint("t", "setting", 2, NORMAL)],
    },
    Row {
        keys: "P",
        help: "next preset (e.g. same high T, three samplers)",
        doc: "switch all panes to the next preset from the config (built in: three temperatures; the same \
              high T plain, with top-p 0.9 and with min-p 0.1; low T with and without a repetition penalty) \
              and restart them from the prime",
        bind: &[bind(NextPreset, &[ch('P')])],
        hints: &[],
    },
    Row {
        keys: "M",
        help: "switch model: shakespeare ↔ rust",
        doc: "switch to the next bundled model (shakespeare → rust → shakespeare; from a model file, the first): \
              it loads in the background (the status bar says so; the old model keeps running and every key \
              works; `M` again meanwhile is ignored), then every pane restarts with that model's own prime and \
              temperatures (your config file and the other flags still apply, a pause holds); the status bar names \
              the model and its validation loss; a model that fails to load leaves the old one running",
        bind: &[bind(SwitchModel, &[ch('M')])],
        hints: &[],
    },
    Row {
        keys: "v",
        help: "histogram: linear / log scale",
        doc: "histogram bars by probability or by log₂ probability, so rows at low T carry information",
        bind: &[bind(ToggleLogScale, &[ch('v')])],
        hints: &[],
    },
    Row {
        keys: "< >",
        help: "histogram: scroll (inspect: pick a row)",
        doc: "scroll the histogram through the whole vocabulary; while inspecting, pick the row above / \
              below (the histogram follows the pick) for `enter` to branch with",
        bind: &[
            bind(HistScrollUp, &[ch('<')]),
            bind(HistScrollDown, &[ch('>')]),
            bind_in(SelectUp, &[ch('<')], INSPECT),
            bind_in(SelectDown, &[ch('>')], INSPECT),
        ],
        hints: &[gen_hint("</>", "pick", 5, INSPECT), scored_hint("</>", "row", 5, INSPECT)],
    },
    Row {
        keys: "click",
        help: "text: pause and inspect it; row: pick",
        doc: "left click on a character in a pane: focus it, pause and inspect that character (the \
              histogram shows its distribution as drawn, the strip below it its top 5); on a histogram \
              row: pick that row (inspecting the newest character if need be); elsewhere in a pane: focus it",
        bind: &[],
        hints: &[],
    },
    Row {
        keys: "wheel",
        help: "scroll a pane's text; over the histogram: < >",
        doc: "mouse wheel over a pane: scroll its text (a pane scrolled back stays put while text arrives, \
              until scrolled down again or `end`); over the histogram: as `<` / `>`; over the help: scroll it",
        bind: &[],
        hints: &[],
    },
    Row {
        keys: "V",
        help: "inspect: mark a span, find its units",
        doc: "inspect: mark one end of a span, move the cursor, press again: units are ranked by how well they \
              separate the span from the rest (AUC), the best colours the text, and the places where the top \
              three light up together are underlined; a third press clears",
        bind: &[bind(MarkSpan, &[ch('V')])],
        hints: &[],
    },
    Row {
        keys: "o",
        help: "score a text file (or the prime) in a new pane",
        doc: "score a text: type a file's path (empty: the prime) and the model reads it on the engine thread \
              into a new read-only pane, each character ranked under the model's own distribution where it \
              stood (GLTR for character models: `g` colours by rank, `[` inspects, `e` exports it; `x` \
              removes it). Unknown characters are skipped and named; at most `history.chars` characters",
        bind: &[bind(ScoreText, &[ch('o')])],
        hints: &[],
    },
    Row {
        keys: "?",
        help: "this help",
        doc: "this help, with what every figure in the titles means (↑/↓ scroll, ? or Esc closes it; any other \
              key closes it and acts)",
        bind: &[bind(ToggleHelp, &[ch('?')])],
        hints: &[hint_in(HELP_KEY, "help", 5, MAIN), hint_in("?/esc", "close", 1, HELP)],
    },
    Row {
        keys: "↑/↓ k/j pgup/pgdn",
        help: "help: scroll a line / a page",
        doc: "in this help: scroll it a line / a page (it stops at its last line)",
        bind: &[
            bind_in(HelpLineUp, &[key(Up), ch('k')], HELP),
            bind_in(HelpLineDown, &[key(Down), ch('j')], HELP),
            bind_in(HelpPageUp, &[key(PageUp)], HELP),
            bind_in(HelpPageDown, &[key(PageDown)], HELP),
        ],
        hints: &[hint_in("↑/↓", "scroll", 0, HELP)],
    },
    Row {
        keys: "esc",
        help: "close / leave inspect (quit if all exported)",
        doc: "close the overlay, else leave inspect, else quit; while some generated text has not been exported \
              Esc does not quit (it says so: `q` quits, `e` exports), so closing things with Esc never ends the \
              session",
        bind: &[bind(Back, &[key(Esc)])],
        hints: &[hint_in("esc", "leave", 4, INSPECT)],
    },
    Row {
        keys: "q ctrl-c",
        help: "quit",
        doc: "quit",
        bind: &[bind(Quit, &[ch('q'), ctrl('c')])],
        hints: &[hint_in("q", "quit", 6, NORMAL)],
    },
];

/// Hints of the overlays whose keys their own code reads (the editors in `edit.rs`, the sweep
/// screen in `sweep_view.rs`); those of the main screen and of the help come from [`KEYMAP`].
pub const OVERLAY_HINTS: &[Hint] = &[
    hint_in("enter", "apply", 0, &[Mode::PrimeEditor]),
    hint_in("esc", "cancel", 1, &[Mode::PrimeEditor]),
    hint_in("alt-enter", "newline", 2, &[Mode::PrimeEditor]),
    hint_in("ctrl-d", "drop unknown", 3, &[Mode::PrimeEditor]),
    hint_in("←/→ ↑/↓", "move", 4, &[Mode::PrimeEditor]),
    hint_in("0-9", "digits", 0, &[Mode::SeedEditor]),
    hint_in("enter", "restart with it", 1, &[Mode::SeedEditor]),
    hint_in("esc", "cancel", 2, &[Mode::SeedEditor]),
    hint_in("0-9", "digits", 0, &[Mode::UnitEditor]),
    hint_in("enter", "show that unit", 1, &[Mode::UnitEditor]),
    hint_in("esc", "cancel", 2, &[Mode::UnitEditor]),
    hint_in("ctrl-u", "clear", 5, &[Mode::PrimeEditor, Mode::SeedEditor, Mode::UnitEditor, Mode::ScoreEditor]),
    hint_in("enter", "score", 0, &[Mode::ScoreEditor]),
    hint_in("esc", "cancel", 1, &[Mode::ScoreEditor]),
    hint_in("←/→", "move", 2, &[Mode::ScoreEditor]),
    hint_in("←/→", "metric", 0, &[Mode::Sweep]),
    hint_in("r", "re-run", 1, &[Mode::Sweep]),
    hint_in("esc", "back", 2, &[Mode::Sweep]),
    // Any key the help does not bind closes it and then does what it always does.
    hint_in("other keys", "close and act", 2, &[Mode::Help]),
];

/// The key a terminal event stands for in the table, or `None` for chords the explorer does not
/// bind (Alt, or Control with anything but `c`). AltGr (reported as Control+Alt) types characters.
fn normalize(ev: &KeyEvent) -> Option<Key> {
    if is_ctrl_c(ev) {
        return Some(ctrl('c'));
    }
    if has_ctrl_or_alt(ev) {
        return None;
    }
    let shift = ev.modifiers.contains(KeyModifiers::SHIFT) && !matches!(ev.code, KeyCode::Char(_));
    Some(Key { code: ev.code, shift, ctrl: false })
}

/// The binding of `k` in `mode`: a mode-limited binding first, then an `Always` one.
fn lookup(k: Key, mode: Mode) -> Option<Action> {
    let binds = || KEYMAP.iter().flat_map(|r| r.bind).filter(|b| b.when.holds(mode) && b.keys.contains(&k));
    binds().find(|b| b.when != When::Always).or_else(|| binds().next()).map(|b| b.action)
}

/// The action a key press stands for in `mode`. Shift on a non-character key falls back to the
/// unshifted binding (Shift-← still moves focus) unless the shifted key has its own.
pub fn action_for(ev: &KeyEvent, mode: Mode) -> Option<Action> {
    let k = normalize(ev)?;
    lookup(k, mode).or_else(|| if k.shift { lookup(Key { shift: false, ..k }, mode) } else { None })
}

/// The hint bar's entries for `mode`, most useful first, for a focused pane that is `scored` or
/// generates.
pub fn hints(mode: Mode, scored: bool) -> Vec<&'static Hint> {
    let for_pane = |h: &&Hint| match h.panes {
        For::AnyPane => true,
        For::Generating => !scored,
        For::Scored => scored,
    };
    let mut h: Vec<_> = KEYMAP
        .iter()
        .flat_map(|r| r.hints)
        .chain(OVERLAY_HINTS)
        .filter(|h| h.when.holds(mode))
        .filter(for_pane)
        .collect();
    h.sort_by_key(|h| h.rank);
    h
}

/// The name of a key as row labels spell it.
pub fn key_name(k: Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        Left => "←".into(),
        Right => "→".into(),
        Up => "↑".into(),
        Down => "↓".into(),
        Tab => "tab".into(),
        BackTab => "shift-tab".into(),
        PageUp => "pgup".into(),
        PageDown => "pgdn".into(),
        Home => "home".into(),
        End => "end".into(),
        Enter => "enter".into(),
        Esc => "esc".into(),
        other => format!("{other:?}").to_lowercase(),
    };
    match (k.ctrl, k.shift) {
        (true, _) => format!("ctrl-{base}"),
        (_, true) => format!("shift-{base}"),
        _ => base,
    }
}

/// The README's key table as rendered from [`KEYMAP`] (a test keeps the README equal to it).
pub fn readme_table() -> String {
    let mut s = String::from("| key | action |\n|---|---|\n");
    for r in KEYMAP {
        s += &format!("| `{}` | {} |\n", r.keys, r.doc);
    }
    s
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    const MODES: [Mode; 4] = [Mode::Running, Mode::Paused, Mode::Inspect, Mode::Help];

    #[test]
    fn every_action_is_bound_and_reachable() {
        for a in Action::ALL {
            let reachable = KEYMAP.iter().flat_map(|r| r.bind).filter(|b| b.action == *a).any(|b| {
                b.keys.iter().any(|k| {
                    let m = if k.ctrl {
                        KeyModifiers::CONTROL
                    } else if k.shift {
                        KeyModifiers::SHIFT
                    } else {
                        KeyModifiers::NONE
                    };
                    MODES.iter().any(|&mode| action_for(&ev(k.code, m), mode) == Some(*a))
                })
            });
            assert!(reachable, "{a:?} has no key that reaches it");
        }
    }

    #[test]
    fn no_key_is_bound_twice_at_the_same_level() {
        for mode in MODES {
            let mut seen = HashSet::new();
            for b in KEYMAP.iter().flat_map(|r| r.bind).filter(|b| b.when.holds(mode)) {
                for k in b.keys {
                    let level = b.when == When::Always;
                    assert!(seen.insert((format!("{k:?}"), level)), "{k:?} bound twice in {mode:?}");
                }
            }
        }
    }

    /// "shift-↑/↓ pgup/pgdn K/J" → shift-↑, shift-↓, pgup, pgdn, K, J.
    fn label_names(label: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for word in label.split(' ') {
            let (prefix, rest) = match word.strip_prefix("shift-") {
                Some(rest) if rest != "tab" => ("shift-", rest),
                _ => ("", word),
            };
            // `tab/shift-tab` keeps its own prefix per part.
            for part in rest.split('/').filter(|p| !p.is_empty()) {
                out.insert(if part.starts_with("shift-") { part.to_string() } else { format!("{prefix}{part}") });
            }
        }
        out
    }

    #[test]
    fn each_label_names_exactly_its_keys() {
        for r in KEYMAP.iter().filter(|r| !r.bind.is_empty()) {
            let bound: BTreeSet<String> = r.bind.iter().flat_map(|b| b.keys).map(|k| key_name(*k)).collect();
            assert_eq!(label_names(r.keys), bound, "row {:?}", r.keys);
        }
    }

    #[test]
    fn arrows_mean_temperature_or_selection_by_mode() {
        let up = ev(Up, KeyModifiers::NONE);
        assert_eq!(action_for(&up, Mode::Running), Some(TempUp));
        assert_eq!(action_for(&up, Mode::Inspect), Some(InspectLineUp));
        assert_eq!(action_for(&ev(PageUp, KeyModifiers::NONE), Mode::Paused), Some(TempUpBig));
        assert_eq!(action_for(&ev(PageUp, KeyModifiers::NONE), Mode::Inspect), Some(InspectPageUp));
        assert_eq!(action_for(&ev(KeyCode::Char('<'), KeyModifiers::NONE), Mode::Running), Some(HistScrollUp));
        assert_eq!(action_for(&ev(KeyCode::Char('>'), KeyModifiers::NONE), Mode::Inspect), Some(SelectDown));
        let shift_up = ev(Up, KeyModifiers::SHIFT);
        assert_eq!(action_for(&shift_up, Mode::Running), Some(TempUpBig));
        assert_eq!(action_for(&shift_up, Mode::Inspect), Some(TempUpBig));
        assert_eq!(action_for(&ev(Left, KeyModifiers::SHIFT), Mode::Running), Some(FocusPrev));
        assert_eq!(action_for(&ev(BackTab, KeyModifiers::SHIFT), Mode::Running), Some(FocusPrev));
        assert_eq!(action_for(&ev(Enter, KeyModifiers::NONE), Mode::Running), None);
        assert_eq!(action_for(&ev(Enter, KeyModifiers::NONE), Mode::Inspect), Some(Branch));
        // Shift reported with a character key does not change its meaning.
        assert_eq!(action_for(&ev(KeyCode::Char('+'), KeyModifiers::SHIFT), Mode::Running), Some(SpeedUp));
        assert_eq!(action_for(&ev(KeyCode::Char('K'), KeyModifiers::SHIFT), Mode::Running), Some(TempUpBig));
        assert_eq!(action_for(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL), Mode::Inspect), Some(Quit));
        assert_eq!(action_for(&ev(KeyCode::Char('r'), KeyModifiers::ALT), Mode::Running), None);
        assert_eq!(action_for(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL), Mode::Running), None);
        let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
        assert_eq!(action_for(&ev(KeyCode::Char('['), altgr), Mode::Running), Some(InspectBack));
    }

    #[test]
    fn hints_follow_the_mode_in_rank_order() {
        let named = |m, scored| hints(m, scored).iter().map(|h| format!("{} {}", h.keys, h.text)).collect::<Vec<_>>();
        let names = |m| named(m, false);
        assert_eq!(
            names(Mode::Running),
            ["←/→ focus", "↑/↓ T", "space pause", "t setting", "[ inspect", "? help", "q quit"]
        );
        assert_eq!(
            names(Mode::Paused),
            ["←/→ focus", "↑/↓ T", ". step", "t setting", "space resume", "[ inspect", "? help", "q quit"]
        );
        assert_eq!(
            names(Mode::Inspect),
            [
                "[/] char",
                "↑/↓ line",
                ". step",
                "enter branch",
                "space resume",
                "esc leave",
                "b/w word",
                "</> pick",
                "? help"
            ]
        );
        assert_eq!(
            names(Mode::PrimeEditor),
            ["enter apply", "esc cancel", "alt-enter newline", "ctrl-d drop unknown", "←/→ ↑/↓ move", "ctrl-u clear"]
        );
        assert_eq!(names(Mode::SeedEditor), ["0-9 digits", "enter restart with it", "esc cancel", "ctrl-u clear"]);
        assert_eq!(names(Mode::Sweep), ["←/→ metric", "r re-run", "esc back"]);
        assert_eq!(names(Mode::Help), ["↑/↓ scroll", "?/esc close", "other keys close and act"]);
        // A scored pane takes no settings, does not step and cannot branch: no hints for those.
        assert_eq!(
            named(Mode::Paused, true),
            ["←/→ focus", "g rank colours", "space resume", "[ inspect", "x remove", "? help", "q quit"]
        );
        assert_eq!(
            named(Mode::Inspect, true),
            ["[/] char", "↑/↓ line", "space resume", "esc leave", "b/w word", "</> row", "? help"]
        );
        assert_eq!(named(Mode::Help, true), names(Mode::Help));
    }

    /// Every mode has hints, and every hinted key of the main screen is bound there (a hint must
    /// never name a key that does nothing).
    #[test]
    fn every_mode_has_hints_and_main_hints_name_bound_keys() {
        for mode in Mode::ALL {
            assert!(!hints(mode, false).is_empty() && !hints(mode, true).is_empty(), "{mode:?} has no hints");
        }
        for mode in MODES {
            for h in KEYMAP.iter().flat_map(|r| r.hints).filter(|h| h.when.holds(mode)) {
                let first = h.keys.split(['/', ' ']).next().unwrap();
                let bound = KEYMAP
                    .iter()
                    .flat_map(|r| r.bind)
                    .filter(|b| b.when.holds(mode))
                    .flat_map(|b| b.keys)
                    .any(|k| key_name(*k) == first);
                assert!(bound, "{mode:?}: hint {:?} names a key not bound in that mode", h.keys);
            }
        }
    }

    #[test]
    fn readme_key_table_matches_the_keymap() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let start = readme.find("| key | action |").expect("README has a `| key | action |` table");
        let table: String =
            readme[start..].lines().take_while(|l| l.starts_with('|')).map(|l| format!("{l}\n")).collect();
        assert!(
            table == readme_table(),
            "README's key table differs from the keymap; replace it with:\n\n{}",
            readme_table()
        );
    }
}
