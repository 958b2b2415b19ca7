//! Every diagnostic code, with its permanent name and default severity. Codes are never
//! reused (see `../shared/spec/lint-catalog.md`).

use serde::{Serialize, Serializer};

use super::Severity;

macro_rules! codes {
    ($( $v:ident = $num:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        /// A diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(missing_docs)]
        pub enum Code { $( $v, )* }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[ $( Code::$v, )* ];
            /// `NTPnnn`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$v => concat!("NTP", $num), )* }
            }
            /// Kebab-case name.
            pub fn name(self) -> &'static str {
                match self { $( Code::$v => $name, )* }
            }
            /// Default severity.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$v => Severity::$sev, )* }
            }
            /// One-line summary.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$v => $summary, )* }
            }
        }
    };
}

codes! {
    Ntp001 = "001", "unknown-keyword", Error, "a word that is not a keyword where ntpd expects one";
    Ntp002 = "002", "foreign-comment-syntax", Error, "`//`, `/*` or `;` used as a comment: only `#` starts a comment";
    Ntp003 = "003", "qualifier-after-default", Error, "`restrict default -4`: the qualifier must come before `default`";
    Ntp004 = "004", "family-qualifier-with-mask", Error, "`restrict -4 ADDR mask M` is a syntax error in NTPsec";
    Ntp005 = "005", "non-ascii-bytes", Warning, "bytes above 0x7F are silently dropped by ntpd";
    Ntp006 = "006", "incomplete-directive", Error, "a directive or option is missing its argument";
    Ntp007 = "007", "reserved-word-as-address", Error, "a keyword or number where an address is expected";
    Ntp008 = "008", "fatal-lexical-value", Error, "a token that makes ntpd exit while reading the configuration";
    Ntp009 = "009", "parsing-stops-early", Warning, "`end` or a NUL byte stops ntpd reading all further input";
    Ntp010 = "010", "malformed-argument", Error, "an argument of the wrong kind or form";
    Ntp101 = "101", "kod-without-limited", Warning, "`kod` without `limited` on a restrict line: no KoD packet is ever sent";
    Ntp102 = "102", "key-not-trusted", Error, "a key used by an association or for control that is not a trusted key";
    Ntp103 = "103", "auth-without-keys-file", Error, "keys are used but no `keys` file is named";
    Ntp104 = "104", "invalid-key-id", Error, "a key id ntpd refuses";
    Ntp105 = "105", "invalid-trustedkey", Error, "a trustedkey item outside 1..65535";
    Ntp106 = "106", "restrict-address-unusable", Error, "a restrict address or mask ntpd cannot use: no entry is installed";
    Ntp107 = "107", "mask-host-bits", Warning, "an address with bits outside its mask: ntpd keeps only the network part";
    Ntp108 = "108", "non-contiguous-mask", Warning, "a mask whose one-bits are not a prefix";
    Ntp109 = "109", "network-address-without-mask", Warning, "a network address without a mask is a single-host entry";
    Ntp110 = "110", "legacy-ipv4-notation", Warning, "an IPv4 address in a legacy form (leading zeros, fewer parts) that means another address";
    Ntp111 = "111", "invalid-association-address", Error, "an address ntpd refuses to make an association with";
    Ntp112 = "112", "option-invalid-for-association", Error, "an option that makes ntpd drop the association";
    Ntp113 = "113", "poll-interval-range", Warning, "minpoll/maxpoll outside what ntpd accepts; it clamps them";
    Ntp114 = "114", "fudge-target-invalid", Error, "fudge on an address that is not a reference clock";
    Ntp115 = "115", "fudge-value-range", Warning, "a fudge value ntpd drops or changes";
    Ntp116 = "116", "version-option", Warning, "a `version` ntpd refuses or that is not a real NTP version";
    Ntp117 = "117", "tos-inconsistent", Warning, "tos values ntpd clamps, or that contradict each other";
    Ntp118 = "118", "tinker-ineffective", Warning, "a tinker value ntpd changes, or one that switches a safety off";
    Ntp119 = "119", "monitor-disable-ignored", Warning, "`disable monitor` while `limited` is in use: ntpd keeps monitoring on";
    Ntp120 = "120", "fatal-at-startup", Error, "a line that makes ntpd exit during configuration";
    Ntp121 = "121", "ippeerlimit-range", Warning, "ippeerlimit outside -1..100; ntpd uses 0";
    Ntp122 = "122", "unknown-sub-keyword", Error, "an item ntpd does not recognise inside a directive";
    Ntp123 = "123", "pollskewlist-invalid", Error, "a pollskewlist item ntpd drops";
    Ntp124 = "124", "cidr-prefix-fallback", Error, "NTPsec drops an unusable /len and installs a host entry";
    Ntp126 = "126", "not-implemented-by-serve", Warning, "a configured feature `ntpcheck serve` does not implement yet; it runs without it";
    Ntp328 = "328", "includefile-problems", Error, "an included file that is missing, refused, or includes itself";
    // Lint codes (src/lint): NTP2xx-5xx and the env:* checks; appended here, never reordered.
    Ntp125 = "125", "keys-file-invalid", Error, "a keys-file line ntpd rejects or changes (classic rejects the whole file), or a key the config uses that the file lacks";
    Ntp201 = "201", "default-restrict-weak", Warning, "the default restrict entry leaves queries, runtime changes, traps or peering open";
    Ntp202 = "202", "ipv6-default-open", Warning, "the IPv4 default is restricted but the IPv6 default is not";
    Ntp203 = "203", "mode7-enabled", Error, "`enable mode7` turns on the ntpdc protocol behind monlist amplification";
    Ntp204 = "204", "rate-limit-hits-sources", Warning, "`limited` also rate-limits the replies of configured sources";
    Ntp205 = "205", "notrust-drops-unauthenticated", Warning, "`notrust` on a network drops every packet without a MAC";
    Ntp206 = "206", "restrict-by-hostname", Warning, "a restrict host name is resolved once, at start-up";
    Ntp207 = "207", "restrict-lifts-default-hardening", Warning, "a specific restrict entry lacks hardening flags the default has";
    Ntp208 = "208", "symmetric-peer-unauthenticated", Warning, "a symmetric `peer` association without a key";
    Ntp209 = "209", "broadcast-mode-risk", Warning, "broadcast, multicast or manycast mode without authentication";
    Ntp210 = "210", "auth-disabled", Warning, "`disable auth` lets unauthenticated hosts mobilize associations";
    Ntp211 = "211", "autokey-in-use", Warning, "Autokey, which RFC 8633 says should not be used";
    Ntp212 = "212", "remote-config-reachable", Warning, "hosts holding the control key can reconfigure ntpd remotely";
    Ntp213 = "213", "file-path-collision", Error, "two files ntpd reads or writes are the same path";
    Ntp214 = "214", "interleave-mode", Warning, "`xleave`: interleaved mode with a history of security bugs";
    Ntp215 = "215", "shared-key-across-associations", Info, "the same key on several associations";
    Ntp216 = "216", "trap-service", Info, "the trap service, with a history of crash bugs";
    Ntp217 = "217", "saveconfigdir-enabled", Info, "`saveconfigdir` lets ntpq clients write files";
    Ntp218 = "218", "mssntp-blocking", Warning, "MS-SNTP signing blocks ntpd for every request";
    Ntp219 = "219", "unauthenticated-time", Info, "no time source is authenticated";
    Ntp220 = "220", "ntpport-match", Info, "`ntpport` entries match only source port 123";
    Ntp221 = "221", "flake-flag", Warning, "`flake` drops packets at random";
    Ntp222 = "222", "keys-file-permissions", Error, "the keys file is readable or writable by others";
    Ntp223 = "223", "config-file-permissions", Warning, "the configuration file is writable by others or not owned by root";
    Ntp224 = "224", "ntpd-runs-as-root", Warning, "the service starts ntpd without `-u`";
    Ntp225 = "225", "weak-keys", Warning, "MD5 keys or secrets under 80 bits";
    Ntp226 = "226", "leaf-host-serves-time", Info, "a pure client that still serves time to everyone";
    Ntp227 = "227", "panic-threshold-disabled", Info, "`tinker panic 0` accepts any offset";
    Ntp228 = "228", "nts-certificate-unchecked", Warning, "`noval` skips the NTS server certificate check";
    Ntp301 = "301", "sources-blocked-by-restrict", Error, "a restrict entry drops the replies of configured sources";
    Ntp302 = "302", "pool-blocked-by-nopeer", Error, "`nopeer`/`notrust` on a default keeps `pool` from creating associations";
    Ntp303 = "303", "no-time-source", Warning, "no time source is configured";
    Ntp304 = "304", "no-selectable-source", Error, "sources exist but none can be selected";
    Ntp305 = "305", "too-few-sources", Warning, "fewer than four independent time sources";
    Ntp306 = "306", "local-clock-driver", Warning, "the undisciplined local clock as a time source";
    Ntp307 = "307", "fudge-without-refclock", Warning, "a `fudge` for a reference clock that is not configured";
    Ntp308 = "308", "pool-hostname-on-server", Warning, "pool.ntp.org names on `server` lines instead of `pool`";
    Ntp309 = "309", "pool-option-not-propagated", Warning, "options on `pool` that pool servers never get";
    Ntp310 = "310", "multiple-prefer", Warning, "more than one `prefer` source";
    Ntp311 = "311", "true-disables-voting", Warning, "`true` exempts a source from the falseticker vote";
    Ntp312 = "312", "pps-without-prefer", Warning, "a PPS clock without a prefer peer is never used";
    Ntp313 = "313", "missing-iburst", Info, "a server or pool without `iburst`";
    Ntp314 = "314", "duplicate-source", Warning, "the same source on two association lines";
    Ntp315 = "315", "localhost-query-blocked", Warning, "ntpq over loopback is refused";
    Ntp316 = "316", "leap-smear-mixed", Warning, "leap-smearing and non-smearing sources mixed";
    Ntp317 = "317", "leap-smear-public", Warning, "leap smearing on a server that answers everyone";
    Ntp318 = "318", "aggressive-polling-public", Warning, "`burst` or short polls against public servers";
    Ntp319 = "319", "too-many-public-servers", Info, "more than four pool.ntp.org lines";
    Ntp320 = "320", "orphan-stratum-low", Warning, "an orphan stratum low enough to compete with real sources";
    Ntp321 = "321", "prefer-on-network-server", Info, "`prefer` on a network server";
    Ntp322 = "322", "minsane-one", Info, "`tos minsane` 1 with many sources";
    Ntp323 = "323", "long-maxpoll", Info, "a poll interval too long to catch leap announcements";
    Ntp324 = "324", "no-driftfile", Info, "no drift file";
    Ntp325 = "325", "interface-rule-shadowed", Warning, "an `interface` rule a later rule overrides";
    Ntp326 = "326", "stats-misconfigured", Warning, "statistics without a directory, or a directory without statistics";
    Ntp327 = "327", "driftfile-location", Warning, "a drift file ntpd cannot keep";
    Ntp329 = "329", "leapfile-problems", Warning, "a leap-second file that is missing, expired or damaged";
    Ntp330 = "330", "unresolvable-hostname", Warning, "a host name that does not resolve";
    Ntp331 = "331", "source-is-self", Warning, "a source that is this host";
    Ntp332 = "332", "refclock-driver-unavailable", Error, "a reference clock driver the target daemon lacks";
    Ntp333 = "333", "restrict-exemption-stale", Info, "a host exemption no association uses";
    Ntp334 = "334", "logfile-location", Warning, "a log file ntpd cannot write, or others can tamper with";
    Ntp401 = "401", "duplicate-directive", Warning, "a single-valued directive given more than once";
    Ntp402 = "402", "restrict-lines-merge", Info, "restrict lines for the same entry merge their flags";
    Ntp403 = "403", "redundant-ipv6-default", Info, "`restrict -6 default` repeats `restrict default`";
    Ntp404 = "404", "zero-mask-is-default", Info, "`0.0.0.0 mask 0.0.0.0` is the IPv4 default entry";
    Ntp405 = "405", "keys-unused", Info, "keys are loaded but nothing uses them";
    Ntp406 = "406", "requestkey-unused", Info, "`requestkey` without mode 7";
    Ntp407 = "407", "deprecated-syntax", Info, "forms classic ntpd logs as deprecated";
    Ntp408 = "408", "unused-suppression", Warning, "an `ntpcheck: ignore` comment that silences nothing";
    Ntp501 = "501", "removed-in-ntpsec", Error, "classic syntax NTPsec rejects";
    Ntp502 = "502", "ignored-in-ntpsec", Info, "words NTPsec accepts and ignores";
    Ntp503 = "503", "peer-becomes-server", Warning, "NTPsec treats `peer` as `server`";
    Ntp504 = "504", "discard-vs-limit", Error, "`discard` and `limit` differ between the dialects";
    Ntp505 = "505", "default-restriction-differs", Info, "the default restrict entry differs between the dialects";
    Ntp506 = "506", "include-path-semantics", Warning, "a relative `includefile` path means different files per dialect";
    Ntp507 = "507", "ntpsec-only-syntax", Error, "NTPsec syntax classic ntpd rejects";
    Ntp508 = "508", "classic-version-gate", Error, "a feature newer than the target classic version";
    Ntp509 = "509", "trustedkey-lines-differ", Warning, "several `trustedkey` lines: classic keeps only the last";
    Ntp510 = "510", "keys-iplist-dropped", Warning, "key address lists NTPsec ignores";
    Ntp511 = "511", "refclock-migration", Warning, "reference clocks that change behaviour in NTPsec";
    Ntp512 = "512", "pidfile-ignored", Info, "classic 4.2.8p18 ignores `pidfile` in the config";
    Ntp513 = "513", "ntp-d-autoinclude", Info, "NTPsec reads ntp.d/*.conf beside the main file";
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(s) || c.name() == s).ok_or_else(|| format!("unknown code `{s}`"))
    }
}
