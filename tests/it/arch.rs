//! The sans-IO rule of `src/proto` (architecture.md): no sockets, no clock reads, no tokio.
//! `clippy.toml` enforces it for clippy; this test makes it fail in `cargo test` too.

use crate::util::root;

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
    let dir = root().join("src/proto");
    let mut files = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
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
