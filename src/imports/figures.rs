//! Importing the population and voters of a province's or a district's units from XLSX or CSV.
//! Every row is checked before anything is written, all errors are listed at once, nothing is
//! written unless every row is right, and importing the same file again changes nothing: each
//! unit's figures go through `units::figures::set_figures`, which writes and audits only a change.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::read::{self, Sheet};
use super::{Report, RowError, Upload};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::FIGURE_KEEPERS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::units::figures::{self, Figures};
use crate::units::pages::Reach;
use crate::units::{self, UnitDetail};
use crate::web::export::{Cell, Table};
use crate::web::{AppResult, layout::Layout};

/// The columns of the file, in the template's order.
pub const HEADERS: [&str; 7] = [
    "Cấp",
    "Mã đơn vị",
    "Tên đơn vị",
    "Dân số",
    "Số cử tri",
    "Ngày số liệu",
    "Nguồn số liệu",
];

pub fn routes() -> Routes {
    let keepers = Access::Roles(FIGURE_KEEPERS);
    Routes::new()
        .get("/units/{level}/{gso_code}/import-figures", keepers, form)
        .post("/units/{level}/{gso_code}/import-figures", keepers, upload)
        .get("/import/figures-template.xlsx", Access::SignedIn, template)
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/figures.html")]
struct FiguresImportPage {
    layout: Layout,
    unit: UnitDetail,
    /// Units whose figures changed, and rows read, after an import.
    report: Report<(usize, usize)>,
}

impl FiguresImportPage {
    fn new(layout: Layout, unit: UnitDetail) -> FiguresImportPage {
        FiguresImportPage {
            layout,
            unit,
            report: Report::default(),
        }
    }

    fn refused(self) -> Response {
        (StatusCode::UNPROCESSABLE_ENTITY, self).into_response()
    }
}

async fn form(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((level, gso_code)): Path<(String, String)>,
) -> AppResult<FiguresImportPage> {
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    Ok(FiguresImportPage::new(layout, unit))
}

/// The template: the columns and one example row.
async fn template() -> AppResult<Response> {
    let example = vec![
        Cell::text("Xã"),
        Cell::Number(6895),
        Cell::text("Thị trấn Đầm Hà"),
        Cell::Number(10_460),
        Cell::Number(7_112),
        Cell::text("31/12/2020"),
        Cell::text("Báo cáo số 12/BC-CTK của Cục Thống kê"),
    ];
    let table = Table {
        name: "Dan so cu tri",
        headers: HEADERS.to_vec(),
        rows: vec![example],
    };
    table.download("mau-dan-so-cu-tri", "xlsx")
}

async fn upload(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path((level, gso_code)): Path<(String, String)>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let mut page = FiguresImportPage::new(layout, unit);
    let sheet = match super::uploaded_sheet(&mut multipart, HEADERS[1]).await? {
        Upload::Read(sheet) => sheet,
        Upload::TooLarge => return Ok(super::too_large()),
        Upload::Problem(problem) => {
            page.report.problem = Some(problem);
            return Ok(page.refused());
        }
    };
    page.report.encoding_note = sheet.encoding_note.clone();
    let units = units_under(&state, &page.unit).await?;
    let plan = match check(&sheet, &units, state.clock.today()) {
        Ok(plan) => plan,
        Err(errors) => {
            page.report.errors = errors;
            return Ok(page.refused());
        }
    };
    let now = state.clock.now();
    let actor = user.actor(&meta);
    let mut tx = state.pool.begin().await?;
    crate::db::allow_job(&mut tx, &state.limits).await?;
    let mut changed = 0;
    for (unit, figures) in &plan {
        if figures::set_figures(&mut tx, &actor, now, *unit, figures).await? {
            changed += 1;
        }
    }
    tx.commit().await?;
    page.report.outcome = Some((changed, plan.len()));
    Ok(page.into_response())
}

/// The units an import into `unit` may touch, by (level, GSO code): the unit and every unit
/// below it, with their figures now (a cell left empty keeps the figure there).
async fn units_under(
    state: &AppState,
    unit: &UnitDetail,
) -> sqlx::Result<HashMap<(String, i32), (i64, Figures)>> {
    let rows = sqlx::query!(
        "SELECT id, level, gso_code, population, voters, figures_as_of, figures_source FROM units
          WHERE ancestors @> ARRAY[$1::bigint] AND valid_to IS NULL",
        unit.id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let figures = Figures {
                population: r.population,
                voters: r.voters,
                as_of: r.figures_as_of,
                source: r.figures_source,
            };
            ((r.level, r.gso_code), (r.id, figures))
        })
        .collect())
}

