//! The `ntpcheck` binary: parse arguments, hand over to the library.
use clap::Parser;

fn main() -> std::process::ExitCode {
    ntpcheck::cli::run(ntpcheck::cli::Cli::parse())
}
