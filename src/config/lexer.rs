//! ntpd's configuration scanner, reproduced byte for byte (classic `ntpd/ntp_scanner.c`,
//! NTPsec's copy of it): one command per line, `#` comments that may start mid-word, quoting
//! quirks, bytes above 0x7F dropped, NUL as the end of all input, case-sensitive keywords, the
//! Integer / U_int / Double / String classes, and the "followed-by" modes that force the next
//! lexeme(s) to be strings.

use super::Dialect;
use super::keywords::{FollowedBy, KEYWORDS, Kw};
use crate::source::{FileId, Span};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokKind {
    /// A reserved word (including `-4`, `-6` and `...`).
    Kw(Kw),
    /// ntpd's T_Integer: a signed 32-bit value.
    Integer(i32),
    /// ntpd's T_U_int: hex, or a decimal above `INT_MAX`.
    UInt(u32),
    /// ntpd's T_Double.
    Double(f64),
    /// Anything else.
    Str(String),
    /// One of `{ } ( ) , ; | =` in token mode.
    Special(char),
    /// End of command: a newline, the end of a file, or quotes holding only white space.
    Eoc,
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokKind,
    /// Where its lexeme is (quotes included). An end of command at a newline covers the
    /// newline; at the end of a file it is empty.
    pub span: Span,
    /// The lexeme as ntpd saw it (bytes above 0x7F dropped).
    pub text: String,
    /// The lexeme came (at least partly) from double quotes.
    pub quoted: bool,
}

/// A condition that makes ntpd exit while reading the configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum FatalLex {
    /// Lexeme longer than the scanner's buffer.
    TooLong {
        /// The first 50 characters, as ntpd prints them.
        began_with: String,
    },
    /// `0x` with no digits.
    UIntUnrepresentable(String),
    /// A Double that underflows to zero.
    DoubleUnrepresentable(String),
}

/// Why a token stream ended early.
#[derive(Debug, Clone, PartialEq)]
pub enum LexStop {
    /// A NUL byte ends all input (this file and every parent).
    Nul(Span),
    /// ntpd exits.
    Fatal(FatalLex, Span),
}

/// The tokens of one file.
#[derive(Debug, Clone)]
pub struct Lexed {
    /// Tokens, each command ended by [`TokKind::Eoc`]; the last token is the end-of-file Eoc.
    pub tokens: Vec<Token>,
    /// Set when lexing stopped before the end of the file.
    pub stop: Option<LexStop>,
    /// Spans of runs of bytes above 0x7F outside comments.
    pub non_ascii: Vec<Span>,
    /// Classic: a `simulate` block failed to parse, so ntpd reads the rest of the file with `;`
    /// as the end of a command and newlines as white space (its scanner never switches back).
    pub sim_broken: Option<Span>,
}

/// Where the scanner is with respect to classic's `simulate { … }` block (ntpdsim's
/// configuration, parsed and ignored by ntpd). Inside it ntpd's scanner ends commands at `;`
/// and treats newlines as white space; the grammar switches back only when the whole block has
/// parsed. The block's grammar is small and fixed, so the scanner follows it here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sim {
    /// Normal scanning.
    Off,
    /// Inside a block, expecting the given step of its grammar.
    In(SimStep),
    /// A block failed: `;`-mode for the rest of the file.
    Broken,
}

/// Steps of `simulate '{' (INIT '=' NUM ';')+ (server '=' ADDR '{' server_offset '=' NUM ';'
/// (duration '=' NUM '{' (ACT '=' NUM ';')+ '}')+ '}')+ '}'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SimStep {
    Open,
    InitKw,
    InitEq,
    InitNum,
    InitEnd,
    InitOrServer,
    SrvEq,
    SrvAddr,
    SrvAddrAfterFam,
    SrvOpen,
    OffKw,
    OffEq,
    OffNum,
    OffEnd,
    DurKw,
    DurEq,
    DurNum,
    DurOpen,
    ActKw,
    ActEq,
    ActNum,
    ActEnd,
    ActOrClose,
    DurOrClose,
    SrvOrClose,
}

const SPECIAL: &[u8] = b"{}(),;|=";

