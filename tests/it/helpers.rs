//! The harness: one private PostgreSQL cluster per test run, started by the application's own
//! launcher and stopped when the test process exits; a fresh database per test, copied from a
//! migrated (and, for most tests, seeded) template; the real router on a real port.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use baucu::auth::Role;
use baucu::auth::password::Hasher;
use baucu::auth::session::SessionSettings;
use baucu::db::{self, Cluster};
use baucu::{AppState, clock::Clock};
use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection};

/// The role that owns every test database.
pub const TEST_ROLE: &str = "baucu_test";
/// The role the application under test connects as: it owns nothing, as in production.
pub const TEST_APP_ROLE: &str = "baucu_test_app";
const MIGRATED_TEMPLATE: &str = "tpl_migrated";
const SEEDED_TEMPLATE: &str = "tpl_seeded";

static CLUSTER: Mutex<Option<Cluster>> = Mutex::new(None);
static SOCKET_DIR: OnceLock<PathBuf> = OnceLock::new();
static TEMPLATES: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// The folder of this run's cluster: fixed per checkout, so later runs reuse the initialised files.
fn cluster_folder() -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_MANIFEST_DIR").hash(&mut hasher);
    std::env::temp_dir().join(format!("baucu-test-{:016x}", hasher.finish()))
}

extern "C" fn stop_cluster_at_exit() {
    if let Some(cluster) = CLUSTER.lock().ok().and_then(|mut c| c.take())
        && let Err(error) = cluster.stop()
    {
        eprintln!("stopping the test PostgreSQL failed: {error}");
    }
}

/// The socket folder of the shared test cluster, starting it on first use.
pub fn socket_dir() -> &'static Path {
    SOCKET_DIR.get_or_init(|| {
        let cluster = Cluster::start(&cluster_folder()).expect("starting the test PostgreSQL");
        let dir = cluster.socket_dir().to_path_buf();
        *CLUSTER.lock().unwrap() = Some(cluster);
        // SAFETY: registering a plain extern "C" function; it runs once when the process exits.
        unsafe { libc::atexit(stop_cluster_at_exit) };
        dir
    })
}

pub fn options(user: &str, database: &str) -> PgConnectOptions {
    PgConnectOptions::new()
        .socket(socket_dir())
        .username(user)
        .database(database)
}

/// A connection as the cluster's superuser.
pub async fn superuser() -> PgConnection {
    // The first call starts the cluster, which blocks: keep it off the async threads.
    tokio::task::spawn_blocking(|| {
        socket_dir();
    })
    .await
    .unwrap();
    options(db::cluster::SUPERUSER, "postgres")
        .connect()
        .await
        .expect("connecting as the superuser")
}

async fn drop_database(admin: &mut PgConnection, name: &str) {
    let sql = format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        db::quote_ident(name)
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(admin)
        .await
        .unwrap();
}

/// Builds the two templates once per run, from the current migrations and seed.
async fn templates() {
    TEMPLATES
        .get_or_init(|| async {
            let mut admin = superuser().await;
            // Databases of an earlier run, and templates built from older migrations, go first.
            let old: Vec<String> =
                sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%' OR datname LIKE 'tpl\\_%'")
                    .fetch_all(&mut admin)
                    .await
                    .unwrap();
            for name in old {
                drop_database(&mut admin, &name).await;
            }
            db::ensure_database(&mut admin, TEST_ROLE, MIGRATED_TEMPLATE, None).await.unwrap();
            db::ensure_login_role(&mut admin, TEST_APP_ROLE).await.unwrap();
            // Tests watch what the application's statements wait for, as another role.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("GRANT pg_read_all_stats TO {TEST_ROLE}")))
                .execute(&mut admin)
                .await
                .unwrap();
            let pool = connect(MIGRATED_TEMPLATE).await;
            db::migrate(&pool).await.unwrap();
            // Grants are copied with the template to every test database.
            db::grant_to_app(&pool, TEST_APP_ROLE).await.unwrap();
            pool.close().await;
            db::ensure_database(&mut admin, TEST_ROLE, SEEDED_TEMPLATE, Some(MIGRATED_TEMPLATE))
                .await
                .unwrap();
            let pool = connect(SEEDED_TEMPLATE).await;
            baucu::seed::quang_ninh_2021(&pool).await.unwrap();
            add_test_users(&pool).await;
            pool.close().await;
            admin.close().await.unwrap();
        })
        .await;
}

/// The password of every test user.
pub const PASSWORD: &str = "rừng cọ đồi chè xanh ngát";

/// The test users: one per role in its home unit, and for each scoped role one in another unit
/// (another district, a sibling commune, and another province added for this purpose).
pub const USERS: &[(&str, Role, &str)] = &[
    ("admin", Role::Admin, ""),
    ("tinh", Role::ProvinceOfficer, "province:22"),
    ("bcd", Role::SteeringMember, "province:22"),
    ("huyen", Role::DistrictOfficer, "district:200"),
    ("xa.damha", Role::CommuneOfficer, "commune:6895"),
    ("tinh.khac", Role::ProvinceOfficer, "province:20"),
    ("bcd.khac", Role::SteeringMember, "province:20"),
    ("huyen.khac", Role::DistrictOfficer, "district:201"),
    ("xa.khac", Role::CommuneOfficer, "commune:6898"),
    ("sotaichinh", Role::AgencyOfficer, "Sở Tài chính"),
];

