//! Importing polling areas with their polling groups and members, for a commune or a whole
//! district, from XLSX or CSV. Every row is checked before anything is written, all errors are
//! listed at once, the import is all-or-nothing, and importing the same file again changes nothing
//! (areas are matched by commune and number, members by their group and full name).

pub mod budget;
pub mod directives;
pub mod figures;
pub mod logistics;
pub mod nominees;
pub mod read;

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::bodies::{MEMBER_ROLES, member_role_vi, roster};
use crate::exports::AREA_HEADERS;
use crate::polling::rules::KINDS;
use crate::units::pages::Reach;
use crate::units::{self, UnitDetail};
use crate::web::export::{Cell, Table};
use crate::web::{AppError, AppResult, layout::Layout};
use read::Sheet;

/// Files larger than this are refused; a district's areas fit many times over.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The columns of free text, checked like a form's names.
const TEXT_COLUMNS: [&str; 4] = ["Tên khu vực", "Địa điểm", "Họ và tên thành viên", "Chức vụ"];

pub fn routes() -> Routes {
    Routes::new()
        .get(
            "/units/{level}/{gso_code}/import",
            Access::Roles(EDITORS),
            form,
        )
        .post(
            "/units/{level}/{gso_code}/import",
            Access::Roles(EDITORS),
            upload,
        )
        .get(
            "/import/polling-areas-template.xlsx",
            Access::SignedIn,
            template,
        )
}

/// A problem with one cell (or row) of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

/// What makes a file unreadable row by row: a required column missing from its header row, or no
/// data row at all. Empty when the rows may be checked.
pub fn header_problems(
    sheet: &Sheet,
    columns: &HashMap<&str, usize>,
    required: &[&str],
) -> Vec<RowError> {
    let mut errors: Vec<RowError> = required
        .iter()
        .filter(|column| !columns.contains_key(*column))
        .map(|column| RowError {
            row: sheet.header_row,
            column: column.to_string(),
            reason: "thiếu cột này trong dòng tiêu đề".to_string(),
        })
        .collect();
    if sheet.rows.is_empty() {
        errors.push(RowError {
            row: sheet.header_row,
            column: String::new(),
            reason: "tệp không có dòng dữ liệu nào".to_string(),
        });
    }
    errors
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub areas_created: u64,
    pub areas_updated: u64,
    pub members_created: u64,
    pub members_updated: u64,
}

