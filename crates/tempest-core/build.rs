// torch-sys links libtorch but adds no rpath, and LD_LIBRARY_PATH set through cargo's [env] does not
// reach `cargo run` or `cargo test`. Embedding the library folder as an rpath makes the binary, the
// tests and the benches start with no environment set up by hand.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    avx512_cfg();
    let Some(root) = std::env::var_os("LIBTORCH") else {
        return;
    };
    let lib = PathBuf::from(root).join("lib");
    if !lib.is_dir() {
        println!("cargo:warning=LIBTORCH is set but {} does not exist; run scripts/fetch-libtorch.sh", lib.display());
        return;
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
}

/// The step kernel's AVX-512 path uses intrinsics that are stable from Rust 1.89, above the
/// crate's minimum Rust version: `tempest_avx512` turns it on when the compiler has them (older
/// compilers get the AVX2 path, which is nearly as fast since the step is bound by memory).
fn avx512_cfg() {
    println!("cargo:rustc-check-cfg=cfg(tempest_avx512)");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = std::process::Command::new(rustc).arg("--version").output() else {
        return;
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let version = String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).unwrap_or_default().to_string();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) >= (1, 89) {
        println!("cargo:rustc-cfg=tempest_avx512");
    }
}
