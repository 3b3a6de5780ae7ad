//! Property tests of every number the command line takes, found by walking the clap definition
//! rather than listed by hand, so a flag added later is covered too. A flag that refuses `nan`
//! must say the range it wants; from that range, random values inside are accepted and values
//! outside (and NaN, ±inf, 2^64, text) are refused at parse time — a usage error, exit code 2 —
//! and never by a panic later.

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use proptest::prelude::*;

use tempest::cli::Cli;

/// A number flag, with the range its refusal of `nan` names.
#[derive(Debug, Clone)]
struct NumberFlag {
    subcommand: String,
    flag: String,
    lo: f64,
    hi: f64,
    lo_open: bool,
    hi_open: bool,
    whole: bool,
    /// The ends exactly, for whole numbers (an f64 cannot hold 2^63 - 1).
    lo_int: u128,
    hi_int: u128,
}

/// Parses `tempest <sub> --flag=<value>`; `Err(kind)` when clap refuses it. Missing required
/// arguments are reported after every value has been parsed, so they do not hide a refusal.
fn parse(sub: &str, flag: &str, value: &str) -> Result<(), (ErrorKind, String)> {
    let arg = format!("--{flag}={value}");
    match Cli::try_parse_from(["tempest", sub, &arg]) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::ValueValidation || e.kind() == ErrorKind::InvalidValue => {
            Err((e.kind(), e.to_string()))
        }
        Err(_) => Ok(()),
    }
}

/// `[lo, hi]`, `(lo, hi)`, … at the end of a message: the range the parser names.
fn range_in(msg: &str) -> Option<(String, String, bool, bool)> {
    let first = msg.lines().next()?;
    let start = first.rfind(['[', '('])?;
    let open = first[start..].chars().next()?;
    let end = start + first[start..].find([']', ')'])?;
    let close = first[end..].chars().next()?;
    let (lo, hi) = first[start + 1..end].split_once(", ")?;
    lo.trim().parse::<f64>().ok()?;
    hi.trim().parse::<f64>().ok()?;
    Some((lo.trim().to_string(), hi.trim().to_string(), open == '(', close == ')'))
}

fn number_flags() -> Vec<NumberFlag> {
    let cli = Cli::command();
    let mut found = Vec::new();
    let mut unranged = Vec::new();
    for sub in cli.get_subcommands() {
        for arg in sub.get_arguments() {
            let (Some(long), true) = (arg.get_long(), arg.get_action().takes_values()) else { continue };
            let Err((_, msg)) = parse(sub.get_name(), long, "nan") else { continue };
            if msg.contains("possible values") {
                continue;
            }
            // A flag that takes a plain number but refuses `nan`: it must name its range.
            let accepts_a_number = parse(sub.get_name(), long, "1").is_ok() || parse(sub.get_name(), long, "0").is_ok();
            match range_in(&msg) {
                Some((lo, hi, lo_open, hi_open)) => found.push(NumberFlag {
                    subcommand: sub.get_name().to_string(),
                    flag: long.to_string(),
                    lo: lo.parse().unwrap(),
                    hi: hi.parse().unwrap(),
                    lo_open,
                    hi_open,
                    whole: msg.contains("whole number"),
                    lo_int: lo.parse().unwrap_or(0),
                    hi_int: hi.parse().unwrap_or(0),
                }),
                None if accepts_a_number => unranged.push(format!("{} --{long}: {msg}", sub.get_name())),
                None => {}
            }
        }
    }
    assert!(unranged.is_empty(), "number flags that do not name their range:\n{}", unranged.join("\n"));
    found
}

#[test]
fn the_walk_finds_the_number_flags() {
    let flags = number_flags();
    let names: Vec<String> = flags.iter().map(|f| format!("{} --{}", f.subcommand, f.flag)).collect();
    for want in [
        "sample --threads",
        "sample --temperature",
        "sample --seed",
        "train --seq-len",
        "train --batch",
        "train --epochs",
        "train --weight-decay",
        "train --grad-clip",
        "explore --duration",
        "explore --seed",
        "explore --speed",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not found among {names:?}");
    }
}

fn show(v: f64, whole: bool) -> String {
    if whole {
        format!("{}", v as u64)
    } else {
        format!("{v}")
    }
}

/// A value strictly inside the range, or an included end.
fn inside(f: &NumberFlag, u: f64, end: u8) -> String {
    if f.whole {
        let (lo, hi) = (f.lo_int + f.lo_open as u128, f.hi_int - f.hi_open as u128);
        let v = match end {
            0 => lo,
            1 => hi,
            _ => lo + ((hi - lo) as f64 * u) as u128,
        };
        return v.min(hi).to_string();
    }
    match end {
        0 if !f.lo_open => show(f.lo, false),
        1 if !f.hi_open => show(f.hi, false),
        // Keep clear of the ends, so rounding to f32 cannot cross an open one.
        _ => show(f.lo + (f.hi - f.lo) * (0.001 + 0.998 * u), false),
    }
}

/// A value outside the range, or a non-number.
fn outside(f: &NumberFlag, u: f64, pick: u8) -> String {
    let span = (f.hi - f.lo).abs().max(1.0);
    match pick % 8 {
        0 => "nan".into(),
        1 => "inf".into(),
        2 => "-inf".into(),
        3 => "18446744073709551616".into(),
        4 if f.whole => format!("{}", f.hi_int + 1 + (u * 1e6) as u128),
        4 => show(f.hi + span * (0.01 + u), false),
        5 if f.whole && f.lo_int >= 1 => format!("{}", ((f.lo_int - 1) as f64 * u).floor() as u128),
        5 if f.whole => format!("-{}", 1 + (u * 1e6) as u64),
        5 => show(f.lo - span * (0.01 + u), false),
        6 if f.lo_open => show(f.lo, f.whole),
        6 if f.hi_open => show(f.hi, f.whole),
        6 => "1e400".into(),
        _ => "twelve".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn in_range_numbers_are_accepted(u in 0.0f64..1.0, end in 0u8..4) {
        for f in number_flags() {
            let v = inside(&f, u, end);
            prop_assert!(parse(&f.subcommand, &f.flag, &v).is_ok(), "{} --{}={v} refused; range {f:?}", f.subcommand, f.flag);
        }
    }

    #[test]
    fn out_of_range_numbers_nan_and_infinities_are_refused(u in 0.0f64..1.0, pick in 0u8..8) {
        for f in number_flags() {
            let v = outside(&f, u, pick);
            let r = parse(&f.subcommand, &f.flag, &v);
            prop_assert!(r.is_err(), "{} --{}={v} accepted; range {f:?}", f.subcommand, f.flag);
            let (_, msg) = r.unwrap_err();
            prop_assert!(msg.lines().next().is_some_and(|l| l.starts_with("error: invalid value")), "{msg}");
        }
    }

    /// Anything at all: a usage error or a value, never a panic.
    #[test]
    fn any_text_is_parsed_or_refused_without_a_panic(text in ".{0,24}") {
        for f in number_flags() {
            let _ = parse(&f.subcommand, &f.flag, &text);
        }
    }
}
