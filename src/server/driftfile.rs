//! The frequency file (`driftfile`): ntpd's one-number format — the frequency correction in
//! PPM, `%.6f` and a newline — read once at start-up and rewritten at most hourly.
//!
//! Both dialects decide the same way whether to write (`write_stats` in `ntp_util.c`): once an
//! hour, if the frequency moved by at least the wander threshold (`driftfile PATH WANDER` /
//! `nonvolatile`, default 1e-7 = 0.1 PPM) since the value last written; every hour that it
//! did not, the threshold halves, so a slow drift is still saved eventually. The file is
//! written to a temporary name in the same directory (classic `PATH.TEMP`, NTPsec `PATH-tmp`)
//! and renamed over the old one, so a crash never leaves a half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::proto::Flavor;

/// ntpd's default wander threshold (s/s).
pub const DEFAULT_WANDER: f64 = 1e-7;
/// How often ntpd considers writing the file.
pub const WRITE_INTERVAL: Duration = Duration::from_secs(3600);

/// Why the file gave no frequency.
#[derive(Debug)]
pub enum ReadError {
    /// There is no file yet (ntpd says nothing: the first start).
    Missing,
    /// It exists but cannot be read.
    Io(std::io::Error),
    /// It does not start with a number (`line:column` of the bad text, 1-based).
    Format {
        /// Line.
        line: usize,
        /// Column.
        column: usize,
        /// The offending text (at most 20 characters).
        text: String,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => write!(f, "no such file"),
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Format { line, column, text } => {
                write!(f, "{line}:{column}: format error: expected a frequency in PPM, found {text:?}")
            }
        }
    }
}

/// Read the frequency (PPM). Like `fscanf(fp, "%lf")`: leading white space (newlines
/// included) is skipped, the first token must be a number; what follows it is ignored.
pub fn read(path: &Path) -> Result<f64, ReadError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => return Err(ReadError::Io(e)),
    };
    parse(&String::from_utf8_lossy(&bytes))
}

/// [`read`] on text.
pub fn parse(text: &str) -> Result<f64, ReadError> {
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    let line = text[..start].matches('\n').count() + 1;
    let column = start - text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    let token: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    // strtod takes the longest numeric prefix ("12.5ppm" reads 12.5); so do we.
    let numeric: String = {
        let mut best = String::new();
        let mut cur = String::new();
        for c in token.chars() {
            cur.push(c);
            if cur.parse::<f64>().is_ok_and(f64::is_finite) && !cur.eq_ignore_ascii_case("inf") {
                best = cur.clone();
            }
        }
        best
    };
    match numeric.parse::<f64>() {
        Ok(v) if v.is_finite() && !numeric.is_empty() => Ok(v),
        _ => {
            let shown: String = if token.is_empty() { "end of file".into() } else { token.chars().take(20).collect() };
            Err(ReadError::Format { line, column, text: shown })
        }
    }
}

/// The temporary name the dialect's ntpd writes before renaming.
pub fn temp_path(path: &Path, flavor: Flavor) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(match flavor {
        Flavor::Classic => ".TEMP",
        Flavor::Ntpsec => "-tmp",
    });
    PathBuf::from(s)
}

