//! NTP404 zero-mask-is-default.
use super::common::*;

/// `restrict 0.0.0.0 mask 0.0.0.0` / `restrict :: mask ::`.
pub struct ZeroMaskIsDefault;

impl ZeroMaskIsDefault {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp404,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "`restrict 0.0.0.0 mask 0.0.0.0` or `restrict :: mask ::`.",
        why: "This is the family's default entry (classic compiles `restrict -4 default` into exactly this); `restrict -4 default` / `-6 default` tells readers so.",
        flagged: "restrict 0.0.0.0 mask 0.0.0.0 nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        fine: "restrict -4 default nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "classic `ntp_parser.y` (access_control_command).",
        url: ACCOPT,
    };
}

impl Rule for ZeroMaskIsDefault {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for r in &ctx.config().restricts {
            let RestrictTarget::Address { address, mask: Some(m) } = &r.target else { continue };
            let (fam, word) = match (address.text.as_str(), m.text.as_str()) {
                ("0.0.0.0", "0.0.0.0") => ("-4", "IPv4"),
                ("::", "::") => ("-6", "IPv6"),
                _ => continue,
            };
            if address.family.is_some() {
                continue;
            }
            sink.push(
                Diagnostic::new(Code::Ntp404, address.span.to(m.span), format!("this is the {word} default entry: write `{fam} default`"))
                    .severity(Severity::Info)
                    .label(format!("the {word} default"))
                    .help(format!("replace with `{fam} default`"))
                    .fix(fix(
                        format!("write `{fam} default`"),
                        Safety::Safe,
                        vec![Edit { span: address.span.to(m.span), replacement: format!("{fam} default") }],
                    )),
            );
        }
    }
}
