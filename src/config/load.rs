//! Loading a configuration: the main file, its `includefile`s (with ntpd's depth limit and each
//! dialect's path rules), NTPsec's `ntp.d/*.conf`, then applying each parsed command to the model
//! with the parse-time checks ntpd makes.

use std::path::{Path, PathBuf};

use super::Dialect;
use super::diagnose::syntax_diagnostic;
use super::lexer::{FatalLex, LexStop, lex};
use super::lower;
use super::model::{Config, Include};
use super::parser::{ActionKind, Cmd, parse_tokens};
use crate::diagnostic::{Code, DaemonEffect, Diagnostic, Phase, Severity};
use crate::source::{SourceFile, SourceMap, Span, Spanned};

/// ntpd honours an `includefile` while the including file is at most this deep (main = 1).
pub const MAX_INCLUDE_LEVEL: usize = 5;

/// Options for loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Dialect.
    pub dialect: Dialect,
    /// Directory that classic ntpd resolves relative include paths against (its working
    /// directory; `/` under init or systemd). Defaults to the process's working directory.
    pub classic_cwd: Option<PathBuf>,
    /// Read NTPsec's `ntp.d/*.conf` beside the main file (NTPsec dialect only). Default true.
    pub no_conf_dir: bool,
}

/// A loaded configuration with every problem found.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// All files read.
    pub sources: SourceMap,
    /// What ntpd keeps.
    pub config: Config,
    /// Problems, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// ntpd would exit while reading this configuration.
    pub fatal: bool,
    /// Parsing stopped early (`end`, NUL, or a fatal token).
    pub stopped: bool,
}

impl Loaded {
    /// Any error-severity diagnostic.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Failure to read the main file.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct LoadError {
    /// The path.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}

struct Loader {
    opts: LoadOptions,
    sources: SourceMap,
    config: Config,
    diags: Vec<Diagnostic>,
    fatal: bool,
    stopped: bool,
    stack: Vec<PathBuf>,
    cycle_reported: Vec<Span>,
    /// Set while following an `includefile` whose line has a syntax error after the path: ntpd
    /// has already opened the file when it meets the bad token, and its error recovery then
    /// discards tokens up to the next end of command, which is the end of the included file's
    /// first line.
    swallow_first_line: Option<Span>,
    /// `check --root DIR`: the directory that stands for the configured host's `/`.
    root: Option<PathBuf>,
}

/// Load a configuration file from disk.
pub fn load_path(path: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    load_path_under(path, opts, None)
}

/// Load a configuration file from disk as the host whose `/` is `root` reads it: every absolute
/// path the configuration names (includes; classic's working directory `/` for relative
/// includes, or `classic_cwd`) is read under `root`. `path` itself is a path on this machine.
/// Without `root` this is [`load_path`].
pub fn load_path_under(path: &Path, opts: &LoadOptions, root: Option<&Path>) -> Result<Loaded, LoadError> {
    let bytes = read_include(path).map_err(|e| LoadError { path: path.display().to_string(), source: e })?;
    Ok(load_bytes_at(&path.display().to_string(), path, &bytes, opts, root, true))
}

/// Load a configuration from bytes (stdin, tests). Includes are resolved as for a file named
/// `name` (relative to the working directory when it has no directory part).
pub fn load_bytes(name: &str, bytes: &[u8], opts: &LoadOptions) -> Loaded {
    load_bytes_under(name, bytes, opts, None)
}

/// Load a configuration from bytes (standard input) as if it were the file `name` of the host
/// whose `/` is `root`: includes are resolved as for [`load_path_under`] and, for NTPsec, the
/// `ntp.d/*.conf` beside `name` under `root` are read. Without `root` this is [`load_bytes`].
pub fn load_bytes_under(name: &str, bytes: &[u8], opts: &LoadOptions, root: Option<&Path>) -> Loaded {
    let path = match root {
        Some(r) if Path::new(name).is_absolute() => r.join(Path::new(name).strip_prefix("/").unwrap_or(Path::new(name))),
        _ => PathBuf::from(name),
    };
    load_bytes_at(name, &path, bytes, opts, root, root.is_some())
}

/// Load bytes reported as `name` that stand for the file at `path` on this machine (relative
/// includes and NTPsec's `ntp.d/` are found from there; `conf_dir` reads that directory);
/// absolute paths the configuration names are read under `root`.
pub fn load_bytes_at(name: &str, path: &Path, bytes: &[u8], opts: &LoadOptions, root: Option<&Path>, conf_dir: bool) -> Loaded {
    let mut l = Loader::new(opts);
    l.root = root.map(Path::to_path_buf);
    l.run_file(name.to_string(), Some(path.to_path_buf()), bytes);
    if conf_dir
        && opts.dialect == Dialect::Ntpsec
        && !opts.no_conf_dir
        && !l.stopped
        && let Some(dir) = path.parent()
    {
        let d = dir.join("ntp.d");
        if d.is_dir() {
            l.read_dir_confs(&d);
        }
    }
    l.finish()
}

impl Loader {
    fn new(opts: &LoadOptions) -> Self {
        Loader {
            opts: opts.clone(),
            sources: SourceMap::default(),
            config: Config { dialect: opts.dialect, ..Config::default() },
            diags: Vec::new(),
            fatal: false,
            stopped: false,
            stack: Vec::new(),
            cycle_reported: Vec::new(),
            swallow_first_line: None,
            root: None,
        }
    }

