//! Administrative units: the unit browser (province → localities → communes) and each unit's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sqlx::PgPool;

use crate::AppState;
use crate::auth::{Access, CurrentUser, Routes};
use crate::bodies::{self, BodySummary};
use crate::checklists::{self, TaskRow};
use crate::checks::{self, Group};
use crate::constituencies::{self, CouncilRow};
use crate::format;
use crate::polling::{self, AreaRow, KindChoice};
use crate::web::{AppError, AppResult, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/units", Access::SignedIn, list_roots)
        .get("/units/{level}/{gso_code}", Access::SignedIn, show)
}

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

#[derive(Template, WebTemplate)]
#[template(path = "units/list.html")]
struct RootsPage {
    layout: Layout,
    roots: Vec<ChildRow>,
}

/// Admins see the top units; everyone else goes straight to the unit they answer for.
async fn list_roots(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<Response> {
    if let Some(unit_id) = user.scope.unit_id() {
        let unit = sqlx::query!("SELECT level, gso_code FROM units WHERE id = $1", unit_id)
            .fetch_one(&state.pool)
            .await?;
        return Ok(Redirect::to(&path(&unit.level, unit.gso_code)).into_response());
    }
    let roots = sqlx::query_as!(
        ChildRow,
        r#"SELECT u.id, u.ancestors, true AS "readable!", u.level, u.gso_code, u.division_type, u.name,
                  u.population, u.terrain,
                  (SELECT count(*) FROM units c WHERE c.parent_id = u.id AND c.valid_to IS NULL) AS "children!"
             FROM units u
            WHERE u.parent_id IS NULL AND u.valid_to IS NULL
            ORDER BY u.name"#
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(RootsPage { layout, roots }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "units/show.html")]
struct UnitPage {
    layout: Layout,
    unit: UnitDetail,
    ancestors: Vec<UnitLink>,
    children: Vec<ChildRow>,
    /// The sum of the children's populations, when every child has one.
    children_population: Option<i64>,
    bodies: Vec<BodySummary>,
    councils: Vec<CouncilRow>,
    areas: Vec<AreaRow>,
    area_kinds: Vec<KindChoice>,
    checks: Vec<Group>,
    violations: usize,
    warnings: usize,
    can_edit: bool,
    /// Whether the whole subtree is within the user's reach, so its lists can be downloaded.
    can_export: bool,
    tasks: Vec<TaskRow>,
    /// The application's today, against which task states are judged.
    today: NaiveDate,
}

impl UnitPage {
    /// Shown when the children's populations do not add up to the unit's own figure: real data
    /// sets are like that, and officials must see it rather than have it hidden.
    fn population_mismatch(&self) -> Option<String> {
        let own = i64::from(self.unit.population?);
        let sum = self.children_population?;
        (own != sum).then(|| {
            format!(
                "Tổng dân số các đơn vị trực thuộc là {} người, khác {} người so với dân số của {} ({}).",
                format::number(sum),
                format::number((sum - own).abs()),
                self.unit.name,
                format::number(own)
            )
        })
    }
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((level, gso_code)): Path<(String, String)>,
) -> AppResult<UnitPage> {
    let unit = from_path(&state.pool, &user, &level, &gso_code, Reach::Read).await?;
    let mut ancestors = ancestors(&state.pool, &unit).await?;
    for link in &mut ancestors {
        link.readable = user.scope.can_read(&link.ancestors);
    }
    let mut children = children(&state.pool, unit.id).await?;
    for child in &mut children {
        child.readable = user.scope.can_read(&child.ancestors);
    }
    let children_population =
        if children.is_empty() || children.iter().any(|c| c.population.is_none()) {
            None
        } else {
            Some(
                children
                    .iter()
                    .filter_map(|c| c.population)
                    .map(i64::from)
                    .sum(),
            )
        };
    let today = state.clock.today();
    let (bodies, councils, areas, findings, tasks) = match &layout.election {
        Some(election) => (
            bodies::summaries(&state.pool, election.id, unit.id, true).await?,
            constituencies::councils(&state.pool, election.id, unit.id, true).await?,
            polling::areas_of_commune(&state.pool, election.id, unit.id).await?,
            checks::findings(&state.pool, election.id, unit.id, today).await?,
            checklists::tasks_of_unit(&state.pool, election.id, unit.id).await?,
        ),
        None => (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()),
    };
    // Someone reading a unit above their own sees only what concerns units they may read.
    let mut findings = findings;
    findings.retain(|finding| user.scope.can_read(&finding.unit_ancestors));
    let violations = findings.iter().filter(|f| f.is_violation()).count();
    let can_edit = user.scope.can_edit(&unit.ancestors);
    let can_export = user.scope.covers(&unit.ancestors);
    Ok(UnitPage {
        layout,
        unit,
        ancestors,
        children,
        children_population,
        bodies,
        councils,
        areas,
        area_kinds: polling::kind_choices(),
        checks: checks::grouped(&findings),
        warnings: findings.len() - violations,
        violations,
        can_edit,
        can_export,
        tasks,
        today,
    })
}

/// What a request means to do with a unit named in its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// See the unit's page.
    Read,
    /// Change the unit's data.
    Edit,
    /// Work on the unit and everything below it (lists, downloads).
    Whole,
}

/// The unit a path names (`/units/<level>/<gso code>/…`), if the user reaches it as asked. An
/// unknown unit and one out of reach answer alike (404), so a path reveals nothing.
pub async fn from_path(
    pool: &PgPool,
    user: &CurrentUser,
    level: &str,
    gso_code: &str,
    reach: Reach,
) -> AppResult<UnitDetail> {
    // A code that is not a number names no unit.
    let gso_code: i32 = gso_code.parse().map_err(|_| AppError::NotFound)?;
    let unit = find(pool, level, gso_code)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match reach {
        Reach::Read => user.scope.can_read(&unit.ancestors),
        Reach::Edit => user.scope.can_edit(&unit.ancestors),
        Reach::Whole => user.scope.covers(&unit.ancestors),
    };
    if !allowed {
        return Err(AppError::OutOfScope);
    }
    Ok(unit)
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
async fn ancestors(pool: &PgPool, unit: &UnitDetail) -> sqlx::Result<Vec<UnitLink>> {
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

/// In the official order of the GSO list, the order officials know them in.
async fn children(pool: &PgPool, unit_id: i64) -> sqlx::Result<Vec<ChildRow>> {
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
