//! Turn a syntax error of [`super::parser`] into a [`Diagnostic`]: pick the code the lint
//! catalog gives it, point at the exact token, say what ntpd keeps and drops, and suggest the
//! keyword that was probably meant.

use super::Dialect;
use super::keywords::{KEYWORDS, Kw};
use super::lexer::{TokKind, Token};
use super::parser::{Expected, Fail, Parsed};
use crate::diagnostic::{Code, DaemonEffect, Diagnostic, Edit, Fix, Phase, Safety};
use crate::source::{SourceFile, Span};

/// Optimal string alignment distance (Damerau–Levenshtein without repeated edits).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The closest candidates to `word`: a case-insensitive match first, else distance ≤ 2.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let lower = word.to_ascii_lowercase();
    let exact: Vec<&str> = candidates.iter().copied().filter(|c| c.eq_ignore_ascii_case(word)).collect();
    if !exact.is_empty() {
        return exact;
    }
    let mut best: Vec<(usize, &str)> =
        candidates.iter().map(|c| (edit_distance(&lower, c), *c)).filter(|(d, c)| *d <= 2 && *d < c.len().max(2)).collect();
    best.sort();
    if let Some(&(d0, _)) = best.first() {
        best.retain(|(d, _)| *d == d0);
    }
    let mut out: Vec<&str> = best.into_iter().map(|(_, c)| c).collect();
    out.dedup();
    out
}

fn other_dialect_keyword(word: &str, dialect: Dialect) -> Option<&'static str> {
    let row = KEYWORDS.iter().find(|r| r.text == word)?;
    match dialect {
        Dialect::Classic if row.classic.is_none() && row.ntpsec.is_some() => Some("an NTPsec keyword; classic ntpd does not know it"),
        Dialect::Ntpsec if row.ntpsec.is_none() && row.classic.is_some() => Some("a classic ntpd keyword; NTPsec does not know it"),
        _ => None,
    }
}

