//! Settings, from the environment or the command line (a flag wins over its variable).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Load the Quảng Ninh 2021 election (idempotent: running it twice changes nothing), or with
    /// --national the whole country's data set into an empty database.
    Seed(SeedArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Change the election being worked on.
    #[command(subcommand)]
    Election(ElectionCommand),
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum ElectionCommand {
    /// Create an election from the legal calendar template, with every unit's checklist.
    Create {
        /// The election's name.
        #[arg(long)]
        name: String,
        /// Election day (a Sunday), yyyy-mm-dd.
        #[arg(long)]
        day: chrono::NaiveDate,
        /// The unit it covers, LEVEL:GSO_CODE (province:22) or its name.
        #[arg(long)]
        unit: String,
        /// The races, comma-separated: na, province_council, district_council, commune_council
        /// (all that the unit's level holds when left out).
        #[arg(long, value_delimiter = ',')]
        races: Vec<String>,
    },
    /// Move election day (a later Sunday); every deadline is recomputed from it.
    Move {
        /// The new election day, yyyy-mm-dd.
        #[arg(long)]
        day: chrono::NaiveDate,
        /// Why, with the document that decided it.
        #[arg(long)]
        reason: String,
        /// Which election (its number on the election page); the latest when left out.
        #[arg(long)]
        election: Option<i64>,
    },
}

#[derive(clap::Args, Debug, Clone, PartialEq, Eq)]
pub struct SeedArgs {
    /// Build the whole country (63 provinces, 10,603 communes, about 85,000 polling areas).
    #[arg(long)]
    pub national: bool,
    /// The number the national figures are generated from; the same number gives the same data.
    #[arg(long, default_value_t = 2021)]
    pub seed_number: u64,
    /// The day (yyyy-mm-dd) the national campaign's progress is recorded up to.
    #[arg(long, default_value = "2021-04-20")]
    pub as_of: chrono::NaiveDate,
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Create an account; the password is read from the terminal, or from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin, province_officer, steering_member, district_officer, commune_officer or
        /// agency_officer.
        #[arg(long)]
        role: String,
        /// The unit the account answers for, as LEVEL:GSO_CODE (not for an admin); for an
        /// agency officer, its agency as agency:ID or by name.
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        full_name: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum AuditCommand {
    /// Walk the hash chain and name the first record that was altered or removed.
    Verify {
        /// A heads file the server wrote (`<data>/audit-heads.log`, or a copy kept elsewhere):
        /// the chain must still hold every head recorded in it.
        #[arg(long)]
        head: Option<std::path::PathBuf>,
    },
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

    /// The owner role's connection to that server, for migrations and seeding; DATABASE_URL is then
    /// the application's role, which owns nothing. Unset: DATABASE_URL's role does both.
    #[arg(
        long,
        env = "DATABASE_OWNER_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_owner_url: Option<String>,

    /// Folder for the private PostgreSQL and other local state.
    #[arg(long, env = "BAUCU_DATA", default_value = "data", global = true)]
    pub data: PathBuf,

    /// Run as of this date (YYYY-MM-DD) instead of the system date.
    #[arg(long, env = "BAUCU_TODAY", global = true)]
    pub today: Option<NaiveDate>,

    /// Minutes of inactivity after which a session ends.
    #[arg(
        long,
        env = "BAUCU_SESSION_IDLE_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub session_idle_minutes: u64,

    /// Hours after login at which a session ends, used or not.
    #[arg(
        long,
        env = "BAUCU_SESSION_MAX_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_max_hours: u64,

    /// Mark cookies Secure: set this when the site is served over HTTPS (directly or behind a TLS proxy).
    #[arg(
        long,
        env = "BAUCU_SECURE_COOKIES",
        default_value_t = false,
        global = true
    )]
    pub secure_cookies: bool,

    /// Milliseconds a page's SQL statement may run before it is cancelled.
    #[arg(
        long,
        env = "BAUCU_STATEMENT_TIMEOUT_MS",
        default_value_t = crate::db::Limits::PAGES.statement.as_millis() as u64,
        global = true
    )]
    pub statement_timeout_ms: u64,

    /// Milliseconds a statement may wait for a row someone else has locked.
    #[arg(
        long,
        env = "BAUCU_LOCK_TIMEOUT_MS",
        default_value_t = crate::db::Limits::PAGES.lock.as_millis() as u64,
        global = true
    )]
    pub lock_timeout_ms: u64,

    /// Seconds a job's statement (an import, sealing the audit log) may run.
    #[arg(
        long,
        env = "BAUCU_JOB_TIMEOUT_SECS",
        default_value_t = crate::db::Limits::PAGES.job.as_secs(),
        global = true
    )]
    pub job_timeout_secs: u64,

    /// Seconds a request may take before it is answered 503 and abandoned.
    #[arg(
        long,
        env = "BAUCU_REQUEST_TIMEOUT_SECS",
        default_value_t = crate::web::REQUEST_TIMEOUT.as_secs(),
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Seconds given to requests in progress after SIGTERM before they are cancelled.
    #[arg(long, env = "BAUCU_DRAIN_SECS", default_value_t = 20, global = true)]
    pub drain_secs: u64,

    /// The address of a reverse proxy in front of baucu (nginx, say): requests from it are taken
    /// to come from the last address in their X-Forwarded-For header, for throttling and the
    /// audit log. Unset: the connection's own address.
    #[arg(long, env = "BAUCU_TRUSTED_PROXY", global = true)]
    pub trusted_proxy: Option<std::net::IpAddr>,

    /// The SMTP server reminders are mailed through; unset, no mail is sent.
    #[arg(long, env = "BAUCU_SMTP_HOST", global = true)]
    pub smtp_host: Option<String>,

    /// Its port; by default 587 with STARTTLS, 465 with TLS, 25 without.
    #[arg(long, env = "BAUCU_SMTP_PORT", global = true)]
    pub smtp_port: Option<u16>,

    /// How the connection to it is protected: starttls, tls or none.
    #[arg(
        long,
        env = "BAUCU_SMTP_TLS",
        value_enum,
        default_value = "starttls",
        global = true
    )]
    pub smtp_tls: crate::reminders::mail::TlsMode,

    /// The user to sign in to it as, if it asks.
    #[arg(long, env = "BAUCU_SMTP_USER", global = true)]
    pub smtp_user: Option<String>,

    /// That user's password.
    #[arg(
        long,
        env = "BAUCU_SMTP_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub smtp_password: Option<String>,

    /// The sender of reminders, an address or "Name <address>".
    #[arg(
        long,
        env = "BAUCU_MAIL_FROM",
        default_value = "baucu@localhost",
        global = true
    )]
    pub mail_from: String,

    /// The address users open baucu at (https://baucu.example.gov.vn), for links in mail;
    /// unset, http:// and the address served on.
    #[arg(long, env = "BAUCU_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// The hour of the day, Vietnam time, from which the day's reminder digests are mailed.
    #[arg(long, env = "BAUCU_DIGEST_HOUR", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..24), global = true)]
    pub digest_hour: u32,

    /// Log filter, for example "info" or "baucu=debug,tower_http=info".
    #[arg(
        long = "log",
        env = "RUST_LOG",
        default_value = "info,sqlx=warn",
        global = true
    )]
    pub log: String,
}

