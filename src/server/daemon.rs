//! Process plumbing of a daemon, as ntpd does it on Linux: detach from the terminal (without
//! `-n`), the pid file (`-p`, written atomically), the jail (`-i`) and dropping root (`-u`)
//! while keeping the capabilities the daemon still needs.

use std::ffi::CString;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use caps::{CapSet, Capability, CapsHashSet};
use nix::unistd::{Gid, Group, Uid, User};

/// Environment marker of the detached child (the parent re-executes itself with it).
const CHILD_ENV: &str = "NTPCHECK_SERVE_DETACHED";

/// Whether this process is the detached child.
pub fn is_detached_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Detaches as ntpd does without `-n`: the process starts itself again in the background in
/// a new session with no terminal, waits until it reports ready (sockets bound, privileges
/// dropped) or fails, and exits with its status. Unlike a bare fork, start-up errors still
/// reach the terminal and the exit status. `wait` is `-w`: how long to wait at most.
pub fn detach(wait: Duration) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ntpcheck: cannot find own executable to detach: {e}");
            return ExitCode::from(1);
        }
    };
    let mut child = match Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(CHILD_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ntpcheck: cannot start the background process: {e}");
            return ExitCode::from(1);
        }
    };
    let out = child.stdout.take();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        if let Some(o) = out {
            let _ = BufReader::new(o).read_line(&mut line);
        }
        let _ = tx.send(line);
    });
    match rx.recv_timeout(wait) {
        Ok(l) if l.trim() == "ready" => ExitCode::SUCCESS,
        Ok(_) => {
            // The child closed the pipe without being ready: it failed; pass its status on.
            let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
            ExitCode::from(u8::try_from(code).unwrap_or(1).max(1))
        }
        Err(_) => {
            eprintln!("ntpcheck: the background server was not ready after {} s; it keeps running", wait.as_secs());
            ExitCode::from(1)
        }
    }
}

/// In the detached child: start a new session (no controlling terminal).
pub fn new_session() {
    let _ = nix::unistd::setsid();
}

/// In the detached child: tell the parent it is serving and let go of its terminal.
pub fn report_ready() {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "ready");
    let _ = o.flush();
    drop(o);
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
}

/// Writes the pid file atomically (temporary file in the same directory, then rename).
pub fn write_pidfile(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "ntpd.pid".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        writeln!(f, "{}", std::process::id())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// `-u user[:group]` resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// User name as given (for initgroups).
    pub user: String,
    /// Uid.
    pub uid: Uid,
    /// Gid (the named group, else the user's primary group).
    pub gid: Gid,
}

/// Resolves `-u user[:group]`; names or numbers, as ntpd accepts them.
pub fn resolve_user(spec: &str) -> Result<RunAs, String> {
    let (u, g) = match spec.rsplit_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let (user, uid, primary) = if !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()) {
        let uid = Uid::from_raw(u.parse().map_err(|_| format!("-u {spec}: bad user id"))?);
        match User::from_uid(uid) {
            Ok(Some(pw)) => (pw.name, uid, Some(pw.gid)),
            _ => (u.to_string(), uid, None),
        }
    } else {
        match User::from_name(u) {
            Ok(Some(pw)) => (pw.name, pw.uid, Some(pw.gid)),
            _ => return Err(format!("-u {spec}: cannot find user '{u}'")),
        }
    };
    let gid = match g {
        Some(g) if !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()) => {
            Gid::from_raw(g.parse().map_err(|_| format!("-u {spec}: bad group id"))?)
        }
        Some(g) => match Group::from_name(g) {
            Ok(Some(gr)) => gr.gid,
            _ => return Err(format!("-u {spec}: cannot find group '{g}'")),
        },
        None => primary.ok_or_else(|| format!("-u {spec}: user id {uid} has no passwd entry; give a group (-u {uid}:GID)"))?,
    };
    Ok(RunAs { user, uid, gid })
}