impl Outcome {
    fn changed(&self) -> bool {
        *self != Outcome::default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/form.html")]
struct ImportPage {
    layout: Layout,
    unit: UnitDetail,
    /// The last file's problems, or what it did.
    report: Report<Outcome>,
}

/// What an import page says of the file just sent: that it could not be read (`problem`), its
/// bad rows (`errors`, none written), or what it did (`outcome`); with the bounds a file is read
/// within, as the form states them. Every import page shows it through `imports/problems.html`.
pub struct Report<O> {
    pub errors: Vec<RowError>,
    pub problem: Option<String>,
    pub outcome: Option<O>,
    /// How a CSV file's characters were read, when it was not UTF-8.
    pub encoding_note: Option<String>,
}

impl<O> Default for Report<O> {
    fn default() -> Self {
        Report {
            errors: Vec::new(),
            problem: None,
            outcome: None,
            encoding_note: None,
        }
    }
}

impl<O> Report<O> {
    pub fn max_megabytes(&self) -> usize {
        MAX_FILE_BYTES / (1024 * 1024)
    }
    pub fn max_rows(&self) -> String {
        crate::format::number(read::MAX_ROWS as i64)
    }
}

/// An uploaded sheet, read: or a problem to say on the import page, or a file past the size limit.
pub enum Upload {
    Read(Sheet),
    Problem(String),
    TooLarge,
}

/// Reads the form's `file` as a sheet whose header row holds `key`, within the file, row, cell and
/// time limits. A broken upload is a 400; an empty one, or one that cannot be read, a problem.
pub async fn uploaded_sheet(multipart: &mut Multipart, key: &'static str) -> AppResult<Upload> {
    let file = match crate::web::upload::file(multipart, "file", MAX_FILE_BYTES).await {
        Ok(file) => file.map(|(_, bytes)| bytes),
        Err(crate::web::upload::Refused::TooLarge) => return Ok(Upload::TooLarge),
        Err(crate::web::upload::Refused::Broken) => {
            return Err(AppError::BadRequest("tệp tải lên bị lỗi".into()));
        }
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return Ok(Upload::Problem("Chưa chọn tệp.".to_string()));
    };
    // Reading is bounded in time but may take seconds: off the threads that answer requests.
    let read = tokio::task::spawn_blocking(move || read::sheet(&bytes, key))
        .await
        .map_err(|error| AppError::Internal(error.into()))?;
    Ok(read.map_or_else(Upload::Problem, Upload::Read))
}

/// The page a file past the size limit gets: a 413 that states the limit.
pub fn too_large() -> Response {
    crate::web::error::error_page(StatusCode::PAYLOAD_TOO_LARGE)
}

async fn target(
    state: &AppState,
    user: &CurrentUser,
    level: &str,
    gso_code: &str,
) -> AppResult<UnitDetail> {
    units::pages::from_path(&state.pool, user, level, gso_code, Reach::Edit).await
}

async fn form(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((level, gso_code)): Path<(String, String)>,
) -> AppResult<ImportPage> {
    let unit = target(&state, &user, &level, &gso_code).await?;
    Ok(ImportPage {
        layout,
        unit,
        report: Report::default(),
    })
}

/// The import template: the columns of the polling-area list and one example row.
async fn template() -> AppResult<Response> {
    let example = vec![
        Cell::Number(6895),
        Cell::text("Thị trấn Đầm Hà"),
        Cell::Number(1),
        Cell::text("Khu vực bỏ phiếu số 1"),
        Cell::text("Nhà văn hóa khu phố 1"),
        Cell::Number(1200),
        Cell::text("Thông thường"),
        Cell::text("Nguyễn Văn An"),
        Cell::text(member_role_vi("chair")),
        Cell::text("Trưởng khu phố"),
        Cell::text("0912 345 678"),
    ];
    let table = Table {
        name: "Khu vuc bo phieu",
        headers: AREA_HEADERS.to_vec(),
        rows: vec![example],
    };
    table.download("mau-khu-vuc-bo-phieu", "xlsx")
}

async fn upload(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path((level, gso_code)): Path<(String, String)>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let unit = target(&state, &user, &level, &gso_code).await?;
    let page = |layout, problem: Option<String>, errors, outcome, note| ImportPage {
        layout,
        unit: unit.clone(),
        report: Report {
            errors,
            problem,
            outcome,
            encoding_note: note,
        },
    };
    let sheet = match uploaded_sheet(&mut multipart, read::AREA_KEY).await? {
        Upload::Read(sheet) => sheet,
        Upload::TooLarge => return Ok(too_large()),
        Upload::Problem(problem) => {
            let page = page(layout, Some(problem), Vec::new(), None, None);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let note = sheet.encoding_note.clone();
    let communes = communes_under(&state, &unit).await?;
    let plan = match check(&sheet, &communes) {
        Ok(plan) => plan,
        Err(errors) => {
            let page = page(layout, None, errors, None, note);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    crate::db::allow_job(&mut tx, &state.limits).await?;
    let outcome = match apply(&mut tx, election.id, &plan).await? {
        Ok(outcome) => outcome,
        Err(errors) => {
            // Nothing written: the transaction is dropped.
            let page = page(layout, None, errors, None, note);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if outcome.changed() {
        let event = Event::new("polling_areas.imported")
            .unit(unit.id)
            .after(serde_json::json!({
                "areas_created": outcome.areas_created,
                "areas_updated": outcome.areas_updated,
                "members_created": outcome.members_created,
                "members_updated": outcome.members_updated,
            }));
        audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    }
    tx.commit().await?;
    Ok(page(layout, None, Vec::new(), Some(outcome), note).into_response())
}

/// The communes an import into `unit` may touch (GSO code → id): the unit itself if it is a
/// commune, else the communes below it.
async fn communes_under(state: &AppState, unit: &UnitDetail) -> sqlx::Result<HashMap<i32, i64>> {
    let rows = sqlx::query!(
        "SELECT gso_code, id FROM units WHERE level = 'commune' AND valid_to IS NULL AND ancestors @> ARRAY[$1::bigint]",
        unit.id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.gso_code, r.id)).collect())
}

/// A checked polling area and the members of its group.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaPlan {
    pub commune_id: i64,
    pub number: i32,
    pub name: String,
    pub address: Option<String>,
    pub voters: i32,
    pub kind: String,
    pub members: Vec<MemberPlan>,
    /// The first row of the area, for messages.
    pub row: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberPlan {
    pub member: roster::Member,
    pub row: usize,
}

/// The column index of each known header (lower case, trimmed), wherever the header row is.
fn columns(sheet: &Sheet) -> HashMap<&'static str, usize> {
    let mut found = HashMap::new();
    for (index, header) in sheet.headers.iter().enumerate() {
        let header = read::fold(header);
        if let Some(known) = AREA_HEADERS.iter().find(|h| read::fold(h) == header) {
            found.insert(*known, index);
        }
    }
    found
}

/// Checks every row; returns the plan, or every error found.
pub fn check(sheet: &Sheet, communes: &HashMap<i32, i64>) -> Result<Vec<AreaPlan>, Vec<RowError>> {
    let columns = columns(sheet);
    let mut errors = Vec::new();
    for required in ["Mã xã", "Số khu vực", "Số cử tri"] {
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
    let mut areas: Vec<AreaPlan> = Vec::new();
    for (row_number, cells) in &sheet.rows {
        let row = *row_number;
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
        let commune = match get("Mã xã").parse::<i32>().ok() {
            Some(code) => match communes.get(&code) {
                Some(id) => Some(*id),
                None => {
                    error(
                        "Mã xã",
                        format!("xã mã {code} không thuộc đơn vị đang nhập"),
                    );
                    None
                }
            },
            None => {
                error("Mã xã", format!("\"{}\" không phải mã xã", get("Mã xã")));
                None
            }
        };
        let number = get("Số khu vực").parse::<i32>().ok().filter(|n| *n > 0);
        if number.is_none() {
            error(
                "Số khu vực",
                format!("\"{}\" không phải số nguyên dương", get("Số khu vực")),
            );
        }
        let voters = match crate::input::count("Số cử tri", &get("Số cử tri")) {
            Ok(voters) => Some(voters),
            Err(message) => {
                error("Số cử tri", message);
                None
            }
        };
        // Free text passes the same rules as on a form.
        for column in TEXT_COLUMNS {
            if let Err(message) = crate::input::text(column, crate::input::Kind::Name, &get(column))
            {
                error(column, message);
            }
        }
        let kind_text = get("Loại khu vực");
        let kind = if kind_text.is_empty() {
            Some("ordinary".to_string())
        } else {
            KINDS
                .iter()
                .find(|(code, label)| {
                    read::fold(code) == read::fold(&kind_text)
                        || read::fold(label) == read::fold(&kind_text)
                })
                .map(|(code, _)| code.to_string())
        };
        if kind.is_none() {
            error(
                "Loại khu vực",
                format!("\"{kind_text}\" không phải loại khu vực bỏ phiếu"),
            );
        }
        let member_name = get("Họ và tên thành viên");
        let member = if member_name.is_empty() {
            None
        } else {
            let role_text = get("Chức danh");
            let role = if role_text.is_empty() {
                Some("member")
            } else {
                MEMBER_ROLES.iter().copied().find(|code| {
                    let label = member_role_vi(code);
                    read::fold(code) == read::fold(&role_text)
                        || read::fold(label) == read::fold(&role_text)
                        || label
                            .split(" / ")
                            .any(|part| read::fold(part) == read::fold(&role_text))
                })
            };
            if role.is_none() {
                error(
                    "Chức danh",
                    format!("\"{role_text}\" không phải chức danh trong tổ bầu cử"),
                );
            }
            let phone = get("Điện thoại");
            if !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +.-()".contains(c))
            {
                error(
                    "Điện thoại",
                    format!("\"{phone}\" không phải số điện thoại"),
                );
            }
            role.map(|role| MemberPlan {
                member: roster::Member {
                    full_name: member_name.clone(),
                    role: role.to_string(),
                    position: Some(get("Chức vụ")).filter(|s| !s.is_empty()),
                    phone: Some(phone).filter(|s| !s.is_empty()),
                },
                row,
            })
        };
        let (Some(commune_id), Some(number), Some(voters), Some(kind)) =
            (commune, number, voters, kind)
        else {
            continue;
        };
        let name = Some(get("Tên khu vực"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("Khu vực bỏ phiếu số {number}"));
        let area = AreaPlan {
            commune_id,
            number,
            name,
            address: Some(get("Địa điểm")).filter(|s| !s.is_empty()),
            voters,
            kind,
            members: Vec::new(),
            row,
        };
        let existing = areas
            .iter_mut()
            .find(|a| a.commune_id == commune_id && a.number == number);
        let target = match existing {
            Some(existing) => {
                if (
                    existing.name.as_str(),
                    existing.voters,
                    existing.kind.as_str(),
                    existing.address.as_deref(),
                ) != (
                    area.name.as_str(),
                    area.voters,
                    area.kind.as_str(),
                    area.address.as_deref(),
                ) {
                    error(
                        "Số khu vực",
                        format!("khu vực số {number} đã ghi khác ở dòng {}", existing.row),
                    );
                }
                existing
            }
            None => {
                areas.push(area);
                areas.last_mut().expect("just pushed")
            }
        };
        if let Some(plan) = member {
            let member = &plan.member;
            let listed = target.members.iter().map(|p| &p.member);
            if listed.clone().any(|m| m.full_name == member.full_name) {
                error(
                    "Họ và tên thành viên",
                    format!("{} đã có ở khu vực này", member.full_name),
                );
            } else if member.role == "chair" && listed.clone().any(|m| m.role == "chair") {
                error(
                    "Chức danh",
                    "mỗi tổ bầu cử chỉ có một tổ trưởng".to_string(),
                );
            } else {
                target.members.push(plan);
            }
        }
    }
    if sheet.rows.is_empty() {
        errors.push(RowError {
            row: sheet.header_row,
            column: String::new(),
            reason: "tệp không có dòng dữ liệu nào".to_string(),
        });
    }
    if errors.is_empty() {
        Ok(areas)
    } else {
        Err(errors)
    }
}

/// Writes the plan, touching only what differs. A conflict with data already stored (a group that
/// already has another chair) comes back as row errors, and the caller drops the transaction.
async fn apply(
    tx: &mut sqlx::PgConnection,
    election_id: i64,
    plan: &[AreaPlan],
) -> sqlx::Result<Result<Outcome, Vec<RowError>>> {
    let mut outcome = Outcome::default();
    let mut errors = Vec::new();
    for area in plan {
        let existing = sqlx::query!(
            "SELECT id, name, address, voters, kind FROM polling_areas WHERE election_id = $1 AND commune_id = $2 AND number = $3",
            election_id,
            area.commune_id,
            area.number
        )
        .fetch_optional(&mut *tx)
        .await?;
        let area_id = match existing {
            Some(row) => {
                if (
                    row.name.as_str(),
                    row.address.as_deref(),
                    row.voters,
                    row.kind.as_str(),
                ) != (
                    area.name.as_str(),
                    area.address.as_deref(),
                    area.voters,
                    area.kind.as_str(),
                ) {
                    sqlx::query!(
                        "UPDATE polling_areas SET name = $2, address = $3, voters = $4, kind = $5 WHERE id = $1",
                        row.id,
                        area.name,
                        area.address,
                        area.voters,
                        area.kind
                    )
                    .execute(&mut *tx)
                    .await?;
                    outcome.areas_updated += 1;
                }
                row.id
            }
            None => {
                outcome.areas_created += 1;
                sqlx::query_scalar!(
                    "INSERT INTO polling_areas (election_id, commune_id, number, name, address, voters, kind)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    election_id,
                    area.commune_id,
                    area.number,
                    area.name,
                    area.address,
                    area.voters,
                    area.kind
                )
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let group = sqlx::query_scalar!(
            "SELECT id FROM bodies WHERE polling_area_id = $1 AND dissolved_at IS NULL",
            area_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        let group = match group {
            Some(group) => group,
            None => {
                sqlx::query_scalar!(
                    "INSERT INTO bodies (election_id, kind, unit_id, polling_area_id, name)
                     VALUES ($1, 'polling_group', $2, $3, $4) RETURNING id",
                    election_id,
                    area.commune_id,
                    area_id,
                    crate::bodies::group_name(area.number)
                )
                .fetch_one(&mut *tx)
                .await?
            }
        };
        for plan in &area.members {
            if plan.member.role == "chair"
                && let Some(other) = roster::other_chair(tx, group, &plan.member.full_name).await?
            {
                errors.push(RowError {
                    row: plan.row,
                    column: "Chức danh".to_string(),
                    reason: format!("tổ bầu cử đã có tổ trưởng {other}"),
                });
                continue;
            }
            match roster::upsert(tx, group, &plan.member).await? {
                roster::Upserted::Added => outcome.members_created += 1,
                roster::Upserted::Changed => outcome.members_updated += 1,
                roster::Upserted::Same => {}
            }
        }
    }
    Ok(if errors.is_empty() {
        Ok(outcome)
    } else {
        Err(errors)
    })
}
