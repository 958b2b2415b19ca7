//! NTP508 classic-version-gate.
use super::common::*;

/// Features newer than the classic version the config is for.
pub struct ClassicVersionGate;

impl ClassicVersionGate {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp508,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Migrate(Some(Dialect::Classic)),
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--profile migrate --target classic@4.2.X[pN]`: a feature newer than that version — `pool` (4.2.6), `restrict source` (4.2.8), `tinker stepback`/`stepfwd` (p2), `dscp`, `leapsmearinterval` (p3), `restrict -4/-6 … mask` (p10), `ippeerlimit`, `noepeer`, `tos basedate` (p11), `xmtnonce`, `pollskewlist`, `serverresponse fuzz`, `leapfile checkhash/ignorehash`, `fudge minjitter` (p14), `device` (p16), `delrestrict` (p18); with `--env`, AES128CMAC keys in the keys file (p11).",
        why: "An older ntpd does not know the keyword: the line is a syntax error there (or only its prefix is applied).",
        flagged: "# ntpcheck-test: target classic@4.2.6p5\nrestrict default kod limited nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\npool pool.ntp.org iburst\n",
        fine: "# ntpcheck-test: target classic@4.2.6p5\nrestrict default kod nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntpconf reference §4.1 (classic ChangeLog and keyword history).",
        url: "https://www.ntp.org/documentation/4.2.8-series/",
    };
}

fn ver(v: (u8, u8)) -> String {
    format!("4.2.{}{}", v.0, if v.1 > 0 { format!("p{}", v.1) } else { String::new() })
}

impl Rule for ClassicVersionGate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(t) = ctx.opts.target.filter(|t| t.dialect == Dialect::Classic) else { return };
        let have = t.classic_version;
        let c = ctx.config();
        let mut found: Vec<(Span, &str, (u8, u8))> = Vec::new();
        for s in ctx.all_sources() {
            if s.kind() == AssociationKind::Pool {
                found.push((ctx.keyword_span(s.assoc.span), "`pool`", (6, 0)));
            }
            if let Some(o) = s.opt("xmtnonce") {
                found.push((o.span(), "`xmtnonce`", (8, 14)));
            }
        }
        for r in &c.restricts {
            match &r.target {
                RestrictTarget::Source { .. } => found.push((ctx.keyword_span(r.span).to(r.span), "`restrict source`", (8, 0))),
                RestrictTarget::Address { address, mask: Some(_) } if address.family.is_some() => {
                    found.push((address.span, "`restrict -4/-6 ADDR mask M`", (8, 10)))
                }
                _ => {}
            }
            if r.action == RestrictAction::Delrestrict {
                found.push((ctx.keyword_span(r.span), "`delrestrict`", (8, 18)));
            }
            if let Some(p) = &r.ippeerlimit {
                found.push((p.span, "`ippeerlimit`", (8, 11)));
            }
            for f in &r.flags {
                match f.value.as_str() {
                    "noepeer" => found.push((f.span, "`noepeer`", (8, 11))),
                    "serverresponse fuzz" => found.push((f.span, "`serverresponse fuzz`", (8, 14))),
                    _ => {}
                }
            }
        }
        for tk in &c.tinker {
            if tk.name == "stepback" || tk.name == "stepfwd" {
                found.push((tk.span, "`tinker stepback/stepfwd`", (8, 2)));
            }
        }
        for v in &c.vars {
            match v.name.as_str() {
                "dscp" => found.push((ctx.keyword_span(v.span), "`dscp`", (8, 3))),
                "leapsmearinterval" => found.push((ctx.keyword_span(v.span), "`leapsmearinterval`", (8, 3))),
                "leapfile" if v.checkhash.is_some() => found.push((v.span, "`leapfile … checkhash/ignorehash`", (8, 14))),
                _ => {}
            }
        }
        for tos in &c.tos {
            if tos.name == "basedate" {
                found.push((tos.span, "`tos basedate`", (8, 11)));
            }
        }
        if let Some(p) = c.pollskewlist.first() {
            found.push((ctx.keyword_span(ctx.line_span(p.span)), "`pollskewlist`", (8, 14)));
        }
        for f in &c.fudges {
            for o in f.options.iter().filter(|o| o.name == "minjitter") {
                found.push((o.span, "`fudge minjitter`", (8, 14)));
            }
        }
        for d in &c.devices {
            found.push((ctx.keyword_span(d.span), "`device`", (8, 16)));
        }
        // AES128CMAC keys (4.2.8p11) live in the keys file: only with `--env`.
        if ctx.opts.env
            && let Some(k) = &c.auth.keys
            && let Some(Ok((_, kf))) = ctx.keys_file(Dialect::Classic)
            && kf.keys.iter().any(|x| x.key_type == crate::config::keys::KeyType::Aes128Cmac)
        {
            found.push((k.span, "an AES128CMAC key", (8, 11)));
        }
        for (sp, what, since) in found {
            if since > have {
                sink.push(
                    Diagnostic::new(Code::Ntp508, sp, format!("{what} needs ntpd {} or later; the target is {}", ver(since), ver(have)))
                        .label(format!("new in {}", ver(since)))
                        .help("upgrade ntpd, or write this for the older version"),
                );
            }
        }
    }
}
