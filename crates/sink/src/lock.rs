//! One writer per dataset: a lock file `<out>.lock` beside the dataset, created with
//! `create_new` and holding the pid, host and start time of the run that holds it. A second run
//! stops with a message naming the file and the holder; a lock left by a run that was killed
//! (its pid is gone on this host) is taken over, and the caller says so.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holder {
    pub pid: Option<u32>,
    pub host: Option<String>,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub started: Option<String>,
    /// The process's start time in clock ticks since boot (Linux), so a pid reused by another
    /// process after a crash is not taken for the holder.
    pub proc_start: Option<u64>,
}

impl Holder {
    fn me() -> Holder {
        let pid = std::process::id();
        Holder {
            pid: Some(pid),
            host: hostname(),
            started: Some(utc_now()),
            proc_start: proc_start_ticks(pid),
        }
    }

    fn to_text(&self) -> String {
        let mut s = String::new();
        if let Some(p) = self.pid {
            s += &format!("pid={p}\n");
        }
        if let Some(h) = &self.host {
            s += &format!("host={h}\n");
        }
        if let Some(t) = &self.started {
            s += &format!("started={t}\n");
        }
        if let Some(t) = self.proc_start {
            s += &format!("proc_start={t}\n");
        }
        s
    }

    fn parse(text: &str) -> Holder {
        let mut h = Holder::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("pid", v)) => h.pid = v.trim().parse().ok(),
                Some(("host", v)) => h.host = Some(v.trim().to_string()),
                Some(("started", v)) => h.started = Some(v.trim().to_string()),
                Some(("proc_start", v)) => h.proc_start = v.trim().parse().ok(),
                _ => {}
            }
        }
        h
    }

    /// Whether the holder may still be running. Unknown means yes: a lock is only taken over
    /// when its holder is surely gone.
    fn may_be_alive(&self, lock_age: Option<Duration>) -> bool {
        let Some(pid) = self.pid else {
            // A file without a pid: its writer was killed between creating and filling it,
            // or is filling it right now.
            return match lock_age {
                Some(age) => age < Duration::from_secs(10),
                None => true,
            };
        };
        if self.host.is_some() && self.host != hostname() {
            return true; // another machine's process: cannot tell
        }
        match process_alive(pid) {
            Some(false) => false,
            Some(true) => match (self.proc_start, proc_start_ticks(pid)) {
                // The pid was reused by a process that started later than the holder.
                (Some(then), Some(now)) => then == now,
                _ => true,
            },
            None => true,
        }
    }

    fn describe(&self) -> String {
        let pid = self
            .pid
            .map(|p| format!("pid {p}"))
            .unwrap_or_else(|| "unknown pid".into());
        let host = self
            .host
            .as_deref()
            .map(|h| format!(" on {h}"))
            .unwrap_or_default();
        let started = self
            .started
            .as_deref()
            .map(|t| format!(", started {t}"))
            .unwrap_or_default();
        format!("{pid}{host}{started}")
    }
}

/// A lock that could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another solieu run ({holder}) is writing this dataset: lock file {path} exists; wait for it, or delete the file if that run is gone",
        holder = .holder.describe(),
        path = .path.display()
    )]
    Held { path: PathBuf, holder: Holder },
    #[error("cannot create lock file {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// What stands at the dataset path is not something a run may replace.
    #[error("{0}")]
    NotADataset(#[source] crate::SinkError),
}

/// The held lock; dropping it removes the lock file.
#[derive(Debug)]
pub struct DatasetLock {
    path: PathBuf,
    /// The holder of a stale lock this run took over, for a warning.
    pub taken_over: Option<Holder>,
}

