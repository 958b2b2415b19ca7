//! ntpcheck: read `ntp.conf` exactly as classic ntpd 4.2.8 and NTPsec do, report problems, and
//! (later) serve time from the same typed model.
//!
//! Data flows one way: text → [`source`] spans → [`config::lexer`] tokens →
//! [`config::parser`] commands → [`config::model`] (via the loader) → diagnostics and printers.
// `deny`, not `forbid`: src/server/sysclock.rs alone allows it (for adjtime); tests/it/arch.rs
// checks that no other file uses `unsafe`.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod lint;
pub mod proto;
pub mod runtime;
pub mod server;
pub mod source;
