//! The election's budget: a line per unit (its People's Committee) and per agency with the
//! estimate it proposes, the amount the level above approves with its decision, what is allocated
//! and what is spent, each dated; totals by level and by locality, and what is still unapproved.
//! Every change goes through [`save`]: one version check, one audit record (`budget.updated`).

pub mod pages;

use chrono::{DateTime, FixedOffset, NaiveDate};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};
use crate::auth::{Role, Scope};
use crate::format;

/// Whose line it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Unit(i64),
    Agency(i64),
}

impl Owner {
    pub fn parse(value: &str) -> Option<Owner> {
        let (kind, id) = value.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "unit" => Some(Owner::Unit(id)),
            "agency" => Some(Owner::Agency(id)),
            _ => None,
        }
    }
    pub fn value(self) -> String {
        match self {
            Owner::Unit(id) => format!("unit:{id}"),
            Owner::Agency(id) => format!("agency:{id}"),
        }
    }
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Owner::Unit(id) => (Some(id), None),
            Owner::Agency(id) => (None, Some(id)),
        }
    }
}

/// The figures of a line.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    pub proposed: Option<i64>,
    pub proposed_on: Option<NaiveDate>,
    pub approved: Option<i64>,
    pub approved_on: Option<NaiveDate>,
    pub approval_decision: Option<String>,
    pub allocated: Option<i64>,
    pub allocated_on: Option<NaiveDate>,
    pub spent: Option<i64>,
    pub spent_on: Option<NaiveDate>,
}

impl Figures {
    /// Whether the approval (amount, date, decision) differs from `other`'s.
    pub fn approval_differs(&self, other: &Figures) -> bool {
        (self.approved, self.approved_on, &self.approval_decision)
            != (other.approved, other.approved_on, &other.approval_decision)
    }
}

/// A unit's or an agency's line, as stored (or empty when none is yet).
pub struct Line {
    pub owner: Owner,
    pub name: String,
    /// The ancestors of the unit the line belongs to (the agency's unit for an agency).
    pub unit_ancestors: Vec<i64>,
    pub figures: Figures,
    pub version: i32,
}

impl Line {
    pub fn text(value: Option<i64>) -> String {
        value.map(format::number).unwrap_or_default()
    }
}

/// Who may write a line's own figures (proposed, allocated, spent): the editors of its unit; for
/// an agency, its officers and the editors of the agency's unit.
pub fn may_keep(scope: &Scope, agency_id: Option<i64>, line: &Line) -> bool {
    match (line.owner, scope.role) {
        (Owner::Agency(id), Role::AgencyOfficer) => agency_id == Some(id),
        (_, Role::AgencyOfficer) => false,
        _ => scope.can_edit(&line.unit_ancestors),
    }
}

/// Who approves a line: the level above. A unit's estimate is approved by those who edit a unit
/// above it (never by the unit itself); an agency's by the editors of the unit it serves.
pub fn may_approve(scope: &Scope, line: &Line) -> bool {
    if scope.role == Role::AgencyOfficer {
        return false;
    }
    match line.owner {
        Owner::Unit(_) => {
            scope.role == Role::Admin
                || (scope.can_edit(&line.unit_ancestors)
                    && scope.unit_id() != line.unit_ancestors.last().copied())
        }
        Owner::Agency(_) => scope.can_edit(&line.unit_ancestors),
    }
}

