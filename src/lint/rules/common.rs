//! Shared by the rule files: imports, documentation URLs and small fix builders.

pub use crate::config::Dialect;
pub use crate::config::model::{AssocOption, AssociationKind, RestrictAction, RestrictTarget, Value};
pub use crate::diagnostic::{Code, Diagnostic, Edit, Fix, Safety, Severity};
pub use crate::lint::context::{
    LintContext, RestrictView, Source, numbered_pool_name, pool_zone, private_ip, public_service, smearing_host,
};
pub use crate::proto::access::RestrictFlags;

/// Does `f` carry any flag of `of`?
pub fn any_of(f: RestrictFlags, of: RestrictFlags) -> bool {
    f.0 & of.0 != 0
}

/// The keywords of restrict flags, in the order findings list them (hardening flags first).
pub fn flag_words(f: RestrictFlags) -> Vec<&'static str> {
    const ORDER: [RestrictFlags; 16] = [
        RestrictFlags::IGNORE,
        RestrictFlags::NOSERVE,
        RestrictFlags::NOTRUST,
        RestrictFlags::NOMODIFY,
        RestrictFlags::NOQUERY,
        RestrictFlags::NOTRAP,
        RestrictFlags::NOPEER,
        RestrictFlags::NOEPEER,
        RestrictFlags::KOD,
        RestrictFlags::LIMITED,
        RestrictFlags::LPTRAP,
        RestrictFlags::VERSION,
        RestrictFlags::NOMRULIST,
        RestrictFlags::MSSNTP,
        RestrictFlags::FLAKE,
        RestrictFlags::SRVRSPFUZZ,
    ];
    ORDER.iter().filter(|x| f.contains(**x)).flat_map(|x| x.keywords()).collect()
}
pub use crate::lint::{Category, Dialects, Enabled, FixAvailability, Needs, Profile, Rule, RuleMeta, Sink};
pub use crate::source::Span;

/// ntp.org 4.2.8 documentation pages.
pub const ACCOPT: &str = "https://www.ntp.org/documentation/4.2.8-series/accopt/";
/// Association options.
pub const CONFOPT: &str = "https://www.ntp.org/documentation/4.2.8-series/confopt/";
/// Miscellaneous options.
pub const MISCOPT: &str = "https://www.ntp.org/documentation/4.2.8-series/miscopt/";
/// Authentication options.
pub const AUTHOPT: &str = "https://www.ntp.org/documentation/4.2.8-series/authopt/";
/// Monitoring options.
pub const MONOPT: &str = "https://www.ntp.org/documentation/4.2.8-series/monopt/";
/// Mitigation rules and the prefer peer.
pub const PREFER: &str = "https://www.ntp.org/documentation/4.2.8-series/prefer/";
/// Orphan mode.
pub const ORPHAN: &str = "https://www.ntp.org/documentation/4.2.8-series/orphan/";
/// Association management (pool).
pub const DISCOVER: &str = "https://www.ntp.org/documentation/4.2.8-series/discover/";
/// Undisciplined local clock.
pub const DRIVER1: &str = "https://www.ntp.org/documentation/drivers/driver1/";
/// NTP BCP.
pub const RFC8633: &str = "https://www.rfc-editor.org/rfc/rfc8633";
/// NTPsec's incompatible changes.
pub const NTPSEC_INCOMPAT: &str = "https://docs.ntpsec.org/latest/ntpsec.html";
/// NTPsec access control.
pub const NTPSEC_ACCOPT: &str = "https://docs.ntpsec.org/latest/accopt.html";
/// The pool's usage page.
pub const POOL_USE: &str = "https://www.ntppool.org/en/use.html";

/// Delete the whole line a span is on (with its newline).
pub fn delete_line(ctx: &LintContext, s: Span) -> Edit {
    Edit { span: ctx.line_with_newline(s), replacement: String::new() }
}

