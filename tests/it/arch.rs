//! The sans-IO rule of `src/proto` (architecture.md): no sockets, no clock reads, no tokio.
//! `clippy.toml` enforces it for clippy; this test makes it fail in `cargo test` too.

use crate::util::root;

/// Every `.rs` file under `dir`, recursively.
fn rs_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rs_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

#[test]
fn proto_does_no_io() {
    let forbidden = [
        "tokio",
        "UdpSocket",
        "TcpStream",
        "TcpListener",
        "SystemTime::now",
        "Instant::now",
        "std::fs",
        "std::thread",
        "std::process",
        "std::env",
        "unsafe",
    ];
    // Every file under src/proto, submodule directories (src/proto/sync/, …) included.
    let paths = rs_files(&root().join("src/proto"));
    assert!(paths.iter().any(|p| p.ends_with("sync/discipline.rs")), "the walk reaches src/proto/sync");
    let mut files = 0;
    for p in paths {
        {
            files += 1;
            let text = std::fs::read_to_string(&p).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for f in forbidden {
                    assert!(
                        !code.contains(f),
                        "{}:{}: `{f}` in src/proto (sans-IO: time and I/O come from the caller)",
                        p.display(),
                        n + 1
                    );
                }
            }
        }
    }
    assert!(files >= 8, "src/proto has {files} files");
}

#[test]
fn clippy_guards_the_same_line() {
    let c = std::fs::read_to_string(root().join("clippy.toml")).unwrap();
    for m in ["std::time::SystemTime::now", "std::time::Instant::now", "tokio::net::UdpSocket"] {
        assert!(c.contains(m), "clippy.toml lacks {m}");
    }
    let m = std::fs::read_to_string(root().join("src/proto/mod.rs")).unwrap();
    assert!(m.contains("#![deny(clippy::disallowed_methods, clippy::disallowed_types)]"));
}

/// `unsafe_code` is `deny`, not `forbid`, so that src/server/sysclock.rs alone can call
/// `adjtime` (neither std nor nix wraps it). No other file may use `unsafe`.
#[test]
fn unsafe_only_in_sysclock() {
    let files = rs_files(&root().join("src"));
    assert!(files.len() > 50);
    let mut users = Vec::new();
    for p in &files {
        let text = std::fs::read_to_string(p).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ["unsafe {", "unsafe fn", "unsafe impl", "unsafe extern", "allow(unsafe_code)"].iter().any(|w| code.contains(w)) {
                users.push(format!("{}:{}", p.strip_prefix(root()).unwrap().display(), n + 1));
            }
        }
    }
    assert!(users.iter().all(|u| u.starts_with("src/server/sysclock.rs:")), "unsafe outside sysclock.rs: {users:?}");
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    assert!(lib.contains("#![deny(unsafe_code)]"));
    let sys = std::fs::read_to_string(root().join("src/server/sysclock.rs")).unwrap();
    assert!(sys.contains("// SAFETY:"), "every unsafe block says why it is sound");
}