    /// Where a path of the configured host is on this machine: under `root` when it is
    /// absolute and a root is set.
    fn under_root(&self, p: &Path) -> PathBuf {
        match &self.root {
            Some(r) if p.is_absolute() => r.join(p.strip_prefix("/").unwrap_or(p)),
            _ => p.to_path_buf(),
        }
    }

    /// The name a file read from `real` gets in diagnostics: the configured host's path when it
    /// lies under `root`.
    fn host_name(&self, real: &Path) -> String {
        match self.root.as_ref().and_then(|r| real.strip_prefix(r).ok()) {
            Some(rel) => Path::new("/").join(rel).display().to_string(),
            None => real.display().to_string(),
        }
    }

    fn finish(mut self) -> Loaded {
        lower::check(&self.config, &mut self.diags);
        if self.diags.iter().any(|d| d.code == Code::Ntp120) {
            self.fatal = true;
        }
        // Bytes inside a foreign comment are reported there, not again as NTP005.
        let foreign: Vec<Span> =
            self.diags.iter().filter(|d| d.code == Code::Ntp002).filter_map(|d| d.fix.as_ref().map(|f| f.edits[0].span)).collect();
        self.diags.retain(|d| {
            d.code != Code::Ntp005 || !foreign.iter().any(|f| f.file == d.span.file && f.start <= d.span.start && d.span.end <= f.end)
        });
        let sources = self.sources;
        self.diags.sort_by(|a, b| (a.span.file, a.span.start, a.code).cmp(&(b.span.file, b.span.start, b.code)));
        self.diags.dedup();
        Loaded { sources, config: self.config, diagnostics: self.diags, fatal: self.fatal, stopped: self.stopped }
    }

