//! The `sortes` binary: a thin layer over the library (see `sortes::cli`).

fn main() {
    std::process::exit(sortes::cli::main());
}
