//! The typed model: what ntpd keeps of a configuration after parsing (the "config tree" of
//! `ntp_config.c`), one field per category, entries in file order, every value with its span.
//! No nom or miette types live here.

use serde::Serialize;

use super::Dialect;
use crate::source::{Span, Spanned};

/// A whole parsed configuration (main file, includes, and NTPsec's `ntp.d`).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Config {
    /// Dialect it was read as.
    pub dialect: Dialect,
    /// `server`, `pool`, `peer`, `broadcast`, `manycastclient`, NTPsec `refclock`.
    pub associations: Vec<Association>,
    /// `unpeer` / `unconfig`.
    pub unpeers: Vec<Unpeer>,
    /// `restrict`, `delrestrict` (classic), `unrestrict` (NTPsec).
    pub restricts: Vec<RestrictEntry>,
    /// `fudge`.
    pub fudges: Vec<Fudge>,
    /// `device` (classic).
    pub devices: Vec<Device>,
    /// Single-value settings kept in file order (ntpd's `vars` list): driftfile, leapfile,
    /// logfile, pidfile, saveconfigdir, ident, automax, nonvolatile, tick, broadcastdelay,
    /// dscp, leapsmearinterval.
    pub vars: Vec<MiscVar>,
    /// `logconfig` items.
    pub logconfig: Vec<LogConfigItem>,
    /// `statsdir` (the last one parsed).
    pub statsdir: Option<Spanned<String>>,
    /// `statistics` names.
    pub statistics: Vec<Spanned<String>>,
    /// `filegen` lines.
    pub filegens: Vec<Filegen>,
    /// Authentication settings.
    pub auth: Auth,
    /// `enable` flags.
    pub enable: Vec<Spanned<String>>,
    /// `disable` flags.
    pub disable: Vec<Spanned<String>>,
    /// `tos` options, in order.
    pub tos: Vec<TosOption>,
    /// `rlimit` options.
    pub rlimit: Vec<NamedInt>,
    /// `tinker` options.
    pub tinker: Vec<NamedNumber>,
    /// `broadcastclient` given.
    pub broadcastclient: Option<Span>,
    /// `manycastserver` addresses.
    pub manycastserver: Vec<Address>,
    /// `multicastclient` addresses.
    pub multicastclient: Vec<Address>,
    /// `mdnstries`.
    pub mdnstries: Option<Spanned<i32>>,
    /// `mru` options.
    pub mru: Vec<NamedInt>,
    /// `discard` options (classic).
    pub discard: Vec<NamedInt>,
    /// `limit` options (NTPsec).
    pub limit: Vec<NamedNumber>,
    /// `pollskewlist` entries (classic).
    pub pollskewlist: Vec<PollSkew>,
    /// `interface` / `nic` rules.
    pub interface_rules: Vec<InterfaceRule>,
    /// `phone` strings.
    pub phone: Vec<Spanned<String>>,
    /// `setvar` lines.
    pub setvars: Vec<Setvar>,
    /// `ttl` values (classic).
    pub ttl: Vec<Spanned<i32>>,
    /// `trap` lines (classic).
    pub traps: Vec<Trap>,
    /// `reset` counters.
    pub reset: Vec<Spanned<String>>,
    /// `nts` options (NTPsec).
    pub nts: Vec<NtsOption>,
    /// `includefile` lines that were followed.
    pub includes: Vec<Include>,
}

/// An address as written, with the family forced by `-4`/`-6` if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Address {
    /// The text.
    pub text: String,
    /// `-4` / `-6` given before it.
    pub family: Option<Family>,
    /// Where it is (the qualifier included).
    pub span: Span,
}

/// An address family qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `-4`
    Ipv4,
    /// `-6`
    Ipv6,
}

/// Kind of association line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AssociationKind {
    /// `server`
    Server,
    /// `pool`
    Pool,
    /// `peer`
    Peer,
    /// `broadcast` (classic)
    Broadcast,
    /// `manycastclient` (classic)
    Manycastclient,
    /// `refclock NAME` (NTPsec)
    Refclock,
}

impl AssociationKind {
    /// The directive.
    pub fn keyword(self) -> &'static str {
        match self {
            AssociationKind::Server => "server",
            AssociationKind::Pool => "pool",
            AssociationKind::Peer => "peer",
            AssociationKind::Broadcast => "broadcast",
            AssociationKind::Manycastclient => "manycastclient",
            AssociationKind::Refclock => "refclock",
        }
    }
}

