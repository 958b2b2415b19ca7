//! The NTP packet codec (RFC 5905 §7.3, versions 1–4): the 48-byte header, RFC 7822 extension
//! fields, and the legacy MAC trailer (key id + digest, or a bare key id: crypto-NAK).
//!
//! Decoding borrows from the datagram and never allocates. What follows the header is split
//! the way classic ntpd's `receive()` does it: while more than [`MAX_MAC_LEN`] bytes remain, the
//! next word starts an extension field (type:16, length:16, length a multiple of 4 and ≥ 16);
//! the last ≤ 24 bytes are the MAC (4 bytes: crypto-NAK). Each dialect then adds its own
//! admission rules in [`super::server`].

use super::time::{Log2Seconds, NtpShort, NtpTimestamp};

/// Header length (a packet without extensions or MAC).
pub const HEADER_LEN: usize = 48;
/// The longest legacy MAC: key id + 20-byte digest (SHA-1; longer digests are truncated to it).
pub const MAX_MAC_LEN: usize = 24;
/// Longest digest carried in a MAC.
pub const MAX_DIGEST_LEN: usize = MAX_MAC_LEN - 4;
/// Shortest RFC 7822 extension field.
pub const MIN_EXTENSION_LEN: usize = 16;

/// Leap indicator (2 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeapIndicator {
    /// 0: no warning.
    NoWarning,
    /// 1: last minute of the day has 61 s.
    AddSecond,
    /// 2: last minute of the day has 59 s.
    DelSecond,
    /// 3: clock unsynchronised.
    Unsynchronized,
}

impl LeapIndicator {
    /// From the two wire bits.
    pub fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => LeapIndicator::NoWarning,
            1 => LeapIndicator::AddSecond,
            2 => LeapIndicator::DelSecond,
            _ => LeapIndicator::Unsynchronized,
        }
    }
    /// The two wire bits.
    pub fn bits(self) -> u8 {
        self as u8
    }
}

/// Association mode (3 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// 0: reserved (NTPv1 clients send it).
    Reserved,
    /// 1: symmetric active.
    SymmetricActive,
    /// 2: symmetric passive.
    SymmetricPassive,
    /// 3: client.
    Client,
    /// 4: server.
    Server,
    /// 5: broadcast.
    Broadcast,
    /// 6: NTP control message (ntpq).
    Control,
    /// 7: private (ntpdc).
    Private,
}

impl Mode {
    /// From the three wire bits.
    pub fn from_bits(b: u8) -> Self {
        match b & 7 {
            0 => Mode::Reserved,
            1 => Mode::SymmetricActive,
            2 => Mode::SymmetricPassive,
            3 => Mode::Client,
            4 => Mode::Server,
            5 => Mode::Broadcast,
            6 => Mode::Control,
            _ => Mode::Private,
        }
    }
    /// The three wire bits.
    pub fn bits(self) -> u8 {
        self as u8
    }
}

/// Reference identifier: four ASCII characters at stratum 0/1 (kiss code, clock name), an IPv4
/// address or the first 4 bytes of an IPv6 address's MD5 above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReferenceId(pub [u8; 4]);

impl ReferenceId {
    /// `INIT`: what ntpd sends before it has synchronised.
    pub const INIT: ReferenceId = ReferenceId(*b"INIT");
    /// `LOCL`: the local clock driver.
    pub const LOCL: ReferenceId = ReferenceId(*b"LOCL");
    /// From up to four ASCII characters (NUL padded, as ntpd does).
    pub fn from_ascii(s: &str) -> Self {
        let mut b = [0u8; 4];
        for (d, s) in b.iter_mut().zip(s.bytes()) {
            *d = s;
        }
        ReferenceId(b)
    }
}

/// A kiss code (RFC 5905 §7.4) carried in a KoD packet's reference id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KissCode {
    /// `RATE`: rate exceeded.
    Rate,
    /// `DENY`: access denied.
    Deny,
    /// `RSTR`: access restricted.
    Rstr,
    /// `CRYP`: cryptographic authentication failed.
    Cryp,
}

impl KissCode {
    /// The four characters.
    pub fn reference_id(self) -> ReferenceId {
        ReferenceId(match self {
            KissCode::Rate => *b"RATE",
            KissCode::Deny => *b"DENY",
            KissCode::Rstr => *b"RSTR",
            KissCode::Cryp => *b"CRYP",
        })
    }
}

