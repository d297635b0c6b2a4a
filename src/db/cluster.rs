//! The private PostgreSQL cluster: started from the system's binaries in a data folder, reachable
//! only through a Unix socket, stopped when the last baucu process using it ends.
//!
//! No crate fit: the embedding crates download their own PostgreSQL build, which this product must
//! not do (it runs where only the distribution's packages are reachable), so this file drives
//! `initdb` and `pg_ctl` directly. It is synchronous on purpose: it runs once at start and once at
//! exit (including from an `atexit` hook in the tests), never on a request path.
//!
//! Several baucu processes may share one cluster (the server and `baucu seed` run beside it). Each
//! holds a shared `flock` on `<data>/pg.lock` while it uses the cluster; on exit a process stops the
//! cluster only if it can take that lock exclusively, that is when it is the last user. The lock
//! dies with its process, so a cluster left running by a killed process is adopted by the next one.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The PostgreSQL superuser that `initdb` creates in the private cluster.
pub const SUPERUSER: &str = "postgres";
/// The OS user that runs PostgreSQL when baucu itself runs as root (PostgreSQL refuses root).
const SERVICE_USER: &str = "postgres";
/// A Unix socket path must fit in `sun_path` (108 bytes on Linux, including the terminator).
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "the PostgreSQL server programs (initdb, pg_ctl, postgres) were not found: install them \
         (on Debian: apt-get install postgresql) or set DATABASE_URL to use an existing server"
    )]
    BinariesMissing,
    #[error(
        "baucu runs as root, so its PostgreSQL must run as the user 'postgres', which does not exist: \
         install PostgreSQL from the distribution's packages (which creates it) or run baucu as another user"
    )]
    ServiceUserMissing,
    #[error(
        "the user 'postgres' cannot reach the data folder {0}: choose a BAUCU_DATA outside a private \
         home folder (for example /var/lib/baucu) or run baucu as an ordinary user"
    )]
    FolderUnreachable(PathBuf),
    #[error("{action} failed: {detail}")]
    Command { action: String, detail: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> ClusterError {
    let context = context.into();
    move |source| ClusterError::Io { context, source }
}

/// A running private cluster that this process is using.
#[derive(Debug)]
pub struct Cluster {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<String>,
    /// Held shared for as long as this process uses the cluster.
    usage_lock: File,
    /// True when this start ran `initdb`: the folder was new.
    pub initialised_now: bool,
}

impl Cluster {
    /// Starts (or joins) the cluster kept in `folder`: `<folder>/pg` holds the database files.
    pub fn start(folder: &Path) -> Result<Cluster, ClusterError> {
        let bin_dir = find_binaries()?;
        let run_as = service_user()?;
        fs::create_dir_all(folder).map_err(io_error(format!("creating {}", folder.display())))?;
        let folder = folder
            .canonicalize()
            .map_err(io_error(format!("resolving {}", folder.display())))?;
        let data_dir = folder.join("pg");
        let socket_dir = socket_dir_for(&folder);
        for dir in [&data_dir, &socket_dir] {
            prepare_private_dir(dir, run_as.as_deref())?;
        }
        if let Some(user) = &run_as {
            check_reachable(user, &data_dir)?;
        }

        let usage_lock = open_lock(&folder.join("pg.lock"))?;
        usage_lock
            .lock_shared()
            .map_err(io_error("waiting for the database lock"))?;
        let start_lock = hold_start_lock(&folder)?;

        let mut cluster = Cluster {
            data_dir,
            socket_dir,
            bin_dir,
            run_as,
            usage_lock,
            initialised_now: false,
        };
        if !cluster.data_dir.join("PG_VERSION").exists() {
            cluster.initdb()?;
            cluster.initialised_now = true;
        }
        cluster.start_unless_running()?;
        drop(start_lock);
        Ok(cluster)
    }

    /// The folder holding the Unix socket; connect with `host=<this folder>`.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The database files.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops the cluster if no other baucu process is using it; otherwise leaves it running.
    /// Returns whether it was stopped.
    pub fn stop(self) -> Result<bool, ClusterError> {
        let folder = self
            .data_dir
            .parent()
            .unwrap_or(Path::new("/"))
            .to_path_buf();
        let _start_lock = hold_start_lock(&folder)?;
        // Upgrading to exclusive succeeds only when no other process holds the shared lock.
        if self.usage_lock.try_lock().is_err() {
            return Ok(false);
        }
        if self.is_running() {
            let pid = self.postmaster_pid();
            self.pg_ctl(
                &["stop", "-m", "fast", "-w", "-t", "60"],
                "stopping PostgreSQL",
            )?;
            // pg_ctl returns once the pid file is gone, a moment before the process itself.
            if let Some(pid) = pid {
                wait_for_exit(pid, Duration::from_secs(10));
            }
        }
        Ok(true)
    }

    /// Starts the cluster again if its PostgreSQL has stopped (killed, crashed, stopped by
    /// hand); returns whether it had to.
    pub fn start_again_if_stopped(&self) -> Result<bool, ClusterError> {
        if self.is_running() {
            return Ok(false);
        }
        let folder = self.data_dir.parent().unwrap_or(Path::new("/"));
        let _start_lock = hold_start_lock(folder)?;
        self.start_unless_running()
    }

    /// Starts PostgreSQL unless it runs, clearing what a killed one left; the caller holds the
    /// start lock. Returns whether it started it.
    fn start_unless_running(&self) -> Result<bool, ClusterError> {
        if self.is_running() {
            return Ok(false);
        }
        self.remove_stale_files();
        self.pg_ctl_start()?;
        Ok(true)
    }

    /// The postmaster's process id while the cluster runs.
    pub fn postmaster_pid(&self) -> Option<i32> {
        let content = fs::read_to_string(self.data_dir.join("postmaster.pid")).ok()?;
        content.lines().next()?.trim().parse().ok()
    }

    /// Whether the pid file names a live PostgreSQL serving this data folder. A pid file whose
    /// process is gone, or whose number now belongs to another program, is stale.
    fn is_running(&self) -> bool {
        let Some(pid) = self.postmaster_pid() else {
            return false;
        };
        let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        let data_dir = self.data_dir.to_string_lossy();
        cmdline.contains("postgres") && cmdline.contains(data_dir.as_ref())
    }

    /// Removes what a killed PostgreSQL leaves behind, so that the next start is not refused.
    fn remove_stale_files(&self) {
        let pid_file = self.data_dir.join("postmaster.pid");
        if pid_file.exists() {
            tracing::warn!(
                "removing a stale postmaster.pid left by a PostgreSQL that was not stopped cleanly"
            );
            let _ = fs::remove_file(pid_file);
        }
        for name in [".s.PGSQL.5432", ".s.PGSQL.5432.lock"] {
            let _ = fs::remove_file(self.socket_dir.join(name));
        }
    }

    fn initdb(&self) -> Result<(), ClusterError> {
        tracing::info!(folder = %self.data_dir.display(), "creating the private PostgreSQL cluster");
        let mut command = self.command("initdb");
        command
            .arg("--pgdata")
            .arg(&self.data_dir)
            .args(["--username", SUPERUSER, "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C.UTF-8", "--no-instructions"]);
        run(command, "initialising the PostgreSQL cluster (initdb)")
    }

    fn pg_ctl_start(&self) -> Result<(), ClusterError> {
        // No TCP listener; the socket folder is private to the cluster's owner (and root).
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        let log = self.data_dir.join("server.log");
        let log = log.to_string_lossy();
        self.pg_ctl(
            &["start", "-w", "-t", "60", "-l", &log, "-o", &options],
            "starting PostgreSQL",
        )
    }

    fn pg_ctl(&self, args: &[&str], action: &str) -> Result<(), ClusterError> {
        let mut command = self.command("pg_ctl");
        command.arg("-D").arg(&self.data_dir).args(args);
        run(command, action).map_err(|error| match error {
            ClusterError::Command { action, detail } => {
                let log = fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                ClusterError::Command {
                    action,
                    detail: format!("{detail}; server log: {}", tail.join(" | ")),
                }
            }
            other => other,
        })
    }

    /// A PostgreSQL program, run as the service user when baucu runs as root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin_dir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        };
        // The cluster lives in its own folder; a working directory the service user cannot
        // enter would make the programs complain.
        command.current_dir("/");
        command
    }
}

