//! Every change to a directive's tracked item — the assignee's answer, the province's approval
//! or return — goes through [`save`]: one version check, one history row, one audit record shape
//! (`directive.updated`, `directive.approved`, `directive.returned`) whichever page made it.

use chrono::{DateTime, FixedOffset, NaiveDate};
use sqlx::PgConnection;

use crate::audit::{self, Actor, Event};

/// What an item records after an answer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Answer {
    pub status: &'static str,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub evidence_signer: Option<String>,
    pub note: Option<String>,
}

/// The province's review of a done item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    Approve,
    Return,
}

pub enum Change<'a> {
    Answer(&'a Answer),
    Review {
        review: Review,
        comment: Option<&'a str>,
    },
}

/// Writes `change` to item `id` if it is still at `version`; true when written.
pub async fn save(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    id: i64,
    version: i32,
    change: Change<'_>,
) -> sqlx::Result<bool> {
    let Some(old) = sqlx::query!(
        r#"SELECT i.status, i.evidence_number, i.evidence_date, i.evidence_signer, i.note, i.review,
                  i.review_comment, coalesce(a.unit_id, i.unit_id) AS "unit_id!"
             FROM directive_items i LEFT JOIN agencies a ON a.id = i.agency_id
            WHERE i.id = $1 AND i.version = $2 FOR UPDATE OF i"#,
        id,
        version
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(false);
    };
    let (answer, review, comment, action) = match change {
        Change::Answer(answer) => {
            // A changed answer goes back to the province for review.
            let unchanged = answer.status == old.status
                && answer.evidence_number == old.evidence_number
                && answer.evidence_date == old.evidence_date
                && answer.evidence_signer == old.evidence_signer;
            let review = if unchanged {
                old.review.clone()
            } else {
                "none".to_string()
            };
            (
                answer.clone(),
                review,
                old.review_comment.clone(),
                "directive.updated",
            )
        }
        Change::Review { review, comment } => {
            let (status, outcome, action) = match review {
                Review::Approve => ("done", "approved", "directive.approved"),
                Review::Return => ("in_progress", "returned", "directive.returned"),
            };
            let answer = Answer {
                status,
                evidence_number: old.evidence_number.clone(),
                evidence_date: old.evidence_date,
                evidence_signer: old.evidence_signer.clone(),
                note: old.note.clone(),
            };
            (
                answer,
                outcome.to_string(),
                comment.map(str::to_string),
                action,
            )
        }
    };
    sqlx::query!(
        "UPDATE directive_items SET status = $2, evidence_number = $3, evidence_date = $4,
                evidence_signer = $5, note = $6, review = $7, review_comment = $8,
                reviewed_by = CASE WHEN $9 THEN $10 ELSE reviewed_by END,
                reviewed_at = CASE WHEN $9 THEN $11 ELSE reviewed_at END,
                version = version + 1, updated_at = $11
          WHERE id = $1",
        id,
        answer.status,
        answer.evidence_number,
        answer.evidence_date,
        answer.evidence_signer,
        answer.note,
        review,
        comment,
        action != "directive.updated",
        actor.user_id,
        now
    )
    .execute(&mut *conn)
    .await?;
    let history_note = match action {
        "directive.approved" => Some(
            comment
                .clone()
                .map_or("Tỉnh duyệt".to_string(), |c| format!("Tỉnh duyệt: {c}")),
        ),
        "directive.returned" => Some(format!(
            "Tỉnh trả lại: {}",
            comment.clone().unwrap_or_default()
        )),
        _ => answer.note.clone(),
    };
    if old.status != answer.status || old.review != review || old.note != answer.note {
        sqlx::query!(
            "INSERT INTO directive_events (item_id, at, user_id, from_status, to_status, review, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            id,
            now,
            actor.user_id,
            old.status,
            answer.status,
            review,
            history_note
        )
        .execute(&mut *conn)
        .await?;
    }
    let before = serde_json::json!({
        "status": old.status, "evidence_number": old.evidence_number, "evidence_date": old.evidence_date,
        "evidence_signer": old.evidence_signer, "note": old.note, "review": old.review,
        "review_comment": old.review_comment, "version": version,
    });
    let after = serde_json::json!({
        "status": answer.status, "evidence_number": answer.evidence_number, "evidence_date": answer.evidence_date,
        "evidence_signer": answer.evidence_signer, "note": answer.note, "review": review,
        "review_comment": comment, "version": version + 1,
    });
    let event = Event::new(action)
        .unit(old.unit_id)
        .object("directive_item", id)
        .before(before)
        .after(after);
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}
