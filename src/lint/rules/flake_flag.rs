//! NTP221 flake-flag.
use super::common::*;

/// `flake`.
pub struct FlakeFlag;

impl FlakeFlag {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp221,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`flake` on a restrict line.",
        why: "It drops about 10% of the NTP packets of matching hosts at random, replies from sources included; it is documented for testing only.",
        flagged: "restrict default nomodify notrap nopeer noquery flake\nserver 192.0.2.1 iburst\n",
        fine: "restrict default nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options (`flake`).",
        url: ACCOPT,
    };
}

impl Rule for FlakeFlag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for r in &ctx.config().restricts {
            for f in r.flags.iter().filter(|f| f.value == "flake") {
                sink.push(
                    Diagnostic::new(Code::Ntp221, f.span, "`flake` drops about 10% of packets at random: a testing flag")
                        .label("random packet loss")
                        .help("remove `flake`")
                        .fix(fix("remove `flake`", Safety::Unsafe, vec![remove_word(ctx, f.span)])),
                );
            }
        }
    }
}
