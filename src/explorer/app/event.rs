//! What flows into `update` and what comes out of it.

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::explorer::worker::{Reply, Request};

/// Everything that can change the app's state. The runtime turns terminal input, engine replies
/// and finished side effects into these; nothing else mutates [`super::App`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Text pasted into the terminal (bracketed paste): it goes into an open editor as text and is
    /// never run as keystrokes.
    Paste(String),
    /// The terminal's size in columns and rows. The runtime sends one at start-up too, so that
    /// mouse clicks can be matched to panes with the same layout the drawing uses.
    Resize(u16, u16),
    Engine(Reply),
    /// The outcome of an [`Effect::Export`]: the directory or file written, or what went wrong.
    Exported(Result<PathBuf, String>),
    /// The text of the file an [`Effect::ReadText`] named, or why it could not be read.
    TextRead {
        path: String,
        text: Result<String, String>,
    },
    /// Progress or the result of the sweep started by [`Effect::StartSweep`].
    Sweep(super::sweep_view::SweepEvent),
    /// The outcome of an [`Effect::SwitchModel`]: the model loaded (and already handed to the
    /// engine), or why it could not be.
    ModelSwitched(Result<Box<super::model_switch::SwitchedModel>, String>),
}

/// What the runtime must do on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Engine(Request),
    /// Write both texts to files and answer with [`Event::Exported`]. `text` holds each pane as
    /// readable text; `jsonl` holds one JSON object per generated character.
    Export {
        text: String,
        jsonl: String,
    },
    /// Run this sweep on a job thread (never the UI's), reporting through [`Event::Sweep`] with
    /// `key`. A newer sweep cancels an older one still running.
    StartSweep {
        key: String,
        spec: Box<tempest_core::sweep::SweepSpec>,
    },
    /// Load the bundled model of this name, hand it to the engine and answer with
    /// [`Event::ModelSwitched`].
    SwitchModel(&'static str),
    /// Read this text file (within the core's size cap for texts to score) and answer with
    /// [`Event::TextRead`]; it becomes a scored pane.
    ReadText {
        path: String,
    },
    Quit,
}
