//! Importing a council's nominees from XLSX or CSV, as the office receiving dossiers keeps them.
//! Each row is checked by the same rule as the council page's dossier form (the 17:00 intake, the
//! allocation of the nominating body, the personal fields), all errors are listed at once, nothing
//! is written unless every row is right, and a nominee the council already has (same full name and
//! date of birth) is left alone, so the same file twice adds nothing.

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::read::{self, Sheet};
use super::{Report, RowError, Upload};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::candidates::pages::{NOMINEE_COLUMNS, check_nominee, handled};
use crate::candidates::{Council, NewNominee, Quota};
use crate::web::export::{Cell, Table};
use crate::web::{AppResult, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get(
            "/councils/{id}/nominees-import",
            Access::Roles(EDITORS),
            form,
        )
        .post(
            "/councils/{id}/nominees-import",
            Access::Roles(EDITORS),
            upload,
        )
        .get(
            "/import/nominees-template.xlsx",
            Access::Roles(EDITORS),
            template,
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/nominees.html")]
struct NomineesImportPage {
    layout: Layout,
    council: Council,
    /// Nominees added, and rows read, after an import.
    report: Report<(usize, usize)>,
}

impl NomineesImportPage {}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
) -> AppResult<NomineesImportPage> {
    let council = handled(state, user, id).await?;
    Ok(NomineesImportPage {
        layout,
        council,
        report: Report::default(),
    })
}

async fn form(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<NomineesImportPage> {
    page(&state, layout, &user, id).await
}

/// The template: the columns and one example row.
async fn template() -> AppResult<Response> {
    let example = [
        "Nguyễn Thị Ánh",
        "12/08/1978",
        "Nữ",
        "Kinh",
        "Không",
        "Đầm Hà, Quảng Ninh",
        "Thị trấn Đầm Hà",
        "Đại học",
        "Chuyên viên",
        "UBND huyện Đầm Hà",
        "03/02/2005",
        "không",
        "Ủy ban MTTQ huyện",
        "10/03/2021",
        "09:00",
    ];
    let table = Table {
        name: "Nguoi ung cu",
        headers: NOMINEE_COLUMNS.iter().map(|(column, _)| *column).collect(),
        rows: vec![example.iter().map(|cell| Cell::text(*cell)).collect()],
    };
    table.download("mau-nguoi-ung-cu", "xlsx")
}

async fn upload(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut page = page(&state, layout, &user, id).await?;
    let sheet = match super::uploaded_sheet(&mut multipart, NOMINEE_COLUMNS[0].0).await? {
        Upload::Read(sheet) => sheet,
        Upload::TooLarge => return Ok(super::too_large()),
        Upload::Problem(problem) => {
            page.report.problem = Some(problem);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    page.report.encoding_note = sheet.encoding_note.clone();
    let quotas = crate::candidates::quotas(&state.pool, id).await?;
    let known: HashSet<(String, chrono::NaiveDate)> =
        crate::candidates::nominees(&state.pool, Some(id), None)
            .await?
            .into_iter()
            .map(|n| (n.full_name, n.birth_date))
            .collect();
    let plan = match check(&state, &page.council, &sheet, quotas, &known) {
        Ok(plan) => plan,
        Err(errors) => {
            page.report.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let (now, actor) = (state.clock.now(), user.actor(&meta));
    let mut tx = state.pool.begin().await?;
    crate::db::allow_job(&mut tx, &state.limits).await?;
    for nominee in &plan.new {
        crate::candidates::add_nominee(&mut tx, &actor, now, &page.council, nominee).await?;
    }
    tx.commit().await?;
    page.report.outcome = Some((plan.new.len(), plan.read));
    Ok(page.into_response())
}

struct Plan {
    read: usize,
    new: Vec<NewNominee>,
}

/// Checks every row as the dossier form would, counting each nominating body's allocation across
/// the file; the nominees not yet recorded, or every error found.
fn check(
    state: &AppState,
    council: &Council,
    sheet: &Sheet,
    mut quotas: Vec<Quota>,
    known: &HashSet<(String, chrono::NaiveDate)>,
) -> Result<Plan, Vec<RowError>> {
    let headers: Vec<&str> = NOMINEE_COLUMNS.iter().map(|(column, _)| *column).collect();
    let columns = read::columns(sheet, &headers);
    // Every column but the optional party date and current deputy.
    let required: Vec<&str> = NOMINEE_COLUMNS
        .iter()
        .filter(|(_, field)| !matches!(*field, "party_joined_on" | "current_deputy"))
        .map(|(column, _)| *column)
        .collect();
    let mut errors = super::header_problems(sheet, &columns, &required);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut new = Vec::new();
    let mut first_row: HashMap<(String, chrono::NaiveDate), usize> = HashMap::new();
    for (row, cells) in &sheet.rows {
        let get = |name: &str| {
            columns
                .get(name)
                .and_then(|i| cells.get(*i))
                .map(|s| read::clean(s))
                .unwrap_or_default()
        };
        let typed = typed_fields(&get, &quotas);
        // Someone already recorded is left as they are, whatever their allocation says now.
        let birth = crate::web::form::date(&get("Ngày sinh")).ok().flatten();
        if birth.is_some_and(|birth| known.contains(&(get("Họ và tên"), birth))) {
            continue;
        }
        match check_nominee(state, council, &quotas, &typed) {
            Ok(nominee) => {
                let key = (nominee.full_name.clone(), nominee.birth_date);
                if let Some(first) = first_row.insert(key.clone(), *row) {
                    errors.push(RowError {
                        row: *row,
                        column: "Họ và tên".to_string(),
                        reason: format!("người này đã có ở dòng {first}"),
                    });
                    continue;
                }
                // The file's own nominees count against the body's allocation too.
                if let Some(quota) = quotas.iter_mut().find(|q| Some(q.id) == nominee.quota_id) {
                    quota.nominated += 1;
                }
                new.push(nominee);
            }
            Err(refusal) => {
                let column = NOMINEE_COLUMNS
                    .iter()
                    .find(|(_, field)| Some(*field) == refusal.field)
                    .map_or("", |(column, _)| column);
                errors.push(RowError {
                    row: *row,
                    column: column.to_string(),
                    reason: refusal.message,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(Plan {
            read: sheet.rows.len(),
            new,
        })
    } else {
        Err(errors)
    }
}

/// A row as the dossier form's fields: the nominating body by its name ("Tự ứng cử" or empty for
/// none), the gender by its label, "có" for a current deputy.
fn typed_fields(get: &dyn Fn(&str) -> String, quotas: &[Quota]) -> HashMap<String, String> {
    let mut typed = HashMap::new();
    for (column, field) in NOMINEE_COLUMNS {
        let value = get(column);
        let value = match field {
            "quota" => match read::fold(&value).as_str() {
                "" | "tự ứng cử" | "self nominated" => String::new(),
                name => quotas
                    .iter()
                    .find(|q| read::fold(&q.nominator) == name)
                    .map_or_else(|| format!("?{value}"), |q| q.id.to_string()),
            },
            "gender" => crate::candidates::GENDERS
                .iter()
                .find(|(code, label)| read::fold(label) == read::fold(&value) || *code == value)
                .map_or(value.clone(), |(code, _)| code.to_string()),
            "current_deputy" => match read::fold(&value).as_str() {
                "có" | "yes" | "x" | "1" => "1".to_string(),
                _ => String::new(),
            },
            _ => value,
        };
        typed.insert(field.to_string(), value);
    }
    typed
}
