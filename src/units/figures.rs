//! A unit's figures and its kind: population and voters with their date and source, and the
//! division type and terrain that choose its row of the seat law. Every change is audited in the
//! transaction that makes it. Plain values in, plain results out.

use chrono::{DateTime, FixedOffset, NaiveDate};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};

/// Population and voters as entered, with the date they stand at and their source document.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    pub population: Option<i32>,
    pub voters: Option<i32>,
    pub as_of: Option<NaiveDate>,
    pub source: Option<String>,
}

/// A unit's division type and terrain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Kind {
    pub division_type: String,
    pub terrain: String,
}

/// The division types a unit of `level` may have, as the GSO list writes them.
pub fn division_types(level: &str) -> &'static [&'static str] {
    match level {
        "province" => &["tỉnh", "thành phố trung ương"],
        "district" => &["huyện", "thị xã", "thành phố", "quận"],
        "commune" => &["xã", "phường", "thị trấn"],
        _ => &[],
    }
}

pub const TERRAINS: &[(&str, &str)] = &[
    ("ordinary", "Đồng bằng, trung du"),
    ("mountainous", "Miền núi, vùng cao"),
    ("island", "Hải đảo"),
];

pub async fn figures_of(pool: &PgPool, unit: i64) -> sqlx::Result<Figures> {
    sqlx::query_as!(
        Figures,
        "SELECT population, voters, figures_as_of AS as_of, figures_source AS source
           FROM units WHERE id = $1",
        unit
    )
    .fetch_one(pool)
    .await
}

/// Sets the unit's figures. Returns whether anything changed: the same figures again write
/// nothing and leave no audit record, so a re-import changes nothing.
pub async fn set_figures(
    tx: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    unit: i64,
    figures: &Figures,
) -> sqlx::Result<bool> {
    let before = sqlx::query_as!(
        Figures,
        "SELECT population, voters, figures_as_of AS as_of, figures_source AS source
           FROM units WHERE id = $1 FOR UPDATE",
        unit
    )
    .fetch_one(&mut *tx)
    .await?;
    if before == *figures {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE units SET population = $2, voters = $3, figures_as_of = $4, figures_source = $5
          WHERE id = $1",
        unit,
        figures.population,
        figures.voters,
        figures.as_of,
        figures.source
    )
    .execute(&mut *tx)
    .await?;
    let event = Event::new("unit.figures_set")
        .unit(unit)
        .object("unit", unit)
        .before(serde_json::to_value(&before).unwrap_or_default())
        .after(serde_json::to_value(figures).unwrap_or_default());
    audit::record(tx, actor, now, event).await?;
    Ok(true)
}

/// Sets the unit's division type and terrain, with the reason, which the audit record keeps.
pub async fn set_kind(
    tx: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    unit: i64,
    kind: &Kind,
    reason: &str,
) -> sqlx::Result<bool> {
    let before = sqlx::query_as!(
        Kind,
        "SELECT division_type, terrain FROM units WHERE id = $1 FOR UPDATE",
        unit
    )
    .fetch_one(&mut *tx)
    .await?;
    if before == *kind {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE units SET division_type = $2, terrain = $3 WHERE id = $1",
        unit,
        kind.division_type,
        kind.terrain
    )
    .execute(&mut *tx)
    .await?;
    let mut after = serde_json::to_value(kind).unwrap_or_default();
    after["reason"] = serde_json::json!(reason);
    let event = Event::new("unit.kind_set")
        .unit(unit)
        .object("unit", unit)
        .before(serde_json::to_value(&before).unwrap_or_default())
        .after(after);
    audit::record(tx, actor, now, event).await?;
    Ok(true)
}

/// One parent's own figures beside the sum of its children's.
pub struct Reconciliation {
    pub level: String,
    pub gso_code: i32,
    pub name: String,
    pub population: Option<i64>,
    pub voters: Option<i64>,
    pub children: i64,
    /// How many children have a population; the sums are of those.
    pub children_with_population: i64,
    pub children_population: Option<i64>,
    pub children_voters: Option<i64>,
}

impl Reconciliation {
    pub fn population_difference(&self) -> Option<i64> {
        Some(self.population? - self.children_population?)
    }
    pub fn voters_difference(&self) -> Option<i64> {
        Some(self.voters? - self.children_voters?)
    }
    /// Whether the figures agree: every child counted and no difference.
    pub fn agrees(&self) -> bool {
        self.children_with_population == self.children
            && self.population_difference() == Some(0)
            && self.voters_difference().is_none_or(|d| d == 0)
    }
}

/// The unit and every unit below it that has units below it, each beside its children's sums.
pub async fn reconciliation(pool: &PgPool, root: i64) -> sqlx::Result<Vec<Reconciliation>> {
    sqlx::query_as!(
        Reconciliation,
        r#"SELECT p.level, p.gso_code, p.name, p.population::bigint AS population, p.voters::bigint AS voters,
                  count(c.id) AS "children!", count(c.population) AS "children_with_population!",
                  sum(c.population)::bigint AS children_population, sum(c.voters)::bigint AS children_voters
             FROM units root
             JOIN units p ON p.ancestors @> ARRAY[root.id] AND p.valid_to IS NULL
             JOIN units c ON c.parent_id = p.id AND c.valid_to IS NULL
            WHERE root.id = $1
            GROUP BY p.id
            ORDER BY p.ancestors"#,
        root
    )
    .fetch_all(pool)
    .await
}
