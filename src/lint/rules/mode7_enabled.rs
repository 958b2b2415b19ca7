//! NTP203 mode7-enabled.
use super::common::*;

/// `enable mode7`: the ntpdc protocol behind the monlist amplification attacks.
pub struct Mode7Enabled;

impl Mode7Enabled {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp203,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`enable mode7`. An error when a default entry lacks `noquery` or no `requestkey` is set; a warning otherwise.",
        why: "Mode 7 (ntpdc) is the protocol behind the monlist amplification attacks (CVE-2013-5211) and later crashes (CVE-2015-7848, CVE-2016-2518); it is off by default since 4.2.7p26 and removed from NTPsec.",
        flagged: "restrict default kod nomodify notrap nopeer\nenable mode7\nserver 192.0.2.1 iburst\n",
        fine: "restrict default kod nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org miscellaneous options (`mode7`, default off); RFC 8633 §3.4, App. A.2; Bugs 1532, 2913, 3009.",
        url: MISCOPT,
    };
}

impl Rule for Mode7Enabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(s) = ctx.enabled_flag("mode7") else { return };
        let a = ctx.access();
        let open = [false, true].iter().any(|&v6| !a.default_entry(v6).flags.contains(RestrictFlags::NOQUERY));
        let nokey = ctx.config().auth.requestkey.is_none();
        let sev = if open || nokey { Severity::Error } else { Severity::Warning };
        let why = match (open, nokey) {
            (true, _) => "a default entry lacks `noquery`, so anyone can send ntpdc requests",
            (false, true) => "no `requestkey` is set",
            _ => "mode 7 stays reachable from the hosts your restrict lines exempt",
        };
        sink.push(
            Diagnostic::new(Code::Ntp203, s, "`enable mode7` turns on the ntpdc protocol behind the monlist amplification attacks")
                .severity(sev)
                .label(why)
                .help("remove `mode7` and use ntpq (mode 6); if a local tool needs ntpdc, keep `noquery` on the defaults, exempt only 127.0.0.1/::1 and set `requestkey`")
                .fix(fix("remove `mode7`", Safety::Unsafe, vec![remove_word(ctx, s)])),
        );
    }
}