/// The 48-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Leap indicator.
    pub leap: LeapIndicator,
    /// Version number (0–7 on the wire; 1–4 are NTP).
    pub version: u8,
    /// Mode.
    pub mode: Mode,
    /// Stratum as sent (0 = unspecified / kiss).
    pub stratum: u8,
    /// Poll exponent.
    pub poll: Log2Seconds,
    /// Precision exponent.
    pub precision: Log2Seconds,
    /// Root delay.
    pub root_delay: NtpShort,
    /// Root dispersion.
    pub root_dispersion: NtpShort,
    /// Reference id.
    pub reference_id: ReferenceId,
    /// Reference timestamp.
    pub reference_time: NtpTimestamp,
    /// Origin timestamp (T1 echoed).
    pub origin_time: NtpTimestamp,
    /// Receive timestamp (T2).
    pub receive_time: NtpTimestamp,
    /// Transmit timestamp (T3).
    pub transmit_time: NtpTimestamp,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn be64(b: &[u8], at: usize) -> u64 {
    ((be32(b, at) as u64) << 32) | be32(b, at + 4) as u64
}

impl Header {
    /// Decode the first 48 bytes (any version and mode; the caller judges them).
    pub fn decode(b: &[u8]) -> Result<Header, DecodeError> {
        if b.len() < HEADER_LEN {
            return Err(DecodeError::TooShort { len: b.len() });
        }
        Ok(Header {
            leap: LeapIndicator::from_bits(b[0] >> 6),
            version: (b[0] >> 3) & 7,
            mode: Mode::from_bits(b[0]),
            stratum: b[1],
            poll: Log2Seconds(b[2] as i8),
            precision: Log2Seconds(b[3] as i8),
            root_delay: NtpShort(be32(b, 4)),
            root_dispersion: NtpShort(be32(b, 8)),
            reference_id: ReferenceId([b[12], b[13], b[14], b[15]]),
            reference_time: NtpTimestamp(be64(b, 16)),
            origin_time: NtpTimestamp(be64(b, 24)),
            receive_time: NtpTimestamp(be64(b, 32)),
            transmit_time: NtpTimestamp(be64(b, 40)),
        })
    }

    /// Write the 48 bytes.
    pub fn encode(&self, out: &mut [u8; HEADER_LEN]) {
        out[0] = (self.leap.bits() << 6) | ((self.version & 7) << 3) | self.mode.bits();
        out[1] = self.stratum;
        out[2] = self.poll.0 as u8;
        out[3] = self.precision.0 as u8;
        out[4..8].copy_from_slice(&self.root_delay.0.to_be_bytes());
        out[8..12].copy_from_slice(&self.root_dispersion.0.to_be_bytes());
        out[12..16].copy_from_slice(&self.reference_id.0);
        out[16..24].copy_from_slice(&self.reference_time.0.to_be_bytes());
        out[24..32].copy_from_slice(&self.origin_time.0.to_be_bytes());
        out[32..40].copy_from_slice(&self.receive_time.0.to_be_bytes());
        out[40..48].copy_from_slice(&self.transmit_time.0.to_be_bytes());
    }
}

/// The MAC trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mac<'a> {
    /// Key id.
    pub key_id: u32,
    /// Digest (empty for a crypto-NAK).
    pub digest: &'a [u8],
}

impl Mac<'_> {
    /// A bare key id (4 bytes): the crypto-NAK.
    pub fn is_crypto_nak(&self) -> bool {
        self.digest.is_empty()
    }
}

/// One RFC 7822 extension field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionField<'a> {
    /// Field type.
    pub field_type: u16,
    /// Value (including any padding; the length is the field's minus the 4-byte head).
    pub value: &'a [u8],
}

/// A decoded packet, borrowing the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Packet<'a> {
    /// The header.
    pub header: Header,
    /// The extension fields area (already validated; iterate with [`Packet::extensions`]).
    pub extension_bytes: &'a [u8],
    /// The MAC, if any.
    pub mac: Option<Mac<'a>>,
    /// Bytes covered by the MAC (header + extension fields).
    pub authenticated_len: usize,
}

