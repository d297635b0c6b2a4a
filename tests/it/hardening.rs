//! Faults a real day brings: a row locked by someone else, more changes than connections.

use std::time::{Duration, Instant};

use crate::helpers::{TestApp, refused_beside};
use crate::tasks::{EVIDENCE, record, submission, task_id};

/// The form fields of a save of `task` as drawn now (its one-time token and version).
async fn save_fields(app: &TestApp, task: i64) -> Vec<(String, String)> {
    let token = submission(app, task).await;
    let version: i32 = sqlx::query_scalar("SELECT version FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    vec![
        ("submission".into(), token),
        ("version".into(), version.to_string()),
        ("status".into(), "in_progress".into()),
        ("note".into(), "Đang chuẩn bị".into()),
    ]
}

/// One task row locked by another session (someone in psql, a stuck job): saves of it wait only
/// as long as the lock limit, answer a clear 503 and are never committed afterwards; everything
/// else, signing in included, answers at once, even with more saves queued than connections.
#[tokio::test]
async fn a_locked_row_slows_only_the_requests_that_touch_it() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let fields = save_fields(&app, task).await;
    let (version_before, events_before): (i32, i64) = sqlx::query_as(
        "SELECT version, (SELECT count(*) FROM task_events WHERE task_id = $1) FROM tasks WHERE id = $1",
    )
    .bind(task)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();

    let mut locker = app.db.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE")
        .bind(task)
        .execute(&mut *locker)
        .await
        .unwrap();

    let started = Instant::now();
    let saves = (0..20).map(|_| {
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let app = &app;
        async move { app.submit(&format!("/tasks/{task}"), &fields).await }
    });
    let others = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for path in ["/me", "/my-work", "/", "/units/commune/6895"] {
            let asked = Instant::now();
            let (status, _) = app.page(path).await;
            assert_eq!(status, 200, "{path}");
            assert!(asked.elapsed() < Duration::from_secs(1), "{path} waited");
        }
        let asked = Instant::now();
        let login = app
            .other_browser()
            .login("huyen", crate::helpers::PASSWORD)
            .await;
        assert_eq!(login.status(), 303);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "signing in waited"
        );
    };
    let (answers, ()) = tokio::join!(futures_util::future::join_all(saves), others);
    for answer in answers {
        assert_eq!(answer.status(), 503);
        assert_eq!(answer.headers()["retry-after"], "5");
        assert!(answer.text().await.unwrap().contains("chưa lưu gì"));
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );

    locker.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after: (i32, i64) = sqlx::query_as(
        "SELECT version, (SELECT count(*) FROM task_events WHERE task_id = $1) FROM tasks WHERE id = $1",
    )
    .bind(task)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        after,
        (version_before, events_before),
        "nothing committed later"
    );

    // With the lock gone, the same form saves.
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        app.submit(&format!("/tasks/{task}"), &fields)
            .await
            .status(),
        303
    );
}

