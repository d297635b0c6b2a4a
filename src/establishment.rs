//! A task about a body (the steering committee, the election committee) and the body's founding
//! decision are one truth. Recording the task done with its evidence records the body's decision,
//! creating the body if the unit has none; recording the body's decision records the task done
//! with that decision as its evidence.
//!
//! A task about a set of bodies (the election boards of the unit's constituencies, the polling
//! groups of the commune's polling areas) is done when every one of them is founded: recording
//! the task with its decision founds those not yet founded (creating those not yet entered), and
//! the decision that founds the last of them records the task done with it as its evidence. Both are written in the same transaction, through the one
//! module that owns each kind of record (`bodies::record_decision`, `checklists::record::save`),
//! whichever page made the change.

use sqlx::PgConnection;

use crate::audit::Actor;
use crate::bodies::{self, Decision};
use crate::checklists::record::{self, Change, Report, Writer};

/// The calendar entries whose task is the founding of one body of the unit, and its kind.
const BODY_TASKS: [(&str, &str, &str); 2] = [
    (
        "steering_committee_established",
        "steering_committee",
        "Ban chỉ đạo bầu cử",
    ),
    (
        "election_committee_established",
        "election_committee",
        "Ủy ban bầu cử",
    ),
];

/// The calendar entries whose task is the founding of every body of a kind the unit sets up.
const SET_TASKS: [(&str, &str); 2] = [
    ("election_boards_established", "election_board"),
    ("polling_groups_established", "polling_group"),
];

/// The kind of body a task's entry founds, if it founds one.
pub fn body_kind_of(code: &str) -> Option<&'static str> {
    BODY_TASKS
        .iter()
        .find(|(task, ..)| *task == code)
        .map(|(_, kind, _)| *kind)
}

fn actor(writer: &Writer) -> Actor {
    Actor {
        user_id: Some(writer.user_id),
        session_id: writer.session_id,
        client_addr: writer.client_addr,
    }
}

/// After task `id` was saved: if it founds a body and is done, the body gets its evidence as
/// its founding decision.
pub async fn task_recorded(tx: &mut PgConnection, writer: &Writer, id: i64) -> sqlx::Result<()> {
    let task = sqlx::query!(
        r#"SELECT c.code, c.election_id, t.unit_id, u.name AS unit_name, t.status,
                  t.evidence_number, t.evidence_date, t.evidence_signer
             FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id JOIN units u ON u.id = t.unit_id
            WHERE t.id = $1"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if task.status != "done" {
        return Ok(());
    }
    let decision = Decision {
        number: task.evidence_number,
        date: task.evidence_date,
        signer: task.evidence_signer,
    };
    if let Some(&(_, kind)) = SET_TASKS.iter().find(|(code, _)| *code == task.code) {
        let bodies = (task.election_id, task.unit_id, kind);
        bodies::found_all(tx, &actor(writer), writer.at, bodies, &decision).await?;
        return Ok(());
    }
    let Some(&(_, kind, kind_name)) = BODY_TASKS.iter().find(|(code, ..)| *code == task.code)
    else {
        return Ok(());
    };
    let name = format!("{kind_name} {}", task.unit_name);
    let body = (task.election_id, task.unit_id, kind);
    bodies::record_decision(tx, &actor(writer), writer.at, body, &name, &decision).await?;
    Ok(())
}

/// After body `id`'s founding decision was saved: the unit's task about it is recorded done,
/// with the decision as its evidence. True unless the task changed meanwhile (the caller then
/// writes nothing).
pub async fn decision_recorded(
    tx: &mut PgConnection,
    writer: &Writer,
    id: i64,
) -> sqlx::Result<bool> {
    let body = sqlx::query!(
        "SELECT kind, unit_id, election_id, decision_number, decision_date, decision_signer
           FROM bodies WHERE id = $1",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if body.decision_date.is_none() {
        return Ok(true);
    }
    let set = SET_TASKS.iter().find(|(_, kind)| *kind == body.kind);
    let single = BODY_TASKS.iter().find(|(_, kind, _)| *kind == body.kind);
    let code = match (set, single) {
        (Some(&(code, kind)), _) => {
            // The set's task follows only once the last of its bodies is founded.
            let bodies = (body.election_id, body.unit_id, kind);
            if !bodies::all_founded(tx, bodies).await? {
                return Ok(true);
            }
            code
        }
        (None, Some(&(code, ..))) => code,
        (None, None) => return Ok(true),
    };
    let task = sqlx::query!(
        "SELECT t.id, t.version, t.status, t.evidence_number, t.evidence_date, t.evidence_signer, t.note
           FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
          WHERE c.election_id = $1 AND c.code = $2 AND t.unit_id = $3 AND c.retired_at IS NULL",
        body.election_id,
        code,
        body.unit_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(task) = task else {
        return Ok(true);
    };
    let same_evidence = (
        &task.evidence_number,
        &task.evidence_date,
        &task.evidence_signer,
    ) == (
        &body.decision_number,
        &body.decision_date,
        &body.decision_signer,
    );
    // A set's task already done keeps the decision it was recorded with.
    if task.status == "done" && (set.is_some() || same_evidence) {
        return Ok(true);
    }
    let report = Report {
        status: "done",
        reason: None,
        evidence_number: body.decision_number,
        evidence_date: body.decision_date,
        evidence_signer: body.decision_signer,
        note: task.note,
        before_go_live: false,
    };
    let change = Change::Report {
        report: &report,
        submission: None,
    };
    record::save(tx, writer, task.id, task.version, change).await
}
