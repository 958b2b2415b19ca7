//! The command line: `check` (alias `lint`) and `parse`. Only this module and the renderer
//! write to stdout/stderr.

pub mod serve;
pub mod status;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Dialect;
use crate::config::load::{LoadOptions, Loaded, load_bytes, load_path};
use crate::config::saveconfig::saveconfig;
use crate::diagnostic::Severity;
use crate::diagnostic::render;

/// Check, explain and (later) serve legacy ntp.conf files exactly as classic ntpd and NTPsec
/// read them.
#[derive(Debug, Parser)]
#[command(name = "ntpcheck", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every problem ntpd would have with the files (exit 1 on errors).
    #[command(alias = "lint")]
    Check(CheckArgs),
    /// Print what ntpd keeps of a file: the typed model (JSON) or classic's saveconfig dump.
    Parse(ParseArgs),
    /// Serve time from an ntp.conf, with ntpd's command line (`ntpcheck serve -c FILE -n …`).
    Serve(serve::ServeArgs),
    /// Ask a running ntpd (or `ntpcheck serve`) over mode 6: peers like `ntpq -p`, state like `ntpstat`.
    Status(status::StatusArgs),
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// miette's graphical report (default).
    Human,
    /// One JSON object with a `diagnostics` array.
    Json,
    /// `file:line:col: CODE message`
    Short,
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Configuration files (`-` for standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Which daemon's reading.
    #[arg(long, value_enum, default_value_t = Dialect::Classic)]
    pub dialect: Dialect,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Directory classic ntpd resolves relative includes against (its working directory).
    #[arg(long)]
    pub include_cwd: Option<PathBuf>,
}

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

fn load(file: &PathBuf, dialect: Dialect, cwd: &Option<PathBuf>) -> Result<Loaded, String> {
    let opts = LoadOptions { dialect, classic_cwd: cwd.clone(), no_conf_dir: false };
    if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(load_bytes("<stdin>", &buf, &opts));
    }
    if file.is_dir() {
        return Err(format!("cannot read {}: it is a directory", file.display()));
    }
    load_path(file, &opts).map_err(|e| e.to_string())
}

/// Run the CLI; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(a) => check(a),
        Command::Parse(a) => parse(a),
        Command::Serve(a) => serve::run(a),
        Command::Status(a) => status::run(a),
    }
}

fn check(a: CheckArgs) -> ExitCode {
    let mut loads = Vec::new();
    for f in &a.files {
        match load(f, a.dialect, &a.include_cwd) {
            Ok(l) => loads.push(l),
            Err(e) => {
                eprintln!("ntpcheck: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let errors = loads.iter().flat_map(|l| &l.diagnostics).filter(|d| d.severity == Severity::Error).count();
    let warnings = loads.iter().flat_map(|l| &l.diagnostics).filter(|d| d.severity == Severity::Warning).count();
    let mut out = std::io::stdout().lock();
    match a.format {
        CheckFormat::Json => {
            let diags: Vec<_> = loads.iter().flat_map(|l| l.diagnostics.iter().map(|d| render::to_json(d, &l.sources))).collect();
            let v = serde_json::json!({
                "dialect": a.dialect,
                "diagnostics": diags,
                "summary": { "errors": errors, "warnings": warnings, "files": a.files.len() },
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        CheckFormat::Short => {
            for l in &loads {
                for d in &l.diagnostics {
                    let _ = writeln!(out, "{}", render::short(d, &l.sources));
                }
            }
        }
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for l in &loads {
                for d in &l.diagnostics {
                    let _ = write!(out, "{}", render::human(d, &l.sources, color, 100));
                }
            }
            let _ = writeln!(out, "{} error(s), {} warning(s) in {} file(s)", errors, warnings, a.files.len());
        }
    }
    if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn parse(a: ParseArgs) -> ExitCode {
    let l = match load(&a.file, a.dialect, &a.include_cwd) {
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
