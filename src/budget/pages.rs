//! `/budget`: a unit's budget (its own line and its agencies'), the totals below it by level and
//! by locality, what is still unapproved; `/budget/{file}` every line below it as XLSX or CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Figures, Line, Owner, Totals};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::ANSWERERS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::format;
use crate::units::UnitDetail;
use crate::units::pages::Reach;
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/budget", Access::SignedIn, show)
        .post("/budget", Access::Roles(ANSWERERS), save)
        .get("/budget/{file}", Access::SignedIn, download)
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default)]
    unit: String,
}

/// The unit shown: the one named (`level:code`, if the user reads it), else the user's own (an
/// agency officer's is its agency's), else the election's.
async fn root(
    state: &AppState,
    layout: &Layout,
    user: &CurrentUser,
    named: &str,
) -> AppResult<(i64, UnitDetail)> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?;
    let unit =
        crate::units::pages::from_query(&state.pool, layout, user, named, Reach::Read).await?;
    Ok((election.id, unit))
}

/// A line's form: as stored, or as typed when refused.
#[derive(Deserialize, Default, Clone)]
struct LineForm {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    proposed: String,
    #[serde(default)]
    proposed_on: String,
    #[serde(default)]
    approved: String,
    #[serde(default)]
    approved_on: String,
    #[serde(default)]
    approval_decision: String,
    #[serde(default)]
    allocated: String,
    #[serde(default)]
    allocated_on: String,
    #[serde(default)]
    spent: String,
    #[serde(default)]
    spent_on: String,
}

impl LineForm {
    fn of(line: &Line) -> LineForm {
        let day = |d: Option<chrono::NaiveDate>| d.map(format::date).unwrap_or_default();
        let f = &line.figures;
        LineForm {
            owner: line.owner.value(),
            version: line.version,
            proposed: Line::text(f.proposed),
            proposed_on: day(f.proposed_on),
            approved: Line::text(f.approved),
            approved_on: day(f.approved_on),
            approval_decision: f.approval_decision.clone().unwrap_or_default(),
            allocated: Line::text(f.allocated),
            allocated_on: day(f.allocated_on),
            spent: Line::text(f.spent),
            spent_on: day(f.spent_on),
        }
    }
}

/// A line on the page: its name, its form, and what the user may write in it.
pub struct LineView {
    name: String,
    form: LineForm,
    may_keep: bool,
    may_approve: bool,
    error: Option<Refusal>,
}

impl LineView {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "budget/show.html")]
struct BudgetPage {
    layout: Layout,
    unit_name: String,
    unit_ref: String,
    lines: Vec<LineView>,
    by_level: Vec<Totals>,
    by_locality: Vec<Totals>,
    /// A refusal about no line of the page.
    error: Option<String>,
}

impl BudgetPage {
    fn level_label(&self, level: &str) -> &'static str {
        match level {
            "country" => "Toàn quốc",
            "province" => "Cấp tỉnh",
            "district" => "Cấp huyện",
            "commune" => "Cấp xã",
            _ => "Cơ quan, ban, ngành",
        }
    }
    fn total(&self) -> Totals {
        self.by_level
            .iter()
            .fold(Totals::default(), |sum, t| Totals {
                proposed: sum.proposed + t.proposed,
                approved: sum.approved + t.approved,
                allocated: sum.allocated + t.allocated,
                spent: sum.spent + t.spent,
                unapproved: sum.unapproved + t.unapproved,
                ..sum
            })
    }
}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    named: &str,
    refused: Option<(LineForm, Refusal)>,
) -> AppResult<BudgetPage> {
    let (election, unit) = root(state, &layout, user, named).await?;
    let lines = super::lines_of(&state.pool, election, unit.id).await?;
    let (by_level, by_locality) = super::totals(&state.pool, election, unit.id).await?;
    let mut refused = refused;
    let lines = lines
        .iter()
        .map(|line| {
            let (form, error) =
                match refused.take_if(|(typed, _)| typed.owner == line.owner.value()) {
                    Some((typed, error)) => (typed, Some(error)),
                    None => (LineForm::of(line), None),
                };
            LineView {
                name: line.name.clone(),
                may_keep: super::may_keep(&user.scope, user.agency_id, line),
                may_approve: super::may_approve(&user.scope, line),
                form,
                error,
            }
        })
        .collect();
    Ok(BudgetPage {
        error: refused.map(|(_, refusal)| refusal.message),
        unit_ref: format!("{}:{}", unit.level, unit.gso_code),
        unit_name: unit.name,
        layout,
        lines,
        by_level,
        by_locality,
    })
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<UnitQuery>,
) -> AppResult<BudgetPage> {
    page(&state, layout, &user, &query.unit, None).await
}

