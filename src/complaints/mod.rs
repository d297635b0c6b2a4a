//! Complaints, denunciations and petitions about the election, registered by the election body
//! that must handle them, each with its legal time limit computed from its subject and the
//! calendar (the limits are data, `complaint_rules`). The person who lodged one is seen only by the
//! handling body and the province; above the body only counts are shown.

pub mod pages;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};
use crate::format;

pub const CHANNELS: &[(&str, &str)] = &[
    ("in_person", "Trực tiếp"),
    ("letter", "Đơn, thư"),
    ("phone", "Điện thoại"),
    ("email", "Thư điện tử"),
    ("forwarded", "Cơ quan khác chuyển đến"),
];
pub const CATEGORIES: &[(&str, &str)] = &[
    ("complaint", "Khiếu nại"),
    ("denunciation", "Tố cáo"),
    ("petition", "Kiến nghị"),
];
pub const SUBJECTS: &[(&str, &str)] = &[
    ("voter_list", "Danh sách cử tri"),
    ("candidate", "Người ứng cử"),
    ("body", "Tổ chức phụ trách bầu cử"),
    ("polling_area", "Khu vực bỏ phiếu"),
    ("other", "Khác"),
];
pub const STATUSES: &[(&str, &str)] = &[
    ("received", "Đã tiếp nhận"),
    ("handling", "Đang giải quyết"),
    ("resolved", "Đã giải quyết"),
    ("not_handled", "Không xem xét"),
];

