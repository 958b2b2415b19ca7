//! The grammar of ntpd's `ntp_parser.y` (classic 4.2.8p18 and NTPsec 1.2.2), over the tokens of
//! [`super::lexer`]. Written as one function per production family; each reads like the EBNF in
//! `grammar/ntp.conf.ebnf`.
//!
//! Error recovery reproduces bison's: a syntax error drops the rest of the line, but when the
//! tokens before the offending one already form a complete command, bison's default reductions
//! have applied that command (`server X bogus iburst` configures X). A command parser therefore
//! returns `Ok` when it stops at a token it cannot use at a point where the command could end,
//! and `Err` when it stops inside a required part (an option keyword without its value).

use super::Dialect;
use super::keywords::Kw;
use super::lexer::{TokKind, Token};
use super::model::*;
use crate::source::{Span, Spanned};

/// A parsed command, before it is added to the model.
#[derive(Debug, Clone)]
pub enum Cmd {
    /// server / pool / peer / broadcast / manycastclient / refclock
    Assoc(Association),
    /// unpeer
    Unpeer(Unpeer),
    /// restrict family
    Restrict(RestrictEntry),
    /// fudge
    Fudge(Fudge),
    /// device
    Device(Device),
    /// vars-list setting
    Var(MiscVar),
    /// logconfig
    Logconfig(Vec<LogConfigItem>),
    /// statsdir
    Statsdir(Spanned<String>),
    /// statistics
    Statistics(Vec<Spanned<String>>),
    /// filegen
    Filegen(Filegen),
    /// keys
    Keys(Spanned<String>),
    /// keysdir
    Keysdir(Spanned<String>),
    /// trustedkey
    Trustedkey(TrustedKeyLine),
    /// controlkey
    Controlkey(Spanned<i32>),
    /// requestkey
    Requestkey(Spanned<i32>),
    /// revoke (also `crypto revoke`)
    Revoke(Spanned<i32>),
    /// crypto
    Crypto(Vec<NamedValue>, Option<Spanned<i32>>, Span),
    /// ntpsigndsocket
    Ntpsigndsocket(Spanned<String>),
    /// enable
    Enable(Vec<Spanned<String>>),
    /// disable
    Disable(Vec<Spanned<String>>),
    /// tos
    Tos(Vec<TosOption>),
    /// rlimit
    Rlimit(Vec<NamedInt>),
    /// tinker
    Tinker(Vec<NamedNumber>),
    /// broadcastclient
    Broadcastclient(Span),
    /// manycastserver
    Manycastserver(Vec<Address>),
    /// multicastclient
    Multicastclient(Vec<Address>),
    /// mdnstries
    Mdnstries(Spanned<i32>),
    /// mru
    Mru(Vec<NamedInt>),
    /// discard
    Discard(Vec<NamedInt>),
    /// limit
    Limit(Vec<NamedNumber>),
    /// pollskewlist (items that survived their checks, plus messages)
    Pollskewlist(Vec<PollSkew>),
    /// interface / nic
    Interface(InterfaceRule),
    /// phone
    Phone(Vec<Spanned<String>>),
    /// setvar
    Setvar(Setvar),
    /// ttl
    Ttl(Vec<Spanned<i32>>),
    /// trap
    Trap(Trap),
    /// reset
    Reset(Vec<Spanned<String>>),
    /// nts
    Nts(Vec<NtsOption>),
    /// includefile PATH [command]
    Include(Spanned<String>, Option<Box<Cmd>>, Span),
    /// end
    End(Span),
    /// An empty command (blank line).
    Empty,
}

/// What the parser expected where it failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// One of these keywords (or the end of the line when `eoc_ok`).
    Keywords(&'static [&'static str], bool),
    /// An Integer.
    Integer,
    /// An Integer or U_int.
    Unsigned,
    /// An Integer or Double.
    Number,
    /// 0, 1 or `true`.
    Boolean,
    /// A string (path, name, address in string mode).
    Str,
    /// An address scanned in token mode (restrict, mask, interface, trap).
    AddressTokenMode,
    /// A special character.
    Special(char),
    /// `...` in a trustedkey range.
    Ellipsis,
}

/// A syntax error: where and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    /// Index of the offending token.
    pub at: usize,
    /// What would have been accepted.
    pub expected: Expected,
    /// The keyword whose argument was being read.
    pub context: Option<&'static str>,
}

/// A message ntpd logs from inside a grammar action (`yyerror` with a text other than "syntax
/// error"): the line is still applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionMessage {
    /// Which check.
    pub kind: ActionKind,
    /// Where.
    pub span: Span,
    /// ntpd's text.
    pub message: String,
}

/// The parse-time checks inside grammar actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// `Integer value is not boolean (0 or 1). Assuming 1`
    NotBoolean,
    /// fudge stratum out of range (option dropped)
    FudgeStratum,
    /// pollskewlist item dropped
    Pollskew,
    /// ippeerlimit out of range (0 used)
    Ippeerlimit,
    /// `Built without LEAP_SMEAR support.`
    LeapSmear,
}

/// The outcome of one command (one line, or a line ended early).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The command ntpd applies (complete, or the complete prefix of a bad line).
    pub cmd: Option<Cmd>,
    /// The syntax error, if any.
    pub fail: Option<Fail>,
    /// Candidate words at the failure point, for did-you-mean.
    pub candidates: &'static [&'static str],
    /// Messages from grammar actions.
    pub messages: Vec<ActionMessage>,
    /// Index of the first token of the command.
    pub first: usize,
    /// Index of the token that ended the command (the Eoc), or `tokens.len()`.
    pub last: usize,
}

type R<T> = Result<T, Fail>;

