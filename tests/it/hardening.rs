//! Faults a real day brings: a row locked by someone else, more changes than connections.

use std::time::{Duration, Instant};

use crate::helpers::TestApp;
use crate::tasks::{submission, task_id};

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
