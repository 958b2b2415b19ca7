//! Benchmark (prints figures; not a timed test): parse + check of the whole real-world corpus
//! in one process, and of a 10 MB synthetic configuration. Run with `cargo bench`.

use std::time::Instant;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, load_bytes};

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    let mut files = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                files.push((e.path().display().to_string(), b));
            }
        }
    }
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    for d in [Dialect::Classic, Dialect::Ntpsec] {
        let opts = LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() };
        let rounds = 50;
        let t = Instant::now();
        let mut diags = 0;
        for _ in 0..rounds {
            for (n, b) in &files {
                diags += load_bytes(n, b, &opts).diagnostics.len();
            }
        }
        let el = t.elapsed().as_secs_f64() / rounds as f64;
        println!(
            "corpus {:?}: {} files, {} bytes: {:.2} ms per pass ({:.1} MB/s), {} diagnostics",
            d,
            files.len(),
            bytes,
            el * 1e3,
            bytes as f64 / el / 1e6,
            diags / rounds
        );
    }
    // 10 MB synthetic: a mix of the common directives, some bad lines.
    let lines = [
        "server 192.0.2.1 iburst minpoll 4 maxpoll 10 prefer\n",
        "pool 2.debian.pool.ntp.org iburst\n",
        "restrict 192.168.0.0 mask 255.255.0.0 nomodify notrap nopeer noquery\n",
        "restrict default kod limited nomodify notrap nopeer noquery\n",
        "# a comment line that ntpd skips entirely\n",
        "driftfile /var/lib/ntp/ntp.drift\n",
        "statistics loopstats peerstats clockstats\n",
        "filegen loopstats file loopstats type day enable\n",
        "tos minsane 2 minclock 3 maxclock 6\n",
        "server 192.0.2.2 bogus iburst\n",
    ];
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 10_000_000 {
        text.push_str(lines[i % lines.len()]);
        i += 1;
    }
    for d in [Dialect::Classic, Dialect::Ntpsec] {
        let opts = LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() };
        let t = Instant::now();
        let l = load_bytes("synthetic.conf", text.as_bytes(), &opts);
        let el = t.elapsed().as_secs_f64();
        println!(
            "synthetic {:?}: {} bytes, {} lines: {:.0} ms ({:.1} MB/s), {} associations, {} diagnostics",
            d,
            text.len(),
            i,
            el * 1e3,
            text.len() as f64 / el / 1e6,
            l.config.associations.len(),
            l.diagnostics.len()
        );
    }
}
