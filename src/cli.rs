//! The `baucu` command: serve (the default), migrate, seed.

use std::process::ExitCode;

use anyhow::Context;
use tracing_subscriber::EnvFilter;

use crate::clock::Clock;
use crate::config::{Cli, Command, Config};
use crate::db::{self, Database};
use crate::{AppState, seed, web};

/// Runs a command; a failure prints one clear sentence, never a stack trace.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(&cli.config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("baucu: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    match runtime.block_on(execute(command, cli.config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("baucu: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    let database = Database::open(config.database_url.as_deref(), &config.data).await?;
    // Whatever happens next, the private PostgreSQL is stopped before returning.
    let outcome = match command {
        Command::Serve => serve(&database, &config).await,
        Command::Migrate => db::migrate(&database.pool).await,
        Command::Seed => seed_explicitly(&database).await,
    };
    let closed = database.close().await;
    outcome.and(closed)
}

async fn serve(database: &Database, config: &Config) -> anyhow::Result<()> {
    db::migrate(&database.pool).await?;
    if database.is_private() && !seed::has_run(&database.pool).await? {
        tracing::info!("first start of the private database: loading the Quảng Ninh 2021 election");
        let counts = seed::quang_ninh_2021(&database.pool).await?;
        tracing::info!(%counts, "seeded");
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (set BAUCU_BIND to another address)",
                config.bind
            )
        })?;
    let address = listener.local_addr()?;
    let state = AppState {
        pool: database.pool.clone(),
        clock: Clock::from_setting(config.today),
    };
    if let Some(today) = config.today {
        tracing::info!(%today, "running as of a fixed date (BAUCU_TODAY)");
    }
    println!("baucu đang chạy — mở http://{address} trong trình duyệt (Ctrl-C để dừng)");
    web::serve(listener, state).await.context("serving HTTP")?;
    tracing::info!("all requests finished");
    Ok(())
}

async fn seed_explicitly(database: &Database) -> anyhow::Result<()> {
    db::migrate(&database.pool).await?;
    let counts = seed::quang_ninh_2021(&database.pool).await?;
    println!("Đã nạp dữ liệu Quảng Ninh 2021: {counts}");
    Ok(())
}
