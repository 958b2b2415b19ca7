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
    Ntp125 = "125", "keys-file-invalid", Error, "a keys-file line ntpd rejects or changes (classic rejects the whole file)";
    Ntp126 = "126", "not-implemented-by-serve", Warning, "a configured feature `ntpcheck serve` does not implement yet; it runs without it";
    Ntp328 = "328", "includefile-problems", Error, "an included file that is missing, refused, or includes itself";
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
