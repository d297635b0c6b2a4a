//! Every change to a task: the task form, the district's bulk page and the province's review
//! (approve, return, reopen) all write through [`save`], so a change leaves the same history and
//! the same audit record whichever page made it.
//!
//! The rules, in one place:
//! - a change names the version it was made from; a task at another version is not written (the
//!   caller explains why: gone, out of scope, sent before, or changed by someone else);
//! - a report whose status or evidence changed goes back to the province for review, unless the
//!   change is itself a review step;
//! - a history row is written when the status, the note or the review changes;
//! - one audit record, with the task's recorded fields before and after.
//!
//! Access is decided by the guard and the one scope rule (`Scope::editable`); the statement is
//! given its result as a plain value and only limits the row it writes to it.

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use sqlx::PgConnection;

use crate::auth::Editable;

/// What a task records after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub status: &'static str,
    pub reason: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub evidence_signer: Option<String>,
    pub note: Option<String>,
    /// Recorded done before the province began using the application, from its documents.
    pub before_go_live: bool,
}

/// A province's review step on a done task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Approve,
    Return,
    Reopen,
}

impl Step {
    pub fn action(self) -> &'static str {
        match self {
            Step::Approve => "task.approved",
            Step::Return => "task.returned",
            Step::Reopen => "task.reopened",
        }
    }

    /// The status a done task takes, and its review afterwards.
    fn outcome(self) -> (&'static str, &'static str) {
        match self {
            Step::Approve => ("done", "approved"),
            Step::Return => ("in_progress", "returned"),
            Step::Reopen => ("in_progress", "none"),
        }
    }

    /// What the history says of the step, before the comment.
    pub fn label_vi(self) -> &'static str {
        match self {
            Step::Approve => "Tỉnh duyệt",
            Step::Return => "Tỉnh trả lại",
            Step::Reopen => "Mở lại",
        }
    }
}

/// One change to one task.
pub enum Change<'a> {
    /// A report from the task form or the bulk page, with the form's one-time token if any.
    Report {
        report: &'a Report,
        submission: Option<&'a str>,
    },
    /// A review step; the task's report stays as it is, with its status moved by the step.
    Review {
        step: Step,
        comment: Option<&'a str>,
        /// The task's report as it was read, at the version the change names.
        current: &'a Report,
    },
}

/// Who made a change, from where, when.
pub struct Writer {
    pub user_id: i64,
    pub session_id: Option<i64>,
    pub client_addr: Option<IpAddr>,
    pub at: DateTime<FixedOffset>,
    /// Where the writer may edit, by the one scope rule.
    pub editable: Editable,
}