/// Parse the commands of one token stream.
pub fn parse_tokens(toks: &[Token], dialect: Dialect) -> Vec<Parsed> {
    // Past the last token (input cut short by a NUL byte or a fatal token) the parser sees an
    // end of command, so no loop can spin on the last real token.
    let eof = Token {
        kind: TokKind::Eoc,
        span: toks.last().map(|t| Span::new(t.span.file, t.span.end, t.span.end)).unwrap_or_default(),
        text: String::new(),
        quoted: false,
    };
    let mut p = P { t: toks, i: 0, d: dialect, msgs: Vec::new(), eof: &eof };
    let mut out = Vec::new();
    while p.i < toks.len() {
        let first = p.i;
        p.msgs.clear();
        let res = p.command();
        let (cmd, fail, cands) = match res {
            Ok((cmd, cands)) => {
                if p.at_eoc() {
                    (Some(cmd), None, cands)
                } else {
                    let f = Fail { at: p.i, expected: Expected::Keywords(cands, true), context: None };
                    (Some(cmd), Some(f), cands)
                }
            }
            Err(f) => (None, Some(f), &[][..]),
        };
        let ended_by_end = matches!(cmd, Some(Cmd::End(_)));
        // Skip to the end of the command.
        while p.i < toks.len() && toks[p.i].kind != TokKind::Eoc {
            p.i += 1;
        }
        let last = p.i;
        p.i += 1;
        let cmd = match cmd {
            Some(Cmd::Empty) => None,
            c => c,
        };
        if cmd.is_none() && fail.is_none() {
            continue;
        }
        out.push(Parsed { cmd, fail, candidates: cands, messages: std::mem::take(&mut p.msgs), first, last });
        if ended_by_end {
            break;
        }
    }
    out
}

struct P<'a> {
    eof: &'a Token,
    t: &'a [Token],
    i: usize,
    d: Dialect,
    msgs: Vec<ActionMessage>,
}

const ASSOC_OPTS_C: &[&str] = &[
    "autokey", "burst", "iburst", "noselect", "preempt", "prefer", "true", "xleave", "xmtnonce", "key", "minpoll", "maxpoll", "ttl",
    "mode", "version", "ident",
];
const ASSOC_OPTS_S: &[&str] = &[
    "burst", "iburst", "noselect", "noval", "nts", "prefer", "true", "key", "minpoll", "maxpoll", "mode", "subtype", "version", "baud",
    "holdover", "stratum", "bias", "time1", "time2", "refid", "path", "ppspath", "ca", "cert", "aead", "flag1", "flag2", "flag3", "flag4",
];
/// Restrict flags of classic ntpd (`serverresponse` is followed by `fuzz`).
pub const RESTRICT_FLAGS_C: &[&str] = &[
    "epeer",
    "flake",
    "ignore",
    "kod",
    "limited",
    "lowpriotrap",
    "mssntp",
    "noepeer",
    "nomodify",
    "nomrulist",
    "nopeer",
    "noquery",
    "noserve",
    "notrap",
    "notrust",
    "ntpport",
    "version",
    "serverresponse",
];
/// Restrict flags of NTPsec 1.2.2.
pub const RESTRICT_FLAGS_S: &[&str] = &[
    "flake",
    "ignore",
    "kod",
    "limited",
    "mssntp",
    "nomodify",
    "nomrulist",
    "nopeer",
    "noquery",
    "noserve",
    "notrap",
    "notrust",
    "ntpport",
    "version",
];
const TOS_C: &[&str] = &[
    "bcpollbstep",
    "beacon",
    "ceiling",
    "floor",
    "maxclock",
    "minclock",
    "minsane",
    "orphan",
    "orphanwait",
    "mindist",
    "maxdist",
    "cohort",
    "basedate",
];
const TOS_S: &[&str] =
    &["ceiling", "floor", "orphan", "orphanwait", "minsane", "mindist", "maxdisp", "maxdist", "minclock", "maxclock", "cohort"];
const STATS_C: &[&str] = &["clockstats", "cryptostats", "loopstats", "peerstats", "rawstats", "sysstats", "timingstats", "protostats"];
const STATS_S: &[&str] = &["clockstats", "loopstats", "peerstats", "rawstats", "sysstats", "protostats", "usestats"];
const FILEGEN_OPTS: &[&str] = &["file", "type", "link", "nolink", "enable", "disable"];
const FILEGEN_TYPES: &[&str] = &["none", "pid", "day", "week", "month", "year", "age"];
const DISCARD: &[&str] = &["average", "minimum", "monitor"];
const LIMIT: &[&str] = &["average", "burst", "kod"];
const MRU_C: &[&str] = &["incalloc", "incmem", "initalloc", "initmem", "maxage", "maxdepth", "maxmem", "mindepth"];
const MRU_S: &[&str] = &["incalloc", "incmem", "initalloc", "initmem", "maxage", "minage", "maxdepth", "maxmem", "mindepth"];
const FUDGE_C: &[&str] = &["time1", "time2", "minjitter", "flag1", "flag2", "flag3", "flag4", "stratum", "abbrev", "refid"];
const FUDGE_S: &[&str] = &["time1", "time2", "flag1", "flag2", "flag3", "flag4", "stratum", "refid"];
/// `rlimit` items (both dialects).
pub const RLIMIT: &[&str] = &["memlock", "stacksize", "filenum"];
/// `enable`/`disable` options of classic 4.2.8p18.
pub const SYSOPT_C: &[&str] = &[
    "auth",
    "bclient",
    "calibrate",
    "kernel",
    "monitor",
    "ntp",
    "mode7",
    "peer_clear_digest_early",
    "stats",
    "unpeer_crypto_early",
    "unpeer_crypto_nak_early",
    "unpeer_digest_early",
];
/// `enable`/`disable` options of NTPsec 1.2.2.
pub const SYSOPT_S: &[&str] = &["calibrate", "kernel", "monitor", "ntp", "stats"];
/// `tinker` items (both dialects).
pub const TINKER: &[&str] = &["allan", "dispersion", "freq", "huffpuff", "panic", "step", "stepback", "stepfwd", "stepout", "tick"];
const RESET: &[&str] = &["allpeers", "auth", "ctl", "io", "mem", "sys", "timer"];
const NIC_ACTIONS: &[&str] = &["listen", "ignore", "drop"];
const CRYPTO: &[&str] = &["host", "ident", "pw", "randfile", "digest", "revoke"];
const DEVICE: &[&str] = &["timedata", "ppsdata"];
const NTS_S: &[&str] = &["aead", "ca", "cert", "cookie", "key", "tlsciphersuites", "maxtls", "mintls", "enable", "disable"];
const TRAP: &[&str] = &["port", "interface"];
const NONE: &[&str] = &[];

