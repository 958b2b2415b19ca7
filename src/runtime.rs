//! The only bridge from the configuration model to the protocol core: [`plan`] turns a loaded
//! `ntp.conf` into a [`ServerPlan`] — the tables `proto` runs on — and says which configured
//! features `serve` does not implement (each naming its line), and what ntpd finds fatal.

use std::time::Duration;

use crate::config::Dialect;
use crate::config::load::Loaded;
use crate::config::model::{AssocOption, Association, AssociationKind, Config, Value};
use crate::diagnostic::{Diagnostic, Severity};
use crate::proto::Flavor;
use crate::proto::packet::{LeapIndicator, ReferenceId};
use crate::proto::server::ServerConfig;
use crate::proto::system::{LocalClock, SystemVars};
use crate::proto::time::Log2Seconds;
use crate::source::Span;

/// The local clock driver and the line that configures it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClockPlan {
    /// Its behaviour.
    pub clock: LocalClock,
    /// The `server 127.127.1.U` / `refclock local` line.
    pub span: Span,
}

/// Everything `serve` needs to run a configuration.
#[derive(Debug, Clone)]
pub struct ServerPlan {
    /// Dialect whose daemon is reproduced.
    pub flavor: Flavor,
    /// The protocol core's settings.
    pub server: ServerConfig,
    /// The local clock driver (`server 127.127.1.u` / NTPsec `refclock local`), if configured
    /// and usable as the dialect's daemon would use it.
    pub local_clock: Option<LocalClockPlan>,
    /// System variables to serve at start (unsynchronised).
    pub initial_system: SystemVars,
    /// `interface`/`nic` rules, in file order: (action, target, span).
    pub interface_rules: Vec<(String, String, Span)>,
    /// Configured features `serve` does not implement, one warning each naming its line.
    /// `--strict` refuses to start when this is not empty.
    pub unimplemented: Vec<Diagnostic>,
    /// Non-fatal problems ntpd logs and runs past (the config's own diagnostics).
    pub warnings: Vec<Diagnostic>,
}

/// The precision ntpd measures on a modern Linux host (≈ 2^-24 s: 60 ns clock reads). The
/// driver may measure its own and override it.
pub const DEFAULT_PRECISION: Log2Seconds = Log2Seconds(-24);

/// Build the server plan for a loaded configuration. Errors: what makes ntpd exit at start-up
/// (`Loaded::fatal`) — the diagnostics that say why.
pub fn plan(loaded: &Loaded) -> Result<ServerPlan, Vec<Diagnostic>> {
    if loaded.fatal {
        let fatal: Vec<Diagnostic> = loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
        return Err(fatal);
    }
    let mut p = plan_config(&loaded.config);
    p.warnings = loaded.diagnostics.clone();
    Ok(p)
}

/// Build the plan from a model alone (no load diagnostics).
pub fn plan_config(config: &Config) -> ServerPlan {
    let flavor = match config.dialect {
        Dialect::Classic => Flavor::Classic,
        Dialect::Ntpsec => Flavor::Ntpsec,
    };
    let server = ServerConfig::new(flavor);
    let local_clock = config.associations.iter().find(|a| is_local_clock(a)).map(|a| local_clock_for(config, a, flavor));
    ServerPlan {
        flavor,
        server,
        local_clock,
        initial_system: SystemVars::unsynchronised(DEFAULT_PRECISION),
        interface_rules: config.interface_rules.iter().map(|r| (r.action.clone(), r.target.clone(), r.span)).collect(),
        unimplemented: Vec::new(),
        warnings: Vec::new(),
    }
}

/// `server 127.127.1.U` or NTPsec `refclock local`.
fn is_local_clock(a: &Association) -> bool {
    match a.kind {
        AssociationKind::Refclock => a.address.text.eq_ignore_ascii_case("local"),
        AssociationKind::Server | AssociationKind::Peer => a.address.text.starts_with("127.127.1."),
        _ => false,
    }
}

fn local_clock_for(config: &Config, a: &Association, _flavor: Flavor) -> LocalClockPlan {
    // ntpd's LOCAL driver defaults to stratum 5 (refclock_local.c: STRATUM 5); `fudge … stratum`
    // or the NTPsec `stratum` option overrides it.
    let mut stratum = 5u8;
    let addr = if a.kind == AssociationKind::Refclock {
        format!("127.127.1.{}", a.unit.as_ref().map(|u| u.value).unwrap_or(0))
    } else {
        a.address.text.clone()
    };
    for o in &a.options {
        if let AssocOption::Int { name, value, .. } = o {
            if name == "stratum" && (0..=15).contains(value) {
                stratum = *value as u8;
            }
        }
    }
    for f in config.fudges.iter().filter(|f| f.address.text == addr) {
        for o in &f.options {
            if o.name == "stratum" {
                if let Value::Int(v) = o.value {
                    if (0..=15).contains(&v) {
                        stratum = v as u8;
                    }
                }
            }
        }
    }
    LocalClockPlan {
        clock: LocalClock { stratum, reference_id: ReferenceId::LOCL, sync_after: Duration::ZERO, leap: LeapIndicator::NoWarning },
        span: a.span,
    }
}
