//! Logging in and out, sessions and their expiry, CSRF, passwords, throttling, security headers.

use std::time::Duration;

use crate::helpers::{PASSWORD, TestApp, location};

const MINUTE: Duration = Duration::from_secs(60);

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("baucu_session="))
        .map(|c| {
            c.split(';')
                .next()
                .unwrap()
                .trim_start_matches("baucu_session=")
                .to_string()
        })
}

/// A request carrying exactly this session cookie, from a browser with no other state.
async fn replay(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.other_browser()
        .client
        .get(format!("{}{}", app.address, path))
        .header("cookie", format!("baucu_session={token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logging_in_opens_a_session_with_a_safe_cookie() {
    let app = TestApp::seeded().await;
    let response = app.login("huyen", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/dashboard",
        "a district officer lands on its dashboard"
    );
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("baucu_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP in tests; BAUCU_SECURE_COOKIES adds it"
    );
    let token = session_cookie(&response).unwrap();
    assert!(token.len() >= 43, "at least 256 bits");
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE token_hash = sha256($1::text::bytea)",
    )
    .bind(&token)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(stored, 1, "the database keeps only the token's hash");
    let (_, home) = app.page("/").await;
    assert!(home.contains("Người dùng huyen") && home.contains("Cán bộ cấp huyện"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = TestApp::seeded().await;
    let wrong = app.login("huyen", "not the right password at all").await;
    let (wrong_status, wrong_body) = (wrong.status(), wrong.text().await.unwrap());
    let unknown = app
        .login("nobody.here", "not the right password at all")
        .await;
    let (unknown_status, unknown_body) = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(wrong_status, 401);
    assert_eq!(wrong_status, unknown_status);
    assert!(wrong_body.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
    assert!(unknown_body.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
}

#[tokio::test]
async fn next_after_login_stays_on_this_site() {
    let app = TestApp::seeded().await;
    let response = app.get("/units/district/200").await;
    assert_eq!(location(&response), "/login?next=%2Funits%2Fdistrict%2F200");
    let csrf = app.csrf_from("/login?next=%2Funits%2Fdistrict%2F200").await;
    let login = app
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "huyen"),
                ("password", PASSWORD),
                ("next", "/units/district/200"),
            ],
        )
        .await;
    assert_eq!(location(&login), "/units/district/200");

    let other = app.other_browser();
    let csrf = other.csrf_from("/login").await;
    let login = other
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "huyen"),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(location(&login), "/dashboard");
}

#[tokio::test]
async fn a_pre_login_cookie_never_becomes_authenticated() {
    let app = TestApp::seeded().await;
    let planted = "attacker-chosen-session-token-0123456789abcdef";
    // A bare client, so that exactly the cookies below are sent: the planted one and the
    // anonymous CSRF cookie the login page set.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = bare
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("baucu_csrf="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap();
    let csrf = crate::helpers::csrf_in(&page.text().await.unwrap()).unwrap();
    let login = bare
        .post(format!("{}/login", app.address))
        .header("cookie", format!("baucu_session={planted}; {csrf_cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "huyen"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let issued = session_cookie(&login).expect("a new session cookie");
    assert_ne!(issued, planted);
    assert_eq!(
        location(&replay(&app, planted, "/").await),
        "/login",
        "the planted token opens nothing"
    );
    assert_eq!(replay(&app, &issued, "/").await.status(), 200);
}

#[tokio::test]
async fn a_cookie_replayed_after_logout_opens_nothing() {
    let app = TestApp::seeded().await;
    let login = app.login("huyen", PASSWORD).await;
    let token = session_cookie(&login).unwrap();
    assert_eq!(replay(&app, &token, "/").await.status(), 200);
    let logout = app.submit("/logout", &[]).await;
    assert_eq!(location(&logout), "/login");
    assert_eq!(location(&replay(&app, &token, "/").await), "/login");
}

#[tokio::test]
async fn sessions_end_after_an_hour_idle_and_twelve_hours_in_all() {
    let app = TestApp::seeded().await;
    let token = session_cookie(&app.login("huyen", PASSWORD).await).unwrap();
    let clock = &app.state.clock;

    clock.advance(50 * MINUTE);
    assert_eq!(
        replay(&app, &token, "/").await.status(),
        200,
        "used within the hour"
    );
    clock.advance(50 * MINUTE);
    assert_eq!(
        replay(&app, &token, "/").await.status(),
        200,
        "an hour after login, but used since"
    );
    clock.advance(61 * MINUTE);
    assert_eq!(
        location(&replay(&app, &token, "/").await),
        "/login",
        "idle for more than an hour"
    );

    let token = session_cookie(&app.login("huyen", PASSWORD).await).unwrap();
    for _ in 0..14 {
        clock.advance(50 * MINUTE);
        assert_eq!(replay(&app, &token, "/").await.status(), 200, "kept busy");
    }
    clock.advance(21 * MINUTE);
    assert_eq!(
        location(&replay(&app, &token, "/").await),
        "/login",
        "twelve hours after login"
    );
}

#[tokio::test]
async fn disabling_or_demoting_a_user_takes_effect_on_their_next_request() {
    let app = TestApp::seeded().await;
    let officer = app.as_user("tinh").await;
    assert_eq!(officer.page("/audit").await.0, 200);
    let admin = app.as_user("admin").await;
    let id = app.user_id("tinh").await;

    let version: i32 = sqlx::query_scalar("SELECT version FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let demote = admin
        .submit(
            &format!("/admin/users/{id}"),
            &[
                ("username", "tinh"),
                ("full_name", "Người dùng tinh"),
                ("role", "steering_member"),
                ("unit", "province:22"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(demote.status(), 303);
    assert_eq!(
        location(&officer.get("/").await),
        "/login",
        "a change of role ends the live session"
    );
    let officer = app.as_user("tinh").await;
    assert_eq!(
        officer.page("/audit").await.0,
        403,
        "a steering member does not read the audit log"
    );

    let disable = admin
        .submit(&format!("/admin/users/{id}/disable"), &[])
        .await;
    assert_eq!(disable.status(), 303);
    assert_eq!(
        location(&officer.get("/").await),
        "/login",
        "the live session ended"
    );
    let again = app.other_browser().login("tinh", PASSWORD).await;
    assert_eq!(again.status(), 401, "a disabled account cannot log in");

    admin
        .submit(&format!("/admin/users/{id}/enable"), &[])
        .await;
    assert_eq!(
        app.other_browser().login("tinh", PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn unsafe_requests_need_the_token_and_our_own_origin() {
    let app = TestApp::signed_in("admin").await;
    let csrf = app.csrf().await;
    let create = |token: &str| {
        vec![
            ("csrf", token.to_string()),
            ("username", "moi.tao".to_string()),
            ("full_name", "Người mới".to_string()),
            ("role", "commune_officer".to_string()),
            ("unit", "commune:6895".to_string()),
        ]
    };
    let created = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM users WHERE username = 'moi.tao'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let url = format!("{}/admin/users", app.address);

    let missing = app
        .client
        .post(&url)
        .form(&create("")[1..])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403, "no token");
    let foreign = app
        .client
        .post(&url)
        .form(&create("a-token-from-another-session"))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403, "another session's token");
    let cross_origin = app
        .client
        .post(&url)
        .header("origin", "http://evil.example")
        .form(&create(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_origin.status(), 403, "a foreign Origin");
    let cross_site = app
        .client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .form(&create(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "Sec-Fetch-Site: cross-site");
    assert_eq!(created().await, 0, "nothing was changed");

    let same_origin = app
        .client
        .post(&url)
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .form(&create(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200, "the one-time password page");
    assert_eq!(created().await, 1);
}

#[tokio::test]
async fn logout_by_get_changes_nothing() {
    let app = TestApp::signed_in("huyen").await;
    let response = app.get("/logout").await;
    assert_eq!(response.status(), 405);
    assert_eq!(app.get("/").await.status(), 200, "still signed in");
}

#[tokio::test]
async fn new_passwords_follow_the_rules_at_their_boundaries() {
    let app = TestApp::signed_in("huyen").await;
    let change = |new: String| {
        let app = &app;
        async move {
            let response = app
                .submit(
                    "/account/password",
                    &[("current", PASSWORD), ("new", &new), ("confirm", &new)],
                )
                .await;
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, body) = change("mười bốn ký tự".to_string()).await;
    assert_eq!(status, 422, "14 characters");
    assert!(body.contains("ít nhất 15 ký tự"));
    let (status, body) = change("passwordpassword".to_string()).await;
    assert_eq!(status, 422);
    assert!(body.contains("quá phổ biến"));
    let (status, body) = change("huyen mật khẩu riêng".to_string()).await;
    assert_eq!(status, 422);
    assert!(body.contains("tên đăng nhập"));

    let started = std::time::Instant::now();
    let (status, body) = change("x".repeat(1_000_000)).await;
    assert_eq!(status, 422, "a one-megabyte password");
    assert!(body.contains("không được dài quá 256 ký tự"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered at once, without hashing"
    );

    let (status, _) = change("mười lăm ký tự!".to_string()).await;
    assert_eq!(status, 303, "15 characters, Vietnamese allowed");
}

#[tokio::test]
async fn changing_the_password_ends_the_users_other_sessions() {
    let app = TestApp::seeded().await;
    let here = app.as_user("huyen").await;
    let elsewhere = app.as_user("huyen").await;
    let new = "đồi thông hai mộ xanh";
    let response = here
        .submit(
            "/account/password",
            &[("current", PASSWORD), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(here.get("/").await.status(), 200, "this session goes on");
    assert_eq!(
        location(&elsewhere.get("/").await),
        "/login",
        "the other one ended"
    );
    assert_eq!(app.other_browser().login("huyen", new).await.status(), 303);
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_before_anything_else() {
    let app = TestApp::seeded().await;
    let admin = app.as_user("admin").await;
    let id = app.user_id("xa.khac").await;
    let reset = admin
        .submit(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    let page = reset.text().await.unwrap();
    let one_time = page
        .split("<code>")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(one_time.len(), 24);
    assert_eq!(
        app.other_browser()
            .login("xa.khac", PASSWORD)
            .await
            .status(),
        401,
        "the old one is gone"
    );

    let user = app.other_browser();
    let login = user.login("xa.khac", &one_time).await;
    assert_eq!(location(&login), "/account/password");
    assert_eq!(
        location(&user.get("/units/commune/6898").await),
        "/account/password"
    );
    let new = "chợ phiên Bình Liêu";
    let changed = user
        .submit(
            "/account/password",
            &[("current", &one_time), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(user.get("/units/commune/6898").await.status(), 200);
}

#[tokio::test]
async fn repeated_failures_make_the_next_attempt_wait_not_lock_out() {
    let app = TestApp::seeded().await;
    for _ in 0..5 {
        assert_eq!(
            app.login("huyen", "a wrong password, again").await.status(),
            401
        );
    }
    let throttled = app.login("huyen", PASSWORD).await;
    assert_eq!(throttled.status(), 429, "even the right password waits");
    let message = throttled.text().await.unwrap();
    assert!(
        message.contains("Vui lòng thử lại sau 1") && message.contains(" giây"),
        "{message}"
    );
    app.state.clock.advance(Duration::from_secs(16));
    assert_eq!(
        app.login("huyen", PASSWORD).await.status(),
        303,
        "after the wait it works"
    );
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM login_throttle WHERE key = 'user:huyen'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(left, 0, "a success clears the count");
}

/// Signing into one's own account forgives that account's failures only: the address's count
/// goes on, so an insider cannot spray guesses over other accounts between their own logins.
#[tokio::test]
async fn an_insider_cannot_spray_guesses_by_signing_in_between() {
    let app = TestApp::seeded().await;
    for guess in 0..20 {
        let name = format!("guess.{guess}");
        let status = app.login(&name, "a password sprayed").await.status();
        assert_eq!(status, 401, "guess {guess} is answered");
        if guess % 3 == 2 && guess < 18 {
            let own = app.other_browser().login("huyen", PASSWORD).await;
            assert_eq!(own.status(), 303, "the insider's own login");
        }
    }
    assert_eq!(
        app.login("guess.more", "a password sprayed").await.status(),
        429,
        "past the address's free failures, the address waits"
    );
}

/// An unknown name is checked against a dummy hash, so it costs what a wrong password costs.
#[tokio::test]
async fn an_unknown_name_takes_as_long_as_a_wrong_password() {
    let app = TestApp::seeded().await;
    let time = async |username: &str| {
        let started = std::time::Instant::now();
        assert_eq!(app.login(username, "not the password").await.status(), 401);
        started.elapsed()
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for (i, user) in ["huyen", "tinh", "bcd", "xa.damha", "xa.khac"]
        .iter()
        .enumerate()
    {
        known.push(time(user).await);
        unknown.push(time(&format!("nobody.{i}")).await);
    }
    known.sort();
    unknown.sort();
    let (known, unknown) = (known[2].as_secs_f64(), unknown[2].as_secs_f64());
    assert!(
        known / unknown < 1.5 && unknown / known < 1.5,
        "median known {known:.3} s, unknown {unknown:.3} s"
    );
}

#[tokio::test]
async fn security_headers_on_every_kind_of_response() {
    let app = TestApp::signed_in("huyen").await;
    let anonymous = app.other_browser();
    let responses = [
        ("200", app.get("/").await),
        ("303", anonymous.get("/").await),
        ("404", app.get("/no-such-page").await),
        ("static", app.get("/static/style.css").await),
    ];
    for (what, response) in responses {
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}");
        assert!(
            !csp.contains("unsafe-inline") && csp.contains("script-src 'self'"),
            "{what}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
    }
    let private = app.get("/").await;
    assert_eq!(
        private.headers()["cache-control"],
        "no-store",
        "signed-in pages are not cached"
    );
}

/// With no page asked for, each role lands on its own work after signing in.
#[tokio::test]
async fn each_role_lands_on_its_own_page() {
    let app = TestApp::seeded().await;
    for (username, landing) in [
        ("xa.damha", "/my-work"),
        ("huyen", "/dashboard"),
        ("bcd", "/dashboard"),
        ("tinh", "/dashboard"),
        ("admin", "/"),
    ] {
        let browser = app.other_browser();
        let response = browser.login(username, PASSWORD).await;
        assert_eq!(location(&response), landing, "{username}");
        assert_eq!(browser.page(landing).await.0, 200, "{username}");
    }
}