fn is_space(b: u8) -> bool {
    // C isspace(): space, \t, \n, \v, \f, \r
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Look a lexeme up in the keyword table of a dialect.
pub fn keyword(text: &str, dialect: Dialect) -> Option<(Kw, FollowedBy)> {
    let row = KEYWORDS.binary_search_by(|r| r.text.cmp(text)).ok().map(|i| &KEYWORDS[i])?;
    let mode = match dialect {
        Dialect::Classic => row.classic,
        Dialect::Ntpsec => row.ntpsec,
    }?;
    Some((row.kw, mode))
}

/// Tokenise one file.
pub fn lex(file: FileId, text: &str, dialect: Dialect) -> Lexed {
    Lexer {
        file,
        b: text.as_bytes(),
        pos: 0,
        dialect,
        mode: FollowedBy::Token,
        non_ascii: Vec::new(),
        sim: Sim::Off,
        sim_broken: None,
        cmd_start: true,
        after_include: 0,
    }
    .run()
}

struct Lexer<'a> {
    file: FileId,
    b: &'a [u8],
    pos: usize,
    dialect: Dialect,
    mode: FollowedBy,
    non_ascii: Vec<Span>,
    sim: Sim,
    sim_broken: Option<Span>,
    /// The next token starts a command (after an end of command, or `includefile PATH`).
    cmd_start: bool,
    /// 1 after `includefile` at a command start, 2 after its path.
    after_include: u8,
}

enum Got {
    Byte(u8),
    Nul,
    Eof,
}

