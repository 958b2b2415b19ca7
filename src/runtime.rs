//! The only bridge from the configuration model to the protocol core: [`plan`] turns a loaded
//! `ntp.conf` (and the keys file it names) into a [`ServerPlan`] — the tables `proto` runs on
//! — and lists the configured features `serve` does not implement, each naming its line.
//!
//! What it reproduces of ntpd's configuration pass (`ntp_config.c` of each dialect):
//! `restrict`/`unrestrict`/`delrestrict` into the access table (both default entries for a
//! plain `default`, the `restrict source` template instantiated for numeric association
//! addresses), `discard`/`limit` and `mru` into the rate limiter, `keys` + `trustedkey` +
//! `controlkey` into the key store, `tos floor/ceiling/orphanwait`, `enable/disable auth` and
//! `monitor`, and the local clock driver. Host names are never resolved here (a `restrict`
//! by name installs nothing and is reported).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::Dialect;
use crate::config::keys::{self, KeyType, KeysFile};
use crate::config::load::Loaded;
use crate::config::lower::{numeric_address, refclock_address, refused_association_address};
use crate::config::model::{
    AssocOption, Association, AssociationKind, Config, Family, RestrictAction, RestrictEntry, RestrictTarget, TrustedKeyItem, Value,
};
use crate::diagnostic::{Code, DaemonEffect, Diagnostic, Severity};
use crate::proto::Flavor;
use crate::proto::access::{AccessPolicy, AddrMask, MatchFlags, Origin, RestrictFlags, RestrictOp};
use crate::proto::auth::{KeyStore, MacAlgorithm, SymmetricKey};
use crate::proto::packet::{LeapIndicator, ReferenceId};
use crate::proto::ratelimit::{MruLimits, RateAlgorithm, RateLimitConfig, UNLIMITED_CAP};
use crate::proto::server::ServerConfig;
use crate::proto::sync::{AssocMode, AssociationConfig, ClockOptions, SyncConfig, Target, Tinker, Tos};
use crate::proto::system::{LocalClock, SystemVars};
use crate::proto::time::Log2Seconds;
use crate::source::{SourceMap, Span};

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
    /// The protocol core's settings (access table, rate limits, keys, …).
    pub server: ServerConfig,
    /// The local clock driver (`server 127.127.1.u` / NTPsec `refclock local`), if configured.
    pub local_clock: Option<LocalClockPlan>,
    /// Synchronisation: the `server`/`pool`/`peer` associations, `tos`, `tinker`, the LOCAL
    /// driver, keys. The driver fills in what the command line and the host decide (clock
    /// options, precision, the driftfile's frequency).
    pub sync: SyncConfig,
    /// `driftfile` (the last one; an empty `driftfile` turns it off, as classic does).
    pub driftfile: Option<DriftfilePlan>,
    /// System variables to serve at start (unsynchronised).
    pub initial_system: SystemVars,
    /// `interface`/`nic` rules, in file order: (action, target, span).
    pub interface_rules: Vec<(String, String, Span)>,
    /// Configured features `serve` does not implement, one warning (NTP126) each naming its
    /// line. `--strict` refuses to start when this is not empty.
    pub unimplemented: Vec<Diagnostic>,
    /// Non-fatal problems ntpd logs and runs past: the configuration's own diagnostics and
    /// the keys file's.
    pub warnings: Vec<Diagnostic>,
    /// The keys file read, if any, with its path.
    pub keys_file: Option<(PathBuf, KeysFile)>,
    /// Files read besides the configuration (the keys file), for rendering `warnings`.
    pub extra_sources: SourceMap,
}

/// The frequency file.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftfilePlan {
    /// Its path.
    pub path: PathBuf,
    /// The wander threshold (s/s): `driftfile PATH WANDER` or `nonvolatile`; `None`: 1e-7.
    pub wander: Option<f64>,
    /// The `driftfile` line (default for `-f`).
    pub span: Span,
}

/// The precision ntpd measures on a modern Linux host (≈ 2^-24 s: 60 ns clock reads). The
/// driver measures its own and overrides it.
pub const DEFAULT_PRECISION: Log2Seconds = Log2Seconds(-24);

/// Options from ntpd's command line that change the plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `-k FILE`: the keys file, overriding the configuration's `keys` line.
    pub keys_file: Option<PathBuf>,
    /// `-t KEY` (NTPsec, repeatable): more trusted keys.
    pub trusted_keys: Vec<u32>,
}

/// Build the server plan for a loaded configuration. Errors: what makes ntpd exit at start-up
/// (`Loaded::fatal`) — the diagnostics that say why.
pub fn plan(loaded: &Loaded) -> Result<ServerPlan, Vec<Diagnostic>> {
    plan_with(loaded, &PlanOptions::default())
}

/// [`plan`] with command-line options.
pub fn plan_with(loaded: &Loaded, opts: &PlanOptions) -> Result<ServerPlan, Vec<Diagnostic>> {
    if loaded.fatal {
        let fatal: Vec<Diagnostic> = loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
        return Err(fatal);
    }
    let mut p = build(&loaded.config, opts, true, Some(&loaded.sources));
    let mut w = loaded.diagnostics.clone();
    w.append(&mut p.warnings);
    p.warnings = w;
    Ok(p)
}

/// Build the plan from a model alone (no load diagnostics, no keys file read).
pub fn plan_config(config: &Config) -> ServerPlan {
    build(config, &PlanOptions::default(), false, None)
}

/// The protocol flavour of a dialect.
pub fn flavor_of(d: Dialect) -> Flavor {
    match d {
        Dialect::Classic => Flavor::Classic,
        Dialect::Ntpsec => Flavor::Ntpsec,
    }
}

fn unimplemented(span: Span, what: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::Ntp126, span, what.into()).effect(DaemonEffect::None)
}

