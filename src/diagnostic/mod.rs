//! One diagnostic type for every problem: parser (NTP0xx), semantic checks (NTP1xx) and, later,
//! lint rules. Rendering lives in [`render`]; miette types appear only there.

pub mod code;
pub mod render;

use serde::Serialize;

use crate::source::Span;
pub use code::Code;

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advice.
    Info,
    /// Probably a mistake.
    Warning,
    /// ntpd rejects or ignores it, or the config cannot do what it says.
    Error,
}

/// What the real daemon does with the line the diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DaemonEffect {
    /// The whole line (or the directive's effect) is dropped.
    LineIgnored,
    /// A complete prefix of the line is applied, the rest dropped.
    PartiallyApplied,
    /// The line is applied as written (the diagnostic is advice or a warning ntpd prints).
    None,
}

/// One text edit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edit {
    /// What to replace.
    pub span: Span,
    /// With what.
    pub replacement: String,
}

/// Whether a fix keeps the meaning the author intended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    /// Meaning-preserving.
    Safe,
    /// Changes behaviour; offered, not applied automatically.
    Unsafe,
}

/// A suggested fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// What it does.
    pub description: String,
    /// Edits.
    pub edits: Vec<Edit>,
    /// Safety.
    pub safety: Safety,
}

/// A problem found in a configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Permanent code.
    pub code: Code,
    /// Severity.
    pub severity: Severity,
    /// One-line message.
    pub message: String,
    /// The exact token(s).
    pub span: Span,
    /// Label shown on the span.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// What ntpd does with the line.
    pub daemon_effect: DaemonEffect,
    /// A fix, when one exists.
    pub fix: Option<Fix>,
    /// What ntpd itself logs for this line, if anything.
    pub ntpd_log: Option<String>,
    /// When ntpd reports it: while parsing (seen by classic's `--saveconfigquit`), or while
    /// applying the configuration at start-up. `None`: ntpd says nothing.
    pub ntpd_phase: Option<Phase>,
    /// Other places involved (secondary labels), e.g. the sources a restrict line blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

/// A secondary location of a diagnostic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What this place has to do with the finding.
    pub label: String,
}

/// When ntpd notices a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// While parsing, with `line L column C` (classic `--saveconfigquit` reports these).
    Parse,
    /// While applying the configuration.
    Config,
}

impl Diagnostic {
    /// A new diagnostic with the code's default severity and no effect on the daemon.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span,
            label: None,
            help: None,
            daemon_effect: DaemonEffect::None,
            fix: None,
            ntpd_log: None,
            ntpd_phase: None,
            related: Vec::new(),
        }
    }
    /// Add a secondary label.
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push(Related { span, label: label.into() });
        self
    }
    /// Record what ntpd logs, and when.
    pub fn ntpd(mut self, phase: Phase, log: impl Into<String>) -> Self {
        self.ntpd_phase = Some(phase);
        self.ntpd_log = Some(log.into());
        self
    }
    /// Set the label.
    pub fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
    /// Set the help.
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
    /// Set the severity.
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    /// Set the daemon effect.
    pub fn effect(mut self, e: DaemonEffect) -> Self {
        self.daemon_effect = e;
        self
    }
    /// Attach a fix.
    pub fn fix(mut self, f: Fix) -> Self {
        self.fix = Some(f);
        self
    }
}
