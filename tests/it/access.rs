//! Every route against every role, anonymous, and a user of the wrong unit.

use baucu::auth::{Access, Role};
use reqwest::Method;

use crate::helpers::{TestApp, USERS, location};

/// A polling group of Thị trấn Đầm Hà, new for each request, so that destructive routes
/// (dissolve, delete) find their object whichever role came before.
async fn fresh_body(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "WITH area AS (
             INSERT INTO polling_areas (election_id, commune_id, number, name, voters)
             SELECT e.id, u.id, coalesce((SELECT max(number) FROM polling_areas), 0) + 1, 'Khu vực thử', 800
               FROM elections e, units u WHERE u.level = 'commune' AND u.gso_code = 6895
             RETURNING id, election_id, commune_id
         )
         INSERT INTO bodies (election_id, kind, unit_id, polling_area_id, name)
         SELECT election_id, 'polling_group', commune_id, id, 'Tổ bầu cử thử' FROM area RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn fresh_member(app: &TestApp) -> i64 {
    let body = fresh_body(app).await;
    sqlx::query_scalar("INSERT INTO body_members (body_id, full_name, role) VALUES ($1, 'Nguyễn Văn Thử', 'member') RETURNING id")
        .bind(body)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// The People's Council of Thị trấn Đầm Hà.
async fn commune_council(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT c.id FROM councils c JOIN units u ON u.id = c.unit_id WHERE u.level = 'commune' AND u.gso_code = 6895",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// A constituency of that council, new for each request.
async fn fresh_constituency(app: &TestApp) -> i64 {
    let council = commune_council(app).await;
    sqlx::query_scalar(
        "INSERT INTO constituencies (council_id, race_id, number, name, seats)
         SELECT c.id, c.race_id, coalesce((SELECT max(number) FROM constituencies WHERE council_id = c.id), 0) + 1,
                'Đơn vị thử', 3
           FROM councils c WHERE c.id = $1 RETURNING id",
    )
    .bind(council)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// A concrete address for a declared path, inside the territory every test user of Quảng Ninh
/// reaches (Thị trấn Đầm Hà); the admin pages act on a spare account.
async fn concrete(app: &TestApp, path: &str, spare_user: i64) -> String {
    let id = if path.starts_with("/bodies/") {
        fresh_body(app).await
    } else if path.starts_with("/members/") {
        fresh_member(app).await
    } else if path.starts_with("/polling-areas/") {
        sqlx::query_scalar("SELECT polling_area_id FROM bodies WHERE id = $1")
            .bind(fresh_body(app).await)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    } else if path.starts_with("/tasks/") {
        sqlx::query_scalar(
            "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id WHERE u.level = 'commune' AND u.gso_code = 6895
              ORDER BY t.id LIMIT 1",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/calendar/") {
        sqlx::query_scalar(
            "INSERT INTO calendar_entries (election_id, code, offset_days, kind, levels, title_vi, title_en)
             SELECT id, 'test_' || (SELECT count(*) FROM calendar_entries), 30, 'administrative', '{province}', 'Thử', 'Test'
               FROM elections RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/attachments/") {
        sqlx::query_scalar(
            "INSERT INTO task_attachments (task_id, file_name, content_type, size_bytes, content)
             SELECT t.id, 'a.pdf', 'application/pdf', 8, '%PDF-1.7'::bytea FROM tasks t JOIN units u ON u.id = t.unit_id
              WHERE u.level = 'commune' AND u.gso_code = 6895 ORDER BY t.id LIMIT 1 RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/briefs/") {
        sqlx::query_scalar(
            "INSERT INTO briefs (election_id, unit_id, created_by, content)
             SELECT e.id, (SELECT id FROM units WHERE level = 'commune' AND gso_code = 6895),
                    (SELECT id FROM users WHERE username = 'admin'),
                    '{\"unit_name\": \"Tỉnh Quảng Ninh\", \"election_name\": \"\", \"as_of\": \"\", \"headlines\": [],
                      \"changes\": [], \"overdue\": [], \"violations\": [], \"upcoming\": []}'
               FROM elections e RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/councils/") {
        commune_council(app).await
    } else if path.starts_with("/constituencies/") {
        fresh_constituency(app).await
    } else {
        spare_user
    };
    let file = if path.contains("/export/") {
        "polling-areas.xlsx"
    } else if path.starts_with("/dashboard/") || path.starts_with("/task-list/") {
        "bang.xlsx"
    } else {
        "style.css"
    };
    path.replace("{level}/{gso_code}", "commune/6895")
        .replace("{id}", &id.to_string())
        .replace("{file}", file)
}

async fn request(app: &TestApp, method: &Method, path: &str) -> reqwest::Response {
    if *method == Method::GET {
        return app.get(path).await;
    }
    // Unsafe requests carry the browser's token; the form is otherwise empty.
    app.submit(path, &[]).await
}

/// What a route must answer a user of `role` (None: anonymous).
fn assert_admitted(access: Access, role: Option<Role>, status: u16, location: &str, what: &str) {
    match (access, role) {
        (Access::Public, _) => assert!(
            status != 403 && !location.starts_with("/login?"),
            "{what}: {status}"
        ),
        (_, None) => {
            assert_eq!(status, 303, "{what}");
            assert!(
                location.starts_with("/login"),
                "{what}: anonymous goes to the login page, not {location}"
            );
        }
        (access, Some(role)) if access.admits(role) => {
            assert!(![401, 403, 404, 500].contains(&status), "{what}: {status}");
            // Logging out is the one admitted request that ends at the login page.
            if !what.starts_with("POST /logout") {
                assert!(!location.starts_with("/login"), "{what}: {location}");
            }
        }
        (_, Some(_)) => assert_eq!(status, 403, "{what}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_every_role_by_its_rule() {
    let app = TestApp::seeded().await;
    let mut table = baucu::web::routes().table().to_vec();
    assert!(table.len() >= 20, "the table lists every route");
    // Log out last, so the session lives through the rest.
    table.sort_by_key(|rule| rule.path == "/logout");
    // The user the admin pages act on: a spare account, so disabling it harms no one here.
    let target = app.user_id("bcd.khac").await;

    let mut browsers: Vec<(Option<Role>, String, TestApp)> =
        vec![(None, "anonymous".into(), app.other_browser())];
    for (username, role, _) in USERS.iter().filter(|(name, ..)| !name.ends_with(".khac")) {
        browsers.push((
            Some(*role),
            username.to_string(),
            app.as_user(username).await,
        ));
    }
    for rule in &table {
        for (role, name, browser) in &browsers {
            let path = concrete(&app, rule.path, target).await;
            let response = request(browser, &rule.method, &path).await;
            let what = format!("{} {} as {name}", rule.method, path);
            assert_admitted(
                rule.access,
                *role,
                response.status().as_u16(),
                &location(&response),
                &what,
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_unit_outside_the_users_scope_answers_404_like_a_missing_one() {
    let app = TestApp::seeded().await;
    // (user, a unit outside their scope, a unit inside it)
    let cases = [
        ("tinh.khac", "/units/district/200", "/units/province/20"),
        ("bcd.khac", "/units/commune/6895", "/units/province/20"),
        ("huyen.khac", "/units/district/200", "/units/district/201"),
        ("huyen.khac", "/units/commune/6895", "/units/province/22"),
        ("xa.khac", "/units/commune/6895", "/units/commune/6898"),
        ("xa.khac", "/units/province/22", "/units/district/200"),
        ("huyen", "/units/province/20", "/units/commune/6895"),
        ("xa.damha", "/units/commune/6898", "/units/district/200"),
    ];
    for (username, outside, inside) in cases {
        let browser = app.as_user(username).await;
        let (status, body) = browser.page(outside).await;
        assert_eq!(status, 404, "{username} {outside}");
        let (missing_status, missing_body) = browser.page("/units/commune/999999").await;
        assert_eq!(
            (status, body.len()),
            (missing_status, missing_body.len()),
            "indistinguishable from missing"
        );
        assert_eq!(browser.page(inside).await.0, 200, "{username} {inside}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_link_only_to_units_the_user_may_open() {
    let app = TestApp::signed_in("xa.damha").await;
    let (_, district) = app.page("/units/district/200").await;
    assert!(
        district.contains("href=\"/units/commune/6895\""),
        "its own commune"
    );
    assert!(
        !district.contains("href=\"/units/commune/6898\""),
        "not a sibling commune"
    );
    assert!(
        !district.contains("href=\"/units/province/22\""),
        "not the province"
    );
    let response = app.get("/units").await;
    assert_eq!(
        location(&response),
        "/units/commune/6895",
        "the unit browser opens at the user's unit"
    );
}

/// Marks the admin account, as a route that writes would.
async fn write_something(
    axum::extract::State(state): axum::extract::State<baucu::AppState>,
) -> &'static str {
    sqlx::query(
        "UPDATE users SET full_name = 'written by an unguarded route' WHERE username = 'admin'",
    )
    .execute(&state.pool)
    .await
    .unwrap();
    "secret"
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_without_an_access_rule_cannot_read_or_write() {
    // Added by hand beside the declared routes, as a careless change might: the guard refuses it
    // before its handler runs, for a signed-in administrator with a valid CSRF token too.
    let app = TestApp::seeded().await;
    let state = app.state.clone();
    let (routes, rules) = baucu::web::routes().into_parts();
    let router = routes
        .route(
            "/unguarded",
            axum::routing::get(write_something).post(write_something),
        )
        .layer(axum::middleware::from_fn_with_state(
            baucu::auth::guard::Guard {
                state: state.clone(),
                rules: std::sync::Arc::new(rules),
            },
            baucu::auth::guard::layer,
        ))
        .with_state(state)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut browser = app.other_browser();
    browser.address = address;
    assert_eq!(
        browser
            .login("admin", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );

    let response = browser.submit("/unguarded", &[]).await;
    assert_eq!(response.status(), 500);
    assert!(!response.text().await.unwrap().contains("secret"));
    let response = browser.get("/unguarded").await;
    assert_eq!(response.status(), 500);
    let written: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE full_name = 'written by an unguarded route'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(written, 0, "the handler never ran");
    // The declared routes around it still work.
    assert_eq!(browser.page("/me").await.0, 200);
}
