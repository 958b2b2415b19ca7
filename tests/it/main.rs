//! The one integration-test binary (one link of the crate for all integration tests).

/// CLI transcripts: exit codes, formats.
mod cli;
/// CLI transcripts of the lint options: formats, select/ignore, profiles, fixes, env/dns.
mod cli_lint;
/// Corpus: classic saveconfig dumps and error lines vs the stored classic oracle verdicts.
mod corpus_classic;
/// grammar/ntp.conf.ebnf terminals == the keyword table.
mod grammar;
/// Lint: registry invariants, fixtures, docs examples, catalog §6.2, formats, SARIF, --fix.
mod lint;
/// Lint over the whole corpus in every profile (no panic; per-rule firing summary).
mod lint_corpus;
/// Runs one lint case with the options its rule and `# ntpcheck-test:` directives ask for.
mod lint_harness;
/// Differential test against a live NTPsec ntpd, sandboxed (corpus + testdata).
mod ntpsec_oracle;
/// The lexical quirks of the reference (§2), one test each, and the bundled example.
mod quirks;
/// Property tests: the parser never panics; spans in bounds; print∘parse∘print stable.
mod roundtrip;
/// Shared helpers.
mod util;
