//! Where the data lives: a PostgreSQL server named by `DATABASE_URL`, or the private cluster.

pub mod cluster;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub use cluster::Cluster;

/// The application's database inside the private cluster, and the role that owns it.
pub const PRIVATE_DATABASE: &str = "baucu";

/// How long the application's statements may run and wait for a lock. Pages get short limits,
/// so that a row locked by someone else holds up only the requests that need it; jobs (an
/// import, sealing the audit log) raise theirs inside their own transaction (`allow_job`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub statement: Duration,
    pub lock: Duration,
    pub job: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::PAGES
    }
}

impl Limits {
    /// The server's limits unless its settings say otherwise.
    pub const PAGES: Limits = Limits {
        statement: Duration::from_secs(5),
        lock: Duration::from_secs(2),
        job: Duration::from_secs(300),
    };

    /// No limit: the command line's migrations and seeding, run by an operator who can stop them.
    pub const NONE: Limits = Limits {
        statement: Duration::ZERO,
        lock: Duration::ZERO,
        job: Duration::ZERO,
    };

    /// `options` with these limits set for every connection. The server also checks every second
    /// that the client is still there, so a statement whose process has gone is cancelled
    /// rather than left to commit (PostgreSQL 14 or later).
    pub fn apply(&self, options: PgConnectOptions) -> PgConnectOptions {
        let millis = |d: Duration| d.as_millis().to_string();
        options.options([
            ("statement_timeout", millis(self.statement)),
            ("lock_timeout", millis(self.lock)),
            ("client_connection_check_interval", "1000".to_string()),
        ])
    }
}

/// Raises the statement limit to the job limit for the rest of the transaction `tx`.
pub async fn allow_job(tx: &mut sqlx::PgConnection, limits: &Limits) -> sqlx::Result<()> {
    sqlx::query_scalar!(
        "SELECT set_config('statement_timeout', $1, true)",
        limits.job.as_millis().to_string()
    )
    .fetch_one(tx)
    .await?;
    Ok(())
}

/// An open database, and the private cluster behind it when there is one.
pub struct Database {
    pub pool: PgPool,
    /// How to reach it without the pages' limits, for migrations and first seeding.
    options: PgConnectOptions,
    cluster: Option<Cluster>,
}

impl Database {
    /// Connects to `database_url`, or starts the private cluster in `<data>/pg` when it is `None`;
    /// every pooled connection runs under `limits`.
    pub async fn open(
        database_url: Option<&str>,
        data: &Path,
        limits: &Limits,
    ) -> anyhow::Result<Database> {
        match database_url {
            Some(url) => {
                let options = PgConnectOptions::from_str(url)
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                let pool = pool_options()
                    .connect_with(limits.apply(options.clone()))
                    .await
                    .context("cannot connect to the server named by DATABASE_URL")?;
                Ok(Database {
                    pool,
                    options,
                    cluster: None,
                })
            }
            None => {
                let folder = data.to_path_buf();
                let cluster =
                    tokio::task::spawn_blocking(move || Cluster::start(&folder)).await??;
                let options = socket_options(&cluster, PRIVATE_DATABASE, PRIVATE_DATABASE);
                let pool = match private_pool(&cluster, PRIVATE_DATABASE, limits).await {
                    Ok(pool) => pool,
                    Err(error) => {
                        tokio::task::spawn_blocking(move || cluster.stop()).await??;
                        return Err(error);
                    }
                };
                Ok(Database {
                    pool,
                    options,
                    cluster: Some(cluster),
                })
            }
        }
    }

