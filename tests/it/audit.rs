//! The audit log: what is recorded, who may read it, and the hash chain that shows tampering.

use baucu::audit::{self, Verdict};

use crate::helpers::{PASSWORD, TestApp, location};

async fn actions(app: &TestApp) -> Vec<(String, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT a.action, u.username, a.after ->> 'reason' FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
          ORDER BY a.id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

fn has(log: &[(String, Option<String>, Option<String>)], action: &str, user: Option<&str>) -> bool {
    log.iter()
        .any(|(a, u, _)| a == action && u.as_deref() == user)
}

#[tokio::test]
async fn logins_changes_and_denials_are_recorded() {
    let app = TestApp::seeded().await;
    app.other_browser()
        .login("huyen", "wrong password for sure")
        .await;
    let admin = app.as_user("admin").await;
    let created = admin
        .submit(
            "/admin/users",
            &[
                ("username", "moi.tao"),
                ("full_name", "Người mới"),
                ("role", "commune_officer"),
                ("unit", "commune:6895"),
            ],
        )
        .await;
    assert_eq!(created.status(), 200);
    let steering = app.as_user("bcd").await;
    let refused = steering.submit("/admin/users", &[]).await;
    assert_eq!(refused.status(), 403);
    let commune = app.as_user("xa.damha").await;
    assert_eq!(commune.page("/units/commune/6898").await.0, 404);

    let log = actions(&app).await;
    assert!(has(&log, "login.failure", Some("huyen")), "{log:?}");
    assert!(has(&log, "login.success", Some("admin")));
    assert!(has(&log, "user.created", Some("admin")));
    assert!(log.iter().any(|(a, u, r)| a == "access.denied"
        && u.as_deref() == Some("bcd")
        && r.as_deref() == Some("role")));
    assert!(log.iter().any(|(a, u, r)| a == "access.denied"
        && u.as_deref() == Some("xa.damha")
        && r.as_deref() == Some("scope")));

    let created: (Option<String>, String) = sqlx::query_as(
        "SELECT after ->> 'full_name', before IS NULL AND session_id IS NOT NULL AND client_addr IS NOT NULL
                 AND at IS NOT NULL AND unit_id IS NOT NULL AS complete
           FROM audit_log WHERE action = 'user.created' AND user_id IS NOT NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .map(|(name, complete): (Option<String>, bool)| (name, complete.to_string()))
    .unwrap();
    assert_eq!(
        created,
        (Some("Người mới".into()), "true".into()),
        "who, which session, when, where, what"
    );
}

#[tokio::test]
async fn a_failed_change_leaves_no_record_and_no_change() {
    let app = TestApp::signed_in("admin").await;
    let before = actions(&app).await.len();
    let invalid = app
        .submit(
            "/admin/users",
            &[
                ("username", "x"),
                ("full_name", ""),
                ("role", "admin"),
                ("unit", ""),
            ],
        )
        .await;
    assert_eq!(invalid.status(), 422);
    assert!(
        invalid
            .text()
            .await
            .unwrap()
            .contains("Tên đăng nhập gồm 3–64 ký tự")
    );
    assert_eq!(actions(&app).await.len(), before);
}

/// A seeded application after three sign-ins, its records chained as the server does a fraction
/// of a second after each commit.
async fn chained_log() -> TestApp {
    let app = TestApp::seeded().await;
    for _ in 0..3 {
        app.other_browser().login("huyen", PASSWORD).await;
    }
    audit::seal_everything(&app.db.pool, audit::SEAL_PATIENCE)
        .await
        .unwrap();
    app
}

/// Runs `sql` as a superuser, who can switch the append-only guards off.
async fn tamper(app: &TestApp, sql: &str) {
    let url = app.db.url().replace("baucu_test@", "postgres@");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_chain_verifies_and_names_an_altered_or_removed_record() {
    let app = chained_log().await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Intact { records: count }
    );

    // The application cannot change the log at all.
    assert!(
        sqlx::raw_sql("UPDATE audit_log SET action = 'x' WHERE id = 2")
            .execute(&app.state.pool)
            .await
            .is_err()
    );

    // A superuser can, by switching the guard off; the chain shows it.
    tamper(
        &app,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
         UPDATE audit_log SET after = '{\"username\": \"someone else\"}' WHERE id = (SELECT max(id) - 1 FROM audit_log);
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;",
    )
    .await;
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Altered { id: count - 1 }
    );

    let app = chained_log().await;
    tamper(
        &app,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
         DELETE FROM audit_log WHERE id = 3;
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;",
    )
    .await;
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Removed { before_id: 4 }
    );

    // Removing a record together with its seal breaks the next seal.
    let app = chained_log().await;
    tamper(
        &app,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
         ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only;
         DELETE FROM audit_log WHERE id = 5;
         DELETE FROM audit_seal WHERE audit_id = 5;
         ALTER TABLE audit_seal ENABLE TRIGGER audit_seal_append_only;
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;",
    )
    .await;
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Removed { before_id: 6 }
    );
}

