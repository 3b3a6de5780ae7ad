//! clap parsers for the engine's enums, which the core keeps free of clap.
use clap::builder::{PossibleValuesParser, TypedValueParser};
use tempest_core::model::{CellKind, UnknownPolicy};

pub fn cell_kind() -> impl TypedValueParser<Value = CellKind> {
    PossibleValuesParser::new(CellKind::ALL.map(CellKind::name))
        .map(|s| CellKind::parse(&s).expect("clap checked the name"))
}

pub fn unknown_policy() -> impl TypedValueParser<Value = UnknownPolicy> {
    PossibleValuesParser::new(UnknownPolicy::NAMES.map(|(n, _)| n))
        .map(|s| UnknownPolicy::NAMES.iter().find(|(n, _)| *n == s).expect("clap checked the name").1)
}

/// `--model NAME|FILE`: a bundled model's name, or a path.
pub fn model_source() -> impl TypedValueParser<Value = tempest_core::assets::ModelSource> {
    clap::builder::NonEmptyStringValueParser::new().map(|s| tempest_core::assets::ModelSource::parse(&s))
}

/// A number in a closed or half-open interval, for clap: anything else (NaN, infinities, text) is
/// refused at parse time, so clap prints one line and exits with code 2.
#[derive(Debug, Clone, Copy)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
    pub lo_open: bool,
    pub hi_open: bool,
}

impl Interval {
    pub const fn closed(lo: f64, hi: f64) -> Self {
        Interval { lo, hi, lo_open: false, hi_open: false }
    }

    pub fn contains(self, v: f64) -> bool {
        (if self.lo_open { v > self.lo } else { v >= self.lo })
            && (if self.hi_open { v < self.hi } else { v <= self.hi })
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (l, r) = (if self.lo_open { '(' } else { '[' }, if self.hi_open { ')' } else { ']' });
        write!(f, "{l}{}, {}{r}", self.lo, self.hi)
    }
}

fn parse_in<T: std::str::FromStr + Into<f64> + Copy>(s: &str, range: Interval) -> Result<T, String> {
    let v: T = s.trim().parse().map_err(|_| format!("not a number; must be in {range}"))?;
    if range.contains(v.into()) {
        Ok(v)
    } else {
        Err(format!("must be in {range}"))
    }
}

/// An `f64` flag within `range`.
pub fn f64_in(range: Interval) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |s| parse_in::<f64>(s, range)
}

/// An `f32` flag within `range`.
pub fn f32_in(range: Interval) -> impl Fn(&str) -> Result<f32, String> + Clone + Send + Sync + 'static {
    move |s| parse_in::<f32>(s, range)
}

/// A whole-number flag (stored as `T`) within `lo..=hi`.
pub fn int_in<T>(lo: u64, hi: u64) -> clap::builder::RangedU64ValueParser<T>
where
    T: TryFrom<u64> + Clone + Send + Sync + 'static,
    <T as TryFrom<u64>>::Error: Send + Sync + 'static + std::error::Error + ToString,
{
    clap::builder::RangedU64ValueParser::<T>::new().range(lo..=hi)
}

/// libtorch intra-op threads: one to 256 (more threads than that only add contention, and each
/// costs a stack).
pub const THREADS: (u64, u64) = (1, 256);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_refuse_nan_infinities_and_text() {
        let p = f64_in(Interval { lo: 0.0, hi: 1.0, lo_open: true, hi_open: false });
        assert_eq!(p("0.5"), Ok(0.5));
        assert_eq!(p("1"), Ok(1.0));
        for bad in ["0", "nan", "NaN", "inf", "-inf", "1.0000001", "x", ""] {
            let err = p(bad).unwrap_err();
            assert!(err.contains("(0, 1]"), "{bad}: {err}");
        }
    }
}