    fn run_file(&mut self, name: String, path: Option<PathBuf>, bytes: &[u8]) {
        let d = self.opts.dialect;
        let src = SourceFile::new(name, bytes);
        let id = self.sources.add(src);
        let text = self.sources.get(id).text.clone();
        let mut lexed = lex(id, &text, d);
        if let Some(bad) = self.swallow_first_line.take() {
            let k = lexed.tokens.iter().position(|t| t.kind == super::lexer::TokKind::Eoc).unwrap_or(lexed.tokens.len());
            if k > 0 {
                let s = Span::new(id, lexed.tokens[0].span.start, lexed.tokens[k - 1].span.end);
                let (bl, bc) = self.sources.get(bad.file).line_col(bad.start);
                self.diags.push(
                    Diagnostic::new(Code::Ntp010, s, format!("ntpd skips this line: it is still recovering from the syntax error on the `includefile` line ({}:{}:{})", self.sources.get(bad.file).name, bl, bc + 1))
                        .label("skipped by ntpd")
                        .effect(DaemonEffect::LineIgnored)
                        .help("ntpd opens the included file before it sees the bad token after the path; its error recovery then discards tokens up to the next end of command, which is the end of this line; ntpd logs the error as line 0 of this file")
                        .ntpd(Phase::Parse, "syntax error"),
                );
            }
            lexed.tokens.drain(..(k + 1).min(lexed.tokens.len()));
        }
        for s in &lexed.non_ascii {
            self.diags.push(Diagnostic::new(Code::Ntp005, *s, "bytes above 0x7F are dropped by ntpd").label("dropped").help(
                "ntpd reads only 7-bit ASCII: these bytes vanish without splitting the word they are in; move prose into a `#` comment",
            ));
        }
        if let Some(p) = &path {
            self.stack.push(canonical(p));
        }
        let mut parsed = parse_tokens(&lexed.tokens, d);
        if matches!(lexed.stop, Some(LexStop::Fatal(..))) {
            // ntpd exits inside the scanner: the unfinished command is never parsed.
            parsed.retain(|p| p.last < lexed.tokens.len());
        }
        let src = self.sources.get(id).clone();
        let mut ended = false;
        let mut after_end = false;
        // After a broken `simulate` block classic reads `;` as the end of a command. In the main
        // file the end of input is then no end of command: bison's default reductions still
        // apply the last command, then it logs a syntax error — unless it is still recovering
        // from the previous error (fewer than 3 tokens shifted since), when it logs nothing.
        let unterminated = match (lexed.sim_broken, self.stack.len()) {
            (Some(_), 1) => parsed.iter().position(|p| p.last + 1 == lexed.tokens.len() && p.first < p.last),
            _ => None,
        };
        for (pi, p) in parsed.iter().enumerate() {
            if Some(pi) == unterminated {
                let prev_failed = pi > 0 && parsed[pi - 1].fail.is_some();
                match &p.fail {
                    None => {
                        let s = lexed.tokens[p.last - 1].span;
                        self.diags.push(
                            Diagnostic::new(Code::Ntp009, s, "after the broken `simulate` block no `;` ends this command: ntpd applies it, then logs a syntax error at the end of the file")
                                .label("end of file inside a command")
                                .help("ntpd's scanner stays in `simulate` mode (newlines are spaces, `;` ends a command) for the rest of the file; fix or remove the `simulate` block")
                                .ntpd(Phase::Parse, "syntax error"),
                        );
                    }
                    Some(f) => {
                        let mut diag = syntax_diagnostic(&src, &lexed.tokens, p, d);
                        if prev_failed && f.at < p.first + 2 {
                            diag.ntpd_phase = None;
                            diag.ntpd_log = None;
                            diag.help = diag.help.map(|h| format!("{h}; ntpd, still recovering from the previous error, logs nothing"));
                        }
                        self.diags.push(diag);
                    }
                }
                if let Some(cmd) = &p.cmd {
                    self.apply(cmd.clone(), &src, path.as_deref());
                }
                continue;
            }
            if let Some(_f) = &p.fail {
                let diag = syntax_diagnostic(&src, &lexed.tokens, p, d);
                self.diags.push(diag);
            }
            self.action_messages(p);
            if let Some(cmd) = &p.cmd {
                if matches!(cmd, Cmd::End(_)) {
                    ended = true;
                    after_end = lexed.tokens[(p.last + 1).min(lexed.tokens.len())..].iter().any(|t| t.kind != super::lexer::TokKind::Eoc);
                }
                let trailing = match (cmd, &p.fail) {
                    (Cmd::Include(..), Some(f)) if f.at < p.last => Some(f.at),
                    _ => None,
                };
                if let Some(at) = trailing {
                    let bad = lexed.tokens[at].span;
                    self.swallow_first_line = Some(bad);
                    if let Some(dg) = self.diags.iter_mut().rev().find(|x| x.span == bad) {
                        dg.help = Some(
                            "ntpd has already opened the included file when it meets this token: it skips the included file's first line (error recovery), reads the rest of it, then reads on after this token; it logs the error as line 0 of the included file"
                                .into(),
                        );
                    }
                }
                self.apply(cmd.clone(), &src, path.as_deref());
                self.swallow_first_line = None;
                if let Some(at) = trailing {
                    // Back in this file, ntpd reads on right after the bad token.
                    // (`p.last` is past the end when a NUL cut the stream short.)
                    let end = (p.last + 1).min(lexed.tokens.len());
                    self.run_tail(&lexed.tokens[(at + 1).min(end)..end], &src, path.as_deref());
                }
            }
            if self.stopped {
                break;
            }
        }
        if ended && !self.stopped {
            self.stopped = true;
            let end_span = parsed.iter().rev().find_map(|p| match &p.cmd {
                Some(Cmd::End(s)) => Some(*s),
                _ => None,
            });
            if let Some(s) = end_span {
                self.diags.push(
                    Diagnostic::new(Code::Ntp009, s, "`end` stops ntpd reading this file and every file that includes it")
                        .label("parsing stops here")
                        .severity(if after_end { Severity::Error } else { Severity::Warning })
                        .effect(if after_end { DaemonEffect::PartiallyApplied } else { DaemonEffect::None })
                        .help("ntpd also logs a syntax error for `end`; everything after it is ignored; remove it unless you mean to cut the configuration here")
                        .ntpd(Phase::Parse, "syntax error"),
                );
            }
        }
        match &lexed.stop {
            Some(LexStop::Nul(s)) if !self.stopped => {
                self.stopped = true;
                self.diags.push(
                    Diagnostic::new(Code::Ntp009, *s, "a NUL byte ends all input: ntpd reads nothing after it")
                        .label("NUL byte")
                        .effect(DaemonEffect::LineIgnored)
                        .help("remove the NUL byte; everything after it, in this file and the files that include it, is ignored"),
                );
            }
            Some(LexStop::Fatal(f, s)) => {
                self.stopped = true;
                self.fatal = true;
                let msg = match f {
                    FatalLex::TooLong { began_with } => format!(
                        "token longer than {} characters: ntpd exits (`configuration item … longer than limit of 50, began with '{began_with}'`)",
                        if d == Dialect::Classic { 127 } else { 1024 }
                    ),
                    FatalLex::UIntUnrepresentable(t) => {
                        format!("`{t}` cannot be read as a number: ntpd exits (`U_int cannot be represented`)")
                    }
                    FatalLex::DoubleUnrepresentable(t) => format!("`{t}` underflows: ntpd exits (`Double too large to represent`)"),
                };
                self.diags.push(
                    Diagnostic::new(Code::Ntp008, *s, msg)
                        .label("ntpd exits here")
                        .effect(DaemonEffect::LineIgnored)
                        .ntpd(Phase::Parse, "fatal"),
                );
            }
            _ => {}
        }
        if path.is_some() {
            self.stack.pop();
        }
    }

