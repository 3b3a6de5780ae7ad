//! libtorch's OpenMP threads (libgomp) spin while they wait for work. On a busy machine a spinning
//! thread takes the core another thread of the same run needs, and `tempest train` with two
//! threads ran 6–16× slower than with one (README, "Threads under load"). A passive wait policy
//! makes waiting threads sleep instead.
//!
//! libgomp reads `OMP_WAIT_POLICY` once, in its constructor, when the dynamic loader maps it —
//! before `main` — so setting the variable in `main` is too late (measured: no effect). For the
//! commands that train, `main` therefore re-runs the binary with the variable set, unless the user
//! set it (then their choice stands, e.g. `OMP_WAIT_POLICY=active`).

use std::ffi::OsString;

/// The variable libgomp reads, and the value tempest chooses when it is unset.
pub const WAIT_POLICY: &str = "OMP_WAIT_POLICY";
pub const PASSIVE: &str = "passive";

/// Whether these arguments (argv without argv[0]) run a command that trains with libtorch's
/// threads.
pub fn trains(args: &[OsString]) -> bool {
    args.first().is_some_and(|a| a == "train")
}

/// For a training command with no wait policy chosen: sets the passive policy and replaces this
/// process by a fresh run of the same binary with the same arguments. Returns (and the run goes on
/// as it is) when there is nothing to do or the re-run cannot start.
pub fn ensure_passive_wait() {
    let args: Vec<OsString> = std::env::args_os().collect();
    if !trains(args.get(1..).unwrap_or_default()) || std::env::var_os(WAIT_POLICY).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    use std::os::unix::process::CommandExt;
    // `exec` returns only if the new run could not start; this one then trains as before.
    let _ = std::process::Command::new(exe).arg0(&args[0]).args(&args[1..]).env(WAIT_POLICY, PASSIVE).exec();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_training_is_re_run() {
        let a = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(trains(&a(&["train", "--corpus", "x.txt"])));
        assert!(!trains(&a(&["sample", "--prime", "train"])));
        assert!(!trains(&a(&["--model", "train"])));
        assert!(!trains(&a(&[])));
    }
}