impl Lexer<'_> {
    fn max_lexeme(&self) -> usize {
        match self.dialect {
            Dialect::Classic => 127,
            Dialect::Ntpsec => 1024,
        }
    }

    /// Next 7-bit byte; bytes above 0x7F are skipped (and remembered for NTP005).
    fn getch(&mut self) -> Got {
        let start = self.pos;
        while self.pos < self.b.len() && self.b[self.pos] > 0x7f {
            self.pos += 1;
        }
        if self.pos > start {
            match self.non_ascii.last_mut() {
                Some(last) if last.end == start => last.end = self.pos,
                _ => self.non_ascii.push(Span::new(self.file, start, self.pos)),
            }
        }
        if self.pos >= self.b.len() {
            return Got::Eof;
        }
        let c = self.b[self.pos];
        self.pos += 1;
        if c == 0 { Got::Nul } else { Got::Byte(c) }
    }

    fn span(&self, s: usize, e: usize) -> Span {
        Span::new(self.file, s, e)
    }

    fn run(mut self) -> Lexed {
        let mut tokens = Vec::new();
        let mut stop = None;
        loop {
            match self.next_token() {
                Ok(Some(t)) => {
                    self.sim_step(&t);
                    tokens.push(t);
                }
                Ok(None) => {
                    // End of file: ntpd's lex_getch makes up a final newline if the last line
                    // has none, and popping the file gives one more end of command.
                    let n = self.b.len();
                    tokens.push(Token { kind: TokKind::Eoc, span: self.span(n, n), text: String::new(), quoted: false });
                    break;
                }
                Err(s) => {
                    stop = Some(s);
                    break;
                }
            }
        }
        // Comments: bytes above 0x7F inside `#` comments are not interesting; drop those spans.
        let non_ascii = self.non_ascii.into_iter().filter(|s| !in_comment(self.b, s.start)).collect();
        Lexed { tokens, stop, non_ascii, sim_broken: self.sim_broken }
    }

    fn in_sim(&self) -> bool {
        self.sim != Sim::Off
    }

    /// Follow the `simulate` block's grammar over the tokens just produced.
    fn sim_step(&mut self, t: &Token) {
        use SimStep::*;
        let start = self.cmd_start;
        // Where the next token stands: a command starts after an end of command and after
        // `includefile PATH` (the grammar lets a command follow the path).
        self.after_include = match (&t.kind, self.after_include) {
            (TokKind::Kw(Kw::Includefile), _) if start => 1,
            (TokKind::Str(_), 1) => 2,
            _ => 0,
        };
        self.cmd_start = t.kind == TokKind::Eoc || self.after_include == 2;
        let Sim::In(step) = self.sim else {
            if self.sim == Sim::Off && start && self.dialect == Dialect::Classic && t.kind == TokKind::Kw(Kw::Simulate) {
                self.sim = Sim::In(Open);
            }
            return;
        };
        let k = &t.kind;
        let kw = |w: Kw| *k == TokKind::Kw(w);
        let sp = |c: char| *k == TokKind::Special(c);
        let num = matches!(k, TokKind::Integer(_) | TokKind::Double(_));
        let eoc = *k == TokKind::Eoc;
        let init = kw(Kw::SimDuration) || kw(Kw::BeepDelay);
        let act = [Kw::FreqOffset, Kw::Wander, Kw::Jitter, Kw::PropDelay, Kw::ProcDelay].iter().any(|w| kw(*w));
        let next = match step {
            Open if sp('{') => Some(InitKw),
            InitKw if init => Some(InitEq),
            InitEq if sp('=') => Some(InitNum),
            InitNum if num => Some(InitEnd),
            InitEnd if eoc => Some(InitOrServer),
            InitOrServer if init => Some(InitEq),
            InitOrServer | SrvOrClose if kw(Kw::Server) => Some(SrvEq),
            SrvEq if sp('=') => Some(SrvAddr),
            SrvAddr if kw(Kw::Ipv4Flag) || kw(Kw::Ipv6Flag) => Some(SrvAddrAfterFam),
            SrvAddr | SrvAddrAfterFam if matches!(k, TokKind::Str(_)) => Some(SrvOpen),
            SrvOpen if sp('{') => Some(OffKw),
            OffKw if kw(Kw::ServerOffset) => Some(OffEq),
            OffEq if sp('=') => Some(OffNum),
            OffNum if num => Some(OffEnd),
            OffEnd if eoc => Some(DurKw),
            DurKw | DurOrClose if kw(Kw::Duration) => Some(DurEq),
            DurEq if sp('=') => Some(DurNum),
            DurNum if num => Some(DurOpen),
            DurOpen if sp('{') => Some(ActKw),
            ActKw | ActOrClose if act => Some(ActEq),
            ActEq if sp('=') => Some(ActNum),
            ActNum if num => Some(ActEnd),
            ActEnd if eoc => Some(ActOrClose),
            ActOrClose if sp('}') => Some(DurOrClose),
            DurOrClose if sp('}') => Some(SrvOrClose),
            SrvOrClose if sp('}') => {
                // The whole block parsed: ntpd's grammar switches the scanner back.
                self.sim = Sim::Off;
                self.mode = FollowedBy::Token;
                return;
            }
            _ => None,
        };
        match next {
            Some(n) => self.sim = Sim::In(n),
            None => {
                self.sim = Sim::Broken;
                self.sim_broken = Some(t.span);
            }
        }
    }

    fn next_token(&mut self) -> Result<Option<Token>, LexStop> {
        let mut instring = false;
        loop {
            // Skip white space other than newline.
            let in_sim = self.in_sim();
            let c = loop {
                match self.getch() {
                    Got::Byte(c) if is_space(c) && (c != b'\n' || in_sim) => continue,
                    g => break g,
                }
            };
            let c = match c {
                Got::Eof => return Ok(None),
                Got::Nul => return Err(LexStop::Nul(self.span(self.pos - 1, self.pos))),
                Got::Byte(c) => c,
            };
            if in_sim && c == b';' {
                // Inside `simulate`, `;` ends a statement.
                self.mode = FollowedBy::Token;
                return Ok(Some(Token { kind: TokKind::Eoc, span: self.span(self.pos - 1, self.pos), text: ";".into(), quoted: false }));
            }
            if c == b'\n' {
                self.mode = FollowedBy::Token;
                return Ok(Some(Token { kind: TokKind::Eoc, span: self.span(self.pos - 1, self.pos), text: "\n".into(), quoted: false }));
            }
            if SPECIAL.contains(&c) && self.mode == FollowedBy::Token {
                let t = Token {
                    kind: TokKind::Special(c as char),
                    span: self.span(self.pos - 1, self.pos),
                    text: (c as char).to_string(),
                    quoted: false,
                };
                if c == b'=' && !in_sim {
                    // `setvar NAME = VALUE`: the value after `=` is a string.
                    self.mode = FollowedBy::String;
                }
                return Ok(Some(t));
            }
            // Start of a lexeme: the first byte was already read; step back.
            self.pos -= 1;
            let start = self.pos;
            let mut text = String::new();
            let mut end;
            let mut saw_quote = false;
            loop {
                match self.getch() {
                    Got::Eof => {
                        end = self.pos;
                        break;
                    }
                    Got::Nul => {
                        return Err(LexStop::Nul(self.span(self.pos - 1, self.pos)));
                    }
                    Got::Byte(c) => {
                        if is_space(c) || c == b'"' || (in_sim && c == b';') || (self.mode == FollowedBy::Token && SPECIAL.contains(&c)) {
                            if c == b'"' {
                                saw_quote = true;
                            } else {
                                self.pos -= 1; // push back
                            }
                            end = if c == b'"' { self.pos - 1 } else { self.pos };
                            break;
                        }
                        if c == b'#' {
                            // The rest of the line is a comment; the lexeme read so far stands,
                            // and the newline is left for the next token.
                            end = self.pos - 1;
                            while self.pos < self.b.len() && self.b[self.pos] != b'\n' && self.b[self.pos] != 0 {
                                self.pos += 1;
                            }
                            break;
                        }
                        text.push(c as char);
                        if text.len() >= self.max_lexeme() + 1 {
                            return Err(self.too_long(&text, start));
                        }
                    }
                }
            }
            if saw_quote {
                instring = true;
                loop {
                    match self.getch() {
                        Got::Eof => break,
                        Got::Nul => return Err(LexStop::Nul(self.span(self.pos - 1, self.pos))),
                        Got::Byte(b'"') => break,
                        Got::Byte(b'\n') => {
                            self.pos -= 1;
                            break;
                        }
                        Got::Byte(c) => {
                            text.push(c as char);
                            if text.len() >= self.max_lexeme() + 1 {
                                return Err(self.too_long(&text, start));
                            }
                        }
                    }
                }
                end = self.pos;
            }
            if text.is_empty() {
                // `""` or a lone `#...`: no token; keep scanning (instring stays set, as in ntpd).
                continue;
            }
            let span = self.span(start, end.max(start));
            return Ok(Some(self.classify(text, span, instring)?));
        }
    }

    fn too_long(&self, text: &str, start: usize) -> LexStop {
        let began_with: String = text.chars().take(50).collect();
        LexStop::Fatal(FatalLex::TooLong { began_with }, self.span(start, self.pos))
    }

    fn classify(&mut self, text: String, span: Span, instring: bool) -> Result<Token, LexStop> {
        let tok = |kind| Token { kind, span, text: text.clone(), quoted: instring };
        if self.mode == FollowedBy::Token && !instring {
            if let Some((kw, mode)) = keyword(&text, self.dialect) {
                // Inside `simulate`, `server` is followed by `=`, scanned as a token.
                self.mode = if kw == Kw::Server && self.in_sim() { FollowedBy::Token } else { mode };
                return Ok(tok(TokKind::Kw(kw)));
            }
            if let Some(i) = as_integer(&text) {
                return Ok(tok(TokKind::Integer(i)));
            }
            if is_u_int(&text) {
                return match as_u_int(&text) {
                    Some(u) => Ok(tok(TokKind::UInt(u))),
                    None => Err(LexStop::Fatal(FatalLex::UIntUnrepresentable(text.clone()), span)),
                };
            }
            if let Some(d) = as_double(&text, self.dialect) {
                if d == 0.0 && double_underflows(&text) {
                    return Err(LexStop::Fatal(FatalLex::DoubleUnrepresentable(text.clone()), span));
                }
                return Ok(tok(TokKind::Double(d)));
            }
            return Ok(string_token(tok, &text));
        }
        // String context, or quoted text: a String, except the `-4`/`-6` hack.
        if let Some(rest) = text.strip_prefix('-') {
            if rest.starts_with('4') {
                return Ok(tok(TokKind::Kw(Kw::Ipv4Flag)));
            }
            if rest.starts_with('6') {
                return Ok(tok(TokKind::Kw(Kw::Ipv6Flag)));
            }
        }
        if self.mode == FollowedBy::String {
            self.mode = FollowedBy::Token;
        }
        Ok(string_token(tok, &text))
    }
}