fn build(config: &Config, opts: &PlanOptions, read_keys: bool, sources: Option<&SourceMap>) -> ServerPlan {
    let d = config.dialect;
    let flavor = flavor_of(d);
    let mut server = ServerConfig::new(flavor);
    let mut unimpl = Vec::new();
    let mut warnings = Vec::new();

    // `discard` (classic) / `limit` (NTPsec), `mru`.
    let (algorithm, min_poll) = rate_algorithm(config, flavor);
    server.min_poll = min_poll;
    let mru = mru_limits(config, flavor, &mut warnings);
    let disabled = |w: &str| config.disable.iter().rposition(|f| f.value == w) > config.enable.iter().rposition(|f| f.value == w);
    let enabled = |w: &str| config.enable.iter().any(|f| f.value == w) && !disabled(w);

    // The access table.
    server.access = access_policy(config, flavor, &mut unimpl);
    let monitor = match flavor {
        Flavor::Classic => !disabled("monitor"),
        Flavor::Ntpsec => enabled("monitor"),
    };
    server.rate_limit = RateLimitConfig { flavor, algorithm, mru, enabled: monitor || server.access.any_limited() };
    if flavor == Flavor::Classic && disabled("auth") {
        server.authenticate = false;
        if let Some(f) = config.disable.iter().rev().find(|f| f.value == "auth") {
            unimpl.push(unimplemented(f.span, "`disable auth`: ntpd then mobilizes ephemeral symmetric associations for unauthenticated peers; serve keeps no associations and does not answer them"));
        }
    }
    for t in &config.tos {
        let v = match t.value {
            Value::Int(i) => i as f64,
            Value::Number(n) => n,
            Value::Str(_) => continue,
        };
        match t.name.as_str() {
            "floor" => server.floor = v.clamp(0.0, 15.0) as u8,
            "ceiling" => server.ceiling = v.clamp(0.0, 15.0) as u8,
            _ => {}
        }
    }
    server.control_key = config.auth.controlkey.as_ref().filter(|k| k.value > 0).map(|k| k.value as u32);

    // Keys.
    let mut extra_sources = SourceMap::default();
    let mut keys_file = None;
    let path = opts.keys_file.clone().or_else(|| config.auth.keys.as_ref().map(|k| PathBuf::from(&k.value)));
    if let (true, Some(path)) = (read_keys, path) {
        match keys::load_path(&path, d, &mut extra_sources) {
            Ok((_, kf)) => {
                warnings.extend(kf.diagnostics.iter().cloned());
                server.keys = key_store(config, &kf, opts, flavor, &mut warnings);
                keys_file = Some((path, kf));
            }
            Err(e) => {
                let span = config.auth.keys.as_ref().map(|k| k.span).unwrap_or_default();
                let log = match d {
                    Dialect::Classic => format!("authreadkeys: file '{}': {e}", path.display()),
                    Dialect::Ntpsec => format!("AUTH: authreadkeys: file {}: {e}", path.display()),
                };
                warnings.push(
                    Diagnostic::new(
                        Code::Ntp125,
                        span,
                        format!("cannot read the keys file {}: {e}; no symmetric keys are loaded", path.display()),
                    )
                    .ntpd(crate::diagnostic::Phase::Config, log),
                );
            }
        }
    }

    // Associations: the local clock and upstream servers; everything else is reported.
    let mut local_clock = None;
    let mut associations = Vec::new();
    for a in &config.associations {
        match classify(a) {
            Assoc::Local(unit) => {
                if local_clock.is_none() {
                    local_clock = Some(LocalClockPlan { clock: local_clock_for(config, a, unit), span: a.span });
                } else {
                    unimpl.push(unimplemented(a.span, "a second local clock driver: only the first is used"));
                }
            }
            Assoc::Refclock(name) => unimpl.push(unimplemented(
                a.span,
                format!("reference clock `{name}` is not implemented: only the local clock (LOCAL, 127.127.1.u) is served"),
            )),
            Assoc::Upstream => {
                if let Some(opt) = a.options.iter().find(|o| matches!(o.name(), "nts" | "autokey" | "xleave")) {
                    let what = match opt.name() {
                        "nts" => "NTS is not implemented: the association runs without it (unauthenticated)",
                        "autokey" => "Autokey is not implemented: the association runs without it (unauthenticated)",
                        _ => "interleaved mode (`xleave`) is not implemented: the association uses basic mode",
                    };
                    unimpl.push(unimplemented(a.span, format!("`{} {}`: {what}", a.kind.keyword(), a.address.text)));
                }
                if let Some(ac) = association_config(config, a, sources) {
                    associations.push(ac);
                }
            }
            Assoc::Broadcast => {
                unimpl.push(unimplemented(a.span, format!("`{}` (broadcast/manycast) is not implemented", a.kind.keyword())))
            }
        }
    }
    for (span, what) in config
        .broadcastclient
        .iter()
        .map(|s| (*s, "broadcastclient"))
        .chain(config.manycastserver.iter().map(|a| (a.span, "manycastserver")))
        .chain(config.multicastclient.iter().map(|a| (a.span, "multicastclient")))
    {
        unimpl.push(unimplemented(span, format!("`{what}` (broadcast/multicast/manycast) is not implemented")));
    }
    for s in &config.auth.crypto_lines {
        unimpl.push(unimplemented(*s, "Autokey (`crypto`) is not implemented"));
    }
    if let Some(k) = &config.auth.keysdir {
        unimpl.push(unimplemented(k.span, "`keysdir` (Autokey) is not implemented"));
    }
    if let Some(n) = config.nts.first() {
        unimpl.push(unimplemented(n.span, "NTS (`nts …`) is not implemented"));
    }
    if let Some(s) = &config.statsdir {
        unimpl.push(unimplemented(s.span, "statistics files (`statsdir`) are not written"));
    }
    for s in &config.statistics {
        unimpl.push(unimplemented(s.span, format!("statistics `{}` are not written", s.value)));
    }
    for f in &config.filegens {
        if f.options.iter().any(|o| matches!(o, crate::config::model::FilegenOption::Flag(x) if x.value == "enable")) {
            unimpl.push(unimplemented(f.span, format!("filegen `{}` is not written", f.name.value)));
        }
    }
    for v in &config.vars {
        if v.name == "leapfile" {
            unimpl.push(unimplemented(v.span, "the leap-second file is not read: replies never announce a leap second"));
        }
    }
    for e in &config.enable {
        if e.value == "mode7" {
            unimpl.push(unimplemented(e.span, "`enable mode7`: mode 7 (ntpdc) is never answered"));
        }
    }
    for t in &config.traps {
        unimpl.push(unimplemented(t.span, "`trap` (mode 6 traps) is not implemented"));
    }
    for s in &config.setvars {
        unimpl.push(unimplemented(s.span, "`setvar` (mode 6 variables) is not implemented"));
    }
    if let Some(s) = &config.auth.ntpsigndsocket {
        unimpl.push(unimplemented(s.span, "MS-SNTP signing (`ntpsigndsocket`) is not implemented"));
    }

    let mut trusted_keys: Vec<u32> = server.keys.iter().filter(|k| k.trusted).map(|k| k.id).collect();
    trusted_keys.sort_unstable();
    let keys = server.keys.clone();
    let sync = SyncConfig {
        flavor,
        associations,
        local_clock: local_clock.as_ref().map(|l: &LocalClockPlan| l.clock.clone()),
        tos: tos_for(config),
        tinker: tinker_for(config),
        clock: ClockOptions { discipline: true, ..ClockOptions::default() },
        initial_frequency_ppm: None,
        precision: DEFAULT_PRECISION,
        keys: Some(std::sync::Arc::new(keys)),
        trusted_keys,
    };
    ServerPlan {
        flavor,
        server,
        local_clock,
        sync,
        driftfile: driftfile_for(config),
        initial_system: SystemVars::unsynchronised(DEFAULT_PRECISION),
        interface_rules: config.interface_rules.iter().map(|r| (r.action.clone(), r.target.clone(), r.span)).collect(),
        unimplemented: unimpl,
        warnings,
        keys_file,
        extra_sources,
    }
}

