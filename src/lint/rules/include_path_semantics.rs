//! NTP506 include-path-semantics.
use super::common::*;

/// Relative `includefile` paths.
pub struct IncludePathSemantics;

impl IncludePathSemantics {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp506,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`includefile` with a relative path.",
        why: "Classic resolves it against ntpd's working directory (usually `/` under a service manager), NTPsec against the including file's directory: the same line reads different files, or none.",
        flagged: "includefile ntp.local.conf\nserver 192.0.2.1 iburst\n",
        fine: "includefile /etc/ntp.local.conf\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec \"Incompatible changes\"; ntpconf reference §2.6.",
        url: NTPSEC_INCOMPAT,
    };
}

impl Rule for IncludePathSemantics {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for f in ctx.sources_map().files().iter().enumerate() {
            let file = crate::source::FileId(f.0 as u32);
            let text = &f.1.text;
            let mut off = 0;
            for line in text.split('\n') {
                let code = line.split('#').next().unwrap_or("");
                let mut words = code.split_whitespace();
                if words.next() == Some("includefile")
                    && let Some(p) = words.next()
                {
                    let p2 = p.trim_matches('"');
                    if !p2.starts_with('/') && !p2.is_empty() {
                        let at = off + code.find(p).unwrap_or(0);
                        sink.push(
                                Diagnostic::new(Code::Ntp506, Span::new(file, at, at + p.len()), format!("relative include `{p2}`: classic ntpd and NTPsec read different files"))
                                    .label("relative path")
                                    .help("write an absolute path: classic resolves it against its working directory (`/` under systemd), NTPsec against this file's directory"),
                            );
                    }
                }
                off += line.len() + 1;
            }
        }
    }
}