/// Why a datagram is not an NTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than the 48-byte header.
    #[error("packet of {len} bytes is shorter than the 48-byte NTP header")]
    TooShort {
        /// Datagram length.
        len: usize,
    },
    /// Bytes after the header that are no whole number of 32-bit words, or fewer than a MAC.
    #[error("{len} bytes after offset {offset} are neither an extension field nor a MAC")]
    BadTrailerLength {
        /// Where the trailer starts.
        offset: usize,
        /// Its length.
        len: usize,
    },
    /// An extension field whose length is not a multiple of 4, under 16, or past the end.
    #[error("extension field at offset {offset} has invalid length {len}")]
    BadExtensionLength {
        /// Where the field starts.
        offset: usize,
        /// The length it claims.
        len: usize,
    },
}

/// Decode a datagram as an NTP packet with classic ntpd's trailer rules.
pub fn decode(b: &[u8]) -> Result<Packet<'_>, DecodeError> {
    let header = Header::decode(b)?;
    let mut at = HEADER_LEN;
    loop {
        let rest = b.len() - at;
        if rest == 0 {
            return Ok(Packet { header, extension_bytes: &b[HEADER_LEN..at], mac: None, authenticated_len: at });
        }
        if !rest.is_multiple_of(4) || rest < 4 {
            return Err(DecodeError::BadTrailerLength { offset: at, len: rest });
        }
        if rest <= MAX_MAC_LEN {
            let key_id = be32(b, at);
            return Ok(Packet {
                header,
                extension_bytes: &b[HEADER_LEN..at],
                mac: Some(Mac { key_id, digest: &b[at + 4..] }),
                authenticated_len: at,
            });
        }
        let len = (be32(b, at) & 0xffff) as usize;
        if !len.is_multiple_of(4) || len < MIN_EXTENSION_LEN || len > rest {
            return Err(DecodeError::BadExtensionLength { offset: at, len });
        }
        at += len;
    }
}

/// Decode with NTPsec 1.2.2's `parse_packet` rules: an NTPv4 packet longer than 72 bytes
/// carries extension fields (NTS) and is not searched for a MAC; otherwise the trailer length
/// alone decides: 0 none, 4 crypto-NAK (v3+), 6 an NTPv2 authenticator (stripped), 20 a
/// 16-byte MAC (MD5, CMAC), 24 a 20-byte MAC (SHA-1, truncated longer digests), 72 MS-SNTP
/// (v3, stripped). Anything else is an error.
pub fn decode_ntpsec(b: &[u8]) -> Result<Packet<'_>, DecodeError> {
    let header = Header::decode(b)?;
    let rest = b.len() - HEADER_LEN;
    let v = header.version;
    let none = |header| Ok(Packet { header, extension_bytes: &b[HEADER_LEN..HEADER_LEN], mac: None, authenticated_len: HEADER_LEN });
    if v == 4 && rest > MAX_MAC_LEN {
        return Ok(Packet { header, extension_bytes: &b[HEADER_LEN..], mac: None, authenticated_len: b.len() });
    }
    let bad = Err(DecodeError::BadTrailerLength { offset: HEADER_LEN, len: rest });
    match rest {
        0 => none(header),
        6 if v == 2 => none(header),
        72 if v == 3 => none(header),
        4 | 20 | 24 if v >= 3 => Ok(Packet {
            header,
            extension_bytes: &b[HEADER_LEN..HEADER_LEN],
            mac: Some(Mac { key_id: be32(b, HEADER_LEN), digest: &b[HEADER_LEN + 4..] }),
            authenticated_len: HEADER_LEN,
        }),
        _ => bad,
    }
}

impl<'a> Packet<'a> {
    /// The extension fields, in order.
    pub fn extensions(&self) -> impl Iterator<Item = ExtensionField<'a>> + 'a {
        let mut rest = self.extension_bytes;
        std::iter::from_fn(move || {
            if rest.len() < 4 {
                return None;
            }
            let field_type = u16::from_be_bytes([rest[0], rest[1]]);
            let len = (u16::from_be_bytes([rest[2], rest[3]]) as usize).clamp(4, rest.len());
            let f = ExtensionField { field_type, value: &rest[4..len] };
            rest = &rest[len..];
            Some(f)
        })
    }
}

