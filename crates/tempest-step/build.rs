//! The AVX-512 kernel uses intrinsics that are stable from Rust 1.89: `tempest_avx512` turns it on
//! when the compiler has them (older compilers get the AVX2 path, nearly as fast since a step is
//! bound by memory).

fn main() {
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
