//! The digest job, run inside the server: once a minute it looks for users whose digest is due
//! (daily: from the set hour each day; weekly: from the set hour each Monday, or the first day of
//! the week the job runs) and mails it.
//!
//! Every digest is first claimed by a row in `digests`, unique per user and period, and only then
//! sent. So a restart, a second server or a pass that overlaps the last never sends a digest twice;
//! the price is that a server killed between the claim and the send leaves that one digest unsent
//! (its row stays 'sending'), which we prefer to mailing someone twice. A digest the SMTP server
//! refused is tried again on a later pass, up to [`ATTEMPTS`] times.

use std::time::Duration;

use askama::Template;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta, Timelike};
use sqlx::PgPool;

use super::mail::Mailer;
use super::{Frequency, Reminders};
use crate::auth::{Role, Scope};
use crate::clock::Clock;
use crate::elections::{self, Election, Viewer};
use crate::i18n::Lang;

/// How many times a digest the SMTP server refused is tried.
pub const ATTEMPTS: i32 = 3;
/// How long after a refusal the next attempt comes.
const RETRY_AFTER: TimeDelta = TimeDelta::minutes(10);
/// How often the job looks for digests that are due.
const EVERY: Duration = Duration::from_secs(60);
/// Users taken per query, so that a pass over the whole country holds no long statement.
const BATCH: i64 = 500;
/// Tasks listed per section of a mail; the rest are counted, with a link to the full list.
pub const LISTED: usize = 15;

/// What the job needs besides the database.
#[derive(Clone)]
pub struct Digests {
    pub mailer: Mailer,
    /// The address users open baucu at, for the links in the mail (no trailing slash).
    pub base_url: String,
    /// The hour of the day, Vietnam time, from which the day's digests go out.
    pub hour: u32,
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub sent: usize,
    /// Due, but with nothing to say: recorded, not mailed.
    pub empty: usize,
    pub failed: usize,
}

/// Runs the job until the server stops.
pub async fn keep_sending(pool: PgPool, clock: Clock, digests: Digests) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first pass is always logged, so that whoever starts the server sees the job run.
    let mut first = true;
    loop {
        ticks.tick().await;
        match digests.send_due(&pool, clock.now()).await {
            Ok(outcome) if first || outcome != Outcome::default() => {
                tracing::info!(?outcome, "reminder digests");
                first = false;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "sending reminder digests failed; trying again"),
        }
    }
}

/// A user whose digest is due.
struct Due {
    id: i64,
    full_name: String,
    email: String,
    language: String,
    role: String,
    chosen_election: Option<i64>,
    agency_id: Option<i64>,
    unit_ancestors: Vec<i64>,
    digest: String,
}

/// The day a digest covers: the day itself, or the Monday of its week.
pub fn period(frequency: Frequency, today: NaiveDate) -> NaiveDate {
    match frequency {
        Frequency::Weekly => today - TimeDelta::days(today.weekday().num_days_from_monday().into()),
        Frequency::Daily | Frequency::Never => today,
    }
}

impl Digests {
    /// Sends every digest due at `now` that has not been claimed yet.
    pub async fn send_due(
        &self,
        pool: &PgPool,
        now: DateTime<FixedOffset>,
    ) -> anyhow::Result<Outcome> {
        let mut outcome = Outcome::default();
        if now.hour() < self.hour {
            return Ok(outcome);
        }
        let today = now.date_naive();
        let elections = elections::all(pool).await?;
        loop {
            let due = sqlx::query_as!(
                Due,
                r#"SELECT u.id, u.full_name, u.email AS "email!", u.language, u.role,
                          u.election_id AS chosen_election, u.agency_id, coalesce(su.ancestors, '{}') AS "unit_ancestors!",
                          u.digest
                     FROM users u LEFT JOIN units su ON su.id = u.unit_id
                    WHERE u.disabled_at IS NULL AND u.email IS NOT NULL AND u.digest <> 'none'
                      AND NOT EXISTS (
                          SELECT 1 FROM digests d
                           WHERE d.user_id = u.id
                             AND d.period = CASE u.digest WHEN 'weekly' THEN $2::date ELSE $1::date END
                             AND NOT (d.state = 'failed' AND d.attempts < $3 AND d.claimed_at < $4))
                    ORDER BY u.id LIMIT $5"#,
                today,
                period(Frequency::Weekly, today),
                ATTEMPTS,
                now - RETRY_AFTER,
                BATCH
            )
            .fetch_all(pool)
            .await?;
            if due.is_empty() {
                return Ok(outcome);
            }
            for user in due {
                self.send_one(pool, &elections, user, now, &mut outcome)
                    .await?;
            }
        }
    }