/// One association option, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "option", rename_all = "lowercase")]
pub enum AssocOption {
    /// A flag: burst, iburst, noselect, prefer, true, preempt, autokey, xleave, xmtnonce,
    /// NTPsec nts, noval, holdover.
    Flag {
        /// Its name.
        name: String,
        /// Where.
        span: Span,
    },
    /// An integer option: key, minpoll, maxpoll, ttl, mode, version, NTPsec subtype, baud,
    /// stratum.
    Int {
        /// Its name.
        name: String,
        /// Value as ntpd read it (U_int values above `INT_MAX` are kept as unsigned).
        value: i64,
        /// Where.
        span: Span,
    },
    /// A number option (NTPsec bias, time1, time2).
    Number {
        /// Its name.
        name: String,
        /// Value.
        value: f64,
        /// Where.
        span: Span,
    },
    /// A boolean (NTPsec flag1..flag4).
    Bool {
        /// Its name.
        name: String,
        /// Value.
        value: bool,
        /// Where.
        span: Span,
    },
    /// A string option: classic ident; NTPsec refid, path, ppspath, ca, cert, aead.
    Str {
        /// Its name.
        name: String,
        /// Value.
        value: String,
        /// Where.
        span: Span,
    },
}

impl AssocOption {
    /// The option's keyword.
    pub fn name(&self) -> &str {
        match self {
            AssocOption::Flag { name, .. }
            | AssocOption::Int { name, .. }
            | AssocOption::Number { name, .. }
            | AssocOption::Bool { name, .. }
            | AssocOption::Str { name, .. } => name,
        }
    }
    /// Where it is written.
    pub fn span(&self) -> Span {
        match self {
            AssocOption::Flag { span, .. }
            | AssocOption::Int { span, .. }
            | AssocOption::Number { span, .. }
            | AssocOption::Bool { span, .. }
            | AssocOption::Str { span, .. } => *span,
        }
    }
}

/// A `server`/`pool`/`peer`/`broadcast`/`manycastclient`/`refclock` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Association {
    /// Which directive.
    pub kind: AssociationKind,
    /// The address or host name (for `refclock`, the driver name).
    pub address: Address,
    /// NTPsec `refclock … unit N`.
    pub unit: Option<Spanned<i32>>,
    /// Options in file order.
    pub options: Vec<AssocOption>,
    /// The whole directive.
    pub span: Span,
}

/// `unpeer`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unpeer {
    /// Address, name or association id.
    pub address: Address,
    /// The whole directive.
    pub span: Span,
}

/// What a restrict line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RestrictAction {
    /// `restrict`
    Restrict,
    /// `delrestrict` (classic)
    Delrestrict,
    /// `unrestrict` (NTPsec)
    Unrestrict,
}

/// Which addresses a restrict line is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "target", rename_all = "lowercase")]
pub enum RestrictTarget {
    /// `default`, optionally only one family.
    Default {
        /// `-4 default` / `-6 default`.
        family: Option<Family>,
    },
    /// `source` (template for association addresses); classic `delrestrict source ADDR`
    /// names the address.
    Source {
        /// The address of `delrestrict source ADDR`.
        address: Option<Address>,
    },
    /// An address or host name with an optional mask.
    Address {
        /// The address.
        address: Address,
        /// `mask M`.
        mask: Option<Address>,
    },
}

/// A `restrict`-family line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestrictEntry {
    /// restrict / delrestrict / unrestrict.
    pub action: RestrictAction,
    /// Target.
    #[serde(flatten)]
    pub target: RestrictTarget,
    /// `ippeerlimit N` (classic).
    pub ippeerlimit: Option<Spanned<i32>>,
    /// Flags in file order (`serverresponse fuzz` as one flag).
    pub flags: Vec<Spanned<String>>,
    /// The whole directive.
    pub span: Span,
}

impl RestrictEntry {
    /// Does the line carry this flag?
    pub fn has_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f.value == name)
    }
}

/// A fudge / device value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Integer.
    Int(i64),
    /// Number.
    Number(f64),
    /// String.
    Str(String),
}

/// `name value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedValue {
    /// Option keyword.
    pub name: String,
    /// Value.
    pub value: Value,
    /// Where the pair is.
    pub span: Span,
}

/// `fudge ADDR …`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fudge {
    /// The refclock address.
    pub address: Address,
    /// Options kept (an out-of-range stratum is dropped, as ntpd does).
    pub options: Vec<NamedValue>,
    /// The whole directive.
    pub span: Span,
}

/// `device ADDR …` (classic).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    /// The refclock address.
    pub address: Address,
    /// timedata / ppsdata paths.
    pub options: Vec<NamedValue>,
    /// The whole directive.
    pub span: Span,
}

/// A single-valued setting (ntpd's `vars`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiscVar {
    /// Directive.
    pub name: String,
    /// Value (`driftfile` with no argument: an empty string).
    pub value: Value,
    /// `driftfile PATH WANDER`: the wander threshold.
    pub wander: Option<f64>,
    /// `leapfile PATH checkhash|ignorehash` (classic; `None` when not applicable).
    pub checkhash: Option<bool>,
    /// The whole directive.
    pub span: Span,
}

