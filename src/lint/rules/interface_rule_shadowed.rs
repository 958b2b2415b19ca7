//! NTP325 interface-rule-shadowed.
use super::common::*;

/// An `interface` rule that a later rule overrides completely.
pub struct InterfaceRuleShadowed;

impl InterfaceRuleShadowed {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp325,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "An `interface`/`nic` rule that a later rule matching a superset of its addresses overrides (the last matching rule wins: `all` ⊇ `ipv4`/`ipv6` ⊇ an address or prefix of that family; equal names). Info: `interface listen X` with no `ignore`/`drop` rule at all (the default already listens everywhere).",
        why: "The rule has no effect; usually the order is reversed from what was meant (`interface listen eth0` then `interface ignore all` ignores eth0 too).",
        flagged: "interface listen eth0\ninterface ignore all\nserver 192.0.2.1 iburst\n",
        fine: "interface ignore all\ninterface listen eth0\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org miscellaneous options (`interface`: the last matching rule decides).",
        url: MISCOPT,
    };
}

fn family(t: &str) -> Option<&'static str> {
    let a = t.split('/').next().unwrap_or(t);
    match crate::config::lower::numeric_address(a) {
        Some(std::net::IpAddr::V4(_)) => Some("ipv4"),
        Some(std::net::IpAddr::V6(_)) => Some("ipv6"),
        None => None,
    }
}

fn covers(later: &crate::config::model::InterfaceRule, earlier: &crate::config::model::InterfaceRule) -> bool {
    if later.target == earlier.target {
        return true;
    }
    match later.target.as_str() {
        "all" if later.is_class => earlier.target != "wildcard",
        "ipv4" | "ipv6" if later.is_class => !earlier.is_class && family(&earlier.target) == Some(later.target.as_str()),
        _ => false,
    }
}

impl Rule for InterfaceRuleShadowed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let rules = &ctx.config().interface_rules;
        for (i, r) in rules.iter().enumerate() {
            if let Some(later) = rules[i + 1..].iter().find(|l| covers(l, r)) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp325,
                        ctx.keyword_span(r.span).to(r.span),
                        format!("`interface {} {}` has no effect: a later rule decides for all its addresses", r.action, r.target),
                    )
                    .label("overridden")
                    .related(later.span, "the last matching rule wins")
                    .help("put the more specific rule after the general one")
                    .fix(fix("delete the dead rule", Safety::Unsafe, vec![delete_line(ctx, r.span)])),
                );
            }
        }
        if !rules.is_empty() && rules.iter().all(|r| r.action == "listen") {
            let r = &rules[0];
            sink.push(
                Diagnostic::new(
                    Code::Ntp325,
                    ctx.keyword_span(r.span).to(r.span),
                    "`interface listen` without any `ignore`/`drop` rule changes nothing: ntpd listens everywhere by default",
                )
                .severity(Severity::Info)
                .label("no effect")
                .help("add `interface ignore all` (or `ignore wildcard`) before the `listen` rules to listen only there"),
            );
        }
    }
}
