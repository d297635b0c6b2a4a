//! The `baucu` binary as a newcomer runs it: first and second start of the private database,
//! a subcommand beside the running server, and a graceful stop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Start, TestDatabase};

/// Starts `baucu serve` on a free port; returns the process, the address it printed and what it
/// printed before that line.
fn serve(configure: impl FnOnce(&mut Command)) -> (Child, String, Vec<String>) {
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
    let mut printed = Vec::new();
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
        printed.push(line);
    };
    (child, address, printed)
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

/// A browser-like client signed in to a separately running server.
async fn sign_in(
    address: &str,
    username: &str,
    password: &str,
) -> (reqwest::Client, reqwest::Response) {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_page = browser
        .get(format!("{address}/login"))
        .send()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&login_page.text().await.unwrap()).unwrap();
    let login = browser
        .post(format!("{address}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    (browser, login)
}

fn baucu(data: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_baucu"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("BAUCU_DATA", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
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

    let (server, address, printed) = serve(with_data);
    // One demo account per role, each printed once with its password, to be changed at first login.
    for username in [
        "admin",
        "tinh.quangninh",
        "bcd.quangninh",
        "huyen.damha",
        "xa.ttdamha",
    ] {
        assert!(
            printed
                .iter()
                .any(|line| line.trim_start().starts_with(username)),
            "{username}: {printed:?}"
        );
    }
    let admin_password = printed
        .iter()
        .find(|line| line.trim_start().starts_with("admin "))
        .and_then(|line| line.split_whitespace().last())
        .unwrap()
        .to_string();
    let (browser, login) = sign_in(&address, "admin", &admin_password).await;
    assert_eq!(crate::helpers::location(&login), "/account/password");
    let forced = browser
        .get(format!("{address}/units/commune/6895"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        crate::helpers::location(&forced),
        "/account/password",
        "first the password"
    );

    // Subcommands work on the same database while the server runs, and leave it running.
    let seed = baucu(data.path(), &["seed"], "");
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    assert!(String::from_utf8_lossy(&seed.stdout).contains("177 đơn vị cấp xã"));
    let added = baucu(
        data.path(),
        &[
            "user",
            "add",
            "--username",
            "nguyen.van.a",
            "--role",
            "district_officer",
            "--unit",
            "district:200",
            "--full-name",
            "Nguyễn Văn A",
        ],
        "sông Ka Long chảy ra biển\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let (_, login) = sign_in(&address, "nguyen.van.a", "sông Ka Long chảy ra biển").await;
    assert_eq!(
        crate::helpers::location(&login),
        "/",
        "a command-line account needs no password change"
    );

    let weak = baucu(
        data.path(),
        &[
            "user",
            "add",
            "--username",
            "tran.b",
            "--role",
            "commune_officer",
            "--unit",
            "district:200",
            "--full-name",
            "Trần B",
        ],
        "short\n",
    );
    assert!(!weak.status.success());
    let message = String::from_utf8_lossy(&weak.stderr);
    let last = message.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("baucu: ") && last.contains("cấp xã"),
        "one clear sentence: {message}"
    );
    assert!(!message.contains("panicked"), "{message}");

    let verified = baucu(data.path(), &["audit", "verify"], "");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(String::from_utf8_lossy(&verified.stdout).contains("nguyên vẹn"));

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

    let (server, address, printed) = serve(with_data);
    assert!(
        printed.is_empty(),
        "no demo accounts the second time: {printed:?}"
    );
    let (_, login) = sign_in(&address, "nguyen.van.a", "sông Ka Long chảy ra biển").await;
    assert_eq!(login.status(), 303, "the data was kept");
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
    let (server, address, _) = serve(|c| {
        c.env("DATABASE_URL", &url);
    });
    let (browser, login) = sign_in(&address, "admin", crate::helpers::PASSWORD).await;
    assert_eq!(login.status(), 303);

    // Hold a lock the unit page needs, so its request is in flight when the signal arrives.
    let mut blocker = db.pool.begin().await.unwrap();
    sqlx::raw_sql("LOCK TABLE units IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let request = tokio::spawn(browser.get(format!("{address}/units/district/200")).send());
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
