//! NTP206 restrict-by-hostname.
use super::common::*;

/// A restrict line naming a host.
pub struct RestrictByHostname;

impl RestrictByHostname {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp206,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "A `restrict` address that is not a numeric literal (and not `default` or `source`).",
        why: "The name is resolved once, at start-up, by a blocking lookup; every address returned becomes a host entry, later address changes are not followed, and if DNS is not up at boot the line is skipped entirely. Classic 4.2.8p18 ignores a `mask` on such lines; NTPsec applies it to the first address only.",
        flagged: "restrict default nomodify notrap nopeer noquery\nrestrict ntp.example.org nomodify notrap noquery\nserver ntp.example.org iburst\n",
        fine: "restrict default nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\nserver ntp.example.org iburst\n",
        reference: "classic `ntpd/ntp_config.c` config_access(); classic ChangeLog 4.2.8p18 (Bug 3872).",
        url: ACCOPT,
    };
}

impl Rule for RestrictByHostname {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for i in ctx.restrict_hostname_lines() {
            let r = &ctx.config().restricts[i];
            if r.action != RestrictAction::Restrict {
                continue;
            }
            let RestrictTarget::Address { address, .. } = &r.target else { continue };
            // Digit-and-dot forms are NTP110's (legacy notation).
            if address.text.chars().all(|c| c.is_ascii_digit() || c == '.') {
                continue;
            }
            let is_source = ctx.network_sources().iter().any(|s| s.name().eq_ignore_ascii_case(&address.text));
            sink.push(
                Diagnostic::new(Code::Ntp206, address.span, format!("`{}` is resolved once at start-up; later address changes are not followed", address.text))
                    .label("host name in a restrict line")
                    .help(if is_source {
                        "to exempt your sources use `restrict source nomodify notrap noquery` (ntpd ≥ 4.2.8, NTPsec): it follows the addresses the associations really use"
                    } else {
                        "use numeric addresses; if DNS is not up when ntpd starts, this line installs nothing"
                    }),
            );
        }
    }
}