/// "Tỉnh", "Huyện", "Xã" (or the level's code) as a level.
fn level_of(text: &str) -> Option<&'static str> {
    match read::fold(text).as_str() {
        "tỉnh" | "thành phố trung ương" | "province" => Some("province"),
        "huyện" | "quận" | "thị xã" | "thành phố" | "district" => Some("district"),
        "xã" | "phường" | "thị trấn" | "commune" => Some("commune"),
        _ => None,
    }
}

/// Checks every row; returns each unit's new figures, or every error found.
pub fn check(
    sheet: &Sheet,
    units: &HashMap<(String, i32), (i64, Figures)>,
    today: NaiveDate,
) -> Result<Vec<(i64, Figures)>, Vec<RowError>> {
    let columns = read::columns(sheet, &HEADERS);
    let mut errors = Vec::new();
    for required in ["Cấp", "Mã đơn vị"] {
        if !columns.contains_key(required) {
            errors.push(RowError {
                row: sheet.header_row,
                column: required.to_string(),
                reason: "thiếu cột này trong dòng tiêu đề".to_string(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut plan: Vec<(i64, Figures)> = Vec::new();
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
        let level = level_of(&get("Cấp"));
        if level.is_none() {
            error(
                "Cấp",
                format!("\"{}\" không phải cấp tỉnh, huyện hay xã", get("Cấp")),
            );
        }
        let code = get("Mã đơn vị").parse::<i32>().ok();
        if code.is_none() {
            error(
                "Mã đơn vị",
                format!("\"{}\" không phải mã đơn vị", get("Mã đơn vị")),
            );
        }
        let found = level
            .zip(code)
            .and_then(|(level, code)| units.get(&(level.to_string(), code)));
        if let (Some(_), Some(code), None) = (level, code, found) {
            error(
                "Mã đơn vị",
                format!("đơn vị mã {code} không thuộc đơn vị đang nhập"),
            );
        }
        let count = |column: &str| -> Result<Option<i32>, String> {
            match get(column).as_str() {
                "" => Ok(None),
                text => crate::input::count(column, text).map(Some),
            }
        };
        let population = count("Dân số").unwrap_or_else(|message| {
            error("Dân số", message);
            None
        });
        let voters = count("Số cử tri").unwrap_or_else(|message| {
            error("Số cử tri", message);
            None
        });
        if let (Some(people), Some(voters)) = (population, voters)
            && voters > people
        {
            error(
                "Số cử tri",
                format!("{voters} cử tri, nhiều hơn dân số {people}"),
            );
        }
        let as_of = match crate::web::form::date(&get("Ngày số liệu")) {
            Ok(Some(day)) if day > today => {
                error("Ngày số liệu", "là ngày trong tương lai".to_string());
                None
            }
            Ok(day) => day,
            Err(message) => {
                error("Ngày số liệu", message);
                None
            }
        };
        let source = crate::input::text(
            "Nguồn số liệu",
            crate::input::Kind::Name,
            &get("Nguồn số liệu"),
        )
        .unwrap_or_else(|message| {
            error("Nguồn số liệu", message);
            None
        });
        if (population.is_some() || voters.is_some()) && (as_of.is_none() || source.is_none()) {
            error(
                "Nguồn số liệu",
                "cần ghi ngày và văn bản nguồn của số liệu".to_string(),
            );
        }
        let Some((id, now)) = found else {
            continue;
        };
        if let Some(first) = first_row.insert(*id, row) {
            error("Mã đơn vị", format!("đơn vị này đã có ở dòng {first}"));
            continue;
        }
        // A cell left empty keeps what is there.
        plan.push((
            *id,
            Figures {
                population: population.or(now.population),
                voters: voters.or(now.voters),
                as_of: as_of.or(now.as_of),
                source: source.or_else(|| now.source.clone()),
            },
        ));
    }
    if sheet.rows.is_empty() {
        errors.push(RowError {
            row: sheet.header_row,
            column: String::new(),
            reason: "tệp không có dòng dữ liệu nào".to_string(),
        });
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}
