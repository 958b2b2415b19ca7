//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use ntpcheck::config::load::{LoadOptions, Loaded, load_bytes};
use ntpcheck::config::Dialect;

/// `../shared` beside the checkout.
pub fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("shared")
}

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parse text in a dialect.
pub fn parse(text: &str, d: Dialect) -> Loaded {
    load_bytes("test.conf", text.as_bytes(), &LoadOptions { dialect: d, ..Default::default() })
}

/// `true` in CI: tests that need a real program must not skip there.
pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}
