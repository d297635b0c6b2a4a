//! The `baucu` binary as a newcomer runs it: first and second start of the private database,
//! a subcommand beside the running server, and a graceful stop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Start, TestDatabase};

/// Starts `baucu serve` on a free port; returns the process, the address it printed and what it
/// printed before that line.
pub(crate) fn serve(configure: impl FnOnce(&mut Command)) -> (Child, String, Vec<String>) {
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

pub(crate) fn terminate(child: &Child) {
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
pub(crate) async fn sign_in(
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

/// What a subcommand printed, once it is known to have succeeded.
fn succeeded(output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
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
        "sotaichinh.quangninh",
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
    let seeded = succeeded(baucu(data.path(), &["seed"], ""));
    assert!(seeded.contains("177 đơn vị cấp xã"));
    succeeded(baucu(
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
    ));
    let (_, login) = sign_in(&address, "nguyen.van.a", "sông Ka Long chảy ra biển").await;
    assert_eq!(
        crate::helpers::location(&login),
        "/dashboard",
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

    // Election day moves from the command line as from the election's page: a later Sunday.
    let saturday = baucu(
        data.path(),
        &["election", "move", "--day", "2027-05-29", "--reason", "Thử"],
        "",
    );
    assert!(!saturday.status.success());
    assert!(String::from_utf8_lossy(&saturday.stderr).contains("không phải Chủ nhật"));
    let moved = succeeded(baucu(
        data.path(),
        &[
            "election",
            "move",
            "--day",
            "2027-05-30",
            "--reason",
            "Nghị quyết thử",
        ],
        "",
    ));
    assert!(
        moved.contains("Đã dời ngày bầu cử từ 23/05/2021 sang 30/05/2027"),
        "{moved}"
    );

    // An election is created from the command line as from the election's page, once.
    let create = [
        "election",
        "create",
        "--name",
        "Bầu cử bổ sung thử",
        "--day",
        "2027-06-27",
        "--unit",
        "quang ninh",
        "--races",
        "district_council,commune_council",
    ];
    let created = succeeded(baucu(data.path(), &create, ""));
    assert!(
        created.contains("Đã tạo kỳ bầu cử số") && created.contains("Tỉnh Quảng Ninh"),
        "{created}"
    );
    let twice = baucu(data.path(), &create, "");
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already has an election"));

    let verified = succeeded(baucu(data.path(), &["audit", "verify"], ""));
    assert!(verified.contains("nguyên vẹn"));

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
        // Long enough for the request to outlast the signal while it waits.
        c.env("DATABASE_URL", &url)
            .env("BAUCU_LOCK_TIMEOUT_MS", "30000");
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
    wait_for(|| async { lock_waiters(&db.pool).await > 0 }).await;

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

/// How many statements of this database wait for a lock.
async fn lock_waiters(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

pub(crate) async fn wait_for<F, Fut>(mut condition: F)
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

/// The private PostgreSQL killed under a running server: signed-in pages answer a fast 503 with
/// Retry-After, `/readyz` says so, and the server starts PostgreSQL again and recovers by itself.
#[tokio::test(flavor = "multi_thread")]
async fn with_its_database_killed_the_server_answers_503_and_recovers_by_itself() {
    let data = tempfile::Builder::new()
        .prefix("baucu-data-")
        .tempdir_in("/tmp")
        .unwrap();
    let (server, address, printed) = serve(|c| {
        c.env("BAUCU_DATA", data.path());
    });
    let admin_password = printed
        .iter()
        .find(|line| line.trim_start().starts_with("admin "))
        .and_then(|line| line.split_whitespace().last())
        .unwrap()
        .to_string();
    let (browser, _) = sign_in(&address, "admin", &admin_password).await;
    let page =
        |browser: &reqwest::Client| browser.get(format!("{address}/account/password")).send();
    assert_eq!(page(&browser).await.unwrap().status(), 200);

    let pid_file = data.path().join("pg").join("postmaster.pid");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // SAFETY: killing the PostgreSQL our own child started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    // The backends notice their postmaster's death a moment after it: ask until one has gone
    // (and before the watcher has had the time to start PostgreSQL again).
    let killed = Instant::now();
    let down = loop {
        let asked = Instant::now();
        let answer = page(&browser).await.unwrap();
        if answer.status() != 200 {
            assert!(
                asked.elapsed() < Duration::from_secs(4),
                "{:?}",
                asked.elapsed()
            );
            break answer;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(2),
            "pages still answered 200"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(down.status(), 503);
    assert_eq!(down.headers()["retry-after"], "5");
    assert!(down.text().await.unwrap().contains("Hệ thống đang bận"));

    wait_for(|| async {
        let ready = reqwest::get(format!("{address}/readyz"))
            .await
            .unwrap()
            .status()
            == 200;
        ready && page(&browser).await.unwrap().status() == 200
    })
    .await;

    // The sealer published the chain's heads in the data folder; the chain holds every one.
    let heads = data.path().join("audit-heads.log");
    wait_for(|| async { std::fs::read_to_string(&heads).is_ok_and(|t| !t.is_empty()) }).await;
    let verify = ["audit", "verify", "--head", heads.to_str().unwrap()];
    assert!(succeeded(baucu(data.path(), &verify, "")).contains("Chuỗi khớp với"));
    terminate(&server);
    let (clean, log) = finish(server);
    assert!(clean, "{log}");
    assert!(log.contains("started again"), "{log}");
}

/// SIGTERM while a change waits on a row someone else locked (with limits set long): the server
/// gives the request its drain time, then abandons it and exits; the change is not committed.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_with_a_stuck_statement_exits_after_the_drain_time_and_commits_nothing() {
    let db = TestDatabase::new(Start::Seeded).await;
    let url = db.url();
    let (server, address, _) = serve(|c| {
        c.env("DATABASE_URL", &url)
            .env("BAUCU_LOCK_TIMEOUT_MS", "120000")
            .env("BAUCU_STATEMENT_TIMEOUT_MS", "120000")
            .env("BAUCU_DRAIN_SECS", "2");
    });
    let (browser, login) = sign_in(&address, "xa.damha", crate::helpers::PASSWORD).await;
    assert_eq!(login.status(), 303);
    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id JOIN units u ON u.id = t.unit_id
          WHERE c.code = 'voter_lists_posted' AND u.level = 'commune' AND u.gso_code = 6895",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let form = browser
        .get(format!("{address}/tasks/{task}"))
        .send()
        .await
        .unwrap();
    let page = form.text().await.unwrap();
    let field = |name: &str| crate::helpers::field_in(&page, name).unwrap();
    let fields = [
        ("csrf", field("csrf")),
        ("submission", field("submission")),
        ("version", field("version")),
        ("status", "in_progress".to_string()),
        ("note", "Đang chuẩn bị".to_string()),
    ];

    let mut locker = db.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE")
        .bind(task)
        .execute(&mut *locker)
        .await
        .unwrap();
    let save = tokio::spawn(
        browser
            .post(format!("{address}/tasks/{task}"))
            .header("origin", &address)
            .form(&fields)
            .send(),
    );
    wait_for(|| async { lock_waiters(&db.pool).await > 0 }).await;
    let signalled = Instant::now();
    terminate(&server);
    let (_, log) = finish(server);
    assert!(
        signalled.elapsed() < Duration::from_secs(8),
        "exited {:?} after the signal: {log}",
        signalled.elapsed()
    );
    assert!(log.contains("drain deadline passed"), "{log}");
    assert!(
        save.await.unwrap().is_err(),
        "the abandoned request got no answer"
    );

    // The statement's client is gone: PostgreSQL cancels it within a second or so.
    wait_for(|| async { lock_waiters(&db.pool).await == 0 }).await;
    locker.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM task_events WHERE task_id = $1")
        .bind(task)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(events, 0, "the abandoned change was not committed");
}
