//! NTP330 unresolvable-hostname.
use super::common::*;

/// Host names that do not resolve (`--dns`).
pub struct UnresolvableHostname;

impl UnresolvableHostname {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp330,
        category: Category::Reliability,
        needs: Needs::EnvDns,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--dns` (opt-in): a `server`/`peer`/`pool`/`restrict` host name that does not resolve (for the family `-4`/`-6` asks for), and a `restrict` host name that resolves to several addresses (each becomes a host entry).",
        why: "An association whose name does not resolve never gets an address; a restrict line whose name does not resolve installs nothing.",
        flagged: "# ntpcheck-test: dns ntp.example.org=192.0.2.10\nserver nonexistent.example.org iburst\n",
        fine: "# ntpcheck-test: dns ntp.example.org=192.0.2.10\nserver ntp.example.org iburst\n",
        reference: "classic `ntp_config.c` (getaddrinfo at start-up; retries for associations).",
        url: CONFOPT,
    };
}

impl Rule for UnresolvableHostname {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        use crate::config::model::Family;
        let mut names: Vec<(String, Option<Family>, Span, bool)> = Vec::new();
        for s in ctx.network_sources() {
            if s.ip.is_none() {
                names.push((s.name().to_string(), s.assoc.address.family, s.assoc.address.span, false));
            }
        }
        for i in ctx.restrict_hostname_lines() {
            if let RestrictTarget::Address { address, .. } = &ctx.config().restricts[i].target {
                names.push((address.text.clone(), address.family, address.span, true));
            }
        }
        for (name, fam, sp, is_restrict) in names {
            let Some(res) = ctx.resolve(&name) else { return };
            let addrs: Vec<std::net::IpAddr> = match res {
                Ok(v) => v
                    .into_iter()
                    .filter(|a| match fam {
                        Some(Family::Ipv4) => a.is_ipv4(),
                        Some(Family::Ipv6) => a.is_ipv6(),
                        None => true,
                    })
                    .collect(),
                Err(_) => vec![],
            };
            if addrs.is_empty() {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp330,
                        sp,
                        format!(
                            "`{name}` does not resolve{}",
                            if is_restrict { ": this restrict line installs nothing" } else { ": this source never gets an address" }
                        ),
                    )
                    .label("no address")
                    .help("fix the name, or use a numeric address"),
                );
            } else if is_restrict && addrs.len() > 1 {
                let list = addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
                sink.push(
                    Diagnostic::new(
                        Code::Ntp330,
                        sp,
                        format!("`{name}` resolves to {} addresses; each becomes a host entry ({list})", addrs.len()),
                    )
                    .severity(Severity::Warning)
                    .label("several host entries")
                    .help("list the addresses you mean explicitly"),
                );
            }
        }
    }
}
