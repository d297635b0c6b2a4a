//! Importing a meeting's conclusions as directives from XLSX or CSV, as the office that drafts the
//! conclusions keeps them: one row per directive with its text, its lead, its supporters and its
//! due date. Leads and supporters are named as the meeting page lists them (or by `agency:ID`,
//! `unit:ID`). Each row is checked by the same rule as the meeting page's form, all errors are
//! listed at once, nothing is written unless every row is right, and a directive whose text the
//! meeting already has is left alone, so the same file twice adds nothing.

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
use crate::auth::routes::AUDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::directives::Meeting;
use crate::directives::pages::{
    CheckedDirective, Choice, DirectiveForm, EVERY_DISTRICT, check_directive, choices,
    readable_meeting, record_directive,
};
use crate::web::export::{Cell, Table};
use crate::web::{AppError, AppResult, layout::Layout};

/// The columns of the file, in the template's order.
pub const HEADERS: [&str; 4] = ["Nội dung chỉ đạo", "Chủ trì", "Phối hợp", "Hạn hoàn thành"];

/// How a lead that is every district may be written.
const EVERY_DISTRICT_NAMES: [&str; 3] = [
    "UBND các huyện, thị xã, thành phố",
    "Các huyện, thị xã, thành phố",
    "Mọi huyện",
];

pub fn routes() -> Routes {
    Routes::new()
        .get(
            "/meetings/{id}/directives-import",
            Access::Roles(AUDITORS),
            form,
        )
        .post(
            "/meetings/{id}/directives-import",
            Access::Roles(AUDITORS),
            upload,
        )
        .get(
            "/import/directives-template.xlsx",
            Access::Roles(AUDITORS),
            template,
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/directives.html")]
struct DirectivesImportPage {
    layout: Layout,
    meeting: Meeting,
    choices: Vec<Choice>,
    /// Directives added, and rows read, after an import.
    report: Report<(usize, usize)>,
}

impl DirectivesImportPage {
    fn every_district(&self) -> &'static str {
        EVERY_DISTRICT_NAMES[0]
    }
}

/// The meeting, if the user records its directives, with its page.
async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
) -> AppResult<DirectivesImportPage> {
    let meeting = readable_meeting(state, &layout, user, id).await?;
    if !user.scope.can_edit(&meeting.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    let choices = choices(state, meeting.election_id, meeting.unit_id).await?;
    Ok(DirectivesImportPage {
        layout,
        meeting,
        choices,
        report: Report::default(),
    })
}

async fn form(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<DirectivesImportPage> {
    page(&state, layout, &user, id).await
}

/// The template: the columns and one example row, as the 27/01/2021 meeting concluded.
async fn template() -> AppResult<Response> {
    let example = vec![
        Cell::text("Đề xuất kinh phí phục vụ bầu cử"),
        Cell::text("Sở Tài chính"),
        Cell::text("Sở Nội vụ"),
        Cell::text("10/02/2021"),
    ];
    let table = Table {
        name: "Chi dao",
        headers: HEADERS.to_vec(),
        rows: vec![example],
    };
    table.download("mau-chi-dao", "xlsx")
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
    let sheet = match super::uploaded_sheet(&mut multipart, HEADERS[0]).await? {
        Upload::Read(sheet) => sheet,
        Upload::TooLarge => return Ok(super::too_large()),
        Upload::Problem(problem) => {
            page.report.problem = Some(problem);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    page.report.encoding_note = sheet.encoding_note.clone();
    let plan = match check(&sheet, &page.choices) {
        Ok(plan) => plan,
        Err(errors) => {
            page.report.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let read = plan.len();
    let mut tx = state.pool.begin().await?;
    crate::db::allow_job(&mut tx, &state.limits).await?;
    let recorded: HashSet<String> =
        sqlx::query_scalar!("SELECT body FROM directives WHERE meeting_id = $1", id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let (now, actor) = (state.clock.now(), user.actor(&meta));
    let mut added = 0;
    for directive in plan {
        if recorded.contains(&directive.body) {
            continue;
        }
        record_directive(&mut tx, &actor, now, &page.meeting, directive).await?;
        added += 1;
    }
    tx.commit().await?;
    page.report.outcome = Some((added, read));
    Ok(page.into_response())
}

/// Checks every row; the directives, or every error found.
fn check(sheet: &Sheet, choices: &[Choice]) -> Result<Vec<CheckedDirective>, Vec<RowError>> {
    let columns = read::columns(sheet, &HEADERS);
    let mut errors = super::header_problems(
        sheet,
        &columns,
        &["Nội dung chỉ đạo", "Chủ trì", "Hạn hoàn thành"],
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let by_name: HashMap<String, &str> = choices
        .iter()
        .flat_map(|c| {
            [
                (read::fold(&c.name), c.value.as_str()),
                (c.value.clone(), c.value.as_str()),
            ]
        })
        .chain(
            EVERY_DISTRICT_NAMES
                .iter()
                .map(|name| (read::fold(name), EVERY_DISTRICT)),
        )
        .collect();
    let value_of = |name: &str| -> Option<String> {
        let name = name.trim();
        by_name
            .get(name)
            .or_else(|| by_name.get(&read::fold(name)))
            .map(|value| value.to_string())
    };
    let mut plan = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
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
        let lead = get("Chủ trì");
        let Some(lead_value) = value_of(&lead) else {
            error(
                "Chủ trì",
                format!("\"{lead}\" không phải cơ quan hay đơn vị trong danh sách của cuộc họp"),
            );
            continue;
        };
        let mut supporters = Vec::new();
        let mut unknown = Vec::new();
        for name in get("Phối hợp")
            .split([';', '\n'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            match value_of(name).filter(|v| v != EVERY_DISTRICT) {
                Some(value) => supporters.push(value),
                None => unknown.push(name.to_string()),
            }
        }
        if !unknown.is_empty() {
            error(
                "Phối hợp",
                format!(
                    "không có trong danh sách của cuộc họp: {}",
                    unknown.join("; ")
                ),
            );
            continue;
        }
        let typed = DirectiveForm {
            body: get("Nội dung chỉ đạo"),
            due: get("Hạn hoàn thành"),
            lead: lead_value,
            supporters,
        };
        match check_directive(&typed, choices) {
            Ok(directive) => {
                if let Some(first) = first_row.insert(directive.body.clone(), row) {
                    error(
                        "Nội dung chỉ đạo",
                        format!("nội dung này đã có ở dòng {first}"),
                    );
                    continue;
                }
                plan.push(directive);
            }
            Err(refusal) => {
                let column = match refusal.field {
                    Some("body") => "Nội dung chỉ đạo",
                    Some("due") => "Hạn hoàn thành",
                    Some("lead") => "Chủ trì",
                    _ => "Phối hợp",
                };
                error(column, refusal.message);
            }
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}
