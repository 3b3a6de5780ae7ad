//! The fuzz targets' seed corpora (fuzz/seeds, written by fuzz/seeds/make_seeds.py) through the
//! same parsers on the stable toolchain, so every named hostile case runs in `cargo test` even
//! where nightly and cargo-fuzz are absent: the valid files are accepted, every broken one is
//! refused with a one-line reason, and nothing panics.

use std::path::{Path, PathBuf};

use tempest_core::model::parse;
use tempest_core::train::resume;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "{}: only {} seeds", dir.display(), files.len());
    files
        .into_iter()
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

fn check(target: &str, accepted: &[&str], run: impl Fn(&[u8]) -> Result<(), String>, reasons: &[(&str, &str)]) {
    for (name, bytes) in seeds(target) {
        let r = run(&bytes);
        if accepted.iter().any(|a| name.starts_with(a)) {
            assert!(r.is_ok(), "{target}/{name}: refused: {}", r.unwrap_err());
            continue;
        }
        let e = r.expect_err(&format!("{target}/{name}: accepted"));
        assert!(!e.contains('\n') && !e.trim().is_empty(), "{target}/{name}: {e:?}");
        assert!(!e.chars().any(|c| c.is_control()), "{target}/{name}: control characters in {e:?}");
        if let Some((_, want)) = reasons.iter().find(|(n, _)| *n == name) {
            assert!(e.contains(want), "{target}/{name}: expected {want:?} in {e:?}");
        }
    }
}

#[test]
fn checkpoint_seeds_valid_accepted_broken_refused() {
    check(
        "checkpoint",
        &["valid_"],
        |b| parse::parse(b).map(drop).map_err(|e| e.to_string()),
        &[
            ("duplicate_tensor_key", "appears twice"),
            ("duplicate_metadata_key", "appears twice"),
            ("resume_file_as_model_0", "unexpected tensor \"optim."),
        ],
    );
}

#[test]
fn resume_seeds_valid_accepted_broken_refused() {
    check(
        "resume",
        // `out` = ".." parses; training refuses it when it resolves the path (tests/hostile_paths.rs).
        &["valid_", "unfinished", "out_dotdot"],
        |b| resume::parse(b).map(drop).map_err(|e| e.to_string()),
        &[
            ("eval_every_0", "--eval-every must be in"),
            ("checkpoint_every_0", "--checkpoint-every must be in"),
            ("seq_len_0", "--seq-len must be in"),
            ("seq_len_u64_max", "--seq-len must be in"),
            ("val_frac_2", "--val-frac must be in"),
            ("val_frac_minus_1", "--val-frac must be in"),
            ("lr_minus_1", "--lr must be in"),
            ("adam_t_minus_1", "adam_t must be in"),
            ("optimizer_f16", "F16"),
            ("optimizer_f64", "F64"),
            ("optimizer_u8", "U8"),
            ("duplicate_moment_key", "appears twice"),
            ("negative_second_moment", "negative second moment"),
        ],
    );
}