/// The association a `server`/`pool`/`peer` line configures, as the dialect's ntpd configures
/// it; `None` for an address ntpd refuses (the loader's NTP111 names the line).
fn association_config(config: &Config, a: &Association, sources: Option<&SourceMap>) -> Option<AssociationConfig> {
    let flavor = flavor_of(config.dialect);
    let text = a.address.text.as_str();
    let target = match numeric_address(text) {
        Some(ip) => {
            let fam_conflict = matches!((ip, a.address.family), (IpAddr::V4(_), Some(Family::Ipv6)) | (IpAddr::V6(_), Some(Family::Ipv4)));
            if refused_association_address(a.kind, ip) || fam_conflict {
                return None;
            }
            match a.kind {
                // A numeric pool address is one server (both daemons resolve it to itself).
                AssociationKind::Pool => Target::Pool { host: text.to_string(), port: 123 },
                _ => Target::Address(std::net::SocketAddr::new(ip, 123)),
            }
        }
        None if a.kind == AssociationKind::Pool => Target::Pool { host: text.to_string(), port: 123 },
        None => Target::Name { host: text.to_string(), port: 123 },
    };
    let mut ac = AssociationConfig::new(target);
    // Classic `peer` is symmetric active; NTPsec 1.2 dropped symmetric mode: its `peer` is a client.
    ac.mode = match (a.kind, flavor) {
        (AssociationKind::Peer, Flavor::Classic) => AssocMode::SymmetricActive,
        _ => AssocMode::Client,
    };
    let int = |name: &str| {
        a.options.iter().rev().find_map(|o| match o {
            AssocOption::Int { name: n, value, .. } if n == name => Some(*value),
            _ => None,
        })
    };
    let (minpoll, maxpoll) = poll_range(flavor, int("minpoll"), int("maxpoll"));
    ac.minpoll = Log2Seconds(minpoll);
    ac.maxpoll = Log2Seconds(maxpoll);
    ac.iburst = flag(a, "iburst");
    ac.burst = flag(a, "burst");
    ac.prefer = flag(a, "prefer");
    ac.noselect = flag(a, "noselect");
    ac.true_chimer = flag(a, "true");
    // ntpd makes pool associations preemptible whether or not the line says so.
    ac.preempt = flag(a, "preempt") || a.kind == AssociationKind::Pool;
    ac.key = int("key").filter(|k| (1..=i64::from(crate::proto::auth::MAX_KEY_ID)).contains(k)).map(|k| k as u32);
    ac.version = int("version").filter(|v| (1..=4).contains(v)).map(|v| v as u8).unwrap_or(4);
    ac.span_line = sources.map(|m| m.get(a.span.file).line_col(a.span.start).0 as u32);
    Some(ac)
}

/// `minpoll`/`maxpoll` as each ntpd clamps them (classic `config_peers` + `newpeer`: minpoll
/// below 3 reads 3, maxpoll above 17 reads 17, then both within [3, 17] and minpoll ≤ maxpoll;
/// NTPsec: both within [0, 17], minpoll ≤ maxpoll).
pub fn poll_range(flavor: Flavor, minpoll: Option<i64>, maxpoll: Option<i64>) -> (i8, i8) {
    const MINDPOLL: i64 = 6;
    const MAXDPOLL: i64 = 10;
    const MAXPOLL: i64 = 17;
    match flavor {
        Flavor::Classic => {
            const MINPOLL: i64 = 3;
            let min = match minpoll {
                Some(v) if !(MINPOLL..=255).contains(&v) => MINPOLL,
                Some(v) => v,
                None => MINDPOLL,
            };
            let max = match maxpoll {
                Some(v) if !(0..=MAXPOLL).contains(&v) => MAXPOLL,
                Some(0) | None => MAXDPOLL,
                Some(v) => v,
            };
            let max = max.clamp(MINPOLL, MAXPOLL);
            (min.clamp(MINPOLL, max) as i8, max as i8)
        }
        Flavor::Ntpsec => {
            let min = minpoll.map(|v| v.clamp(0, MAXPOLL)).unwrap_or(MINDPOLL);
            let max = maxpoll.map(|v| v.clamp(0, MAXPOLL)).unwrap_or(MAXDPOLL);
            (min.min(max) as i8, max as i8)
        }
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        Value::Str(_) => None,
    }
}

/// `tos` as ntpd applies it (`config_tos`; both dialects default minsane 1, minclock 3,
/// maxclock 10, mindist 1 ms, maxdist 1.5 s, orphan off, orphanwait 300 s).
fn tos_for(config: &Config) -> Tos {
    let mut t =
        Tos { minsane: 1, minclock: 3, maxclock: 10, mindist: 0.001, maxdist: 1.5, orphan: None, orphanwait: Duration::from_secs(300) };
    for o in &config.tos {
        let Some(v) = number(&o.value).filter(|v| v.is_finite()) else { continue };
        match o.name.as_str() {
            "minsane" => t.minsane = v.clamp(0.0, 1e6) as u32,
            // Classic raises values below 1 to 1.
            "minclock" => t.minclock = v.clamp(1.0, 1e6) as u32,
            "maxclock" => t.maxclock = v.clamp(1.0, 1e6) as u32,
            "mindist" => t.mindist = v.max(0.0),
            "maxdist" => t.maxdist = v.max(0.0),
            // `orphan 16` (or above) is ntpd's "off".
            "orphan" => t.orphan = Some(v.clamp(0.0, 16.0) as u8).filter(|s| *s < 16),
            "orphanwait" => {
                let v = if config.dialect == Dialect::Classic && v < 1.0 { 300.0 } else { v.max(0.0) };
                t.orphanwait = Duration::from_secs_f64(v.min(1e9));
            }
            _ => {}
        }
    }
    t
}

