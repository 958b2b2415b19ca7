//! The symmetric keys file (`keys PATH`, `ntpd -k`; "ntp.keys"), read exactly as each
//! dialect's `authreadkeys()` reads it (classic `libntp/authreadkeys.c` 4.2.8p18, NTPsec
//! `libntp/authreadkeys.c` 1.2.2), with spans and diagnostics (NTP125).
//!
//! Line format: `KEYID TYPE KEY [IPLIST]`. The file is read with `fgets` into a 512-byte
//! buffer, so a physical line longer than 511 bytes is read as several lines. Tokens are
//! separated by spaces and tabs; `#` ends a token and everything after it on the line. A key of
//! at most 20 characters is the secret itself (ASCII); a longer one is hex.
//!
//! Dialect differences that matter:
//! - classic counts errors (bad id, missing type or key, a secret too long or with a non-hex
//!   digit, a bad address in the list) and **rejects the whole file** if there is any; an
//!   unknown type only skips its line; for a repeated id the first line wins; a secret may be up
//!   to 64 bytes; an odd number of hex digits keeps the last nibble as a high half-byte;
//! - NTPsec skips bad lines and loads the rest; the last line for an id wins; hex secrets
//!   longer than 64 digits are truncated to 32 bytes and an odd digit is dropped; a CMAC key
//!   longer than 16 bytes is truncated, a shorter one is unusable (see below); the address list
//!   is ignored.

use std::net::IpAddr;
use std::path::Path;

use super::Dialect;
use super::lower::numeric_address;
use crate::diagnostic::{Code, DaemonEffect, Diagnostic, Phase, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};

/// Highest symmetric key id (higher ids are Autokey's).
pub const MAX_KEY_ID: u32 = 65535;
/// Classic's secret limit in bytes (`AUTHPWD_MAXSECLEN`).
pub const CLASSIC_MAX_SECRET: usize = 64;
/// NTPsec's secret buffer in bytes.
pub const NTPSEC_MAX_SECRET: usize = 32;
/// Classic logs at most this many counted errors, and stops reading after 15.
const NERR_LOGLIMIT: u32 = 5;
const NERR_MAXLIMIT: u32 = 15;

/// The MAC algorithm a key names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum KeyType {
    /// MD5 (also any unknown name starting with `M`, as ntpd reads it).
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// AES-128-CMAC (`AES128CMAC`; NTPsec also `AES`).
    Aes128Cmac,
    /// Another digest or cipher ntpd (through OpenSSL) accepts but `ntpcheck serve` does not
    /// implement (SHA3-256, RIPEMD160, AES-256 CMAC, …), by its upper-case name.
    Other(String),
}

impl KeyType {
    /// How ntpd maps a TYPE token, or `None` when ntpd does not know it.
    pub fn from_token(token: &str, d: Dialect) -> Option<KeyType> {
        let up = token.to_ascii_uppercase();
        let known = match up.as_str() {
            "MD5" => Some(KeyType::Md5),
            "SHA1" => Some(KeyType::Sha1),
            "SHA224" => Some(KeyType::Sha224),
            "SHA256" => Some(KeyType::Sha256),
            "SHA384" => Some(KeyType::Sha384),
            "SHA512" => Some(KeyType::Sha512),
            "AES128CMAC" => Some(KeyType::Aes128Cmac),
            "AES" if d == Dialect::Ntpsec => Some(KeyType::Aes128Cmac),
            _ => None,
        };
        if known.is_some() {
            return known;
        }
        // Other names OpenSSL 3 knows as digests (classic: OBJ_sn2nid + a digest; NTPsec:
        // EVP_get_digestbyname) or, for NTPsec, as `NAME-CBC` ciphers usable for CMAC.
        const OPENSSL_DIGESTS: &[&str] = &[
            "MD4",
            "MDC2",
            "RIPEMD160",
            "RMD160",
            "SHA512-224",
            "SHA512-256",
            "SHA3-224",
            "SHA3-256",
            "SHA3-384",
            "SHA3-512",
            "SHAKE128",
            "SHAKE256",
            "SM3",
            "BLAKE2B512",
            "BLAKE2S256",
            "MD5-SHA1",
        ];
        const OPENSSL_CBC: &[&str] = &[
            "AES-128",
            "AES-192",
            "AES-256",
            "AES128",
            "AES192",
            "AES256",
            "ARIA-128",
            "ARIA-192",
            "ARIA-256",
            "CAMELLIA-128",
            "CAMELLIA-192",
            "CAMELLIA-256",
            "SM4",
        ];
        if OPENSSL_DIGESTS.contains(&up.as_str()) || (d == Dialect::Ntpsec && OPENSSL_CBC.contains(&up.as_str())) {
            return Some(KeyType::Other(up));
        }
        if up.starts_with('M') {
            return Some(KeyType::Md5);
        }
        None
    }

