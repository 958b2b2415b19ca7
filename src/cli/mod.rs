//! The command line: the subcommand enum and its dispatch. Each subcommand lives in its own
//! file. Only this module and the renderer write to stdout/stderr.

mod assets;
mod check;
mod parse;
mod rules;
pub mod serve;
pub mod status;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use assets::{CompletionsArgs, ManpagesArgs, write_manpages};
pub use check::{CheckArgs, CheckFormat, sarif_rules, write_atomic};
pub use parse::{ParseArgs, ParseFormat};
pub use rules::{RuleArgs, RulesArgs, RulesFormat};

use crate::config::Dialect;
use crate::config::load::{LoadOptions, Loaded, load_bytes_under, load_path_under};

/// Check, explain and (later) serve legacy ntp.conf files exactly as classic ntpd and NTPsec
/// read them.
#[derive(Debug, Parser)]
#[command(name = "ntpcheck", version, about, after_long_help = AFTER_LONG_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `ntpcheck --help`'s (and ntpcheck(1)'s) closing section.
const AFTER_LONG_HELP: &str = "Each subcommand has its own --help and man page: ntpcheck-check(1), ntpcheck-serve(1), …\n\n\
Files: /usr/lib/systemd/system/ntpcheck.service (ntpcheck serve under systemd; installed disabled), \
/etc/default/ntpcheck (its NTPCHECK_CONFIG and NTPCHECK_OPTS), \
/usr/share/doc/ntpcheck/systemd.md (taking over from ntpd or NTPsec), \
/usr/share/doc/ntpcheck/examples/ntp.conf.\n\n\
See also: ntpd(8), ntp.conf(5), ntpq(1), ntpstat(1), chronyd(8).";

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every problem: what ntpd rejects (NTP0xx/1xx) and the lint rules (NTP2xx-5xx).
    #[command(alias = "lint")]
    Check(CheckArgs),
    /// Print what ntpd keeps of a file: the typed model (JSON) or classic's saveconfig dump.
    Parse(ParseArgs),
    /// List the lint rules.
    Rules(RulesArgs),
    /// Print one rule's documentation.
    Rule(RuleArgs),
    /// Serve time from an ntp.conf, with ntpd's command line (`ntpcheck serve -c FILE -n …`).
    Serve(serve::ServeArgs),
    /// Ask a running ntpd (or `ntpcheck serve`) over mode 6: peers like `ntpq -p`, state like `ntpstat`.
    Status(status::StatusArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on standard output.
    Completions(CompletionsArgs),
    /// Write the man pages (ntpcheck.1 and one per subcommand) into a directory.
    #[command(hide = true)]
    Manpages(ManpagesArgs),
}

/// Run the CLI; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Parse(a) => parse::run(a),
        Command::Rules(a) => rules::run_rules(a),
        Command::Rule(a) => rules::run_rule(a),
        Command::Serve(a) => serve::run(a),
        Command::Status(a) => status::run(a),
        Command::Completions(a) => assets::run_completions(a),
        Command::Manpages(a) => assets::run_manpages(a),
    }
}

/// Load one file (`-` = standard input) the way every subcommand does.
pub(crate) fn load(file: &std::path::Path, dialect: Dialect, cwd: &Option<PathBuf>) -> Result<Loaded, String> {
    let stdin = if file.as_os_str() == "-" { Some(read_stdin()?) } else { None };
    load_input(file, stdin.as_deref().map(|b| ("<stdin>", b)), dialect, cwd, None)
}

/// Read all of standard input.
pub(crate) fn read_stdin() -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    std::io::stdin().read_to_end(&mut buf).map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(buf)
}

/// Load `file`, or for `-` the already read standard input under the name it is reported as;
/// with `root`, the configuration's absolute paths are read under that directory.
pub(crate) fn load_input(
    file: &std::path::Path,
    stdin: Option<(&str, &[u8])>,
    dialect: Dialect,
    cwd: &Option<PathBuf>,
    root: Option<&std::path::Path>,
) -> Result<Loaded, String> {
    let opts = LoadOptions { dialect, classic_cwd: cwd.clone(), no_conf_dir: false };
    if file.as_os_str() == "-" {
        let (name, bytes) = stdin.ok_or("standard input was already read")?;
        return Ok(load_bytes_under(name, bytes, &opts, root));
    }
    if file.is_dir() {
        return Err(format!("cannot read {}: it is a directory", file.display()));
    }
    load_path_under(file, &opts, root).map_err(|e| e.to_string())
}
