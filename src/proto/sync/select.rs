//! Selection (RFC 5905 §11.2.1, ntpd's `clock_select`): the intersection algorithm finds the
//! truechimers (Marzullo, with ntpd's tweaks: endpoints offset ± root distance, majority
//! clique, `true` peers always survive), then clustering (§11.2.2) prunes outliers down to
//! `minclock`, the system peer is chosen by selection jitter × distance + stratum × mindist
//! with ntpd's clock-hop hysteresis, and combining (§11.2.3) weights survivors by 1/distance.
//! `prefer` makes the preferred survivor the system peer and its offset the system offset.

use crate::proto::control::Selection;

/// One association offered to selection (it passed ntpd's `peer_unfit`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Caller's index.
    pub id: usize,
    /// Peer offset (s).
    pub offset: f64,
    /// Peer jitter (s).
    pub jitter: f64,
    /// Root distance (s).
    pub distance: f64,
    /// Peer stratum.
    pub stratum: u8,
    /// `prefer`.
    pub prefer: bool,
    /// `true`: survives the intersection whatever its interval.
    pub true_chimer: bool,
}

/// What selection decided.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// New selection status per candidate id (those not listed: the caller's default).
    pub status: Vec<(usize, Selection)>,
    /// Survivors of clustering (ids).
    pub survivors: Vec<usize>,
    /// The system peer.
    pub sys_peer: Option<usize>,
    /// System offset (s).
    pub offset: f64,
    /// System jitter (s).
    pub jitter: f64,
}

/// Selection state kept between runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SelectState {
    /// ntpd's `sys_clockhop`.
    pub clockhop: f64,
}

/// Parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectParams {
    /// `tos minsane`.
    pub minsane: u32,
    /// `tos minclock`.
    pub minclock: u32,
    /// `tos maxclock`.
    pub maxclock: u32,
    /// `tos mindist`.
    pub mindist: f64,
    /// System precision (s).
    pub precision: f64,
}

/// The intersection algorithm: the ids (indices into `cands`) of the truechimers.
pub fn intersect(cands: &[Candidate]) -> Vec<usize> {
    let n = cands.len();
    // Endpoints (value, type): -1 lower, +1 upper; sorted by value.
    let mut ep: Vec<(f64, i32)> = cands.iter().flat_map(|c| [(c.offset - c.distance, -1), (c.offset + c.distance, 1)]).collect();
    ep.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut low, mut high) = (1e9, -1e9);
    let mut allow = 0;
    while 2 * allow < n {
        let mut c = 0i64;
        for &(v, t) in &ep {
            low = v;
            c -= t as i64;
            if c >= (n - allow) as i64 {
                break;
            }
        }
        c = 0;
        for &(v, t) in ep.iter().rev() {
            high = v;
            c += t as i64;
            if c >= (n - allow) as i64 {
                break;
            }
        }
        if high > low {
            break;
        }
        allow += 1;
    }
    (0..n)
        .filter(|&i| {
            let c = &cands[i];
            c.true_chimer || !(high <= low || c.offset + c.distance < low || c.offset - c.distance > high)
        })
        .collect()
}

