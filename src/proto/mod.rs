//! The NTP protocol without I/O (sans-IO, in the style of quinn-proto): packet codec, time
//! arithmetic, and the server's decision for each datagram.
//!
//! Contract: nothing in this module opens a socket, reads a clock or spawns a task. Time
//! arrives as parameters (`Received::rx_time`, `Received::mono`, a [`server::TransmitClock`]
//! the caller supplies), datagrams as byte slices, replies go into caller buffers. `clippy.toml`
//! and `tests/it/arch.rs` enforce it.
#![deny(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod access;
pub mod auth;
pub mod control;
pub mod packet;
pub mod ratelimit;
pub mod server;
pub mod sync;
pub mod system;
pub mod time;

/// Which daemon's protocol behaviour to reproduce (the config dialect, without depending on
/// `config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Flavor {
    /// Classic ntpd 4.2.8p18.
    #[default]
    Classic,
    /// NTPsec 1.2.2.
    Ntpsec,
}
