//! The one integration-test binary (one link of the crate for all integration tests).

/// src/proto stays sans-IO (no sockets, clocks, tokio).
mod arch;
/// CLI transcripts: exit codes, formats.
mod cli;
/// CLI transcripts of the lint options: formats, select/ignore, profiles, fixes, env/dns.
mod cli_lint;
/// Operators' tooling: `check -`/`--stdin-filename`/`--root`, completions, man pages, the unit.
mod cli_ops;
/// Corpus: classic saveconfig dumps and error lines vs the stored classic oracle verdicts.
mod corpus_classic;
/// grammar/ntp.conf.ebnf terminals == the keyword table.
mod grammar;
/// Real NTP clients (ntpdig, classic sntp/ntpdate, chronyd -Q) against `ntpcheck serve` in a namespace.
mod interop;
/// The keys-file parser: golden files per dialect; never panics.
mod keys;
/// Lint: registry invariants, fixtures, docs examples, catalog §6.2, formats, SARIF, --fix.
mod lint;
/// Lint over the whole corpus in every profile (no panic; per-rule firing summary).
mod lint_corpus;
/// Runs one lint case with the options its rule and `# ntpcheck-test:` directives ask for.
mod lint_harness;
/// `serve --metrics`: exact counter moves over a rate-limited burst; Prometheus text parsed by prometheus_client.
mod metrics;
/// Mode 6: real ntpq -p / rv / mrulist, ntpstat and `ntpcheck status` against `ntpcheck serve` in a namespace.
mod mode6;
/// systemd notifications (READY/RELOADING/STOPPING/STATUS) from `ntpcheck serve -n`, in a namespace.
mod notify;
/// Differential test against a live NTPsec ntpd, sandboxed (corpus + testdata).
mod ntpsec_oracle;
/// Protocol core: golden packets from real clients/daemons, codec/server property tests, MRU bound.
mod proto;
/// The lexical quirks of the reference (§2), one test each, and the bundled example.
mod quirks;
/// Restrict differential: ntpcheck serve vs classic ntpd and NTPsec on a test network, per client address.
mod restrict_diff;
/// Property tests: the parser never panics; spans in bounds; print∘parse∘print stable.
mod roundtrip;
/// The configuration-time checks (NTP1xx) against the daemons' run-mode messages, unit cases,
/// and (submodule) snapshots of the diagnostics of every testdata file.
mod semantic;
/// `ntpcheck serve` on loopback: replies, SIGHUP reload, SIGTERM, pid/log files, detaching.
mod server;
/// Synchronisation from a real chronyd on a test network; ntpdig/sntp/ntpq against the result.
mod sync_net;
/// The synchronisation core in simulated time: falseticker, offset estimate, discipline, fallbacks, KoD.
mod sync_sim;
/// Shared helpers.
mod util;