/// Directives that start a command, per dialect.
pub const COMMANDS_C: &[&str] = &[
    "server",
    "pool",
    "peer",
    "broadcast",
    "manycastclient",
    "unpeer",
    "unconfig",
    "broadcastclient",
    "manycastserver",
    "multicastclient",
    "mdnstries",
    "automax",
    "controlkey",
    "crypto",
    "keys",
    "keysdir",
    "requestkey",
    "revoke",
    "trustedkey",
    "ntpsigndsocket",
    "tos",
    "statistics",
    "statsdir",
    "filegen",
    "discard",
    "mru",
    "restrict",
    "delrestrict",
    "fudge",
    "device",
    "rlimit",
    "enable",
    "disable",
    "tinker",
    "interface",
    "nic",
    "reset",
    "broadcastdelay",
    "nonvolatile",
    "tick",
    "dscp",
    "leapsmearinterval",
    "ident",
    "logfile",
    "pidfile",
    "saveconfigdir",
    "includefile",
    "leapfile",
    "end",
    "driftfile",
    "logconfig",
    "phone",
    "pollskewlist",
    "setvar",
    "trap",
    "ttl",
    "simulate",
];
/// Directives that start a command in NTPsec 1.2.2.
pub const COMMANDS_S: &[&str] = &[
    "server",
    "pool",
    "peer",
    "refclock",
    "unpeer",
    "unconfig",
    "mdnstries",
    "controlkey",
    "keys",
    "requestkey",
    "trustedkey",
    "ntpsigndsocket",
    "tos",
    "statistics",
    "statsdir",
    "filegen",
    "limit",
    "mru",
    "restrict",
    "unrestrict",
    "fudge",
    "rlimit",
    "enable",
    "disable",
    "tinker",
    "interface",
    "nic",
    "reset",
    "nonvolatile",
    "tick",
    "dscp",
    "leapsmearinterval",
    "leapfile",
    "logfile",
    "pidfile",
    "includefile",
    "end",
    "driftfile",
    "logconfig",
    "phone",
    "setvar",
    "nts",
];

fn kw_str(k: Kw) -> String {
    k.text().to_string()
}

