//! The keys-file parser: golden files read per dialect, and it never panics on arbitrary input.

use ntpcheck::config::Dialect;
use ntpcheck::config::keys::{self, KeyType};
use ntpcheck::diagnostic::{Code, Severity};
use ntpcheck::source::{FileId, SourceMap};
use proptest::prelude::*;

use crate::util::root;

fn load(name: &str, d: Dialect) -> keys::KeysFile {
    let mut sources = SourceMap::default();
    keys::load_path(&root().join("testdata/keys").join(name), d, &mut sources).unwrap().1
}

#[test]
fn one_bad_line_rejects_the_file_only_in_classic() {
    let c = load("classic-rejected.keys", Dialect::Classic);
    assert!(c.rejected && c.keys.is_empty());
    let last = c.diagnostics.last().unwrap();
    assert_eq!(last.code, Code::Ntp125);
    assert!(last.ntpd_log.as_deref().unwrap().contains("classic-rejected.keys' after 1 error(s)"), "{last:?}");
    let s = load("classic-rejected.keys", Dialect::Ntpsec);
    assert_eq!(s.keys.iter().map(|k| k.id).collect::<Vec<_>>(), vec![1, 3]);
}

#[test]
fn mixed_file_per_dialect() {
    let c = load("mixed.keys", Dialect::Classic);
    assert!(!c.rejected, "{:#?}", c.diagnostics);
    let ids: Vec<(u32, KeyType)> = c.keys.iter().map(|k| (k.id, k.key_type.clone())).collect();
    assert_eq!(ids, vec![(1, KeyType::Md5), (2, KeyType::Sha1), (3, KeyType::Aes128Cmac)], "classic: first definition of 2 wins");
    assert_eq!(c.get(1).unwrap().secret, b"ascii");
    assert_eq!(c.get(2).unwrap().acl.len(), 2);
    let s = load("mixed.keys", Dialect::Ntpsec);
    assert_eq!(s.get(2).unwrap().key_type, KeyType::Md5, "NTPsec: the last definition wins");
    assert!(s.get(2).unwrap().acl.is_empty());
    for f in [&c, &s] {
        let unknown = f.diagnostics.iter().find(|d| d.message.contains("FOOBAR")).unwrap();
        assert_eq!(unknown.severity, Severity::Error);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        for d in [Dialect::Classic, Dialect::Ntpsec] {
            let k = keys::parse(FileId(0), &bytes, d);
            for diag in &k.diagnostics {
                prop_assert!(diag.span.start <= diag.span.end);
            }
        }
    }

    #[test]
    fn parser_never_panics_on_key_like_lines(
        lines in proptest::collection::vec("[ \t]{0,2}-?[0-9]{0,7}[ \t]{1,2}(MD5|SHA1|sha256|AES|AES128CMAC|M|X|SHA3-256)?[ \t]{1,2}[0-9a-fA-Fxz#]{0,140}([ \t]+[0-9./,:a-f]{0,30})?", 0..20)
    ) {
        let text = lines.join("\n");
        for d in [Dialect::Classic, Dialect::Ntpsec] {
            let k = keys::parse(FileId(0), text.as_bytes(), d);
            for key in &k.keys {
                prop_assert!((1..=65535).contains(&key.id));
                prop_assert!(key.span.end <= text.len());
            }
        }
    }
}

/// `ntpcheck check` recognises a keys file by its content (or `--kind keys`) and reports what
/// each dialect's `authreadkeys` does with it; an ntp.conf forced through `--kind keys` is read
/// as a (bad) keys file, and `--kind conf` reads a keys file as an ntp.conf.
#[test]
fn check_reads_keys_files_from_the_command_line() {
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("ntpcheck").unwrap().current_dir(root()).args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (code, out) = run(&["check", "--format", "short", "testdata/keys/classic-rejected.keys"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("classic-rejected.keys:3:1: NTP125 [error]"), "{out}");
    assert!(out.contains("rejects the whole keys file"), "{out}");
    // NTPsec skips the bad line and keeps the rest: the file-level rejection is classic's.
    let (_, out) = run(&["check", "--format", "short", "--dialect", "ntpsec", "testdata/keys/classic-rejected.keys"]);
    assert!(out.contains(":3:1: NTP125") && !out.contains("rejects the whole keys file"), "{out}");
    let (code, out) = run(&["check", "--format", "short", "testdata/keys/golden-cmac16.keys"]);
    assert_eq!((code, out.as_str()), (Some(0), ""));
    let (code, out) = run(&["check", "--format", "short", "--kind", "keys", "testdata/examples/centos6-blog.conf"]);
    assert_eq!(code, Some(1));
    assert!(out.lines().all(|l| l.contains("NTP125")), "{out}");
    let (_, out) = run(&["check", "--format", "short", "--kind", "conf", "testdata/keys/golden-cmac16.keys"]);
    assert!(out.contains("NTP010"), "{out}");
    let (code, _) = run(&["check", "--kind", "keys", "testdata/keys/no-such.keys"]);
    assert_eq!(code, Some(2));
}