    /// The canonical name.
    pub fn name(&self) -> &str {
        match self {
            KeyType::Md5 => "MD5",
            KeyType::Sha1 => "SHA1",
            KeyType::Sha224 => "SHA224",
            KeyType::Sha256 => "SHA256",
            KeyType::Sha384 => "SHA384",
            KeyType::Sha512 => "SHA512",
            KeyType::Aes128Cmac => "AES128CMAC",
            KeyType::Other(n) => n,
        }
    }

    /// Full MAC length in bytes, when known.
    pub fn digest_len(&self) -> Option<usize> {
        Some(match self {
            KeyType::Md5 | KeyType::Aes128Cmac => 16,
            KeyType::Sha1 => 20,
            KeyType::Sha224 => 28,
            KeyType::Sha256 => 32,
            KeyType::Sha384 => 48,
            KeyType::Sha512 => 64,
            KeyType::Other(_) => return None,
        })
    }
}

/// How the secret was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// ≤ 20 characters: the bytes themselves.
    Ascii,
    /// > 20 characters: hex digits.
    Hex,
}

/// One address of a classic per-key access list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyAcl {
    /// Address.
    pub addr: IpAddr,
    /// `/BITS`, if given.
    pub bits: Option<u32>,
    /// Where.
    pub span: Span,
}

/// One key the daemon loads.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyEntry {
    /// Key id.
    pub id: u32,
    /// Algorithm.
    pub key_type: KeyType,
    /// The TYPE token as written.
    pub type_text: String,
    /// The secret as the daemon stores it (after truncation/padding).
    #[serde(skip)]
    pub secret: Vec<u8>,
    /// How it was written.
    pub encoding: Encoding,
    /// Classic per-key address list (NTPsec ignores it).
    pub acl: Vec<KeyAcl>,
    /// The whole line.
    pub span: Span,
    /// The id token.
    pub id_span: Span,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach logs.
        f.debug_struct("KeyEntry")
            .field("id", &self.id)
            .field("key_type", &self.key_type)
            .field("encoding", &self.encoding)
            .field("span", &self.span)
            .finish()
    }
}

/// A parsed keys file.
#[derive(Debug, Clone, Default)]
pub struct KeysFile {
    /// Keys the daemon ends up with, in file order (duplicates resolved per dialect). Empty
    /// when classic rejects the file.
    pub keys: Vec<KeyEntry>,
    /// Classic rejected the whole file (it then keeps no keys at start-up).
    pub rejected: bool,
    /// Every finding.
    pub diagnostics: Vec<Diagnostic>,
}

