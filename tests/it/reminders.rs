//! Reminder digests mailed through a real SMTP server (aiosmtpd, from Debian's python3-aiosmtpd),
//! read back as it received them; and the notification page that shows the same things.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baucu::reminders::job::{Digests, Outcome};
use baucu::reminders::mail::{Mailer, SmtpSettings, TlsMode};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

use crate::helpers::{Start, TestApp, TestDatabase};
use crate::tasks::{EVIDENCE, record, task_id};

/// An SMTP server that keeps every message it receives, decoded, one JSON object per line.
struct SmtpSink {
    port: u16,
    process: Child,
    received: tempfile::NamedTempFile,
}

const SINK: &str = r#"
import email, json, sys
from email import policy
from aiosmtpd.controller import Controller

class Keep:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {"to": envelope.rcpt_tos, "from": envelope.mail_from,
                  "subject": str(message["subject"]), "body": body.get_content() if body else ""}
        with open(sys.argv[1], "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 OK"

controller = Controller(Keep(), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

#[derive(Debug, serde::Deserialize)]
struct Received {
    to: Vec<String>,
    subject: String,
    body: String,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let received = tempfile::NamedTempFile::new().unwrap();
        let mut process = Command::new("/usr/bin/python3")
            .args(["-c", SINK])
            .arg(received.path())
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (Debian: python3-aiosmtpd) runs the SMTP sink");
        let mut ready = String::new();
        BufReader::new(process.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP sink started");
        SmtpSink {
            port,
            process,
            received,
        }
    }

    fn messages(&self) -> Vec<Received> {
        std::fs::read_to_string(self.received.path())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to == address))
            .collect()
    }

    fn digests(&self) -> Digests {
        digests_through(self.port)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.process.stdin.take().map(|mut s| s.write_all(b"")));
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn digests_through(port: u16) -> Digests {
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: TlsMode::None,
        user: None,
        password: None,
        from: "Chuẩn bị bầu cử <baucu@quangninh.example>".into(),
    };
    Digests {
        mailer: Mailer::new(&settings).unwrap(),
        base_url: "https://baucu.quangninh.example".into(),
        hour: 7,
    }
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<FixedOffset> {
    baucu::clock::vietnam()
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).unwrap())
        .unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn set_mail(db: &TestDatabase, username: &str, email: &str, digest: &str) {
    sqlx::query("UPDATE users SET email = $2, digest = $3 WHERE username = $1")
        .bind(username)
        .bind(email)
        .bind(digest)
        .execute(&db.pool)
        .await
        .unwrap();
}