/// The application's role owns nothing: it cannot switch the log's guards off, remove or write a
/// seal, or chain records by any way but `audit_seal()`; through that it still chains.
#[tokio::test]
async fn the_applications_role_cannot_disable_the_guards_or_touch_the_seals() {
    let app = chained_log().await;
    let pool = &app.state.pool;
    for sql in [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only",
        "DELETE FROM audit_seal",
        "UPDATE audit_seal SET seal = '\\x00'",
        "INSERT INTO audit_seal (audit_id, hash, seal) VALUES (999999, '\\x00', '\\x00')",
        "DELETE FROM audit_log",
        "SELECT audit_seal_upto(999999)",
        "TRUNCATE audit_seal",
    ] {
        let error = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(pool)
            .await
            .expect_err(sql);
        let code = error.as_database_error().and_then(|e| e.code()).unwrap();
        assert_eq!(code, "42501", "{sql}: {error}");
    }
    app.other_browser().login("huyen", PASSWORD).await;
    audit::seal(pool)
        .await
        .expect("the application's role chains through audit_seal()");
    audit::seal_everything(pool, audit::SEAL_PATIENCE)
        .await
        .unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(pool).await.unwrap(),
        Verdict::Intact { records: count }
    );
}

/// Someone who can rewrite the database (a superuser) alters a record and chains everything
/// after it again: the chain alone verifies, but the heads the server published outside the
/// database no longer match, and `baucu audit verify --head` says so and fails.
#[tokio::test]
async fn a_rewritten_and_resealed_chain_is_caught_by_the_published_heads() {
    let app = chained_log().await;
    let heads = tempfile::NamedTempFile::new().unwrap();
    let head = audit::head::current(&app.db.pool).await.unwrap().unwrap();
    audit::head::publish(heads.path(), &head, app.state.clock.now()).unwrap();
    let verify_with_heads = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_baucu"))
            .args(["audit", "verify", "--head"])
            .arg(heads.path())
            .env("DATABASE_URL", app.db.url())
            .output()
            .unwrap()
    };
    let intact = verify_with_heads();
    assert!(
        intact.status.success(),
        "{}",
        String::from_utf8_lossy(&intact.stderr)
    );
    assert!(String::from_utf8_lossy(&intact.stdout).contains("Chuỗi khớp với 1 đầu chuỗi"));

    tamper(
        &app,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
         ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only;
         UPDATE audit_log SET after = '{\"username\": \"someone else\"}' WHERE id = 2;
         DELETE FROM audit_seal WHERE audit_id >= 2;
         ALTER TABLE audit_seal ENABLE TRIGGER audit_seal_append_only;
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
         SELECT audit_seal_upto((SELECT max(id) FROM audit_log));",
    )
    .await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Intact { records: count },
        "resealed, the chain alone looks whole"
    );
    assert_eq!(
        audit::head::check(
            &app.db.pool,
            &std::fs::read_to_string(heads.path()).unwrap()
        )
        .await
        .unwrap(),
        audit::head::HeadsVerdict::Rewritten {
            audit_id: head.audit_id
        }
    );
    let caught = verify_with_heads();
    assert!(!caught.status.success());
    assert!(
        String::from_utf8_lossy(&caught.stderr).contains("Chuỗi đã bị viết lại"),
        "{}",
        String::from_utf8_lossy(&caught.stderr)
    );
}

