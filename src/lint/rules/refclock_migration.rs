//! NTP511 refclock-migration.
use super::common::*;

/// Reference clocks that behave differently in NTPsec.
pub struct RefclockMigration;

impl RefclockMigration {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp511,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Migrate(Some(Dialect::Ntpsec)),
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--profile migrate --target ntpsec`: the generic (parse) driver with unit > 3, NMEA (its default speed is 9600 baud in NTPsec, 4800 in classic), Trimble/Palisade (`/dev/palisadeN` becomes `/dev/trimbleN`), the modem driver (`/dev/actsN` becomes `/dev/modemN`).",
        why: "The clock stops working, or reads at the wrong speed, after the switch; the legacy 127.127 syntax still works but is undocumented.",
        flagged: "server 127.127.20.0 mode 0\nserver 192.0.2.1 iburst\n",
        fine: "server 127.127.28.0\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec \"Incompatible changes\", \"Configuration improvements\".",
        url: NTPSEC_INCOMPAT,
    };
}

impl Rule for RefclockMigration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.time_sources() {
            let Some((t, u)) = crate::config::lower::refclock_address(s.name()) else { continue };
            let msg = match t {
                8 if u > 3 => format!("generic driver unit {u}: NTPsec needs `refclock generic unit {u}` and its device link"),
                20 => {
                    "NMEA: NTPsec's default serial speed is 9600 baud, classic's 4800; set the speed explicitly (`refclock nmea baud 4800`)"
                        .to_string()
                }
                29 => format!("Trimble: NTPsec opens /dev/trimble{u} instead of /dev/palisade{u}"),
                18 => format!("modem driver: NTPsec opens /dev/modem{u} instead of /dev/acts{u}"),
                _ => continue,
            };
            sink.push(
                Diagnostic::new(Code::Ntp511, s.assoc.address.span, msg)
                    .label("behaves differently in NTPsec")
                    .help("write it as `refclock NAME …` and check the device path and speed"),
            );
        }
    }
}