impl<'a> P<'a> {
    fn tok(&self) -> &'a Token {
        self.t.get(self.i).unwrap_or(self.eof)
    }
    fn kind(&self) -> &'a TokKind {
        &self.tok().kind
    }
    fn at_eoc(&self) -> bool {
        self.i >= self.t.len() || self.t[self.i].kind == TokKind::Eoc
    }
    fn is(&self, k: Kw) -> bool {
        self.i < self.t.len() && self.t[self.i].kind == TokKind::Kw(k)
    }
    fn kw(&self) -> Option<Kw> {
        if self.i >= self.t.len() {
            return None;
        }
        match self.t[self.i].kind {
            TokKind::Kw(k) => Some(k),
            _ => None,
        }
    }
    fn span(&self) -> Span {
        self.tok().span
    }
    fn prev_span(&self) -> Span {
        self.t[self.i.saturating_sub(1)].span
    }
    fn fail<T>(&self, expected: Expected, context: Option<&'static str>) -> R<T> {
        Err(Fail { at: self.i, expected, context })
    }
    fn classic(&self) -> bool {
        self.d == Dialect::Classic
    }

    fn string(&mut self, ctx: &'static str) -> R<Spanned<String>> {
        if self.i < self.t.len() {
            if let TokKind::Str(s) = &self.t[self.i].kind {
                let sp = self.span();
                self.i += 1;
                return Ok(Spanned::new(s.clone(), sp));
            }
        }
        self.fail(Expected::Str, Some(ctx))
    }
    fn addr_token_mode(&mut self, ctx: &'static str) -> R<Address> {
        if self.i < self.t.len() {
            if let TokKind::Str(s) = &self.t[self.i].kind {
                let sp = self.span();
                self.i += 1;
                return Ok(Address { text: s.clone(), family: None, span: sp });
            }
        }
        self.fail(Expected::AddressTokenMode, Some(ctx))
    }
    fn integer(&mut self, ctx: &'static str) -> R<Spanned<i32>> {
        if let TokKind::Integer(v) = self.kind() {
            let sp = self.span();
            self.i += 1;
            return Ok(Spanned::new(*v, sp));
        }
        self.fail(Expected::Integer, Some(ctx))
    }
    fn unsigned(&mut self, ctx: &'static str) -> R<Spanned<i64>> {
        match self.kind() {
            TokKind::Integer(v) => {
                let sp = self.span();
                self.i += 1;
                Ok(Spanned::new(*v as i64, sp))
            }
            TokKind::UInt(v) => {
                let sp = self.span();
                self.i += 1;
                Ok(Spanned::new(*v as i64, sp))
            }
            _ => self.fail(Expected::Unsigned, Some(ctx)),
        }
    }
    fn number(&mut self, ctx: &'static str) -> R<Spanned<f64>> {
        match self.kind() {
            TokKind::Integer(v) => {
                let sp = self.span();
                self.i += 1;
                Ok(Spanned::new(*v as f64, sp))
            }
            TokKind::Double(v) => {
                let sp = self.span();
                self.i += 1;
                Ok(Spanned::new(*v, sp))
            }
            _ => self.fail(Expected::Number, Some(ctx)),
        }
    }
    fn boolean(&mut self, ctx: &'static str) -> R<Spanned<bool>> {
        match self.kind() {
            TokKind::Integer(v) => {
                let sp = self.span();
                self.i += 1;
                if *v != 0 && *v != 1 {
                    self.msgs.push(ActionMessage {
                        kind: ActionKind::NotBoolean,
                        span: sp,
                        message: "Integer value is not boolean (0 or 1). Assuming 1".into(),
                    });
                }
                Ok(Spanned::new(*v != 0, sp))
            }
            TokKind::Kw(Kw::True) => {
                let sp = self.span();
                self.i += 1;
                Ok(Spanned::new(true, sp))
            }
            _ => self.fail(Expected::Boolean, Some(ctx)),
        }
    }
    fn special(&mut self, c: char, ctx: &'static str) -> R<()> {
        if *self.kind() == TokKind::Special(c) {
            self.i += 1;
            return Ok(());
        }
        self.fail(Expected::Special(c), Some(ctx))
    }
    /// `address: ip_address | address_fam T_String`
    fn address(&mut self, ctx: &'static str) -> R<Address> {
        let start = self.span();
        let family = match self.kw() {
            Some(Kw::Ipv4Flag) => Some(Family::Ipv4),
            Some(Kw::Ipv6Flag) => Some(Family::Ipv6),
            _ => None,
        };
        if family.is_some() {
            self.i += 1;
        }
        let s = self.string(ctx)?;
        Ok(Address { text: s.value, family, span: start.to(s.span) })
    }
    fn word_in(&self, list: &[&str]) -> Option<&'static str> {
        let k = self.kw()?;
        let t = k.text();
        list.iter().find(|w| **w == t).map(|_| k.text())
    }

    // command: one of the directives, or nothing
    fn command(&mut self) -> R<(Cmd, &'static [&'static str])> {
        if self.at_eoc() {
            return Ok((Cmd::Empty, NONE));
        }
        let cmds = if self.classic() { COMMANDS_C } else { COMMANDS_S };
        let Some(k) = self.kw() else {
            return self.fail(Expected::Keywords(cmds, true), None);
        };
        let start = self.span();
        let text = k.text();
        if !cmds.contains(&text) {
            return self.fail(Expected::Keywords(cmds, true), None);
        }
        self.i += 1;
        let c = self.classic();
        use Kw as K;
        let r: (Cmd, &'static [&'static str]) = match k {
            K::Server | K::Pool | K::Peer | K::Broadcast | K::Manycastclient => {
                let kind = match k {
                    K::Server => AssociationKind::Server,
                    K::Pool => AssociationKind::Pool,
                    K::Peer => AssociationKind::Peer,
                    K::Broadcast => AssociationKind::Broadcast,
                    _ => AssociationKind::Manycastclient,
                };
                let address = self.address(text)?;
                let (options, cands) = self.assoc_options()?;
                let span = start.to(self.prev_span());
                (Cmd::Assoc(Association { kind, address, unit: None, options, span }), cands)
            }
            K::Refclock => {
                let name = self.string("refclock")?;
                let mut unit = None;
                if self.is(K::Unit) {
                    self.i += 1;
                    unit = Some(self.integer("unit")?);
                }
                let (options, cands) = self.assoc_options()?;
                let address = Address { text: name.value, family: None, span: name.span };
                let span = start.to(self.prev_span());
                (Cmd::Assoc(Association { kind: AssociationKind::Refclock, address, unit, options, span }), cands)
            }
            K::Unpeer | K::Unconfig => {
                let address = self.address(text)?;
                (Cmd::Unpeer(Unpeer { address, span: start.to(self.prev_span()) }), NONE)
            }
            K::Broadcastclient => (Cmd::Broadcastclient(start), NONE),
            K::Manycastserver | K::Multicastclient => {
                let mut list = vec![self.address(text)?];
                while matches!(self.kind(), TokKind::Str(_) | TokKind::Kw(Kw::Ipv4Flag) | TokKind::Kw(Kw::Ipv6Flag)) {
                    list.push(self.address(text)?);
                }
                (if k == K::Manycastserver { Cmd::Manycastserver(list) } else { Cmd::Multicastclient(list) }, NONE)
            }
            K::Mdnstries => (Cmd::Mdnstries(self.integer(text)?), NONE),
            K::Automax => {
                let v = self.integer(text)?;
                (self.var(text, Value::Int(v.value as i64), start), NONE)
            }
            K::ControlKey => (Cmd::Controlkey(self.integer(text)?), NONE),
            K::Requestkey => (Cmd::Requestkey(self.integer(text)?), NONE),
            K::Revoke => (Cmd::Revoke(self.integer(text)?), NONE),
            K::Keys => (Cmd::Keys(self.string(text)?), NONE),
            K::Keysdir => (Cmd::Keysdir(self.string(text)?), NONE),
            K::NtpSignDsocket => (Cmd::Ntpsigndsocket(self.string(text)?), NONE),
            K::Crypto => {
                let mut items = Vec::new();
                let mut revoke = None;
                loop {
                    match self.word_in(CRYPTO) {
                        Some("revoke") => {
                            self.i += 1;
                            revoke = Some(self.integer("revoke")?);
                        }
                        Some(name) => {
                            let s0 = self.span();
                            self.i += 1;
                            let v = self.string(name)?;
                            items.push(NamedValue { name: name.into(), value: Value::Str(v.value), span: s0.to(v.span) });
                        }
                        None => break,
                    }
                }
                (Cmd::Crypto(items, revoke, start), CRYPTO)
            }
            K::Trustedkey => {
                let mut items = Vec::new();
                loop {
                    match self.kind() {
                        TokKind::Integer(v) => {
                            items.push(TrustedKeyItem::Key { id: *v, span: self.span() });
                            self.i += 1;
                        }
                        TokKind::Special('(') => {
                            let s0 = self.span();
                            self.i += 1;
                            let a = self.integer("trustedkey")?;
                            if !self.is(K::Ellipsis) {
                                return self.fail(Expected::Ellipsis, Some("trustedkey"));
                            }
                            self.i += 1;
                            let b = self.integer("trustedkey")?;
                            self.special(')', "trustedkey")?;
                            items.push(TrustedKeyItem::Range { first: a.value, last: b.value, span: s0.to(self.prev_span()) });
                        }
                        _ => break,
                    }
                }
                if items.is_empty() {
                    return self.fail(Expected::Integer, Some("trustedkey"));
                }
                (Cmd::Trustedkey(TrustedKeyLine { items, span: start.to(self.prev_span()) }), NONE)
            }
            K::Tos => {
                let list = if c { TOS_C } else { TOS_S };
                let mut opts = Vec::new();
                while let Some(name) = self.word_in(list) {
                    let s0 = self.span();
                    self.i += 1;
                    let value = match name {
                        "mindist" | "maxdist" | "maxdisp" => Value::Number(self.number(name)?.value),
                        "minclock" | "maxclock" if !c => Value::Number(self.number(name)?.value),
                        "cohort" => Value::Number(if self.boolean(name)?.value { 1.0 } else { 0.0 }),
                        "basedate" => Value::Str(self.string(name)?.value),
                        _ => Value::Number(self.integer(name)?.value as f64),
                    };
                    opts.push(TosOption { name: name.into(), value, span: s0.to(self.prev_span()) });
                }
                if opts.is_empty() {
                    return self.fail(Expected::Keywords(list, false), Some("tos"));
                }
                (Cmd::Tos(opts), list)
            }
            K::Statistics => {
                let list = if c { STATS_C } else { STATS_S };
                let mut v = Vec::new();
                while let Some(name) = self.word_in(list) {
                    v.push(Spanned::new(name.to_string(), self.span()));
                    self.i += 1;
                }
                if v.is_empty() {
                    return self.fail(Expected::Keywords(list, false), Some("statistics"));
                }
                (Cmd::Statistics(v), list)
            }
            K::Statsdir => (Cmd::Statsdir(self.string(text)?), NONE),
            K::Filegen => {
                let list = if c { STATS_C } else { STATS_S };
                let Some(name) = self.word_in(list) else {
                    return self.fail(Expected::Keywords(list, false), Some("filegen"));
                };
                let name = Spanned::new(name.to_string(), self.span());
                self.i += 1;
                let mut options = Vec::new();
                while let Some(o) = self.word_in(FILEGEN_OPTS) {
                    let s0 = self.span();
                    self.i += 1;
                    match o {
                        "file" => options.push(FilegenOption::File(self.string("file")?)),
                        "type" => match self.word_in(FILEGEN_TYPES) {
                            Some(t) => {
                                options.push(FilegenOption::Type(Spanned::new(t.into(), self.span())));
                                self.i += 1;
                            }
                            None => return self.fail(Expected::Keywords(FILEGEN_TYPES, false), Some("type")),
                        },
                        _ => options.push(FilegenOption::Flag(Spanned::new(o.into(), s0))),
                    }
                }
                (Cmd::Filegen(Filegen { name, options, span: start.to(self.prev_span()) }), FILEGEN_OPTS)
            }
            K::Discard => {
                let v = self.named_ints(DISCARD, "discard")?;
                (Cmd::Discard(v), DISCARD)
            }
            K::Mru => {
                let list = if c { MRU_C } else { MRU_S };
                (Cmd::Mru(self.named_ints(list, "mru")?), list)
            }
            K::Limit => {
                let mut v = Vec::new();
                while let Some(name) = self.word_in(LIMIT) {
                    let s0 = self.span();
                    self.i += 1;
                    let n = self.number(name)?;
                    v.push(NamedNumber { name: name.into(), value: n.value, span: s0.to(n.span) });
                }
                if v.is_empty() {
                    return self.fail(Expected::Keywords(LIMIT, false), Some("limit"));
                }
                (Cmd::Limit(v), LIMIT)
            }
            K::Restrict | K::Unrestrict | K::Delrestrict => self.restrict(k, start)?,
            K::Fudge => {
                let address = self.address("fudge")?;
                let list = if c { FUDGE_C } else { FUDGE_S };
                let mut options = Vec::new();
                let mut any = false;
                while let Some(name) = self.word_in(list) {
                    let s0 = self.span();
                    self.i += 1;
                    any = true;
                    let value = match name {
                        "time1" | "time2" | "minjitter" => Some(Value::Number(self.number(name)?.value)),
                        "flag1" | "flag2" | "flag3" | "flag4" => Some(Value::Int(self.boolean(name)?.value as i64)),
                        "stratum" => {
                            let v = self.integer(name)?;
                            if (0..=16).contains(&v.value) {
                                Some(Value::Int(v.value as i64))
                            } else {
                                self.msgs.push(ActionMessage {
                                    kind: ActionKind::FudgeStratum,
                                    span: s0.to(v.span),
                                    message: "fudge factor: stratum value not in [0..16], ignored".into(),
                                });
                                None
                            }
                        }
                        _ => Some(Value::Str(self.string(name)?.value)),
                    };
                    if let Some(value) = value {
                        options.push(NamedValue { name: name.into(), value, span: s0.to(self.prev_span()) });
                    }
                }
                if !any {
                    return self.fail(Expected::Keywords(list, false), Some("fudge"));
                }
                (Cmd::Fudge(Fudge { address, options, span: start.to(self.prev_span()) }), list)
            }
            K::Device => {
                let address = self.address("device")?;
                let mut options = Vec::new();
                while let Some(name) = self.word_in(DEVICE) {
                    let s0 = self.span();
                    self.i += 1;
                    let v = self.string(name)?;
                    options.push(NamedValue { name: name.into(), value: Value::Str(v.value), span: s0.to(v.span) });
                }
                if options.is_empty() {
                    return self.fail(Expected::Keywords(DEVICE, false), Some("device"));
                }
                (Cmd::Device(Device { address, options, span: start.to(self.prev_span()) }), DEVICE)
            }
            K::Rlimit => (Cmd::Rlimit(self.named_ints(RLIMIT, "rlimit")?), RLIMIT),
            K::Enable | K::Disable => {
                let list = if c { SYSOPT_C } else { SYSOPT_S };
                let mut v = Vec::new();
                while let Some(name) = self.word_in(list) {
                    v.push(Spanned::new(name.to_string(), self.span()));
                    self.i += 1;
                }
                if v.is_empty() {
                    return self.fail(Expected::Keywords(list, false), Some(text));
                }
                (if k == K::Enable { Cmd::Enable(v) } else { Cmd::Disable(v) }, list)
            }
            K::Tinker => {
                let mut v = Vec::new();
                while let Some(name) = self.word_in(TINKER) {
                    let s0 = self.span();
                    self.i += 1;
                    let n = self.number(name)?;
                    v.push(NamedNumber { name: name.into(), value: n.value, span: s0.to(n.span) });
                }
                if v.is_empty() {
                    return self.fail(Expected::Keywords(TINKER, false), Some("tinker"));
                }
                (Cmd::Tinker(v), TINKER)
            }
            K::Interface | K::Nic => {
                let Some(action) = self.word_in(NIC_ACTIONS) else {
                    return self.fail(Expected::Keywords(NIC_ACTIONS, false), Some(text));
                };
                self.i += 1;
                let (target, is_class) = match self.kw() {
                    Some(K::All) | Some(K::Ipv4) | Some(K::Ipv6) | Some(K::Wildcard) => {
                        let t = self.kw().map(kw_str).unwrap_or_default();
                        self.i += 1;
                        (t, true)
                    }
                    _ => (self.addr_token_mode(text)?.text, false),
                };
                (Cmd::Interface(InterfaceRule { action: action.into(), target, is_class, span: start.to(self.prev_span()) }), NONE)
            }
            K::Reset => {
                let mut v = Vec::new();
                while let Some(name) = self.word_in(RESET) {
                    v.push(Spanned::new(name.to_string(), self.span()));
                    self.i += 1;
                }
                if v.is_empty() {
                    return self.fail(Expected::Keywords(RESET, false), Some("reset"));
                }
                (Cmd::Reset(v), RESET)
            }
            K::Broadcastdelay | K::Nonvolatile | K::Tick => {
                let n = self.number(text)?;
                (self.var(text, Value::Number(n.value), start), NONE)
            }
            K::Dscp | K::Leapsmearinterval => {
                let n = self.integer(text)?;
                if k == K::Leapsmearinterval {
                    // Neither Debian's NTPsec nor a default classic build has leap smear.
                    self.msgs.push(ActionMessage {
                        kind: ActionKind::LeapSmear,
                        span: start.to(n.span),
                        message: "Built without LEAP_SMEAR support.".into(),
                    });
                }
                (self.var(text, Value::Int(n.value as i64), start), NONE)
            }
            K::Ident | K::Logfile | K::Pidfile | K::Saveconfigdir => {
                let s = self.string(text)?;
                (self.var(text, Value::Str(s.value), start), NONE)
            }
            K::Leapfile => {
                let s = self.string(text)?;
                let mut checkhash = None;
                if c {
                    checkhash = Some(true);
                    if self.is(K::Ignorehash) {
                        checkhash = Some(false);
                        self.i += 1;
                    } else if self.is(K::Checkhash) {
                        self.i += 1;
                    }
                }
                let mut v = MiscVar { name: "leapfile".into(), value: Value::Str(s.value), wander: None, checkhash, span: start };
                v.span = start.to(self.prev_span());
                (Cmd::Var(v), if c { &["checkhash", "ignorehash"][..] } else { NONE })
            }
            K::Includefile => {
                let path = self.string(text)?;
                // A command may follow on the same line (grammar: T_Includefile T_String command).
                let (inner, cands) = if self.at_eoc() {
                    (None, NONE)
                } else {
                    let cmds = if c { COMMANDS_C } else { COMMANDS_S };
                    match self.kw() {
                        Some(k2) if cmds.contains(&k2.text()) => {
                            let (cmd, cands) = self.command()?;
                            (Some(Box::new(cmd)), cands)
                        }
                        _ => (None, cmds),
                    }
                };
                (Cmd::Include(path, inner, start.to(self.prev_span())), cands)
            }
            K::End => (Cmd::End(start), NONE),
            K::Driftfile => {
                if self.at_eoc() {
                    (self.var(text, Value::Str(String::new()), start), NONE)
                } else if let TokKind::Str(_) = self.kind() {
                    let s = self.string(text)?;
                    let mut v =
                        MiscVar { name: "driftfile".into(), value: Value::Str(s.value), wander: None, checkhash: None, span: start };
                    if let TokKind::Double(d) = self.kind() {
                        v.wander = Some(*d);
                        self.i += 1;
                    }
                    v.span = start.to(self.prev_span());
                    (Cmd::Var(v), NONE)
                } else {
                    // drift_parm may be empty: the directive is complete, the token is an error.
                    (self.var(text, Value::Str(String::new()), start), NONE)
                }
            }
            K::Logconfig => {
                let mut v = Vec::new();
                while let TokKind::Str(s) = self.kind() {
                    let (op, item) = match s.chars().next() {
                        Some(ch @ ('+' | '-' | '=')) => (ch, s[1..].to_string()),
                        _ => ('=', s.clone()),
                    };
                    v.push(LogConfigItem { op, item, span: self.span() });
                    self.i += 1;
                }
                if v.is_empty() {
                    return self.fail(Expected::Str, Some("logconfig"));
                }
                (Cmd::Logconfig(v), NONE)
            }
            K::Phone => {
                let mut v = Vec::new();
                while let TokKind::Str(_) = self.kind() {
                    v.push(self.string("phone")?);
                }
                if v.is_empty() {
                    return self.fail(Expected::Str, Some("phone"));
                }
                (Cmd::Phone(v), NONE)
            }
            K::PollSkewList => {
                let mut v = Vec::new();
                loop {
                    let s0 = self.span();
                    let poll = match self.kind() {
                        TokKind::Integer(p) => Some(*p),
                        TokKind::Kw(K::Default) => None,
                        _ => break,
                    };
                    self.i += 1;
                    let early = self.integer("pollskewlist")?;
                    self.special('|', "pollskewlist")?;
                    let late = self.integer("pollskewlist")?;
                    let span = s0.to(late.span);
                    let (e, l) = (early.value, late.value);
                    let msg = if e < 0 || l < 0 {
                        Some("pollskewlist: skew values must be >=0")
                    } else {
                        match poll {
                            Some(p) if !(3..=17).contains(&p) => Some("pollskewlist: poll value must be 3-17, inclusive"),
                            Some(p) if !(e < (1 << (p - 1)) && l < (1 << (p - 1))) => {
                                Some("pollskewlist: randomization limit must be <= half the poll interval")
                            }
                            _ => None,
                        }
                    };
                    match msg {
                        Some(m) => self.msgs.push(ActionMessage { kind: ActionKind::Pollskew, span, message: m.into() }),
                        None => v.push(PollSkew { poll, early: e, late: l, span }),
                    }
                }
                (Cmd::Pollskewlist(v), NONE)
            }
            K::Setvar => {
                let name = self.string("setvar")?;
                self.special('=', "setvar")?;
                let value = self.string("setvar")?;
                let mut default = false;
                if self.is(K::Default) {
                    default = true;
                    self.i += 1;
                }
                (Cmd::Setvar(Setvar { name: name.value, value: value.value, default, span: start.to(self.prev_span()) }), &["default"][..])
            }
            K::Trap => {
                let address = self.string("trap")?;
                let address = Address { text: address.value, family: None, span: address.span };
                let mut t = Trap { address, port: None, interface: None, order: Vec::new(), span: start };
                loop {
                    if self.is(K::Port) {
                        self.i += 1;
                        t.port = Some(self.integer("port")?.value);
                        t.order.push("port".into());
                    } else if self.is(K::Interface) {
                        self.i += 1;
                        t.interface = Some(self.addr_token_mode("interface")?.text);
                        t.order.push("interface".into());
                    } else {
                        break;
                    }
                }
                t.span = start.to(self.prev_span());
                (Cmd::Trap(t), TRAP)
            }
            K::Ttl => {
                let mut v = Vec::new();
                while let TokKind::Integer(_) = self.kind() {
                    v.push(self.integer("ttl")?);
                }
                if v.is_empty() {
                    return self.fail(Expected::Integer, Some("ttl"));
                }
                (Cmd::Ttl(v), NONE)
            }
            K::Nts => {
                let mut v = Vec::new();
                while let Some(name) = self.word_in(NTS_S) {
                    let s0 = self.span();
                    self.i += 1;
                    let value = match name {
                        "enable" | "disable" => None,
                        _ => Some(self.string(name)?.value),
                    };
                    v.push(NtsOption { name: name.into(), value, span: s0.to(self.prev_span()) });
                }
                if v.is_empty() {
                    return self.fail(Expected::Keywords(NTS_S, false), Some("nts"));
                }
                (Cmd::Nts(v), NTS_S)
            }
            K::Simulate => {
                // ntpdsim's `simulate { ... }` block: parsed, then ignored by ntpd. Inside it the
                // scanner ends statements at `;` (see the lexer), so its Eoc tokens are `;`.
                self.simulate()?;
                (Cmd::Empty, NONE)
            }
            _ => return self.fail(Expected::Keywords(cmds, true), None),
        };
        Ok(r)
    }

    /// The `;` that ends a statement inside `simulate`.
    fn sim_end(&mut self) -> R<()> {
        if self.i < self.t.len() && self.t[self.i].kind == TokKind::Eoc {
            self.i += 1;
            return Ok(());
        }
        self.fail(Expected::Special(';'), Some("simulate"))
    }

    /// `KW = NUMBER ;` for one of `list`; `Ok(false)` when the next token is not in `list`.
    fn sim_stmt(&mut self, list: &'static [&'static str]) -> R<bool> {
        if self.word_in(list).is_none() {
            return Ok(false);
        }
        self.i += 1;
        self.special('=', "simulate")?;
        self.number("simulate")?;
        self.sim_end()?;
        Ok(true)
    }

    /// `'{' (INIT = NUM ;)+ (server = ADDR '{' server_offset = NUM ; (duration = NUM '{' (ACT =
    /// NUM ;)+ '}')+ '}')+ '}'` (classic `ntp_parser.y`, `simulate_command`).
    fn simulate(&mut self) -> R<()> {
        const INIT: &[&str] = &["simulation_duration", "beep_delay"];
        const ACT: &[&str] = &["freq_offset", "wander", "jitter", "prop_delay", "proc_delay"];
        self.special('{', "simulate")?;
        if !self.sim_stmt(INIT)? {
            return self.fail(Expected::Keywords(INIT, false), Some("simulate"));
        }
        while self.sim_stmt(INIT)? {}
        if !self.is(Kw::Server) {
            return self.fail(Expected::Keywords(&["simulation_duration", "beep_delay", "server"], false), Some("simulate"));
        }
        while self.is(Kw::Server) {
            self.i += 1;
            self.special('=', "simulate")?;
            self.address("simulate")?;
            self.special('{', "simulate")?;
            if !self.sim_stmt(&["server_offset"])? {
                return self.fail(Expected::Keywords(&["server_offset"], false), Some("simulate"));
            }
            if !self.is(Kw::Duration) {
                return self.fail(Expected::Keywords(&["duration"], false), Some("simulate"));
            }
            while self.is(Kw::Duration) {
                self.i += 1;
                self.special('=', "simulate")?;
                self.number("simulate")?;
                self.special('{', "simulate")?;
                if !self.sim_stmt(ACT)? {
                    return self.fail(Expected::Keywords(ACT, false), Some("simulate"));
                }
                while self.sim_stmt(ACT)? {}
                self.special('}', "simulate")?;
            }
            self.special('}', "simulate")?;
        }
        self.special('}', "simulate")
    }

    fn var(&self, name: &str, value: Value, start: Span) -> Cmd {
        Cmd::Var(MiscVar { name: name.into(), value, wander: None, checkhash: None, span: start.to(self.prev_span()) })
    }

    fn named_ints(&mut self, list: &'static [&'static str], ctx: &'static str) -> R<Vec<NamedInt>> {
        let mut v = Vec::new();
        while let Some(name) = self.word_in(list) {
            let s0 = self.span();
            self.i += 1;
            let n = self.integer(name)?;
            v.push(NamedInt { name: name.into(), value: n.value, span: s0.to(n.span) });
        }
        if v.is_empty() {
            return self.fail(Expected::Keywords(list, false), Some(ctx));
        }
        Ok(v)
    }

    fn assoc_options(&mut self) -> R<(Vec<AssocOption>, &'static [&'static str])> {
        let c = self.classic();
        let list = if c { ASSOC_OPTS_C } else { ASSOC_OPTS_S };
        let mut v = Vec::new();
        while let Some(name) = self.word_in(list) {
            let s0 = self.span();
            self.i += 1;
            let o = match name {
                "autokey" | "burst" | "iburst" | "noselect" | "preempt" | "prefer" | "true" | "xleave" | "xmtnonce" | "noval" | "nts" => {
                    AssocOption::Flag { name: name.into(), span: s0 }
                }
                "key" | "minpoll" | "maxpoll" | "ttl" | "mode" | "version" | "subtype" | "baud" | "holdover" => {
                    let n = self.unsigned(name)?;
                    AssocOption::Int { name: name.into(), value: n.value, span: s0.to(n.span) }
                }
                "stratum" => {
                    let n = self.integer(name)?;
                    if !(0..=16).contains(&n.value) {
                        self.msgs.push(ActionMessage {
                            kind: ActionKind::FudgeStratum,
                            span: s0.to(n.span),
                            message: "fudge factor: stratum value out of bounds, ignored".into(),
                        });
                        continue;
                    }
                    AssocOption::Int { name: name.into(), value: n.value as i64, span: s0.to(n.span) }
                }
                "bias" | "time1" | "time2" => {
                    let n = self.number(name)?;
                    AssocOption::Number { name: name.into(), value: n.value, span: s0.to(n.span) }
                }
                "flag1" | "flag2" | "flag3" | "flag4" => {
                    let b = self.boolean(name)?;
                    AssocOption::Bool { name: name.into(), value: b.value, span: s0.to(b.span) }
                }
                _ => {
                    let s = self.string(name)?;
                    AssocOption::Str { name: name.into(), value: s.value, span: s0.to(s.span) }
                }
            };
            v.push(o);
        }
        Ok((v, list))
    }

    fn restrict(&mut self, k: Kw, start: Span) -> R<(Cmd, &'static [&'static str])> {
        let c = self.classic();
        let flags_list = if c { RESTRICT_FLAGS_C } else { RESTRICT_FLAGS_S };
        let action = match k {
            Kw::Delrestrict => RestrictAction::Delrestrict,
            Kw::Unrestrict => RestrictAction::Unrestrict,
            _ => RestrictAction::Restrict,
        };
        let ctx = k.text();
        let mut entry =
            RestrictEntry { action, target: RestrictTarget::Default { family: None }, ippeerlimit: None, flags: Vec::new(), span: start };
        if action == RestrictAction::Delrestrict {
            if self.is(Kw::Source) {
                self.i += 1;
                let a = self.addr_token_mode(ctx)?;
                entry.target = RestrictTarget::Source { address: Some(a) };
            } else {
                let address = self.addr_token_mode(ctx)?;
                let mut mask = None;
                if self.is(Kw::Mask) {
                    self.i += 1;
                    mask = Some(self.addr_token_mode("mask")?);
                }
                entry.target = RestrictTarget::Address { address, mask };
            }
            entry.span = start.to(self.prev_span());
            let c2: &'static [&'static str] = if entry_has_mask(&entry) { NONE } else { &["mask"][..] };
            return Ok((Cmd::Restrict(entry), c2));
        }
        // Target.
        match self.kw() {
            Some(Kw::Default) => {
                self.i += 1;
            }
            Some(Kw::Source) => {
                self.i += 1;
                entry.target = RestrictTarget::Source { address: None };
            }
            Some(f @ (Kw::Ipv4Flag | Kw::Ipv6Flag)) => {
                let fam = if f == Kw::Ipv4Flag { Family::Ipv4 } else { Family::Ipv6 };
                let s0 = self.span();
                self.i += 1;
                if self.is(Kw::Default) {
                    self.i += 1;
                    entry.target = RestrictTarget::Default { family: Some(fam) };
                } else {
                    let a = self.addr_token_mode(ctx)?;
                    let address = Address { text: a.text, family: Some(fam), span: s0.to(a.span) };
                    // Classic allows a mask after a qualified address; NTPsec's grammar does not.
                    let mut mask = None;
                    if c && self.is(Kw::Mask) {
                        self.i += 1;
                        mask = Some(self.addr_token_mode("mask")?);
                    }
                    entry.target = RestrictTarget::Address { address, mask };
                }
            }
            _ => {
                let address = self.addr_token_mode(ctx)?;
                let mut mask = None;
                if self.is(Kw::Mask) {
                    self.i += 1;
                    mask = Some(self.addr_token_mode("mask")?);
                }
                entry.target = RestrictTarget::Address { address, mask };
            }
        }
        if c && self.is(Kw::Ippeerlimit) {
            let s0 = self.span();
            self.i += 1;
            let n = self.integer("ippeerlimit")?;
            let mut v = n.value;
            if !(-1..=100).contains(&v) {
                self.msgs.push(ActionMessage {
                    kind: ActionKind::Ippeerlimit,
                    span: s0.to(n.span),
                    message: format!("Unreasonable ippeerlimit value ({v}). Using 0."),
                });
                v = 0;
            }
            entry.ippeerlimit = Some(Spanned::new(v, s0.to(n.span)));
        }
        loop {
            if c && self.is(Kw::Serverresponse) {
                let s0 = self.span();
                self.i += 1;
                if !self.is(Kw::Fuzz) {
                    return self.fail(Expected::Keywords(&["fuzz"], false), Some("serverresponse"));
                }
                let s1 = self.span();
                self.i += 1;
                entry.flags.push(Spanned::new("serverresponse fuzz".into(), s0.to(s1)));
                continue;
            }
            match self.word_in(flags_list) {
                Some(f) if f != "serverresponse" => {
                    entry.flags.push(Spanned::new(f.into(), self.span()));
                    self.i += 1;
                }
                _ => break,
            }
        }
        entry.span = start.to(self.prev_span());
        Ok((Cmd::Restrict(entry), flags_list))
    }
}

fn entry_has_mask(e: &RestrictEntry) -> bool {
    matches!(&e.target, RestrictTarget::Address { mask: Some(_), .. })
}
