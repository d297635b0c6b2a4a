//! One pooled connection kept aside for task updates between one update and the next.
//!
//! The pool hands out its idle connections oldest first and pings each one as it comes back. One
//! client saving form after form therefore visits every connection in turn, each PostgreSQL
//! backend cold in the processor's caches, and pays a ping for each. Kept aside, one connection
//! serves update after update warm and unpinged; updates that find it taken use the pool as
//! usual. Only a statement that ran to its end puts the connection back aside: one interrupted
//! part-way (its request dropped) or one that failed goes back to the pool, whose ping sets it
//! right or closes it. A connection left aside longer than the pool would trust an idle one
//! unpinged, or taken from the pool longer ago than the pool lets a connection live, goes back to
//! the pool too, so a restarted server or a long-lived backend is dealt with as the pool deals with
//! them.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;
use std::time::Instant;

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

#[derive(Default)]
pub struct KeptConnection(Mutex<Option<Kept>>);

struct Kept {
    conn: PoolConnection<Postgres>,
    /// When it came from the pool.
    taken_at: Instant,
    /// When it was last put aside.
    kept_at: Instant,
}

impl KeptConnection {
    /// The kept connection if it is free and fresh, else one from the pool.
    pub async fn take(&self, pool: &PgPool) -> sqlx::Result<Taken<'_>> {
        // One kept too long goes back to the pool, whose ping on return finds out whether it
        // still works.
        let kept = self
            .lock()
            .take()
            .filter(|kept| kept.kept_at.elapsed() <= super::PING_AFTER_IDLE);
        let (conn, taken_at) = match kept {
            Some(kept) => (kept.conn, kept.taken_at),
            None => (pool.acquire().await?, Instant::now()),
        };
        Ok(Taken {
            conn: Some(conn),
            taken_at,
            home: self,
        })
    }

    /// Gives the kept connection back to the pool (before the pool closes, which waits for it).
    pub fn release(&self) {
        drop(self.lock().take());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Kept>> {
        // A panic while holding the lock leaves at most a connection, which is still sound.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A connection in use by one update.
pub struct Taken<'a> {
    conn: Option<PoolConnection<Postgres>>,
    taken_at: Instant,
    home: &'a KeptConnection,
}

impl Taken<'_> {
    /// After a statement that ran to its end: kept aside for the next update, unless another
    /// is kept already or this one has been out of the pool too long (then it goes back).
    pub fn done(mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.taken_at.elapsed() > super::MAX_LIFETIME {
            return;
        }
        let mut kept = self.home.lock();
        if kept.is_none() {
            *kept = Some(Kept {
                conn,
                taken_at: self.taken_at,
                kept_at: Instant::now(),
            });
        }
    }
}

impl Deref for Taken<'_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn
            .as_ref()
            .expect("a taken connection is held until done")
    }
}

impl DerefMut for Taken<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn
            .as_mut()
            .expect("a taken connection is held until done")
    }
}