/// `tinker` as ntpd's `loop_config` applies it: `step`, `panic`, `stepout` (at least 300 s),
/// `dispersion` (PPM → s/s), `allan` (log2 s → s), `huffpuff` (s), `freq` (PPM). Defaults: step
/// 0.128 s, panic 1000 s, stepout 300 s, PHI 15 PPM, Allan intercept 2^11 s, huff-n'-puff off.
fn tinker_for(config: &Config) -> Tinker {
    let mut t = Tinker { step: 0.128, panic: 1000.0, stepout: 300.0, dispersion: 15e-6, allan: 2048.0, huffpuff: 0.0, freq: None };
    for o in &config.tinker {
        let v = o.value;
        if !v.is_finite() {
            continue;
        }
        match o.name.as_str() {
            "step" => t.step = v.max(0.0),
            "panic" => t.panic = v.max(0.0),
            "stepout" => t.stepout = v.max(300.0),
            "dispersion" => t.dispersion = v.max(0.0) * 1e-6,
            "allan" => t.allan = 2f64.powi(v.clamp(0.0, 30.0) as u8 as i32),
            // ntpd rounds up to whole 900 s (`HUFFPUFF`) windows.
            "huffpuff" => t.huffpuff = if v <= 0.0 { 0.0 } else { (v / 900.0).floor().max(1.0) * 900.0 },
            "freq" => t.freq = Some(v),
            _ => {}
        }
    }
    t
}

/// The `driftfile` ntpd uses (an empty one turns the file off): classic keeps the first line
/// (`allow_config`), NTPsec the last; the wander threshold from `driftfile PATH WANDER` or
/// `nonvolatile`.
fn driftfile_for(config: &Config) -> Option<DriftfilePlan> {
    let mut plan: Option<DriftfilePlan> = None;
    let mut wander = None;
    let mut seen = false;
    for v in &config.vars {
        match v.name.as_str() {
            // Classic ignores a second `driftfile` (its wander threshold still counts).
            "driftfile" if seen && config.dialect == Dialect::Classic => wander = v.wander.or(wander),
            "driftfile" => {
                seen = true;
                plan = match &v.value {
                    Value::Str(p) if !p.is_empty() => Some(DriftfilePlan { path: PathBuf::from(p), wander: None, span: v.span }),
                    _ => None,
                };
                if v.wander.is_some() {
                    wander = v.wander;
                }
            }
            "nonvolatile" => wander = number(&v.value).or(wander),
            _ => {}
        }
    }
    plan.map(|p| DriftfilePlan { wander, ..p })
}

enum Assoc {
    Local(u8),
    Refclock(String),
    Upstream,
    Broadcast,
}

fn classify(a: &Association) -> Assoc {
    match a.kind {
        AssociationKind::Refclock => {
            if a.address.text.eq_ignore_ascii_case("local") {
                Assoc::Local(a.unit.as_ref().map(|u| u.value.clamp(0, 255) as u8).unwrap_or(0))
            } else {
                Assoc::Refclock(a.address.text.clone())
            }
        }
        AssociationKind::Server | AssociationKind::Peer | AssociationKind::Pool => match refclock_address(&a.address.text) {
            Some((1, unit)) => Assoc::Local(unit),
            Some((t, u)) => Assoc::Refclock(format!("127.127.{t}.{u}")),
            None => Assoc::Upstream,
        },
        AssociationKind::Broadcast | AssociationKind::Manycastclient => Assoc::Broadcast,
    }
}

fn flag(a: &Association, name: &str) -> bool {
    a.options.iter().any(|o| matches!(o, AssocOption::Flag { name: n, .. } if n == name))
}

fn local_clock_for(config: &Config, a: &Association, unit: u8) -> LocalClock {
    // LOCAL's default stratum is 5 (`refclock_local.c`); `fudge … stratum` or NTPsec's
    // `stratum` option override it, `fudge … refid` / `refid` the refid.
    let mut l = LocalClock::new(5);
    l.unit = unit;
    l.prefer = flag(a, "prefer");
    l.noselect = flag(a, "noselect");
    let addr = format!("127.127.1.{unit}");
    for o in &a.options {
        match o {
            AssocOption::Int { name, value, .. } if name == "stratum" && (0..=15).contains(value) => l.stratum = *value as u8,
            AssocOption::Int { name, value, .. } if name == "minpoll" => l.poll = Log2Seconds((*value).clamp(3, 17) as i8),
            AssocOption::Str { name, value, .. } if name == "refid" => l.driver_refid = ReferenceId::from_ascii(value),
            _ => {}
        }
    }
    for f in config.fudges.iter().filter(|f| f.address.text == addr) {
        for o in &f.options {
            match (&*o.name, &o.value) {
                ("stratum", Value::Int(v)) if (0..=15).contains(v) => l.stratum = *v as u8,
                ("refid", Value::Str(s)) => l.driver_refid = ReferenceId::from_ascii(s),
                _ => {}
            }
        }
    }
    for t in &config.tos {
        if t.name == "orphanwait" {
            let v = match t.value {
                Value::Int(i) => i as f64,
                Value::Number(n) => n,
                Value::Str(_) => continue,
            };
            // Classic raises values below 1 to 300; NTPsec takes them as they are.
            let v = if config.dialect == Dialect::Classic && v < 1.0 { 300.0 } else { v.max(0.0) };
            l.orphan_wait = Duration::from_secs_f64(v.min(1e9));
        }
    }
    l.leap = LeapIndicator::NoWarning;
    l
}

