//! NTP318 aggressive-polling-public.
use super::common::*;

/// `burst` or short polls against public services.
pub struct AggressivePollingPublic;

impl AggressivePollingPublic {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp318,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "On a public source (pool.ntp.org zones and well-known public services): `burst`, or `minpoll` < 6, or `maxpoll` < 6.",
        why: "The pool asks users not to use `burst` or lowered polls against its servers; `burst` sends up to 8 packets per poll and servers may answer with a KoD. RFC 8633 §3.6: use only servers you have permission to use.",
        flagged: "pool pool.ntp.org iburst minpoll 4 maxpoll 4\n",
        fine: "pool pool.ntp.org iburst\n",
        reference: "pool.ntp.org usage page (\"be friendly\"); ntp.org rate management and poll process.",
        url: POOL_USE,
    };
}

impl Rule for AggressivePollingPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.network_sources() {
            if s.ip.is_some() || !public_service(s.name()) {
                continue;
            }
            if let Some(o) = s.opt("burst") {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp318,
                        o.span(),
                        format!("`burst` against the public service `{}` sends up to 8 packets per poll", s.name()),
                    )
                    .label("abusive to public servers")
                    .help("remove `burst` (keep `iburst`)")
                    .fix(fix("remove `burst`", Safety::Unsafe, vec![remove_word(ctx, o.span())])),
                );
            }
            for name in ["minpoll", "maxpoll"] {
                if let (Some(v), Some(o)) = (s.int(name), s.opt(name))
                    && v < 6
                {
                    sink.push(
                        Diagnostic::new(
                            Code::Ntp318,
                            o.span(),
                            format!("`{name} {v}` polls the public service `{}` every {} s", s.name(), 1u64 << v.clamp(0, 17)),
                        )
                        .label("polls faster than public servers allow")
                        .help(format!("remove `{name} {v}` (the defaults are 6 and 10)"))
                        .fix(fix(format!("remove `{name} {v}`"), Safety::Unsafe, vec![remove_word(ctx, o.span())])),
                    );
                }
            }
        }
    }
}
