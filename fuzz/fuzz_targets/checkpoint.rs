//! Any bytes as a model file: the safetensors header (duplicate keys included), the metadata, and
//! every tensor's name, dtype, shape and values are checked without libtorch. It must refuse or
//! accept, never panic, and what it accepts must be consistent enough to build a model from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tempest_core::model::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse::parse(data) {
        // An accepted model's parts agree with its spec: libtorch never sees a surprise.
        assert_eq!(m.vocab.len() as i64, m.spec.vocab, "vocabulary and spec agree");
        for w in &m.weights {
            let n: i64 = w.shape.iter().product();
            assert_eq!(n as usize, w.values.len(), "{}: shape and values agree", w.name);
            assert!(w.values.iter().all(|v| v.is_finite()), "{}: finite", w.name);
        }
    }
});
