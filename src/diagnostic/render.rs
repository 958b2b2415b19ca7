//! Rendering diagnostics: human (miette's graphical handler), JSON (our own stable schema),
//! short (`file:line:col: CODE message`), SARIF 2.1.0 and GitHub workflow annotations. miette
//! types are created only here.

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
    /// Secondary locations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated<'a>>,
}

/// A secondary location, for machines.
#[derive(Debug, Clone, Serialize)]
pub struct JsonRelated<'a> {
    /// File name.
    pub file: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// 1-based end line.
    pub end_line: usize,
    /// 1-based end column (exclusive).
    pub end_column: usize,
    /// What this place has to do with the finding.
    pub label: &'a str,
}

/// 1-based (line, column in characters) of a byte offset.
pub fn position(sources: &SourceMap, span_file: crate::source::FileId, offset: usize) -> (usize, usize) {
    let f = sources.get(span_file);
    let (line, col0) = f.line_col(offset);
    let (s, _) = f.line_range(line);
    let col = f.text.get(s..s + col0).map(|t| t.chars().count()).unwrap_or(col0);
    (line, col + 1)
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
        related: d
            .related
            .iter()
            .map(|r| {
                let (line, column) = position(sources, r.span.file, r.span.start);
                let (end_line, end_column) = position(sources, r.span.file, r.span.end);
                JsonRelated { file: &sources.get(r.span.file).name, line, column, end_line, end_column, label: &r.label }
            })
            .collect(),
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
    elsewhere: Vec<String>,
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
        for e in &self.elsewhere {
            if !h.is_empty() {
                h.push('\n');
            }
            h.push_str(e);
        }
        if let Some(f) = &self.d.fix {
            if !h.is_empty() {
                h.push('\n');
            }
            let how = match f.safety {
                super::Safety::Safe => "safe fix (`--fix`)",
                super::Safety::Unsafe => "unsafe fix (`--fix --unsafe-fixes`)",
            };
            h.push_str(&format!("{how}: {}", f.description));
        }
        if h.is_empty() { None } else { Some(Box::new(h)) }
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let s = SourceSpan::new(self.d.span.start.into(), self.d.span.end - self.d.span.start);
        let primary = LabeledSpan::new_primary_with_span(self.d.label.clone(), s);
        // Secondary labels in the same file; others are named in the help text.
        let file = self.d.span.file;
        let related =
            self.d.related.iter().filter(move |r| r.span.file == file).map(|r| {
                LabeledSpan::new_with_span(Some(r.label.clone()), SourceSpan::new(r.span.start.into(), r.span.end - r.span.start))
            });
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// Render one diagnostic for a person. `color` selects the themed or the plain output.
pub fn human(d: &Diagnostic, sources: &SourceMap, color: bool, width: usize) -> String {
    let f = sources.get(d.span.file);
    let elsewhere = d
        .related
        .iter()
        .filter(|r| r.span.file != d.span.file)
        .map(|r| {
            let (line, col) = position(sources, r.span.file, r.span.start);
            format!("also {}:{line}:{col}: {}", sources.get(r.span.file).name, r.label)
        })
        .collect();
    let md = MietteDiag { d, src: NamedSource::new(f.name.clone(), f.text.clone()), elsewhere };
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, &md);
    out
}

/// GitHub Actions workflow command for one diagnostic (`::error file=…::message`).
pub fn github(d: &Diagnostic, sources: &SourceMap) -> String {
    let j = to_json(d, sources);
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let prop = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A").replace(':', "%3A").replace(',', "%2C");
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let mut msg = j.message.to_string();
    if let Some(h) = j.help {
        msg.push_str(&format!("\nhelp: {h}"));
    }
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        prop(j.file),
        j.line,
        j.column,
        j.end_line,
        j.end_column,
        prop(&format!("{} {}", j.code, j.name)),
        data(&msg)
    )
}

/// Rule metadata SARIF needs, supplied by the caller (the lint registry lives above this module).
#[derive(Debug, Clone)]
pub struct SarifRule {
    /// Code.
    pub code: super::Code,
    /// Full description (plain text).
    pub full: String,
    /// Help (Markdown).
    pub help_markdown: String,
    /// Help URI.
    pub help_uri: Option<String>,
    /// Category tag.
    pub category: String,
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn sarif_region(sources: &SourceMap, sp: crate::source::Span) -> serde_json::Value {
    let (sl, sc) = position(sources, sp.file, sp.start);
    let (el, ec) = position(sources, sp.file, sp.end);
    serde_json::json!({ "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec })
}

fn sarif_uri(name: &str) -> String {
    if name == "<stdin>" {
        return "stdin".into();
    }
    let n = name.strip_prefix("./").unwrap_or(name);
    n.replace('%', "%25").replace(' ', "%20").replace('<', "%3C").replace('>', "%3E")
}

/// A SARIF 2.1.0 log for all findings of all loads.
pub fn sarif(loads: &[(&SourceMap, &[Diagnostic])], rules: &[SarifRule], version: &str) -> serde_json::Value {
    let rule_index = |c: super::Code| rules.iter().position(|r| r.code == c);
    let rules_json: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            let mut v = serde_json::json!({
                "id": r.code.as_str(),
                "name": r.code.name(),
                "shortDescription": { "text": r.code.summary() },
                "fullDescription": { "text": r.full },
                "help": { "text": r.full, "markdown": r.help_markdown },
                "defaultConfiguration": { "level": sarif_level(r.code.default_severity()) },
                "properties": { "tags": [r.category] },
            });
            if let Some(u) = &r.help_uri {
                v["helpUri"] = serde_json::Value::String(u.clone());
            }
            v
        })
        .collect();
    let mut results = Vec::new();
    for (sources, diags) in loads {
        for d in diags.iter() {
            let f = sources.get(d.span.file);
            let mut res = serde_json::json!({
                "ruleId": d.code.as_str(),
                "level": sarif_level(d.severity),
                "message": { "text": match &d.help { Some(h) => format!("{}\n{}", d.message, h), None => d.message.clone() } },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": sarif_uri(&f.name) },
                        "region": sarif_region(sources, d.span),
                    }
                }],
            });
            if let Some(i) = rule_index(d.code) {
                res["ruleIndex"] = serde_json::json!(i);
            }
            if !d.related.is_empty() {
                res["relatedLocations"] = serde_json::Value::Array(
                    d.related
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            serde_json::json!({
                                "id": i,
                                "message": { "text": r.label },
                                "physicalLocation": {
                                    "artifactLocation": { "uri": sarif_uri(&sources.get(r.span.file).name) },
                                    "region": sarif_region(sources, r.span),
                                }
                            })
                        })
                        .collect(),
                );
            }
            if let Some(fx) = &d.fix {
                let changes: Vec<serde_json::Value> = fx
                    .edits
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "artifactLocation": { "uri": sarif_uri(&sources.get(e.span.file).name) },
                            "replacements": [{
                                "deletedRegion": sarif_region(sources, e.span),
                                "insertedContent": { "text": e.replacement },
                            }]
                        })
                    })
                    .collect();
                res["fixes"] = serde_json::json!([{ "description": { "text": fx.description }, "artifactChanges": changes }]);
            }
            results.push(res);
        }
    }
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "ntpcheck", "version": version, "semanticVersion": version, "rules": rules_json } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