fn string_token(tok: impl Fn(TokKind) -> Token, text: &str) -> Token {
    // A lexeme made only of white space (from quotes) is an end of command.
    if text.bytes().all(is_space) { tok(TokKind::Eoc) } else { tok(TokKind::Str(text.to_string())) }
}

fn in_comment(b: &[u8], offset: usize) -> bool {
    // Walk the line up to offset, tracking quotes; a '#' outside quotes starts a comment.
    let line_start = b[..offset].iter().rposition(|&c| c == b'\n').map(|p| p + 1).unwrap_or(0);
    let mut quoted = false;
    for &c in &b[line_start..offset] {
        match c {
            b'"' => quoted = !quoted,
            b'#' if !quoted => return true,
            _ => {}
        }
    }
    false
}

/// ntpd's `is_integer` plus its conversion: optional `-`, then only digits. Positive values
/// are read by `sscanf("%u")` (wrapping modulo 2^32, saturating at 2^64) and must then fit in
/// `int`; the value is `(int)strtol(...)`.
pub fn as_integer(s: &str) -> Option<i32> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let strtol = |d: &str, neg: bool| -> i32 {
        // 64-bit strtol saturates, then the C cast keeps the low 32 bits.
        let v: i128 = d.bytes().fold(0i128, |acc, c| (acc * 10 + (c - b'0') as i128).min(1i128 << 70));
        let v = if neg { -v } else { v };
        let v = v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        v as i32
    };
    if neg {
        return Some(strtol(digits, true));
    }
    if digits.is_empty() {
        return None;
    }
    let u = scanf_u(digits);
    if u <= i32::MAX as u32 { Some(strtol(digits, false)) } else { None }
}