async fn add_test_users(pool: &PgPool) {
    sqlx::raw_sql(
        "INSERT INTO units (level, division_type, gso_code, name, valid_from)
         VALUES ('province', 'tỉnh', 20, 'Tỉnh Lạng Sơn', '2021-01-01')",
    )
    .execute(pool)
    .await
    .unwrap();
    let hash = Hasher::new(1).hash(PASSWORD).await;
    let mut tx = pool.begin().await.unwrap();
    for (username, role, unit) in USERS {
        let input = baucu::users::NewUser {
            username: username.to_string(),
            full_name: format!("Người dùng {username}"),
            role: role.code().to_string(),
            unit: unit.to_string(),
            ..Default::default()
        };
        let user = baucu::users::validate(pool, &input).await.unwrap();
        let actor = baucu::audit::Actor::command_line();
        baucu::users::insert(&mut tx, &user, &hash, false, &actor, Clock::system().now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn connect(database: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options(TEST_ROLE, database))
        .await
        .expect("connecting to a test database")
}

/// What a test database starts from.
#[derive(Clone, Copy)]
pub enum Start {
    /// No tables at all.
    Empty,
    /// The schema, no data.
    Migrated,
    /// The schema and the Quảng Ninh 2021 election.
    Seeded,
}

/// A fresh database of its own for one test.
pub struct TestDatabase {
    pub name: String,
    pub pool: PgPool,
}

impl TestDatabase {
    pub async fn new(start: Start) -> TestDatabase {
        templates().await;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let template = match start {
            Start::Empty => None,
            Start::Migrated => Some(MIGRATED_TEMPLATE),
            Start::Seeded => Some(SEEDED_TEMPLATE),
        };
        let mut admin = superuser().await;
        db::ensure_database(&mut admin, TEST_ROLE, &name, template)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let pool = connect(&name).await;
        TestDatabase { name, pool }
    }

    /// The URL a separate process uses to reach this database.
    pub fn url(&self) -> String {
        format!(
            "postgres://{TEST_ROLE}@localhost/{}?host={}",
            self.name,
            socket_dir().display()
        )
    }
}

/// The day of the 27/01/2021 review meeting, when most tests are set.
pub fn review_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 1, 27).unwrap()
}

/// The application, served on a free port of the loopback interface, with a browser-like client
/// that keeps cookies.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub state: AppState,
}

impl TestApp {
    /// The application on the seeded Quảng Ninh data, as of the review meeting.
    pub async fn seeded() -> TestApp {
        TestApp::spawn(Start::Seeded, review_day()).await
    }

    pub async fn spawn(start: Start, today: NaiveDate) -> TestApp {
        let db = TestDatabase::new(start).await;
        // The application's own pool, as its own role and under the limits it runs with;
        // `db.pool` is the test's, as the owner.
        let pool = db::pool_options()
            .connect_with(db::Limits::default().for_application(options(TEST_APP_ROLE, &db.name)))
            .await
            .expect("connecting the application");
        let state = AppState::new(pool, Clock::fixed(today), SessionSettings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let app = baucu::router(state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestApp {
            address,
            client: new_client(),
            db,
            state,
        }
    }

    /// The same application seen from another browser (no cookies).
    pub fn other_browser(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            client: new_client(),
            db: TestDatabase {
                name: self.db.name.clone(),
                pool: self.db.pool.clone(),
            },
            state: self.state.clone(),
        }
    }

    /// The application seen by a signed-in test user (see `USERS`), in a browser of its own.
    pub async fn as_user(&self, username: &str) -> TestApp {
        let browser = self.other_browser();
        let response = browser.login(username, PASSWORD).await;
        assert_eq!(response.status(), 303, "{username} signs in");
        browser
    }

    /// The seeded application and a browser signed in as `username`.
    pub async fn signed_in(username: &str) -> TestApp {
        TestApp::seeded().await.as_user(username).await
    }

    /// Submits the login form as a person would: open the page, then post it with its token.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf_from("/login").await;
        self.post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// The CSRF token of the forms on a page.
    pub async fn csrf_from(&self, path: &str) -> String {
        let (_, body) = self.page(path).await;
        csrf_in(&body).unwrap_or_else(|| panic!("{path} has a form with a CSRF token"))
    }

    /// The token of this browser's session (or of its anonymous visit).
    pub async fn csrf(&self) -> String {
        let (_, body) = self.page("/account/password").await;
        match csrf_in(&body) {
            Some(token) => token,
            None => self.csrf_from("/login").await,
        }
    }

    /// Posts a form (the caller includes the token, or deliberately leaves it out).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{}", self.address, path))
            .form(fields)
            .send()
            .await
            .expect("the request reaches the application")
    }

    /// Posts a form with this browser's CSRF token added.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// The id of a test user.
    pub async fn user_id(&self, username: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("the request reaches the application")
    }

    /// A page's status and body.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }
}

fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// The value of the first `csrf` hidden field in a page.
pub fn csrf_in(page: &str) -> Option<String> {
    field_in(page, "csrf")
}

/// The value of the form field `name` in a page.
pub fn field_in(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page.find(&marker)? + marker.len();
    let end = page[at..].find('"')?;
    Some(page[at..at + end].to_string())
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// A form refused: a 422 page that says `message` beside a field. Returns the page, to check
/// that what was typed is kept.
pub async fn refused_beside(response: reqwest::Response, message: &str) -> String {
    assert_eq!(response.status(), 422, "refused: {message}");
    let page = response.text().await.unwrap().replace("&#34;", "\"");
    let beside = format!("<span class=\"field-error\" role=\"alert\">{message}");
    assert!(page.contains(&beside), "beside its field: {message}");
    page
}

/// Sends `bytes` as the `file` of a multipart form to `path` (the token in the query, as the
/// import pages send it); the status and the page, with quotes unescaped.
pub async fn upload(app: &TestApp, path: &str, name: &str, bytes: Vec<u8>) -> (u16, String) {
    let csrf = app.csrf().await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let response = app
        .client
        .post(format!("{}{path}?csrf={csrf}", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.text().await.unwrap().replace("&#34;", "\""),
    )
}