/// Whether a process runs (a zombie waiting to be reaped has stopped running).
pub fn process_running(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may contain spaces.
        Ok(stat) => {
            stat.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                != Some("Z")
        }
        Err(_) => false,
    }
}

fn wait_for_exit(pid: i32, limit: Duration) {
    let deadline = Instant::now() + limit;
    while process_running(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run(mut command: Command, action: &str) -> Result<(), ClusterError> {
    let output = command.output().map_err(|e| ClusterError::Command {
        action: action.to_string(),
        detail: e.to_string(),
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    Err(ClusterError::Command {
        action: action.to_string(),
        detail: format!("{} {}", stderr.trim(), stdout.trim())
            .trim()
            .to_string(),
    })
}

/// Finds the server binaries: `pg_config --bindir` first, else the newest `/usr/lib/postgresql/*/bin`.
pub fn find_binaries() -> Result<PathBuf, ClusterError> {
    let has_server = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file())
    };
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if has_server(&dir) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or(ClusterError::BinariesMissing)
}

fn service_user() -> Result<Option<String>, ClusterError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    if user_ids(SERVICE_USER).is_none() {
        return Err(ClusterError::ServiceUserMissing);
    }
    Ok(Some(SERVICE_USER.to_string()))
}

/// The uid and gid of a user, from the system's user database.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam returns NULL or a pointer to a static record, read at once.
    let record = unsafe { libc::getpwnam(name.as_ptr()) };
    if record.is_null() {
        return None;
    }
    // SAFETY: checked non-null above.
    let record = unsafe { &*record };
    Some((record.pw_uid, record.pw_gid))
}

