//! Each unit's checklist: one task per calendar entry that names the unit's level.

pub mod approvals;
pub mod attachments;
pub mod baseline;
pub mod bulk;
pub mod calendar;
pub mod deadline;
pub mod delegation;
pub mod figures;
pub mod lists;
pub mod my_work;
pub mod pages;
pub mod record;
pub mod review;
pub mod tasks;

use chrono::NaiveDate;
use sqlx::PgPool;

use deadline::TaskState;

use crate::format;

pub struct TaskRow {
    pub id: i64,
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub kind: String,
    pub offset_days: i32,
    pub deadline: NaiveDate,
    pub status: String,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub evidence_signer: Option<String>,
    /// Recorded done before the province began using the application: never judged late.
    pub before_go_live: bool,
}

impl TaskRow {
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
    /// "E−105" or "E+10": how the law counts it.
    pub fn offset_text(&self) -> String {
        match self.offset_days {
            0 => "E".to_string(),
            d if d > 0 => format!("E−{d}"),
            d => format!("E+{}", -d),
        }
    }
    pub fn is_legal(&self) -> bool {
        self.kind == "legal"
    }
    pub fn evidence_text(&self) -> String {
        evidence_text(
            self.evidence_number.as_deref(),
            self.evidence_date,
            self.evidence_signer.as_deref(),
        )
    }
}

/// "12/QĐ-UBND, 08/01/2021, Nguyễn Văn A": a task's evidence, as much as is known.
pub fn evidence_text(
    number: Option<&str>,
    date: Option<NaiveDate>,
    signer: Option<&str>,
) -> String {
    let date = date.map(format::date);
    [number, date.as_deref(), signer]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// A task in a list ("my work", the tasks behind a dashboard cell).
pub struct TaskLine {
    pub id: i64,
    pub title_vi: String,
    pub title_en: String,
    pub unit_name: String,
    pub deadline: NaiveDate,
    pub status: String,
    pub evidence_date: Option<NaiveDate>,
    pub before_go_live: bool,
    pub review: String,
    pub review_comment: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_signer: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TaskLine {
    /// Returned by the province, to be fixed and sent again.
    pub fn is_returned(&self) -> bool {
        self.review == "returned"
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
    pub fn status_label(&self) -> &'static str {
        deadline::status_label(&self.status)
    }
}

/// The unit's tasks in the election, in deadline order.
pub async fn tasks_of_unit(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
) -> sqlx::Result<Vec<TaskRow>> {
    sqlx::query_as!(
        TaskRow,
        r#"SELECT t.id, c.code, c.title_vi, c.title_en, c.kind, c.offset_days,
                  (e.election_day - c.offset_days) AS "deadline!",
                  t.status, t.evidence_number, t.evidence_date, t.evidence_signer, t.before_go_live
             FROM tasks t
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
            WHERE t.unit_id = $2 AND c.election_id = $1 AND c.retired_at IS NULL
            ORDER BY c.offset_days DESC, c.code"#,
        election_id,
        unit_id
    )
    .fetch_all(pool)
    .await
}
