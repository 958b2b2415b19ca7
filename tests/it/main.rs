//! The one integration-test binary (one link of the crate for all integration tests).

/// CLI transcripts: exit codes, formats.
mod cli;
/// Corpus: classic saveconfig dumps and error lines vs the stored classic oracle verdicts.
mod corpus_classic;
/// grammar/ntp.conf.ebnf terminals == the keyword table.
mod grammar;
/// Differential test against a live NTPsec ntpd, sandboxed (corpus + testdata).
mod ntpsec_oracle;
/// The lexical quirks of the reference (§2), one test each, and the bundled example.
mod quirks;
/// Property tests: the parser never panics; spans in bounds; print∘parse∘print stable.
mod roundtrip;
/// The configuration-time checks (NTP1xx) against the daemons' run-mode messages, unit cases,
/// and (submodule) snapshots of the diagnostics of every testdata file.
mod semantic;
/// Shared helpers.
mod util;
