//! Councils and constituencies: each council's seat total (computed by the law's table, or entered
//! and audited), the constituencies of each race with their seats and the units they cover.

pub mod calculator;
pub mod pages;
pub mod seats;

use sqlx::PgPool;

use crate::format;
use seats::{Calculation, CouncilUnit};

/// A council of a race in a unit, with its seat total worked out.
pub struct CouncilRow {
    pub id: i64,
    pub kind: String,
    pub seats_total: Option<i32>,
    pub seats_total_reason: Option<String>,
    pub constituencies: i64,
    pub seats_sum: i64,
    pub calculation: Option<Calculation>,
    pub unit_level: String,
    pub unit_gso_code: i32,
    pub unit_name: String,
    pub unit_ancestors: Vec<i64>,
}

impl CouncilRow {
    pub fn race_name(&self) -> &'static str {
        crate::elections::race_name(&self.kind)
    }
    /// The total in force: the one entered, or else the computed one.
    pub fn total(&self) -> Option<i64> {
        self.seats_total
            .map(i64::from)
            .or(self.calculation.as_ref().and_then(|c| c.seats))
    }
    pub fn total_text(&self) -> String {
        format::optional_number(self.total())
    }
    pub fn working(&self) -> String {
        self.calculation
            .as_ref()
            .map(|c| c.working.clone())
            .unwrap_or_default()
    }
    pub fn rule(&self) -> &'static str {
        self.calculation
            .as_ref()
            .map_or("", |c| c.rule.description_vi())
    }
}

/// The councils of the election in a unit (`only_unit`: its People's Council, and for a province
/// its NA delegation) or in it and everything below it, each with its seat total worked out.
pub async fn councils(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    only_unit: bool,
) -> sqlx::Result<Vec<CouncilRow>> {
    let rows = sqlx::query!(
        r#"SELECT c.id, r.kind, c.seats_total, c.seats_total_reason, u.level, u.gso_code, u.name, u.ancestors,
                  u.division_type, u.terrain, u.population,
                  coalesce(ch.n, 0) AS "children!",
                  coalesce(k.n, 0) AS "constituencies!",
                  coalesce(k.seats, 0)::bigint AS "seats_sum!"
             FROM councils c
             JOIN races r ON r.id = c.race_id
             JOIN units u ON u.id = c.unit_id
             LEFT JOIN LATERAL (SELECT count(*) AS n FROM units x WHERE x.parent_id = u.id AND x.valid_to IS NULL) ch
                    ON true
             LEFT JOIN (SELECT council_id, count(*) AS n, sum(seats) AS seats FROM constituencies GROUP BY council_id) k
                    ON k.council_id = c.id
            WHERE r.election_id = $1
              AND (CASE WHEN $3 THEN c.unit_id = $2 ELSE u.ancestors @> ARRAY[$2::bigint] END)
            ORDER BY u.ancestors, r.id"#,
        election_id,
        unit_id,
        only_unit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let calculation = (row.kind != "na")
                .then(|| {
                    let unit = CouncilUnit {
                        level: &row.level,
                        division_type: &row.division_type,
                        terrain: &row.terrain,
                        children: row.children,
                        gso_code: row.gso_code,
                    };
                    seats::calculate(unit, row.population.map(i64::from))
                })
                .flatten();
            CouncilRow {
                id: row.id,
                kind: row.kind,
                seats_total: row.seats_total,
                seats_total_reason: row.seats_total_reason,
                constituencies: row.constituencies,
                seats_sum: row.seats_sum,
                calculation,
                unit_level: row.level,
                unit_gso_code: row.gso_code,
                unit_name: row.name,
                unit_ancestors: row.ancestors,
            }
        })
        .collect())
}
