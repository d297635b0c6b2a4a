//! baucu: preparing Vietnam's elections — structure, deadlines and progress for every unit.
//!
//! The library builds everything; `main.rs` only parses the command line. Tests build the router
//! from an [`AppState`] exactly as production does.

pub mod bodies;
pub mod checklists;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod elections;
pub mod seed;
pub mod units;
pub mod web;

use sqlx::PgPool;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub clock: clock::Clock,
}

pub use web::router;
