//! Any bytes as a resume checkpoint: the model part as strictly as a model file, each AdamW
//! moment's name, dtype, shape and values, and the `tempest-run` settings and state as strictly as
//! the command line. It must refuse or accept, never panic; what it accepts must be safe to train
//! from (the checks below are what training would otherwise divide by or slice with).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tempest_core::train::resume;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = resume::parse(data) {
        assert_eq!(r.moments.len(), r.model.weights.len(), "one pair of moments per weight");
        for ((m, v), w) in r.moments.iter().zip(&r.model.weights) {
            assert!(m.shape == w.shape && v.shape == w.shape, "{}: moments shaped like the weight", w.name);
            assert!(v.values.iter().all(|&x| x >= 0.0), "{}: second moment non-negative", w.name);
        }
        assert!(r.adam_t >= 0, "adam_t {}", r.adam_t);
        r.config.validate().expect("an accepted run's settings pass the command line's checks");
    }
});
