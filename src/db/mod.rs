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

/// An open database, and the private cluster behind it when there is one.
pub struct Database {
    pub pool: PgPool,
    cluster: Option<Cluster>,
}

impl Database {
    /// Connects to `database_url`, or starts the private cluster in `<data>/pg` when it is `None`.
    pub async fn open(database_url: Option<&str>, data: &Path) -> anyhow::Result<Database> {
        match database_url {
            Some(url) => {
                let options = PgConnectOptions::from_str(url)
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                let pool = pool_options()
                    .connect_with(options)
                    .await
                    .context("cannot connect to the server named by DATABASE_URL")?;
                Ok(Database {
                    pool,
                    cluster: None,
                })
            }
            None => {
                let folder = data.to_path_buf();
                let cluster =
                    tokio::task::spawn_blocking(move || Cluster::start(&folder)).await??;
                let pool = match private_pool(&cluster, PRIVATE_DATABASE).await {
                    Ok(pool) => pool,
                    Err(error) => {
                        tokio::task::spawn_blocking(move || cluster.stop()).await??;
                        return Err(error);
                    }
                };
                Ok(Database {
                    pool,
                    cluster: Some(cluster),
                })
            }
        }
    }

    /// Whether this is the private cluster (which seeds itself on first start).
    pub fn is_private(&self) -> bool {
        self.cluster.is_some()
    }

    /// Closes the pool, then stops the private cluster unless another baucu process still uses it.
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close().await;
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

fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(16)
        .max_lifetime(MAX_LIFETIME)
        .acquire_timeout(Duration::from_secs(10))
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
pub async fn private_pool(cluster: &Cluster, name: &str) -> anyhow::Result<PgPool> {
    let admin = socket_options(cluster, cluster::SUPERUSER, "postgres");
    let mut admin = sqlx::ConnectOptions::connect(&admin)
        .await
        .context("cannot connect to the private PostgreSQL")?;
    ensure_database(&mut admin, name, name, None).await?;
    sqlx::Connection::close(admin).await?;
    pool_options()
        .connect_with(socket_options(cluster, name, name))
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
