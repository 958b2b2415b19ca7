//! `ntpcheck serve`: ntpd's command line (classic 4.2.8p18 and NTPsec 1.2, same letters, same
//! meanings) in front of the server driver, so an init script or unit can swap `ntpd` for
//! `ntpcheck serve` unchanged. Every option of either daemon is accepted; those that change
//! nothing here get one warning line each.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::ArgAction;

use crate::config::Dialect;
use crate::config::load::{LoadOptions, Loaded, load_bytes, load_path};
use crate::config::model::{TrustedKeyItem, TrustedKeyLine};
use crate::config::saveconfig::saveconfig;
use crate::diagnostic::Severity;
use crate::diagnostic::render;
use crate::proto::sync::ClockOptions;
use crate::runtime::{self, ServerPlan};
use crate::server::iface::{self, Families};
use crate::server::log::{self, Level};
use crate::server::resolve::{FixedResolver, Resolver, SystemResolver};
use crate::server::{self, daemon};
use crate::source::{Span, Spanned};
use crate::srvlog;

/// Arguments of `serve`: ntpd's, plus ntpcheck's own long options.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(disable_help_flag = true, disable_version_flag = true, args_override_self = true)]
pub struct ServeArgs {
    /// Force IPv4 (serve IPv4 addresses only).
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Force IPv6 (serve IPv6 addresses only).
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Classic: require crypto authentication (authreq). NTPsec: test the assert handler.
    #[arg(short = 'a', long = "authreq", alias = "assert")]
    pub authreq: bool,
    /// Classic: do not require crypto authentication.
    #[arg(short = 'A', long = "authnoreq", conflicts_with = "authreq")]
    pub authnoreq: bool,
    /// Classic: allow syncing to broadcast servers (NTPsec: obsolete, refused).
    #[arg(short = 'b', long = "bcastsync")]
    pub bcastsync: bool,
    /// Configuration file (default /etc/ntp.conf).
    #[arg(short = 'c', long = "configfile", value_name = "FILE")]
    pub configfile: Option<PathBuf>,
    /// More debug output (implies -n).
    #[arg(short = 'd', long = "debug-level", alias = "debug", action = ArgAction::Count)]
    pub debug: u8,
    /// Set the debug level.
    #[arg(short = 'D', long = "set-debug-level", value_name = "LEVEL")]
    pub set_debug_level: Option<String>,
    /// Frequency drift file.
    #[arg(short = 'f', long = "driftfile", alias = "driftile", value_name = "FILE")]
    pub driftfile: Option<PathBuf>,
    /// Allow the first clock adjustment to be big.
    #[arg(short = 'g', long = "panicgate", action = ArgAction::Count)]
    pub panicgate: u8,
    /// Step any initial offset.
    #[arg(short = 'G', long = "force-step-once", alias = "force_step_once")]
    pub force_step_once: bool,
    /// Jail (chroot) directory, entered after the sockets are bound.
    #[arg(short = 'i', long = "jaildir", value_name = "DIR")]
    pub jaildir: Option<PathBuf>,
    /// Listen on this interface name or address (like `interface listen`); repeatable.
    #[arg(short = 'I', long = "interface", value_name = "IFACE")]
    pub interface: Vec<String>,
    /// Symmetric keys file (overrides `keys`).
    #[arg(short = 'k', long = "keyfile", value_name = "FILE")]
    pub keyfile: Option<PathBuf>,
    /// Log to this file.
    #[arg(short = 'l', long = "logfile", value_name = "FILE")]
    pub logfile: Option<PathBuf>,
    /// Do not listen on virtual IPs (interface aliases such as eth0:1).
    #[arg(short = 'L', long = "novirtualips")]
    pub novirtualips: bool,
    /// Register with mDNS.
    #[arg(short = 'm', long = "mdns")]
    pub mdns: bool,
    /// Windows multimedia timer (classic, Windows only).
    #[arg(short = 'M', long = "modifymmtimer")]
    pub modifymmtimer: bool,
    /// Do not fork: stay in the foreground.
    #[arg(short = 'n', long = "nofork")]
    pub nofork: bool,
    /// Run at high priority.
    #[arg(short = 'N', long = "nice")]
    pub nice: bool,
    /// PID file, written atomically.
    #[arg(short = 'p', long = "pidfile", value_name = "FILE")]
    pub pidfile: Option<PathBuf>,
    /// Process priority.
    #[arg(short = 'P', long = "priority", value_name = "N", allow_negative_numbers = true)]
    pub priority: Option<i64>,
    /// Set the time and quit.
    #[arg(short = 'q', long = "quit")]
    pub quit: bool,
    /// Classic: broadcast/propagation delay (NTPsec: obsolete, refused).
    #[arg(short = 'r', long = "propagationdelay", value_name = "DELAY")]
    pub propagationdelay: Option<String>,
    /// NTPsec: dump the command-line options (undocumented).
    #[arg(short = 'R', long = "dumpopts")]
    pub dumpopts: bool,
    /// Classic: write the configuration as saveconfig would, and quit.
    #[arg(long = "saveconfigquit", value_name = "FILE")]
    pub saveconfigquit: Option<PathBuf>,
    /// Statistics directory.
    #[arg(short = 's', long = "statsdir", value_name = "DIR")]
    pub statsdir: Option<PathBuf>,
    /// Trusted key number; repeatable.
    #[arg(short = 't', long = "trustedkey", value_name = "KEY")]
    pub trustedkey: Vec<String>,
    /// Run as this user (user[:group]) after binding, keeping CAP_SYS_TIME and CAP_NET_BIND_SERVICE.
    #[arg(short = 'u', long = "user", value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Seconds between interface rescans.
    #[arg(short = 'U', long = "updateinterval", alias = "uinterval", value_name = "SECONDS", allow_negative_numbers = true)]
    pub updateinterval: Option<i64>,
    /// Make ARG an NTP variable (RW); repeatable.
    #[arg(long = "var", value_name = "ARG")]
    pub var: Vec<String>,
    /// Make ARG an NTP variable (RW|DEF); repeatable.
    #[arg(long = "dvar", value_name = "ARG")]
    pub dvar: Vec<String>,
    /// Seconds to wait for the first sync before the parent exits.
    #[arg(short = 'w', long = "wait-sync", value_name = "SECONDS", allow_negative_numbers = true)]
    pub wait_sync: Option<f64>,
    /// Slew offsets up to 600 s instead of stepping.
    #[arg(short = 'x', long = "slew")]
    pub slew: bool,
    /// Windows performance counter (classic, Windows only).
    #[arg(long = "usepcc")]
    pub usepcc: bool,
    /// Windows performance counter frequency (classic, Windows only).
    #[arg(long = "pccfreq", value_name = "FREQ")]
    pub pccfreq: Option<String>,
    /// Print the version and exit.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    /// Print help and exit.
    #[arg(short = 'h', short_alias = '?', long = "help", alias = "more-help", action = ArgAction::Help)]
    pub help: Option<bool>,
    /// Classic: servers named on the command line.
    #[arg(value_name = "SERVER")]
    pub servers: Vec<String>,

