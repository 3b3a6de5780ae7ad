// The targets link libtorch through tempest-core (they never call it: the parsers they fuzz are
// plain Rust); an rpath lets them start without LD_LIBRARY_PATH, as the main crate's build.rs does.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Some(root) = std::env::var_os("LIBTORCH") {
        let lib = PathBuf::from(root).join("lib");
        if lib.is_dir() {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
        }
    }
}
