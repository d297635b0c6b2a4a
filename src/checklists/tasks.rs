//! A task as its pages and changes read it: with its calendar entry, unit and deadline.

use chrono::NaiveDate;
use sqlx::PgPool;

use super::deadline::{self, Status, TaskState};
use super::record::Report;
use crate::format;

/// A task with its calendar entry, unit and deadline.
#[derive(Clone, Debug)]
pub struct Task {
    pub id: i64,
    pub election_id: i64,
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub kind: String,
    pub offset_days: i32,
    pub deadline: NaiveDate,
    pub unit_id: i64,
    pub unit_level: String,
    pub unit_gso_code: i32,
    pub unit_name: String,
    pub unit_ancestors: Vec<i64>,
    pub status: String,
    pub status_reason: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub evidence_signer: Option<String>,
    pub note: Option<String>,
    pub review: String,
    pub review_comment: Option<String>,
    pub version: i32,
    /// Recorded done before the province began using the application: never judged late.
    pub before_go_live: bool,
}

impl Task {
    /// What the task records now, as a change would write it.
    pub fn report(&self) -> Report {
        Report {
            status: Status::parse(&self.status).map_or("not_started", Status::code),
            reason: self.status_reason.clone(),
            evidence_number: self.evidence_number.clone(),
            evidence_date: self.evidence_date,
            evidence_signer: self.evidence_signer.clone(),
            note: self.note.clone(),
            before_go_live: self.before_go_live,
        }
    }
    pub fn status_label(&self) -> &'static str {
        deadline::status_label(&self.status)
    }
    pub fn state(&self, today: &NaiveDate) -> TaskState {
        deadline::state_of_task(
            &self.status,
            self.deadline,
            self.evidence_date,
            self.before_go_live,
            *today,
        )
    }
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
    pub fn unit_href(&self) -> String {
        crate::units::path(&self.unit_level, self.unit_gso_code)
    }
    pub fn review_label(&self) -> &'static str {
        match self.review.as_str() {
            "approved" => "Tỉnh đã duyệt",
            "returned" => "Tỉnh trả lại",
            _ if self.status == "done" => "Chờ tỉnh duyệt",
            _ => "",
        }
    }
}

/// The task in force with this id, if there is one.
pub async fn find(pool: &PgPool, id: i64) -> sqlx::Result<Option<Task>> {
    Ok(find_many(pool, &[id]).await?.pop())
}

/// The tasks in force with these ids, in one query, in no particular order.
pub async fn find_many(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as!(
        Task,
        r#"SELECT t.id, c.election_id, c.code, c.title_vi, c.title_en, c.kind, c.offset_days,
                  (e.election_day - c.offset_days) AS "deadline!",
                  u.id AS unit_id, u.level AS unit_level, u.gso_code AS unit_gso_code, u.name AS unit_name,
                  u.ancestors AS unit_ancestors, t.status, t.status_reason, t.evidence_number, t.evidence_date,
                  t.evidence_signer, t.note, t.review, t.review_comment, t.version, t.before_go_live
             FROM tasks t
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
             JOIN units u ON u.id = t.unit_id
            WHERE t.id = ANY($1) AND c.retired_at IS NULL"#,
        ids
    )
    .fetch_all(pool)
    .await
}

/// The election's tasks of entry `code` of the units directly below `parent` (and of `parent`
/// itself when `with_parent`), in GSO order, in one query.
pub async fn of_children(
    pool: &PgPool,
    election_id: i64,
    parent: i64,
    code: &str,
    with_parent: bool,
) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as!(
        Task,
        r#"SELECT t.id, c.election_id, c.code, c.title_vi, c.title_en, c.kind, c.offset_days,
                  (e.election_day - c.offset_days) AS "deadline!",
                  u.id AS unit_id, u.level AS unit_level, u.gso_code AS unit_gso_code, u.name AS unit_name,
                  u.ancestors AS unit_ancestors, t.status, t.status_reason, t.evidence_number, t.evidence_date,
                  t.evidence_signer, t.note, t.review, t.review_comment, t.version, t.before_go_live
             FROM tasks t
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
             JOIN units u ON u.id = t.unit_id
            WHERE c.election_id = $1 AND c.code = $3 AND c.retired_at IS NULL
              AND (u.parent_id = $2 OR ($4 AND u.id = $2))
            ORDER BY cardinality(u.ancestors), u.gso_code"#,
        election_id,
        parent,
        code,
        with_parent
    )
    .fetch_all(pool)
    .await
}