fn rate_algorithm(config: &Config, flavor: Flavor) -> (RateAlgorithm, Log2Seconds) {
    let mut alg = RateAlgorithm::default_for(flavor);
    let mut min_poll = match flavor {
        Flavor::Classic => 3u8,
        Flavor::Ntpsec => 0,
    };
    match &mut alg {
        RateAlgorithm::Classic { average, minimum, monitor } => {
            for o in &config.discard {
                match o.name.as_str() {
                    // 0..255, else "discard average N out of range, ignored." (the loader reports it).
                    "average" if (0..=255).contains(&o.value) => {
                        *average = o.value as u8;
                        min_poll = o.value as u8;
                    }
                    "minimum" => *minimum = o.value,
                    "monitor" => *monitor = o.value,
                    _ => {}
                }
            }
        }
        RateAlgorithm::Ntpsec { average, burst, kod } => {
            for o in &config.limit {
                match o.name.as_str() {
                    "average" => *average = o.value,
                    "burst" => *burst = o.value,
                    "kod" => *kod = o.value,
                    _ => {}
                }
            }
        }
    }
    // ntpd compares the poll byte unsigned: keep the byte.
    (alg, Log2Seconds(min_poll as i8))
}

fn mru_limits(config: &Config, flavor: Flavor, warnings: &mut Vec<Diagnostic>) -> MruLimits {
    let mut m = MruLimits::default_for(flavor);
    for o in &config.mru {
        match o.name.as_str() {
            "mindepth" if o.value >= 0 => m.mindepth = o.value as u32,
            "maxage" => m.maxage = o.value as i64,
            "minage" => m.minage = o.value as i64,
            "maxdepth" | "maxmem" => {
                let depth = if o.value < 0 {
                    u32::MAX
                } else if o.name == "maxmem" {
                    ((o.value as u64 * 1024) / crate::proto::ratelimit::MON_ENTRY_SIZE as u64) as u32
                } else {
                    o.value as u32
                };
                if depth > UNLIMITED_CAP {
                    warnings.push(
                        Diagnostic::new(
                            Code::Ntp126,
                            o.span,
                            format!(
                                "`mru {} {}` lets ntpd's MRU list grow without bound; serve caps it at {UNLIMITED_CAP} entries",
                                o.name, o.value
                            ),
                        )
                        .severity(Severity::Warning),
                    );
                }
                m.maxdepth = depth.min(UNLIMITED_CAP);
            }
            _ => {}
        }
    }
    m
}

fn restrict_flags(r: &RestrictEntry, flavor: Flavor, unimpl: &mut Vec<Diagnostic>) -> (MatchFlags, RestrictFlags) {
    let mut m = MatchFlags::NONE;
    let mut f = RestrictFlags::NONE;
    for fl in &r.flags {
        let w = fl.value.as_str();
        match (w, flavor) {
            ("ntpport", _) => m |= MatchFlags::NTPPORT,
            // NTPsec accepts these and ignores them (it logs "restrict nopeer ignored").
            ("nopeer" | "notrap", Flavor::Ntpsec) => {}
            _ => {
                if let Some(x) = RestrictFlags::from_keyword(w) {
                    if x == RestrictFlags::MSSNTP {
                        unimpl.push(unimplemented(
                            fl.span,
                            "`mssntp`: MS-SNTP signing is not implemented; such clients get unsigned replies",
                        ));
                    }
                    if x == RestrictFlags::SRVRSPFUZZ {
                        unimpl.push(unimplemented(fl.span, "`serverresponse fuzz`: the reference time is not fuzzed"));
                    }
                    f |= x;
                }
                // (`epeer` makes classic exit: the loader marks that fatal.)
            }
        }
    }
    (m, f)
}

/// The compiled `restrict` table of a configuration, as the dialect's daemon builds it — the
/// one matcher lint rules use for "which entry does address X hit" (entries carry
/// `Origin::Lines` indices into `config.restricts`).
pub fn access_table(config: &Config) -> AccessPolicy {
    access_policy(config, flavor_of(config.dialect), &mut Vec::new())
}

fn access_policy(config: &Config, flavor: Flavor, unimpl: &mut Vec<Diagnostic>) -> AccessPolicy {
    let mut p = AccessPolicy::new(flavor);
    for (i, r) in config.restricts.iter().enumerate() {
        let (mflags, flags) = restrict_flags(r, flavor, unimpl);
        let limit = match (flavor, &r.ippeerlimit) {
            (Flavor::Classic, Some(l)) if (-1..=100).contains(&l.value) => l.value as i16,
            (Flavor::Classic, Some(_)) => 0,
            _ => -1,
        };
        let origin = Origin::Lines(vec![i as u32]);
        let op = match (r.action, flavor) {
            (RestrictAction::Restrict, _) => RestrictOp::Flags,
            (RestrictAction::Delrestrict, _) => RestrictOp::Remove,
            (RestrictAction::Unrestrict, _) if flags.is_empty() && mflags.is_empty() => RestrictOp::Remove,
            (RestrictAction::Unrestrict, _) => RestrictOp::Unflag,
        };
        match &r.target {
            RestrictTarget::Default { family } => {
                if family.is_none() || *family == Some(crate::config::model::Family::Ipv4) {
                    p.apply(op, AddrMask::any(false), mflags, flags, limit, origin.clone());
                }
                if family.is_none() || *family == Some(crate::config::model::Family::Ipv6) {
                    p.apply(op, AddrMask::any(true), mflags, flags, limit, origin);
                }
            }
            RestrictTarget::Source { address: None } if r.action == RestrictAction::Restrict => {
                p.set_source_template(mflags, flags, limit);
                p.set_source_template_line(i as u32);
            }
            RestrictTarget::Source { address: Some(a) } => {
                if let Some(ip) = numeric_address(&a.text) {
                    p.apply(RestrictOp::Remove, AddrMask::host(ip), mflags | MatchFlags::SOURCE, flags, limit, origin);
                }
            }
            RestrictTarget::Source { address: None } => {}
            RestrictTarget::Address { address, mask } => {
                let Some(net) = restrict_net(&address.text, mask.as_ref().map(|m| m.text.as_str()), flavor) else {
                    if numeric_address(address.text.split('/').next().unwrap_or("")).is_none() && !address.text.contains('/') {
                        unimpl.push(unimplemented(
                            address.span,
                            format!("`restrict {}`: ntpd resolves the host name at start-up; serve does not resolve names, so no entry is installed", address.text),
                        ));
                    }
                    continue;
                };
                p.apply(op, net, mflags, flags, limit, origin);
            }
        }
    }
    // `restrict source` for associations with numeric addresses (host names are resolved by
    // ntpd later, and not at all here).
    for a in &config.associations {
        if !matches!(a.kind, AssociationKind::Server | AssociationKind::Peer) {
            continue;
        }
        if refclock_address(&a.address.text).is_some() {
            continue;
        }
        if let Some(ip) = numeric_address(&a.address.text) {
            let keyed = a.options.iter().any(|o| matches!(o, AssocOption::Int { name, value, .. } if name == "key" && *value > 0));
            p.add_source(ip, keyed);
        }
    }
    p
}

