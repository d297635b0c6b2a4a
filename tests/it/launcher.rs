//! The private PostgreSQL launcher, each test with a cluster of its own in a temporary folder.

use std::path::Path;
use std::time::{Duration, Instant};

use baucu::db::{Cluster, cluster::SUPERUSER};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

fn start(folder: &Path) -> Cluster {
    Cluster::start(folder).expect("the cluster starts")
}

/// A folder the `postgres` user can reach when the tests run as root.
fn folder() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("baucu-launcher-")
        .tempdir_in("/tmp")
        .unwrap()
}

/// Whether a process runs (a zombie waiting for its parent to reap it has stopped running).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            stat.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                != Some("Z")
        }
        Err(_) => false,
    }
}

/// Processes whose command line names this cluster's data folder.
fn processes_of(cluster_dir: &Path) -> Vec<i32> {
    let needle = cluster_dir.to_string_lossy().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            String::from_utf8_lossy(&cmdline).contains(&needle)
        })
        .collect()
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn connect(cluster: &Cluster) -> sqlx::PgConnection {
    PgConnectOptions::new()
        .socket(cluster.socket_dir())
        .username(SUPERUSER)
        .database("postgres")
        .connect()
        .await
        .expect("the cluster accepts connections on its socket")
}

async fn query_one(cluster: &Cluster, sql: &'static str) -> bool {
    let mut connection = connect(cluster).await;
    let value: bool = sqlx::query_scalar(sql)
        .fetch_one(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    value
}

#[tokio::test(flavor = "multi_thread")]
async fn first_start_initialises_second_start_reuses_and_stop_leaves_no_process() {
    let folder = folder();
    let cluster = start(folder.path());
    assert!(cluster.initialised_now, "the first start runs initdb");
    assert!(folder.path().join("pg/PG_VERSION").exists());
    let mut connection = connect(&cluster).await;
    sqlx::raw_sql("CREATE TABLE kept (x int)")
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    let data_dir = cluster.data_dir().to_path_buf();
    let pid = cluster.postmaster_pid().expect("a running postmaster");

    assert!(cluster.stop().unwrap(), "the only user stops the cluster");
    assert!(!alive(pid), "the postmaster is gone");
    assert_eq!(
        processes_of(&data_dir),
        Vec::<i32>::new(),
        "no process of the cluster is left"
    );

    let cluster = start(folder.path());
    assert!(
        !cluster.initialised_now,
        "the second start reuses the folder"
    );
    assert!(
        query_one(
            &cluster,
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'kept')"
        )
        .await,
        "data written before the stop is still there"
    );
    assert!(cluster.stop().unwrap());
    assert_eq!(processes_of(&data_dir), Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_pid_file_from_a_killed_run_is_recovered() {
    let folder = folder();
    let cluster = start(folder.path());
    let data_dir = cluster.data_dir().to_path_buf();
    let pid = cluster.postmaster_pid().unwrap();
    // Killed without a chance to clean up; the cluster's files stay as they were.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_until("the killed cluster's processes are gone", || {
        processes_of(&data_dir).is_empty()
    });
    drop(cluster);
    assert!(
        data_dir.join("postmaster.pid").exists(),
        "the kill left its pid file"
    );

    let cluster = start(folder.path());
    assert!(query_one(&cluster, "SELECT true").await);
    let pid = cluster.postmaster_pid().unwrap();
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_until("the killed cluster's processes are gone", || {
        processes_of(&data_dir).is_empty()
    });
    drop(cluster);

    // After a reboot the old number may belong to another live program of the same user, which
    // PostgreSQL alone would take for a running server and refuse to start.
    let mut impostor = std::process::Command::new("runuser");
    if unsafe { libc::geteuid() } == 0 {
        impostor.args(["-u", "postgres", "--", "sleep", "60"]);
    } else {
        impostor = std::process::Command::new("sleep");
        impostor.arg("60");
    }
    let mut impostor = impostor.spawn().unwrap();
    let impostor_pid = sleep_pid(impostor.id() as i32);
    let pid_file = data_dir.join("postmaster.pid");
    let content = std::fs::read_to_string(&pid_file).unwrap();
    let rest: Vec<&str> = content.lines().skip(1).collect();
    std::fs::write(&pid_file, format!("{impostor_pid}\n{}\n", rest.join("\n"))).unwrap();

    let cluster = start(folder.path());
    assert!(
        query_one(&cluster, "SELECT true").await,
        "the cluster starts despite the reused pid"
    );
    assert!(alive(impostor_pid), "the other program is left alone");
    assert!(cluster.stop().unwrap());
    impostor.kill().unwrap();
    impostor.wait().unwrap();
}

/// The `sleep` process itself: runuser may run it as a child of its own.
fn sleep_pid(spawned: i32) -> i32 {
    let mut found = spawned;
    wait_until("the stand-in process is running", || {
        let comm =
            |pid: i32| std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm(spawned).trim() == "sleep" {
            found = spawned;
            return true;
        }
        let children = std::fs::read_to_string(format!("/proc/{spawned}/task/{spawned}/children"))
            .unwrap_or_default();
        match children
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
            .find(|p| comm(*p).trim() == "sleep")
        {
            Some(child) => {
                found = child;
                true
            }
            None => false,
        }
    });
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn processes_share_the_cluster_and_the_last_one_out_stops_it() {
    let folder = folder();
    let server = start(folder.path());
    let subcommand = start(folder.path());
    assert!(!subcommand.initialised_now);
    let pid = server.postmaster_pid().unwrap();
    assert_eq!(
        subcommand.postmaster_pid(),
        Some(pid),
        "the second user joins the running cluster"
    );

    assert!(
        !subcommand.stop().unwrap(),
        "another user still needs the cluster"
    );
    assert!(alive(pid));
    assert!(query_one(&server, "SELECT true").await);
    assert!(server.stop().unwrap(), "the last user stops it");
    assert!(!alive(pid));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_left_running_by_a_killed_process_is_adopted_and_stopped() {
    let folder = folder();
    let orphaned = start(folder.path());
    let pid = orphaned.postmaster_pid().unwrap();
    // As if its process had been killed: the lock is released, PostgreSQL keeps running.
    drop(orphaned);
    assert!(alive(pid));

    let adopter = start(folder.path());
    assert_eq!(
        adopter.postmaster_pid(),
        Some(pid),
        "the running cluster is reused, not restarted"
    );
    assert!(adopter.stop().unwrap());
    assert!(!alive(pid));
}