/// Encoding failed: the output buffer is too small, or a field cannot be represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// Buffer too small.
    #[error("output buffer of {have} bytes, {need} needed")]
    BufferTooSmall {
        /// Needed.
        need: usize,
        /// Available.
        have: usize,
    },
    /// Extension value that does not fit a 16-bit length or is not word aligned.
    #[error("extension field value of {len} bytes cannot be encoded")]
    BadExtension {
        /// Value length.
        len: usize,
    },
    /// Digest longer than a MAC can carry.
    #[error("digest of {len} bytes exceeds the 20-byte MAC limit")]
    DigestTooLong {
        /// Length.
        len: usize,
    },
}

/// Encode a header, extension fields and MAC into `out`; returns the length written.
pub fn encode(header: &Header, extensions: &[ExtensionField<'_>], mac: Option<Mac<'_>>, out: &mut [u8]) -> Result<usize, EncodeError> {
    let mut need = HEADER_LEN;
    for e in extensions {
        let l = e.value.len() + 4;
        if !l.is_multiple_of(4) || !(MIN_EXTENSION_LEN..=0xffff).contains(&l) {
            return Err(EncodeError::BadExtension { len: e.value.len() });
        }
        need += l;
    }
    if let Some(m) = mac {
        if m.digest.len() > MAX_DIGEST_LEN {
            return Err(EncodeError::DigestTooLong { len: m.digest.len() });
        }
        need += 4 + m.digest.len();
    }
    if out.len() < need {
        return Err(EncodeError::BufferTooSmall { need, have: out.len() });
    }
    let (h, mut rest) = out.split_at_mut(HEADER_LEN);
    header.encode(h.try_into().expect("48 bytes"));
    for e in extensions {
        let l = e.value.len() + 4;
        rest[0..2].copy_from_slice(&e.field_type.to_be_bytes());
        rest[2..4].copy_from_slice(&(l as u16).to_be_bytes());
        rest[4..l].copy_from_slice(e.value);
        rest = &mut rest[l..];
    }
    if let Some(m) = mac {
        rest[0..4].copy_from_slice(&m.key_id.to_be_bytes());
        rest[4..4 + m.digest.len()].copy_from_slice(m.digest);
    }
    Ok(need)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(version: u8) -> [u8; 48] {
        let mut b = [0u8; 48];
        b[0] = (version << 3) | 3;
        b[40..48].copy_from_slice(&0x1122_3344_5566_7788u64.to_be_bytes());
        b
    }

    #[test]
    fn header_only() {
        let b = client(4);
        let p = decode(&b).unwrap();
        assert_eq!(p.header.version, 4);
        assert_eq!(p.header.mode, Mode::Client);
        assert_eq!(p.header.transmit_time.0, 0x1122_3344_5566_7788);
        assert_eq!(p.mac, None);
    }

    #[test]
    fn short_packet() {
        assert_eq!(decode(&[0u8; 47]), Err(DecodeError::TooShort { len: 47 }));
    }

    #[test]
    fn mac_lengths() {
        let mut v = client(4).to_vec();
        v.extend_from_slice(&7u32.to_be_bytes());
        let p = decode(&v).unwrap();
        assert!(p.mac.unwrap().is_crypto_nak());
        assert_eq!(p.mac.unwrap().key_id, 7);
        v.extend_from_slice(&[0xaa; 16]);
        let p = decode(&v).unwrap();
        assert_eq!(p.mac.unwrap().digest.len(), 16);
        assert_eq!(p.authenticated_len, 48);
        v.extend_from_slice(&[0xbb; 2]);
        assert_eq!(decode(&v), Err(DecodeError::BadTrailerLength { offset: 48, len: 22 }));
    }

    #[test]
    fn extension_then_mac() {
        let ef = ExtensionField { field_type: 0x0104, value: &[1; 28] };
        let mac = Mac { key_id: 1, digest: &[2; 20] };
        let mut out = [0u8; 200];
        let n = encode(&decode(&client(4)).unwrap().header, &[ef], Some(mac), &mut out).unwrap();
        assert_eq!(n, 48 + 32 + 24);
        let p = decode(&out[..n]).unwrap();
        assert_eq!(p.extensions().collect::<Vec<_>>(), vec![ef]);
        assert_eq!(p.mac, Some(mac));
        assert_eq!(p.authenticated_len, 80);
    }

    #[test]
    fn bad_extension_length() {
        let mut v = client(4).to_vec();
        v.extend_from_slice(&[0, 1, 0, 6]);
        v.extend_from_slice(&[0; 24]);
        assert_eq!(decode(&v), Err(DecodeError::BadExtensionLength { offset: 48, len: 6 }));
    }
}