    /// ntpcheck: never touch the system clock, only serve (also drops CAP_SYS_TIME).
    #[arg(long = "no-clock-adjust")]
    pub no_clock_adjust: bool,
    /// ntpcheck: serve on exactly these addresses instead of the interfaces' (port 0: any).
    #[arg(long = "listen", value_name = "ADDR:PORT")]
    pub listen: Vec<SocketAddr>,
    /// ntpcheck: refuse to start on any error or any configured feature not implemented here.
    #[arg(long = "strict")]
    pub strict: bool,
    /// ntpcheck: which daemon's reading and behaviour.
    #[arg(long = "dialect", value_enum, default_value_t = Dialect::Classic)]
    pub dialect: Dialect,
    /// ntpcheck: worker threads (default: one per core this process may run on).
    #[arg(long = "workers", value_name = "N")]
    pub workers: Option<usize>,
    /// ntpcheck: directory classic ntpd resolves relative includes against.
    #[arg(long = "include-cwd", value_name = "DIR")]
    pub include_cwd: Option<PathBuf>,
    /// ntpcheck: serve Prometheus metrics on http://ADDR:PORT/metrics (off by default).
    #[arg(long = "metrics", value_name = "ADDR:PORT")]
    pub metrics: Option<SocketAddr>,
    /// ntpcheck: stop after this many seconds (tests).
    #[arg(long = "max-runtime", value_name = "SECONDS", hide = true)]
    pub max_runtime: Option<f64>,
    /// Test hook (hidden): add SECONDS to every reading of the local clock (T1, T4, served
    /// timestamps), so that tests have an offset to correct without touching the clock.
    #[arg(long = "test-clock-offset", value_name = "SECONDS", hide = true, allow_negative_numbers = true, value_parser = parse_test_offset)]
    pub test_clock_offset: Option<f64>,
    /// Test hook (hidden): resolve host names from this table (NAME=ADDR,NAME=ADDR,…) and
    /// never ask the system resolver.
    #[arg(long = "test-hosts", value_name = "NAME=ADDR,...", hide = true)]
    pub test_hosts: Option<String>,
}

