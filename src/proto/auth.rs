//! Symmetric-key authentication (RFC 5905 §7.3 MAC; RFC 8573 AES-CMAC): the key store built
//! from the keys file and `trustedkey`, MAC verification of requests and signing of replies.
//!
//! A digest MAC is `H(key ‖ message)` (not HMAC), as ntpd computes it; CMAC is AES-128-CMAC
//! over the message with the key zero-padded (classic) or padded/truncated (NTPsec) to 16
//! bytes. A MAC carries at most 20 digest bytes: NTPsec truncates longer digests (SHA-256, …)
//! to 20 and so interoperates; classic 4.2.8p18 sends and expects the full digest, which does
//! not fit a MAC, so such keys never verify there (the runtime warns about them by name).

use std::collections::HashMap;
use std::net::IpAddr;

use cmac::{Cmac, KeyInit, Mac};
use digest::Digest;

use super::Flavor;
use super::packet::MAX_DIGEST_LEN;

/// Key ids above this are Autokey session keys, never symmetric keys.
pub const MAX_KEY_ID: u32 = 65535;

/// A MAC algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacAlgorithm {
    /// MD5 (16 bytes).
    Md5,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-224 (28 bytes).
    Sha224,
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
    /// AES-128-CMAC (16 bytes).
    Aes128Cmac,
}

impl MacAlgorithm {
    /// Full output length.
    pub fn output_len(self) -> usize {
        match self {
            MacAlgorithm::Md5 | MacAlgorithm::Aes128Cmac => 16,
            MacAlgorithm::Sha1 => 20,
            MacAlgorithm::Sha224 => 28,
            MacAlgorithm::Sha256 => 32,
            MacAlgorithm::Sha384 => 48,
            MacAlgorithm::Sha512 => 64,
        }
    }
    /// Digest bytes in a MAC for this dialect: NTPsec truncates to 20; classic sends all.
    pub fn mac_len(self, flavor: Flavor) -> usize {
        match flavor {
            Flavor::Ntpsec => self.output_len().min(MAX_DIGEST_LEN),
            Flavor::Classic => self.output_len(),
        }
    }
    /// Usable in packets for this dialect (its MAC fits the 20-byte limit).
    pub fn fits(self, flavor: Flavor) -> bool {
        self.mac_len(flavor) <= MAX_DIGEST_LEN
    }
    /// Name as in the keys file.
    pub fn name(self) -> &'static str {
        match self {
            MacAlgorithm::Md5 => "MD5",
            MacAlgorithm::Sha1 => "SHA1",
            MacAlgorithm::Sha224 => "SHA224",
            MacAlgorithm::Sha256 => "SHA256",
            MacAlgorithm::Sha384 => "SHA384",
            MacAlgorithm::Sha512 => "SHA512",
            MacAlgorithm::Aes128Cmac => "AES128CMAC",
        }
    }

    /// Compute the full MAC of `msg` under `secret` into `out` (≥ 64 bytes); returns its length.
    pub fn compute(self, flavor: Flavor, secret: &[u8], msg: &[u8], out: &mut [u8; 64]) -> usize {
        fn keyed<D: Digest>(secret: &[u8], msg: &[u8], out: &mut [u8; 64]) -> usize {
            let mut h = D::new();
            h.update(secret);
            h.update(msg);
            let r = h.finalize();
            out[..r.len()].copy_from_slice(&r);
            r.len()
        }
        match self {
            MacAlgorithm::Md5 => keyed::<md5::Md5>(secret, msg, out),
            MacAlgorithm::Sha1 => keyed::<sha1::Sha1>(secret, msg, out),
            MacAlgorithm::Sha224 => keyed::<sha2::Sha224>(secret, msg, out),
            MacAlgorithm::Sha256 => keyed::<sha2::Sha256>(secret, msg, out),
            MacAlgorithm::Sha384 => keyed::<sha2::Sha384>(secret, msg, out),
            MacAlgorithm::Sha512 => keyed::<sha2::Sha512>(secret, msg, out),
            MacAlgorithm::Aes128Cmac => {
                // Classic zero-pads a short key and uses the first 16 bytes of a long one;
                // NTPsec's key loader pads/truncates to 16 the same way.
                let _ = flavor;
                let mut k = [0u8; 16];
                let n = secret.len().min(16);
                k[..n].copy_from_slice(&secret[..n]);
                let mut m = <Cmac<aes::Aes128> as KeyInit>::new_from_slice(&k).expect("16-byte key");
                m.update(msg);
                let r = m.finalize().into_bytes();
                out[..16].copy_from_slice(&r);
                16
            }
        }
    }
}