/// Run selection, clustering, system-peer choice and combining over `cands`. `old_sys_peer`
/// is the current system peer's id and offset (for clock-hop hysteresis). `fallback` is used
/// when no truechimer survives (LOCAL after orphanwait, an orphan parent, the last resort).
pub fn select(
    cands: &[Candidate],
    fallback: Option<Candidate>,
    old_sys_peer: Option<(usize, f64)>,
    p: &SelectParams,
    st: &mut SelectState,
) -> Outcome {
    let mut out = Outcome::default();
    for c in cands {
        out.status.push((c.id, Selection::Falsetick));
    }
    let mut list: Vec<Candidate> = intersect(cands).into_iter().map(|i| cands[i]).collect();
    if list.is_empty()
        && let Some(f) = fallback
    {
        // ntpd: the fallback enters with zero jitter and distance mindist.
        list.push(Candidate { jitter: 0.0, distance: p.mindist, ..f });
        out.status.push((f.id, Selection::Falsetick));
    }
    // ntpd's status codes: passed peer_unfit = "sane" (tally x), survived the intersection =
    // "selcand" (-), pruned beyond maxclock = "excess" (#), survivors "synccand" (+).
    for c in &list {
        set(&mut out.status, c.id, Selection::Outlier);
    }
    // Clustering: drop the candidate with the largest selection jitter × distance while it
    // exceeds the smallest peer jitter and more than minclock remain.
    let mut seljit = vec![0.0; list.len()];
    loop {
        let n = list.len();
        let mut dmin = 1e9;
        let mut emax = -1e9;
        let mut g = 0.0;
        let mut k = 0;
        for i in 0..n {
            dmin = f64::min(dmin, list[i].jitter);
            seljit[i] = 0.0;
            if n > 1 {
                let f: f64 = list.iter().map(|o| (o.offset - list[i].offset).powi(2)).sum();
                seljit[i] = (f / (n - 1) as f64).sqrt();
            }
            if seljit[i] * list[i].distance > emax {
                g = seljit[i];
                emax = seljit[i] * list[i].distance;
                k = i;
            }
        }
        let g = f64::max(g, p.precision);
        if n <= (p.minclock.max(1) as usize) || g <= dmin || (n > 0 && (list[k].true_chimer || list[k].prefer)) {
            break;
        }
        if n > p.maxclock as usize {
            set(&mut out.status, list[k].id, Selection::Backup);
        }
        list.remove(k);
        seljit.remove(k);
    }
    // System peer: lowest seljit × distance + stratum × mindist.
    let mut e = 1e9;
    let mut speer = 0;
    let mut prefer = None;
    for (i, c) in list.iter().enumerate() {
        set(&mut out.status, c.id, Selection::Candidate);
        out.survivors.push(c.id);
        if c.prefer {
            prefer = Some(i);
        }
        let m = seljit[i] * c.distance + c.stratum as f64 * p.mindist;
        if m < e {
            e = m;
            speer = i;
        }
    }
    if list.is_empty() || list.len() < p.minsane as usize {
        st.clockhop = 0.0;
        return out;
    }
    let mut sys = speer;
    match old_sys_peer {
        Some((old, old_offset)) if old != list[speer].id => {
            let x = (list[speer].offset - old_offset).abs();
            if x < p.mindist {
                st.clockhop = if st.clockhop == 0.0 { p.mindist } else { st.clockhop * 0.5 };
                if x < st.clockhop {
                    if let Some(i) = list.iter().position(|c| c.id == old) {
                        sys = i;
                    }
                } else {
                    st.clockhop = 0.0;
                }
            } else {
                st.clockhop = 0.0;
            }
        }
        _ => st.clockhop = 0.0,
    }
    if let Some(pi) = prefer {
        st.clockhop = 0.0;
        out.sys_peer = Some(list[pi].id);
        out.offset = list[pi].offset;
        out.jitter = list[pi].jitter;
    } else {
        out.sys_peer = Some(list[sys].id);
        // Combine (ntpd weights by 1/distance; jitter relative to the chosen peer, as in
        // clock_combine, which uses the index of the best metric).
        let (mut y, mut z, mut w) = (0.0, 0.0, 0.0);
        for c in &list {
            let x = 1.0 / c.distance;
            y += x;
            z += x * c.offset;
            w += x * (c.offset - list[speer].offset).powi(2);
        }
        out.offset = z / y;
        out.jitter = (w / y + seljit[speer].powi(2)).sqrt();
    }
    if let Some(id) = out.sys_peer {
        set(&mut out.status, id, Selection::SysPeer);
    }
    out
}

fn set(status: &mut [(usize, Selection)], id: usize, s: Selection) {
    if let Some(e) = status.iter_mut().find(|e| e.0 == id) {
        e.1 = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: usize, offset: f64, distance: f64) -> Candidate {
        Candidate { id, offset, jitter: 1e-4, distance, stratum: 2, prefer: false, true_chimer: false }
    }
    fn params() -> SelectParams {
        SelectParams { minsane: 1, minclock: 3, maxclock: 10, mindist: 0.001, precision: 1e-6 }
    }

    #[test]
    fn falseticker_is_excluded() {
        let cands = [c(0, 0.0001, 0.01), c(1, -0.0002, 0.01), c(2, 0.0, 0.01), c(3, 0.0003, 0.01), c(4, 0.050, 0.01)];
        assert_eq!(intersect(&cands), vec![0, 1, 2, 3]);
        let o = select(&cands, None, None, &params(), &mut SelectState::default());
        assert!(!o.survivors.contains(&4));
        assert_eq!(o.status.iter().find(|s| s.0 == 4).unwrap().1, Selection::Falsetick);
        assert!(o.offset.abs() < 0.0003, "{}", o.offset);
        assert!(o.sys_peer.is_some() && o.sys_peer != Some(4));
    }

    #[test]
    fn no_majority_means_no_truechimers() {
        let cands = [c(0, 0.0, 0.001), c(1, 0.1, 0.001)];
        assert!(intersect(&cands).is_empty());
        let t = [Candidate { true_chimer: true, ..cands[0] }, cands[1]];
        assert_eq!(intersect(&t), vec![0]);
    }

    #[test]
    fn prefer_wins_and_sets_the_offset() {
        let mut cands = [c(0, 0.0001, 0.01), c(1, -0.0002, 0.01), c(2, 0.0, 0.01), c(3, 0.0004, 0.02)];
        cands[3].prefer = true;
        let o = select(&cands, None, None, &params(), &mut SelectState::default());
        assert_eq!(o.sys_peer, Some(3));
        assert_eq!(o.offset, 0.0004);
    }

    #[test]
    fn clustering_drops_an_outlier_above_minclock() {
        let cands = [c(0, 0.0, 0.05), c(1, 0.0001, 0.05), c(2, -0.0001, 0.05), c(3, 0.030, 0.05)];
        let o = select(&cands, None, None, &params(), &mut SelectState::default());
        assert_eq!(o.survivors.len(), 3);
        assert_eq!(o.status.iter().find(|s| s.0 == 3).unwrap().1, Selection::Outlier);
    }

    #[test]
    fn fallback_when_nothing_survives_and_minsane() {
        let fb = c(9, 0.0, 0.01);
        let o = select(&[], Some(fb), None, &params(), &mut SelectState::default());
        assert_eq!(o.sys_peer, Some(9));
        let o = select(&[c(0, 0.0, 0.01)], None, None, &SelectParams { minsane: 2, ..params() }, &mut SelectState::default());
        assert_eq!(o.sys_peer, None);
    }
}