fn parse_test_offset(s: &str) -> Result<f64, String> {
    match s.trim().trim_start_matches('+').parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= 3600.0 => Ok(v),
        _ => Err(format!("`{s}`: give seconds, at most one hour either way (e.g. +0.025)")),
    }
}

const DEFAULT_CONFIG: &str = "/etc/ntp.conf";

impl ServeArgs {
    fn config_path(&self) -> PathBuf {
        self.configfile.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG))
    }

    /// ntpd stays in the foreground with -n, -q, -d/-D, --saveconfigquit (and NTPsec -R).
    fn foreground(&self) -> bool {
        self.nofork || self.quit || self.debug > 0 || self.set_debug_level.is_some() || self.saveconfigquit.is_some() || self.dumpopts
    }

    fn families(&self) -> Families {
        if self.ipv4 {
            Families::V4
        } else if self.ipv6 {
            Families::V6
        } else {
            Families::Both
        }
    }

    fn debug_level(&self) -> i64 {
        let set = self.set_debug_level.as_deref().map(|s| s.trim().parse::<i64>().unwrap_or(0));
        set.unwrap_or(0).max(i64::from(self.debug))
    }

    /// Options refused outright (as the dialect's ntpd refuses them), before anything starts.
    fn refusals(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.dialect == Dialect::Ntpsec {
            if self.bcastsync {
                v.push("-b: obsolete and unsupported broadcast option (NTPsec exits on it)".into());
            }
            if self.propagationdelay.is_some() {
                v.push("-r: obsolete and unsupported broadcast option (NTPsec exits on it)".into());
            }
        }
        if self.test_clock_offset.is_some_and(|o| o != 0.0) && !self.no_clock_adjust {
            // The offset is fake: disciplining the clock for it would set the clock wrong.
            v.push("--test-clock-offset is a test hook: it needs --no-clock-adjust".into());
        }
        if let Some(Err(e)) = self.test_hosts.as_deref().map(FixedResolver::parse) {
            v.push(format!("--test-hosts: {e}"));
        }
        if matches!(self.updateinterval, Some(n) if n < 0) {
            v.push(format!("-U {}: the interface update interval must not be negative", self.updateinterval.unwrap_or(0)));
        }
        if let Some(Err(e)) = self.user.as_deref().map(daemon::resolve_user) {
            v.push(e);
        }
        for t in &self.trustedkey {
            if t.trim().parse::<u32>().is_err() {
                v.push(format!("-t {t}: not a key number"));
            }
        }
        v
    }

    /// One line per option that changes nothing here.
    fn no_effect_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        let no_sync = "--no-clock-adjust: the clock is never adjusted";
        if self.authreq {
            w.push(match self.dialect {
                Dialect::Classic => {
                    "-a (authreq): no effect: it concerns ephemeral (passive) associations, which serve does not mobilise".to_string()
                }
                Dialect::Ntpsec => "-a (NTPsec: REQUIRE(false) to test the assert handler): ignored".to_string(),
            });
        }
        if self.authnoreq {
            w.push("-A (authnoreq): no effect: it concerns ephemeral (passive) associations, which serve does not mobilise".into());
        }
        if self.bcastsync {
            w.push("-b (bcastsync): no effect: serve is not a broadcast client".into());
        }
        if self.panicgate > 0 && self.no_clock_adjust {
            w.push(format!("-g (panicgate): no effect: {no_sync}"));
        }
        if self.force_step_once {
            w.push("-G (force-step-once): not implemented: the first offset is stepped or slewed by the usual thresholds".into());
        }
        if self.slew && self.no_clock_adjust {
            w.push(format!("-x (slew, step threshold 600 s): no effect: {no_sync}"));
        }
        if self.statsdir.is_some() {
            w.push("-s (statsdir): no effect: serve writes no statistics files".into());
        }
        if self.mdns {
            w.push("-m (mdns): no effect: serve does not register with mDNS".into());
        }
        if self.modifymmtimer || self.usepcc || self.pccfreq.is_some() {
            w.push("-M/--usepcc/--pccfreq: no effect: Windows-only options".into());
        }
        if self.nice || self.priority.is_some() {
            w.push("-N/-P (priority): no effect: serve runs at normal scheduling priority".into());
        }
        if self.propagationdelay.is_some() {
            w.push("-r (propagationdelay): no effect: serve is not a broadcast client".into());
        }
        if self.dumpopts {
            w.push("-R (dumpopts): ignored".into());
        }
        if self.updateinterval.is_some() {
            w.push("-U (updateinterval): no effect: addresses are scanned at start-up only".into());
        }
        if !self.var.is_empty() || !self.dvar.is_empty() {
            w.push("--var/--dvar: no effect: serve does not answer mode 6 (ntpq) yet".into());
        }
        if !self.servers.is_empty() {
            w.push(format!(
                "servers on the command line ({}): not implemented: put them in the configuration as `server` lines",
                self.servers.join(" ")
            ));
        }
        if let Some(o) = self.test_clock_offset {
            w.push(format!("--test-clock-offset {o:+}: TEST HOOK: every local clock reading is shifted by {o:+} s"));
        }
        if self.test_hosts.is_some() {
            w.push("--test-hosts: TEST HOOK: host names are resolved from the given table only".into());
        }
        if self.wait_sync.is_some() && self.foreground() {
            w.push("-w (wait-sync) with -n/-d: classic ntpd would fork anyway; serve stays in the foreground".into());
        }
        w
    }
}

