//! NTP331 source-is-self.
use super::common::*;

/// A source address that is one of this host's own.
pub struct SourceIsSelf;

impl SourceIsSelf {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp331,
        category: Category::Reliability,
        needs: Needs::EnvNet,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: a source whose address (numeric, or resolved with `--dns`) is one of this host's interface addresses (127.0.0.1 included).",
        why: "ntpd inserts `ignore ntpport` entries for its own addresses, so the association can never work; it is usually a config copied from the server to itself.",
        flagged: "# ntpcheck-test: local-addresses 192.0.2.1\nserver 192.0.2.1 iburst\n",
        fine: "# ntpcheck-test: local-addresses 192.0.2.1\nserver 192.0.2.2 iburst\n",
        reference: "classic `ntp_io.c` (interface restrict entries); ntpconf reference §7.3.",
        url: CONFOPT,
    };
}

impl Rule for SourceIsSelf {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let local = ctx.opts.local_addresses.clone().unwrap_or_else(crate::lint::env::local_addresses);
        for s in ctx.network_sources() {
            let mut ips: Vec<std::net::IpAddr> = s.ip.into_iter().collect();
            if s.ip.is_none()
                && let Some(Ok(v)) = ctx.resolve(s.name())
            {
                ips = v;
            }
            if let Some(ip) = ips.iter().find(|ip| local.contains(ip)) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp331,
                        s.assoc.address.span,
                        format!("{ip} is an address of this host: ntpd ignores its own packets, so this source never works"),
                    )
                    .label("this host")
                    .help("remove the line; a server cannot use itself as a source"),
                );
            }
        }
    }
}