fn scanf_u(digits: &str) -> u32 {
    let v: u128 = digits.bytes().fold(0u128, |acc, c| (acc * 10 + (c - b'0') as u128).min(1u128 << 70));
    if v > u64::MAX as u128 { u32::MAX } else { v as u64 as u32 }
}

fn is_u_int(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
        b[2..].iter().all(|c| c.is_ascii_hexdigit())
    } else {
        b.iter().all(|c| c.is_ascii_digit())
    }
}

fn as_u_int(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
        let h = &s[2..];
        if h.is_empty() {
            return None;
        }
        let v: u128 = h.bytes().fold(0u128, |acc, c| (acc * 16 + (c as char).to_digit(16).unwrap() as u128).min(1u128 << 70));
        Some(if v > u64::MAX as u128 { u32::MAX } else { v as u64 as u32 })
    } else if s.is_empty() {
        None
    } else {
        Some(scanf_u(s))
    }
}

/// ntpd's `is_double` and value (NTPsec also takes `g`/`G` GPS-era suffixes).
pub fn as_double(s: &str, dialect: Dialect) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    let mant_end = i;
    let mut exp_end = i;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let ds = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        exp_end = if i > ds { i } else { mant_end };
    }
    let mut era = 0.0;
    if dialect == Dialect::Ntpsec {
        while i < b.len() && (b[i] == b'g' || b[i] == b'G') {
            era += if b[i] == b'g' { 1024.0 * 7.0 * 86400.0 } else { 8192.0 * 7.0 * 86400.0 };
            i += 1;
        }
    }
    if i != b.len() {
        return None;
    }
    let mut num = String::from(&s[..exp_end]);
    if num.ends_with('.') {
        num.push('0');
    }
    if num.starts_with('.') || num.starts_with("+.") || num.starts_with("-.") {
        num = num.replacen('.', "0.", 1);
    }
    let v: f64 = num.parse().ok()?;
    Some(v + era)
}

fn double_underflows(s: &str) -> bool {
    // atof() sets ERANGE when a non-zero mantissa underflows to 0.
    s.bytes().any(|c| (b'1'..=b'9').contains(&c)) && {
        let mant: String = s.chars().take_while(|c| !matches!(c, 'e' | 'E')).collect();
        mant.bytes().any(|c| (b'1'..=b'9').contains(&c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokKind> {
        lex(FileId(0), s, Dialect::Classic).tokens.into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers() {
        assert_eq!(as_integer("-"), Some(0));
        assert_eq!(as_integer("99999999999"), Some(1215752191));
        assert_eq!(as_integer("2147483648"), None);
        assert_eq!(as_u_int("0x10"), Some(16));
        assert_eq!(as_double("1e", Dialect::Classic), Some(1.0));
        assert_eq!(as_double(".5", Dialect::Classic), Some(0.5));
        assert_eq!(as_double("5.", Dialect::Classic), Some(5.0));
        assert_eq!(as_double("0.5g", Dialect::Classic), None);
        assert!(as_double("0.5g", Dialect::Ntpsec).is_some());
    }

    #[test]
    fn comment_mid_word() {
        assert_eq!(
            kinds("server 192.0.2.1#x\n"),
            vec![TokKind::Kw(Kw::Server), TokKind::Str("192.0.2.1".into()), TokKind::Eoc, TokKind::Eoc]
        );
    }

    #[test]
    fn quotes() {
        assert_eq!(kinds("ab\"c d\"e\n"), vec![TokKind::Str("abc d".into()), TokKind::Str("e".into()), TokKind::Eoc, TokKind::Eoc]);
        assert_eq!(kinds("driftfile \"\"\n"), vec![TokKind::Kw(Kw::Driftfile), TokKind::Eoc, TokKind::Eoc]);
        assert_eq!(kinds("x \" \" y\n")[1], TokKind::Eoc);
    }

    #[test]
    fn high_bytes_dropped() {
        assert_eq!(kinds("tos\u{e9} ceiling 21\n")[0], TokKind::Kw(Kw::Tos));
    }
}