/// `-i DIR`: confine the process to DIR (before dropping root, after binding).
pub fn chroot(dir: &Path) -> Result<(), String> {
    nix::unistd::chroot(dir).map_err(|e| format!("-i {}: chroot: {e}", dir.display()))?;
    nix::unistd::chdir("/").map_err(|e| format!("-i {}: chdir /: {e}", dir.display()))
}

/// Drops to `who`, keeping CAP_NET_BIND_SERVICE (re-binding port 123 on new addresses) and,
/// unless the clock is never adjusted, CAP_SYS_TIME — what ntpd keeps on Linux. Must run
/// before any other thread starts (capabilities are per thread).
pub fn drop_privileges(who: &RunAs, keep_sys_time: bool) -> Result<(), String> {
    let mut keep = CapsHashSet::new();
    keep.insert(Capability::CAP_NET_BIND_SERVICE);
    if keep_sys_time {
        keep.insert(Capability::CAP_SYS_TIME);
    }
    let root = Uid::effective().is_root();
    if root {
        nix::sys::prctl::set_keepcaps(true).map_err(|e| format!("prctl(PR_SET_KEEPCAPS): {e}"))?;
        let cname = CString::new(who.user.clone()).map_err(|_| "bad user name".to_string())?;
        if nix::unistd::initgroups(&cname, who.gid).is_err() {
            nix::unistd::setgroups(&[who.gid]).map_err(|e| format!("setgroups: {e}"))?;
        }
        nix::unistd::setgid(who.gid).map_err(|e| format!("setgid({}): {e}", who.gid))?;
        nix::unistd::setuid(who.uid).map_err(|e| format!("setuid({}): {e}", who.uid))?;
    } else if Uid::effective() != who.uid {
        return Err(format!("-u {}: not running as root, cannot change user", who.user));
    }
    // Whatever we hold beyond `keep` goes; what we lack of `keep` (e.g. in a user namespace
    // without it) is not an error.
    let have = caps::read(None, CapSet::Permitted).map_err(|e| format!("capget: {e}"))?;
    let want: CapsHashSet = keep.intersection(&have).copied().collect();
    caps::set(None, CapSet::Effective, &want).map_err(|e| format!("capset(effective): {e}"))?;
    caps::set(None, CapSet::Permitted, &want).map_err(|e| format!("capset(permitted): {e}"))?;
    caps::clear(None, CapSet::Inheritable).map_err(|e| format!("capset(inheritable): {e}"))?;
    if root {
        let _ = nix::sys::prctl::set_keepcaps(false);
    }
    Ok(())
}

/// Drops CAP_SYS_TIME from every set this thread holds (`--no-clock-adjust` without `-u`): the
/// server then cannot set the clock even by mistake. Before other threads start.
pub fn drop_sys_time() {
    for set in [CapSet::Effective, CapSet::Permitted, CapSet::Inheritable] {
        let _ = caps::drop(None, set, Capability::CAP_SYS_TIME);
    }
    let _ = caps::drop(None, CapSet::Bounding, Capability::CAP_SYS_TIME);
}

/// Whether this thread can set the clock (for the start-up log).
pub fn has_sys_time() -> bool {
    caps::has_cap(None, CapSet::Effective, Capability::CAP_SYS_TIME).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidfile_is_replaced_atomically() {
        let dir = std::env::temp_dir().join(format!("ntpcheck-pid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("ntpd.pid");
        std::fs::write(&p, "garbage that is longer than a pid\n").unwrap();
        write_pidfile(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("{}\n", std::process::id()));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
        assert!(write_pidfile(&dir.join("missing/ntpd.pid")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn users() {
        assert_eq!(resolve_user("root").unwrap(), RunAs { user: "root".into(), uid: Uid::from_raw(0), gid: Gid::from_raw(0) });
        assert_eq!(resolve_user("0:0").unwrap().gid, Gid::from_raw(0));
        assert!(resolve_user("no-such-user-ntpcheck").unwrap_err().contains("cannot find user"));
        assert!(resolve_user("root:no-such-group-ntpcheck").unwrap_err().contains("cannot find group"));
    }
}
