//! `ntpcheck completions SHELL` and the hidden `ntpcheck manpages DIR`: the shell completion
//! scripts and man pages are generated from the clap definitions, so the package, the docs and
//! the binary never disagree about an option.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Where the Debian package installs them:\n\n\
  ntpcheck completions bash > /usr/share/bash-completion/completions/ntpcheck\n\n\
  ntpcheck completions zsh > /usr/share/zsh/vendor-completions/_ntpcheck\n\n\
  ntpcheck completions fish > /usr/share/fish/vendor_completions.d/ntpcheck.fish")]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Arguments of the hidden `manpages`.
#[derive(Debug, clap::Args)]
pub struct ManpagesArgs {
    /// Directory to write `ntpcheck.1` and `ntpcheck-SUBCOMMAND.1` into (created if missing).
    pub dir: PathBuf,
}

/// Print the completion script for one shell on standard output.
pub(super) fn run_completions(a: CompletionsArgs) -> ExitCode {
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut completion_command(), "ntpcheck", &mut buf);
    match std::io::stdout().lock().write_all(&buf) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ntpcheck: cannot write the completion script: {e}");
            ExitCode::from(2)
        }
    }
}

/// The command line as completions offer it: clap_complete would also offer hidden
/// subcommands (`manpages`), so they are left out of a copy.
fn completion_command() -> clap::Command {
    let full = Cli::command();
    clap::Command::new("ntpcheck")
        .version(env!("CARGO_PKG_VERSION"))
        .about(full.get_about().cloned().unwrap_or_default())
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// Write one man page per (visible) command into `a.dir`, each atomically.
pub(super) fn run_manpages(a: ManpagesArgs) -> ExitCode {
    match write_manpages(&a.dir) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ntpcheck: {e}");
            ExitCode::from(2)
        }
    }
}

/// Render `ntpcheck(1)` and `ntpcheck-NAME(1)` for every visible subcommand into `dir`;
/// returns the files written.
pub fn write_manpages(dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // Building resolves each subcommand's display name to `ntpcheck-NAME`, which is both the
    // page's title and its file name.
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = vec![root.clone()];
    pages.extend(root.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    let mut written = Vec::new();
    for cmd in pages {
        let man = clap_mangen::Man::new(cmd).manual("ntpcheck manual").source(format!("ntpcheck {}", env!("CARGO_PKG_VERSION")));
        let mut text = Vec::new();
        man.render(&mut text).map_err(|e| format!("cannot render {}: {e}", man.get_filename()))?;
        let path = dir.join(man.get_filename());
        write_new(&path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Write `bytes` to a temporary file beside `path`, then rename it over `path`.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.ntpcheck-{}.tmp", std::process::id()));
    let res = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path));
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}
