//! A unit's pages: the unit browser and a unit's page with its bodies, councils, polling areas,
//! checks and checklist; and finding the unit a path names, within the user's reach.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sqlx::PgPool;

use super::figure_pages::{FiguresForm, KindForm};
use super::figures::Figures;
use super::{ChildRow, UnitDetail, UnitLink, ancestors, children, find, path};
use crate::AppState;
use crate::auth::routes::{AUDITORS, FIGURE_KEEPERS};
use crate::auth::{Access, CurrentUser, Routes};
use crate::bodies::pages::CreateForm;
use crate::bodies::{self, BodySummary};
use crate::checklists::{self, TaskRow};
use crate::checks::{self, Group};
use crate::constituencies::{self, CouncilRow};
use crate::elections::Election;
use crate::format;
use crate::polling::pages::AreaForm;
use crate::polling::{self, AreaRow, KindChoice};
use crate::web::form::Refusal;
use crate::web::{AppError, AppResult, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/units", Access::SignedIn, list_roots)
        .get("/units/{level}/{gso_code}", Access::SignedIn, show)
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
pub struct UnitPage {
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
    /// A form of the page refused, to draw again as it was typed with why.
    refused: Option<Refused>,
    /// The unit's figures with their date and source.
    figures: Figures,
    /// Whether the user enters the unit's figures (an officer above the communes, in scope).
    keeps_figures: bool,
    /// Whether the user changes the unit's kind and terrain (the province, in scope).
    sets_kind: bool,
    division_types: &'static [&'static str],
    terrains: &'static [(&'static str, &'static str)],
}

/// A form of a unit's page that was refused.
pub enum Refused {
    Area(RefusedArea),
    /// The new steering or election committee's.
    Body(CreateForm, Refusal),
    /// The unit's population and voters.
    Figures(FiguresForm, Refusal),
    /// The unit's kind and terrain.
    Kind(KindForm, Refusal),
}

/// A polling area's form that was refused: the new area's (`area` none) or an existing area's.
pub struct RefusedArea {
    pub area: Option<i64>,
    pub form: AreaForm,
    pub refusal: Refusal,
}

impl UnitPage {
    /// The tasks still to do, overdue first then by deadline: what a commune sees first.
    fn open_tasks(&self) -> Vec<&TaskRow> {
        use crate::checklists::deadline::TaskState;
        let mut open: Vec<&TaskRow> = self
            .tasks
            .iter()
            .filter(|t| {
                matches!(
                    t.state(&self.today),
                    TaskState::Overdue | TaskState::DueSoon | TaskState::NotDueYet
                )
            })
            .collect();
        open.sort_by_key(|t| (t.state(&self.today) != TaskState::Overdue, t.deadline));
        open
    }

    fn refused(&self, area: Option<i64>) -> Option<&RefusedArea> {
        match &self.refused {
            Some(Refused::Area(refused)) if refused.area == area => Some(refused),
            _ => None,
        }
    }

    fn refused_body(&self) -> Option<(&CreateForm, &Refusal)> {
        match &self.refused {
            Some(Refused::Body(form, refusal)) => Some((form, refusal)),
            _ => None,
        }
    }

    /// Why the figures were refused, when it is about `field`.
    fn figures_error_at(&self, field: &str) -> Option<&str> {
        match &self.refused {
            Some(Refused::Figures(_, refusal)) => refusal.message_at(field),
            _ => None,
        }
    }

    /// The figures' form: as stored, or as typed when refused.
    fn figures_form(&self) -> FiguresForm {
        match &self.refused {
            Some(Refused::Figures(form, _)) => form.clone(),
            _ => FiguresForm::of(&self.unit, &self.figures),
        }
    }

    fn figures_refused(&self) -> bool {
        matches!(self.refused, Some(Refused::Figures(..)))
    }

    /// Why the kind was refused, when it is about `field`.
    fn kind_error_at(&self, field: &str) -> Option<&str> {
        match &self.refused {
            Some(Refused::Kind(_, refusal)) => refusal.message_at(field),
            _ => None,
        }
    }

    /// The kind's form: as stored, or as typed when refused.
    fn kind_form(&self) -> KindForm {
        match &self.refused {
            Some(Refused::Kind(form, _)) => form.clone(),
            _ => KindForm {
                division_type: self.unit.division_type.clone(),
                terrain: self.unit.terrain.clone(),
                reason: String::new(),
            },
        }
    }

