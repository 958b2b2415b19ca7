//! The ntp.conf language: scanner, grammar, typed model, loader and printers.

pub mod diagnose;
pub mod keys;
pub mod keywords;
pub mod lexer;
pub mod load;
pub mod lower;
pub mod model;
pub mod parser;
pub mod print;
pub mod saveconfig;

use serde::Serialize;

/// Which daemon's reading of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Classic ntpd 4.2.8p18 (ntp.org).
    #[default]
    Classic,
    /// NTPsec 1.2.
    Ntpsec,
}
