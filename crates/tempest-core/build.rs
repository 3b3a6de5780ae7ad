// torch-sys links libtorch but adds no rpath, and LD_LIBRARY_PATH set through cargo's [env] does not
// reach `cargo run` or `cargo test`. Embedding the library folder as an rpath makes the binary, the
// tests and the benches start with no environment set up by hand.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
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