    fn kind_refused(&self) -> bool {
        matches!(self.refused, Some(Refused::Kind(..)))
    }

    /// The figures' date and source, "theo Quyết định … (31/12/2020)", when recorded.
    fn figures_source_text(&self) -> Option<String> {
        let source = self.figures.source.as_ref()?;
        Some(match self.figures.as_of {
            Some(day) => format!("{source} ({})", format::date(day)),
            None => source.clone(),
        })
    }

    /// Why the new body was refused, when it is about `field`.
    fn body_error_at(&self, field: &str) -> Option<&str> {
        self.refused_body()?.1.message_at(field)
    }

    /// The new body's form: empty, or as it was typed when refused.
    fn new_body(&self) -> CreateForm {
        self.refused_body()
            .map(|(form, _)| form.clone())
            .unwrap_or_default()
    }

    /// Why the form of `area` (none: the new area's) was refused, when it is about `field`.
    fn area_error_at(&self, area: Option<i64>, field: &str) -> Option<&str> {
        self.refused(area)?.refusal.message_at(field)
    }

    /// The new area's form: empty, or as it was typed when refused.
    fn new_area(&self) -> AreaForm {
        self.refused(None)
            .map(|r| r.form.clone())
            .unwrap_or_default()
    }

    /// An area's form: as stored, or as it was typed when refused.
    fn form_of(&self, area: &AreaRow) -> AreaForm {
        match self.refused(Some(area.id)) {
            Some(refused) => refused.form.clone(),
            None => AreaForm::of(area),
        }
    }

    /// Whether the area's form was refused, and so is drawn open.
    fn area_refused(&self, area: &AreaRow) -> bool {
        self.refused(Some(area.id)).is_some()
    }

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
    page(&state, layout, &user, unit, None).await
}

/// A unit's page; `refused` is a form of it refused, drawn again with why.
pub async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    unit: UnitDetail,
    refused: Option<Refused>,
) -> AppResult<UnitPage> {
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
    let figures = super::figures::figures_of(&state.pool, unit.id).await?;
    let keeps_figures = can_edit && Access::Roles(FIGURE_KEEPERS).admits(user.role);
    let sets_kind = can_edit && Access::Roles(AUDITORS).admits(user.role);
    let division_types = super::figures::division_types(&unit.level);
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
        refused,
        figures,
        keeps_figures,
        sets_kind,
        division_types,
        terrains: super::figures::TERRAINS,
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

/// The unit a page's `?unit=level:code` names, or the user's own when it names none, within the
/// election the page shows (see [`named_or_own`]).
pub async fn from_query(
    pool: &PgPool,
    layout: &Layout,
    user: &CurrentUser,
    named: &str,
    reach: Reach,
) -> AppResult<UnitDetail> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?;
    named_or_own(pool, election, user, named, reach).await
}

/// The unit `named` (`level:code`), or the user's own when it names none (the election's for an
/// administrator): current, within `election`, and within the user's `reach`. The one rule for
/// the dashboards, lists and imports that work on "a unit and those below it".
pub async fn named_or_own(
    pool: &PgPool,
    election: &Election,
    user: &CurrentUser,
    named: &str,
    reach: Reach,
) -> AppResult<UnitDetail> {
    let own = user.scope.unit_id().unwrap_or(election.unit_id);
    let unit = match named.trim() {
        "" => super::by_id(pool, own).await?,
        text => {
            let reference: super::UnitRef = text.parse().map_err(|_| AppError::NotFound)?;
            reference.resolve(pool).await?
        }
    };
    let unit = unit
        .filter(|u| u.valid_to.is_none())
        .ok_or(AppError::NotFound)?;
    if !unit.ancestors.contains(&election.unit_id) {
        return Err(AppError::OutOfScope);
    }
    reached(user, unit, reach)
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
    reached(user, unit, reach)
}

/// The unit, if the user has `reach` over it.
fn reached(user: &CurrentUser, unit: UnitDetail, reach: Reach) -> AppResult<UnitDetail> {
    let allowed = match reach {
        Reach::Read => user.scope.can_read(&unit.ancestors),
        Reach::Edit => user.scope.can_edit(&unit.ancestors),
        Reach::Whole => user.scope.covers(&unit.ancestors),
    };
    if allowed {
        Ok(unit)
    } else {
        Err(AppError::OutOfScope)
    }
}