/// Writes `change` to task `id` if it is in force, within the writer's editing scope and still at
/// `version`, with its history and audit record, in one statement. True when it was written.
pub async fn save(
    conn: &mut PgConnection,
    writer: &Writer,
    id: i64,
    version: i32,
    change: Change<'_>,
) -> sqlx::Result<bool> {
    let under = match writer.editable {
        Editable::Nowhere => return Ok(false),
        Editable::Everywhere => None,
        Editable::Under(unit) => Some(unit),
    };
    let (report, submission, review, comment, action, history_note) = match change {
        Change::Report { report, submission } => (
            report.clone(),
            submission,
            None,
            None,
            "task.updated",
            report.reason.clone().or_else(|| report.note.clone()),
        ),
        Change::Review {
            step,
            comment,
            current,
        } => {
            let (status, review) = step.outcome();
            let note = match comment {
                Some(comment) => format!("{}: {comment}", step.label_vi()),
                None => step.label_vi().to_string(),
            };
            let report = Report {
                status,
                ..current.clone()
            };
            (
                report,
                None,
                Some(review),
                comment,
                step.action(),
                Some(note),
            )
        }
    };
    sqlx::query_scalar!(
        r#"WITH old AS (
                SELECT t.id, t.unit_id, t.status, t.status_reason, t.evidence_number, t.evidence_date,
                       t.evidence_signer, t.note, t.review, t.review_comment, t.version
                  FROM tasks t
                  JOIN calendar_entries c ON c.id = t.calendar_entry_id
                  JOIN units u ON u.id = t.unit_id
                 WHERE t.id = $1 AND t.version = $2 AND c.retired_at IS NULL
                   AND ($3::bigint IS NULL OR u.ancestors @> ARRAY[$3::bigint])
           ), saved AS (
                UPDATE tasks t SET status = $4, status_reason = $5, evidence_number = $6, evidence_date = $7,
                       evidence_signer = $8, note = $9, updated_by = $10, submission = $11,
                       before_go_live = $4 = 'done' AND ($19 OR (t.before_go_live AND t.status = $4
                                        AND t.evidence_number IS NOT DISTINCT FROM $6
                                        AND t.evidence_date IS NOT DISTINCT FROM $7
                                        AND t.evidence_signer IS NOT DISTINCT FROM $8)),
                       review = coalesce($12, CASE WHEN t.status = $4 AND t.evidence_number IS NOT DISTINCT FROM $6
                                                        AND t.evidence_date IS NOT DISTINCT FROM $7
                                                        AND t.evidence_signer IS NOT DISTINCT FROM $8
                                                   THEN t.review ELSE 'none' END),
                       review_comment = CASE WHEN $12::text IS NULL THEN t.review_comment ELSE $13 END,
                       reviewed_by = CASE WHEN $12::text IS NULL THEN t.reviewed_by ELSE $10 END,
                       reviewed_at = CASE WHEN $12::text IS NULL THEN t.reviewed_at ELSE $14 END
                  FROM old
                 WHERE t.id = old.id AND t.version = $2
                RETURNING old.*, t.status AS new_status, t.status_reason AS new_status_reason,
                          t.evidence_number AS new_evidence_number, t.evidence_date AS new_evidence_date,
                          t.evidence_signer AS new_evidence_signer, t.note AS new_note, t.review AS new_review,
                          t.review_comment AS new_review_comment, t.version AS new_version,
                          t.before_go_live AS new_before_go_live
           ), history AS (
                INSERT INTO task_events (task_id, at, user_id, from_status, to_status, note, before_go_live)
                SELECT id, $14, $10, status, new_status, $15, new_before_go_live FROM saved
                 WHERE status IS DISTINCT FROM new_status OR note IS DISTINCT FROM new_note
                    OR review IS DISTINCT FROM new_review
           ), audit AS (
                INSERT INTO audit_log (at, user_id, session_id, unit_id, action, object_type, object_id,
                                       before, after, client_addr)
                SELECT $14, $10, $16, s.unit_id, $17, 'task', s.id,
                       jsonb_build_object('status', s.status, 'status_reason', s.status_reason,
                                          'evidence_number', s.evidence_number, 'evidence_date', s.evidence_date,
                                          'evidence_signer', s.evidence_signer, 'note', s.note,
                                          'review', s.review, 'review_comment', s.review_comment,
                                          'version', s.version),
                       jsonb_build_object('status', s.new_status, 'status_reason', s.new_status_reason,
                                          'evidence_number', s.new_evidence_number,
                                          'evidence_date', s.new_evidence_date,
                                          'evidence_signer', s.new_evidence_signer, 'note', s.new_note,
                                          'review', s.new_review, 'review_comment', s.new_review_comment,
                                          'version', s.new_version, 'before_go_live', s.new_before_go_live),
                       $18::text::inet
                  FROM saved s
           )
           SELECT EXISTS (SELECT FROM saved) AS "saved!""#,
        id,
        version,
        under,
        report.status,
        report.reason,
        report.evidence_number,
        report.evidence_date,
        report.evidence_signer,
        report.note,
        writer.user_id,
        submission,
        review,
        comment,
        writer.at,
        history_note,
        writer.session_id,
        action,
        writer.client_addr.map(|addr| addr.to_string()),
        report.before_go_live,
    )
    .fetch_one(conn)
    .await
}
