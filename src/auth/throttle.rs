//! Login throttling: after repeated failures for an account or from an address, each further
//! attempt must wait, the wait doubling up to a cap. Never a permanent lockout, which an attacker
//! could use to keep officials out on election day.

use chrono::{DateTime, FixedOffset, TimeDelta};
use sqlx::{PgConnection, PgPool};

/// Failures allowed before waits begin, per account and per address (an office may share one).
pub const ACCOUNT_FREE_FAILURES: i32 = 5;
pub const ADDRESS_FREE_FAILURES: i32 = 20;
/// The first wait, doubled with each further failure, up to the cap.
const FIRST_WAIT_SECONDS: i64 = 15;
const MAX_WAIT_SECONDS: i64 = 15 * 60;
/// Failures older than this are forgotten.
const MEMORY: TimeDelta = TimeDelta::hours(1);

/// The wait after `failures` failures with `free` allowed.
pub fn wait_after(failures: i32, free: i32) -> TimeDelta {
    if failures < free {
        return TimeDelta::zero();
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(20);
    TimeDelta::seconds((FIRST_WAIT_SECONDS << doublings).min(MAX_WAIT_SECONDS))
}

pub fn account_key(username: &str) -> String {
    format!("user:{username}")
}

pub fn address_key(addr: Option<std::net::IpAddr>) -> Option<String> {
    addr.map(|addr| format!("addr:{addr}"))
}

/// How many seconds the caller must still wait before trying any of `keys`, if at all.
pub async fn seconds_to_wait(
    pool: &PgPool,
    keys: &[String],
    now: DateTime<FixedOffset>,
) -> sqlx::Result<Option<i64>> {
    let until = sqlx::query_scalar!(
        "SELECT max(next_allowed_at) FROM login_throttle WHERE key = ANY($1) AND next_allowed_at > $2",
        keys,
        now
    )
    .fetch_one(pool)
    .await?;
    // Rounded up: "wait 15 seconds" right after the failure, never "wait 0 seconds".
    Ok(until.map(|until| ((until - now.to_utc()).num_milliseconds() + 999) / 1000))
}

/// Counts a failure against `key`.
pub async fn record_failure(
    conn: &mut PgConnection,
    key: &str,
    free: i32,
    now: DateTime<FixedOffset>,
) -> sqlx::Result<()> {
    let forget_before = now - MEMORY;
    let failures = sqlx::query_scalar!(
        r#"INSERT INTO login_throttle AS t (key, failures, last_failure_at, next_allowed_at)
           VALUES ($1, 1, $2, $2)
           ON CONFLICT (key) DO UPDATE
              SET failures = CASE WHEN t.last_failure_at < $3 THEN 1 ELSE t.failures + 1 END,
                  last_failure_at = $2
           RETURNING failures"#,
        key,
        now,
        forget_before
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE login_throttle SET next_allowed_at = $2 WHERE key = $1",
        key,
        now + wait_after(failures, free)
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets the failures of `keys` after a successful login.
pub async fn clear(conn: &mut PgConnection, keys: &[String]) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_throttle WHERE key = ANY($1)", keys)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_begin_after_the_free_failures_and_double_up_to_a_cap() {
        assert_eq!(wait_after(4, 5), TimeDelta::zero());
        assert_eq!(wait_after(5, 5), TimeDelta::seconds(15));
        assert_eq!(wait_after(6, 5), TimeDelta::seconds(30));
        assert_eq!(wait_after(8, 5), TimeDelta::seconds(120));
        assert_eq!(
            wait_after(50, 5),
            TimeDelta::seconds(900),
            "capped, never a lockout"
        );
    }
}
