//! One test per lexical quirk of the reference (§2 of `../shared/spec/ntpconf-reference.md`)
//! and the partial-application rule (§1.4), plus what ntpd does with each line of the bundled
//! CentOS example. The files in `testdata/{valid,invalid}` are also checked against both real
//! daemons by `corpus_classic` and `ntpsec_oracle`.

use ntpcheck::config::Dialect::{self, Classic, Ntpsec};
use ntpcheck::config::model::{AssocOption, RestrictTarget, Value};
use ntpcheck::config::saveconfig::saveconfig;
use ntpcheck::diagnostic::{Code, DaemonEffect};

use crate::util::parse;

fn codes(text: &str, d: Dialect) -> Vec<(usize, Code, DaemonEffect)> {
    let l = parse(text, d);
    l.diagnostics.iter().map(|x| (l.sources.get(x.span.file).line_col(x.span.start).0, x.code, x.daemon_effect)).collect()
}

#[test]
fn comment_starts_mid_word() {
    let l = parse("server 192.0.2.1#iburst\n", Classic);
    assert_eq!(l.config.associations[0].address.text, "192.0.2.1");
    assert!(l.config.associations[0].options.is_empty());
    assert!(l.diagnostics.is_empty());
}

#[test]
fn keywords_are_case_sensitive() {
    for d in [Classic, Ntpsec] {
        let c = codes("Server 192.0.2.1\n", d);
        assert_eq!(c, vec![(1, Code::Ntp001, DaemonEffect::LineIgnored)]);
        let l = parse("Server 192.0.2.1\n", d);
        assert!(l.diagnostics[0].help.as_deref().unwrap().contains("`server`"));
    }
}

#[test]
fn bytes_above_0x7f_are_dropped_inside_words() {
    let l = parse("tos\u{e9} ceiling 12\n", Classic);
    assert_eq!(l.config.tos.len(), 1);
    assert_eq!(l.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), vec![Code::Ntp005]);
    // A no-break space glues two words into one.
    let l = parse("server\u{a0}192.0.2.1\n", Classic);
    assert!(l.config.associations.is_empty());
    assert!(l.diagnostics.iter().any(|d| d.code == Code::Ntp001));
}

#[test]
fn nul_ends_all_input() {
    let l = parse("tos ceiling 5\nserver a.example \0iburst\nserver b.example\n", Classic);
    assert_eq!(saveconfig(&l.config), "tos ceiling 5\nserver a.example\n");
    assert!(l.stopped);
    assert!(l.diagnostics.iter().any(|d| d.code == Code::Ntp009));
}

#[test]
fn quotes() {
    // Mid-word quotes, and the closing quote ends the lexeme.
    let l = parse("logfile ab\"c d\"e\n", Classic);
    assert_eq!(l.config.vars[0].value, Value::Str("abc d".into()));
    assert!(l.diagnostics.iter().any(|d| d.code == Code::Ntp010 || d.code == Code::Ntp001));
    // Empty quotes produce no token.
    let l = parse("server \"\" 192.0.2.1\ndriftfile \"\"\n", Classic);
    assert_eq!(l.config.associations[0].address.text, "192.0.2.1");
    assert_eq!(l.config.vars[0].value, Value::Str(String::new()));
    // A quoted keyword is a plain string.
    assert_eq!(codes("tos \"ceiling\" 21\n", Classic)[0].1, Code::Ntp001);
    // Unterminated quote runs to the end of the line.
    let l = parse("logfile \"/var/log/ntp log\n", Classic);
    assert_eq!(l.config.vars[0].value, Value::Str("/var/log/ntp log".into()));
}

#[test]
fn quoted_whitespace_ends_the_command() {
    let l = parse("server 192.0.2.1 \" \" tos ceiling 3\n", Classic);
    assert_eq!(l.config.associations.len(), 1);
    assert_eq!(l.config.tos.len(), 1);
}