/// The typed figures, checked: whole đồng, dates not after today, an approval complete.
fn check(typed: &LineForm, today: chrono::NaiveDate) -> Result<Figures, Refusal> {
    let amount = |label: &str, field: &'static str, raw: &str| {
        crate::input::amount(label, raw).map_err(Refusal::at(field))
    };
    let day = |field: &'static str, raw: &str| -> Result<Option<chrono::NaiveDate>, Refusal> {
        let day = form::date(raw).map_err(Refusal::at(field))?;
        if let Some(d) = day {
            form::not_after_today("Ngày", d, today).map_err(Refusal::at(field))?;
        }
        Ok(day)
    };
    let figures = Figures {
        proposed: amount("Dự toán đề xuất", "proposed", &typed.proposed)?,
        proposed_on: day("proposed_on", &typed.proposed_on)?,
        approved: amount("Số được duyệt", "approved", &typed.approved)?,
        approved_on: day("approved_on", &typed.approved_on)?,
        approval_decision: form::text(
            "Quyết định duyệt",
            form::Kind::Code,
            &typed.approval_decision,
        )
        .map_err(Refusal::at("approval_decision"))?,
        allocated: amount("Đã cấp", "allocated", &typed.allocated)?,
        allocated_on: day("allocated_on", &typed.allocated_on)?,
        spent: amount("Đã chi", "spent", &typed.spent)?,
        spent_on: day("spent_on", &typed.spent_on)?,
    };
    if figures.approved.is_some()
        && (figures.approved_on.is_none() || figures.approval_decision.is_none())
    {
        return Err(Refusal::at("approval_decision")(
            "Số được duyệt cần ngày và số quyết định duyệt.".to_string(),
        ));
    }
    Ok(figures)
}

async fn save(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Query(query): Query<UnitQuery>,
    Form(typed): Form<LineForm>,
) -> AppResult<Response> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?.id;
    let line = match Owner::parse(&typed.owner) {
        Some(owner) => super::line(&state.pool, election, owner).await?,
        None => None,
    };
    let Some(line) = line else {
        // A form that names no line of this election: said above the page, nothing written.
        let refusal = Refusal::above("Không có dự toán này; tải lại trang rồi ghi lại.");
        let page = page(&state, layout, &user, &query.unit, Some((typed, refusal))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    if !user.scope.can_read(&line.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    let back = format!("/budget?unit={}", query.unit);
    let may_keep = super::may_keep(&user.scope, user.agency_id, &line);
    let may_approve = super::may_approve(&user.scope, &line);
    if !may_keep && !may_approve {
        return Ok(flash::redirect(&back, "Anh/chị không ghi dự toán này."));
    }
    let refuse = |layout, refusal| {
        let typed = typed.clone();
        let state = &state;
        let user = &user;
        let unit = query.unit.clone();
        async move {
            let page = page(state, layout, user, &unit, Some((typed, refusal))).await?;
            AppResult::Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    };
    let mut figures = match check(&typed, state.clock.today()) {
        Ok(figures) => figures,
        Err(refusal) => return refuse(layout, refusal).await,
    };
    // Each writes only their part: the approval is the level above's, the rest the owner's.
    if !may_approve && figures.approval_differs(&line.figures) {
        let refusal = Refusal::at("approved")("Số được duyệt do cấp trên ghi.".to_string());
        return refuse(layout, refusal).await;
    }
    if !may_keep {
        figures = Figures {
            approved: figures.approved,
            approved_on: figures.approved_on,
            approval_decision: figures.approval_decision,
            ..line.figures.clone()
        };
    }
    let mut tx = state.pool.begin().await?;
    let saved = super::save(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        election,
        &line,
        typed.version,
        &figures,
    )
    .await?;
    if !saved {
        drop(tx);
        let refusal = Refusal::above(
            "Dự toán này vừa được người khác cập nhật nên chưa lưu; những gì bạn nhập vẫn ở trong ô, số đang lưu ở trang sau khi tải lại.",
        );
        let page = page(&state, layout, &user, &query.unit, Some((typed, refusal))).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &back,
        &format!("Đã lưu dự toán của {}.", line.name),
    ))
}

/// Every line below the unit, with every recorded field.
async fn download(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(query): Query<UnitQuery>,
) -> AppResult<Response> {
    use crate::web::export::{Cell, Table};
    let (_, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let (election, unit) = root(&state, &layout, &user, &query.unit).await?;
    let rows = super::rows_below(&state.pool, election, unit.id).await?;
    let amount = |v: Option<i64>| v.map_or(Cell::text(String::new()), Cell::Number);
    let day = |d: Option<chrono::NaiveDate>| Cell::text(d.map(format::date).unwrap_or_default());
    let table = Table {
        name: "Kinh phi",
        headers: vec![
            "Đơn vị, cơ quan",
            "Thuộc",
            "Cấp",
            "Dự toán đề xuất",
            "Ngày đề xuất",
            "Số được duyệt",
            "Ngày duyệt",
            "Quyết định duyệt",
            "Đã cấp",
            "Ngày cấp",
            "Đã chi",
            "Ngày chi",
        ],
        rows: rows
            .into_iter()
            .map(|r| {
                let f = r.figures;
                vec![
                    Cell::text(r.owner),
                    Cell::text(r.unit),
                    Cell::text(r.level),
                    amount(f.proposed),
                    day(f.proposed_on),
                    amount(f.approved),
                    day(f.approved_on),
                    Cell::optional_text(f.approval_decision),
                    amount(f.allocated),
                    day(f.allocated_on),
                    amount(f.spent),
                    day(f.spent_on),
                ]
            })
            .collect(),
    };
    table.download("kinh-phi-bau-cu", extension)
}