/// A folder only the cluster's owner may enter, owned by the service user when there is one.
fn prepare_private_dir(dir: &Path, run_as: Option<&str>) -> Result<(), ClusterError> {
    fs::create_dir_all(dir).map_err(io_error(format!("creating {}", dir.display())))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(io_error(format!("protecting {}", dir.display())))?;
    if let Some((uid, gid)) = run_as.and_then(user_ids) {
        std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(io_error(format!(
            "giving {} to the postgres user",
            dir.display()
        )))?;
    }
    Ok(())
}

/// Refuses clearly when the service user cannot walk down to the data folder
/// (a repository under /root, say), instead of letting initdb fail obscurely.
fn check_reachable(user: &str, dir: &Path) -> Result<(), ClusterError> {
    let status = Command::new("runuser")
        .args(["-u", user, "--", "test", "-w"])
        .arg(dir)
        .current_dir("/")
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        _ => Err(ClusterError::FolderUnreachable(dir.to_path_buf())),
    }
}

/// `<folder>/run`, or a folder under /tmp when that path is too long for a Unix socket.
fn socket_dir_for(folder: &Path) -> PathBuf {
    let preferred = folder.join("run");
    if preferred.join(".s.PGSQL.5432.lock").as_os_str().len() <= MAX_SOCKET_PATH {
        return preferred;
    }
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    folder.hash(&mut hasher);
    std::env::temp_dir().join(format!("baucu-pg-{:016x}", hasher.finish()))
}

/// Holds the lock that lets one process at a time start or stop the cluster in `folder`.
fn hold_start_lock(folder: &Path) -> Result<File, ClusterError> {
    let start_lock = open_lock(&folder.join("pg-start.lock"))?;
    start_lock
        .lock()
        .map_err(io_error("waiting for the database start lock"))?;
    Ok(start_lock)
}

fn open_lock(path: &Path) -> Result<File, ClusterError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_error(format!("opening {}", path.display())))
}