/// One symmetric key.
#[derive(Clone, PartialEq, Eq)]
pub struct SymmetricKey {
    /// Key id (1–65535).
    pub id: u32,
    /// Algorithm.
    pub algorithm: MacAlgorithm,
    /// Secret bytes.
    pub secret: Vec<u8>,
    /// Listed by `trustedkey`.
    pub trusted: bool,
    /// Classic per-key address list (`ADDR[/BITS]`): checked by classic only for packets of
    /// peer modes, never for client requests, so the server path does not consult it.
    pub acl: Vec<(IpAddr, u8)>,
}

impl std::fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets.
        f.debug_struct("SymmetricKey").field("id", &self.id).field("algorithm", &self.algorithm).field("trusted", &self.trusted).finish()
    }
}

/// Result of checking a request's MAC (ntpd's `is_authentic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOutcome {
    /// No MAC.
    None,
    /// MAC verified with this trusted key.
    Ok(u32),
    /// A MAC that does not verify: unknown or untrusted key, wrong length, wrong digest.
    Error(u32),
    /// A crypto-NAK (key id only).
    CryptoNak(u32),
}

/// The keys known to the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyStore {
    keys: HashMap<u32, SymmetricKey>,
}

impl KeyStore {
    /// Empty.
    pub fn new() -> Self {
        Self::default()
    }
    /// Add or replace a key.
    pub fn insert(&mut self, key: SymmetricKey) {
        self.keys.insert(key.id, key);
    }
    /// Mark a key trusted (or not). Unknown ids are remembered as nothing: ntpd treats a
    /// trusted id without a key as missing.
    pub fn set_trusted(&mut self, id: u32, trusted: bool) {
        if let Some(k) = self.keys.get_mut(&id) {
            k.trusted = trusted;
        }
    }
    /// A key by id.
    pub fn get(&self, id: u32) -> Option<&SymmetricKey> {
        self.keys.get(&id)
    }
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    /// No keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    /// Every key.
    pub fn iter(&self) -> impl Iterator<Item = &SymmetricKey> {
        self.keys.values()
    }

    /// The key for `id` if it exists and is trusted (ntpd's `authhavekey`).
    pub fn usable(&self, id: u32) -> Option<&SymmetricKey> {
        if id == 0 || id > MAX_KEY_ID {
            return None;
        }
        self.keys.get(&id).filter(|k| k.trusted)
    }

    /// Verify `digest` over `msg` with key `id` (ntpd's `authdecrypt`).
    pub fn verify(&self, flavor: Flavor, id: u32, msg: &[u8], digest: &[u8]) -> bool {
        let Some(k) = self.usable(id) else { return false };
        let want = k.algorithm.mac_len(flavor);
        if digest.len() != want {
            return false;
        }
        let mut buf = [0u8; 64];
        k.algorithm.compute(flavor, &k.secret, msg, &mut buf);
        constant_time_eq(&buf[..want], digest)
    }