/// The lines of `root` itself and of the agencies serving it, empty ones included.
pub async fn lines_of(pool: &PgPool, election_id: i64, root: i64) -> sqlx::Result<Vec<Line>> {
    let rows = sqlx::query!(
        r#"SELECT o.unit_id AS "unit_id?", o.agency_id AS "agency_id?", o.name AS "name!",
                  o.ancestors AS "ancestors!", b.proposed, b.proposed_on, b.approved, b.approved_on,
                  b.approval_decision, b.allocated, b.allocated_on, b.spent, b.spent_on,
                  coalesce(b.version, 0) AS "version!"
             FROM (SELECT u.id AS unit_id, NULL::bigint AS agency_id, u.name, u.ancestors, 0 AS rank, 0::bigint AS id
                     FROM units u WHERE u.id = $2
                   UNION ALL
                   SELECT NULL, a.id, a.name, u.ancestors, 1, a.id
                     FROM agencies a JOIN units u ON u.id = a.unit_id
                    WHERE a.election_id = $1 AND a.unit_id = $2 AND a.retired_at IS NULL) o
             LEFT JOIN budget_lines b ON b.election_id = $1
                  AND b.unit_id IS NOT DISTINCT FROM o.unit_id AND b.agency_id IS NOT DISTINCT FROM o.agency_id
            ORDER BY o.rank, o.id"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Line {
            owner: match r.agency_id {
                Some(id) => Owner::Agency(id),
                None => Owner::Unit(r.unit_id.unwrap_or_default()),
            },
            name: r.name,
            unit_ancestors: r.ancestors,
            figures: Figures {
                proposed: r.proposed,
                proposed_on: r.proposed_on,
                approved: r.approved,
                approved_on: r.approved_on,
                approval_decision: r.approval_decision,
                allocated: r.allocated,
                allocated_on: r.allocated_on,
                spent: r.spent,
                spent_on: r.spent_on,
            },
            version: r.version,
        })
        .collect())
}

/// One line by its owner, if the owner exists in the election.
pub async fn line(pool: &PgPool, election_id: i64, owner: Owner) -> sqlx::Result<Option<Line>> {
    let unit = match owner {
        Owner::Unit(id) => Some(id),
        Owner::Agency(id) => {
            sqlx::query_scalar!(
                "SELECT unit_id FROM agencies WHERE id = $1 AND election_id = $2",
                id,
                election_id
            )
            .fetch_optional(pool)
            .await?
        }
    };
    let Some(unit) = unit else {
        return Ok(None);
    };
    Ok(lines_of(pool, election_id, unit)
        .await?
        .into_iter()
        .find(|l| l.owner == owner))
}

/// Sums of a set of lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub name: String,
    /// `level:code` of a locality, for its link; empty for a level's total.
    pub unit: String,
    pub proposed: i64,
    pub approved: i64,
    pub allocated: i64,
    pub spent: i64,
    /// Lines proposed but not yet approved.
    pub unapproved: i64,
}

impl Totals {
    pub fn text(value: &i64) -> String {
        format::number(*value)
    }
}

/// The totals below `root`: by level (units' lines by their level, and agencies'), and by each
/// locality directly below it (its whole subtree and its agencies).
pub async fn totals(
    pool: &PgPool,
    election_id: i64,
    root: i64,
) -> sqlx::Result<(Vec<Totals>, Vec<Totals>)> {
    let by_level = sqlx::query_as!(
        Totals,
        r#"SELECT CASE WHEN b.agency_id IS NOT NULL THEN 'agency' ELSE u.level END AS "name!", '' AS "unit!",
                  coalesce(sum(b.proposed), 0)::bigint AS "proposed!", coalesce(sum(b.approved), 0)::bigint AS "approved!",
                  coalesce(sum(b.allocated), 0)::bigint AS "allocated!", coalesce(sum(b.spent), 0)::bigint AS "spent!",
                  count(*) FILTER (WHERE b.proposed IS NOT NULL AND b.approved IS NULL) AS "unapproved!"
             FROM budget_lines b
             LEFT JOIN agencies a ON a.id = b.agency_id
             JOIN units u ON u.id = coalesce(a.unit_id, b.unit_id)
            WHERE b.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            GROUP BY 1
            ORDER BY array_position(ARRAY['country', 'province', 'district', 'commune', 'agency'],
                                    CASE WHEN b.agency_id IS NOT NULL THEN 'agency' ELSE u.level END)"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await?;
    let by_locality = sqlx::query_as!(
        Totals,
        r#"SELECT l.name AS "name!", l.level || ':' || l.gso_code AS "unit!",
                  coalesce(sum(b.proposed), 0)::bigint AS "proposed!", coalesce(sum(b.approved), 0)::bigint AS "approved!",
                  coalesce(sum(b.allocated), 0)::bigint AS "allocated!", coalesce(sum(b.spent), 0)::bigint AS "spent!",
                  count(b.id) FILTER (WHERE b.proposed IS NOT NULL AND b.approved IS NULL) AS "unapproved!"
             FROM units l
             LEFT JOIN (SELECT x.*, u.ancestors FROM budget_lines x
                          LEFT JOIN agencies a ON a.id = x.agency_id
                          JOIN units u ON u.id = coalesce(a.unit_id, x.unit_id)
                         WHERE x.election_id = $1) b ON b.ancestors @> ARRAY[l.id]
            WHERE l.parent_id = $2 AND l.valid_to IS NULL
            GROUP BY l.id, l.name, l.level, l.gso_code
            ORDER BY l.gso_code"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await?;
    Ok((by_level, by_locality))
}

/// Every line below `root`, for the download: owner, its unit, and the figures.
pub struct Row {
    pub owner: String,
    pub unit: String,
    pub level: String,
    pub figures: Figures,
}

pub async fn rows_below(pool: &PgPool, election_id: i64, root: i64) -> sqlx::Result<Vec<Row>> {
    let rows = sqlx::query!(
        r#"SELECT coalesce(a.name, u.name) AS "owner!", u.name AS unit, u.level, b.proposed, b.proposed_on,
                  b.approved, b.approved_on, b.approval_decision, b.allocated, b.allocated_on, b.spent, b.spent_on
             FROM budget_lines b
             LEFT JOIN agencies a ON a.id = b.agency_id
             JOIN units u ON u.id = coalesce(a.unit_id, b.unit_id)
            WHERE b.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY u.ancestors, b.agency_id NULLS FIRST"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Row {
            owner: r.owner,
            unit: r.unit,
            level: r.level,
            figures: Figures {
                proposed: r.proposed,
                proposed_on: r.proposed_on,
                approved: r.approved,
                approved_on: r.approved_on,
                approval_decision: r.approval_decision,
                allocated: r.allocated,
                allocated_on: r.allocated_on,
                spent: r.spent,
                spent_on: r.spent_on,
            },
        })
        .collect())
}

