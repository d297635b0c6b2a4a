//! Lists of tasks across units: "my work" and the tasks behind a dashboard cell.
//!
//! These are the most asked-for lists after the dashboards, so each is a statement PostgreSQL can
//! plan once per connection. With a custom plan per request, planning took 0.5–0.7 ms, three times
//! the 0.2 ms the statement runs. PostgreSQL keeps a generic plan only when its estimate is close
//! to the custom one. An optional filter (`$3 = '' OR …`) breaks that, and so does a subtree test
//! (`ancestors @> $1`), whose estimate depends on the unit named. Hence one statement per shape,
//! the deadline from the election day already at hand, and the subtree found by testing
//! `ancestors` against a column, not a parameter, so that its estimate is the same for every unit.
//! On the national data set, with generic plans: a district's 33 tasks of one entry in 0.3 ms, its
//! 722 of every entry in 3.6 ms, and the largest province's 13,297 in about 110 ms, most of it the
//! sort.
//!
//! The tasks behind a dashboard cell are drawn once for everyone who opens that cell within a
//! few seconds, as the dashboard is (`dashboards::task_list`): 33 rows cost three times what the
//! rest of the page does, in PostgreSQL's index probes and in drawing them.

use sqlx::PgPool;

use super::TaskLine;
use crate::auth::{Role, Scope};
use crate::elections::Election;

/// The tasks a user answers for ("Việc của tôi", and what reminders speak of): their unit's and,
/// for a district officer, its communes'. An administrator answers for no unit below the
/// election's own, so their work is that unit's checklist (not every task in the country).
pub async fn of_user(
    pool: &PgPool,
    election: &Election,
    scope: &Scope,
) -> sqlx::Result<Vec<TaskLine>> {
    // An agency officer's work is its agency's directives, not its unit's checklist.
    if scope.role == Role::AgencyOfficer {
        return Ok(Vec::new());
    }
    let unit_id = scope.unit_id().unwrap_or(election.unit_id);
    of_unit(pool, election, unit_id, scope.role == Role::DistrictOfficer).await
}

/// How many done tasks of a unit's territory wait for review; `only_below` leaves out the
/// unit's own (a district reviews its communes' tasks, never its own).
pub async fn waiting_review(
    pool: &PgPool,
    election_id: i64,
    root: i64,
    only_below: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM tasks t
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN units u ON u.id = t.unit_id
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND t.status = 'done' AND t.review = 'none'
              AND u.ancestors @> ARRAY[$2::bigint] AND NOT ($3 AND u.id = $2)"#,
        election_id,
        root,
        only_below
    )
    .fetch_one(pool)
    .await
}

/// The tasks of one unit and, when asked, of the units directly below it; by deadline.
pub async fn of_unit(
    pool: &PgPool,
    election: &Election,
    unit_id: i64,
    with_children: bool,
) -> sqlx::Result<Vec<TaskLine>> {
    if with_children {
        sqlx::query_as!(
            TaskLine,
            r#"SELECT t.id, c.title_vi, c.title_en, u.name AS unit_name,
                      ($3::date - c.offset_days) AS "deadline!", t.status, t.evidence_date, t.before_go_live,
                      t.review, t.review_comment, t.evidence_number, t.evidence_signer, t.reviewed_by, t.reviewed_at
                 FROM units u
                 JOIN tasks t ON t.unit_id = u.id
                 JOIN calendar_entries c ON c.id = t.calendar_entry_id
                WHERE (u.id = $2 OR u.parent_id = $2) AND c.election_id = $1 AND c.retired_at IS NULL
                ORDER BY c.offset_days DESC, u.gso_code"#,
            election.id,
            unit_id,
            election.election_day
        )
        .fetch_all(pool)
        .await
    } else {
        sqlx::query_as!(
            TaskLine,
            r#"SELECT t.id, c.title_vi, c.title_en, u.name AS unit_name,
                      ($3::date - c.offset_days) AS "deadline!", t.status, t.evidence_date, t.before_go_live,
                      t.review, t.review_comment, t.evidence_number, t.evidence_signer, t.reviewed_by, t.reviewed_at
                 FROM tasks t
                 JOIN units u ON u.id = t.unit_id
                 JOIN calendar_entries c ON c.id = t.calendar_entry_id
                WHERE t.unit_id = $2 AND c.election_id = $1 AND c.retired_at IS NULL
                ORDER BY c.offset_days DESC"#,
            election.id,
            unit_id,
            election.election_day
        )
        .fetch_all(pool)
        .await
    }
}

