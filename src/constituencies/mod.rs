//! Councils and constituencies: each council's seat total (computed by the law's table, or entered
//! and audited), the constituencies of each race with their seats and the units they cover.

pub mod pages;
pub mod seats;

use sqlx::PgPool;

use crate::web::format;
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

/// The councils elected in a unit (its People's Council, and for a province its NA delegation).
pub async fn councils_of_unit(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
) -> sqlx::Result<Vec<CouncilRow>> {
    let rows = sqlx::query!(
        r#"SELECT c.id, r.kind, c.seats_total, c.seats_total_reason, u.level, u.division_type, u.terrain,
                  u.population,
                  (SELECT count(*) FROM units ch WHERE ch.parent_id = u.id AND ch.valid_to IS NULL) AS "children!",
                  (SELECT count(*) FROM constituencies k WHERE k.council_id = c.id) AS "constituencies!",
                  (SELECT coalesce(sum(k.seats), 0) FROM constituencies k WHERE k.council_id = c.id)::bigint AS "seats_sum!"
             FROM councils c JOIN races r ON r.id = c.race_id JOIN units u ON u.id = c.unit_id
            WHERE r.election_id = $1 AND c.unit_id = $2
            ORDER BY r.id"#,
        election_id,
        unit_id
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
            }
        })
        .collect())
}
