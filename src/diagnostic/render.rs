//! Rendering diagnostics: human (miette's graphical handler), JSON (our own stable schema) and
//! short (`file:line:col: CODE message`). miette types are created only here.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

use super::{DaemonEffect, Diagnostic, Fix, Phase, Severity};
use crate::source::SourceMap;

/// Position of a diagnostic, for machines: 1-based lines and columns (columns in characters).
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// Code.
    pub code: &'static str,
    /// Rule name.
    pub name: &'static str,
    /// error / warning / info.
    pub severity: Severity,
    /// Message.
    pub message: &'a str,
    /// File name.
    pub file: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// 1-based end line.
    pub end_line: usize,
    /// 1-based end column (exclusive).
    pub end_column: usize,
    /// Byte offset.
    pub offset: usize,
    /// Length in bytes.
    pub length: usize,
    /// Label.
    pub label: Option<&'a str>,
    /// Help.
    pub help: Option<&'a str>,
    /// What ntpd does with the line.
    pub daemon_effect: DaemonEffect,
    /// What ntpd logs.
    pub ntpd_log: Option<&'a str>,
    /// When ntpd logs it.
    pub ntpd_phase: Option<Phase>,
    /// Fix.
    pub fix: Option<&'a Fix>,
}

/// Convert for JSON output.
pub fn to_json<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> JsonDiagnostic<'a> {
    let f = sources.get(d.span.file);
    let (line, col0) = f.line_col(d.span.start);
    let (end_line, ecol0) = f.line_col(d.span.end);
    let chars = |line: usize, col0: usize| {
        let (s, _) = f.line_range(line);
        f.text.get(s..s + col0).map(|t| t.chars().count()).unwrap_or(col0)
    };
    JsonDiagnostic {
        code: d.code.as_str(),
        name: d.code.name(),
        severity: d.severity,
        message: &d.message,
        file: &f.name,
        line,
        column: chars(line, col0) + 1,
        end_line,
        end_column: chars(end_line, ecol0) + 1,
        offset: d.span.start,
        length: d.span.end - d.span.start,
        label: d.label.as_deref(),
        help: d.help.as_deref(),
        daemon_effect: d.daemon_effect,
        ntpd_log: d.ntpd_log.as_deref(),
        ntpd_phase: d.ntpd_phase,
        fix: d.fix.as_ref(),
    }
}

/// `file:line:col: CODE message`
pub fn short(d: &Diagnostic, sources: &SourceMap) -> String {
    let j = to_json(d, sources);
    format!("{}:{}:{}: {} [{}] {}", j.file, j.line, j.column, j.code, sev_word(d.severity), j.message)
}

fn sev_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

struct MietteDiag<'a> {
    d: &'a Diagnostic,
    src: NamedSource<String>,
}

impl fmt::Debug for MietteDiag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}
impl fmt::Display for MietteDiag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}
impl std::error::Error for MietteDiag<'_> {}

impl miette::Diagnostic for MietteDiag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("{} {}", self.d.code.as_str(), self.d.code.name())))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut h = self.d.help.clone().unwrap_or_default();
        if let Some(log) = &self.d.ntpd_log {
            if !h.is_empty() {
                h.push('\n');
            }
            h.push_str(&format!("ntpd logs: {log}"));
        }
        if h.is_empty() { None } else { Some(Box::new(h)) }
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let s = SourceSpan::new(self.d.span.start.into(), self.d.span.end - self.d.span.start);
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(self.d.label.clone(), s))))
    }
}

/// Render one diagnostic for a person. `color` selects the themed or the plain output.
pub fn human(d: &Diagnostic, sources: &SourceMap, color: bool, width: usize) -> String {
    let f = sources.get(d.span.file);
    let md = MietteDiag { d, src: NamedSource::new(f.name.clone(), f.text.clone()) };
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, &md);
    out
}