/// The entry a restrict address (and mask) denotes, as ntpd's config pass computes it; `None`
/// when ntpd installs nothing (unusable address or mask, a host name).
pub fn restrict_net(address: &str, mask: Option<&str>, flavor: Flavor) -> Option<AddrMask> {
    if let Some((a, len)) = address.split_once('/') {
        // CIDR: NTPsec only. An unusable length leaves a host entry (NTP124); classic looks
        // the whole text up as a host name and fails (NTP106).
        if flavor == Flavor::Classic {
            return None;
        }
        let ip = numeric_address(a)?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        return match len.parse::<u32>() {
            Ok(n) if n > 0 && n <= max => AddrMask::prefix(ip, n as u8),
            _ => Some(AddrMask::host(ip)),
        };
    }
    let ip = numeric_address(address)?;
    match mask {
        None => Some(AddrMask::host(ip)),
        Some(m) => {
            let mip: IpAddr = numeric_address(m)?;
            AddrMask::new(ip, mip)
        }
    }
}

fn key_store(config: &Config, kf: &KeysFile, opts: &PlanOptions, flavor: Flavor, warnings: &mut Vec<Diagnostic>) -> KeyStore {
    let mut store = KeyStore::new();
    for k in &kf.keys {
        let algorithm = match &k.key_type {
            KeyType::Md5 => MacAlgorithm::Md5,
            KeyType::Sha1 => MacAlgorithm::Sha1,
            KeyType::Sha224 => MacAlgorithm::Sha224,
            KeyType::Sha256 => MacAlgorithm::Sha256,
            KeyType::Sha384 => MacAlgorithm::Sha384,
            KeyType::Sha512 => MacAlgorithm::Sha512,
            // NTPsec 1.2.2 cannot use a CMAC key under 16 bytes (see `config::keys`).
            KeyType::Aes128Cmac if flavor == Flavor::Ntpsec && k.secret.len() < 16 => continue,
            KeyType::Aes128Cmac => MacAlgorithm::Aes128Cmac,
            KeyType::Other(_) => continue, // reported by the keys parser
        };
        let acl = k.acl.iter().map(|a| (a.addr, a.bits.unwrap_or(if a.addr.is_ipv4() { 32 } else { 128 }).min(128) as u8)).collect();
        store.insert(SymmetricKey { id: k.id, algorithm, secret: k.secret.clone(), trusted: false, acl });
    }
    let mut trusted: Vec<u32> = Vec::new();
    for item in config.auth.effective_trustedkeys(config.dialect) {
        match *item {
            TrustedKeyItem::Key { id, .. } if (1..=65535).contains(&id) => trusted.push(id as u32),
            TrustedKeyItem::Range { first, last, .. } if 1 <= first && first <= last && last <= 65535 => {
                trusted.extend(first as u32..=last as u32)
            }
            _ => {}
        }
    }
    trusted.extend(opts.trusted_keys.iter().copied());
    for id in trusted {
        store.set_trusted(id, true);
    }
    // Keys referenced but missing from the file.
    for line in &config.auth.trustedkey_lines {
        for item in &line.items {
            if let TrustedKeyItem::Key { id, span } = item
                && *id > 0
                && kf.get(*id as u32).is_none()
                && !kf.rejected
            {
                warnings.push(
                    Diagnostic::new(
                        Code::Ntp125,
                        *span,
                        format!("trusted key {id} is not in the keys file: requests with it fail authentication"),
                    )
                    .severity(Severity::Warning),
                );
            }
        }
    }
    // Digests too long for the dialect's MACs are reported by the keys parser, on their line.
    store
}

