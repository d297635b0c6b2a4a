//! The audit log: who changed what, when, from where; logins; refusals. Append-only and
//! hash-chained in the database (see migrations 0001, 0004 and 0007); written in the same
//! transaction as the change it records, without waiting for other writers, and hashed and
//! chained in id order a moment after it commits.

pub mod head;
pub mod pages;
pub mod wording;

use std::net::IpAddr;

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

/// Who acted.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub session_id: Option<i64>,
    pub client_addr: Option<IpAddr>,
}

impl Actor {
    /// Someone not signed in (a failed login, say).
    pub fn anonymous(client_addr: Option<IpAddr>) -> Actor {
        Actor {
            client_addr,
            ..Actor::default()
        }
    }

    /// The `baucu` command run on the server.
    pub fn command_line() -> Actor {
        Actor::default()
    }
}

/// What happened.
#[derive(Clone, Debug)]
pub struct Event {
    pub action: &'static str,
    pub unit_id: Option<i64>,
    pub object: Option<(&'static str, i64)>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Event {
    pub fn new(action: &'static str) -> Event {
        Event {
            action,
            unit_id: None,
            object: None,
            before: None,
            after: None,
        }
    }
    pub fn unit(mut self, unit_id: i64) -> Event {
        self.unit_id = Some(unit_id);
        self
    }
    pub fn object(mut self, kind: &'static str, id: i64) -> Event {
        self.object = Some((kind, id));
        self
    }
    pub fn before(mut self, value: Value) -> Event {
        self.before = Some(value);
        self
    }
    pub fn after(mut self, value: Value) -> Event {
        self.after = Some(value);
        self
    }
}

/// A record as written to `audit_log`: the event, by whom, when. The database numbers it as it is
/// written (`audit_log_number`) and hashes it as it chains it (`audit_seal_upto`).
pub struct Row {
    pub at: DateTime<FixedOffset>,
    pub user_id: Option<i64>,
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub action: &'static str,
    pub object_type: Option<&'static str>,
    pub object_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub client_addr: Option<String>,
}

impl Event {
    /// The record of this event done by `actor` at `at`.
    pub fn row(self, actor: &Actor, at: DateTime<FixedOffset>) -> Row {
        let (object_type, object_id) = self.object.unzip();
        Row {
            at,
            user_id: actor.user_id,
            session_id: actor.session_id,
            unit_id: self.unit_id,
            action: self.action,
            object_type,
            object_id,
            before: self.before,
            after: self.after,
            client_addr: actor.client_addr.map(|addr| addr.to_string()),
        }
    }
}

/// Appends a record inside the caller's transaction, so it commits with the change or not at all.
/// It is chained shortly after it commits, by [`seal`]. (A change made in a single statement
/// writes its [`Row`] in that statement instead, as a task update does.)
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    at: DateTime<FixedOffset>,
    event: Event,
) -> sqlx::Result<()> {
    let row = event.row(actor, at);
    sqlx::query!(
        r#"INSERT INTO audit_log (at, user_id, session_id, unit_id, action, object_type, object_id, before, after,
                                  client_addr)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::inet)"#,
        row.at,
        row.user_id,
        row.session_id,
        row.unit_id,
        row.action,
        row.object_type,
        row.object_id,
        row.before,
        row.after,
        row.client_addr
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends a record that stands on its own (a login attempt, a refusal).
pub async fn record_alone(
    pool: &PgPool,
    actor: &Actor,
    at: DateTime<FixedOffset>,
    event: Event,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    record(&mut tx, actor, at, event).await?;
    tx.commit().await
}

/// What `baucu audit verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        records: i64,
    },
    /// The record's content no longer matches the hash kept for it.
    Altered {
        id: i64,
    },
    /// The chain breaks just before this record: one or more records before it were removed
    /// (or their links rewritten).
    Removed {
        before_id: i64,
    },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Intact { records } => write!(
                f,
                "Nhật ký kiểm toán nguyên vẹn: {records} bản ghi, chuỗi băm khớp."
            ),
            Verdict::Altered { id } => write!(
                f,
                "Bản ghi số {id} đã bị sửa: nội dung không còn khớp với mã băm."
            ),
            Verdict::Removed { before_id } => {
                write!(
                    f,
                    "Chuỗi bị đứt ngay trước bản ghi số {before_id}: bản ghi trước đó đã bị xóa hoặc sửa."
                )
            }
        }
    }
}