    /// The messages ntpd logs from inside grammar actions (the line is still applied).
    fn action_messages(&mut self, p: &super::parser::Parsed) {
        for m in &p.messages {
            let (code, effect) = match m.kind {
                ActionKind::NotBoolean => (Code::Ntp115, DaemonEffect::None),
                ActionKind::FudgeStratum => (Code::Ntp115, DaemonEffect::PartiallyApplied),
                ActionKind::Pollskew => (Code::Ntp123, DaemonEffect::PartiallyApplied),
                ActionKind::Ippeerlimit => (Code::Ntp121, DaemonEffect::None),
                ActionKind::LeapSmear => (Code::Ntp122, DaemonEffect::LineIgnored),
            };
            let sev = if code == Code::Ntp121 || m.kind == ActionKind::NotBoolean { Severity::Warning } else { Severity::Error };
            let phase = if m.kind == ActionKind::Ippeerlimit { Phase::Config } else { Phase::Parse };
            self.diags.push(Diagnostic::new(code, m.span, m.message.clone()).severity(sev).effect(effect).ntpd(phase, m.message.clone()));
        }
    }

    /// Parse and apply a stretch of tokens (the rest of an `includefile` line after a bad
    /// token, which ntpd reads after the included file).
    fn run_tail(&mut self, toks: &[super::lexer::Token], src: &SourceFile, path: Option<&Path>) {
        let d = self.opts.dialect;
        for p in parse_tokens(toks, d) {
            if p.fail.is_some() {
                self.diags.push(syntax_diagnostic(src, toks, &p, d));
            }
            self.action_messages(&p);
            if let Some(cmd) = p.cmd {
                self.apply(cmd, src, path);
            }
            if self.stopped {
                break;
            }
        }
    }

