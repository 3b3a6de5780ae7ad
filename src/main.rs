use clap::Parser;

fn main() {
    tempest::openmp::ensure_passive_wait();
    let cli = tempest::cli::Cli::parse();
    let code = match tempest::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
