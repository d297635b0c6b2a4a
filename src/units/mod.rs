//! Administrative units (province → localities → communes): what a unit is, and reading units by
//! key, by address and by place in the tree. Their pages are in `pages`.

pub mod figure_pages;
pub mod figures;
pub mod pages;

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::format;

/// How a unit is named in links: `/units/<level>/<gso code>` (a GSO code is unique only within its level).
pub fn path(level: &str, gso_code: i32) -> String {
    format!("/units/{level}/{gso_code}")
}

/// The Vietnamese name of a terrain class used by the seat formulas.
pub fn terrain_vi(terrain: &str) -> &'static str {
    match terrain {
        "mountainous" => "Miền núi, vùng cao",
        "island" => "Hải đảo",
        _ => "Thông thường",
    }
}

pub struct UnitLink {
    pub level: String,
    pub gso_code: i32,
    pub name: String,
    pub ancestors: Vec<i64>,
    /// Whether the user may open it (set after loading).
    pub readable: bool,
}

impl UnitLink {
    pub fn href(&self) -> String {
        path(&self.level, self.gso_code)
    }
}

#[derive(Clone, Debug)]
pub struct UnitDetail {
    pub id: i64,
    /// The unit's own id last, preceded by its ancestors'.
    pub ancestors: Vec<i64>,
    pub level: String,
    pub level_vi: String,
    pub child_level_vi: Option<String>,
    pub division_type: String,
    pub gso_code: i32,
    pub name: String,
    pub population: Option<i32>,
    pub voters: Option<i32>,
    pub terrain: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl UnitDetail {
    pub fn population_text(&self) -> String {
        format::optional_number(self.population.map(i64::from))
    }
    pub fn voters_text(&self) -> String {
        format::optional_number(self.voters.map(i64::from))
    }
    pub fn terrain_text(&self) -> &'static str {
        terrain_vi(&self.terrain)
    }
    pub fn validity_text(&self) -> String {
        match self.valid_to {
            Some(to) => format!("{} – {}", format::date(self.valid_from), format::date(to)),
            None => format!("từ {}", format::date(self.valid_from)),
        }
    }
}

pub struct ChildRow {
    pub id: i64,
    pub ancestors: Vec<i64>,
    /// Whether the user may open it (set after loading).
    pub readable: bool,
    pub level: String,
    pub gso_code: i32,
    pub division_type: String,
    pub name: String,
    pub population: Option<i32>,
    pub terrain: String,
    pub children: i64,
}

impl ChildRow {
    pub fn href(&self) -> String {
        path(&self.level, self.gso_code)
    }
    pub fn population_text(&self) -> String {
        format::optional_number(self.population.map(i64::from))
    }
    pub fn terrain_text(&self) -> &'static str {
        terrain_vi(&self.terrain)
    }
}