/// Every class of bad input is refused with a message naming the field, the input kept, and
/// nothing written: a NUL, a control character, a direction override in a name, a note past its
/// length; counts are read strictly.
#[tokio::test]
async fn bad_input_is_refused_next_to_its_field_and_changes_nothing() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let version_of = || async {
        sqlx::query_scalar::<_, i32>("SELECT version FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let before = version_of().await;
    let long_note = "a".repeat(4001);
    for (field, value, message) in [
        ("note", "trước\u{0}sau", "Ghi chú: có ký tự điều khiển"),
        (
            "note",
            long_note.as_str(),
            "Ghi chú: dài 4001 ký tự, tối đa 4000 ký tự.",
        ),
        (
            "evidence_signer",
            "Nguyễn\u{202e}nóV",
            "Người ký: có ký tự đảo chiều",
        ),
        (
            "evidence_number",
            "15\u{1b}[2J",
            "Số văn bản: có ký tự điều khiển",
        ),
    ] {
        let mut fields: Vec<(String, String)> = save_fields(&app, task).await;
        fields.retain(|(k, _)| k != field);
        fields.push((field.to_string(), value.to_string()));
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = app.submit(&format!("/tasks/{task}"), &fields).await;
        assert_eq!(response.status(), 422, "{field}");
        let page = response.text().await.unwrap();
        // Beside the field it is about, in the form that keeps what was typed.
        let beside = format!("<span class=\"field-error\" role=\"alert\">{message}");
        assert!(page.contains(&beside), "{field}: {message}");
        if field == "note" && value.len() > 4000 {
            assert!(page.contains(&long_note), "what was typed is kept");
        }
    }
    assert_eq!(version_of().await, before, "nothing saved");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM task_events WHERE task_id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(events, 0);

    // A NUL in a search or a filter, or in a login name: refused, never a server error.
    assert_eq!(
        app.page("/search?q=%C4%90%E1%BA%A7m%00H%C3%A0").await.0,
        422
    );
    assert_eq!(app.page("/audit?user=a%00b").await.0, 422);
    let login = app
        .other_browser()
        .login("admin\u{0}", "whatever it is")
        .await;
    assert_eq!(login.status(), 401);

    // Counts: thousands separators read, decimals and signs refused beside the field.
    let add = async |number: &str, voters: &str| {
        app.submit(
            "/units/commune/6895/polling-areas",
            &[("number", number), ("voters", voters), ("kind", "ordinary")],
        )
        .await
    };
    for wrong in ["1.5", "1,5", "-3", "1e3"] {
        let response = add("7", wrong).await;
        assert_eq!(response.status(), 422, "{wrong}");
        let page = response.text().await.unwrap().replace("&#34;", "\"");
        let beside = format!(
            "<span class=\"field-error\" role=\"alert\">Số cử tri: \"{wrong}\" không phải một số đếm"
        );
        assert!(page.contains(&beside), "{wrong}");
        assert!(
            page.contains(&format!("name=\"voters\" value=\"{wrong}\"")),
            "what was typed is kept: {wrong}"
        );
    }
    let areas: i64 = sqlx::query_scalar("SELECT count(*) FROM polling_areas WHERE number = 7")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(areas, 0, "no refused count was saved");
    assert_eq!(add("7", "1.320").await.status(), 303);
    let voters: i32 = sqlx::query_scalar("SELECT voters FROM polling_areas WHERE number = 7")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(voters, 1320);
}

/// Every other form refuses the same way as the task form: a 422 page with the message beside
/// the field, what was typed kept, and nothing written.
#[tokio::test]
async fn every_form_refuses_beside_the_field_and_keeps_what_was_typed() {
    let app = TestApp::seeded().await;
    // Changes only: signing in is audited too.
    let audit_count = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action NOT LIKE 'login.%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };

    // An existing polling area's form, opened, with the typed count kept.
    let commune = app.as_user("xa.damha").await;
    commune
        .submit(
            "/units/commune/6895/polling-areas",
            &[("number", "1"), ("voters", "900"), ("kind", "ordinary")],
        )
        .await;
    let area: i64 = sqlx::query_scalar("SELECT id FROM polling_areas")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let before = audit_count().await;
    let wrong = commune
        .submit(
            &format!("/polling-areas/{area}"),
            &[
                ("number", "1"),
                ("voters", "1,5"),
                ("kind", "ordinary"),
                ("version", "1"),
            ],
        )
        .await;
    let page = refused_beside(wrong, "Số cử tri: \"1,5\" không phải một số đếm").await;
    assert!(page.contains("name=\"voters\" value=\"1,5\""));
    assert!(page.contains("<details open><summary>Sửa khu vực số 1"));

    // A return without a comment, and a reopening with a control character in it.
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    record(&commune, task, EVIDENCE).await;
    let before_review = audit_count().await;
    let province = app.as_user("tinh").await;
    let returned = province
        .submit(&format!("/tasks/{task}/return"), &[("comment", "  ")])
        .await;
    refused_beside(returned, "Cần ghi lý do.").await;
    let reopened = commune
        .submit(
            &format!("/tasks/{task}/reopen"),
            &[("comment", "Bổ\u{1b}sung")],
        )
        .await;
    refused_beside(reopened, "Lý do: có ký tự điều khiển").await;
    assert_eq!(audit_count().await, before_review, "no review was recorded");

    // Dissolving without a reason keeps the committee, and says so beside the reason.
    let created = commune
        .submit(
            "/units/commune/6895/bodies",
            &[
                ("kind", "election_committee"),
                ("name", "Ủy ban bầu cử thị trấn Đầm Hà"),
            ],
        )
        .await;
    let body = crate::helpers::location(&created);
    let dissolve = commune
        .submit(&format!("{body}/dissolve"), &[("reason", "")])
        .await;
    refused_beside(dissolve, "Lý do giải thể: cần nhập.").await;
    let decision = commune
        .submit(
            &body,
            &[
                ("name", "Ủy ban"),
                ("decision_date", "2099-01-01"),
                ("version", "1"),
            ],
        )
        .await;
    let page = refused_beside(
        decision,
        "Ngày quyết định 01/01/2099 là ngày trong tương lai",
    )
    .await;
    assert!(page.contains("name=\"decision_date\" type=\"text\" inputmode=\"numeric\" placeholder=\"ngày/tháng/năm\" autocomplete=\"off\" value=\"2099-01-01\""));

    // A calendar entry with no level: the title and the deadline stay in their boxes.
    let entry = province
        .submit(
            "/calendar",
            &[
                ("title_vi", "Rà soát danh sách cử tri"),
                ("deadline", "2021-04-30"),
            ],
        )
        .await;
    let page = refused_beside(entry, "Cần chọn ít nhất một cấp thực hiện.").await;
    assert!(page.contains("value=\"Rà soát danh sách cử tri\""));
    assert!(page.contains("value=\"2021-04-30\""));

    // An account whose unit is not of its role's level; a password change that does not match.
    let admin = app.as_user("admin").await;
    let account = admin
        .submit(
            "/admin/users",
            &[
                ("username", "can.bo.moi"),
                ("full_name", "Cán Bộ Mới"),
                ("role", "commune_officer"),
                ("unit", "district:200"),
            ],
        )
        .await;
    let page = refused_beside(account, "Vai trò này cần một đơn vị").await;
    assert!(page.contains("name=\"full_name\" value=\"Cán Bộ Mới\""));
    let password = commune
        .submit(
            "/account/password",
            &[
                ("current", crate::helpers::PASSWORD),
                ("new", "đèn lồng phố Hội ba mươi tháng"),
                ("confirm", "đèn lồng phố Hội khác hẳn"),
            ],
        )
        .await;
    let page = refused_beside(password, "Hai lần nhập mật khẩu mới không giống nhau.").await;
    assert!(!page.contains("đèn lồng"), "a password is never sent back");

    // A search too long to be a name: the text stays in the box.
    let long = "Đầm Hà ".repeat(40);
    let url = format!("/search?q={}", long.replace(' ', "+"));
    let response = commune.get(&url).await;
    let page = refused_beside(response, "Tìm kiếm: dài").await;
    assert!(page.contains("Đầm Hà Đầm Hà"));

    assert_eq!(
        audit_count().await,
        before + 2,
        "only the task's report and the committee"
    );
}

/// The application's connections run with the pages' time limits and without JIT compilation,
/// which cost the whole-country checks seconds of compiling (see `db::Limits::for_application`).
#[tokio::test]
async fn the_applications_connections_have_their_limits_and_no_jit() {
    let app = TestApp::seeded().await;
    let settings: (String, String, String) = sqlx::query_as(
        "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('jit')",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(settings, ("5s".into(), "2s".into(), "off".into()));
}