    /// Append the MAC of `buf[..len]` with key `id` at `buf[len..]` (key id + digest) and
    /// return the bytes added, or `None` if the key is not usable or `buf` too short.
    pub fn sign(&self, flavor: Flavor, id: u32, buf: &mut [u8], len: usize) -> Option<usize> {
        let k = self.usable(id)?;
        let n = k.algorithm.mac_len(flavor).min(MAX_DIGEST_LEN);
        if buf.len() < len + 4 + n {
            return None;
        }
        let mut d = [0u8; 64];
        k.algorithm.compute(flavor, &k.secret, &buf[..len], &mut d);
        buf[len..len + 4].copy_from_slice(&id.to_be_bytes());
        buf[len + 4..len + 4 + n].copy_from_slice(&d[..n]);
        Some(4 + n)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(alg: MacAlgorithm, secret: &[u8]) -> KeyStore {
        let mut s = KeyStore::new();
        s.insert(SymmetricKey { id: 7, algorithm: alg, secret: secret.to_vec(), trusted: true, acl: vec![] });
        s
    }

    #[test]
    fn md5_is_digest_of_key_then_message() {
        // MD5("abc" ‖ "") = MD5("abc") = 900150983cd24fb0d6963f7d28e17f72
        let mut out = [0u8; 64];
        let n = MacAlgorithm::Md5.compute(Flavor::Classic, b"abc", b"", &mut out);
        assert_eq!(hex::encode(&out[..n]), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn cmac_rfc4493_vector() {
        // RFC 4493 example 2: K = 2b7e1516…, M = 6bc1bee2 2e409f96 e93d7e11 7393172a
        let k = hex::decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap();
        let m = hex::decode("6bc1bee22e409f96e93d7e117393172a").unwrap();
        let mut out = [0u8; 64];
        let n = MacAlgorithm::Aes128Cmac.compute(Flavor::Classic, &k, &m, &mut out);
        assert_eq!(hex::encode(&out[..n]), "070a16b46b4d4144f79bdd9dd04a287c");
    }

    #[test]
    fn sign_then_verify_all_algorithms() {
        for alg in [MacAlgorithm::Md5, MacAlgorithm::Sha1, MacAlgorithm::Sha256, MacAlgorithm::Sha512, MacAlgorithm::Aes128Cmac] {
            let s = store(alg, b"secret-key");
            let mut buf = [0x5au8; 48 + 24];
            let n = s.sign(Flavor::Ntpsec, 7, &mut buf, 48).unwrap();
            assert_eq!(n, 4 + alg.output_len().min(20));
            assert!(s.verify(Flavor::Ntpsec, 7, &buf[..48], &buf[52..48 + n]), "{alg:?}");
            buf[10] ^= 1;
            assert!(!s.verify(Flavor::Ntpsec, 7, &buf[..48], &buf[52..48 + n]), "{alg:?}");
        }
    }

    #[test]
    fn classic_cannot_carry_long_digests() {
        let s = store(MacAlgorithm::Sha256, b"k");
        assert!(!MacAlgorithm::Sha256.fits(Flavor::Classic));
        let mut buf = [0u8; 72];
        let mut d = [0u8; 64];
        MacAlgorithm::Sha256.compute(Flavor::Classic, b"k", &buf[..48], &mut d);
        buf[52..72].copy_from_slice(&d[..20]);
        assert!(!s.verify(Flavor::Classic, 7, &buf[..48], &buf[52..72]));
        assert!(s.verify(Flavor::Ntpsec, 7, &buf[..48], &buf[52..72]));
    }

    #[test]
    fn untrusted_unknown_and_zero_keys_do_not_verify() {
        let mut s = store(MacAlgorithm::Md5, b"k");
        let mut buf = [0u8; 68];
        let n = s.sign(Flavor::Classic, 7, &mut buf, 48).unwrap();
        s.set_trusted(7, false);
        assert!(!s.verify(Flavor::Classic, 7, &buf[..48], &buf[52..48 + n]));
        assert!(s.sign(Flavor::Classic, 7, &mut buf, 48).is_none());
        assert!(!s.verify(Flavor::Classic, 0, &buf[..48], &buf[52..48 + n]));
        assert!(!s.verify(Flavor::Classic, 8, &buf[..48], &buf[52..48 + n]));
    }
}