/// The unit with this id.
pub async fn by_id(pool: &PgPool, id: i64) -> sqlx::Result<Option<UnitDetail>> {
    sqlx::query_as!(
        UnitDetail,
        r#"SELECT u.id, u.ancestors, u.level, l.name_vi AS level_vi,
                  (SELECT cl.name_vi FROM unit_levels cl WHERE cl.depth = l.depth + 1) AS child_level_vi,
                  u.division_type, u.gso_code, u.name, u.population, u.voters, u.terrain,
                  u.valid_from, u.valid_to
             FROM units u JOIN unit_levels l ON l.code = u.level
            WHERE u.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// The current unit with this level and GSO code.
pub async fn find(pool: &PgPool, level: &str, gso_code: i32) -> sqlx::Result<Option<UnitDetail>> {
    sqlx::query_as!(
        UnitDetail,
        r#"SELECT u.id, u.ancestors, u.level, l.name_vi AS level_vi,
                  (SELECT cl.name_vi FROM unit_levels cl WHERE cl.depth = l.depth + 1) AS child_level_vi,
                  u.division_type, u.gso_code, u.name, u.population, u.voters, u.terrain,
                  u.valid_from, u.valid_to
             FROM units u JOIN unit_levels l ON l.code = u.level
            WHERE u.level = $1 AND u.gso_code = $2 AND u.valid_to IS NULL"#,
        level,
        gso_code
    )
    .fetch_optional(pool)
    .await
}

/// The unit's ancestors, the top first, read off its `ancestors` array.
pub(crate) async fn ancestors(pool: &PgPool, unit: &UnitDetail) -> sqlx::Result<Vec<UnitLink>> {
    let above = &unit.ancestors[..unit.ancestors.len().saturating_sub(1)];
    sqlx::query_as!(
        UnitLink,
        r#"SELECT level, gso_code, name, ancestors, false AS "readable!"
             FROM units WHERE id = ANY($1)
            ORDER BY cardinality(ancestors)"#,
        above
    )
    .fetch_all(pool)
    .await
}

/// The current unit `text` names: `LEVEL:GSO_CODE`, or its name, accents and case aside, with or
/// without its kind ("tinh quang ninh", "Quảng Ninh"); the larger unit first when levels share a
/// name. Otherwise why not, in a sentence for the field.
pub async fn named(pool: &PgPool, text: &str) -> sqlx::Result<Result<UnitDetail, String>> {
    if text.is_empty() {
        return Ok(Err("Cần ghi tên đơn vị.".to_string()));
    }
    if let Ok(reference) = text.parse::<UnitRef>() {
        return Ok(reference
            .resolve(pool)
            .await?
            .ok_or_else(|| format!("Không có đơn vị {reference}.")));
    }
    let found = sqlx::query!(
        r#"SELECT u.id, u.level, u.gso_code FROM units u JOIN unit_levels l ON l.code = u.level
            WHERE u.valid_to IS NULL
              AND (search_key(u.name) = search_key($1)
                   OR search_key(u.name) = search_key(u.division_type || ' ' || $1))
            ORDER BY l.depth, u.gso_code LIMIT 5"#,
        text
    )
    .fetch_all(pool)
    .await?;
    Ok(match found.as_slice() {
        [] => Err(format!("Không tìm thấy đơn vị \"{text}\".")),
        [one] => by_id(pool, one.id)
            .await?
            .ok_or_else(|| format!("Không tìm thấy đơn vị \"{text}\".")),
        many => Err(format!(
            "\"{text}\" là tên của nhiều đơn vị ({}); ghi dạng cấp:mã.",
            many.iter()
                .map(|u| format!("{}:{}", u.level, u.gso_code))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

/// In the official order of the GSO list, the order officials know them in.
pub(crate) async fn children(pool: &PgPool, unit_id: i64) -> sqlx::Result<Vec<ChildRow>> {
    sqlx::query_as!(
        ChildRow,
        r#"SELECT u.id, u.ancestors, false AS "readable!", u.level, u.gso_code, u.division_type, u.name,
                  u.population, u.terrain,
                  (SELECT count(*) FROM units c WHERE c.parent_id = u.id AND c.valid_to IS NULL) AS "children!"
             FROM units u
            WHERE u.parent_id = $1 AND u.valid_to IS NULL
            ORDER BY u.gso_code"#,
        unit_id
    )
    .fetch_all(pool)
    .await
}

/// A unit as named on the command line: `LEVEL:GSO_CODE`, e.g. `province:22`, `district:200`,
/// `commune:6895` (a GSO code is unique only within its level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRef {
    pub level: String,
    pub gso_code: i32,
}

impl std::str::FromStr for UnitRef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "'{text}' is not a unit: write LEVEL:GSO_CODE, for example province:22 or commune:6895"
            )
        };
        let (level, code) = text.split_once(':').ok_or_else(invalid)?;
        let level = level.trim().to_lowercase();
        if level.is_empty() || !level.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(invalid());
        }
        let gso_code = code
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(invalid)?;
        Ok(UnitRef { level, gso_code })
    }
}

impl std::fmt::Display for UnitRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.level, self.gso_code)
    }
}

impl UnitRef {
    /// The current unit this names, if there is one.
    pub async fn resolve(&self, pool: &PgPool) -> sqlx::Result<Option<UnitDetail>> {
        find(pool, &self.level, self.gso_code).await
    }
}

#[cfg(test)]
mod tests {
    use super::UnitRef;

    #[test]
    fn units_are_named_by_level_and_code() {
        let unit: UnitRef = "commune:6895".parse().unwrap();
        assert_eq!(
            unit,
            UnitRef {
                level: "commune".into(),
                gso_code: 6895
            }
        );
        assert_eq!(unit.to_string(), "commune:6895");
        assert_eq!("Province:22".parse::<UnitRef>().unwrap().level, "province");
        for bad in [
            "22",
            "province:",
            ":22",
            "province:abc",
            "province:-1",
            "tỉnh:22",
            "province:22:1",
        ] {
            assert!(bad.parse::<UnitRef>().is_err(), "{bad}");
        }
    }
}