impl KeysFile {
    /// A key by id.
    pub fn get(&self, id: u32) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// Byte offsets of the raw file → offsets in [`SourceFile::text`] (identical unless the file
/// has bytes that are not UTF-8, each of which the source text holds as a 3-byte U+FFFD).
struct OffsetMap {
    /// (raw start, text start) of each invalid byte run, in order; empty for valid UTF-8.
    fixes: Vec<(usize, usize, usize)>,
}

impl OffsetMap {
    fn new(bytes: &[u8]) -> Self {
        let mut fixes = Vec::new();
        let (mut raw, mut text) = (0usize, 0usize);
        for chunk in bytes.utf8_chunks() {
            raw += chunk.valid().len();
            text += chunk.valid().len();
            let bad = chunk.invalid().len();
            if bad > 0 {
                fixes.push((raw, bad, text));
                raw += bad;
                text += 3;
            }
        }
        OffsetMap { fixes }
    }
    fn map(&self, off: usize) -> usize {
        let mut delta: isize = 0;
        for &(raw, bad, text) in &self.fixes {
            if off < raw {
                break;
            }
            if off < raw + bad {
                return text;
            }
            delta = (text + 3) as isize - (raw + bad) as isize;
        }
        (off as isize + delta) as usize
    }
}

struct Reader<'a> {
    d: Dialect,
    file: FileId,
    map: OffsetMap,
    bytes: &'a [u8],
    diags: Vec<Diagnostic>,
    nerr: u32,
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl Reader<'_> {
    fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.file, self.map.map(a), self.map.map(b))
    }

    fn log_prefix(&self) -> &'static str {
        match self.d {
            Dialect::Classic => "authreadkeys: ",
            Dialect::Ntpsec => "AUTH: authreadkeys: ",
        }
    }

    /// A problem ntpd counts (classic) or skips the line for.
    fn error(&mut self, span: Span, counted: bool, message: String, log: String) {
        if counted && self.d == Dialect::Classic {
            self.nerr += 1;
        }
        // Classic drops the whole file on a counted error, NTPsec the line: either way this
        // line's key is not loaded.
        let mut diag = Diagnostic::new(Code::Ntp125, span, message).effect(DaemonEffect::LineIgnored);
        // Classic logs only the first five counted errors.
        if !(counted && self.d == Dialect::Classic && self.nerr > NERR_LOGLIMIT) {
            diag = diag.ntpd(Phase::Config, format!("{}{log}", self.log_prefix()));
        }
        self.diags.push(diag);
    }

    fn warn(&mut self, span: Span, message: String, log: Option<String>) {
        let mut diag = Diagnostic::new(Code::Ntp125, span, message).severity(Severity::Warning);
        if let Some(l) = log {
            diag = diag.ntpd(Phase::Config, l);
        }
        self.diags.push(diag);
    }

    /// ntpd's `nexttok`: skip blanks; a token ends at NUL, newline, blank or `#`; `#` (and
    /// NUL, newline) end the line.
    fn next_token(&self, line: &mut (usize, usize)) -> Option<(usize, usize)> {
        let (mut i, end) = *line;
        let b = self.bytes;
        while i < end && is_ws(b[i]) {
            i += 1;
        }
        let start = i;
        while i < end && !matches!(b[i], 0 | b'\n' | b' ' | b'\t' | b'#') {
            i += 1;
        }
        if start == i {
            *line = (end, end);
            return None;
        }
        if i < end && is_ws(b[i]) {
            *line = (i + 1, end);
        } else {
            *line = (end, end); // `#`, NUL or newline: nothing more on this line
        }
        Some((start, i))
    }

    fn text(&self, t: (usize, usize)) -> String {
        String::from_utf8_lossy(&self.bytes[t.0..t.1]).into_owned()
    }

    /// One `fgets` line: `[start, end)` without the newline.
    fn line(&mut self, start: usize, end: usize) -> Option<KeyEntry> {
        let mut cur = (start, end);
        let line_span = self.span(start, end);
        let id_tok = self.next_token(&mut cur)?;
        let id_text = self.text(id_tok);
        let id_span = self.span(id_tok.0, id_tok.1);
        let id = atoi(&self.bytes[id_tok.0..id_tok.1]);
        if id == 0 {
            self.error(id_span, true, format!("`{id_text}` is not a key id: ids are 1..65535"), format!("cannot change key {id_text}"));
            return None;
        }
        if id > MAX_KEY_ID {
            let log = match self.d {
                Dialect::Classic => format!("key {id_text} > {MAX_KEY_ID} reserved for Autokey"),
                Dialect::Ntpsec => format!("key {id_text} > {MAX_KEY_ID} reserved"),
            };
            self.error(id_span, true, format!("key id `{id_text}` is above {MAX_KEY_ID}: ids above that are reserved for Autokey"), log);
            return None;
        }
        let Some(type_tok) = self.next_token(&mut cur) else {
            self.error(line_span, true, format!("key {id} has no type (MD5, SHA1, AES128CMAC, …)"), format!("no key type for key {id}"));
            return None;
        };
        let type_text = self.text(type_tok);
        let type_span = self.span(type_tok.0, type_tok.1);
        let key_type = KeyType::from_token(&type_text, self.d);
        if key_type.is_none() && self.d == Dialect::Ntpsec {
            self.error(
                type_span,
                false,
                format!("unknown key type `{type_text}` for key {id}: the key is skipped"),
                format!("unknown auth type {id}, {type_text}"),
            );
            return None;
        }
        let Some(key_tok) = self.next_token(&mut cur) else {
            self.error(line_span, true, format!("key {id} has no secret"), format!("no key for key {id}"));
            return None;
        };
        let key_span = self.span(key_tok.0, key_tok.1);
        let raw = &self.bytes[key_tok.0..key_tok.1];
        let (mut secret, encoding) = self.decode_secret(id, raw, key_span)?;
        let mut acl = Vec::new();
        if let Some(list_tok) = self.next_token(&mut cur).filter(|_| self.d == Dialect::Classic) {
            acl = self.acl(id, list_tok);
        }
        let Some(key_type) = key_type else {
            // Classic: the line was well formed, the type is unknown: skipped, not counted.
            self.error(
                type_span,
                false,
                format!("unsupported key type `{type_text}` for key {id}: the key is skipped"),
                format!("unsupported type {type_text} for key {id}"),
            );
            return None;
        };
        if key_type == KeyType::Aes128Cmac {
            match self.d {
                Dialect::Classic if secret.len() < 16 => {
                    let log = format!("AES128CMAC keys are 128 bits, zero-extending key {id} by {} bits", 8 * (16 - secret.len()));
                    self.warn(key_span, format!("AES-128-CMAC key {id} is shorter than 16 bytes: ntpd pads it with zeros"), Some(log));
                }
                Dialect::Ntpsec if secret.len() > 16 => {
                    self.warn(
                        key_span,
                        format!("AES-128-CMAC key {id} is {} bytes: NTPsec uses the first 16", secret.len()),
                        Some(format!("AUTH: CMAC key {id} will be truncated {}=>16", secret.len())),
                    );
                    secret.truncate(16);
                }
                Dialect::Ntpsec if secret.len() < 16 => {
                    // Verified against Debian's 1.2.2: `check_cmac_key_length` zeroes a copy of
                    // the type name instead of the key, so the 16 bytes it uses run on into its
                    // line buffer; clients cannot reproduce that key and get no reply.
                    let n = secret.len();
                    self.diags.push(
                        Diagnostic::new(
                            Code::Ntp125,
                            key_span,
                            format!("AES-128-CMAC key {id} is {n} bytes: NTPsec 1.2.2 says it pads it to 16 but really uses the secret followed by leftover bytes of its line buffer, so no client can authenticate with it"),
                        )
                        .label("shorter than 16 bytes")
                        .help("write the key as 16 characters or 32 hex digits")
                        .ntpd(Phase::Config, format!("AUTH: CMAC key {id} will be padded {n}=>16")),
                    );
                    // Kept as read: the runtime leaves such a key out, as unusable.
                }
                _ => {}
            }
        }
        if let Some(n) = key_type.digest_len().filter(|n| *n > 20) {
            match self.d {
                Dialect::Ntpsec => self.warn(
                    type_span,
                    format!("{} digests are {n} bytes: NTPsec truncates the MAC of key {id} to 20 bytes", key_type.name()),
                    Some(format!("AUTH: authreadkeys: digest for key {id}, {} will be truncated.", key_type.name())),
                ),
                Dialect::Classic => self.warn(
                    type_span,
                    format!("{} digests are {n} bytes, more than the 20 a MAC carries: classic ntpd loads key {id} but no packet authenticated with it verifies", key_type.name()),
                    None,
                ),
            }
        }
        if let KeyType::Other(name) = &key_type {
            self.warn(type_span, format!("key {id}: ntpd accepts `{name}` through OpenSSL, but `ntpcheck serve` does not implement it; requests with key {id} fail authentication"), None);
        }
        Some(KeyEntry { id, key_type, type_text, secret, encoding, acl, span: line_span, id_span })
    }

    fn decode_secret(&mut self, id: u32, raw: &[u8], span: Span) -> Option<(Vec<u8>, Encoding)> {
        if raw.len() <= 20 {
            return Some((raw.to_vec(), Encoding::Ascii));
        }
        let hexval = |c: u8| (c as char).to_digit(16).map(|v| v as u8);
        match self.d {
            Dialect::Classic => {
                let len = raw.len().div_ceil(2);
                if len > CLASSIC_MAX_SECRET {
                    self.error(
                        span,
                        true,
                        format!("the secret of key {id} is {len} bytes; classic ntpd allows at most 64 (128 hex digits)"),
                        format!("passwd too long for key {id}"),
                    );
                    return None;
                }
                let mut out = vec![0u8; len];
                for (j, &c) in raw.iter().enumerate() {
                    let Some(v) = hexval(c) else {
                        self.error(
                            span,
                            true,
                            format!("key {id}: `{}` is not a hex digit (a secret longer than 20 characters is hex)", c as char),
                            format!("passwd has bad char for key {id}"),
                        );
                        return None;
                    };
                    if j & 1 == 1 { out[j >> 1] |= v } else { out[j >> 1] = v << 4 }
                }
                Some((out, Encoding::Hex))
            }
            Dialect::Ntpsec => {
                let mut jlim = raw.len();
                if jlim > 2 * NTPSEC_MAX_SECRET {
                    jlim = 2 * NTPSEC_MAX_SECRET;
                    self.warn(
                        span,
                        format!("the secret of key {id} has {} hex digits: NTPsec uses the first 64 (32 bytes)", raw.len()),
                        Some(format!("AUTH: authreadkeys: key {id} truncated to {jlim} bytes")),
                    );
                }
                let mut out = vec![0u8; NTPSEC_MAX_SECRET];
                for (j, &c) in raw[..jlim].iter().enumerate() {
                    let Some(v) = hexval(c) else {
                        self.error(
                            span,
                            false,
                            format!(
                                "key {id}: `{}` is not a hex digit (a secret longer than 20 characters is hex): the key is skipped",
                                c as char
                            ),
                            format!("invalid hex digit for key {id}"),
                        );
                        return None;
                    };
                    if j & 1 == 1 { out[j / 2] |= v } else { out[j / 2] = v << 4 }
                }
                out.truncate(jlim / 2);
                Some((out, Encoding::Hex))
            }
        }
    }

    fn acl(&mut self, id: u32, tok: (usize, usize)) -> Vec<KeyAcl> {
        let mut out = Vec::new();
        let mut at = tok.0;
        for item in self.bytes[tok.0..tok.1].split(|b| *b == b',') {
            let (a, b) = (at, at + item.len());
            at = b + 1;
            let text = String::from_utf8_lossy(item).into_owned();
            let span = self.span(a, b);
            let (addr_text, bits) = match text.split_once('/') {
                Some((addr, bits)) => {
                    // ntpd accumulates digits and stops at the first other character.
                    if !bits.bytes().all(|c| c.is_ascii_digit()) {
                        let bad: String = bits.chars().skip_while(|c| c.is_ascii_digit()).collect();
                        self.error(
                            span,
                            true,
                            format!("`{text}` in the address list of key {id}: the prefix length is not a number"),
                            format!("Invalid character in subnet specification for <{bad}/{bits}> in key {id}"),
                        );
                        continue;
                    }
                    (addr.to_string(), Some(bits.parse::<u64>().unwrap_or(u64::MAX).min(u32::MAX as u64) as u32))
                }
                None => (text.clone(), None),
            };
            let Some(addr) = numeric_address(&addr_text) else {
                self.error(
                    span,
                    true,
                    format!("`{addr_text}` in the address list of key {id} is not an IP address"),
                    format!("invalid IP address <{addr_text}> for key {id}"),
                );
                continue;
            };
            if let Some(b) = bits {
                let max = if addr.is_ipv4() { 32 } else { 128 };
                if b > max {
                    self.warn(
                        span,
                        format!("`{text}`: a /{b} prefix is longer than the address for key {id}"),
                        Some(format!("authreadkeys: excessive subnet mask <{addr_text}/{b}> for key {id}")),
                    );
                }
            }
            out.push(KeyAcl { addr, bits, span });
        }
        out
    }
}