/// `logconfig` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogConfigItem {
    /// `=`, `+` or `-`.
    pub op: char,
    /// The class/type word.
    pub item: String,
    /// Where.
    pub span: Span,
}

/// `filegen NAME …`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filegen {
    /// Statistics name.
    pub name: Spanned<String>,
    /// Options in order.
    pub options: Vec<FilegenOption>,
    /// The whole directive.
    pub span: Span,
}

/// A filegen option.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "option", content = "value", rename_all = "lowercase")]
pub enum FilegenOption {
    /// `file F`
    File(Spanned<String>),
    /// `type T`
    Type(Spanned<String>),
    /// `link`, `nolink`, `enable`, `disable`
    Flag(Spanned<String>),
}

/// Authentication settings (ntpd's `auth` node).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Auth {
    /// `keys PATH` (last one parsed).
    pub keys: Option<Spanned<String>>,
    /// `keysdir PATH` (classic).
    pub keysdir: Option<Spanned<String>>,
    /// Every `trustedkey` line, in order.
    pub trustedkey_lines: Vec<TrustedKeyLine>,
    /// `controlkey N` (last).
    pub controlkey: Option<Spanned<i32>>,
    /// `requestkey N` (last).
    pub requestkey: Option<Spanned<i32>>,
    /// `revoke N` / `crypto revoke N` (last).
    pub revoke: Option<Spanned<i32>>,
    /// `crypto` lines given.
    pub crypto_lines: Vec<Span>,
    /// `crypto` items.
    pub crypto: Vec<NamedValue>,
    /// `ntpsigndsocket PATH`.
    pub ntpsigndsocket: Option<Spanned<String>>,
}

impl Auth {
    /// The trusted keys in effect: classic keeps only the last line, NTPsec all lines.
    pub fn effective_trustedkeys(&self, dialect: Dialect) -> Vec<&TrustedKeyItem> {
        match dialect {
            Dialect::Classic => self.trustedkey_lines.last().map(|l| l.items.iter().collect()).unwrap_or_default(),
            Dialect::Ntpsec => self.trustedkey_lines.iter().flat_map(|l| l.items.iter()).collect(),
        }
    }
}

/// One `trustedkey` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrustedKeyLine {
    /// Items.
    pub items: Vec<TrustedKeyItem>,
    /// The whole directive.
    pub span: Span,
}

/// `N` or `( LO ... HI )`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TrustedKeyItem {
    /// A single key id.
    Key {
        /// Id.
        id: i32,
        /// Where.
        span: Span,
    },
    /// A range.
    Range {
        /// First id.
        first: i32,
        /// Last id.
        last: i32,
        /// Where.
        span: Span,
    },
}

/// A `tos` option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TosOption {
    /// Name.
    pub name: String,
    /// Value (classic converts every value to a double; `basedate` keeps its text).
    pub value: Value,
    /// Where the pair is.
    pub span: Span,
}

/// `name N` with an integer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedInt {
    /// Name.
    pub name: String,
    /// Value.
    pub value: i32,
    /// Where.
    pub span: Span,
}

/// `name N` with a number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedNumber {
    /// Name.
    pub name: String,
    /// Value.
    pub value: f64,
    /// Where.
    pub span: Span,
}

/// A `pollskewlist` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollSkew {
    /// Poll exponent, or `None` for `default`.
    pub poll: Option<i32>,
    /// Early bound.
    pub early: i32,
    /// Late bound.
    pub late: i32,
    /// Where.
    pub span: Span,
}

/// `interface`/`nic ACTION MATCH`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterfaceRule {
    /// listen / ignore / drop.
    pub action: String,
    /// all / ipv4 / ipv6 / wildcard, or an interface name or address[/len].
    pub target: String,
    /// `target` is a class keyword.
    pub is_class: bool,
    /// The whole directive.
    pub span: Span,
}

/// `setvar NAME = VALUE [default]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setvar {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// `default` given.
    pub default: bool,
    /// The whole directive.
    pub span: Span,
}

/// `trap ADDR …` (classic).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trap {
    /// Receiver.
    pub address: Address,
    /// `port N`.
    pub port: Option<i32>,
    /// `interface ADDR`.
    pub interface: Option<String>,
    /// Option order as written: ("port"|"interface").
    pub order: Vec<String>,
    /// The whole directive.
    pub span: Span,
}

/// An `nts` option (NTPsec).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NtsOption {
    /// Name.
    pub name: String,
    /// Value for string options.
    pub value: Option<String>,
    /// Where.
    pub span: Span,
}

/// An `includefile` that was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Include {
    /// Path as written.
    pub path: Spanned<String>,
    /// The directive.
    pub span: Span,
}
