//! `ntpcheck parse`: the typed model, or classic's saveconfig dump.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::config::Dialect;
use crate::config::saveconfig::saveconfig;

/// Output formats of `parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParseFormat {
    /// The typed model.
    Json,
    /// Classic ntpd's `saveconfig` dump.
    Saveconfig,
}

/// Arguments of `parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// The configuration file (`-` for standard input).
    pub file: PathBuf,
    /// Which daemon's reading.
    #[arg(long, value_enum, default_value_t = Dialect::Classic)]
    pub dialect: Dialect,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ParseFormat::Json)]
    pub format: ParseFormat,
    /// Directory classic ntpd resolves relative includes against (its working directory).
    #[arg(long)]
    pub include_cwd: Option<PathBuf>,
}

pub(super) fn run(a: ParseArgs) -> ExitCode {
    let l = match super::load(&a.file, a.dialect, &a.include_cwd) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ntpcheck: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    match a.format {
        ParseFormat::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&l.config).unwrap_or_default());
        }
        ParseFormat::Saveconfig => {
            if l.fatal {
                eprintln!("ntpcheck: ntpd would exit while reading this configuration; it writes no dump");
                return ExitCode::from(1);
            }
            let _ = write!(out, "{}", saveconfig(&l.config));
        }
    }
    ExitCode::SUCCESS
}
