//! clap parsers for the engine's enums, which the core keeps free of clap.
use clap::builder::{PossibleValuesParser, TypedValueParser};
use tempest_core::limits::Limit;
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

/// A number flag within `range`, for clap: anything else (NaN, infinities, text) is refused at
/// parse time, so clap prints one line and exits with code 2. Negative numbers and `-inf` need
/// `allow_hyphen_values` on the argument to reach this parser.
pub fn number_in<T>(range: Limit<T>) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display + Send + Sync + 'static,
{
    move |s| {
        let t = s.trim();
        let v: T = t.parse().map_err(|_| format!("not a number; must be in {range}, got {t}"))?;
        if range.contains(v) {
            Ok(v)
        } else {
            Err(format!("must be in {range}, got {v}"))
        }
    }
}

/// A whole-number flag (stored as `T`) within `[lo, hi]`, refused as [`number_in`] refuses.
pub fn int_in<T>(lo: u64, hi: u64) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<u64> + Send + Sync + 'static,
{
    move |s| {
        let t = s.trim();
        let range = tempest_core::limits::closed(lo, hi);
        let v: u64 = t.parse().map_err(|_| format!("not a whole number; must be in {range}, got {t}"))?;
        if !range.contains(v) {
            return Err(format!("must be in {range}, got {v}"));
        }
        T::try_from(v).map_err(|_| format!("must be in {range}, got {v}"))
    }
}

/// libtorch intra-op threads: one to 256 (more threads than that only add contention, and each
/// costs a stack).
pub const THREADS: (u64, u64) = (1, 256);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_refuse_nan_infinities_and_text() {
        let p = number_in(Limit { lo: 0.0f64, hi: 1.0, lo_open: true, hi_open: false });
        assert_eq!(p("0.5"), Ok(0.5));
        assert_eq!(p("1"), Ok(1.0));
        for bad in ["0", "nan", "NaN", "inf", "-inf", "1.0000001", "x", ""] {
            let err = p(bad).unwrap_err();
            assert!(err.contains("(0, 1]"), "{bad}: {err}");
        }
    }
}