fn describe(e: &Expected) -> String {
    match e {
        Expected::Keywords(k, eoc) => {
            let mut s =
                if k.len() > 8 { "a keyword".to_string() } else { k.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ") };
            if *eoc {
                s.push_str(" or the end of the line");
            }
            s
        }
        Expected::Integer => "an integer".into(),
        Expected::Unsigned => "an integer (decimal or 0x hex)".into(),
        Expected::Number => "a number".into(),
        Expected::Boolean => "0, 1 or `true`".into(),
        Expected::Str => "a name, path or address".into(),
        Expected::AddressTokenMode => "an address".into(),
        Expected::Special(c) => format!("`{c}`"),
        Expected::Ellipsis => "`...` (with spaces around it)".into(),
    }
}

/// Build the diagnostic for one failed command.
pub fn syntax_diagnostic(src: &SourceFile, toks: &[Token], p: &Parsed, dialect: Dialect) -> Diagnostic {
    let fail: &Fail = p.fail.as_ref().expect("syntax_diagnostic needs a failure");
    let at = fail.at.min(toks.len() - 1);
    let tok = &toks[at];
    let partial = p.cmd.is_some();
    let effect = if partial { DaemonEffect::PartiallyApplied } else { DaemonEffect::LineIgnored };
    let first = &toks[p.first];
    let (line, _) = src.line_col(first.span.start);
    let (_, line_end) = src.line_range(line);
    let kept = if partial && at > p.first {
        let end = toks[at - 1].span.end;
        Some(src.text[first.span.start..end].to_string())
    } else {
        None
    };
    // In classic's `simulate` mode a command runs to the next `;`, across lines.
    let semi = toks.get(p.last).is_some_and(|t| t.kind == TokKind::Eoc && t.text == ";");
    let consequence = match (&kept, semi) {
        (Some(k), false) => format!("ntpd applies `{}` and ignores the rest of the line", k.trim()),
        (None, false) => "ntpd ignores the whole line".to_string(),
        (Some(k), true) => format!("ntpd applies `{}` and ignores everything up to the next `;`", k.trim()),
        (None, true) => "ntpd ignores everything up to the next `;`".to_string(),
    };
    let prev = if at > 0 { Some(&toks[at - 1]) } else { None };
    let is_eoc = tok.kind == TokKind::Eoc && tok.text != " ";
    let text = tok.text.clone();
    let span = if is_eoc {
        // Point at the end of the previous token: that is where the argument is missing.
        let e = prev.map(|t| t.span.end).unwrap_or(tok.span.start);
        Span::new(tok.span.file, e, e)
    } else {
        tok.span
    };
    let ctx = fail.context.map(|c| format!("`{c}` ")).unwrap_or_default();
    let expected = describe(&fail.expected);
    let mut fix = None;
    let (code, message, label, mut help) = if is_eoc {
        (Code::Ntp006, format!("{ctx}is incomplete: expected {expected}"), "the line ends here".to_string(), None)
    } else if text.starts_with("//") || text.starts_with("/*") || tok.kind == TokKind::Special(';') {
        let end = line_end.max(span.end);
        let comment = src.text[span.start..end].to_string();
        let replacement = format!("# {}", comment.trim_start_matches(['/', '*', ';']).trim_start());
        fix = Some(Fix {
            description: "turn it into a `#` comment".into(),
            edits: vec![Edit { span: Span::new(span.file, span.start, end), replacement }],
            safety: Safety::Safe,
        });
        (
            Code::Ntp002,
            format!("`{}` does not start a comment in ntp.conf", if tok.kind == TokKind::Special(';') { ";" } else { &text[..2] }),
            "not a comment".to_string(),
            Some("only `#` starts a comment".to_string()),
        )
    } else if matches!(tok.kind, TokKind::Kw(Kw::Ipv4Flag) | TokKind::Kw(Kw::Ipv6Flag))
        && prev.is_some_and(|t| t.kind == TokKind::Kw(Kw::Default))
    {
        (
            Code::Ntp003,
            format!("`{text}` must come before `default`"),
            "qualifier after `default`".to_string(),
            Some(format!("write `restrict {text} default …`")),
        )
    } else if dialect == Dialect::Ntpsec
        && tok.kind == TokKind::Kw(Kw::Mask)
        && toks[p.first].kind == TokKind::Kw(Kw::Restrict)
        && toks.get(p.first + 1).is_some_and(|t| matches!(t.kind, TokKind::Kw(Kw::Ipv4Flag) | TokKind::Kw(Kw::Ipv6Flag)))
    {
        (
            Code::Ntp004,
            "NTPsec does not accept `-4`/`-6` together with `mask`".to_string(),
            "syntax error here".to_string(),
            Some("drop the qualifier (the address already fixes the family), or write ADDR/LEN".to_string()),
        )
    } else if fail.expected == Expected::AddressTokenMode
        && matches!(tok.kind, TokKind::Kw(_) | TokKind::Integer(_) | TokKind::UInt(_) | TokKind::Double(_))
    {
        (
            Code::Ntp007,
            format!(
                "`{text}` is read as a {} here, not as an address",
                if matches!(tok.kind, TokKind::Kw(_)) { "keyword" } else { "number" }
            ),
            "not an address".to_string(),
            Some("use a numeric address, or put the name in double quotes (quoted text is never a keyword)".to_string()),
        )
    } else if let (TokKind::Str(word), Expected::Keywords(cands, _)) = (&tok.kind, &fail.expected) {
        let mut h = Vec::new();
        if let Some(note) = other_dialect_keyword(word, dialect) {
            h.push(format!("`{word}` is {note}"));
        }
        let sugg = suggest(word, cands);
        if sugg.len() == 1 {
            h.push(format!("did you mean `{}`?", sugg[0]));
            fix = Some(Fix {
                description: format!("replace with `{}`", sugg[0]),
                edits: vec![Edit { span, replacement: sugg[0].to_string() }],
                safety: Safety::Safe,
            });
        } else if !sugg.is_empty() {
            h.push(format!("did you mean one of {}?", sugg.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")));
        }
        (
            Code::Ntp001,
            format!("unknown keyword `{word}`"),
            format!("expected {expected}"),
            if h.is_empty() { None } else { Some(h.join("; ")) },
        )
    } else if let TokKind::Kw(k) = &tok.kind {
        (Code::Ntp001, format!("keyword `{}` is not valid here", k.text()), format!("expected {expected}"), None)
    } else {
        let kind = match &tok.kind {
            TokKind::Integer(_) => "integer",
            TokKind::UInt(_) => "unsigned (hex or large) integer",
            TokKind::Double(_) => "decimal number",
            TokKind::Str(_) => "string",
            TokKind::Special(_) => "special character",
            _ => "token",
        };
        (Code::Ntp010, format!("{ctx}does not take the {kind} `{text}`: expected {expected}"), format!("expected {expected}"), None)
    };
    help = Some(match help {
        Some(h) => format!("{h}; {consequence}"),
        None => consequence,
    });
    if fail.context == Some("simulate") {
        help = help.map(|h| {
            format!(
                "{h}; inside a `simulate` block (ntpdsim's settings, ignored by ntpd) statements end at `;` and newlines are spaces, and after an error there ntpd keeps reading the rest of the file that way"
            )
        });
    }
    let mut d = Diagnostic::new(code, span, message).label(label).effect(effect).ntpd(Phase::Parse, "syntax error");
    d.help = help;
    d.fix = fix;
    d
}