/// Insert a new line after the line a span is on.
pub fn insert_line_after(ctx: &LintContext, s: Span, text: &str) -> Edit {
    let l = ctx.line_with_newline(s);
    let f = ctx.sources_map().get(s.file);
    // A last line without a newline gets one first.
    if l.end == f.text.len() && !f.text.ends_with('\n') {
        Edit { span: Span::new(s.file, l.end, l.end), replacement: format!("\n{text}") }
    } else {
        Edit { span: Span::new(s.file, l.end, l.end), replacement: format!("{text}\n") }
    }
}

/// Remove one word (and the blank before it) from a line; when only the directive keyword
/// would be left, delete the whole line.
pub fn remove_word(ctx: &LintContext, s: Span) -> Edit {
    let line = ctx.line_span(s);
    let f = ctx.sources_map().get(s.file);
    let before = &f.text[line.start..s.start];
    let after = &f.text[s.end..line.end];
    let after = after.split('#').next().unwrap_or("");
    if before.split('#').count() == 1 && before.split_whitespace().count() + after.split_whitespace().count() <= 1 {
        return delete_line(ctx, s);
    }
    let b = f.text.as_bytes();
    let mut start = s.start;
    while start > 0 && (b[start - 1] == b' ' || b[start - 1] == b'\t') {
        start -= 1;
    }
    Edit { span: Span::new(s.file, start, s.end), replacement: String::new() }
}

/// Insert ` word` right after a span.
pub fn append_after(s: Span, word: &str) -> Edit {
    Edit { span: Span::new(s.file, s.end, s.end), replacement: format!(" {word}") }
}

/// A fix.
pub fn fix(description: impl Into<String>, safety: Safety, edits: Vec<Edit>) -> Fix {
    Fix { description: description.into(), edits, safety }
}

/// The last span of a list (for "after the last X line").
pub fn last_span<'a>(it: impl Iterator<Item = &'a Span>) -> Option<Span> {
    it.copied().max_by_key(|s| (s.file, s.start))
}

/// "1 source" / "3 sources".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// Where `restrict source …` goes: after the last `restrict` line of the main file, or at its
/// top.
pub fn restrict_source_edit(ctx: &LintContext, text: &str) -> Edit {
    let main = crate::source::FileId(0);
    match last_span(ctx.config().restricts.iter().filter(|r| r.span.file == main).map(|r| &r.span)) {
        Some(s) => insert_line_after(ctx, s, text),
        None => Edit { span: Span::new(main, 0, 0), replacement: format!("{text}\n") },
    }
}

/// The countable sources of NTP305/NTP304/NTP322: distinct selectable `server`/`peer`
/// addresses, independent refclocks (not LOCAL, modem or PPS), and for each `pool` line
/// `maxclock` (default 10) minus the other associations. `None` when the count cannot be known
/// (broadcast/multicast/manycast clients).
pub fn countable_sources(ctx: &LintContext) -> Option<usize> {
    let c = ctx.config();
    if c.broadcastclient.is_some() || !c.multicastclient.is_empty() {
        return None;
    }
    let srcs = ctx.time_sources();
    if srcs.iter().any(|s| s.kind() == AssociationKind::Manycastclient) {
        return None;
    }
    let mut ids: Vec<String> = Vec::new();
    let mut pools = 0usize;
    for s in &srcs {
        if s.has("noselect") {
            continue;
        }
        match (s.kind(), s.refclock) {
            (AssociationKind::Pool, _) => pools += 1,
            (_, Some(1 | 18 | 22)) => {}
            _ => {
                let id = s.identity();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    let mut n = ids.len();
    if pools > 0 {
        let maxclock = ctx.tos("maxclock").map(|(v, _)| v.max(0.0) as usize).unwrap_or(10);
        let others = srcs.iter().filter(|s| s.kind() != AssociationKind::Pool).count();
        n += maxclock.saturating_sub(others);
    }
    Some(n)
}
