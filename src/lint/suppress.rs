//! Inline suppressions: `# ntpcheck: ignore NTP301[, NTP207 …]`. As a trailing comment it covers
//! its own line; on a line of its own it covers the next line that is not blank or a comment.
//! A suppression that silences nothing is itself reported (NTP408), so stale ones get removed.

use crate::diagnostic::{Code, Diagnostic, Fix, Safety, Severity};
use crate::source::{FileId, SourceMap, Span};

/// One parsed suppression comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The file.
    pub file: FileId,
    /// The 1-based line it covers.
    pub line: usize,
    /// The codes (with the span of each code word).
    pub codes: Vec<(Code, Span)>,
    /// The whole comment.
    pub span: Span,
    /// Words after `ignore` that are not codes.
    pub unknown: Vec<(String, Span)>,
}

const MARK: &str = "ntpcheck:";

/// Find every suppression comment.
pub fn collect(sources: &SourceMap) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (fi, f) in sources.files().iter().enumerate() {
        let file = FileId(fi as u32);
        let lines: Vec<&str> = f.text.split('\n').collect();
        let mut offset = 0;
        for (li, line) in lines.iter().enumerate() {
            let line_start = offset;
            offset += line.len() + 1;
            let Some(hash) = line.find('#') else { continue };
            let comment = &line[hash + 1..];
            let Some(m) = comment.find(MARK) else { continue };
            let rest = &comment[m + MARK.len()..];
            let rest_trim = rest.trim_start();
            let Some(list) = rest_trim.strip_prefix("ignore") else { continue };
            let list_off = line_start + hash + 1 + m + MARK.len() + (rest.len() - rest_trim.len()) + "ignore".len();
            let mut codes = Vec::new();
            let mut unknown = Vec::new();
            let mut pos = 0;
            for word in list.split(|c: char| c.is_whitespace() || c == ',') {
                let at = list[pos..].find(word).map(|i| pos + i).unwrap_or(pos);
                pos = at + word.len();
                if word.is_empty() {
                    continue;
                }
                let sp = Span::new(file, list_off + at, list_off + at + word.len());
                match word.parse::<Code>() {
                    Ok(c) => codes.push((c, sp)),
                    Err(_) => unknown.push((word.to_string(), sp)),
                }
            }
            let own_line = line[..hash].trim().is_empty();
            let covered = if own_line {
                let mut j = li + 1;
                while j < lines.len() && {
                    let t = lines[j].trim();
                    t.is_empty() || t.starts_with('#')
                } {
                    j += 1;
                }
                j + 1
            } else {
                li + 1
            };
            let span = Span::new(file, line_start + hash, line_start + line.trim_end_matches('\r').len());
            out.push(Suppression { file, line: covered, codes, span, unknown });
        }
    }
    out
}

/// Drop suppressed findings; report unused suppressions of codes for which `ran` is true
/// (a suppression of a rule that did not run this time is not "unused").
pub fn apply_with(sources: &SourceMap, diags: Vec<Diagnostic>, ran: &dyn Fn(Code) -> bool) -> Vec<Diagnostic> {
    let sups = collect(sources);
    let mut used: Vec<Vec<bool>> = sups.iter().map(|s| vec![false; s.codes.len()]).collect();
    let mut out = Vec::new();
    for d in diags {
        let f = sources.get(d.span.file);
        let (line, _) = f.line_col(d.span.start);
        let mut hit = false;
        for (si, s) in sups.iter().enumerate() {
            if s.file == d.span.file && s.line == line {
                for (ci, (c, _)) in s.codes.iter().enumerate() {
                    if *c == d.code {
                        used[si][ci] = true;
                        hit = true;
                    }
                }
            }
        }
        if !hit {
            out.push(d);
        }
    }
    for (si, s) in sups.iter().enumerate() {
        for (ci, (c, sp)) in s.codes.iter().enumerate() {
            if !used[si][ci] && ran(*c) {
                let only = s.codes.len() == 1 && s.unknown.is_empty();
                let (edit_span, what) = if only { (s.span, "remove the comment") } else { (*sp, "remove the code") };
                out.push(
                    Diagnostic::new(Code::Ntp408, *sp, format!("suppression of {c} matches no finding on the line it covers"))
                        .label("nothing to suppress here")
                        .help(format!("{what}; it no longer silences anything and would hide a future finding"))
                        .fix(Fix {
                            description: what.into(),
                            edits: vec![crate::diagnostic::Edit { span: edit_span, replacement: String::new() }],
                            safety: Safety::Safe,
                        }),
                );
            }
        }
        for (w, sp) in &s.unknown {
            out.push(
                Diagnostic::new(Code::Ntp408, *sp, format!("`{w}` is not an ntpcheck code: this suppression silences nothing"))
                    .severity(Severity::Warning)
                    .label("unknown code")
                    .help("write codes as `NTPxxx`, separated by spaces or commas"),
            );
        }
    }
    out
}

/// [`apply_with`] treating every code as having run.
pub fn apply(sources: &SourceMap, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    apply_with(sources, diags, &|_| true)
}
