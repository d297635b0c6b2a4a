//! baucu: preparing Vietnam's elections — structure, deadlines and progress for every unit.
//!
//! The library builds everything; `main.rs` only parses the command line. Tests build the router
//! from an [`AppState`] exactly as production does.

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod bodies;
pub mod budget;
pub mod candidates;
pub mod checklists;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod complaints;
pub mod config;
pub mod constituencies;
pub mod dashboards;
pub mod db;
pub mod directives;
pub mod elections;
pub mod establishment;
pub mod exports;
pub mod format;
pub mod i18n;
pub mod imports;
pub mod input;
pub mod polling;
pub mod reminders;
pub mod search;
pub mod seed;
pub mod units;
pub mod users;
pub mod visits;
pub mod web;

use std::sync::Arc;

use sqlx::PgPool;

use auth::password::Hasher;
use auth::session::SessionSettings;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub clock: clock::Clock,
    pub sessions: Arc<SessionSettings>,
    pub hasher: Hasher,
    /// Dashboards drawn once and served until the data changes.
    pub dashboards: Arc<dashboards::Caches>,
    /// The election every page's heading shows, read again every few seconds.
    pub election: Arc<elections::Kept>,
    /// The limits the pool's connections run under, and the job limit imports raise them to.
    pub limits: db::Limits,
    /// How long a request may take in all.
    pub request_timeout: std::time::Duration,
    /// Changes in progress hold one of these, so that changes queued on a locked row can never
    /// take every connection from the pages that only read.
    pub writers: Arc<tokio::sync::Semaphore>,
    /// A reverse proxy whose X-Forwarded-For is believed (see `auth::guard::client_addr`).
    pub trusted_proxy: Option<std::net::IpAddr>,
}

impl AppState {
    pub fn new(pool: PgPool, clock: clock::Clock, sessions: SessionSettings) -> AppState {
        // As many password hashes at once as there are cores; more would only queue inside.
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        AppState {
            pool,
            clock,
            sessions: Arc::new(sessions),
            hasher: Hasher::new(cores),
            dashboards: Arc::default(),
            election: Arc::default(),
            limits: db::Limits::default(),
            request_timeout: web::REQUEST_TIMEOUT,
            writers: Arc::new(tokio::sync::Semaphore::new(db::WRITERS_AT_ONCE)),
            trusted_proxy: None,
        }
    }
}

pub use web::router;