#[test]
fn partial_application() {
    let l = parse("server 192.0.2.1 bogus iburst\n", Classic);
    assert_eq!(saveconfig(&l.config), "server 192.0.2.1\n");
    assert_eq!(l.diagnostics[0].daemon_effect, DaemonEffect::PartiallyApplied);
    assert!(l.diagnostics[0].help.as_deref().unwrap().contains("ntpd applies `server 192.0.2.1`"));
    // Inside an option: the whole line is dropped.
    let l = parse("tos ceiling 14 minsane 0x3\n", Classic);
    assert!(l.config.tos.is_empty());
    assert_eq!(l.diagnostics[0].daemon_effect, DaemonEffect::LineIgnored);
    // The catalog's example.
    let l = parse("restrict default kod nomodfiy notrap nopeer noquery\n", Classic);
    assert_eq!(saveconfig(&l.config), "restrict default kod\n");
    // The applied prefix `restrict default kod` then draws ntpd's kod warning (NTP101).
    assert_eq!(l.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), vec![Code::Ntp101, Code::Ntp001]);
    let d = &l.diagnostics[1];
    assert_eq!(d.code, Code::Ntp001);
    assert!(d.help.as_deref().unwrap().contains("did you mean `nomodify`?"));
    assert_eq!(d.fix.as_ref().unwrap().edits[0].replacement, "nomodify");
}

#[test]
fn number_classes() {
    assert_eq!(codes("trustedkey 0x10\n", Classic)[0].1, Code::Ntp010);
    assert_eq!(codes("tos minsane 1.0\n", Classic)[0].1, Code::Ntp010);
    let l = parse("server 192.0.2.1 key 0x10\n", Classic);
    assert!(matches!(l.config.associations[0].options[0], AssocOption::Int { value: 16, .. }));
    // A lone `-` is the Integer 0.
    let l = parse("tinker step -\n", Classic);
    assert_eq!(l.config.tinker[0].value, 0.0);
    // `0x` alone makes ntpd exit.
    let l = parse("server 192.0.2.1 key 0x\n", Classic);
    assert!(l.fatal);
    assert_eq!(l.diagnostics[0].code, Code::Ntp008);
}

#[test]
fn token_limit_per_dialect() {
    let long = "a".repeat(200);
    assert!(parse(&format!("server {long}\n"), Classic).fatal);
    assert!(!parse(&format!("server {long}\n"), Ntpsec).fatal);
}

#[test]
fn token_mode_addresses() {
    assert_eq!(codes("restrict ntp\n", Classic)[0].1, Code::Ntp007);
    assert_eq!(codes("restrict 10\n", Classic)[0].1, Code::Ntp007);
    let l = parse("restrict \"ntp\"\n", Classic);
    assert!(matches!(&l.config.restricts[0].target, RestrictTarget::Address { address, .. } if address.text == "ntp"));
}

#[test]
fn foreign_comments_and_specials() {
    assert_eq!(codes("tos ceiling 5 // comment\n", Classic)[0].1, Code::Ntp002);
    assert_eq!(codes("server 192.0.2.1 ; iburst\n", Classic)[0].1, Code::Ntp002);
    // In string mode `;` is part of the host name.
    let l = parse("server a.example;\n", Classic);
    assert_eq!(l.config.associations[0].address.text, "a.example;");
    // setvar needs spaces around `=`.
    assert!(parse("setvar foo=bar\n", Classic).has_errors());
    assert_eq!(parse("setvar foo = bar\n", Classic).config.setvars.len(), 1);
}

#[test]
fn qualifiers() {
    assert_eq!(codes("restrict default -4 nomodify\n", Classic)[0].1, Code::Ntp003);
    // NTPsec applies the prefix `restrict -4 10.0.0.0`: a host entry (NTP109).
    assert_eq!(
        codes("restrict -4 10.0.0.0 mask 255.0.0.0\n", Ntpsec).iter().map(|c| c.1).collect::<Vec<_>>(),
        vec![Code::Ntp109, Code::Ntp004]
    );
    assert!(codes("restrict -4 10.0.0.0 mask 255.0.0.0\n", Classic).is_empty());
    // `-4foo` is the qualifier token, whatever follows.
    assert!(parse("server -4foo.example\n", Classic).has_errors());
}