/// How many of a unit's tasks (and, when asked, its children's) the province returned.
pub async fn returned(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    with_children: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM tasks t
             JOIN units u ON u.id = t.unit_id
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
            WHERE t.review = 'returned' AND c.election_id = $1 AND c.retired_at IS NULL
              AND (u.id = $2 OR ($3 AND u.parent_id = $2))"#,
        election_id,
        unit_id,
        with_children
    )
    .fetch_one(pool)
    .await
}

/// The current calendar entry of the election with this code, if there is one.
pub async fn entry_id(pool: &PgPool, election_id: i64, code: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT id FROM calendar_entries WHERE election_id = $1 AND code = $2 AND retired_at IS NULL",
        election_id,
        code
    )
    .fetch_optional(pool)
    .await
}

/// The most tasks a list holds, on a page or in a download. The largest province's every task
/// (13,297 in 2021) fits; the whole country's (247,157) made a 66 MB page, and its download took
/// the application from 290 to 660 MB. It is asked for by entry or by province instead.
pub const MAX_LISTED: usize = 20_000;

/// The tasks of unit `root` and every unit below it, of one calendar entry when one is given;
/// by deadline, then in the order of the tree. None when there are more than `max`: no more than
/// `max + 1` rows are read.
///
/// Both statements take the subtree's units first and find each unit's tasks by index. Of one
/// entry, by unit and entry together: 33 tasks of a district in 0.3 ms. Of every entry, by unit;
/// joining the subtree's tasks to all units by hash cost twice as much for a district.
pub async fn below(
    pool: &PgPool,
    election: &Election,
    root: i64,
    entry: Option<i64>,
    max: usize,
) -> sqlx::Result<Option<Vec<TaskLine>>> {
    let day = election.election_day;
    let read = i64::try_from(max).unwrap_or(i64::MAX).saturating_add(1);
    let tasks = match entry {
        Some(entry) => {
            sqlx::query_as!(
                TaskLine,
                r#"SELECT t.id, c.title_vi, c.title_en, u.name AS unit_name,
                          ($3::date - c.offset_days) AS "deadline!", t.status, t.evidence_date, t.before_go_live,
                          t.review, t.review_comment, t.evidence_number, t.evidence_signer, t.reviewed_by, t.reviewed_at
                     FROM units root
                     JOIN units u ON u.ancestors @> ARRAY[root.id]
                     JOIN tasks t ON t.unit_id = u.id AND t.calendar_entry_id = $4
                     JOIN calendar_entries c ON c.id = t.calendar_entry_id
                    WHERE root.id = $2 AND c.election_id = $1 AND c.retired_at IS NULL
                    ORDER BY u.ancestors, u.gso_code
                    LIMIT $5"#,
                election.id,
                root,
                day,
                entry,
                read
            )
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query_as!(
                TaskLine,
                r#"SELECT t.id, c.title_vi, c.title_en, u.name AS unit_name,
                          ($3::date - c.offset_days) AS "deadline!", t.status, t.evidence_date, t.before_go_live,
                          t.review, t.review_comment, t.evidence_number, t.evidence_signer, t.reviewed_by, t.reviewed_at
                     FROM units root
                     JOIN units u ON u.ancestors @> ARRAY[root.id]
                     JOIN tasks t ON t.unit_id = u.id
                     JOIN calendar_entries c ON c.id = t.calendar_entry_id
                    WHERE root.id = $2 AND c.election_id = $1 AND c.retired_at IS NULL
                    ORDER BY c.offset_days DESC, u.ancestors, u.gso_code
                    LIMIT $4"#,
                election.id,
                root,
                day,
                read
            )
            .fetch_all(pool)
            .await?
        }
    };
    Ok((tasks.len() <= max).then_some(tasks))
}
