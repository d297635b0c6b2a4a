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
/// The role the server's pages run as in the private cluster; it owns nothing.
pub const PRIVATE_APPLICATION_ROLE: &str = "baucu_app";

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

    /// The application's connections: these limits, and no JIT compilation. JIT pays only for
    /// long analytical queries, and ours are short or made of many small steps: on the national
    /// data set it spent 0.5–2.4 s compiling the whole-country structure checks, which then ran
    /// past the 5 s page limit; without it the same statement takes about 2.5 s. Seeding, on the
    /// owner's connections, keeps it.
    pub fn for_application(&self, options: PgConnectOptions) -> PgConnectOptions {
        self.apply(options).options([("jit", "off")])
    }

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
///
/// Two roles reach it. The owner owns every table and function and runs the migrations and the
/// seeding. The server's pages run as the application's role, which owns nothing: it may read and
/// change the data, only add to the audit log, and chain it only through `audit_seal()`, so that
/// it can neither disable the log's triggers nor rewrite its seals (`grant_to_app`).
pub struct Database {
    /// The application's connections, under the limits it was opened with.
    pub pool: PgPool,
    /// How the owner connects.
    owner: PgConnectOptions,
    cluster: Option<Cluster>,
}

impl Database {
    /// Connects to `database_url` (as the application's role; `owner_url` names the owner, or
    /// the same role owns everything), or starts the private cluster in `<data>/pg` when it is
    /// `None`; every pooled connection runs under `limits`.
    pub async fn open(
        database_url: Option<&str>,
        owner_url: Option<&str>,
        data: &Path,
        limits: &Limits,
    ) -> anyhow::Result<Database> {
        let (application, owner, cluster) = match database_url {
            Some(url) => {
                let application = PgConnectOptions::from_str(url)
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                let owner = match owner_url {
                    Some(url) => PgConnectOptions::from_str(url)
                        .context("DATABASE_OWNER_URL is not a valid PostgreSQL URL")?,
                    None => application.clone(),
                };
                (application, owner, None)
            }
            None => {
                let folder = data.to_path_buf();
                let cluster =
                    tokio::task::spawn_blocking(move || Cluster::start(&folder)).await??;
                if let Err(error) = prepare_private(&cluster).await {
                    tokio::task::spawn_blocking(move || cluster.stop()).await??;
                    return Err(error);
                }
                (
                    socket_options(&cluster, PRIVATE_APPLICATION_ROLE, PRIVATE_DATABASE),
                    socket_options(&cluster, PRIVATE_DATABASE, PRIVATE_DATABASE),
                    Some(cluster),
                )
            }
        };
        let pool = match pool_options()
            .connect_with(limits.for_application(application))
            .await
        {
            Ok(pool) => pool,
            Err(error) => {
                if let Some(cluster) = cluster {
                    tokio::task::spawn_blocking(move || cluster.stop()).await??;
                }
                return Err(error).context("cannot connect to the database");
            }
        };
        Ok(Database {
            pool,
            owner,
            cluster,
        })
    }

    /// A small pool of the owner's, without the pages' limits: migrations and seeding take as
    /// long as they take. Closed by the caller when done.
    pub async fn owner_pool(&self) -> anyhow::Result<PgPool> {
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(Limits::NONE.apply(self.owner.clone()))
            .await
            .context("cannot connect as the database's owner")
    }

    /// Applies the migrations as the owner, then grants the application's role what it may do.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let owner = self.owner_pool().await?;
        migrate(&owner).await?;
        let application = self.pool.connect_options().get_username().to_string();
        if application == self.owner.get_username() {
            tracing::warn!(
                "the application connects as the database's owner, which could rewrite the audit \
                 log; set DATABASE_OWNER_URL to a separate owner role (see the README)"
            );
        } else {
            grant_to_app(&owner, &application).await?;
        }
        owner.close().await;
        Ok(())
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

/// Makes sure the private cluster has the owner role and its database, and the application's
/// role. Only this uses the cluster's superuser; the application never runs as it.
async fn prepare_private(cluster: &Cluster) -> anyhow::Result<()> {
    let admin = socket_options(cluster, cluster::SUPERUSER, "postgres");
    let mut admin = sqlx::ConnectOptions::connect(&admin)
        .await
        .context("cannot connect to the private PostgreSQL")?;
    ensure_database(&mut admin, PRIVATE_DATABASE, PRIVATE_DATABASE, None).await?;
    ensure_login_role(&mut admin, PRIVATE_APPLICATION_ROLE).await?;
    sqlx::Connection::close(admin).await?;
    Ok(())
}

/// What the application's role may do, granted by the owner after each migration (so that new
/// tables are covered): read and change the data; add to the audit log but never change or
/// remove a record; read the seals but write them only through `audit_seal()`, which runs as
/// the owner. It owns nothing, so it can alter no table and disable no trigger.
pub async fn grant_to_app(owner: &PgPool, role: &str) -> anyhow::Result<()> {
    let role = quote_ident(role);
    let sql = format!(
        "GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
         REVOKE UPDATE, DELETE ON audit_log FROM {role};
         REVOKE INSERT, UPDATE, DELETE ON audit_seal, audit_seal_mark, _sqlx_migrations FROM {role};"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(owner)
        .await
        .context("granting the application's role its rights")?;
    Ok(())
}

/// Creates the login role `name` unless it exists.
pub async fn ensure_login_role(admin: &mut sqlx::PgConnection, name: &str) -> anyhow::Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(name)
            .fetch_one(&mut *admin)
            .await?;
    if !exists {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE {} LOGIN",
            quote_ident(name)
        )))
        .execute(&mut *admin)
        .await?;
    }
    Ok(())
}

/// Creates the login role `owner` and the database `name` owned by it (copied from `template` when
/// given), each only if missing.
pub async fn ensure_database(
    admin: &mut sqlx::PgConnection,
    owner: &str,
    name: &str,
    template: Option<&str>,
) -> anyhow::Result<()> {
    ensure_login_role(admin, owner).await?;
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