/// A record is hashed as it is chained, not as it is written: its seal keeps the hash. A chain
/// built before that, whose records carry their own hash and whose seals none, still verifies,
/// and still names a record altered afterwards.
#[tokio::test]
async fn records_are_hashed_as_they_are_chained_and_older_chains_still_verify() {
    let app = chained_log().await;
    let (count, unhashed, kept): (i64, i64, bool) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE a.hash IS NULL),
                coalesce(bool_and(s.hash = audit_log_hash(a)), false)
           FROM audit_log a JOIN audit_seal s ON s.audit_id = a.id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(count > 0);
    assert_eq!(
        unhashed, count,
        "records are not hashed as they are written"
    );
    assert!(kept, "each seal keeps its record's hash");

    // The shape of a chain built before: the hash in the record, none in the seal.
    tamper(
        &app,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
         ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only;
         UPDATE audit_log a SET hash = s.hash FROM audit_seal s WHERE s.audit_id = a.id;
         UPDATE audit_seal SET hash = NULL;
         ALTER TABLE audit_seal ENABLE TRIGGER audit_seal_append_only;
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;",
    )
    .await;
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Intact { records: count }
    );
    tamper(
        &app,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
         UPDATE audit_log SET action = 'altered' WHERE id = 2;
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;",
    )
    .await;
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Altered { id: 2 }
    );

    // A record whose kept hash was wiped is named too, not taken for a removed one.
    let app = chained_log().await;
    tamper(
        &app,
        "ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only;
         UPDATE audit_seal SET hash = NULL WHERE audit_id = 3;
         ALTER TABLE audit_seal ENABLE TRIGGER audit_seal_append_only;",
    )
    .await;
    assert_eq!(
        audit::verify(&app.db.pool).await.unwrap(),
        Verdict::Altered { id: 3 }
    );
}

/// Writers do not wait for each other, so records commit out of id order and some numbers are
/// never committed. The chain must still hold every committed record once, in id order, and must
/// not pass a record whose transaction is still running.
#[tokio::test]
async fn records_written_concurrently_are_all_chained_once_in_order() {
    let app = TestApp::seeded().await;
    let pool = app.db.pool.clone();
    let event = || audit::Event::new("task.concurrent");
    let at = chrono::Utc::now().fixed_offset();

    // A transaction that takes its number first and commits last holds the chain back. (A
    // checklist action: a structural one would make the others wait for it.)
    let mut slow = pool.begin().await.unwrap();
    audit::record(&mut slow, &audit::Actor::command_line(), at, event())
        .await
        .unwrap();
    let slow_id: i64 = sqlx::query_scalar("SELECT max(id) FROM audit_log")
        .fetch_one(&mut *slow)
        .await
        .unwrap();

    let writers: Vec<_> = (0..6)
        .map(|writer| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for n in 0..20 {
                    let mut tx = pool.begin().await.unwrap();
                    audit::record(&mut tx, &audit::Actor::command_line(), at, event())
                        .await
                        .unwrap();
                    if (writer + n) % 5 == 0 {
                        tx.rollback().await.unwrap();
                    } else {
                        tx.commit().await.unwrap();
                    }
                }
            })
        })
        .collect();
    let sealer = {
        let pool = pool.clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                audit::seal(&pool).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        })
    };
    for writer in writers {
        writer.await.unwrap();
    }
    sealer.await.unwrap();

    let unchained = audit::seal_everything(&pool, std::time::Duration::from_millis(300))
        .await
        .unwrap();
    let sealed_through: Option<i64> = sqlx::query_scalar("SELECT max(audit_id) FROM audit_seal")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        sealed_through.is_none_or(|id| id < slow_id),
        "nothing chained past the running one: {sealed_through:?} / {slow_id}"
    );
    assert!(
        unchained >= 96,
        "all held back behind the slow one: {unchained}"
    );
    slow.commit().await.unwrap();
    assert_eq!(
        audit::seal_everything(&pool, audit::SEAL_PATIENCE)
            .await
            .unwrap(),
        0
    );

    let (records, sealed, in_order): (i64, i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM audit_seal),
                (SELECT bool_and(s.audit_id IS NOT DISTINCT FROM a.id) FROM audit_seal s FULL JOIN audit_log a ON a.id = s.audit_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(records, sealed);
    assert!(
        in_order,
        "every record sealed, and nothing sealed without a record"
    );
    let committed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'task.concurrent'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        committed,
        1 + 6 * 20 - 24,
        "the rolled-back ones left nothing"
    );
    assert_eq!(
        audit::verify(&pool).await.unwrap(),
        Verdict::Intact { records }
    );

    // A record forged afterwards into the number of a rolled-back one is not in the chain.
    let gap: i64 = sqlx::query_scalar(
        "SELECT min(n) FROM generate_series(1, (SELECT max(id) FROM audit_log)) AS n
          WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE id = n)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    tamper(
        &app,
        &format!(
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_number;
             INSERT INTO audit_log (id, action, hash) VALUES ({gap}, 'task.concurrent', '\\x00');
             ALTER TABLE audit_log ENABLE TRIGGER audit_log_number;"
        ),
    )
    .await;
    assert_eq!(
        audit::verify(&pool).await.unwrap(),
        Verdict::Altered { id: gap }
    );
}

