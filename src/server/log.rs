//! The daemon's log: standard error in the foreground, the `-l` file, or syslog (`/dev/log`)
//! when detached without `-l` — where ntpd logs in the same situations. One line per message.

use std::fmt;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use super::clock;

/// Message importance (syslog levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Cannot go on.
    Err = 3,
    /// Something the operator should look at.
    Warning = 4,
    /// Normal but significant (start, stop, reload).
    Notice = 5,
    /// Informational.
    Info = 6,
    /// `-d`.
    Debug = 7,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Err => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

enum Sink {
    Stderr,
    File(PathBuf, std::fs::File),
    Syslog(UnixDatagram),
    Null,
}

static SINK: Mutex<Sink> = Mutex::new(Sink::Stderr);
static MAX: AtomicU8 = AtomicU8::new(Level::Info as u8);

/// Log to standard error (the default).
pub fn to_stderr() {
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Sink::Stderr;
}

/// Log to a file, appending (`-l`). The file is opened now, before privileges are dropped.
pub fn to_file(path: &Path) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Sink::File(path.to_path_buf(), f);
    Ok(())
}

/// Log to the local syslog socket; falls back to nothing when there is none (a detached
/// daemon has no terminal).
pub fn to_syslog() {
    let sink = match UnixDatagram::unbound().and_then(|s| s.connect("/dev/log").map(|_| s)) {
        Ok(s) => Sink::Syslog(s),
        Err(_) => Sink::Null,
    };
    *SINK.lock().unwrap_or_else(|e| e.into_inner()) = sink;
}

/// Where messages go, for the start-up line.
pub fn destination() -> String {
    match &*SINK.lock().unwrap_or_else(|e| e.into_inner()) {
        Sink::Stderr => "standard error".into(),
        Sink::File(p, _) => p.display().to_string(),
        Sink::Syslog(_) => "syslog".into(),
        Sink::Null => "nowhere (no syslog socket)".into(),
    }
}

/// Most verbose level written (`-d` raises it to debug).
pub fn set_max_level(l: Level) {
    MAX.store(l as u8, Ordering::Relaxed);
}

/// Whether a message at `l` would be written.
pub fn enabled(l: Level) -> bool {
    (l as u8) <= MAX.load(Ordering::Relaxed)
}

/// Writes one message.
pub fn write(l: Level, args: fmt::Arguments<'_>) {
    if !enabled(l) {
        return;
    }
    let mut sink = SINK.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    match &mut *sink {
        Sink::Stderr => {
            let _ = writeln!(std::io::stderr().lock(), "ntpcheck[{pid}]: {}: {args}", l.name());
        }
        Sink::File(_, f) => {
            let _ = writeln!(f, "{} ntpcheck[{pid}]: {}: {args}", clock::log_stamp(), l.name());
        }
        Sink::Syslog(s) => {
            // RFC 3164 as glibc's syslog() writes it to /dev/log: facility daemon (3).
            let msg = format!("<{}>{} ntpcheck[{pid}]: {args}", 3 * 8 + l as u8, clock::syslog_stamp());
            let _ = s.send(msg.as_bytes());
        }
        Sink::Null => {}
    }
}

/// `log!(Level::Notice, "…", …)`
#[macro_export]
#[doc(hidden)]
macro_rules! srvlog {
    ($lvl:expr, $($arg:tt)*) => { $crate::server::log::write($lvl, format_args!($($arg)*)) };
}
