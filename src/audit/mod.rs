//! The audit log: who changed what, when, from where; logins; refusals. Append-only and
//! hash-chained in the database (see the migration); written in the same transaction as the
//! change it records.

pub mod pages;

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;
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

/// Appends a record inside the caller's transaction, so it commits with the change or not at all.
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    at: DateTime<FixedOffset>,
    event: Event,
) -> sqlx::Result<()> {
    let (object_type, object_id) = event.object.unzip();
    sqlx::query!(
        r#"INSERT INTO audit_log (at, user_id, session_id, unit_id, action, object_type, object_id, before, after,
                                  client_addr)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::inet)"#,
        at,
        actor.user_id,
        actor.session_id,
        event.unit_id,
        event.action,
        object_type,
        object_id,
        event.before,
        event.after,
        actor.client_addr.map(|addr| addr.to_string())
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
    /// The record's content no longer matches its hash.
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

/// Walks the chain from the first record and names the first break.
pub async fn verify(pool: &PgPool) -> sqlx::Result<Verdict> {
    const BATCH: i64 = 10_000;
    let mut last_id = 0_i64;
    let mut last_hash: Option<Vec<u8>> = None;
    let mut records = 0_i64;
    loop {
        let rows = sqlx::query!(
            r#"SELECT id, prev_hash, hash, audit_log_hash(a) AS "expected!"
                 FROM audit_log a WHERE id > $1 ORDER BY id LIMIT $2"#,
            last_id,
            BATCH
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(Verdict::Intact { records });
        }
        for row in rows {
            if row.hash != row.expected {
                return Ok(Verdict::Altered { id: row.id });
            }
            if row.id != last_id + 1 || row.prev_hash != last_hash {
                return Ok(Verdict::Removed { before_id: row.id });
            }
            last_id = row.id;
            last_hash = Some(row.hash);
            records += 1;
        }
    }
}