/// The commune's task the province returned with a comment, through the approval queue.
async fn returned_task(app: &TestApp) -> i64 {
    let commune = app.as_user("xa.damha").await;
    let task = task_id(app, "voter_lists_posted", "commune", 6895).await;
    assert_eq!(record(&commune, task, EVIDENCE).await.status(), 303);
    let version: i32 = sqlx::query_scalar("SELECT version FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let province = app.as_user("tinh").await;
    let back = format!("{task}:{version}");
    let returned = province
        .submit(
            "/approvals",
            &[
                ("action", "return"),
                ("tasks", &back),
                ("comment", "Thiếu biên bản niêm yết"),
            ],
        )
        .await;
    assert_eq!(returned.status(), 303);
    task
}

#[tokio::test(flavor = "multi_thread")]
async fn each_user_gets_one_digest_of_their_own_work_with_links_and_none_when_opted_out() {
    let today = day(2021, 4, 20);
    let app = TestApp::spawn(Start::Seeded, today).await;
    let returned = returned_task(&app).await;
    set_mail(&app.db, "xa.damha", "damha@quangninh.example", "daily").await;
    set_mail(&app.db, "tinh", "tinh@quangninh.example", "daily").await;
    set_mail(&app.db, "huyen", "huyen@quangninh.example", "weekly").await;
    set_mail(&app.db, "bcd", "bcd@quangninh.example", "none").await;
    let sink = SmtpSink::start();
    let digests = sink.digests();

    // Before the hour, nothing goes out.
    let early = digests
        .send_due(&app.state.pool, at(today, 6, 59))
        .await
        .unwrap();
    assert_eq!(early, Outcome::default());
    assert!(sink.messages().is_empty());

    let first = digests
        .send_due(&app.state.pool, at(today, 7, 0))
        .await
        .unwrap();
    assert_eq!((first.sent, first.failed), (3, 0), "{first:?}");
    assert!(sink.to("bcd@quangninh.example").is_empty(), "opted out");

    // The commune's digest: the returned task first, with the province's comment and its link,
    // then what is overdue, counted in the subject as on its own "my work".
    let commune = sink.to("damha@quangninh.example");
    assert_eq!(commune.len(), 1);
    let mail = &commune[0];
    let overdue: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN elections e ON e.id = c.election_id JOIN units u ON u.id = t.unit_id
          WHERE u.level = 'commune' AND u.gso_code = 6895 AND t.status <> 'done' AND t.review <> 'returned'
            AND e.election_day - c.offset_days < $1 AND c.retired_at IS NULL",
    )
    .bind(today)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        overdue > 0,
        "the seed leaves the commune work overdue on 20/04"
    );
    assert!(
        mail.subject.starts_with(&format!(
            "Nhắc việc bầu cử ngày 20/04/2021: 1 bị trả lại, {overdue} quá hạn"
        )),
        "{}",
        mail.subject
    );
    let body = &mail.body;
    let returned_at = body.find("BỊ TRẢ LẠI, CẦN SỬA VÀ GỬI LẠI (1)").expect(body);
    let overdue_at = body.find(&format!("QUÁ HẠN ({overdue})")).expect(body);
    assert!(returned_at < overdue_at);
    assert!(body.contains("Ý kiến: Thiếu biên bản niêm yết"), "{body}");
    assert!(body.contains(&format!("https://baucu.quangninh.example/tasks/{returned}")));
    assert!(body.contains("https://baucu.quangninh.example/notifications#digest"));

    // The province officer is told what waits for their approval.
    let province = &sink.to("tinh@quangninh.example")[0];
    let waiting: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tasks WHERE status = 'done' AND review = 'none'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(waiting > 0);
    assert!(
        province
            .body
            .contains(&format!("CHỜ ANH/CHỊ DUYỆT: {waiting} việc"))
            && province
                .body
                .contains("https://baucu.quangninh.example/approvals"),
        "{}",
        province.body
    );

    // A pass later the same day, or after a restart (a new job, a new connection to the SMTP
    // server, nothing kept in memory), sends nothing again.
    let again = digests
        .send_due(&app.state.pool, at(today, 9, 30))
        .await
        .unwrap();
    assert_eq!(again, Outcome::default());
    let restarted = digests_through(sink.port)
        .send_due(&app.state.pool, at(today, 9, 31))
        .await
        .unwrap();
    assert_eq!(restarted, Outcome::default());
    assert_eq!(sink.messages().len(), 3);

    // The next day the daily digests go out again; the weekly one waits for Monday.
    let next = digests
        .send_due(&app.state.pool, at(day(2021, 4, 21), 7, 5))
        .await
        .unwrap();
    assert_eq!(next.sent, 2, "{next:?}");
    assert_eq!(sink.to("huyen@quangninh.example").len(), 1);
    let monday = digests
        .send_due(&app.state.pool, at(day(2021, 4, 26), 8, 0))
        .await
        .unwrap();
    assert_eq!(monday.sent, 3, "{monday:?}");
    let weekly = sink.to("huyen@quangninh.example");
    assert_eq!(weekly.len(), 2);
    assert!(
        weekly[1]
            .subject
            .starts_with("Nhắc việc bầu cử tuần từ 26/04/2021"),
        "{}",
        weekly[1].subject
    );

    // The commune's notification page shows what its digest said, and the digest it was sent.
    let officer = app.as_user("xa.damha").await;
    let (status, page) = officer.page("/notifications").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Bị trả lại, cần sửa và gửi lại (1)")
            && page.contains("Thiếu biên bản niêm yết")
    );
    assert!(page.contains(&format!("Quá hạn ({overdue})")), "{page}");
    assert!(page.contains(&mail.subject));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_the_server_refused_is_tried_again_later_and_a_user_writes_in_their_language() {
    let today = day(2021, 4, 20);
    let app = TestApp::spawn(Start::Seeded, today).await;
    set_mail(&app.db, "xa.damha", "damha@quangninh.example", "daily").await;
    sqlx::query("UPDATE users SET language = 'en' WHERE username = 'xa.damha'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Nobody listens on this port yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = digests_through(port)
        .send_due(&app.state.pool, at(today, 7, 0))
        .await
        .unwrap();
    assert_eq!((down.sent, down.failed), (0, 1));
    let state: (String, i32) =
        sqlx::query_as("SELECT state, attempts FROM digests JOIN users u ON u.id = user_id WHERE u.username = 'xa.damha'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(state, ("failed".to_string(), 1));

    let sink = SmtpSink::start();
    let soon = sink
        .digests()
        .send_due(&app.state.pool, at(today, 7, 5))
        .await
        .unwrap();
    assert_eq!(soon, Outcome::default(), "not before ten minutes");
    let later = sink
        .digests()
        .send_due(&app.state.pool, at(today, 7, 11))
        .await
        .unwrap();
    assert_eq!(later.sent, 1);
    let mail = &sink.to("damha@quangninh.example")[0];
    assert!(
        mail.subject
            .starts_with("Election reminders for 20/04/2021"),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("OVERDUE ("), "{}", mail.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_chooses_how_often_they_are_reminded() {
    let app = TestApp::signed_in("huyen").await;
    let (_, page) = app.page("/notifications").await;
    assert!(page.contains("value=\"daily\" checked"), "daily by default");
    let refused = app.submit("/notifications", &[("digest", "hourly")]).await;
    crate::helpers::refused_beside(refused, "Hãy chọn một cách nhận thư nhắc việc.").await;
    let saved = app.submit("/notifications", &[("digest", "weekly")]).await;
    assert_eq!(saved.status(), 303);
    let (_, page) = app.page("/notifications").await;
    assert!(page.contains("value=\"weekly\" checked"));
    let audit: (String, serde_json::Value) = sqlx::query_as(
        "SELECT action, after FROM audit_log WHERE action = 'user.digest_changed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audit.1["digest"], "weekly");
}

/// The job inside the real server: it mails on start, and a restarted server mails nothing twice.
#[tokio::test(flavor = "multi_thread")]
async fn the_server_job_mails_once_across_a_restart() {
    let db = TestDatabase::new(Start::Seeded).await;
    set_mail(&db, "xa.damha", "damha@quangninh.example", "daily").await;
    set_mail(&db, "huyen", "huyen@quangninh.example", "daily").await;
    let sink = SmtpSink::start();
    let run = || {
        let (mut child, _, _) = crate::lifecycle::serve(|c| {
            c.env("DATABASE_URL", db.url())
                .env("BAUCU_TODAY", "2021-04-20")
                .env("BAUCU_SMTP_HOST", "127.0.0.1")
                .env("BAUCU_SMTP_PORT", sink.port.to_string())
                .env("BAUCU_SMTP_TLS", "none")
                .env("BAUCU_DIGEST_HOUR", "0")
                .env("BAUCU_PUBLIC_URL", "https://baucu.quangninh.example/");
        });
        // The job's first pass runs at start and says what it did.
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let pass = loop {
            assert!(
                Instant::now() < deadline,
                "the job never reported its first pass"
            );
            let line = lines.next().expect("the server runs").unwrap();
            if line.contains("reminder digests") {
                break line;
            }
        };
        crate::lifecycle::terminate(&child);
        child.wait().unwrap();
        pass
    };
    let first = run();
    assert!(first.contains("sent: 2"), "{first}");
    let second = run();
    assert!(second.contains("sent: 0"), "{second}");
    assert_eq!(sink.messages().len(), 2);
    assert!(
        sink.to("huyen@quangninh.example")[0]
            .body
            .contains("https://baucu.quangninh.example/my-work")
    );
}

/// An agency officer is reminded of its agency's directives, with links to answer them.
#[tokio::test(flavor = "multi_thread")]
async fn an_agency_officer_is_reminded_of_its_overdue_directive() {
    let today = day(2021, 4, 20);
    let app = TestApp::spawn(Start::Seeded, today).await;
    set_mail(&app.db, "sotaichinh", "stc@quangninh.example", "daily").await;
    let sink = SmtpSink::start();
    let sent = sink
        .digests()
        .send_due(&app.state.pool, at(today, 7, 30))
        .await
        .unwrap();
    assert_eq!(sent.sent, 1, "{sent:?}");
    let item: i64 = sqlx::query_scalar(
        "SELECT i.id FROM directive_items i JOIN agencies a ON a.id = i.agency_id WHERE a.name = 'Sở Tài chính'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let mail = &sink.to("stc@quangninh.example")[0];
    assert!(
        mail.subject
            .starts_with("Nhắc việc bầu cử ngày 20/04/2021: 1 chỉ đạo cần trả lời"),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("CHỈ ĐẠO CẦN TRẢ LỜI (1)"));
    assert!(
        mail.body
            .contains("Tham mưu, đề xuất kinh phí tổ chức bầu cử — hạn 10/02/2021")
    );
    assert!(mail.body.contains(&format!(
        "https://baucu.quangninh.example/directive-items/{item}"
    )));
    assert!(!mail.body.contains("QUÁ HẠN ("), "no checklist of its own");
}
