//! NTP309 pool-option-not-propagated.
use super::common::*;

/// Options on `pool` that the spawned associations never get.
pub struct PoolOptionNotPropagated;

impl PoolOptionNotPropagated {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp309,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "A `pool` line with `prefer`, `burst`, `true`, `xleave` or `preempt`.",
        why: "Associations spawned from a pool get only `iburst` and `noselect` from the prototype (classic `POOL_FLAG_PMASK`) plus its poll limits; `preempt` is stripped. The other options silently do nothing.",
        flagged: "pool pool.ntp.org iburst prefer\n",
        fine: "pool pool.ntp.org iburst\n",
        reference: "classic `ntpd/ntp_proto.c` (`POOL_FLAG_PMASK`), `ntpd/ntp_peer.c`.",
        url: DISCOVER,
    };
}

impl Rule for PoolOptionNotPropagated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.network_sources() {
            if s.kind() != AssociationKind::Pool {
                continue;
            }
            for name in ["prefer", "burst", "true", "xleave", "preempt"] {
                if let Some(o) = s.opt(name) {
                    sink.push(
                        Diagnostic::new(
                            Code::Ntp309,
                            o.span(),
                            format!(
                                "`{name}` on a `pool` line does nothing: pool servers get only `iburst`, `noselect` and the poll limits"
                            ),
                        )
                        .label("not passed on to pool servers")
                        .help(format!("remove `{name}`; to prefer a server, name it on a `server` line"))
                        .fix(fix(format!("remove `{name}`"), Safety::Safe, vec![remove_word(ctx, o.span())])),
                    );
                }
            }
        }
    }
}
