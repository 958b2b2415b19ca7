//! The keys file (`keys PATH`) as each dialect reads it (`authreadkeys`), for the `--env`
//! rules: which keys it defines, and every line ntpd complains about.

use crate::config::Dialect;

/// One key line.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyLine {
    /// 1-based line number.
    pub line: usize,
    /// Key id.
    pub id: u32,
    /// Type as written.
    pub kind: String,
    /// The secret as written.
    pub secret: String,
    /// Classic's address list (4th field).
    pub iplist: Option<String>,
}

/// What reading the file gives.
#[derive(Debug, Clone, Default)]
pub struct KeysFile {
    /// Keys defined (classic: none if any counted error).
    pub keys: Vec<KeyLine>,
    /// Problems: (line, message, counted as a file error by classic).
    pub problems: Vec<(usize, String, bool)>,
}

const DIGESTS: &[&str] =
    &["MD5", "SHA1", "SHA", "SHA224", "SHA256", "SHA384", "SHA512", "AES128CMAC", "AES", "SHA3-256", "SHA3-512", "RMD160", "MD4", "SM3"];

/// Parse a keys file.
pub fn parse(text: &str, d: Dialect) -> KeysFile {
    let mut out = KeysFile::default();
    let mut seen: Vec<u32> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = raw.split('#').next().unwrap_or("");
        let mut f = body.split_whitespace();
        let Some(tok) = f.next() else { continue };
        let id: i64 = tok.parse().unwrap_or(0);
        if id == 0 {
            out.problems.push((line, format!("cannot change key {tok}"), true));
            continue;
        }
        if !(1..=65535).contains(&id) {
            out.problems.push((
                line,
                format!("key {tok} > 65535 reserved{}", if d == Dialect::Classic { " for Autokey" } else { "" }),
                true,
            ));
            continue;
        }
        let id = id as u32;
        let Some(kind) = f.next() else {
            out.problems.push((line, format!("no key type for key {id}"), true));
            continue;
        };
        let known = DIGESTS.iter().any(|k| k.eq_ignore_ascii_case(kind)) || kind.starts_with(['M', 'm']);
        if !known {
            // Classic skips such a key without counting it as a file error.
            out.problems.push((line, format!("unsupported type {kind} for key {id}"), false));
            continue;
        }
        let Some(secret) = f.next() else {
            out.problems.push((line, format!("no key for key {id}"), true));
            continue;
        };
        if secret.len() > 20 {
            if !secret.chars().all(|c| c.is_ascii_hexdigit()) {
                out.problems.push((
                    line,
                    format!("{} for key {id}", if d == Dialect::Classic { "passwd has bad char" } else { "invalid hex digit" }),
                    true,
                ));
                continue;
            }
            if d == Dialect::Classic && secret.len() > 128 {
                out.problems.push((line, format!("passwd too long for key {id}"), true));
                continue;
            }
        }
        let iplist = f.next().map(str::to_string);
        if seen.contains(&id) {
            out.problems.push((line, format!("duplicate key {id} (the later line wins)"), false));
        }
        seen.push(id);
        out.keys.push(KeyLine { line, id, kind: kind.to_string(), secret: secret.to_string(), iplist });
    }
    if d == Dialect::Classic && out.problems.iter().any(|p| p.2) {
        out.keys.clear();
    }
    out
}

/// Secret strength in bits (ASCII ≤ 20 characters: 8 bits a character, hex: 4 a digit).
pub fn secret_bits(secret: &str) -> usize {
    if secret.len() > 20 { secret.len() * 4 } else { secret.len() * 8 }
}
