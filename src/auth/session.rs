//! Sessions in PostgreSQL. The cookie holds a random 256-bit token; the database holds only its
//! SHA-256, so a copy of the database opens no session.

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, FixedOffset, TimeDelta};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::guard::CurrentUser;
use super::{Role, Scope};

pub const COOKIE: &str = "baucu_session";

/// How long sessions live, and how their cookie is sent.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// A session ends this long after login, used or not.
    pub absolute: Duration,
    /// Send cookies with `Secure` (the site is served over HTTPS, perhaps behind a TLS proxy).
    pub secure_cookies: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle: Duration::from_secs(3600),
            absolute: Duration::from_secs(12 * 3600),
            secure_cookies: false,
        }
    }
}

/// last_seen_at is written at most this often, so reading a page is not a write every time.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

/// A fresh random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// The `Set-Cookie` value that carries a session token.
pub fn cookie(name: &str, token: &str, settings: &SessionSettings) -> String {
    cookie_attributes(&format!("{name}={token}"), settings)
}

/// A cookie (`name=value`, perhaps with attributes of its own) with the attributes every cookie
/// of the site carries.
pub fn cookie_attributes(cookie: &str, settings: &SessionSettings) -> String {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{cookie}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes a cookie.
pub fn expired_cookie(name: &str, settings: &SessionSettings) -> String {
    cookie_attributes(&format!("{name}=; Max-Age=0"), settings)
}

/// The signed-in user behind a token, if its session is live and the account enabled.
/// Decided from the database on every request, so a role change or a disabled account counts at once.
pub async fn lookup(
    pool: &PgPool,
    settings: &SessionSettings,
    now: DateTime<FixedOffset>,
    token: &str,
) -> sqlx::Result<Option<CurrentUser>> {
    let idle_since = now - delta(settings.idle);
    let Some(row) = sqlx::query!(
        r#"SELECT s.id AS session_id, s.csrf_token, s.last_seen_at,
                  u.id AS user_id, u.username, u.full_name, u.role, u.must_change_password, u.language,
                  u.election_id AS chosen_election, u.agency_id, coalesce(su.ancestors, '{}') AS "unit_ancestors!"
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             LEFT JOIN units su ON su.id = u.unit_id
            WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2
              AND s.last_seen_at > $3 AND u.disabled_at IS NULL"#,
        hash_token(token),
        now,
        idle_since
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    if now.to_utc() - row.last_seen_at > TOUCH_EVERY {
        // Of the requests that find a session due at once (a dashboard's many parts, a browser's
        // tabs), one writes and the others go on: without SKIP LOCKED they would queue on the
        // row, each waiting for the one before to commit, and a slow disk flush would hold them all.
        sqlx::query!(
            "UPDATE sessions SET last_seen_at = $2
              WHERE id = (SELECT id FROM sessions WHERE id = $1 AND last_seen_at < $2 FOR UPDATE SKIP LOCKED)",
            row.session_id,
            now
        )
        .execute(pool)
        .await?;
    }
    let Some(role) = Role::parse(&row.role) else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        id: row.user_id,
        username: row.username,
        full_name: row.full_name,
        scope: Scope {
            role,
            unit_ancestors: row.unit_ancestors,
        },
        role,
        session_id: row.session_id,
        csrf_token: row.csrf_token,
        must_change_password: row.must_change_password,
        language: row.language,
        chosen_election: row.chosen_election,
        agency_id: row.agency_id,
    }))
}

/// A new session for a user who just proved who they are; returns its id and token.
pub async fn create(
    conn: &mut PgConnection,
    settings: &SessionSettings,
    now: DateTime<FixedOffset>,
    user_id: i64,
    client_addr: Option<std::net::IpAddr>,
    user_agent: Option<&str>,
) -> sqlx::Result<(i64, String)> {
    let token = random_token();
    let user_agent = user_agent.map(|agent| agent.chars().take(300).collect::<String>());
    let id = sqlx::query_scalar!(
        r#"INSERT INTO sessions (token_hash, user_id, csrf_token, client_addr, user_agent, created_at,
                                 last_seen_at, expires_at)
           VALUES ($1, $2, $3, $4::text::inet, $5, $6, $6, $7)
           RETURNING id"#,
        hash_token(&token),
        user_id,
        random_token(),
        client_addr.map(|addr| addr.to_string()),
        user_agent,
        now,
        now + delta(settings.absolute)
    )
    .fetch_one(conn)
    .await?;
    Ok((id, token))
}

/// Ends one session now.
pub async fn end(
    conn: &mut PgConnection,
    session_id: i64,
    now: DateTime<FixedOffset>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
        session_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends every live session of a user, but `keep` if given; returns how many ended.
pub async fn end_all(
    conn: &mut PgConnection,
    user_id: i64,
    keep: Option<i64>,
    now: DateTime<FixedOffset>,
) -> sqlx::Result<u64> {
    let ended = sqlx::query!(
        "UPDATE sessions SET ended_at = $3
          WHERE user_id = $1 AND ended_at IS NULL AND id IS DISTINCT FROM $2",
        user_id,
        keep,
        now
    )
    .execute(conn)
    .await?;
    Ok(ended.rows_affected())
}
