//! Tests of `update`: every key and every engine reply, asserting on state and effects.

mod editing;
mod inspect;
mod keys;
mod newcomer;
mod pointer;
mod replies;
mod sampler_controls;