/// Loads the configuration as the daemon reads it at start and on SIGHUP, with the command
/// line's overrides applied (`-k`, `-t`), as ntpd applies them.
fn load_config(a: &ServeArgs, reload: bool) -> Result<Loaded, String> {
    let path = a.config_path();
    let opts = LoadOptions { dialect: a.dialect, classic_cwd: a.include_cwd.clone(), no_conf_dir: false };
    let mut loaded = match load_path(&path, &opts) {
        Ok(l) => l,
        // At start-up ntpd runs without a configuration file (it logs and uses its defaults);
        // --strict refuses. On reload a vanished file is an error: the running config stays.
        Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => {
            if a.strict || reload {
                return Err(format!("{e}"));
            }
            srvlog!(Level::Err, "{e}; running with ntpd's defaults, as ntpd does");
            load_bytes(&path.display().to_string(), b"", &opts)
        }
        Err(e) => return Err(e.to_string()),
    };
    if let Some(k) = &a.keyfile {
        loaded.config.auth.keys = Some(Spanned::new(k.display().to_string(), Span::default()));
    }
    if !a.trustedkey.is_empty() {
        let items: Vec<TrustedKeyItem> = a
            .trustedkey
            .iter()
            .filter_map(|t| t.trim().parse::<i32>().ok())
            .map(|id| TrustedKeyItem::Key { id, span: Span::default() })
            .collect();
        match (a.dialect, loaded.config.auth.trustedkey_lines.last_mut()) {
            // Classic keeps only the last `trustedkey` line: the command line's keys join it.
            (Dialect::Classic, Some(last)) => last.items.extend(items),
            _ => loaded.config.auth.trustedkey_lines.push(TrustedKeyLine { items, span: Span::default() }),
        }
    }
    Ok(loaded)
}

