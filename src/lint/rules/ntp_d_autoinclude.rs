//! NTP513 ntp-d-autoinclude.
use super::common::*;

/// NTPsec reads `ntp.d/*.conf` beside the main file.
pub struct NtpDAutoinclude;

impl NtpDAutoinclude {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp513,
        category: Category::Migration,
        needs: Needs::EnvFs,
        dialects: Dialects::Ntpsec,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`, NTPsec: files read from the `ntp.d` directory next to the main configuration file (every `*.conf`, in descending name order, after the main file). Lists them.",
        why: "Those files change the configuration although nothing in ntp.conf names them.",
        flagged: "# ntpcheck-test: file ntp.d/10-extra.conf=server 192.0.2.9 iburst\nserver 192.0.2.1 iburst\n",
        fine: "# ntpcheck-test: stdin\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec \"Incompatible changes\" (/etc/ntp.d); ntpconf reference §1.10, §2.6.",
        url: NTPSEC_INCOMPAT,
    };
}

impl Rule for NtpDAutoinclude {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let included: Vec<String> = ctx.config().includes.iter().map(|i| i.path.value.clone()).collect();
        let files: Vec<(usize, &crate::source::SourceFile)> = ctx
            .sources_map()
            .files()
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, f)| {
                std::path::Path::new(&f.name).parent().and_then(|p| p.file_name()).is_some_and(|n| n == "ntp.d")
                    && !included.contains(&f.name)
            })
            .collect();
        if files.is_empty() {
            return;
        }
        let list = files.iter().map(|(_, f)| f.name.as_str()).collect::<Vec<_>>().join(", ");
        let main = ctx.line_span(Span::new(crate::source::FileId(0), 0, 0));
        let mut d = Diagnostic::new(Code::Ntp513, main, format!("NTPsec also reads {} from ntp.d: {list}", plural(files.len(), "file")))
            .severity(Severity::Info)
            .label("main configuration")
            .help("keep in mind that these files are applied after this one");
        for (i, _) in &files {
            let sp = ctx.line_span(Span::new(crate::source::FileId(*i as u32), 0, 0));
            d = d.related(sp, "read automatically");
        }
        sink.push(d);
    }
}