pub fn label(list: &[(&str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

/// How long a complaint about one kind of subject may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub days_to_handle: Option<i32>,
    pub stop_before_election_days: Option<i32>,
}

impl Rule {
    /// The last day the law gives to handle a complaint received on `received`: so many days after
    /// it, and never past the point before election day where handling stops.
    pub fn due_on(self, received: NaiveDate, election_day: NaiveDate) -> NaiveDate {
        let by_days = self
            .days_to_handle
            .map(|days| received + TimeDelta::days(days.into()));
        let stop = self.stopped_from(election_day);
        match (by_days, stop) {
            (Some(days), Some(stop)) => days.min(stop),
            (Some(days), None) => days,
            (None, Some(stop)) => stop,
            (None, None) => received,
        }
    }

    /// The day from which the law no longer considers such complaints, if it sets one.
    pub fn stopped_from(self, election_day: NaiveDate) -> Option<NaiveDate> {
        self.stop_before_election_days
            .map(|days| election_day - TimeDelta::days(days.into()))
    }
}

pub async fn rule(pool: &PgPool, subject: &str) -> sqlx::Result<Option<Rule>> {
    sqlx::query_as!(
        Rule,
        "SELECT days_to_handle, stop_before_election_days FROM complaint_rules WHERE subject = $1",
        subject
    )
    .fetch_optional(pool)
    .await
}

/// The subjects whose time limit the law leaves to us, in days from receipt; the others' limits
/// are the law's and stay as the migration set them.
pub const SETTABLE_SUBJECTS: &[&str] = &["body", "polling_area", "other"];

/// The rules of every subject, in [`SUBJECTS`] order.
pub async fn rules(pool: &PgPool) -> sqlx::Result<Vec<(String, Rule)>> {
    let rows = sqlx::query!(
        "SELECT subject, days_to_handle, stop_before_election_days FROM complaint_rules"
    )
    .fetch_all(pool)
    .await?;
    let mut rules: Vec<(String, Rule)> = rows
        .into_iter()
        .map(|r| {
            let rule = Rule {
                days_to_handle: r.days_to_handle,
                stop_before_election_days: r.stop_before_election_days,
            };
            (r.subject, rule)
        })
        .collect();
    rules.sort_by_key(|(subject, _)| SUBJECTS.iter().position(|(code, _)| code == subject));
    Ok(rules)
}

/// Sets the days to handle complaints about the subjects the law leaves to us, if they are
/// still `was`; true when written. Complaints already registered keep their limit.
pub async fn set_days_to_handle(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    was: i32,
    days: i32,
) -> sqlx::Result<bool> {
    let subjects: Vec<String> = SETTABLE_SUBJECTS.iter().map(|s| s.to_string()).collect();
    let changed = sqlx::query!(
        "UPDATE complaint_rules SET days_to_handle = $1 WHERE subject = ANY($2) AND days_to_handle = $3",
        days,
        &subjects,
        was
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed != SETTABLE_SUBJECTS.len() as u64 {
        // Someone changed them meanwhile; the caller drops the transaction, undoing any row.
        return Ok(false);
    }
    let event = Event::new("complaint.days_changed")
        .before(serde_json::json!({ "days_to_handle": was, "subjects": SETTABLE_SUBJECTS }))
        .after(serde_json::json!({ "days_to_handle": days, "subjects": SETTABLE_SUBJECTS }));
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}

pub struct Complaint {
    pub id: i64,
    pub body_id: i64,
    pub body_name: String,
    pub unit_ancestors: Vec<i64>,
    pub received_on: NaiveDate,
    pub channel: String,
    pub category: String,
    pub subject: String,
    pub about: String,
    pub person_name: Option<String>,
    pub person_contact: Option<String>,
    pub due_on: NaiveDate,
    pub status: String,
    pub outcome: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub version: i32,
}

impl Complaint {
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "received" | "handling")
    }
    pub fn is_overdue(&self, today: &NaiveDate) -> bool {
        self.is_open() && *today > self.due_on
    }
    pub fn received_text(&self) -> String {
        format::date(self.received_on)
    }
    pub fn due_text(&self) -> String {
        format::date(self.due_on)
    }
}

/// The complaints of a body (`Some`) or one complaint (`None`, `one`).
pub async fn of_body(
    pool: &PgPool,
    body_id: Option<i64>,
    one: Option<i64>,
) -> sqlx::Result<Vec<Complaint>> {
    sqlx::query_as!(
        Complaint,
        r#"SELECT c.id, c.body_id, b.name AS body_name, u.ancestors AS unit_ancestors, c.received_on, c.channel,
                  c.category, c.subject, c.about, c.person_name, c.person_contact, c.due_on, c.status, c.outcome,
                  c.evidence_number, c.evidence_date, c.version
             FROM complaints c JOIN bodies b ON b.id = c.body_id JOIN units u ON u.id = b.unit_id
            WHERE ($1::bigint IS NULL OR c.body_id = $1) AND ($2::bigint IS NULL OR c.id = $2)
            ORDER BY c.received_on DESC, c.id DESC"#,
        body_id,
        one
    )
    .fetch_all(pool)
    .await
}

pub struct NewComplaint {
    pub election_id: i64,
    pub body_id: i64,
    pub unit_id: i64,
    pub received_on: NaiveDate,
    pub channel: &'static str,
    pub category: &'static str,
    pub subject: &'static str,
    pub about: String,
    pub person_name: Option<String>,
    pub person_contact: Option<String>,
    pub due_on: NaiveDate,
    /// Why the law no longer considers it, when it came in too late: it is registered closed.
    pub not_considered: Option<String>,
}

pub async fn register(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    complaint: &NewComplaint,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO complaints (election_id, body_id, received_on, channel, category, subject, about,
                                 person_name, person_contact, due_on, status, outcome, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                 CASE WHEN $12::text IS NULL THEN 'received' ELSE 'not_handled' END, $12, $11, $11)
         RETURNING id",
        complaint.election_id,
        complaint.body_id,
        complaint.received_on,
        complaint.channel,
        complaint.category,
        complaint.subject,
        complaint.about,
        complaint.person_name,
        complaint.person_contact,
        complaint.due_on,
        now,
        complaint.not_considered
    )
    .fetch_one(&mut *conn)
    .await?;
    // The audit record keeps what the complaint is about, never who lodged it.
    let event = Event::new("complaint.registered")
        .unit(complaint.unit_id)
        .object("complaint", id)
        .after(serde_json::json!({
            "body_id": complaint.body_id, "received_on": complaint.received_on,
            "category": complaint.category, "subject": complaint.subject, "due_on": complaint.due_on,
            "not_considered": complaint.not_considered,
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

/// How a complaint ended, or where it stands.
pub struct Handling {
    pub status: &'static str,
    pub outcome: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
}

/// Writes the handling if the complaint is still at `version`; true when written.
pub async fn handle(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    complaint: &Complaint,
    version: i32,
    handling: &Handling,
) -> sqlx::Result<bool> {
    let saved = sqlx::query!(
        "UPDATE complaints SET status = $3, outcome = $4, evidence_number = $5, evidence_date = $6,
                version = version + 1, updated_at = $7
          WHERE id = $1 AND version = $2",
        complaint.id,
        version,
        handling.status,
        handling.outcome,
        handling.evidence_number,
        handling.evidence_date,
        now
    )
    .execute(&mut *conn)
    .await?;
    if saved.rows_affected() == 0 {
        return Ok(false);
    }
    let event = Event::new("complaint.updated")
        .unit(complaint.unit_ancestors.last().copied().unwrap_or_default())
        .object("complaint", complaint.id)
        .before(serde_json::json!({
            "status": complaint.status, "outcome": complaint.outcome,
            "evidence_number": complaint.evidence_number, "evidence_date": complaint.evidence_date,
            "version": version,
        }))
        .after(serde_json::json!({
            "status": handling.status, "outcome": handling.outcome,
            "evidence_number": handling.evidence_number, "evidence_date": handling.evidence_date,
            "version": version + 1,
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}

/// Counts below a unit, for dashboards and the brief: never names.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub open: i64,
    pub overdue: i64,
}

pub async fn counts_below(
    pool: &PgPool,
    election_id: i64,
    root: i64,
    today: NaiveDate,
) -> sqlx::Result<Counts> {
    sqlx::query_as!(
        Counts,
        r#"SELECT count(*) FILTER (WHERE c.status IN ('received', 'handling')) AS "open!",
                  count(*) FILTER (WHERE c.status IN ('received', 'handling') AND c.due_on < $3) AS "overdue!"
             FROM complaints c JOIN bodies b ON b.id = c.body_id JOIN units u ON u.id = b.unit_id
            WHERE c.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]"#,
        election_id,
        root,
        today
    )
    .fetch_one(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, d).unwrap()
    }

    #[test]
    fn a_voter_list_complaint_is_answered_within_five_days() {
        let rule = Rule {
            days_to_handle: Some(5),
            stop_before_election_days: None,
        };
        assert_eq!(rule.due_on(day(4, 13), day(5, 23)), day(4, 18));
    }

    #[test]
    fn complaints_about_candidates_stop_ten_days_before_election_day() {
        let rule = Rule {
            days_to_handle: None,
            stop_before_election_days: Some(10),
        };
        let election_day = day(5, 23);
        assert_eq!(rule.stopped_from(election_day), Some(day(5, 13)));
        assert_eq!(rule.due_on(day(4, 1), election_day), day(5, 13));
        assert_eq!(
            rule.due_on(day(5, 13), election_day),
            day(5, 13),
            "the last day"
        );
        assert!(
            rule.due_on(day(5, 14), election_day) < day(5, 14),
            "received after it stopped"
        );
    }

    #[test]
    fn a_limit_in_days_never_runs_past_the_stop() {
        let rule = Rule {
            days_to_handle: Some(10),
            stop_before_election_days: Some(10),
        };
        assert_eq!(rule.due_on(day(5, 1), day(5, 23)), day(5, 11));
        assert_eq!(rule.due_on(day(5, 8), day(5, 23)), day(5, 13));
    }
}