/// C `atoi` into ntpd's unsigned key id: optional blanks and sign, digits up to the first other
/// character; garbage is 0; a negative number or overflow wraps to a huge id.
fn atoi(b: &[u8]) -> u32 {
    let mut i = 0;
    let neg = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        v = (v * 10 + (b[i] - b'0') as i64).min(i64::MAX / 20);
        i += 1;
    }
    let v = if neg { -v } else { v };
    // strtol saturates to LONG_MAX, then atoi's int cast keeps the low 32 bits.
    (v as i32) as u32
}

/// Read a keys file's bytes (already added to a [`SourceMap`] as `file`).
pub fn parse(file: FileId, bytes: &[u8], dialect: Dialect) -> KeysFile {
    let mut r = Reader { d: dialect, file, map: OffsetMap::new(bytes), bytes, diags: Vec::new(), nerr: 0 };
    let mut entries: Vec<KeyEntry> = Vec::new();
    let mut pos = 0;
    let mut stopped = false;
    while pos < bytes.len() {
        if dialect == Dialect::Classic && r.nerr > NERR_MAXLIMIT {
            stopped = true;
            break;
        }
        // fgets(buf, 512): at most 511 bytes, up to and including a newline.
        let limit = (pos + 511).min(bytes.len());
        let end = bytes[pos..limit].iter().position(|b| *b == b'\n').map(|n| pos + n + 1).unwrap_or(limit);
        let content_end = if end > pos && bytes[end - 1] == b'\n' { end - 1 } else { end };
        // A NUL ends the C string.
        let content_end = bytes[pos..content_end].iter().position(|b| *b == 0).map(|n| pos + n).unwrap_or(content_end);
        if let Some(k) = r.line(pos, content_end) {
            match dialect {
                // Classic loads the list in reverse, so the first line for an id wins.
                Dialect::Classic => {
                    if let Some(first) = entries.iter().find(|e| e.id == k.id) {
                        let msg = format!("key {} is defined again; classic ntpd keeps the first definition (line above)", k.id);
                        let _ = first;
                        r.warn(k.id_span, msg, None);
                    } else {
                        entries.push(k);
                    }
                }
                Dialect::Ntpsec => {
                    if let Some(i) = entries.iter().position(|e| e.id == k.id) {
                        let msg = format!("key {} is defined again; NTPsec keeps this later definition", k.id);
                        let span = entries[i].id_span;
                        r.warn(span, msg, None);
                        entries.remove(i);
                    }
                    entries.push(k);
                }
            }
        }
        pos = end;
    }
    let mut out = KeysFile { keys: entries, rejected: false, diagnostics: Vec::new() };
    if dialect == Dialect::Classic && r.nerr > 0 {
        let why = if stopped { " (emergency break)" } else { "" };
        let span = Span::new(file, 0, 0);
        r.diags.push(
            Diagnostic::new(
                Code::Ntp125,
                span,
                format!("classic ntpd rejects the whole keys file after {} error(s): no key is loaded", r.nerr),
            )
            .effect(DaemonEffect::LineIgnored)
            .help("fix every error above; one bad line disables all symmetric-key authentication")
            .ntpd(Phase::Config, format!("authreadkeys: rejecting file '…' after {} error(s){why}", r.nerr)),
        );
        out.keys.clear();
        out.rejected = true;
    }
    out.diagnostics = r.diags;
    out
}

