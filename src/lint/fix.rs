//! Applying fixes to source text: non-overlapping edits, in order, never touching what lies
//! outside them (comments and layout are kept), and a unified diff for `--diff`.

use crate::diagnostic::{Diagnostic, Edit, Safety};
use crate::source::FileId;

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    /// Safe fixes only (`--fix`).
    Safe,
    /// Safe and unsafe (`--fix --unsafe-fixes`).
    All,
}

/// The edits of the applicable fixes for one file, in order, without overlaps (a fix whose
/// edits overlap an earlier accepted fix is left for the next run). Returns the edits and the
/// number of fixes taken.
pub fn select_edits(diags: &[Diagnostic], file: FileId, how: Applicability) -> (Vec<Edit>, usize) {
    let mut taken: Vec<Edit> = Vec::new();
    let mut n = 0;
    for d in diags {
        let Some(f) = &d.fix else { continue };
        if f.safety == Safety::Unsafe && how == Applicability::Safe {
            continue;
        }
        if f.edits.is_empty() || f.edits.iter().any(|e| e.span.file != file) {
            continue;
        }
        let overlaps = f.edits.iter().any(|e| {
            taken.iter().any(|t| {
                (e.span.start < t.span.end && t.span.start < e.span.end)
                    || (e.span.start == t.span.start && e.span.end == e.span.start && t.span.end == t.span.start)
            })
        });
        if overlaps {
            continue;
        }
        // Two identical edits (the same line added by two findings) count once.
        for e in &f.edits {
            if !taken.contains(e) {
                taken.push(e.clone());
            }
        }
        n += 1;
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    (taken, n)
}

/// Apply sorted, non-overlapping edits to `text`.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        if e.span.start < at || e.span.end > text.len() {
            continue;
        }
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.replacement);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A unified diff between two versions of a file.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let (a, b) = if name.starts_with('/') { (name.to_string(), name.to_string()) } else { (format!("a/{name}"), format!("b/{name}")) };
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(2).header(&a, &b).to_string()
}
