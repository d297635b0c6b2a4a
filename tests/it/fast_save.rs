//! A task form saved in one statement, before the guard looks the session up: it is saved only
//! when the statement proves everything the guard and the route's rule check; anything else goes
//! on, unchanged and unwritten, to the ordinary way, which answers as it always did.

use axum::body::{Body, to_bytes};
use axum::response::Response;
use baucu::auth::session;
use baucu::checklists::fast_save;
use baucu::db::KeptConnection;

use crate::helpers::{TestApp, location};
use crate::tasks::written_for;

/// A session opened for a test user, with its cookie token and CSRF token.
struct Signed {
    token: String,
    csrf: String,
    session_id: i64,
    user_id: i64,
}

async fn session_of(app: &TestApp, username: &str) -> Signed {
    let user_id = app.user_id(username).await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let (session_id, token) = session::create(
        &mut conn,
        &app.state.sessions,
        app.state.clock.now(),
        user_id,
        None,
        None,
    )
    .await
    .unwrap();
    let csrf = sqlx::query_scalar("SELECT csrf_token FROM sessions WHERE id = $1")
        .bind(session_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    Signed {
        token,
        csrf,
        session_id,
        user_id,
    }
}

/// A task of commune 6895 (Đầm Hà), in the scope of "xa.damha" and "huyen".
async fn commune_task(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id
          WHERE c.code = 'voter_lists_posted' AND u.level = 'commune' AND u.gso_code = 6895",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn version(app: &TestApp, task: i64) -> i32 {
    sqlx::query_scalar("SELECT version FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Runs one change naming a row by `$1`.
async fn change(app: &TestApp, sql: &'static str, id: i64) {
    sqlx::query(sql)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

fn form_body(csrf: &str, version: i32, extra: &[(&str, &str)]) -> String {
    let version = version.to_string();
    let mut fields = vec![
        ("csrf", csrf),
        ("status", "in_progress"),
        ("note", "Đã in danh sách"),
        ("version", version.as_str()),
        ("submission", "a-one-time-token-long-enough-0001"),
    ];
    for (name, value) in extra {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Offers a task form to the one-statement save: its answer if it saved, none if it passed the
/// request on (with its body checked intact).
async fn attempt(
    app: &TestApp,
    task: i64,
    token: &str,
    body: &str,
    origin: Option<&str>,
) -> Option<Response> {
    let mut request = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/tasks/{task}"))
        .header("host", "127.0.0.1")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", body.len())
        .header("cookie", format!("{}={token}", session::COOKIE));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let request = request.body(Body::from(body.to_string())).unwrap();
    match fast_save::attempt(&app.state, request).await {
        Ok(response) => Some(response),
        Err(request) => {
            let passed_on = to_bytes(request.into_body(), usize::MAX).await.unwrap();
            assert_eq!(passed_on, body.as_bytes(), "the body goes on as it came");
            None
        }
    }
}

#[tokio::test]
async fn a_task_form_that_passes_every_check_is_saved_in_one_statement() {
    let app = TestApp::seeded().await;
    let officer = session_of(&app, "xa.damha").await;
    let task = commune_task(&app).await;
    let before = written_for(&app, task).await;

    let body = form_body(&officer.csrf, before.0, &[]);
    let response = attempt(&app, task, &officer.token, &body, None)
        .await
        .expect("saved without the ordinary way");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], format!("/tasks/{task}"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(
        written_for(&app, task).await,
        (before.0 + 1, before.1 + 1, before.2 + 1),
        "the task, its history and its audit record"
    );
    let (user, session, by): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT a.user_id, a.session_id, t.updated_by FROM audit_log a JOIN tasks t ON t.id = a.object_id
          WHERE a.action = 'task.updated' AND a.object_id = $1 ORDER BY a.id DESC LIMIT 1",
    )
    .bind(task)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        user,
        Some(officer.user_id),
        "recorded as the session's user"
    );
    assert_eq!(session, Some(officer.session_id));
    assert_eq!(by, Some(officer.user_id));

    // From the same origin it is taken too; sent again, the version it names has gone.
    let body = form_body(&officer.csrf, before.0 + 1, &[("note", "Lần hai")]);
    let origin = Some("http://127.0.0.1");
    assert!(
        attempt(&app, task, &officer.token, &body, origin)
            .await
            .is_some()
    );
    assert!(
        attempt(&app, task, &officer.token, &body, origin)
            .await
            .is_none(),
        "a form sent twice is the ordinary way's to explain"
    );
    assert_eq!(written_for(&app, task).await.0, before.0 + 2);
}

/// Each thing the guard, the route's rule or the handler would refuse or look at first: the
/// statement writes nothing and the request goes on.
#[tokio::test]
async fn a_form_the_statement_cannot_prove_goes_on_unwritten() {
    let app = TestApp::seeded().await;
    let task = commune_task(&app).await;
    let v = version(&app, task).await;
    let officer = session_of(&app, "xa.damha").await;
    let good = form_body(&officer.csrf, v, &[]);

    let other_token = session::random_token();
    let wrong_csrf = form_body(&other_token, v, &[]);
    let no_csrf = good.replacen("csrf=", "x=", 1);
    let stale = form_body(&officer.csrf, v + 7, &[]);
    let done = form_body(
        &officer.csrf,
        v,
        &[
            ("status", "done"),
            ("evidence_number", "15/QĐ-UBND"),
            ("evidence_date", "2021-01-20"),
            ("evidence_signer", "Chủ tịch UBND"),
        ],
    );
    let refused = form_body(&officer.csrf, v, &[("status", "blocked")]);
    let mine = officer.token.as_str();
    let cases = [
        ("wrong CSRF token", mine, &wrong_csrf, None),
        ("no CSRF token", mine, &no_csrf, None),
        ("foreign origin", mine, &good, Some("https://evil.example")),
        ("unknown session", other_token.as_str(), &good, None),
        ("stale version", mine, &stale, None),
        ("done, figures not yet looked at", mine, &done, None),
        ("a form the handler refuses", mine, &refused, None),
    ];
    for (case, token, body, origin) in cases {
        assert!(
            attempt(&app, task, token, body, origin).await.is_none(),
            "{case}"
        );
    }

    // The session and the account as the guard judges them.
    let session_states = [
        (
            "idle",
            "UPDATE sessions SET last_seen_at = last_seen_at - interval '2 hours' WHERE id = $1",
        ),
        (
            "due a touch",
            "UPDATE sessions SET last_seen_at = last_seen_at - interval '2 minutes' WHERE id = $1",
        ),
        (
            "signed out",
            "UPDATE sessions SET ended_at = now() WHERE id = $1",
        ),
        (
            "expired",
            "UPDATE sessions SET expires_at = created_at WHERE id = $1",
        ),
        (
            "account disabled",
            "UPDATE users SET disabled_at = now() WHERE id = (SELECT user_id FROM sessions WHERE id = $1)",
        ),
        (
            "new password due",
            "UPDATE users SET must_change_password = true WHERE id = (SELECT user_id FROM sessions WHERE id = $1)",
        ),
    ];
    for (case, sql) in session_states {
        let officer = session_of(&app, "xa.damha").await;
        change(&app, sql, officer.session_id).await;
        let body = form_body(&officer.csrf, v, &[]);
        assert!(
            attempt(&app, task, &officer.token, &body, None)
                .await
                .is_none(),
            "{case}"
        );
        change(
            &app,
            "UPDATE users SET disabled_at = NULL, must_change_password = false
              WHERE id = (SELECT user_id FROM sessions WHERE id = $1)",
            officer.session_id,
        )
        .await;
    }

    // Roles and scopes the route's rule and the editing scope refuse.
    for (username, case) in [
        ("bcd", "steering member"),
        ("xa.khac", "another commune's officer"),
        ("huyen.khac", "another district's officer"),
    ] {
        let user = session_of(&app, username).await;
        let body = form_body(&user.csrf, v, &[]);
        assert!(
            attempt(&app, task, &user.token, &body, None)
                .await
                .is_none(),
            "{case}"
        );
    }
    assert_eq!(
        written_for(&app, task).await,
        (v, 0, 0),
        "nothing was written in any case"
    );

    // Those in scope: the district officer above the commune, and the admin anywhere.
    for (i, username) in ["huyen", "admin"].into_iter().enumerate() {
        let user = session_of(&app, username).await;
        let body = form_body(&user.csrf, v + i as i32, &[]);
        assert!(
            attempt(&app, task, &user.token, &body, None)
                .await
                .is_some(),
            "{username}"
        );
    }
}

/// What the statement passes on is answered as before: refused, sent to sign in, or saved by the
/// ordinary way (a session due a touch).
#[tokio::test]
async fn the_ordinary_way_answers_what_the_statement_passed_on() {
    let app = TestApp::seeded().await;
    let task = commune_task(&app).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |token: String, body: String| {
        client
            .post(format!("{}/tasks/{task}", app.address))
            .header("cookie", format!("{}={token}", session::COOKIE))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    let officer = session_of(&app, "xa.damha").await;
    let v = version(&app, task).await;
    let denied_before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'access.denied'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let response = post(
        officer.token.clone(),
        form_body(&session::random_token(), v, &[]),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 403, "a wrong CSRF token");
    let denied_after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'access.denied'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        denied_after,
        denied_before + 1,
        "and the refusal is audited"
    );

    let steering = session_of(&app, "bcd").await;
    let response = post(steering.token.clone(), form_body(&steering.csrf, v, &[]))
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "a steering member");

    let other = session_of(&app, "xa.khac").await;
    let response = post(other.token.clone(), form_body(&other.csrf, v, &[]))
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "another commune's task");

    let idle = session_of(&app, "xa.damha").await;
    change(
        &app,
        "UPDATE sessions SET last_seen_at = last_seen_at - interval '2 hours' WHERE id = $1",
        idle.session_id,
    )
    .await;
    let response = post(idle.token.clone(), form_body(&idle.csrf, v, &[]))
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        403,
        "an idle session has ended, so its form's token is no one's"
    );

    let due = session_of(&app, "xa.damha").await;
    change(
        &app,
        "UPDATE users SET must_change_password = true WHERE id = $1",
        due.user_id,
    )
    .await;
    let response = post(due.token.clone(), form_body(&due.csrf, v, &[]))
        .await
        .unwrap();
    assert_eq!(
        location(&response),
        "/account/password",
        "a new password first"
    );
    change(
        &app,
        "UPDATE users SET must_change_password = false WHERE id = $1",
        due.user_id,
    )
    .await;
    assert_eq!(
        written_for(&app, task).await,
        (v, 0, 0),
        "nothing was written"
    );

    // A session due a touch is saved by the ordinary way, which touches it.
    change(
        &app,
        "UPDATE sessions SET last_seen_at = last_seen_at - interval '2 minutes' WHERE id = $1",
        officer.session_id,
    )
    .await;
    let response = post(officer.token.clone(), form_body(&officer.csrf, v, &[]))
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/tasks/{task}"));
    assert_eq!(written_for(&app, task).await, (v + 1, 1, 1));
    let touched: bool =
        sqlx::query_scalar("SELECT last_seen_at >= created_at FROM sessions WHERE id = $1")
            .bind(officer.session_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(touched, "the session was touched");
}

async fn backend(conn: &mut sqlx::PgConnection) -> sqlx::Result<i32> {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(conn)
        .await
}

/// Idle in the pool, once the returns the pool runs in the background have finished.
async fn idle_in(pool: &sqlx::PgPool) -> usize {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    pool.num_idle()
}

/// Update after update uses the one connection kept aside (it is out of the pool meanwhile),
/// while another update at the same time uses the pool; a connection whose statement failed is
/// not kept; releasing the kept one lets the pool close.
#[tokio::test]
async fn task_updates_keep_one_connection_warm_and_never_a_failed_one() {
    let db = crate::helpers::TestDatabase::new(crate::helpers::Start::Migrated).await;
    let pool = db.pool.clone();
    let kept = KeptConnection::default();

    let mut first = kept.take(&pool).await.unwrap();
    let warm = backend(&mut first).await.unwrap();
    first.done();
    assert_eq!(idle_in(&pool).await, 0, "put aside, not back in the pool");
    let mut again = kept.take(&pool).await.unwrap();
    assert_eq!(backend(&mut again).await.unwrap(), warm, "the same backend");
    let mut meanwhile = kept.take(&pool).await.unwrap();
    let other = backend(&mut meanwhile).await.unwrap();
    assert_ne!(other, warm, "an update at the same time uses the pool");
    meanwhile.done();
    again.done();
    assert_eq!(
        idle_in(&pool).await,
        1,
        "the second put aside goes back to the pool"
    );
    let mut next = kept.take(&pool).await.unwrap();
    assert_eq!(
        backend(&mut next).await.unwrap(),
        other,
        "the first put aside is the one kept"
    );
    assert_eq!(idle_in(&pool).await, 1);
    next.done();

    // The kept connection's backend goes away: the update on it fails, and the next one works.
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(other)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(ended);
    let mut dead = kept.take(&pool).await.unwrap();
    assert!(
        backend(&mut dead).await.is_err(),
        "the kept, dead connection was the one taken"
    );
    drop(dead);
    let mut fresh = kept.take(&pool).await.unwrap();
    let working = backend(&mut fresh)
        .await
        .expect("a failed connection is not kept");
    assert_ne!(working, other);
    let idle = idle_in(&pool).await;
    fresh.done();
    assert_eq!(
        idle_in(&pool).await,
        idle,
        "the working one is kept instead"
    );

    kept.release();
    assert_eq!(idle_in(&pool).await, idle + 1, "released into the pool");
    tokio::time::timeout(std::time::Duration::from_secs(10), pool.close())
        .await
        .expect("the pool closes once the kept connection is released");
}