/// Write `ppm` atomically: temporary file in the same directory, flushed to disk, renamed.
pub fn write(path: &Path, ppm: f64, flavor: Flavor) -> std::io::Result<()> {
    let tmp = temp_path(path, flavor);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        writeln!(f, "{ppm:.6}")?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// ntpd's decision whether this hour's frequency is worth writing.
#[derive(Debug, Clone, PartialEq)]
pub struct Writer {
    /// The file.
    pub path: PathBuf,
    flavor: Flavor,
    threshold: f64,
    resid: f64,
    /// The frequency last written or read (s/s).
    prev: f64,
}

impl Writer {
    /// For `path`, with the frequency read at start (`None`: no usable file: 0).
    pub fn new(path: PathBuf, flavor: Flavor, wander: Option<f64>, initial_ppm: Option<f64>) -> Self {
        let threshold = wander.filter(|w| w.is_finite() && *w >= 0.0).unwrap_or(DEFAULT_WANDER);
        // ntpd starts with wander_resid = 0: the first hourly check writes any change at all.
        Writer { path, flavor, threshold, resid: 0.0, prev: initial_ppm.unwrap_or(0.0) * 1e-6 }
    }

    /// The hourly check: `Some(ppm)` to write now. `valid`: the discipline has a frequency
    /// it trusts (never before the first frequency measurement).
    pub fn hourly(&mut self, ppm: f64, valid: bool) -> Option<f64> {
        if !valid || !ppm.is_finite() {
            return None;
        }
        let freq = ppm * 1e-6;
        if (self.prev - freq).abs() < self.resid {
            self.resid *= 0.5;
            return None;
        }
        self.prev = freq;
        self.resid = self.threshold;
        Some(ppm)
    }

    /// Run the hourly check and write; Err carries the message ntpd logs.
    pub fn tick(&mut self, ppm: f64, valid: bool) -> Option<Result<f64, String>> {
        let v = self.hourly(ppm, valid)?;
        Some(write(&self.path, v, self.flavor).map(|_| v).map_err(|e| {
            format!("frequency file {}: {e} (temporary file {})", self.path.display(), temp_path(&self.path, self.flavor).display())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ntpcheck-drift-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reads_what_ntpd_writes_and_reads() {
        assert_eq!(parse("-12.345678\n").unwrap(), -12.345678);
        assert_eq!(parse("  \n 3.5 trailing words\n").unwrap(), 3.5);
        assert_eq!(parse("7").unwrap(), 7.0);
        assert_eq!(parse("1e1ppm").unwrap(), 10.0, "strtod's numeric prefix");
    }

    #[test]
    fn garbage_is_located() {
        match parse("\n\n  abc\n") {
            Err(ReadError::Format { line, column, text }) => assert_eq!((line, column, text.as_str()), (3, 3, "abc")),
            r => panic!("{r:?}"),
        }
        match parse("") {
            Err(ReadError::Format { line: 1, column: 1, text }) => assert_eq!(text, "end of file"),
            r => panic!("{r:?}"),
        }
        assert!(parse("nan\n").is_err());
        assert!(parse("inf\n").is_err());
        let d = dir("garbage");
        std::fs::write(d.join("drift"), b"\xff\xfe\n").unwrap();
        assert!(matches!(read(&d.join("drift")), Err(ReadError::Format { .. })));
        assert!(matches!(read(&d.join("none")), Err(ReadError::Missing)));
        // A directory cannot be read as a file.
        assert!(matches!(read(&d), Err(ReadError::Io(_))));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn write_is_atomic_and_in_ntpds_format() {
        let d = dir("write");
        let p = d.join("ntp.drift");
        std::fs::write(&p, "1.000000\n").unwrap();
        write(&p, -15.1234567, Flavor::Classic).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "-15.123457\n");
        assert!(!temp_path(&p, Flavor::Classic).exists(), "the temporary file is renamed away");
        assert_eq!(temp_path(&p, Flavor::Classic), d.join("ntp.drift.TEMP"));
        assert_eq!(temp_path(&p, Flavor::Ntpsec), d.join("ntp.drift-tmp"));
        assert_eq!(read(&p).unwrap(), -15.123457);
        // An unwritable place leaves the old file as it was, and no temporary file.
        let ro = d.join("missing-dir").join("drift");
        assert!(write(&ro, 2.0, Flavor::Ntpsec).is_err());
        // Rename over a directory fails: the old content (a directory) stays, the temp file goes.
        let blocked = d.join("blocked");
        std::fs::create_dir_all(blocked.join("x")).unwrap();
        assert!(write(&blocked, 2.0, Flavor::Classic).is_err());
        assert!(blocked.is_dir());
        assert!(!temp_path(&blocked, Flavor::Classic).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn hourly_decision_follows_ntpd() {
        let d = dir("hourly");
        let mut w = Writer::new(d.join("drift"), Flavor::Classic, None, Some(10.0));
        assert_eq!(w.hourly(12.0, false), None, "not before the frequency is valid");
        // The first valid check writes any change (ntpd's wander_resid starts at 0).
        assert_eq!(w.hourly(10.05, true), Some(10.05));
        // 0.06 PPM < 0.1 PPM: skipped, and the threshold halves to 0.05 PPM …
        assert_eq!(w.hourly(10.11, true), None);
        assert_eq!(w.hourly(10.11, true), Some(10.11), "0.06 PPM now reaches the halved threshold");
        assert_eq!(w.hourly(10.3, true), Some(10.3));
        assert_eq!(w.hourly(f64::NAN, true), None);
        // The written value is what read() gives back.
        let r = w.tick(11.0, true).unwrap().unwrap();
        assert_eq!(read(&d.join("drift")).unwrap(), r);
        // The wander threshold from the config.
        let mut w = Writer::new(d.join("drift2"), Flavor::Ntpsec, Some(1e-6), None);
        assert_eq!(w.hourly(0.5, true), Some(0.5));
        assert_eq!(w.hourly(1.2, true), None, "0.7 PPM < 1 PPM");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