impl DatasetLock {
    /// The lock file of dataset folder `dir`: `<dir>.lock` beside it, however `dir` is
    /// spelled (`out/` gives `out.lock`, not a file inside the dataset).
    pub fn path_for(dir: &Path) -> PathBuf {
        let dir = crate::dataset_path(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut s = dir.into_os_string();
        s.push(".lock");
        PathBuf::from(s)
    }

    /// Takes the lock of dataset folder `dir`, creating its parent folders, and refuses
    /// (releasing it) when what stands at `dir` is not a dataset a run may replace.
    pub fn acquire(dir: &Path) -> Result<DatasetLock, LockError> {
        let normal = crate::dataset_path(dir).map_err(|source| LockError::Io {
            path: Self::path_for(dir),
            source,
        })?;
        let lock = Self::acquire_path(&normal)?;
        crate::check_replaceable(&normal).map_err(LockError::NotADataset)?;
        Ok(lock)
    }

    fn acquire_path(dir: &Path) -> Result<DatasetLock, LockError> {
        let path = Self::path_for(dir);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io)?;
        }
        let mut taken_over = None;
        // A few rounds: a competing run may take over the same stale lock between our steps.
        for _ in 0..4 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let written = f
                        .write_all(Holder::me().to_text().as_bytes())
                        .and_then(|()| f.sync_all());
                    if let Err(e) = written {
                        let _ = fs::remove_file(&path);
                        return Err(io(e));
                    }
                    return Ok(DatasetLock { path, taken_over });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
            // Bytes, not a string: a lock file mangled into invalid UTF-8 (a bad disk block,
            // an editor) must still be judged, not block every run.
            let Ok(text) = fs::read(&path) else {
                continue; // removed meanwhile: try again
            };
            let holder = Holder::parse(&String::from_utf8_lossy(&text));
            let age = fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok());
            if holder.may_be_alive(age) {
                return Err(LockError::Held { path, holder });
            }
            // Move the stale file aside under a name of our own, then check it is the file we
            // judged: if another run replaced it meanwhile, put that one back.
            let aside = PathBuf::from(format!("{}.stale-{}", path.display(), std::process::id()));
            if fs::rename(&path, &aside).is_err() {
                continue;
            }
            if fs::read(&aside).ok().as_deref() == Some(text.as_slice()) {
                let _ = fs::remove_file(&aside);
                taken_over = Some(holder);
            } else {
                let _ = fs::hard_link(&aside, &path);
                let _ = fs::remove_file(&aside);
            }
        }
        let holder = fs::read(&path)
            .map(|t| Holder::parse(&String::from_utf8_lossy(&t)))
            .unwrap_or_default();
        Err(LockError::Held { path, holder })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DatasetLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Describes a holder for messages ("pid 42 on host-a, started ...").
pub fn describe(holder: &Holder) -> String {
    holder.describe()
}

fn hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| fs::read_to_string(p).ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
}

/// Whether a process runs: `/proc/<pid>` on Linux, `kill -0` elsewhere; `None` when neither
/// can tell.
fn process_alive(pid: u32) -> Option<bool> {
    if Path::new("/proc/self").exists() {
        return Some(Path::new(&format!("/proc/{pid}")).exists());
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .ok()
        .map(|s| s.success())
}

/// Field 22 of `/proc/<pid>/stat`: when the process started, in ticks since boot.
fn proc_start_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in brackets and may hold spaces: count after its `)`.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ` (UTC), without a date crate.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_names_the_holder() {
        let tmp = tempfile_dir("held");
        let dir = tmp.join("ds");
        let first = DatasetLock::acquire(&dir);
        assert!(first.is_ok(), "{first:?}");
        let second = DatasetLock::acquire(&dir);
        let msg = second
            .as_ref()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("ds.lock"), "{msg}");
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        assert!(
            !DatasetLock::path_for(&dir).exists(),
            "dropping removes the file"
        );
        assert!(DatasetLock::acquire(&dir).is_ok());
        let _ = fs::remove_dir_all(&tmp);
    }

    #[test]
    fn a_dead_holder_is_taken_over() {
        let tmp = tempfile_dir("stale");
        let dir = tmp.join("ds");
        let _ = fs::create_dir_all(&tmp);
        // A pid that surely ran and ended: a child we waited for.
        let dead = std::process::Command::new("true")
            .spawn()
            .and_then(|mut c| c.wait().map(|_| c.id()))
            .unwrap_or(u32::MAX);
        let text = format!(
            "pid={dead}\nhost={}\nstarted=2026-01-01T00:00:00Z\n",
            hostname().unwrap_or_default()
        );
        let _ = fs::write(DatasetLock::path_for(&dir), text);
        let lock = DatasetLock::acquire(&dir);
        assert!(
            matches!(&lock, Ok(l) if l.taken_over.as_ref().and_then(|h| h.pid) == Some(dead)),
            "{lock:?}"
        );
        let _ = fs::remove_dir_all(&tmp);
    }

    #[test]
    fn utc_now_is_iso() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }

    fn tempfile_dir(tag: &str) -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::env::temp_dir().join(format!("solieu-lock-{tag}-{}-{nanos}", std::process::id()))
    }
}
