//! Importing polling-place logistics for a commune's or a district's polling areas from XLSX or
//! CSV, as a district keeps them while it chases its communes. The file is the one the page offers
//! to download (every area with what is recorded), filled in. Each row is checked by the same rule
//! as the area's own form, all errors are listed at once, nothing is written unless every row is
//! right, and each area changes only through `logistics::save` (version-checked, audited), so the
//! same file twice changes nothing.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::read::{self, Sheet};
use super::{Report, RowError, Upload};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::polling::logistics::{self, Area, PLACE_TYPES};
use crate::polling::logistics_pages::{check as check_fields, stored_fields};
use crate::units::pages::Reach;
use crate::web::export::{Cell, Table};
use crate::web::{AppError, AppResult, layout::Layout};

/// The columns naming the area.
const KEYS: [&str; 3] = ["Mã xã", "Tên xã", "Số khu vực"];

/// The columns of what is recorded, each with the area form's field it fills.
const FIELDS: [(&str, &str); 13] = [
    ("Địa điểm", "place"),
    ("Loại địa điểm", "place_type"),
    ("Người khuyết tật tiếp cận được", "accessible"),
    ("Niêm yết danh sách cử tri", "voter_list_posted_on"),
    (
        "Niêm yết danh sách ứng cử viên",
        "candidate_lists_posted_on",
    ),
    ("Hòm phiếu chính", "ballot_boxes_main"),
    ("Hòm phiếu phụ", "ballot_boxes_aux"),
    ("Ngày đủ hòm phiếu", "boxes_ready_on"),
    ("Niêm phong", "seals_ready_on"),
    ("Trang trí", "decoration_ready_on"),
    ("Loa, âm thanh", "loudspeaker_ready_on"),
    ("Tổng duyệt", "rehearsal_on"),
    ("Số cử tri", ""),
];

/// Ballots received per race: the race's kind, the count's column and its date's column.
const BALLOTS: [(&str, &str, &str); 4] = [
    ("na", "Phiếu ĐBQH", "Ngày nhận phiếu ĐBQH"),
    (
        "province_council",
        "Phiếu HĐND tỉnh",
        "Ngày nhận phiếu HĐND tỉnh",
    ),
    (
        "district_council",
        "Phiếu HĐND huyện",
        "Ngày nhận phiếu HĐND huyện",
    ),
    (
        "commune_council",
        "Phiếu HĐND xã",
        "Ngày nhận phiếu HĐND xã",
    ),
];

/// Every column, in the file's order.
fn headers() -> Vec<&'static str> {
    let mut headers = KEYS.to_vec();
    headers.extend(FIELDS.iter().map(|(column, _)| *column));
    for (_, count, day) in BALLOTS {
        headers.extend([count, day]);
    }
    headers
}

pub fn routes() -> Routes {
    Routes::new()
        .get("/logistics-import", Access::Roles(EDITORS), form)
        .post("/logistics-import", Access::Roles(EDITORS), upload)
        .get("/logistics-import/{file}", Access::Roles(EDITORS), download)
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default)]
    unit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/logistics.html")]
struct LogisticsImportPage {
    layout: Layout,
    unit_ref: String,
    unit_name: String,
    /// Areas that changed, and rows read, after an import.
    report: Report<(usize, usize)>,
}

impl LogisticsImportPage {}

/// The unit whose polling areas the file may name (the one asked for, else the user's own), if
/// the user edits it; with the page.
async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    named: &str,
) -> AppResult<(LogisticsImportPage, i64, i64)> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?;
    let election = election.id;
    let unit =
        crate::units::pages::from_query(&state.pool, &layout, user, named, Reach::Edit).await?;
    let id = unit.id;
    let page = LogisticsImportPage {
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
) -> AppResult<LogisticsImportPage> {
    Ok(page(&state, layout, &user, &query.unit).await?.0)
}

/// A polling area as the file names it: its commune's code and its number; with its id.
struct Named {
    id: i64,
    commune_code: i32,
    commune_name: String,
    number: i32,
}

