//! NTP207 restrict-lifts-default-hardening.
use super::common::*;

/// A specific entry that drops hardening flags the default has.
pub struct RestrictLiftsDefaultHardening;

impl RestrictLiftsDefaultHardening {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp207,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "A non-loopback entry more specific than the default that lacks `noquery`, `nomodify`, `notrap` or `nopeer` while the covering default has it. A warning when `noquery` or `nomodify` is lifted for global addresses; info for private, unique-local and link-local ranges. NTPsec ignores `notrap`/`nopeer`, so only `noquery`/`nomodify` count there.",
        why: "Entries do not inherit from the default: `restrict 203.0.113.5` with no flags gives that host full mode 6 access and, with the key, runtime control. People add such lines to \"let the server answer\", which only needs the time-service flags off.",
        flagged: "restrict default kod nomodify notrap nopeer noquery\nrestrict 203.0.113.5\nserver 203.0.113.5 iburst\n",
        fine: "restrict default kod nomodify notrap nopeer noquery\nrestrict 203.0.113.5 nomodify notrap nopeer noquery\nserver 203.0.113.5 iburst\n",
        reference: "ntp.org access control options (most specific entry wins, no inheritance); RFC 8633 App. A.2.",
        url: ACCOPT,
    };
}

impl Rule for RestrictLiftsDefaultHardening {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let a = ctx.access();
        let relevant = if ctx.classic() {
            RestrictFlags::NOQUERY | RestrictFlags::NOMODIFY | RestrictFlags::NOTRAP | RestrictFlags::NOPEER
        } else {
            RestrictFlags::NOQUERY | RestrictFlags::NOMODIFY
        };
        for e in ctx.restrict_entries() {
            if e.is_default || e.is_loopback() || e.lines.is_empty() || e.flags().contains(RestrictFlags::IGNORE) {
                continue;
            }
            let def = a.default_entry(e.v6());
            let lifted = RestrictFlags(def.flags.0 & relevant.0).without(e.flags());
            if lifted.is_empty() {
                continue;
            }
            let ip = e.ip();
            let serious = any_of(lifted, RestrictFlags::NOQUERY | RestrictFlags::NOMODIFY);
            let sev = if serious && !private_ip(ip) { Severity::Warning } else { Severity::Info };
            let r = &ctx.config().restricts[*e.lines.last().expect("has lines")];
            let RestrictTarget::Address { address, .. } = &r.target else { continue };
            let words = flag_words(lifted);
            let list = words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
            let wanted = flag_words(RestrictFlags(def.flags.0 & relevant.0) | e.flags()).join(" ");
            sink.push(
                Diagnostic::new(
                    Code::Ntp207,
                    address.span,
                    format!("this entry lifts {list} that the default sets: entries do not inherit"),
                )
                .severity(sev)
                .label(format!(
                    "{} gets {}",
                    address.text,
                    if serious { "mode 6 access the default denies" } else { "more than the default allows" }
                ))
                .help(format!("repeat the hardening flags: `restrict {} {}`", address.text, wanted))
                .fix(fix(format!("add {}", words.join(" ")), Safety::Unsafe, vec![append_after(r.span, &words.join(" "))])),
            );
        }
    }
}