    fn apply(&mut self, cmd: Cmd, src: &SourceFile, path: Option<&Path>) {
        match cmd {
            Cmd::Include(p, inner, span) => {
                if let Some(inner) = inner {
                    self.apply(*inner, src, path);
                }
                self.include(p, span, path);
            }
            other => lower::apply(&mut self.config, other, &mut self.diags),
        }
    }

    fn include(&mut self, p: Spanned<String>, span: Span, from: Option<&Path>) {
        let level = self.stack.len();
        if level > MAX_INCLUDE_LEVEL {
            self.diags.push(
                Diagnostic::new(Code::Ntp328, p.span, "maximum include depth exceeded: ntpd skips this includefile")
                    .label("not read")
                    .effect(DaemonEffect::LineIgnored)
                    .ntpd(Phase::Parse, "getconfig: Maximum include file level exceeded."),
            );
            return;
        }
        let d = self.opts.dialect;
        let raw = PathBuf::from(&p.value);
        let resolved = if raw.is_absolute() {
            self.under_root(&raw)
        } else {
            match d {
                Dialect::Classic => {
                    // Under a root, ntpd's working directory is the host's `/` (init, systemd).
                    let base = match (&self.opts.classic_cwd, &self.root) {
                        (Some(cwd), _) => self.under_root(cwd),
                        (None, Some(root)) => root.clone(),
                        (None, None) => std::env::current_dir().unwrap_or_default(),
                    };
                    base.join(&raw)
                }
                Dialect::Ntpsec => from.and_then(|f| f.parent()).map(|dir| dir.join(&raw)).unwrap_or(raw.clone()),
            }
        };
        let canon = canonical(&resolved);
        if self.stack.contains(&canon) && !self.cycle_reported.contains(&p.span) {
            self.cycle_reported.push(p.span);
            self.diags.push(
                Diagnostic::new(Code::Ntp328, p.span, format!("`{}` includes itself: ntpd reads it again until the include depth limit", p.value))
                    .label("include cycle")
                    .severity(Severity::Error)
                    .help("ntpd does not detect cycles: the directives of the cycle are applied several times; remove the includefile that closes the loop"),
            );
        }
        if resolved.is_dir() {
            match d {
                Dialect::Classic => {}
                Dialect::Ntpsec => {
                    self.config.includes.push(Include { path: p.clone(), span });
                    self.stack.push(canon);
                    self.read_dir_confs(&resolved);
                    self.stack.pop();
                }
            }
            return;
        }
        match read_include(&resolved) {
            Ok(bytes) => {
                self.config.includes.push(Include { path: p.clone(), span });
                self.run_file(p.value.clone(), Some(resolved), &bytes);
            }
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(Code::Ntp328, p.span, format!("cannot open included file `{}`: {e}", p.value))
                        .label("not found")
                        .effect(DaemonEffect::LineIgnored)
                        .help(match d {
                            Dialect::Classic => {
                                "classic ntpd resolves a relative path against its working directory (`/` when started by init or systemd)"
                            }
                            Dialect::Ntpsec => "NTPsec resolves a relative path against the directory of the file that includes it",
                        })
                        .ntpd(Phase::Parse, format!("getconfig: Couldn't open <{}>", p.value)),
                );
            }
        }
    }

    /// NTPsec: every `*.conf` entry of a directory, in descending name order.
    fn read_dir_confs(&mut self, dir: &Path) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut names: Vec<PathBuf> =
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(".conf")).collect();
        names.sort();
        names.reverse();
        for p in names {
            if self.stopped {
                break;
            }
            if p.is_dir() {
                self.read_dir_confs(&p);
            } else if let Ok(bytes) = read_include(&p) {
                self.run_file(self.host_name(&p), Some(p.clone()), &bytes);
            }
        }
    }
}

/// At most this much is read from an included file that is not a regular file (a device or a
/// FIFO: `includefile /dev/zero` must not read forever; ntpd itself stops at the first NUL).
pub const MAX_SPECIAL_INCLUDE: u64 = 1 << 20;

fn read_include(p: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(p)?;
    let regular = f.metadata().map(|m| m.is_file()).unwrap_or(false);
    let mut bytes = Vec::new();
    if regular {
        let mut f = f;
        f.read_to_end(&mut bytes)?;
    } else {
        f.take(MAX_SPECIAL_INCLUDE).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
