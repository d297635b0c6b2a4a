//! The harness: one private PostgreSQL cluster per test run, started by the application's own
//! launcher and stopped when the test process exits; a fresh database per test, copied from a
//! migrated (and, for most tests, seeded) template; the real router on a real port.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use baucu::db::{self, Cluster};
use baucu::{AppState, clock::Clock};
use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection};

/// The role that owns every test database.
pub const TEST_ROLE: &str = "baucu_test";
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
            let pool = connect(MIGRATED_TEMPLATE).await;
            db::migrate(&pool).await.unwrap();
            pool.close().await;
            db::ensure_database(&mut admin, TEST_ROLE, SEEDED_TEMPLATE, Some(MIGRATED_TEMPLATE))
                .await
                .unwrap();
            let pool = connect(SEEDED_TEMPLATE).await;
            baucu::seed::quang_ninh_2021(&pool).await.unwrap();
            pool.close().await;
            admin.close().await.unwrap();
        })
        .await;
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

/// The application, served on a free port of the loopback interface.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
}

impl TestApp {
    /// The application on the seeded Quảng Ninh data, as of the review meeting.
    pub async fn seeded() -> TestApp {
        TestApp::spawn(Start::Seeded, review_day()).await
    }

    pub async fn spawn(start: Start, today: NaiveDate) -> TestApp {
        let db = TestDatabase::new(start).await;
        let state = AppState {
            pool: db.pool.clone(),
            clock: Clock::fixed(today),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, baucu::router(state)).await });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        TestApp {
            address,
            client,
            db,
        }
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