#[test]
fn includefile_missing_and_depth() {
    let dir = std::env::temp_dir().join(format!("ntpcheck-inc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let main = dir.join("ntp.conf");
    std::fs::write(&main, "includefile missing.conf\nincludefile self.conf\n").unwrap();
    std::fs::write(dir.join("self.conf"), "tos ceiling 3\nincludefile self.conf\n").unwrap();
    let opts = ntpcheck::config::load::LoadOptions { dialect: Ntpsec, ..Default::default() };
    let l = ntpcheck::config::load::load_path(&main, &opts).unwrap();
    // self.conf is read at levels 2..6: five times, as ntpd does.
    assert_eq!(l.config.tos.len(), 5);
    assert!(l.diagnostics.iter().any(|d| d.code == Code::Ntp328 && d.message.contains("cannot open")));
    assert!(l.diagnostics.iter().any(|d| d.code == Code::Ntp328 && d.message.contains("includes itself")));
    assert!(l.diagnostics.iter().any(|d| d.code == Code::Ntp328 && d.message.contains("depth")));
    std::fs::remove_dir_all(&dir).ok();
}

/// What ntpd does with each line of the bundled CentOS example.
#[test]
fn centos_example_line_by_line() {
    let text = std::fs::read_to_string(crate::util::root().join("testdata/examples/centos6-blog.conf")).unwrap();
    let got: Vec<String> = codes(&text, Classic).into_iter().map(|(l, c, e)| format!("{l} {c} {e:?}")).collect();
    assert_eq!(
        got,
        vec![
            // `restrict default kod …` and `restrict -6 default kod …`: ntpd warns that kod needs limited.
            "3 NTP101 None",
            "4 NTP101 None",
            "6 NTP002 PartiallyApplied",
            "7 NTP002 PartiallyApplied",
            "8 NTP002 PartiallyApplied",
            "14 NTP001 PartiallyApplied",
        ]
    );
    let l = parse(&text, Classic);
    let dump = saveconfig(&l.config);
    assert!(dump.contains("restrict 192.168.0.0 mask 255.255.0.0 nomodify\n"));
    assert!(dump.contains("server 0.centos.pool.ntp.org iburst\n"));
    assert!(dump.contains("fudge 127.127.1.0 stratum 10\n"));
}

/// The shared example as the catalog §6.2 describes it: `//` on three lines.
#[test]
fn shared_centos_example() {
    let p = crate::util::shared().join("examples/centos6-blog.conf");
    let text = std::fs::read(&p).unwrap();
    let l = ntpcheck::config::load::load_bytes("centos6-blog.conf", &text, &Default::default());
    let lines: Vec<usize> =
        l.diagnostics.iter().filter(|d| d.code == Code::Ntp002).map(|d| l.sources.get(d.span.file).line_col(d.span.start).0).collect();
    assert_eq!(lines, vec![10, 11, 12]);
}

/// `includefile /dev/zero`: ntpd stops at the first NUL; we must not read forever either.
#[test]
fn includefile_of_a_device_is_bounded() {
    for d in [Classic, Ntpsec] {
        let l = parse("tos ceiling 3\nincludefile /dev/zero\ntos floor 1\n", d);
        assert!(l.stopped, "a NUL ends all input");
        assert_eq!(l.config.tos.len(), 1);
        assert!(l.diagnostics.iter().any(|x| x.code == Code::Ntp009));
    }
}

/// Include paths per dialect (reference §2.6, peers.md §5.10) and NTPsec's `ntp.d`, as both
/// daemons read this tree (checked with ../shared/tools/oracle/ntpd-oracle.sh, both --impl):
/// classic resolves `inc2.conf` against its working directory and reads a directory include as
/// empty; NTPsec resolves against the including file's directory, reads a directory's `*.conf`
/// in descending name order, then `ntp.d/*.conf`.
#[test]
fn include_paths_per_dialect() {
    use ntpcheck::config::load::{LoadOptions, load_path};
    let dir = std::env::temp_dir().join(format!("ntpcheck-incpaths-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for d in ["sub", "incdir", "ntp.d"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    for (p, t) in [
        ("ntp.conf", "includefile sub/inc.conf\nincludefile incdir\n"),
        ("sub/inc.conf", "includefile inc2.conf\n"),
        ("sub/inc2.conf", "tos ceiling 30\n"),
        ("inc2.conf", "tos ceiling 20\n"),
        ("incdir/a.conf", "peer 192.0.2.1\n"),
        ("incdir/b.conf", "peer 192.0.2.2\n"),
        ("incdir/c.txt", "peer 192.0.2.3\n"),
        ("ntp.d/z.conf", "peer 192.0.2.9\n"),
    ] {
        std::fs::write(dir.join(p), t).unwrap();
    }
    let main = dir.join("ntp.conf");
    let c = load_path(&main, &LoadOptions { dialect: Classic, classic_cwd: Some(dir.clone()), no_conf_dir: false }).unwrap();
    assert_eq!(saveconfig(&c.config), "tos ceiling 20\n");
    let logs: Vec<_> = c.diagnostics.iter().filter_map(|d| d.ntpd_log.clone()).collect();
    assert_eq!(logs, vec!["Using maximum tos ceiling 15, 20 requested"]);
    let s = load_path(&main, &LoadOptions { dialect: Ntpsec, classic_cwd: None, no_conf_dir: false }).unwrap();
    let peers: Vec<_> = s.config.associations.iter().map(|a| a.address.text.as_str()).collect();
    assert_eq!(peers, vec!["192.0.2.2", "192.0.2.1", "192.0.2.9"]);
    assert_eq!(s.config.tos[0].value, Value::Number(30.0));
    // Classic started by init/systemd has `/` as its working directory: the include is missing.
    let c = load_path(&main, &LoadOptions { dialect: Classic, classic_cwd: Some("/".into()), no_conf_dir: false }).unwrap();
    assert!(c.config.tos.is_empty());
    assert!(c.diagnostics.iter().any(|d| d.code == Code::Ntp328 && d.message.contains("sub/inc.conf")));
    std::fs::remove_dir_all(&dir).ok();
}

/// `includefile PATH` followed by a bad token (reference §2.6 grammar quirk): ntpd has already
/// opened PATH when it meets the token, so its error recovery swallows PATH's first line; the
/// rest of the including line is read after PATH. Both daemons, as checked with the oracles
/// (NTPsec: peers 192.0.2.2 and 192.0.2.9 only, `tos ceiling 40` clamped after the include):
/// classic dump `tos ceiling 4 / server 192.0.2.2 / server 192.0.2.9`, error at `inc.conf:0:0`.
#[test]
fn includefile_followed_by_a_bad_token() {
    use ntpcheck::config::load::{LoadOptions, load_path};
    let dir = std::env::temp_dir().join(format!("ntpcheck-incbad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ntp.conf"), "includefile inc.conf bogus tos ceiling 4\nserver 192.0.2.9\n").unwrap();
    std::fs::write(dir.join("inc.conf"), "server 192.0.2.1\nserver 192.0.2.2\n").unwrap();
    for d in [Classic, Ntpsec] {
        let l = load_path(&dir.join("ntp.conf"), &LoadOptions { dialect: d, classic_cwd: Some(dir.clone()), no_conf_dir: true }).unwrap();
        let peers: Vec<_> = l.config.associations.iter().map(|a| a.address.text.as_str()).collect();
        assert_eq!(peers, vec!["192.0.2.2", "192.0.2.9"], "{d:?}");
        assert_eq!(l.config.tos.len(), 1);
        let files: Vec<(u32, Code)> = l.diagnostics.iter().map(|x| (x.span.file.0, x.code)).collect();
        assert_eq!(files, vec![(0, Code::Ntp001), (1, Code::Ntp010)], "{d:?}");
        if d == Classic {
            assert_eq!(saveconfig(&l.config), "tos ceiling 4\nserver 192.0.2.2\nserver 192.0.2.9\n");
        }
    }
    // Without a bad token nothing is skipped.
    std::fs::write(dir.join("ntp.conf"), "includefile inc.conf tos ceiling 4\n").unwrap();
    let l = load_path(&dir.join("ntp.conf"), &LoadOptions { dialect: Classic, classic_cwd: Some(dir.clone()), no_conf_dir: true }).unwrap();
    assert_eq!(l.config.associations.len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}