fn short(loaded: &Loaded, d: &crate::diagnostic::Diagnostic) -> String {
    render::short(d, &loaded.sources)
}

/// Loads and plans, logging what ntpd would log. Err: the lines that stop `serve`.
fn load_and_plan(a: &ServeArgs, reload: bool) -> Result<(Loaded, ServerPlan), Vec<String>> {
    let loaded = load_config(a, reload).map_err(|e| vec![e])?;
    let plan = match runtime::plan(&loaded) {
        Ok(p) => p,
        Err(fatal) => {
            let mut v: Vec<String> = fatal.iter().map(|d| short(&loaded, d)).collect();
            v.push(if reload { "ntpd would exit on this configuration" } else { "ntpd exits on this configuration; so does serve" }.into());
            return Err(v);
        }
    };
    if a.strict {
        let mut v: Vec<String> = loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| short(&loaded, d)).collect();
        v.extend(plan.unimplemented.iter().map(|d| format!("{} (not implemented)", short(&loaded, d))));
        if !v.is_empty() {
            v.push("--strict: refusing to serve with errors or unimplemented features".into());
            return Err(v);
        }
    }
    {
        for d in &plan.warnings {
            let lvl = if d.severity == Severity::Error { Level::Err } else { Level::Warning };
            srvlog!(lvl, "{}", short(&loaded, d));
        }
        for d in &plan.unimplemented {
            srvlog!(Level::Warning, "{} (not implemented by serve; running without it)", short(&loaded, d));
        }
    }
    Ok((loaded, plan))
}

/// Run `ntpcheck serve`.
pub fn run(a: ServeArgs) -> ExitCode {
    if a.version {
        println!("ntpcheck {} (serve: ntpd-compatible command line, {} dialect)", env!("CARGO_PKG_VERSION"), dialect_name(a.dialect));
        return ExitCode::SUCCESS;
    }
    let refused = a.refusals();
    if !refused.is_empty() {
        for r in refused {
            eprintln!("ntpcheck serve: {r}");
        }
        return ExitCode::from(2);
    }
    if let Some(out) = &a.saveconfigquit {
        return saveconfig_quit(&a, out);
    }
    let detached = daemon::is_detached_child();
    if !a.foreground() && !detached {
        let wait = a.wait_sync.filter(|w| *w > 0.0).map(Duration::from_secs_f64).unwrap_or(Duration::from_secs(60));
        return daemon::detach(wait.max(Duration::from_secs(10)));
    }
    if detached {
        daemon::new_session();
    }
    // Logging: -l file; else the terminal in the foreground; else syslog.
    if let Some(l) = &a.logfile {
        if let Err(e) = log::to_file(l) {
            eprintln!("ntpcheck serve: -l {}: {e}", l.display());
            return ExitCode::from(2);
        }
    } else if detached {
        log::to_syslog();
    } else {
        log::to_stderr();
    }
    if a.debug_level() > 0 {
        log::set_max_level(Level::Debug);
    }
    match serve(a, detached) {
        Ok(()) => ExitCode::SUCCESS,
        Err(lines) => {
            for l in &lines {
                srvlog!(Level::Err, "{l}");
                if detached && log::destination() != "standard error" {
                    // The parent still shows our standard error until we report ready.
                    eprintln!("ntpcheck serve: {l}");
                }
            }
            ExitCode::from(1)
        }
    }
}

fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Classic => "classic",
        Dialect::Ntpsec => "ntpsec",
    }
}

