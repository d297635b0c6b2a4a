//! Two application nodes on one PostgreSQL behind nginx (round robin, no session affinity), as
//! the README's "Deployment beyond one machine" runs them.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use baucu::audit::{self, Verdict};

use crate::helpers::{PASSWORD, Start, TestDatabase, field_in};
use crate::lifecycle::{serve, sign_in, terminate, wait_for};

/// The nginx configuration of the README, for `nodes` on the loopback interface, in `dir`.
fn nginx_config(dir: &std::path::Path, port: u16, nodes: &[&str]) -> String {
    let servers: String = nodes
        .iter()
        .map(|node| {
            format!(
                "    server {} max_fails=1 fail_timeout=30s;\n",
                node.trim_start_matches("http://")
            )
        })
        .collect();
    let dir = dir.display();
    format!(
        "daemon off;
user root;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  client_max_body_size 64m;
  upstream baucu {{
{servers}  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://baucu;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 60s;
    }}
  }}
}}
"
    )
}

fn nginx_binary() -> &'static str {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx is installed (./dev.sh test installs it)")
}

/// nginx in front of `nodes`; returns the process and its address.
async fn start_nginx(dir: &std::path::Path, nodes: &[&str]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("nginx.conf");
    std::fs::write(&config, nginx_config(dir, port, nodes)).unwrap();
    let child = Command::new(nginx_binary())
        .arg("-c")
        .arg(&config)
        .arg("-p")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    wait_for(|| async { reqwest::get(format!("{address}/healthz")).await.is_ok() }).await;
    (child, address)
}

/// Saves `task` with `note` through `address`; whether the save was acknowledged.
async fn save(browser: &reqwest::Client, address: &str, task: i64, note: &str) -> bool {
    let Ok(form) = browser.get(format!("{address}/tasks/{task}")).send().await else {
        return false;
    };
    if form.status() != 200 {
        return false;
    }
    let page = form.text().await.unwrap_or_default();
    let (Some(csrf), Some(submission), Some(version)) = (
        field_in(&page, "csrf"),
        field_in(&page, "submission"),
        field_in(&page, "version"),
    ) else {
        return false;
    };
    let sent = browser
        .post(format!("{address}/tasks/{task}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("submission", &submission),
            ("version", &version),
            ("status", "in_progress"),
            ("note", note),
        ])
        .send()
        .await;
    sent.is_ok_and(|answer| answer.status() == 303)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_behind_nginx_share_sessions_and_lose_nothing_when_one_is_killed() {
    let db = TestDatabase::new(Start::Seeded).await;
    let url = db.url();
    let data = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let node = |data: &tempfile::TempDir| {
        serve(|c| {
            c.env("DATABASE_URL", &url)
                .env("BAUCU_DATA", data.path())
                .env("BAUCU_TRUSTED_PROXY", "127.0.0.1");
        })
    };
    let (node_a, address_a, _) = node(&data[0]);
    let (node_b, address_b, _) = node(&data[1]);
    let nginx_dir = tempfile::Builder::new()
        .prefix("baucu-nginx-")
        .tempdir_in("/tmp")
        .unwrap();
    let (mut nginx, proxy) = start_nginx(nginx_dir.path(), &[&address_a, &address_b]).await;

    // Signed in through one node, the session holds on the other and through the proxy.
    let (browser, login) = sign_in(&address_a, "huyen", PASSWORD).await;
    assert_eq!(login.status(), 303);
    for address in [&address_b, &proxy, &proxy, &address_a] {
        let me = browser.get(format!("{address}/me")).send().await.unwrap();
        assert_eq!(me.status(), 200, "{address}");
        assert_eq!(me.text().await.unwrap(), "huyen");
    }

    // Six writers through the proxy, each on a task of its own; node A is killed a third of the
    // way through. Every save answered 303 must be in the history.
    let tasks: Vec<i64> = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id JOIN units d ON d.id = u.parent_id
          WHERE d.level = 'district' AND d.gso_code = 200 ORDER BY t.id LIMIT 6",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    const SAVES: usize = 15;
    let done = Arc::new(AtomicUsize::new(0));
    let writers = tasks.iter().enumerate().map(|(writer, &task)| {
        let (browser, proxy, done) = (browser.clone(), proxy.clone(), done.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..SAVES {
                let note = format!("Người ghi {writer}, lần {n}");
                if save(&browser, &proxy, task, &note).await {
                    acknowledged.push((task, note));
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
            acknowledged
        })
    });
    let writers: Vec<_> = writers.collect();
    wait_for(|| async { done.load(Ordering::SeqCst) >= tasks.len() * SAVES / 3 }).await;
    // SAFETY: killing a child process of this test.
    unsafe { libc::kill(node_a.id() as i32, libc::SIGKILL) };
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    assert!(
        acknowledged.len() >= tasks.len() * SAVES * 2 / 3,
        "the surviving node took the rest: {} of {}",
        acknowledged.len(),
        tasks.len() * SAVES
    );
    for (task, note) in &acknowledged {
        let kept: i64 =
            sqlx::query_scalar("SELECT count(*) FROM task_events WHERE task_id = $1 AND note = $2")
                .bind(task)
                .bind(note)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(kept, 1, "acknowledged and kept once: {note}");
    }

    // Both nodes' sealers chained the log as it grew, one at a time: every record is chained
    // once, in order, and the chain verifies.
    let records: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&db.pool).await.unwrap(),
        Verdict::Intact { records }
    );

    terminate(&node_b);
    let _ = nginx.kill();
    let _ = nginx.wait();
    let mut node_a = node_a;
    let _ = node_a.wait();
    let mut node_b = node_b;
    let _ = node_b.wait();
}

/// Two sealers (two nodes' worth) racing while records are written: the advisory lock in
/// `audit_seal()` lets one chain at a time, so every record is chained exactly once, in order.
#[tokio::test(flavor = "multi_thread")]
async fn two_sealers_racing_chain_every_record_once() {
    let db = TestDatabase::new(Start::Seeded).await;
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sealers: Vec<_> = (0..2)
        .map(|_| {
            let (pool, writing) = (db.pool.clone(), writing.clone());
            tokio::spawn(async move {
                let mut chained = 0;
                while writing.load(Ordering::SeqCst) {
                    chained += audit::seal(&pool).await.unwrap();
                }
                chained
            })
        })
        .collect();
    for n in 0..200 {
        sqlx::query("INSERT INTO audit_log (at, action) VALUES (now(), $1)")
            .bind(format!("test.race.{n}"))
            .execute(&db.pool)
            .await
            .unwrap();
    }
    writing.store(false, Ordering::SeqCst);
    for sealer in sealers {
        sealer.await.unwrap();
    }
    audit::seal_everything(&db.pool, audit::SEAL_PATIENCE)
        .await
        .unwrap();
    let (records, seals, distinct): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM audit_seal),
                (SELECT count(DISTINCT audit_id) FROM audit_seal)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((seals, distinct), (records, records));
    assert_eq!(
        audit::verify(&db.pool).await.unwrap(),
        Verdict::Intact { records }
    );
}