#[tokio::test]
async fn admins_read_everything_and_province_officers_their_province() {
    let app = TestApp::seeded().await;
    app.other_browser()
        .login("huyen.khac", "wrong password for sure")
        .await;
    app.other_browser()
        .login("tinh.khac", "wrong password for sure")
        .await;
    app.other_browser()
        .login("nobody.at.all", "wrong password for sure")
        .await;

    let admin = app.as_user("admin").await;
    let (status, page) = admin.page("/audit?action=login.failure").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("huyen.khac") && page.contains("tinh.khac"),
        "{page}"
    );

    let officer = app.as_user("tinh").await;
    let (_, page) = officer.page("/audit?action=login.failure").await;
    assert!(page.contains("huyen.khac"), "a district of the province");
    assert!(!page.contains("tinh.khac"), "another province's record");
    assert!(
        !page.contains("nobody.at.all"),
        "records outside any unit are the admins'"
    );

    let (_, filtered) = admin.page("/audit?user=huyen.khac").await;
    assert!(filtered.contains("huyen.khac") && !filtered.contains("tinh.khac"));
    let (_, by_unit) = admin.page("/audit?unit=district:201&action=login").await;
    assert!(by_unit.contains("huyen.khac") && !by_unit.contains("tinh.khac"));
    let (_, none) = admin.page("/audit?from=2030-01-01").await;
    assert!(none.contains("Không có bản ghi nào"));
    // Days are written and read as dd/mm/yyyy; one that is no day is said beside its field.
    let (_, later) = admin.page("/audit?from=01%2F01%2F2030").await;
    assert!(later.contains("Không có bản ghi nào") && later.contains("value=\"01/01/2030\""));
    let (status, refused) = admin.page("/audit?to=31%2F02%2F2021").await;
    assert_eq!(status, 422);
    assert!(
        refused.replace("&#34;", "\"").contains(
            "<span class=\"field-error\" role=\"alert\">Ngày \"31/02/2021\" không hợp lệ; ghi theo dạng ngày/tháng/năm.</span>"
        ),
        "{refused}"
    );
    assert!(
        refused.contains("huyen.khac"),
        "the list is drawn without the bound"
    );

    let csv = admin.get("/audit.csv?action=login.failure").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.contains("Thời điểm") && text.contains("huyen.khac"));

    let steering = app.as_user("bcd").await;
    assert_eq!(steering.page("/audit").await.0, 403);
    assert_eq!(
        location(&app.other_browser().get("/audit").await),
        "/login?next=%2Faudit"
    );
}

#[tokio::test]
async fn the_audit_page_pages_through_many_records() {
    let app = TestApp::seeded().await;
    for _ in 0..60 {
        app.other_browser().login("nobody.at.all", "x").await;
    }
    let admin = app.as_user("admin").await;
    let (_, first) = admin.page("/audit").await;
    assert!(first.contains("Trang sau"));
    let (_, second) = admin.page("/audit?page=2").await;
    assert!(second.contains("Trang trước") && second.contains("Trang 2"));
}

/// The audit log reads in words: the action, and each changed field with its values as the
/// pages write them; the raw record is one click away.
#[tokio::test]
async fn the_audit_log_says_what_happened_in_words() {
    let app = crate::helpers::TestApp::seeded().await;
    let commune = app.as_user("xa.damha").await;
    let task = crate::tasks::task_id(&app, "voter_lists_posted", "commune", 6895).await;
    assert_eq!(
        crate::tasks::record(&commune, task, crate::tasks::EVIDENCE)
            .await
            .status(),
        303
    );
    let province = app.as_user("tinh").await;
    let (_, log) = province.page("/audit?action=task").await;
    assert!(log.contains("Cập nhật công việc"), "the action in words");
    assert!(log.contains("Trạng thái: Chưa bắt đầu → Đã xong"));
    assert!(log.contains("Ngày văn bản: — → 27/01/2021"));
    assert!(log.contains("<summary>Bản ghi gốc</summary><code>task.updated</code>"));
}
