//! Importing the estimates, allocations and spending of a unit's People's Committees from XLSX or
//! CSV, as a district keeps them for its communes. Every row is checked first, all errors are
//! listed at once, nothing is written unless every row is right, and each line is written through
//! `budget::save` (version-checked, audited) only where it changes. The approval is never imported:
//! the level above writes it on the budget page, with its decision.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::read::{self, Sheet};
use super::{Report, RowError, Upload};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::budget::{self, Figures, Line, Owner};
use crate::units::pages::Reach;
use crate::web::export::{Cell, Table};
use crate::web::{AppError, AppResult, layout::Layout};

/// The columns of the file, in the template's order.
pub const HEADERS: [&str; 7] = [
    "Đơn vị",
    "Dự toán đề xuất",
    "Ngày đề xuất",
    "Đã cấp",
    "Ngày cấp",
    "Đã chi",
    "Ngày chi",
];

pub fn routes() -> Routes {
    Routes::new()
        .get("/budget-import", Access::Roles(EDITORS), form)
        .post("/budget-import", Access::Roles(EDITORS), upload)
        .get("/import/budget-template.xlsx", Access::SignedIn, template)
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default)]
    unit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/budget.html")]
struct BudgetImportPage {
    layout: Layout,
    unit_ref: String,
    unit_name: String,
    /// Lines that changed, and rows read, after an import.
    report: Report<(usize, usize)>,
}

impl BudgetImportPage {}

/// The unit whose units the file may name: the one asked for (if the user edits it), else theirs
/// (the election's for an administrator).
async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    named: &str,
) -> AppResult<(BudgetImportPage, i64, i64)> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?;
    let election = election.id;
    let unit =
        crate::units::pages::from_query(&state.pool, &layout, user, named, Reach::Edit).await?;
    let id = unit.id;
    let page = BudgetImportPage {
        layout,
        unit_ref: format!("{}:{}", unit.level, unit.gso_code),
        unit_name: unit.name,
        report: Report::default(),
    };
    Ok((page, election, id))
}

async fn form(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<UnitQuery>,
) -> AppResult<BudgetImportPage> {
    Ok(page(&state, layout, &user, &query.unit).await?.0)
}

/// The template: the columns and one example row.
async fn template() -> AppResult<Response> {
    let example = vec![
        Cell::text("commune:6895"),
        Cell::text("300.000.000"),
        Cell::text("20/01/2021"),
        Cell::text(""),
        Cell::text(""),
        Cell::text(""),
        Cell::text(""),
    ];
    let table = Table {
        name: "Kinh phi",
        headers: HEADERS.to_vec(),
        rows: vec![example],
    };
    table.download("mau-kinh-phi", "xlsx")
}