/// The polling areas under `root` in this election, in commune and number order.
async fn areas_under(state: &AppState, election: i64, root: i64) -> sqlx::Result<Vec<Named>> {
    sqlx::query_as!(
        Named,
        "SELECT a.id, c.gso_code AS commune_code, c.name AS commune_name, a.number
           FROM polling_areas a JOIN units c ON c.id = a.commune_id
          WHERE a.election_id = $1 AND c.ancestors @> ARRAY[$2::bigint]
          ORDER BY c.gso_code, a.number",
        election,
        root
    )
    .fetch_all(&state.pool)
    .await
}

/// Every polling area under the unit with what is recorded, in the import's columns: the file to
/// fill in and upload again.
async fn download(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(query): Query<UnitQuery>,
) -> AppResult<Response> {
    let (_, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let (_, election, root) = page(&state, layout, &user, &query.unit).await?;
    let named = areas_under(&state, election, root).await?;
    let ids: Vec<i64> = named.iter().map(|n| n.id).collect();
    let stored: HashMap<i64, Area> = logistics::areas(&state.pool, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let rows = named
        .iter()
        .filter_map(|n| Some(row_of(n, stored.get(&n.id)?)))
        .collect();
    let table = Table {
        name: "Hau can",
        headers: headers(),
        rows,
    };
    table.download("hau-can-tung-khu-vuc", extension)
}

/// One area's row: as its form shows it, so that a downloaded file uploads back unchanged.
fn row_of(named: &Named, area: &Area) -> Vec<Cell> {
    let fields = stored_fields(area);
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let mut cells = vec![
        Cell::text(named.commune_code.to_string()),
        Cell::text(named.commune_name.clone()),
        Cell::Number(i64::from(named.number)),
    ];
    for (column, name) in FIELDS {
        cells.push(match (column, name) {
            ("Số cử tri", _) => Cell::Number(i64::from(area.voters)),
            (_, "place_type") => Cell::text(
                PLACE_TYPES
                    .iter()
                    .find(|(code, _)| *code == field(name))
                    .map_or("", |(_, label)| label),
            ),
            (_, "accessible") => Cell::text(if area.logistics.accessible {
                "có"
            } else {
                "không"
            }),
            _ => Cell::text(field(name)),
        });
    }
    for (kind, _, _) in BALLOTS {
        let race = area.ballots.iter().find(|b| b.race_kind == kind);
        let (count, day) = race.map_or((String::new(), String::new()), |b| {
            (
                field(&format!("ballots_{}", b.race_id)),
                field(&format!("ballots_on_{}", b.race_id)),
            )
        });
        cells.extend([Cell::text(count), Cell::text(day)]);
    }
    cells
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
    let sheet = match super::uploaded_sheet(&mut multipart, "Số khu vực").await? {
        Upload::Read(sheet) => sheet,
        Upload::TooLarge => return Ok(super::too_large()),
        Upload::Problem(problem) => {
            page.report.problem = Some(problem);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    page.report.encoding_note = sheet.encoding_note.clone();
    let named = areas_under(&state, election, root).await?;
    let ids: Vec<i64> = named.iter().map(|n| n.id).collect();
    let keys: HashMap<(String, i32), i64> = named
        .into_iter()
        .map(|n| ((n.commune_code.to_string(), n.number), n.id))
        .collect();
    let mut stored: HashMap<i64, Area> = logistics::areas(&state.pool, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let plan = match plan(&sheet, &keys, &mut stored, state.clock.today()) {
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
    for change in &plan {
        if !change.changes_something() {
            continue;
        }
        let area = &change.area;
        if !logistics::save(
            &mut tx,
            &actor,
            now,
            area,
            area.version,
            &change.logistics,
            &change.ballots,
        )
        .await?
        {
            drop(tx);
            page.report.problem = Some(
                "Có khu vực vừa được người khác cập nhật trong lúc nhập; chưa ghi gì. Tải lên lại."
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

/// One area's row, checked: the area as stored and what the file makes of it.
struct Change {
    area: Area,
    logistics: logistics::Logistics,
    ballots: Vec<(i64, i32, chrono::NaiveDate)>,
}

impl Change {
    fn changes_something(&self) -> bool {
        let stored: Vec<_> = self
            .area
            .ballots
            .iter()
            .filter_map(|b| Some((b.race_id, b.received?, b.received_on?)))
            .collect();
        self.logistics != self.area.logistics || self.ballots != stored
    }
}

/// Reads every row against its stored area (taken from `stored`); every error found, or the
/// changes.
fn plan(
    sheet: &Sheet,
    keys: &HashMap<(String, i32), i64>,
    stored: &mut HashMap<i64, Area>,
    today: chrono::NaiveDate,
) -> Result<Vec<Change>, Vec<RowError>> {
    let headers = headers();
    let columns = read::columns(sheet, &headers);
    let mut errors = super::header_problems(sheet, &columns, &["Mã xã", "Số khu vực"]);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut changes = Vec::new();
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
        let number = get("Số khu vực").parse::<i32>().ok();
        let Some(id) = number.and_then(|n| keys.get(&(get("Mã xã"), n))).copied() else {
            error(
                "Số khu vực",
                format!(
                    "không có khu vực số \"{}\" của xã mã \"{}\" thuộc đơn vị đang nhập",
                    get("Số khu vực"),
                    get("Mã xã")
                ),
            );
            continue;
        };
        if let Some(first) = first_row.insert(id, row) {
            error("Số khu vực", format!("khu vực này đã có ở dòng {first}"));
            continue;
        }
        let Some(area) = stored.remove(&id) else {
            continue;
        };
        let fields = match filled(&area, &get) {
            Ok(fields) => fields,
            Err((column, reason)) => {
                error(column, reason);
                continue;
            }
        };
        match check_fields(&fields, &area, today) {
            Ok((logistics, ballots)) => changes.push(Change {
                area,
                logistics,
                ballots,
            }),
            Err(refusal) => {
                let column = refusal
                    .field
                    .and_then(|f| FIELDS.iter().find(|(_, name)| *name == f))
                    .map_or("Phiếu", |(column, _)| column);
                error(column, refusal.message);
            }
        }
    }
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(errors)
    }
}

/// The area's form fields as stored, with every cell the file fills: an empty cell keeps what is
/// there. A place type may be written as its label; access as "có" or "không".
fn filled(
    area: &Area,
    get: &dyn Fn(&str) -> String,
) -> Result<HashMap<String, String>, (&'static str, String)> {
    let mut fields = stored_fields(area);
    for (column, name) in FIELDS {
        let typed = get(column);
        if typed.is_empty() || name.is_empty() {
            continue;
        }
        let value = match name {
            "place_type" => PLACE_TYPES
                .iter()
                .find(|(code, label)| {
                    read::fold(code) == read::fold(&typed)
                        || read::fold(label) == read::fold(&typed)
                })
                .map(|(code, _)| code.to_string())
                .ok_or_else(|| {
                    (
                        column,
                        "không phải loại địa điểm (Trường học, Nhà văn hóa, Trụ sở cơ quan, Khác)"
                            .to_string(),
                    )
                })?,
            "accessible" => match read::fold(&typed).as_str() {
                "có" | "co" | "yes" | "x" | "1" => "1".to_string(),
                "không" | "khong" | "no" | "0" => String::new(),
                _ => return Err((column, "ghi \"có\" hoặc \"không\"".to_string())),
            },
            _ => typed,
        };
        fields.insert(name.to_string(), value);
    }
    for (kind, count, day) in BALLOTS {
        let Some(race) = area.ballots.iter().find(|b| b.race_kind == kind) else {
            continue;
        };
        for (column, field) in [
            (count, format!("ballots_{}", race.race_id)),
            (day, format!("ballots_on_{}", race.race_id)),
        ] {
            let typed = get(column);
            if !typed.is_empty() {
                fields.insert(field, typed);
            }
        }
    }
    Ok(fields)
}