/// Read a keys file from disk into `sources`. An unreadable file is an error (ntpd logs it and
/// runs without keys).
pub fn load_path(path: &Path, dialect: Dialect, sources: &mut SourceMap) -> std::io::Result<(FileId, KeysFile)> {
    let bytes = std::fs::read(path)?;
    let id = sources.add(SourceFile::new(path.display().to_string(), &bytes));
    let mut k = parse(id, &bytes, dialect);
    for d in &mut k.diagnostics {
        if let Some(l) = &mut d.ntpd_log {
            *l = l.replace("'…'", &format!("'{}'", path.display()));
        }
    }
    Ok((id, k))
}

/// Does this text look like a keys file rather than an ntp.conf? (Every non-comment line starts
/// with a number followed by a type word.)
pub fn looks_like_keys_file(text: &str) -> bool {
    let mut seen = false;
    for line in text.lines() {
        let l = line.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let mut w = l.split_whitespace();
        let (Some(id), Some(ty)) = (w.next(), w.next()) else { return false };
        if !id.bytes().all(|c| c.is_ascii_digit()) || !ty.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
            return false;
        }
        seen = true;
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str, d: Dialect) -> KeysFile {
        parse(FileId(0), text.as_bytes(), d)
    }

    #[test]
    fn ascii_hex_and_types() {
        let f = p(
            "1 MD5 secret # comment\n2 sha1 0123456789abcdef0123456789abcdef01234567\n3 AES128CMAC 000102030405060708090a0b0c0d0e0f\n",
            Dialect::Classic,
        );
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        assert_eq!(f.keys.len(), 3);
        assert_eq!(
            (f.keys[0].id, &f.keys[0].key_type, f.keys[0].encoding, f.keys[0].secret.as_slice()),
            (1, &KeyType::Md5, Encoding::Ascii, b"secret".as_slice())
        );
        assert_eq!(f.keys[1].key_type, KeyType::Sha1);
        assert_eq!(f.keys[1].secret.len(), 20);
        assert_eq!(f.keys[2].secret, (0u8..16).collect::<Vec<_>>());
    }

    #[test]
    fn hash_ends_the_key() {
        let f = p("1 M abc#def\n", Dialect::Ntpsec);
        assert_eq!(f.keys[0].secret, b"abc");
        assert_eq!(f.keys[0].key_type, KeyType::Md5, "unknown names starting with M are MD5");
    }

    #[test]
    fn classic_rejects_whole_file_ntpsec_skips_line() {
        let text = "1 MD5 good\n0 MD5 bad\n70000 MD5 bad\n2 SHA1\n3 MD5 zz23456789012345678901\n";
        let c = p(text, Dialect::Classic);
        assert!(c.rejected && c.keys.is_empty());
        assert_eq!(c.diagnostics.iter().filter(|d| d.severity == Severity::Error).count(), 5);
        assert!(c.diagnostics.last().unwrap().ntpd_log.as_deref().unwrap().contains("rejecting file"));
        let s = p(text, Dialect::Ntpsec);
        assert!(!s.rejected);
        assert_eq!(s.keys.iter().map(|k| k.id).collect::<Vec<_>>(), vec![1]);
        assert_eq!(s.diagnostics[0].ntpd_log.as_deref(), Some("AUTH: authreadkeys: cannot change key 0"));
        assert_eq!(s.diagnostics[1].ntpd_log.as_deref(), Some("AUTH: authreadkeys: key 70000 > 65535 reserved"));
    }

    #[test]
    fn unknown_type_is_not_a_counted_error_in_classic() {
        let c = p("1 FOO secret\n2 MD5 x\n", Dialect::Classic);
        assert!(!c.rejected);
        assert_eq!(c.keys.len(), 1);
        assert_eq!(c.diagnostics[0].ntpd_log.as_deref(), Some("authreadkeys: unsupported type FOO for key 1"));
    }

    #[test]
    fn duplicates_first_wins_classic_last_wins_ntpsec() {
        let t = "5 MD5 first\n5 MD5 second\n";
        assert_eq!(p(t, Dialect::Classic).keys[0].secret, b"first");
        assert_eq!(p(t, Dialect::Ntpsec).keys[0].secret, b"second");
    }

    #[test]
    fn hex_lengths() {
        let long = "ab".repeat(40); // 80 digits = 40 bytes
        let c = p(&format!("1 SHA1 {long}\n"), Dialect::Classic);
        assert_eq!(c.keys[0].secret.len(), 40);
        let s = p(&format!("1 SHA1 {long}\n"), Dialect::Ntpsec);
        assert_eq!(s.keys[0].secret.len(), 32);
        assert!(s.diagnostics[0].ntpd_log.as_deref().unwrap().contains("truncated to 64 bytes"));
        let too_long = "ab".repeat(65);
        assert!(p(&format!("1 SHA1 {too_long}\n"), Dialect::Classic).rejected);
        // Odd digit count: classic keeps the last nibble high, NTPsec drops it.
        let odd = "0123456789abcdef01234";
        assert_eq!(p(&format!("1 MD5 {odd}\n"), Dialect::Classic).keys[0].secret.last(), Some(&0x40));
        assert_eq!(p(&format!("1 MD5 {odd}\n"), Dialect::Ntpsec).keys[0].secret.len(), 10);
    }

    #[test]
    fn classic_address_lists() {
        let c = p("1 MD5 k 192.0.2.1,10.0.0.0/8,::1\n", Dialect::Classic);
        assert_eq!(c.keys[0].acl.len(), 3);
        assert_eq!(c.keys[0].acl[1].bits, Some(8));
        let bad = p("1 MD5 k 192.0.2.1,not-an-ip\n", Dialect::Classic);
        assert!(bad.rejected);
        let s = p("1 MD5 k not-an-ip\n", Dialect::Ntpsec);
        assert!(!s.rejected && s.keys[0].acl.is_empty(), "NTPsec ignores the list");
    }

    #[test]
    fn long_digests_and_cmac_padding() {
        let s = p("1 SHA256 k\n2 AES k\n", Dialect::Ntpsec);
        assert_eq!(s.keys[1].key_type, KeyType::Aes128Cmac);
        assert_eq!(s.keys[1].secret, b"k", "kept as read: unusable");
        assert!(s.diagnostics.iter().any(|d| d.message.contains("truncates the MAC of key 1")));
        assert!(s.diagnostics.iter().any(|d| d.severity == Severity::Error && d.message.contains("leftover bytes")));
        let c = p("1 SHA256 k\n2 AES k\n", Dialect::Classic);
        assert_eq!(c.keys.len(), 1, "AES alone is not a classic type");
        assert!(c.diagnostics.iter().any(|d| d.message.contains("no packet authenticated with it verifies")));
    }

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi(b"12abc"), 12);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"-1"), u32::MAX);
        assert!(atoi(b"99999999999999999999") > MAX_KEY_ID);
    }

    #[test]
    fn spans_point_at_tokens() {
        let f = p("# c\n  0x5 MD5 k\n", Dialect::Ntpsec);
        let d = &f.diagnostics[0];
        assert_eq!((d.span.start, d.span.end), (6, 9));
    }

    #[test]
    fn detection() {
        assert!(looks_like_keys_file("# keys\n1 MD5 abc\n2 SHA1 0011\n"));
        assert!(!looks_like_keys_file("server 1.2.3.4\n"));
    }
}
