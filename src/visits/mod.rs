//! Working groups' visits to localities. A visit is a meeting of its own kind (so that its
//! resulting directives are tracked like any other meeting's) with what the group brings back:
//! its members, what it checked against the calendar entries due by the day of the visit (shown
//! beside the locality's own figures), its findings and the difficulties the locality raised.
//! The one-page locality report (`/brief?unit=…`) is what the group takes along.

pub mod pages;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};
use crate::clock::vietnam;
use crate::format;

pub const KIND: &str = "working_group_visit";

pub struct Visit {
    pub id: i64,
    pub election_id: i64,
    pub locality_id: i64,
    pub locality_name: String,
    pub locality_level: String,
    pub locality_gso: i32,
    pub locality_ancestors: Vec<i64>,
    pub held_at: DateTime<Utc>,
    pub members: String,
    pub findings: Option<String>,
    pub difficulties: Option<String>,
    pub version: i32,
}

impl Visit {
    pub fn day(&self) -> NaiveDate {
        self.held_at.with_timezone(&vietnam()).date_naive()
    }
    pub fn day_text(&self) -> String {
        format::date(self.day())
    }
    /// The locality as the report and unit pages name it (`district:200`).
    pub fn locality_ref(&self) -> String {
        format!("{}:{}", self.locality_level, self.locality_gso)
    }
}

/// A calendar entry due by the day of the visit, with the locality's figures and the group's check.
pub struct Check {
    pub entry_id: i64,
    pub title_vi: String,
    pub title_en: String,
    pub deadline: NaiveDate,
    pub done: i64,
    pub total: i64,
    pub result: String,
    pub note: Option<String>,
}

impl Check {
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
}

pub const RESULTS: &[(&str, &str)] = &[
    ("not_checked", "Chưa kiểm tra"),
    ("as_reported", "Đúng như báo cáo"),
    ("not_as_reported", "Không đúng báo cáo"),
];