/// Chains the records committed since the last run, as far as no running transaction could
/// still add a smaller number (see `audit_seal` in migration 0004); returns how many.
///
/// Sealing runs without the pages' statement limit: cut short, it would roll back and find a
/// longer backlog on its next run, and never catch up.
pub async fn seal(pool: &PgPool) -> sqlx::Result<i64> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET LOCAL statement_timeout = 0")
        .execute(&mut *tx)
        .await?;
    let sealed = sqlx::query_scalar!(r#"SELECT audit_seal() AS "sealed!""#)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(sealed)
}

/// Seals until every record committed before the call is chained, or `patience` runs out (a
/// transaction still running holds the chain back); returns how many records are still unchained.
pub async fn seal_everything(pool: &PgPool, patience: Duration) -> sqlx::Result<i64> {
    let target = sqlx::query_scalar!(r#"SELECT audit_log_last_number() AS "id!""#)
        .fetch_one(pool)
        .await?;
    let started = Instant::now();
    loop {
        seal(pool).await?;
        let unchained = sqlx::query_scalar!(
            r#"SELECT count(*) AS "unchained!" FROM audit_log
                WHERE id > (SELECT coalesce(max(audit_id), 0) FROM audit_seal) AND id <= $1"#,
            target
        )
        .fetch_one(pool)
        .await?;
        if unchained == 0 || started.elapsed() > patience {
            return Ok(unchained);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// How long [`verify`] waits for transactions still running to end before it walks the chain.
/// Transaction ids belong to the whole PostgreSQL cluster, so a long transaction in any of its
/// databases (a bulk load, say) holds the chain back until it ends.
pub const SEAL_PATIENCE: Duration = Duration::from_secs(180);

/// How often the server chains new records.
pub const SEAL_PERIOD: Duration = Duration::from_millis(200);

/// Chains new records every [`SEAL_PERIOD`] while the server runs, and publishes each new head
/// to `heads` (see `head`). The dashboards' last activity is kept from the records it chains.
pub async fn keep_sealing(pool: PgPool, clock: crate::clock::Clock, heads: std::path::PathBuf) {
    let mut ticks = tokio::time::interval(SEAL_PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match seal(&pool).await {
            Ok(0) => {}
            Ok(_) => match head::current(&pool).await {
                Ok(Some(now)) => {
                    if let Err(error) = head::publish(&heads, &now, clock.now()) {
                        tracing::error!(%error, file = %heads.display(), "cannot append the audit chain head");
                    }
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "reading the audit chain head failed"),
            },
            Err(error) => tracing::warn!(%error, "chaining the audit log failed; trying again"),
        }
    }
}

/// Chains what is committed, then walks the chain from the first record and names the first
/// break. Records committed while a transaction older than them still runs are left for later
/// and not counted.
pub async fn verify(pool: &PgPool) -> sqlx::Result<Verdict> {
    const BATCH: i64 = 10_000;
    seal_everything(pool, SEAL_PATIENCE).await?;
    let mut last_id = 0_i64;
    let mut last_seal: Vec<u8> = Vec::new();
    let mut records = 0_i64;
    loop {
        let rows = sqlx::query!(
            r#"SELECT s.audit_id, s.seal, a.id AS "record?", coalesce(s.hash, a.hash) AS "hash?",
                      audit_log_hash(a) AS "expected?",
                      (SELECT min(n.audit_id) FROM audit_seal n WHERE n.audit_id > s.audit_id) AS next_id
                 FROM audit_seal s LEFT JOIN audit_log a ON a.id = s.audit_id
                WHERE s.audit_id > $1 ORDER BY s.audit_id LIMIT $2"#,
            last_id,
            BATCH
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let Some(hash) = row.record.and(row.expected) else {
                // A seal without its record: the record was removed.
                return Ok(Verdict::Removed {
                    before_id: row.next_id.unwrap_or(row.audit_id + 1),
                });
            };
            // The hash kept for the record is gone, or the record no longer matches it.
            if row.hash.as_ref() != Some(&hash) {
                return Ok(Verdict::Altered { id: row.audit_id });
            }
            let mut link = last_seal;
            link.extend_from_slice(&hash);
            if Sha256::digest(&link).as_slice() != row.seal.as_slice() {
                return Ok(Verdict::Removed {
                    before_id: row.audit_id,
                });
            }
            last_id = row.audit_id;
            last_seal = row.seal;
            records += 1;
        }
    }
    // A record below the chain's end that the chain does not hold was slipped in afterwards.
    let slipped_in = sqlx::query_scalar!(
        "SELECT min(a.id) FROM audit_log a WHERE a.id <= $1 AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = a.id)",
        last_id
    )
    .fetch_one(pool)
    .await?;
    if let Some(id) = slipped_in {
        return Ok(Verdict::Altered { id });
    }
    Ok(Verdict::Intact { records })
}
