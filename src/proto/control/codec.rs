//! The mode 6 wire format (RFC 9327 §2): a 12-byte header — LI/VN/mode, R/E/M bits and a
//! 5-bit opcode, sequence, status, association id, offset, count — then `count` data octets,
//! padding to a 32-bit boundary and an optional key id + MAC. Used by both the server
//! ([`super::handle`]) and the `ntpcheck status` client.

use std::fmt;

/// Header length.
pub const HEADER_LEN: usize = 12;
/// Largest data field of one fragment (ntpd's `CTL_MAX_DATA_LEN`).
pub const MAX_DATA_LEN: usize = 468;
/// Largest request ntpd reads (header + data + key id + 20-byte digest).
pub const MAX_REQUEST_LEN: usize = HEADER_LEN + MAX_DATA_LEN + 24;

/// R bit: response.
pub const RESPONSE: u8 = 0x80;
/// E bit: error.
pub const ERROR: u8 = 0x40;
/// M bit: more fragments follow.
pub const MORE: u8 = 0x20;
/// Opcode mask.
pub const OP_MASK: u8 = 0x1f;

/// Opcodes (`CTL_OP_*`).
pub mod op {
    /// Unspecified.
    pub const UNSPEC: u8 = 0;
    /// Read status (association list / peer status).
    pub const READSTAT: u8 = 1;
    /// Read variables.
    pub const READVAR: u8 = 2;
    /// Write variables.
    pub const WRITEVAR: u8 = 3;
    /// Read clock variables.
    pub const READCLOCK: u8 = 4;
    /// Write clock variables.
    pub const WRITECLOCK: u8 = 5;
    /// Set trap.
    pub const SETTRAP: u8 = 6;
    /// Asynchronous message.
    pub const ASYNCMSG: u8 = 7;
    /// Runtime configuration (`ntpq :config`).
    pub const CONFIGURE: u8 = 8;
    /// Save the configuration.
    pub const SAVECONFIG: u8 = 9;
    /// Read the MRU list (`ntpq mrulist`).
    pub const READ_MRU: u8 = 10;
    /// Read an ordered list (`ifstats`, `reslist`).
    pub const READ_ORDLIST_A: u8 = 11;
    /// Request a nonce (before READ_MRU).
    pub const REQ_NONCE: u8 = 12;
    /// Unset trap.
    pub const UNSETTRAP: u8 = 31;
}

/// Error codes carried in the high byte of the status of an error response (`CERR_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ErrorCode {
    /// Unspecified.
    Unspec = 0,
    /// Not authorised (unauthenticated write).
    Permission = 1,
    /// Bad request format.
    BadFormat = 2,
    /// Unknown or unimplemented opcode.
    BadOp = 3,
    /// Unknown association id.
    BadAssoc = 4,
    /// Unknown variable.
    UnknownVar = 5,
    /// Bad value.
    BadValue = 6,
    /// Restricted / no resource.
    Restrict = 7,
}

impl ErrorCode {
    /// From the status high byte.
    pub fn from_u8(v: u8) -> Option<Self> {
        use ErrorCode::*;
        Some(match v {
            0 => Unspec,
            1 => Permission,
            2 => BadFormat,
            3 => BadOp,
            4 => BadAssoc,
            5 => UnknownVar,
            6 => BadValue,
            7 => Restrict,
            _ => return None,
        })
    }
    /// The text ntpq prints for it.
    pub fn text(self) -> &'static str {
        match self {
            ErrorCode::Unspec => "unspecified error",
            ErrorCode::Permission => "permission denied",
            ErrorCode::BadFormat => "bad request format",
            ErrorCode::BadOp => "unknown request code",
            ErrorCode::BadAssoc => "bad association",
            ErrorCode::UnknownVar => "unknown variable",
            ErrorCode::BadValue => "bad value",
            ErrorCode::Restrict => "restricted",
        }
    }
}

/// A mode 6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ControlHeader {
    /// Leap indicator (responses: the system's).
    pub leap: u8,
    /// Version (ntpq sends 2).
    pub version: u8,
    /// R bit.
    pub response: bool,
    /// E bit.
    pub error: bool,
    /// M bit.
    pub more: bool,
    /// Opcode (5 bits).
    pub opcode: u8,
    /// Sequence number, echoed in responses.
    pub sequence: u16,
    /// Status word (system or peer status; error code << 8 in errors).
    pub status: u16,
    /// Association id (0 = the system).
    pub assoc_id: u16,
    /// Offset of this fragment's data.
    pub offset: u16,
    /// Data octets in this fragment.
    pub count: u16,
}