    async fn send_one(
        &self,
        pool: &PgPool,
        elections: &[Election],
        user: Due,
        now: DateTime<FixedOffset>,
        outcome: &mut Outcome,
    ) -> anyhow::Result<()> {
        let frequency = Frequency::parse(&user.digest).unwrap_or(Frequency::Daily);
        let today = now.date_naive();
        let reminders = match Role::parse(&user.role) {
            Some(role) => {
                let scope = Scope {
                    role,
                    unit_ancestors: user.unit_ancestors,
                };
                let viewer = Viewer {
                    scope: &scope,
                    chosen: user.chosen_election,
                };
                match elections::pick(elections, viewer) {
                    Some(election) => {
                        Some(super::of_user(pool, election, &scope, user.agency_id, today).await?)
                    }
                    None => None,
                }
            }
            None => None,
        };
        let reminders = reminders.filter(|r| !r.is_empty());
        let state = if reminders.is_some() {
            "sending"
        } else {
            "empty"
        };
        let Some(claim) = claim(pool, user.id, frequency, today, state, now).await? else {
            return Ok(());
        };
        let Some(reminders) = reminders else {
            outcome.empty += 1;
            return Ok(());
        };
        let lang = Lang::from_code(&user.language);
        let mail = Mail {
            lang,
            name: &user.full_name,
            reminders: &reminders,
            base: &self.base_url,
            period: period(frequency, today),
            weekly: frequency == Frequency::Weekly,
        };
        let subject = mail.subject();
        let sent = match mail.render() {
            Ok(body) => self.mailer.send(&user.email, &subject, body).await,
            Err(error) => Err(error.to_string()),
        };
        let (state, error) = match sent {
            Ok(()) => {
                outcome.sent += 1;
                ("sent", None)
            }
            Err(error) => {
                tracing::warn!(user = user.id, %error, "a reminder digest was not sent");
                outcome.failed += 1;
                ("failed", Some(error))
            }
        };
        sqlx::query!(
            "UPDATE digests SET state = $2, sent_at = CASE WHEN $2 = 'sent' THEN $3::timestamptz END, subject = $4, error = $5
              WHERE id = $1",
            claim,
            state,
            now,
            subject,
            error
        )
        .execute(pool)
        .await?;
        Ok(())
    }
}

/// Takes the user's digest for the period, unless someone else did; a failed one is taken again
/// once it is old enough and has attempts left. The row's id when taken.
async fn claim(
    pool: &PgPool,
    user_id: i64,
    frequency: Frequency,
    today: NaiveDate,
    state: &str,
    now: DateTime<FixedOffset>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO digests (user_id, period, frequency, state, claimed_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, period) DO UPDATE
            SET state = excluded.state, attempts = digests.attempts + 1,
                claimed_at = excluded.claimed_at, error = NULL
          WHERE digests.state = 'failed' AND digests.attempts < $6 AND digests.claimed_at < $7
         RETURNING id",
        user_id,
        period(frequency, today),
        frequency.code(),
        state,
        now,
        ATTEMPTS,
        now - RETRY_AFTER
    )
    .fetch_optional(pool)
    .await
}

/// The digest as mailed: plain text in the user's language, a link beside every task.
#[derive(Template)]
#[template(path = "reminders/digest.txt")]
struct Mail<'a> {
    lang: Lang,
    name: &'a str,
    reminders: &'a Reminders,
    base: &'a str,
    period: NaiveDate,
    weekly: bool,
}

impl Mail<'_> {
    fn subject(&self) -> String {
        let r = self.reminders;
        let counts = [
            ("{} chỉ đạo cần trả lời", r.directives.len() as i64),
            ("{} bị trả lại", r.returned.len() as i64),
            ("{} quá hạn", r.overdue.len() as i64),
            ("{} đến hạn trong 7 ngày", r.due_soon.len() as i64),
            ("{} chờ duyệt", r.waiting_review),
        ];
        let parts: Vec<String> = counts
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(pattern, count)| self.lang.format(pattern, &[count.to_string()]))
            .collect();
        let heading = if self.weekly {
            "Nhắc việc bầu cử tuần từ {}"
        } else {
            "Nhắc việc bầu cử ngày {}"
        };
        let heading = self
            .lang
            .format(heading, &[crate::format::date(self.period)]);
        format!("{heading}: {}", parts.join(", "))
    }

    fn date(&self) -> String {
        crate::format::date(self.period)
    }

    fn more(&self, listed: usize) -> usize {
        listed.saturating_sub(LISTED)
    }

    /// "… and N more", with the link to the full list, for a section of `listed` tasks.
    fn rest(&self, listed: usize) -> String {
        let link = format!("{}/my-work", self.base);
        self.lang.format(
            "… và {} việc khác: {}",
            &[self.more(listed).to_string(), link],
        )
    }
}