/// Writes a line's figures if it is still at `version` (0: not yet written); true when written.
pub async fn save(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    election_id: i64,
    line: &Line,
    version: i32,
    figures: &Figures,
) -> sqlx::Result<bool> {
    let (unit, agency) = line.owner.ids();
    let written = sqlx::query_scalar!(
        r#"INSERT INTO budget_lines AS b (election_id, unit_id, agency_id, proposed, proposed_on, approved, approved_on,
                                          approval_decision, allocated, allocated_on, spent, spent_on, updated_at)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 WHERE $14 = 0
           ON CONFLICT (election_id, unit_id, agency_id) DO NOTHING
           RETURNING id"#,
        election_id,
        unit,
        agency,
        figures.proposed,
        figures.proposed_on,
        figures.approved,
        figures.approved_on,
        figures.approval_decision,
        figures.allocated,
        figures.allocated_on,
        figures.spent,
        figures.spent_on,
        now,
        version
    )
    .fetch_optional(&mut *conn)
    .await?;
    let written = match written {
        Some(id) => Some(id),
        None => sqlx::query_scalar!(
            r#"UPDATE budget_lines SET proposed = $5, proposed_on = $6, approved = $7, approved_on = $8,
                      approval_decision = $9, allocated = $10, allocated_on = $11, spent = $12, spent_on = $13,
                      version = version + 1, updated_at = $14
                WHERE election_id = $1 AND unit_id IS NOT DISTINCT FROM $2 AND agency_id IS NOT DISTINCT FROM $3
                  AND version = $4 AND $4 > 0
               RETURNING id"#,
            election_id,
            unit,
            agency,
            version,
            figures.proposed,
            figures.proposed_on,
            figures.approved,
            figures.approved_on,
            figures.approval_decision,
            figures.allocated,
            figures.allocated_on,
            figures.spent,
            figures.spent_on,
            now
        )
        .fetch_optional(&mut *conn)
        .await?,
    };
    let Some(id) = written else {
        return Ok(false);
    };
    let unit_id = line.unit_ancestors.last().copied().unwrap_or_default();
    let event = Event::new("budget.updated")
        .unit(unit_id)
        .object("budget_line", id)
        .before(serde_json::to_value(&line.figures).unwrap_or_default())
        .after(serde_json::to_value(figures).unwrap_or_default());
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}
