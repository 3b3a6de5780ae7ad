//! Tests of `update`: every key and every engine reply, asserting on state and effects.

mod editing;
mod help;
mod inspect;
mod keys;
mod model_switch;
mod neurons;
mod newcomer;
mod pointer;
mod replies;
mod sampler_controls;
mod scored;
mod scored_hints;

/// The checker of tempest's JSONL schema, shared with the integration tests.
#[path = "../../../../tests/support/jsonl_schema.rs"]
mod jsonl_schema;
