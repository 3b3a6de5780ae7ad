//! Every range a setting must fall in, in one place: the sampler, the seed, the loop detector, the
//! metrics, and the explorer's panes, speed and history. The sampler's and detector's `validate`,
//! the explorer's config validation, its keys and dialogs, and the command-line parsers all read
//! these constants, so a limit changes in one line and every check and message follows.

use std::fmt::{self, Display};

/// An interval, open or closed at either end, shown as people read it: `[0, 5]`, `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit<T> {
    /// The lower end.
    pub lo: T,
    /// The upper end.
    pub hi: T,
    /// True when `lo` itself is outside the range.
    pub lo_open: bool,
    /// True when `hi` itself is outside the range.
    pub hi_open: bool,
}

/// `[lo, hi]`.
pub const fn closed<T>(lo: T, hi: T) -> Limit<T> {
    Limit { lo, hi, lo_open: false, hi_open: false }
}

impl<T: PartialOrd + Copy + Display> Limit<T> {
    /// Whether `v` is in range; false for NaN.
    pub fn contains(&self, v: T) -> bool {
        (if self.lo_open { v > self.lo } else { v >= self.lo })
            && (if self.hi_open { v < self.hi } else { v <= self.hi })
    }

    /// `v` brought into range (for closed ends; a NaN stays NaN).
    pub fn clamp(&self, v: T) -> T {
        if v < self.lo {
            self.lo
        } else if v > self.hi {
            self.hi
        } else {
            v
        }
    }

    /// `Ok` in range, else `"{name} must be in [lo, hi], got {v}"`.
    pub fn check(&self, name: &str, v: T) -> Result<(), String> {
        if self.contains(v) {
            Ok(())
        } else {
            Err(format!("{name} must be in {self}, got {v}"))
        }
    }
}

impl<T: Display> Display for Limit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (l, r) = (if self.lo_open { '(' } else { '[' }, if self.hi_open { ')' } else { ']' });
        write!(f, "{l}{}, {}{r}", self.lo, self.hi)
    }
}

// ---- The sampler chain (`SamplerSettings::validate`) ----

/// Softmax temperature; 0 is argmax. Far above any useful value, but finite.
pub const TEMPERATURE: Limit<f32> = closed(0.0, 100.0);
/// Nucleus mass; 1 turns top-p off.
pub const TOP_P: Limit<f32> = Limit { lo: 0.0, hi: 1.0, lo_open: true, hi_open: false };
/// Relative probability floor; 0 turns min-p off.
pub const MIN_P: Limit<f32> = Limit { lo: 0.0, hi: 1.0, lo_open: false, hi_open: true };
/// Repetition penalty; 1 turns it off.
pub const REPEAT_PENALTY: Limit<f32> = closed(1.0, 10.0);
/// Characters the repetition penalty looks back over. It scans them every step for every stream;
/// beyond this the cost outgrows any use.
pub const REPEAT_WINDOW: Limit<usize> = closed(0, 10_000);

// ---- Seeds ----

/// Random seeds. Capped at `i64::MAX` because TOML integers (the config file) and libtorch's
/// `manual_seed` are signed 64-bit: every seed the command line takes can be written in a config
/// file and reproduces the same run.
pub const SEED: Limit<u64> = closed(0, i64::MAX as u64);

/// Parses a seed as typed on a command line or in the explorer's seed dialog: a whole number in
/// [`SEED`], with a message that says so.
pub fn parse_seed(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let msg = || format!("a seed is a whole number in {SEED}, got {s:?}");
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(msg());
    }
    match s.parse::<u64>() {
        Ok(v) if SEED.contains(v) => Ok(v),
        _ => Err(msg()),
    }
}

// ---- Text analysis ----

/// Longest loop period the detector looks for. At least 200: loops of 200 characters must be
/// caught; at most 4,096, because a push costs O(max_period).
pub const LOOP_MAX_PERIOD: Limit<usize> = closed(200, 4096);
/// How many times a span must repeat to count as a loop.
pub const LOOP_MIN_REPEATS: Limit<usize> = closed(2, 1000);
/// Shortest repeating span, in characters, that counts as a loop.
pub const LOOP_MIN_SPAN: Limit<usize> = closed(0, 100_000);
/// Window of the live metrics (distinct-n, surprisal), in characters.
pub const METRICS_WINDOW: Limit<usize> = closed(16, 100_000);

// ---- The explorer ----

/// Panes side by side.
pub const PANES: Limit<usize> = closed(1, 6);
/// A pane's temperature as the config sets it and the keys move it (a subset of [`TEMPERATURE`]:
/// beyond 5 every character is about equally likely and the panes show noise).
pub const PANE_TEMPERATURE: Limit<f32> = closed(0.0, 5.0);
// Every pane temperature must be one the sampler accepts.
const _: () = assert!(PANE_TEMPERATURE.hi <= TEMPERATURE.hi && PANE_TEMPERATURE.lo >= TEMPERATURE.lo);
/// Generation speed, characters per second per pane.
pub const SPEED: Limit<f32> = closed(1.0, 2000.0);
/// Rows of the next-character histogram.
pub const HISTOGRAM_TOP_N: Limit<usize> = closed(3, 64);
/// Characters of history each pane keeps (for inspecting, branching and exporting).
pub const HISTORY_CHARS: Limit<usize> = closed(100, 1_000_000);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_written_and_reject_nan() {
        assert_eq!(TOP_P.to_string(), "(0, 1]");
        assert_eq!(MIN_P.to_string(), "[0, 1)");
        assert_eq!(PANE_TEMPERATURE.to_string(), "[0, 5]");
        assert!(TOP_P.contains(1.0) && !TOP_P.contains(0.0) && !TOP_P.contains(f32::NAN));
        assert!(MIN_P.contains(0.0) && !MIN_P.contains(1.0));
        assert_eq!(LOOP_MAX_PERIOD.check("max_period", 1), Err("max_period must be in [200, 4096], got 1".into()));
        assert_eq!(SPEED.clamp(5000.0), 2000.0);
    }

    #[test]
    fn seeds_are_whole_numbers_up_to_i64_max() {
        assert_eq!(parse_seed("0"), Ok(0));
        assert_eq!(parse_seed("9223372036854775807"), Ok(i64::MAX as u64));
        for bad in ["9223372036854775808", "18446744073709551615", "-1", "", "1e3", "+5", "７"] {
            let e = parse_seed(bad).unwrap_err();
            assert!(e.starts_with("a seed is a whole number in [0, 9223372036854775807]"), "{bad}: {e}");
        }
    }
}
