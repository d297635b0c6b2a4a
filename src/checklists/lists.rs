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
//! What a page costs here is mostly its round trips to PostgreSQL: on the national data set a
//! signed-in page that asks one more question of the database serves a fifth fewer requests. So
//! the task list finds its unit, the unit's subtree and their tasks in one statement.

use chrono::{DateTime, NaiveDate, Utc};
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

/// A unit named by its path, and the tasks of it and every unit below it.
pub struct Below {
    pub root_name: String,
    /// The unit's ancestors, its own id last: whoever shows the tasks checks its scope on these
    /// first.
    pub root_ancestors: Vec<i64>,
    pub tasks: Vec<TaskLine>,
}

/// A row of [`below`]'s statement: the unit, and one of the tasks if it has any.
struct BelowRow {
    root_name: String,
    root_ancestors: Vec<i64>,
    id: Option<i64>,
    title_vi: Option<String>,
    title_en: Option<String>,
    unit_name: Option<String>,
    deadline: Option<NaiveDate>,
    status: Option<String>,
    evidence_date: Option<NaiveDate>,
    before_go_live: Option<bool>,
    review: Option<String>,
    review_comment: Option<String>,
    evidence_number: Option<String>,
    evidence_signer: Option<String>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<DateTime<Utc>>,
}

impl BelowRow {
    /// The row's task; none on the one row of a unit without tasks.
    fn task(self) -> Option<TaskLine> {
        Some(TaskLine {
            id: self.id?,
            title_vi: self.title_vi?,
            title_en: self.title_en?,
            unit_name: self.unit_name?,
            deadline: self.deadline?,
            status: self.status?,
            evidence_date: self.evidence_date,
            before_go_live: self.before_go_live?,
            review: self.review?,
            review_comment: self.review_comment,
            evidence_number: self.evidence_number,
            evidence_signer: self.evidence_signer,
            reviewed_by: self.reviewed_by,
            reviewed_at: self.reviewed_at,
        })
    }
}

/// The current unit `level`/`gso_code` with the tasks of it and every unit below it, of one
/// calendar entry when one is named; by deadline, then in the order of the tree. None when no
/// current unit has that path.
///
/// The unit is found by the same statement as its tasks: a round trip to PostgreSQL costs more
/// than either, and this is the list every dashboard cell opens. The unit comes back on every
/// row (and alone, on one row, when it has no tasks).
pub async fn below(
    pool: &PgPool,
    election: &Election,
    level: &str,
    gso_code: i32,
    entry: Option<&str>,
) -> sqlx::Result<Option<Below>> {
    let day = election.election_day;
    // Both take the subtree's units first and find each unit's tasks by index. Of one entry,
    // by unit and entry together, the subtree kept apart (MATERIALIZED) so that PostgreSQL
    // does not read every task of the subtree and keep one entry's: 142 buffers for a
    // district, against 213 when each task found looked its unit up again. Of every entry,
    // by unit: joining the subtree's tasks to all units by hash cost twice as much for a
    // district, and keeping the subtree apart here costs a third more.
    let rows = match entry {
        Some(code) => {
            sqlx::query_as!(
                BelowRow,
                r#"WITH root AS MATERIALIZED (
                       SELECT id, name, ancestors FROM units
                        WHERE level = $2 AND gso_code = $3 AND valid_to IS NULL),
                   subtree AS MATERIALIZED (
                       SELECT below.id, below.name, below.ancestors, below.gso_code
                         FROM root JOIN units below ON below.ancestors @> ARRAY[root.id])
                   SELECT root.name AS root_name, root.ancestors AS root_ancestors,
                          l.id AS "id?", l.title_vi AS "title_vi?", l.title_en AS "title_en?",
                          l.unit_name AS "unit_name?", l.deadline AS "deadline?", l.status AS "status?",
                          l.evidence_date, l.before_go_live AS "before_go_live?", l.review AS "review?",
                          l.review_comment, l.evidence_number, l.evidence_signer, l.reviewed_by, l.reviewed_at
                     FROM root LEFT JOIN (
                          SELECT t.*, c.title_vi, c.title_en, c.offset_days, u.name AS unit_name,
                                 u.ancestors AS unit_ancestors, u.gso_code, ($4::date - c.offset_days) AS deadline
                            FROM subtree u
                            JOIN tasks t ON t.unit_id = u.id
                            JOIN calendar_entries c ON c.id = t.calendar_entry_id
                           WHERE c.election_id = $1 AND c.retired_at IS NULL AND c.code = $5) l ON true
                    ORDER BY l.offset_days DESC, l.unit_ancestors, l.gso_code"#,
                election.id,
                level,
                gso_code,
                day,
                code
            )
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query_as!(
                BelowRow,
                r#"WITH root AS MATERIALIZED (
                       SELECT id, name, ancestors FROM units
                        WHERE level = $2 AND gso_code = $3 AND valid_to IS NULL)
                   SELECT root.name AS root_name, root.ancestors AS root_ancestors,
                          l.id AS "id?", l.title_vi AS "title_vi?", l.title_en AS "title_en?",
                          l.unit_name AS "unit_name?", l.deadline AS "deadline?", l.status AS "status?",
                          l.evidence_date, l.before_go_live AS "before_go_live?", l.review AS "review?",
                          l.review_comment, l.evidence_number, l.evidence_signer, l.reviewed_by, l.reviewed_at
                     FROM root LEFT JOIN LATERAL (
                          SELECT t.*, c.title_vi, c.title_en, c.offset_days, u.name AS unit_name,
                                 u.ancestors AS unit_ancestors, u.gso_code, ($4::date - c.offset_days) AS deadline
                            FROM units u
                            JOIN tasks t ON t.unit_id = u.id
                            JOIN calendar_entries c ON c.id = t.calendar_entry_id
                           WHERE u.ancestors @> ARRAY[root.id] AND c.election_id = $1 AND c.retired_at IS NULL) l ON true
                    ORDER BY l.offset_days DESC, l.unit_ancestors, l.gso_code"#,
                election.id,
                level,
                gso_code,
                day
            )
            .fetch_all(pool)
            .await?
        }
    };
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(Below {
        root_name: first.root_name.clone(),
        root_ancestors: first.root_ancestors.clone(),
        tasks: rows.into_iter().filter_map(BelowRow::task).collect(),
    }))
}