impl ControlHeader {
    /// Serialises into 12 octets.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0] = (self.leap & 3) << 6 | (self.version & 7) << 3 | 6;
        b[1] = (self.opcode & OP_MASK)
            | if self.response { RESPONSE } else { 0 }
            | if self.error { ERROR } else { 0 }
            | if self.more { MORE } else { 0 };
        b[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        b[4..6].copy_from_slice(&self.status.to_be_bytes());
        b[6..8].copy_from_slice(&self.assoc_id.to_be_bytes());
        b[8..10].copy_from_slice(&self.offset.to_be_bytes());
        b[10..12].copy_from_slice(&self.count.to_be_bytes());
        b
    }

    fn parse(b: &[u8; HEADER_LEN]) -> Self {
        let be = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        ControlHeader {
            leap: b[0] >> 6,
            version: (b[0] >> 3) & 7,
            response: b[1] & RESPONSE != 0,
            error: b[1] & ERROR != 0,
            more: b[1] & MORE != 0,
            opcode: b[1] & OP_MASK,
            sequence: be(2),
            status: be(4),
            assoc_id: be(6),
            offset: be(8),
            count: be(10),
        }
    }
}

/// A decoded mode 6 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlMessage<'a> {
    /// The header.
    pub header: ControlHeader,
    /// `count` data octets.
    pub data: &'a [u8],
    /// Key id and MAC after the data padded to 8 octets (requests), if one is there.
    pub mac: Option<(u32, &'a [u8])>,
}

/// Why a datagram is not a mode 6 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than the header.
    TooShort,
    /// Mode is not 6.
    NotControl,
    /// `count` runs past the end of the datagram.
    Truncated,
    /// `count` over [`MAX_DATA_LEN`].
    TooLong,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::TooShort => "shorter than the 12-octet mode 6 header",
            DecodeError::NotControl => "not a mode 6 packet",
            DecodeError::Truncated => "data count runs past the end of the datagram",
            DecodeError::TooLong => "data count over 468 octets",
        })
    }
}

impl std::error::Error for DecodeError {}

/// The header of a mode 6 datagram, whatever follows it.
pub fn decode_header(b: &[u8]) -> Option<ControlHeader> {
    let h = b.first_chunk::<HEADER_LEN>()?;
    (h[0] & 7 == 6).then(|| ControlHeader::parse(h))
}

/// Decodes a mode 6 datagram (request or response). Never panics.
pub fn decode(b: &[u8]) -> Result<ControlMessage<'_>, DecodeError> {
    let Some(h) = b.first_chunk::<HEADER_LEN>() else { return Err(DecodeError::TooShort) };
    if h[0] & 7 != 6 {
        return Err(DecodeError::NotControl);
    }
    let header = ControlHeader::parse(h);
    let count = header.count as usize;
    if count > MAX_DATA_LEN {
        return Err(DecodeError::TooLong);
    }
    let Some(data) = b.get(HEADER_LEN..HEADER_LEN + count) else { return Err(DecodeError::Truncated) };
    // Requests pad to 8 octets before a MAC (classic ntpq; NTPsec's 4-octet rounding lands on
    // the same place for the MAC lengths in use).
    let mut mac = None;
    for pad in [8usize, 4] {
        let proper = (HEADER_LEN + count).div_ceil(pad) * pad;
        let rest = b.len().saturating_sub(proper);
        if b.len().is_multiple_of(4) && (20..=68).contains(&rest) {
            let key = u32::from_be_bytes([b[proper], b[proper + 1], b[proper + 2], b[proper + 3]]);
            mac = Some((key, &b[proper + 4..]));
            break;
        }
    }
    Ok(ControlMessage { header, data, mac })
}

/// Builds one datagram: header + data padded to 4 octets.
pub fn encode(header: &ControlHeader, data: &[u8], out: &mut Vec<u8>) {
    let h = ControlHeader { count: data.len() as u16, ..*header };
    out.extend_from_slice(&h.encode());
    out.extend_from_slice(data);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// Splits mode 6 variable text (`name=value, name="value, with comma"`) into pairs, as ntpq
/// does: commas inside quotes belong to the value, whitespace around items is dropped.
pub fn parse_vars(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut item = String::new();
    let mut quoted = false;
    let mut push = |item: &mut String| {
        let t = item.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        if !t.is_empty() {
            match t.split_once('=') {
                Some((n, v)) => out.push((n.trim().to_string(), v.trim().trim_matches('"').to_string())),
                None => out.push((t.to_string(), String::new())),
            }
        }
        item.clear();
    };
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                item.push(c);
            }
            ',' if !quoted => push(&mut item),
            _ => item.push(c),
        }
    }
    push(&mut item);
    out
}
