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