fn saveconfig_quit(a: &ServeArgs, out: &Path) -> ExitCode {
    log::to_stderr();
    let loaded = match load_config(a, false) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ntpcheck serve: {e}");
            return ExitCode::from(2);
        }
    };
    for d in &loaded.diagnostics {
        eprintln!("{}", short(&loaded, d));
    }
    if loaded.fatal {
        eprintln!("ntpcheck serve: ntpd would exit while reading this configuration; nothing saved");
        return ExitCode::from(1);
    }
    let text = saveconfig(&loaded.config);
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".ntpcheck-saveconfig.{}.tmp", std::process::id()));
    match std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            eprintln!("ntpcheck serve: --saveconfigquit {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}

fn serve(a: ServeArgs, detached: bool) -> Result<(), Vec<String>> {
    srvlog!(Level::Notice, "ntpcheck {} serve ({} dialect): starting", env!("CARGO_PKG_VERSION"), dialect_name(a.dialect));
    srvlog!(Level::Notice, "Command line: {}", std::env::args().collect::<Vec<_>>().join(" "));
    for w in a.no_effect_warnings() {
        srvlog!(Level::Warning, "{w}");
    }
    let (loaded, plan) = load_and_plan(&a, false)?;

    // Where to listen: --listen, or the interfaces as ntpd's rules select them.
    let endpoints = if a.listen.is_empty() {
        let rules = iface::rules(&loaded.config.interface_rules, &a.interface);
        let addrs = iface::host_addrs().map_err(|e| vec![format!("cannot list the network interfaces: {e}")])?;
        iface::endpoints(&rules, &addrs, 123, a.families(), !a.novirtualips)
    } else {
        a.listen
            .iter()
            .filter(|l| a.families().allows(l.ip()))
            .map(|l| iface::Endpoint { addr: *l, action: iface::Action::Listen, name: "--listen".into() })
            .collect()
    };
    if endpoints.is_empty() {
        return Err(vec!["no address to serve on (interface rules, -4/-6 and --listen leave none)".into()]);
    }
    let workers =
        a.workers.filter(|&w| w > 0).unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).min(64);
    let sockets = server::bind_all(&endpoints, workers).map_err(|e| vec![e])?;
    for b in &sockets[0] {
        let what = if b.action == iface::Action::Drop { "dropping packets on" } else { "listening on" };
        srvlog!(Level::Notice, "{what} {} (UDP, {workers} worker{})", b.local, if workers == 1 { "" } else { "s" });
    }

    // Before the jail and the user change: a low metrics port, and the notify socket's path.
    let metrics = a.metrics.map(server::observe::bind_metrics).transpose().map_err(|e| vec![e])?;
    let notify = server::notify::Notifier::from_env();
    let notify = if detached { notify.with_main_pid() } else { notify };

    if let Some(p) = &a.pidfile {
        daemon::write_pidfile(p).map_err(|e| vec![format!("-p {}: {e}", p.display())])?;
    }
    if let Some(dir) = &a.jaildir {
        daemon::chroot(dir).map_err(|e| vec![e])?;
        srvlog!(Level::Notice, "jailed in {}; SIGHUP reads the configuration inside the jail", dir.display());
    }
    if let Some(u) = &a.user {
        let who = daemon::resolve_user(u).map_err(|e| vec![e])?;
        daemon::drop_privileges(&who, !a.no_clock_adjust).map_err(|e| vec![format!("-u {u}: {e}")])?;
        srvlog!(Level::Notice, "running as user {} (uid {}, gid {})", who.user, who.uid, who.gid);
    }
    if a.no_clock_adjust {
        daemon::drop_sys_time();
        srvlog!(
            Level::Notice,
            "--no-clock-adjust: the system clock is never touched (CAP_SYS_TIME dropped); served time = local clock + offset estimate"
        );
    } else if plan.sync.associations.is_empty() {
        srvlog!(Level::Notice, "no upstream servers configured: the system clock is served as it is and never adjusted");
    } else {
        srvlog!(Level::Notice, "disciplining the system clock (step/slew as ntpd, without the kernel loop)");
        if !daemon::has_sys_time() {
            srvlog!(
                Level::Warning,
                "no CAP_SYS_TIME: adjusting the clock will fail (use --no-clock-adjust to serve corrected time instead)"
            );
        }
    }
    let resolver: std::sync::Arc<dyn Resolver> = match a.test_hosts.as_deref().map(FixedResolver::parse) {
        Some(Ok(t)) => std::sync::Arc::new(t),
        Some(Err(e)) => return Err(vec![format!("--test-hosts: {e}")]),
        None => std::sync::Arc::new(SystemResolver),
    };
    let sync = server::sync::SyncOptions {
        clock: ClockOptions {
            allow_big_first_step: a.panicgate > 0,
            slew_only: a.slew,
            quit_after_set: a.quit,
            discipline: !a.no_clock_adjust,
        },
        resolver,
        test_offset: a.test_clock_offset.unwrap_or(0.0),
        driftfile: a.driftfile.clone(),
    };

    let reload_args = a.clone();
    let reload: server::Reload = Box::new(move || load_and_plan(&reload_args, true).map(|(_, p)| p));
    let on_ready: Option<Box<dyn FnOnce() + Send>> = if detached { Some(Box::new(daemon::report_ready)) } else { None };
    let max_runtime = a.max_runtime.filter(|s| *s > 0.0).map(Duration::from_secs_f64);
    srvlog!(Level::Info, "logging to {}", log::destination());
    server::run(sockets, plan, server::RunOptions { reload, on_ready, max_runtime, notify, metrics, sync }).map_err(|e| vec![e])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        a: ServeArgs,
    }

    fn parse(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let mut v = vec!["serve"];
        v.extend_from_slice(args);
        T::try_parse_from(v).map(|t| t.a)
    }

    #[test]
    fn debian_ntpsec_service_line() {
        let a = parse(&["-p", "/run/ntpd.pid", "-c", "/etc/ntpsec/ntp.conf", "-g", "-N", "-u", "ntpsec:ntpsec"]).unwrap();
        assert_eq!(a.pidfile.as_deref(), Some(Path::new("/run/ntpd.pid")));
        assert_eq!(a.configfile.as_deref(), Some(Path::new("/etc/ntpsec/ntp.conf")));
        assert_eq!((a.panicgate, a.nice, a.user.as_deref()), (1, true, Some("ntpsec:ntpsec")));
        assert!(!a.foreground());
    }

    #[test]
    fn getopt_forms() {
        // Bundled flags, attached values, long forms with '=', repeats.
        let a = parse(&["-gnx", "-c/etc/ntp.conf", "-ddd", "--pidfile=/run/x.pid", "-I", "eth0", "-I", "lo", "-t", "5", "-t7"]).unwrap();
        assert_eq!((a.panicgate, a.nofork, a.slew, a.debug), (1, true, true, 3));
        assert_eq!(a.configfile.as_deref(), Some(Path::new("/etc/ntp.conf")));
        assert_eq!(a.interface, ["eth0", "lo"]);
        assert_eq!(a.trustedkey, ["5", "7"]);
        assert!(a.foreground());
        // The last -c wins, as with getopt.
        assert_eq!(parse(&["-c", "a", "-c", "b"]).unwrap().configfile.as_deref(), Some(Path::new("b")));
        // NTPsec's long names.
        let a = parse(&["--debug", "--driftile", "/x", "--uinterval", "60", "--set-debug-level", "2"]).unwrap();
        assert_eq!((a.debug, a.updateinterval, a.debug_level()), (1, Some(60), 2));
        // Classic positional servers.
        assert_eq!(parse(&["-n", "192.0.2.1", "192.0.2.2"]).unwrap().servers, ["192.0.2.1", "192.0.2.2"]);
        assert_eq!(parse(&["-P", "-5"]).unwrap().priority, Some(-5));
    }

    #[test]
    fn every_option_letter_of_both_daemons_is_accepted() {
        // classic 4.2.8p18 ntpd --help and NTPsec 1.2.2's ALL_OPTIONS "46abc:dD:f:gGhi:I:k:l:LmnNp:P:qr:Rs:t:u:U:Vw:xzZ".
        for flag in ["-4", "-a", "-A", "-b", "-d", "-g", "-G", "-L", "-m", "-M", "-n", "-N", "-q", "-R", "-x", "-V"] {
            parse(&[flag]).unwrap_or_else(|e| panic!("{flag}: {e}"));
        }
        for (flag, val) in [
            ("-c", "f"),
            ("-D", "3"),
            ("-f", "f"),
            ("-i", "/var/empty"),
            ("-I", "lo"),
            ("-k", "f"),
            ("-l", "f"),
            ("-p", "f"),
            ("-P", "5"),
            ("-r", "0.1"),
            ("-s", "/tmp"),
            ("-t", "1"),
            ("-u", "ntp"),
            ("-U", "300"),
            ("-w", "30"),
            ("--var", "a=b"),
            ("--dvar", "a=b"),
            ("--saveconfigquit", "f"),
            ("--pccfreq", "1"),
        ] {
            parse(&[flag, val]).unwrap_or_else(|e| panic!("{flag} {val}: {e}"));
        }
        parse(&["-6"]).unwrap();
        parse(&["--usepcc"]).unwrap();
    }

    #[test]
    fn usage_errors() {
        use clap::error::ErrorKind;
        assert_eq!(parse(&["-Z"]).unwrap_err().kind(), ErrorKind::UnknownArgument);
        assert_eq!(parse(&["--frobnicate"]).unwrap_err().kind(), ErrorKind::UnknownArgument);
        assert_eq!(parse(&["-c"]).unwrap_err().kind(), ErrorKind::InvalidValue);
        assert_eq!(parse(&["-4", "-6"]).unwrap_err().kind(), ErrorKind::ArgumentConflict);
        assert_eq!(parse(&["-P", "high"]).unwrap_err().kind(), ErrorKind::ValueValidation);
        assert_eq!(parse(&["-h"]).unwrap_err().kind(), ErrorKind::DisplayHelp);
        // Refused as the daemons refuse them.
        let a = parse(&["--dialect", "ntpsec", "-b"]).unwrap();
        assert!(a.refusals()[0].contains("-b"));
        assert!(parse(&["-b"]).unwrap().refusals().is_empty(), "classic takes -b");
        assert!(parse(&["-q"]).unwrap().refusals().is_empty(), "-q sets the clock once (or reports the offset) and exits");
        assert!(parse(&["--test-hosts", "x"]).unwrap().refusals()[0].contains("--test-hosts"));
        assert_eq!(parse(&["--test-clock-offset", "+0.025"]).unwrap().test_clock_offset, Some(0.025));
        assert!(parse(&["--test-clock-offset", "0.025"]).unwrap().refusals()[0].contains("needs --no-clock-adjust"));
        assert!(parse(&["--test-clock-offset", "0.025", "--no-clock-adjust"]).unwrap().refusals().is_empty());
        assert_eq!(parse(&["--test-clock-offset", "-0.5"]).unwrap().test_clock_offset, Some(-0.5));
        assert_eq!(parse(&["--test-clock-offset", "7200"]).unwrap_err().kind(), ErrorKind::ValueValidation);
        assert!(parse(&["-t", "x"]).unwrap().refusals()[0].contains("not a key number"));
        assert!(parse(&["-u", "no-such-user-ntpcheck"]).unwrap().refusals()[0].contains("cannot find user"));
    }

    #[test]
    fn one_warning_per_option_without_effect() {
        let a = parse(&["-g", "-g", "-x", "-N", "-f", "/var/lib/ntp/drift", "--var", "x=1", "-n"]).unwrap();
        let w = a.no_effect_warnings();
        assert_eq!(w.len(), 2, "-g, -x and -f are honoured now: {w:#?}");
        let a = parse(&["-g", "-x", "--no-clock-adjust", "-n"]).unwrap();
        assert_eq!(a.no_effect_warnings().len(), 2, "without clock adjustment -g and -x change nothing");
        assert!(w.iter().all(|l| !l.contains('\n')));
        assert!(
            parse(&["-n", "-c", "f", "-p", "p", "-u", "root", "-l", "l", "-4", "-I", "lo", "-L", "-k", "k", "-t", "1"])
                .unwrap()
                .no_effect_warnings()
                .is_empty()
        );
    }
}
