//! Taking over the terminal and always giving it back.
//!
//! Restoring happens in two places, so that every way out leaves a usable shell: the guard's
//! `Drop` (normal quit, signals and `?` errors) and the panic hook (a panic in the UI thread,
//! printed after the terminal is back so it is readable). An atomic flag makes the restore run
//! once, whichever comes first.

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::explorer::worker::worker::THREAD_NAME as ENGINE_THREAD;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// True while the terminal is in raw mode on the alternate screen.
static TAKEN: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// The terminal in raw mode, on the alternate screen, with mouse capture; restored on drop.
pub struct Tui {
    pub terminal: Term,
}

impl Tui {
    pub fn enter() -> io::Result<Tui> {
        install_panic_hook();
        // Mark first: if entering fails half-way, the restore below undoes what was done.
        TAKEN.store(true, Ordering::SeqCst);
        let taken = (|| -> io::Result<Term> {
            enable_raw_mode()?;
            // Bracketed paste: a paste arrives as one text event, not as keystrokes that would run
            // commands.
            execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, EnableBracketedPaste)?;
            let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
            terminal.hide_cursor()?;
            terminal.clear()?;
            Ok(terminal)
        })();
        match taken {
            Ok(terminal) => Ok(Tui { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // ratatui shows the cursor when the `Terminal` drops if it hid it; doing it here first
        // keeps "leave the alternate screen" the last thing written.
        let _ = self.terminal.show_cursor();
        restore();
    }
}

/// Puts the terminal back as the shell expects it. Safe to call at any time, any number of times.
pub fn restore() {
    if TAKEN.swap(false, Ordering::SeqCst) {
        // Best effort: on a closed terminal (SIGHUP) these fail, and there is nothing to restore.
        let _ = disable_raw_mode();
        let _ = execute!(io::stdout(), DisableBracketedPaste, DisableMouseCapture, Show, LeaveAlternateScreen);
    }
}

/// Restores the terminal before the default hook prints a panic, so the message lands on the
/// normal screen instead of vanishing with the alternate one.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The engine thread catches its own panics and reports them as `Reply::Error`, which
            // the app shows; printing here would scribble over the screen it keeps running on.
            if std::thread::current().name() == Some(ENGINE_THREAD) {
                return;
            }
            restore();
            previous(info);
        }));
    });
}
