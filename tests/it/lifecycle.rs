//! The `baucu` binary as a newcomer runs it: first and second start of the private database,
//! a subcommand beside the running server, and a graceful stop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Start, TestDatabase};

/// Starts `baucu serve` on a free port; returns the process and the address it printed.
fn serve(configure: impl FnOnce(&mut Command)) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baucu"));
    command
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("BAUCU_BIND", "127.0.0.1:0")
        .env("BAUCU_TODAY", "2021-01-27")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    configure(&mut command);
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let Some(Ok(line)) = lines.next() else {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the server stopped before serving: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        if let Some(at) = line.find("http://") {
            break line[at..].split_whitespace().next().unwrap().to_string();
        }
    };
    (child, address)
}

fn terminate(child: &Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
}

/// Waits for the process to end and returns its log.
fn finish(child: Child) -> (bool, String) {
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

fn postgres_processes_of(folder: &Path) -> usize {
    let needle = folder.to_string_lossy().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            cmdline.contains("postgres") && cmdline.contains(&needle)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_private_database_seeds_once_serves_beside_subcommands_and_stops_with_the_server() {
    let data = tempfile::Builder::new()
        .prefix("baucu-data-")
        .tempdir_in("/tmp")
        .unwrap();
    let with_data = |c: &mut Command| {
        c.env("BAUCU_DATA", data.path());
    };

    let (server, address) = serve(with_data);
    let home = reqwest::get(format!("{address}/units/commune/6895"))
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    assert!(
        home.text().await.unwrap().contains("Thị trấn Đầm Hà"),
        "seeded on first start"
    );

    // A subcommand works on the same database while the server runs, and leaves it running.
    let seed = Command::new(env!("CARGO_BIN_EXE_baucu"))
        .arg("seed")
        .env_remove("DATABASE_URL")
        .env("BAUCU_DATA", data.path())
        .output()
        .unwrap();
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    assert!(String::from_utf8_lossy(&seed.stdout).contains("177 đơn vị cấp xã"));
    assert_eq!(
        reqwest::get(format!("{address}/readyz"))
            .await
            .unwrap()
            .status(),
        200
    );

    terminate(&server);
    let (clean, log) = finish(server);
    assert!(clean, "{log}");
    assert!(
        log.contains("loading the Quảng Ninh 2021 election"),
        "{log}"
    );
    assert!(log.contains("private PostgreSQL stopped"), "{log}");
    assert_eq!(
        postgres_processes_of(data.path()),
        0,
        "no PostgreSQL left running"
    );

    let (server, address) = serve(with_data);
    assert_eq!(
        reqwest::get(format!("{address}/readyz"))
            .await
            .unwrap()
            .status(),
        200
    );
    terminate(&server);
    let (clean, log) = finish(server);
    assert!(clean, "{log}");
    assert!(
        !log.contains("creating the private PostgreSQL cluster"),
        "not initialised again: {log}"
    );
    assert!(
        !log.contains("loading the Quảng Ninh"),
        "not seeded again: {log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_request_started_before_sigterm_still_completes() {
    let db = TestDatabase::new(Start::Seeded).await;
    let url = db.url();
    let (server, address) = serve(|c| {
        c.env("DATABASE_URL", &url);
    });

    // Hold a lock the unit page needs, so its request is in flight when the signal arrives.
    let mut blocker = db.pool.begin().await.unwrap();
    sqlx::raw_sql("LOCK TABLE units IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let request = tokio::spawn(reqwest::get(format!("{address}/units/district/200")));
    wait_for(|| async {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        waiting > 0
    })
    .await;

    terminate(&server);
    // Once the server has stopped accepting connections, it is shutting down.
    let port = address.rsplit(':').next().unwrap().to_string();
    wait_for(|| {
        let port = port.clone();
        async move {
            tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
                .await
                .is_err()
        }
    })
    .await;
    blocker.commit().await.unwrap();

    let response = request
        .await
        .unwrap()
        .expect("the in-flight request gets its answer");
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Huyện Đầm Hà"));
    let (clean, log) = finish(server);
    assert!(clean, "the server exits cleanly: {log}");
}

async fn wait_for<F, Fut>(mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