impl Config {
    pub fn limits(&self) -> crate::db::Limits {
        crate::db::Limits {
            statement: Duration::from_millis(self.statement_timeout_ms),
            lock: Duration::from_millis(self.lock_timeout_ms),
            job: Duration::from_secs(self.job_timeout_secs),
        }
    }

    /// The reminder job's settings, or nothing when no SMTP server is set.
    pub fn digests(&self) -> anyhow::Result<Option<crate::reminders::job::Digests>> {
        let Some(host) = &self.smtp_host else {
            return Ok(None);
        };
        let settings = crate::reminders::mail::SmtpSettings {
            host: host.clone(),
            port: self.smtp_port,
            tls: self.smtp_tls,
            user: self.smtp_user.clone(),
            password: self.smtp_password.clone(),
            from: self.mail_from.clone(),
        };
        let base_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind));
        Ok(Some(crate::reminders::job::Digests {
            mailer: crate::reminders::mail::Mailer::new(&settings)?,
            base_url: base_url.trim_end_matches('/').to_string(),
            hour: self.digest_hour,
        }))
    }

    pub fn session_settings(&self) -> crate::auth::session::SessionSettings {
        crate::auth::session::SessionSettings {
            idle: Duration::from_secs(self.session_idle_minutes * 60),
            absolute: Duration::from_secs(self.session_max_hours * 3600),
            secure_cookies: self.secure_cookies,
        }
    }
}