/// Read `path` as a keys file for `dialect` (for `ntpcheck check` of a keys file).
pub fn check_keys_file(path: &Path, dialect: Dialect, sources: &mut SourceMap) -> std::io::Result<KeysFile> {
    keys::load_path(path, dialect, sources).map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load::{LoadOptions, load_bytes};
    use std::net::SocketAddr;

    fn load(text: &str, d: Dialect) -> Loaded {
        load_bytes("ntp.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() })
    }
    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn restrict_table_from_config() {
        let l = load(
            "restrict default ignore\nrestrict 192.0.2.0 mask 255.255.255.0 nomodify\nrestrict -6 ::1\nrestrict 192.0.2.7 kod limited\n",
            Dialect::Classic,
        );
        let p = plan(&l).unwrap();
        let a = &p.server.access;
        assert_eq!(a.flags(sa("198.51.100.1:1")), RestrictFlags::IGNORE);
        assert_eq!(a.flags(sa("192.0.2.1:1")), RestrictFlags::NOMODIFY);
        assert_eq!(a.flags(sa("192.0.2.7:1")), RestrictFlags::KOD | RestrictFlags::LIMITED);
        assert_eq!(a.flags(sa("[::1]:1")), RestrictFlags::NONE);
        assert_eq!(a.flags(sa("[::2]:1")), RestrictFlags::IGNORE);
        assert!(p.server.rate_limit.enabled);
    }

    #[test]
    fn ntpsec_defaults_cidr_and_unrestrict() {
        let l = load("restrict 10.0.0.0/8 nomodify\nrestrict 10.1.0.0/99 noserve\n", Dialect::Ntpsec);
        let p = plan(&l).unwrap();
        let a = &p.server.access;
        assert_eq!(a.flags(sa("192.0.2.1:1")), RestrictFlags::NOQUERY | RestrictFlags::LIMITED);
        assert_eq!(a.flags(sa("10.2.3.4:1")), RestrictFlags::NOMODIFY);
        assert_eq!(a.flags(sa("10.1.0.0:1")), RestrictFlags::NOSERVE, "unusable prefix → host entry");
        assert_eq!(a.flags(sa("10.1.0.1:1")), RestrictFlags::NOMODIFY);
        let l = load("unrestrict default noquery limited\n", Dialect::Ntpsec);
        assert_eq!(plan(&l).unwrap().server.access.flags(sa("192.0.2.1:1")), RestrictFlags::NONE);
    }

    #[test]
    fn access_table_for_lint() {
        let l = load("restrict default ignore\nrestrict 192.0.2.0 mask 255.255.255.0 nomodify\n", Dialect::Classic);
        let t = access_table(&l.config);
        let e = t.lookup(sa("192.0.2.9:5"));
        assert_eq!(e.origin, Origin::Lines(vec![1]));
        assert_eq!(l.config.restricts[1].span, l.config.restricts[1].span);
    }

    #[test]
    fn default_and_template_lines_for_lint() {
        let l = load(
            "restrict default nopeer\nrestrict source nopeer\nrestrict 0.0.0.0 mask 0.0.0.0 notrust\nrestrict source noquery\n",
            Dialect::Classic,
        );
        let t = access_table(&l.config);
        assert_eq!(t.default_lines(false), &[0, 2]);
        assert_eq!(t.default_lines(true), &[0]);
        assert_eq!(t.default_entry(false).origin, Origin::Builtin, "defaults stay built-in");
        assert_eq!(t.source_template_line(), Some(3));
        assert_eq!(t.source_template().map(|(_, f, _)| f), Some(RestrictFlags::NOQUERY), "the last template wins");
    }

    #[test]
    fn classic_cidr_installs_nothing() {
        let l = load("restrict 10.0.0.0/8 ignore\n", Dialect::Classic);
        assert_eq!(plan(&l).unwrap().server.access.flags(sa("10.0.0.1:1")), RestrictFlags::NONE);
    }

    #[test]
    fn restrict_source_for_numeric_servers() {
        let l = load("restrict default ignore\nrestrict source nomodify\nserver 192.0.2.9\n", Dialect::Ntpsec);
        let p = plan(&l).unwrap();
        assert_eq!(p.server.access.flags(sa("192.0.2.9:123")), RestrictFlags::NOMODIFY);
        assert!(p.unimplemented.is_empty(), "upstream servers are implemented: {:?}", p.unimplemented);
        assert_eq!(p.sync.associations.len(), 1);
    }

    #[test]
    fn associations_for_the_synchroniser() {
        let text = "server 192.0.2.1 iburst minpoll 3 maxpoll 3 prefer key 5 version 3\n\
                    pool pool.example.org\n\
                    peer 192.0.2.2 burst noselect true preempt\n\
                    server ntp.example.org maxpoll 20\n\
                    server 127.127.1.0\n\
                    server 127.0.0.2\n\
                    server 224.0.1.1\n\
                    server 127.0.0.1 minpoll 1\n\
                    server -6 192.0.2.9\n\
                    server 2001:db8::1 maxpoll 2\n";
        let p = plan(&load(text, Dialect::Classic)).unwrap();
        let a = &p.sync.associations;
        assert_eq!(a.len(), 6, "{a:#?}");
        assert_eq!(a[0].target, Target::Address(sa("192.0.2.1:123")));
        assert_eq!(
            (a[0].minpoll, a[0].maxpoll, a[0].iburst, a[0].prefer, a[0].key, a[0].version),
            (Log2Seconds(3), Log2Seconds(3), true, true, Some(5), 3)
        );
        assert_eq!(a[0].span_line, Some(1));
        assert_eq!(a[1].target, Target::Pool { host: "pool.example.org".into(), port: 123 });
        assert!(a[1].preempt, "pool associations are preemptible");
        assert_eq!(
            (a[2].mode, a[2].burst, a[2].noselect, a[2].true_chimer, a[2].preempt),
            (AssocMode::SymmetricActive, true, true, true, true)
        );
        assert_eq!(a[3].target, Target::Name { host: "ntp.example.org".into(), port: 123 });
        assert_eq!((a[3].minpoll, a[3].maxpoll), (Log2Seconds(6), Log2Seconds(17)));
        // 127.0.0.2, multicast and the family conflict are refused (NTP111 names the lines); LOCAL is no upstream.
        assert_eq!(a[4].target, Target::Address(sa("127.0.0.1:123")));
        assert_eq!(a[4].minpoll, Log2Seconds(3), "classic reads minpoll below 3 as 3");
        assert_eq!(
            (a[5].minpoll, a[5].maxpoll),
            (Log2Seconds(3), Log2Seconds(3)),
            "classic clamps maxpoll to at least 3, minpoll to maxpoll"
        );
        let refused: Vec<&Diagnostic> = p.warnings.iter().filter(|d| d.code == Code::Ntp111).collect();
        assert_eq!(refused.len(), 3, "{refused:#?}");
        assert!(p.sync.local_clock.is_some());
        assert!(p.unimplemented.is_empty(), "{:#?}", p.unimplemented);
        // NTPsec: `peer` is a client; polls clamp within [0, 17].
        let p = plan(&load(
            "peer 192.0.2.2 minpoll 1 maxpoll 0
",
            Dialect::Ntpsec,
        ))
        .unwrap();
        let a = &p.sync.associations[0];
        assert_eq!((a.mode, a.minpoll, a.maxpoll), (AssocMode::Client, Log2Seconds(0), Log2Seconds(0)));
        // Options serve does not implement on an association are still reported.
        let p = plan(&load(
            "server 192.0.2.1 xleave
",
            Dialect::Classic,
        ))
        .unwrap();
        assert!(p.unimplemented[0].message.contains("xleave"));
        assert_eq!(p.sync.associations.len(), 1);
    }

    #[test]
    fn poll_ranges_as_each_ntpd() {
        assert_eq!(poll_range(Flavor::Classic, None, None), (6, 10));
        assert_eq!(poll_range(Flavor::Classic, Some(12), None), (10, 10), "minpoll is clamped to the default maxpoll");
        assert_eq!(poll_range(Flavor::Classic, Some(300), Some(-1)), (3, 17));
        assert_eq!(poll_range(Flavor::Ntpsec, Some(12), None), (10, 10));
        assert_eq!(poll_range(Flavor::Ntpsec, Some(-3), Some(99)), (0, 17));
    }

    #[test]
    fn tos_tinker_and_driftfile() {
        let text = "tos minsane 2 minclock 0 maxclock 7 mindist 0.02 maxdist 3 orphan 9 orphanwait 0\n\
                    tinker step 0.5 panic 0 stepout 10 dispersion 20 allan 12 huffpuff 2000 freq -12.5\n\
                    driftfile /var/lib/ntp/ntp.drift\n\
                    driftfile /var/lib/ntp/other.drift 1e-6\n";
        let p = plan(&load(text, Dialect::Classic)).unwrap();
        let t = &p.sync.tos;
        assert_eq!((t.minsane, t.minclock, t.maxclock, t.orphan), (2, 1, 7, Some(9)));
        assert_eq!((t.mindist, t.maxdist, t.orphanwait), (0.02, 3.0, Duration::from_secs(300)));
        let k = &p.sync.tinker;
        assert_eq!((k.step, k.panic, k.stepout, k.allan, k.huffpuff, k.freq), (0.5, 0.0, 300.0, 4096.0, 1800.0, Some(-12.5)));
        assert!((k.dispersion - 20e-6).abs() < 1e-15);
        let d = p.driftfile.unwrap();
        assert_eq!((d.path, d.wander), (PathBuf::from("/var/lib/ntp/ntp.drift"), Some(1e-6)), "classic keeps the first driftfile");
        let p = plan(&load("driftfile /a\ndriftfile /b\n", Dialect::Ntpsec)).unwrap();
        assert_eq!(p.driftfile.unwrap().path, PathBuf::from("/b"), "NTPsec the last");
        let p = plan(&load(
            "tos orphan 16
driftfile /d
driftfile
",
            Dialect::Ntpsec,
        ))
        .unwrap();
        assert_eq!(p.sync.tos.orphan, None);
        assert!(p.driftfile.is_none(), "an empty driftfile turns it off");
        let p = plan(&load("", Dialect::Ntpsec)).unwrap();
        assert_eq!((p.sync.tos.minclock, p.sync.tos.maxclock, p.sync.tinker.step, p.sync.tinker.panic), (3, 10, 0.128, 1000.0));
    }

    #[test]
    fn discard_limit_and_mru() {
        let l = load("discard average 5 minimum 1\nmru maxmem 96 mindepth 10\nrestrict default limited kod\n", Dialect::Classic);
        let p = plan(&l).unwrap();
        assert_eq!(p.server.rate_limit.algorithm, RateAlgorithm::Classic { average: 5, minimum: 1, monitor: 3000 });
        assert_eq!(p.server.min_poll, Log2Seconds(5));
        assert_eq!(p.server.rate_limit.mru.maxdepth, 1024);
        assert_eq!(p.server.rate_limit.mru.mindepth, 10);
        let l = load("limit average 2.5 burst 10 kod 1\n", Dialect::Ntpsec);
        let p = plan(&l).unwrap();
        assert_eq!(p.server.rate_limit.algorithm, RateAlgorithm::Ntpsec { average: 2.5, burst: 10.0, kod: 1.0 });
        assert!(p.server.rate_limit.enabled, "NTPsec's default entry is limited");
    }

    #[test]
    fn local_clock_variants() {
        let l = load("server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 7\ntos orphanwait 10\n", Dialect::Classic);
        let lc = plan(&l).unwrap().local_clock.unwrap().clock;
        assert_eq!((lc.stratum, lc.prefer, lc.orphan_wait), (7, true, Duration::from_secs(10)));
        let l = load("refclock local unit 3 stratum 2\n", Dialect::Ntpsec);
        let lc = plan(&l).unwrap().local_clock.unwrap().clock;
        assert_eq!((lc.stratum, lc.unit, lc.prefer), (2, 3, false));
        assert_eq!(lc.reference_id().0, [127, 127, 1, 3]);
        let l = load("server 127.127.28.0\n", Dialect::Classic);
        let p = plan(&l).unwrap();
        assert!(p.local_clock.is_none());
        assert!(p.unimplemented[0].message.contains("127.127.28.0"));
    }

    #[test]
    fn keys_and_trust() {
        let dir = std::env::temp_dir().join(format!("ntpcheck-runtime-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kp = dir.join("ntp.keys");
        std::fs::write(&kp, "1 MD5 one\n2 SHA1 two\n3 AES128CMAC three\n").unwrap();
        let conf = format!("keys {}\ntrustedkey 1 3\ncontrolkey 2\n", kp.display());
        let p = plan(&load(&conf, Dialect::Classic)).unwrap();
        assert!(p.server.keys.usable(1).is_some());
        assert!(p.server.keys.usable(2).is_none(), "not trusted");
        assert!(p.server.keys.usable(3).is_some());
        assert_eq!(p.server.control_key, Some(2));
        // Classic keeps only the last trustedkey line; NTPsec all of them.
        let conf = format!("keys {}\ntrustedkey 1\ntrustedkey 2\n", kp.display());
        assert!(plan(&load(&conf, Dialect::Classic)).unwrap().server.keys.usable(1).is_none());
        assert!(plan(&load(&conf, Dialect::Ntpsec)).unwrap().server.keys.usable(1).is_some());
        // -k and -t.
        let opts = PlanOptions { keys_file: Some(kp.clone()), trusted_keys: vec![2] };
        assert!(plan_with(&load("", Dialect::Ntpsec), &opts).unwrap().server.keys.usable(2).is_some());
        // A missing file is a warning, not fatal.
        let p = plan(&load("keys /nonexistent/ntp.keys\n", Dialect::Classic)).unwrap();
        assert!(p.warnings.iter().any(|d| d.code == Code::Ntp125));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unimplemented_features_name_their_lines() {
        let l = load(
            "server 192.0.2.1\nbroadcast 192.0.2.255\nstatistics loopstats\nenable mode7\nrestrict ntp.example.org nomodify\n",
            Dialect::Classic,
        );
        let p = plan(&l).unwrap();
        let msgs: Vec<&str> = p.unimplemented.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:#?} (the server line is implemented)");
        assert!(p.unimplemented.iter().all(|d| d.code == Code::Ntp126 && d.span.end > d.span.start));
    }

    #[test]
    fn fatal_config_is_an_error() {
        let l = load("refclock bogus\n", Dialect::Ntpsec);
        assert!(l.fatal);
        assert!(plan(&l).is_err());
        for text in ["restrict default epeer\n", "server 127.127.1.0\nfudge 127.127.1.0 abbrev X\n"] {
            let e = plan(&load(text, Dialect::Classic)).unwrap_err();
            assert_eq!(e[0].code, Code::Ntp120, "{text}");
        }
    }
}
