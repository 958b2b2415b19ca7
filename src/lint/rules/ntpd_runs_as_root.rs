//! NTP224 ntpd-runs-as-root.
use super::common::*;

/// The service starts ntpd without `-u`.
pub struct NtpdRunsAsRoot;

impl NtpdRunsAsRoot {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp224,
        category: Category::Security,
        needs: Needs::EnvSys,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: a service definition that starts ntpd (`/etc/sysconfig/ntpd` OPTIONS, `/etc/default/ntp` NTPD_OPTS, `/etc/default/ntpsec`, systemd `ExecStart` of ntp/ntpd/ntpsec units) without `-u USER[:GROUP]`. Silent when none of these files exists.",
        why: "ntpd then keeps running as root after start-up, so any parsing or protocol bug is a root compromise. CIS requires `-u ntp:ntp`.",
        flagged: "# ntpcheck-test: env-root testdata/lint/NTP224/root-fail\nserver 192.0.2.1 iburst\n",
        fine: "# ntpcheck-test: env-root testdata/lint/NTP224/root-pass\nserver 192.0.2.1 iburst\n",
        reference: "CIS RHEL 7 2.2.1.3 (`-u ntp:ntp`), Ubuntu 20.04 2.1.4.3.",
        url: "https://docs.ntpsec.org/latest/ntpd.html",
    };
}

const FILES: &[(&str, &str)] = &[
    ("/etc/sysconfig/ntpd", "OPTIONS"),
    ("/etc/default/ntp", "NTPD_OPTS"),
    ("/etc/default/ntpsec", "NTPD_OPTS"),
    ("/etc/systemd/system/ntpd.service", "ExecStart"),
    ("/etc/systemd/system/ntp.service", "ExecStart"),
    ("/etc/systemd/system/ntpsec.service", "ExecStart"),
    ("/lib/systemd/system/ntpd.service", "ExecStart"),
    ("/lib/systemd/system/ntp.service", "ExecStart"),
    ("/usr/lib/systemd/system/ntpd.service", "ExecStart"),
];

impl Rule for NtpdRunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for (path, var) in FILES {
            let Ok(text) = std::fs::read_to_string(ctx.env_path(path)) else { continue };
            let Some(line) = text.lines().map(str::trim).find(|l| l.starts_with(var) && l[var.len()..].trim_start().starts_with('='))
            else {
                continue;
            };
            let value = line.split_once('=').map(|x| x.1).unwrap_or("");
            let has_u = value
                .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                .any(|w| w == "-u" || (w.starts_with("-u") && w.len() > 2) || w.starts_with("--user"));
            // Debian's wrapper script passes `-u` itself when the variable does not.
            let wrapper = value.contains("ntpsec-systemd-wrapper") || value.contains("ntp-systemd-wrapper");
            if !has_u && !wrapper {
                let sp = ctx.line_span(Span::new(crate::source::FileId(0), 0, 0));
                sink.push(
                    Diagnostic::new(Code::Ntp224, sp, format!("{path}: `{var}` starts ntpd without `-u`: it keeps running as root"))
                        .label("whole configuration")
                        .help(format!("add `-u ntp:ntp` to {var} in {path}")),
                );
                return;
            }
        }
    }
}
