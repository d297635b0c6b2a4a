//! Entering a unit's population and voters, changing its kind and terrain, and the view that sets
//! each parent's figures beside the sum of its children's.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::figures::{self, Figures, Kind, Reconciliation};
use super::pages::{self as unit_pages, Reach, Refused, from_path};
use super::{UnitDetail, path};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{AUDITORS, FIGURE_KEEPERS};
use crate::auth::{Access, CurrentUser, Routes};
use crate::format;
use crate::web::form::{self, Refusal};
use crate::web::{AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .post(
            "/units/{level}/{gso_code}/figures",
            Access::Roles(FIGURE_KEEPERS),
            set_figures,
        )
        .post(
            "/units/{level}/{gso_code}/kind",
            Access::Roles(AUDITORS),
            set_kind,
        )
        .get(
            "/units/{level}/{gso_code}/reconcile",
            Access::SignedIn,
            reconcile,
        )
}

/// The figures as their form sends them.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct FiguresForm {
    #[serde(default)]
    pub population: String,
    #[serde(default)]
    pub voters: String,
    #[serde(default)]
    pub as_of: String,
    #[serde(default)]
    pub source: String,
}

impl FiguresForm {
    pub fn of(unit: &UnitDetail, figures: &Figures) -> FiguresForm {
        FiguresForm {
            population: unit
                .population
                .map(|n| format::number(i64::from(n)))
                .unwrap_or_default(),
            voters: unit
                .voters
                .map(|n| format::number(i64::from(n)))
                .unwrap_or_default(),
            as_of: figures.as_of.map(crate::format::date).unwrap_or_default(),
            source: figures.source.clone().unwrap_or_default(),
        }
    }
}

/// A kind and terrain as their form sends them.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct KindForm {
    #[serde(default)]
    pub division_type: String,
    #[serde(default)]
    pub terrain: String,
    #[serde(default)]
    pub reason: String,
}

fn optional_count(label: &str, field: &'static str, raw: &str) -> Result<Option<i32>, Refusal> {
    match raw.trim() {
        "" => Ok(None),
        _ => form::count(label, raw)
            .map(Some)
            .map_err(Refusal::at(field)),
    }
}

/// The figures, checked: counts strict, voters no more than people, a date not after today, and
/// a source whenever a figure is given.
pub fn check_figures(form: &FiguresForm, today: NaiveDate) -> Result<Figures, Refusal> {
    let population = optional_count("Dân số", "population", &form.population)?;
    let voters = optional_count("Số cử tri", "voters", &form.voters)?;
    if let (Some(people), Some(voters)) = (population, voters)
        && voters > people
    {
        return Err(Refusal::at("voters")(format!(
            "Số cử tri {} lớn hơn dân số {}.",
            format::number(i64::from(voters)),
            format::number(i64::from(people))
        )));
    }
    let as_of = form::date(&form.as_of).map_err(Refusal::at("as_of"))?;
    if let Some(day) = as_of {
        form::not_after_today("Ngày số liệu", day, today).map_err(Refusal::at("as_of"))?;
    }
    let source = form::text("Nguồn số liệu", form::Kind::Name, &form.source)
        .map_err(Refusal::at("source"))?;
    let given = population.is_some() || voters.is_some();
    if given && (as_of.is_none() || source.is_none()) {
        let field = if as_of.is_none() { "as_of" } else { "source" };
        return Err(Refusal::at(field)(
            "Cần ghi ngày và văn bản nguồn của số liệu.".to_string(),
        ));
    }
    Ok(Figures {
        population,
        voters,
        as_of,
        source,
    })
}

async fn set_figures(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path((level, gso_code)): Path<(String, String)>,
    Form(form): Form<FiguresForm>,
) -> AppResult<Response> {
    let unit = from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let checked = match check_figures(&form, state.clock.today()) {
        Ok(checked) => checked,
        Err(refusal) => {
            return refuse(&state, layout, &user, unit, Refused::Figures(form, refusal)).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let now = state.clock.now();
    let changed = figures::set_figures(&mut tx, &user.actor(&meta), now, unit.id, &checked).await?;
    tx.commit().await?;
    let message = if changed {
        "Đã lưu số liệu."
    } else {
        "Số liệu không đổi."
    };
    Ok(flash::redirect(&path(&unit.level, unit.gso_code), message))
}

async fn set_kind(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path((level, gso_code)): Path<(String, String)>,
    Form(form): Form<KindForm>,
) -> AppResult<Response> {
    let unit = from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let checked = check_kind(&unit.level, &form);
    let (kind, reason) = match checked {
        Ok(checked) => checked,
        Err(refusal) => {
            return refuse(&state, layout, &user, unit, Refused::Kind(form, refusal)).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let now = state.clock.now();
    let changed =
        figures::set_kind(&mut tx, &user.actor(&meta), now, unit.id, &kind, &reason).await?;
    tx.commit().await?;
    let message = if changed {
        "Đã lưu loại đơn vị và địa bàn."
    } else {
        "Không có gì thay đổi."
    };
    Ok(flash::redirect(&path(&unit.level, unit.gso_code), message))
}

fn check_kind(level: &str, form: &KindForm) -> Result<(Kind, String), Refusal> {
    if !figures::division_types(level).contains(&form.division_type.as_str()) {
        return Err(Refusal::at("division_type")(
            "Loại đơn vị không hợp lệ.".into(),
        ));
    }
    if !figures::TERRAINS
        .iter()
        .any(|(code, _)| *code == form.terrain)
    {
        return Err(Refusal::at("terrain")("Địa bàn không hợp lệ.".into()));
    }
    let reason =
        form::required("Lý do", form::Kind::Reason, &form.reason).map_err(Refusal::at("reason"))?;
    let kind = Kind {
        division_type: form.division_type.clone(),
        terrain: form.terrain.clone(),
    };
    Ok((kind, reason))
}

/// The unit's page again with the refused form as it was typed and why: a 422.
async fn refuse(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    unit: UnitDetail,
    refused: Refused,
) -> AppResult<Response> {
    let page = unit_pages::page(state, layout, user, unit, Some(refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "units/reconcile.html")]
struct ReconcilePage {
    layout: Layout,
    unit: UnitDetail,
    rows: Vec<Reconciliation>,
    can_edit: bool,
}

impl ReconcilePage {
    fn number(&self, value: &Option<i64>) -> String {
        format::optional_number(*value)
    }

    /// "+1.234" or "−56": the parent's own figure less its children's.
    fn difference(&self, value: Option<i64>) -> String {
        match value {
            None => "—".to_string(),
            Some(0) => "0".to_string(),
            Some(d) if d > 0 => format!("+{}", format::number(d)),
            Some(d) => format!("−{}", format::number(-d)),
        }
    }
}

/// Each parent's own population and voters beside the sum of its children's, with the difference.
async fn reconcile(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((level, gso_code)): Path<(String, String)>,
) -> AppResult<ReconcilePage> {
    let unit = from_path(&state.pool, &user, &level, &gso_code, Reach::Read).await?;
    let rows = figures::reconciliation(&state.pool, unit.id).await?;
    Ok(ReconcilePage {
        can_edit: user.scope.can_edit(&unit.ancestors)
            && Access::Roles(FIGURE_KEEPERS).admits(user.role),
        layout,
        unit,
        rows,
    })
}
