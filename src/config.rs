//! Settings, from the environment or the command line (a flag wins over its variable).

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "baucu",
    version,
    about = "Chuẩn bị bầu cử — preparing Vietnam's elections"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply the database migrations that have not run yet.
    Migrate,
    /// Load the Quảng Ninh 2021 election (idempotent: running it twice changes nothing).
    Seed,
}

#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Address to serve HTTP on.
    #[arg(
        long,
        env = "BAUCU_BIND",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind: SocketAddr,

    /// PostgreSQL server to use; without it baucu runs a private PostgreSQL in <data>/pg.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for the private PostgreSQL and other local state.
    #[arg(long, env = "BAUCU_DATA", default_value = "data", global = true)]
    pub data: PathBuf,

    /// Run as of this date (YYYY-MM-DD) instead of the system date.
    #[arg(long, env = "BAUCU_TODAY", global = true)]
    pub today: Option<NaiveDate>,

    /// Log filter, for example "info" or "baucu=debug,tower_http=info".
    #[arg(
        long = "log",
        env = "RUST_LOG",
        default_value = "info,sqlx=warn",
        global = true
    )]
    pub log: String,
}