async fn upload(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Query(query): Query<UnitQuery>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (mut page, election, root) = page(&state, layout, &user, &query.unit).await?;
    let sheet = match super::uploaded_sheet(&mut multipart, HEADERS[0]).await? {
        Upload::Read(sheet) => sheet,
        Upload::TooLarge => return Ok(super::too_large()),
        Upload::Problem(problem) => {
            page.report.problem = Some(problem);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    page.report.encoding_note = sheet.encoding_note.clone();
    let units = units_under(&state, root).await?;
    let plan = match check(&sheet, &units, state.clock.today()) {
        Ok(plan) => plan,
        Err(errors) => {
            page.report.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let now = state.clock.now();
    let actor = user.actor(&meta);
    let mut tx = state.pool.begin().await?;
    crate::db::allow_job(&mut tx, &state.limits).await?;
    let mut changed = 0;
    for (unit, typed) in &plan {
        let Some(line) = budget::line(&state.pool, election, Owner::Unit(*unit)).await? else {
            continue;
        };
        let figures = merged(&line, typed);
        if figures == line.figures {
            continue;
        }
        if !budget::save(
            &mut tx,
            &actor,
            now,
            election,
            &line,
            line.version,
            &figures,
        )
        .await?
        {
            drop(tx);
            page.report.problem = Some(
                "Có dự toán vừa được người khác cập nhật trong lúc nhập; chưa ghi gì. Tải lên lại."
                    .to_string(),
            );
            return Ok((StatusCode::CONFLICT, page).into_response());
        }
        changed += 1;
    }
    tx.commit().await?;
    page.report.outcome = Some((changed, plan.len()));
    Ok(page.into_response())
}

/// The line's figures with the file's: a cell left empty keeps what is there; the approval is the
/// level above's and stays as stored.
fn merged(line: &Line, typed: &Figures) -> Figures {
    let now = &line.figures;
    Figures {
        proposed: typed.proposed.or(now.proposed),
        proposed_on: typed.proposed_on.or(now.proposed_on),
        allocated: typed.allocated.or(now.allocated),
        allocated_on: typed.allocated_on.or(now.allocated_on),
        spent: typed.spent.or(now.spent),
        spent_on: typed.spent_on.or(now.spent_on),
        ..now.clone()
    }
}

/// The units the file may name, by `level:code`: the root and every unit below it.
async fn units_under(state: &AppState, root: i64) -> sqlx::Result<HashMap<String, i64>> {
    let rows = sqlx::query!(
        "SELECT id, level, gso_code FROM units WHERE ancestors @> ARRAY[$1::bigint] AND valid_to IS NULL",
        root
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (format!("{}:{}", r.level, r.gso_code), r.id))
        .collect())
}

/// Checks every row; returns each unit's figures from the file, or every error found.
pub fn check(
    sheet: &Sheet,
    units: &HashMap<String, i64>,
    today: NaiveDate,
) -> Result<Vec<(i64, Figures)>, Vec<RowError>> {
    let columns = read::columns(sheet, &HEADERS);
    let mut errors = super::header_problems(sheet, &columns, &["Đơn vị"]);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut plan = Vec::new();
    let mut first_row: HashMap<i64, usize> = HashMap::new();
    for (row, cells) in &sheet.rows {
        let row = *row;
        let get = |name: &str| {
            columns
                .get(name)
                .and_then(|i| cells.get(*i))
                .map(|s| read::clean(s))
                .unwrap_or_default()
        };
        let mut error = |column: &str, reason: String| {
            errors.push(RowError {
                row,
                column: column.to_string(),
                reason,
            })
        };
        let unit = units.get(get("Đơn vị").trim()).copied();
        if unit.is_none() {
            error(
                "Đơn vị",
                format!(
                    "\"{}\" không phải đơn vị thuộc đơn vị đang nhập (ghi cấp:mã, ví dụ commune:6895)",
                    get("Đơn vị")
                ),
            );
        }
        let mut amount = |column: &str| {
            crate::input::amount(column, &get(column)).unwrap_or_else(|message| {
                error(column, message);
                None
            })
        };
        let (proposed, allocated, spent) = (
            amount("Dự toán đề xuất"),
            amount("Đã cấp"),
            amount("Đã chi"),
        );
        let mut day = |column: &str| match crate::web::form::date(&get(column)) {
            Ok(Some(day)) if day > today => {
                error(column, "là ngày trong tương lai".to_string());
                None
            }
            Ok(day) => day,
            Err(message) => {
                error(column, message);
                None
            }
        };
        let (proposed_on, allocated_on, spent_on) =
            (day("Ngày đề xuất"), day("Ngày cấp"), day("Ngày chi"));
        let Some(unit) = unit else {
            continue;
        };
        if let Some(first) = first_row.insert(unit, row) {
            errors.push(RowError {
                row,
                column: "Đơn vị".to_string(),
                reason: format!("đơn vị này đã có ở dòng {first}"),
            });
            continue;
        }
        plan.push((
            unit,
            Figures {
                proposed,
                proposed_on,
                allocated,
                allocated_on,
                spent,
                spent_on,
                ..Figures::default()
            },
        ));
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}