    /// A small pool without the pages' limits: migrations and the first seeding take as long
    /// as they take. Closed by the caller when done.
    pub async fn unlimited_pool(&self) -> anyhow::Result<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(2)
            .connect_with(Limits::NONE.apply(self.options.clone()))
            .await?)
    }

    /// Watches the private PostgreSQL while the server runs: if it stops, it is started again
    /// (and logged). Returns only if it cannot be started again, with why. Without a private
    /// cluster there is nothing of ours to watch; the pool reconnects when the server is back.
    pub async fn watch(&self) -> anyhow::Error {
        let Some(cluster) = &self.cluster else {
            return std::future::pending().await;
        };
        let mut failures = 0;
        loop {
            tokio::time::sleep(WATCH_EVERY).await;
            match tokio::task::block_in_place(|| cluster.start_again_if_stopped()) {
                Ok(false) => failures = 0,
                Ok(true) => {
                    failures = 0;
                    tracing::error!(
                        "the private PostgreSQL had stopped; it was started again and requests resume"
                    );
                }
                // The processes of a killed server may take a moment to go; then give up, so
                // that whoever runs baucu sees why rather than a server answering 503 for ever.
                Err(error) if failures < 4 => {
                    failures += 1;
                    tracing::error!(%error, "the private PostgreSQL stopped; starting it again failed, retrying");
                }
                Err(error) => {
                    return anyhow::Error::new(error)
                        .context("the private PostgreSQL stopped and cannot be started again");
                }
            }
        }
    }

    /// Whether this is the private cluster (which seeds itself on first start).
    pub fn is_private(&self) -> bool {
        self.cluster.is_some()
    }

    /// Closes the pool, then stops the private cluster unless another baucu process still uses it.
    pub async fn close(self) -> anyhow::Result<()> {
        // A request still holding a connection past the drain deadline is not waited for.
        let _ = tokio::time::timeout(Duration::from_secs(3), self.pool.close()).await;
        if let Some(cluster) = self.cluster {
            let stopped = tokio::task::spawn_blocking(move || cluster.stop()).await??;
            if stopped {
                tracing::info!("private PostgreSQL stopped");
            } else {
                tracing::info!("private PostgreSQL left running for another baucu process");
            }
        }
        Ok(())
    }
}

/// Applies the migrations that have not run yet.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations")
        .run(pool)
        .await
        .context("applying the database migrations")
}

/// How often the private PostgreSQL is checked.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// The pool's size; `WRITERS_AT_ONCE` of it may be held by changes, the rest stays for reading.
pub const POOL_SIZE: u32 = 16;
pub const WRITERS_AT_ONCE: usize = 12;

/// How long a request waits for a connection before it is answered 503: short, so that with
/// the database down every page says so at once.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .max_lifetime(MAX_LIFETIME)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // By default every query would first ping its connection: a second round trip for each
        // one, a third of a task update's cost. A connection that has just been used is known to
        // be alive; one idle for a while is pinged (a restarted server leaves it dead), and a
        // connection that fails mid-query is dropped by the pool anyway.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// A pooled connection idle this long is checked before it is used.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// A connection this old is closed when it comes back to the pool, so that no backend grows
/// for ever (sqlx's default, stated here to be seen).
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Connection options for a database of the private cluster, through its socket.
pub fn socket_options(cluster: &Cluster, user: &str, database: &str) -> PgConnectOptions {
    PgConnectOptions::new()
        .socket(cluster.socket_dir())
        .username(user)
        .database(database)
}

/// Makes sure the role and database `name` exist in the private cluster, then connects as that role.
/// The application never runs as the cluster's superuser.
pub async fn private_pool(
    cluster: &Cluster,
    name: &str,
    limits: &Limits,
) -> anyhow::Result<PgPool> {
    let admin = socket_options(cluster, cluster::SUPERUSER, "postgres");
    let mut admin = sqlx::ConnectOptions::connect(&admin)
        .await
        .context("cannot connect to the private PostgreSQL")?;
    ensure_database(&mut admin, name, name, None).await?;
    sqlx::Connection::close(admin).await?;
    pool_options()
        .connect_with(limits.apply(socket_options(cluster, name, name)))
        .await
        .with_context(|| format!("cannot connect to the private database {name}"))
}

/// Creates the login role `owner` and the database `name` owned by it (copied from `template` when
/// given), each only if missing.
pub async fn ensure_database(
    admin: &mut sqlx::PgConnection,
    owner: &str,
    name: &str,
    template: Option<&str>,
) -> anyhow::Result<()> {
    let role_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(owner)
            .fetch_one(&mut *admin)
            .await?;
    if !role_exists {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE {} LOGIN",
            quote_ident(owner)
        )))
        .execute(&mut *admin)
        .await?;
    }
    let database_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut *admin)
            .await?;
    if !database_exists {
        let template = template
            .map(|t| format!(" TEMPLATE {}", quote_ident(t)))
            .unwrap_or_default();
        let sql = format!(
            "CREATE DATABASE {} OWNER {}{template}",
            quote_ident(name),
            quote_ident(owner)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *admin)
            .await?;
    }
    Ok(())
}

/// Quotes an SQL identifier (for the few statements that cannot take parameters).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
