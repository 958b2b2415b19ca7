//! Server counters, as `ntpq -c sysstats` names them where there is an equivalent. Workers
//! count in a plain local struct and add it to the shared atomics once per batch.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One worker's counts since its last flush: the same counters as a [`Snapshot`].
pub type Local = Snapshot;

impl Snapshot {
    /// Counts a request not answered.
    pub fn drop(&mut self, reason: &'static str) {
        *self.dropped.entry(reason).or_insert(0) += 1;
    }
}

/// The whole server's counts.
#[derive(Debug, Default)]
pub struct Stats {
    received: AtomicU64,
    replied: AtomicU64,
    kod: AtomicU64,
    send_failed: AtomicU64,
    control: AtomicU64,
    control_replied: AtomicU64,
    dropped: Mutex<BTreeMap<&'static str, u64>>,
}

/// A copy of the counters.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Datagrams received.
    pub received: u64,
    /// Replies sent.
    pub replied: u64,
    /// KoD replies sent.
    pub kod: u64,
    /// Replies the kernel refused.
    pub send_failed: u64,
    /// Mode 6 requests received.
    pub control: u64,
    /// Mode 6 requests answered (also in `replied`).
    pub control_replied: u64,
    /// Requests not answered, by reason.
    pub dropped: BTreeMap<&'static str, u64>,
}

impl Stats {
    /// Adds a worker's counts and resets them.
    pub fn flush(&self, l: &mut Local) {
        let l = std::mem::take(l);
        self.received.fetch_add(l.received, Ordering::Relaxed);
        self.replied.fetch_add(l.replied, Ordering::Relaxed);
        self.kod.fetch_add(l.kod, Ordering::Relaxed);
        self.send_failed.fetch_add(l.send_failed, Ordering::Relaxed);
        self.control.fetch_add(l.control, Ordering::Relaxed);
        self.control_replied.fetch_add(l.control_replied, Ordering::Relaxed);
        if !l.dropped.is_empty() {
            let mut d = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
            for (k, v) in l.dropped {
                *d.entry(k).or_insert(0) += v;
            }
        }
    }

    /// Current values.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            received: self.received.load(Ordering::Relaxed),
            replied: self.replied.load(Ordering::Relaxed),
            kod: self.kod.load(Ordering::Relaxed),
            send_failed: self.send_failed.load(Ordering::Relaxed),
            control: self.control.load(Ordering::Relaxed),
            control_replied: self.control_replied.load(Ordering::Relaxed),
            dropped: self.dropped.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }
}

impl std::fmt::Display for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "packets received {}, replies {}, KoD {}, send failures {}", self.received, self.replied, self.kod, self.send_failed)?;
        let total: u64 = self.dropped.values().sum();
        write!(f, ", dropped {total}")?;
        if total > 0 {
            let parts: Vec<String> = self.dropped.iter().map(|(k, v)| format!("{k} {v}")).collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_adds_and_resets() {
        let s = Stats::default();
        let mut l = Local { received: 3, replied: 2, ..Local::default() };
        l.drop("restrict");
        s.flush(&mut l);
        l.received = 1;
        l.drop("restrict");
        s.flush(&mut l);
        let snap = s.snapshot();
        assert_eq!((snap.received, snap.replied, snap.dropped["restrict"]), (4, 2, 2));
        assert_eq!(l.received, 0);
        assert_eq!(snap.to_string(), "packets received 4, replies 2, KoD 0, send failures 0, dropped 2 (restrict 2)");
    }
}