pub async fn find(pool: &PgPool, id: i64) -> sqlx::Result<Option<Visit>> {
    sqlx::query_as!(
        Visit,
        r#"SELECT m.id, m.election_id, v.locality_id, u.name AS locality_name, u.level AS locality_level,
                  u.gso_code AS locality_gso, u.ancestors AS locality_ancestors, m.held_at, v.members,
                  v.findings, v.difficulties, v.version
             FROM visits v JOIN meetings m ON m.id = v.meeting_id JOIN units u ON u.id = v.locality_id
            WHERE m.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// The visits to localities below `root`, latest first.
pub async fn below(pool: &PgPool, election_id: i64, root: i64) -> sqlx::Result<Vec<Visit>> {
    sqlx::query_as!(
        Visit,
        r#"SELECT m.id, m.election_id, v.locality_id, u.name AS locality_name, u.level AS locality_level,
                  u.gso_code AS locality_gso, u.ancestors AS locality_ancestors, m.held_at, v.members,
                  v.findings, v.difficulties, v.version
             FROM visits v JOIN meetings m ON m.id = v.meeting_id JOIN units u ON u.id = v.locality_id
            WHERE m.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY m.held_at DESC, m.id DESC"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await
}

/// When each of `units` was last visited, in the election.
pub async fn last_visited(
    pool: &PgPool,
    election_id: i64,
    units: &[i64],
) -> sqlx::Result<Vec<(i64, DateTime<Utc>)>> {
    let rows = sqlx::query!(
        r#"SELECT v.locality_id, max(m.held_at) AS "at!"
             FROM visits v JOIN meetings m ON m.id = v.meeting_id
            WHERE m.election_id = $1 AND v.locality_id = ANY($2)
            GROUP BY v.locality_id"#,
        election_id,
        units
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.locality_id, r.at)).collect())
}

/// The entries due by the day of the visit, each with the locality's done and total tasks and the
/// group's check, earliest deadline first.
pub async fn checks(pool: &PgPool, visit: &Visit) -> sqlx::Result<Vec<Check>> {
    sqlx::query_as!(
        Check,
        r#"SELECT c.id AS entry_id, c.title_vi, c.title_en, (e.election_day - c.offset_days) AS "deadline!",
                  count(t.id) FILTER (WHERE t.status = 'done') AS "done!", count(t.id) AS "total!",
                  coalesce(vc.result, 'not_checked') AS "result!", vc.note
             FROM calendar_entries c
             JOIN elections e ON e.id = c.election_id
             JOIN tasks t ON t.calendar_entry_id = c.id
             JOIN units u ON u.id = t.unit_id AND u.ancestors @> ARRAY[$2::bigint]
             LEFT JOIN visit_checks vc ON vc.meeting_id = $3 AND vc.calendar_entry_id = c.id
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND e.election_day - c.offset_days <= $4
            GROUP BY c.id, c.title_vi, c.title_en, e.election_day, c.offset_days, vc.result, vc.note
            ORDER BY 4, c.id"#,
        visit.election_id,
        visit.locality_id,
        visit.id,
        visit.day()
    )
    .fetch_all(pool)
    .await
}

pub struct NewVisit {
    pub election_id: i64,
    /// The province sending the group.
    pub unit_id: i64,
    pub locality_id: i64,
    pub locality_name: String,
    pub day: NaiveDate,
    /// One member a line; the first leads the group.
    pub members: String,
}

/// Records a visit: its meeting (the group's leader chairing, the locality its one site) and its
/// record; returns its id, the meeting's.
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    visit: &NewVisit,
) -> sqlx::Result<i64> {
    let leader = visit
        .members
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let held_at = visit
        .day
        .and_time(NaiveTime::from_hms_opt(8, 0, 0).expect("a valid time"))
        .and_local_timezone(vietnam())
        .single()
        .expect("a fixed offset has no ambiguous times");
    let meeting = crate::directives::NewMeeting {
        election_id: visit.election_id,
        unit_id: visit.unit_id,
        kind: KIND,
        held_at,
        chair: leader,
        subject: format!("Đoàn công tác kiểm tra {}", visit.locality_name),
        sites: vec![(visit.locality_name.clone(), None)],
    };
    let id = crate::directives::create_meeting(conn, actor, now, &meeting).await?;
    sqlx::query!(
        "INSERT INTO visits (meeting_id, locality_id, members, updated_at) VALUES ($1, $2, $3, $4)",
        id,
        visit.locality_id,
        visit.members,
        now
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// What the group brings back.
pub struct Record {
    pub findings: Option<String>,
    pub difficulties: Option<String>,
    /// (calendar entry, result, note)
    pub checks: Vec<(i64, &'static str, Option<String>)>,
}

/// Saves the group's record if the visit is still at `version`; true when saved.
pub async fn save_record(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    visit: &Visit,
    version: i32,
    record: &Record,
) -> sqlx::Result<bool> {
    let saved = sqlx::query!(
        "UPDATE visits SET findings = $3, difficulties = $4, version = version + 1, updated_at = $5
          WHERE meeting_id = $1 AND version = $2",
        visit.id,
        version,
        record.findings,
        record.difficulties,
        now
    )
    .execute(&mut *conn)
    .await?;
    if saved.rows_affected() == 0 {
        return Ok(false);
    }
    for (entry, result, note) in &record.checks {
        sqlx::query!(
            "INSERT INTO visit_checks (meeting_id, calendar_entry_id, result, note) VALUES ($1, $2, $3, $4)
             ON CONFLICT (meeting_id, calendar_entry_id) DO UPDATE SET result = excluded.result, note = excluded.note",
            visit.id,
            entry,
            result,
            note.as_deref()
        )
        .execute(&mut *conn)
        .await?;
    }
    let event = Event::new("visit.updated")
        .unit(visit.locality_id)
        .object("visit", visit.id)
        .before(serde_json::json!({
            "findings": visit.findings, "difficulties": visit.difficulties, "version": version,
        }))
        .after(serde_json::json!({
            "findings": record.findings, "difficulties": record.difficulties,
            "checks": record.checks.iter().filter(|(_, r, _)| *r != "not_checked").count(),
            "version": version + 1,
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}
