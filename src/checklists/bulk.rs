//! Recording one step for many communes at once: a district officer ticks the communes, gives each
//! its own evidence, and saves them together. Every row is checked first; one bad row writes nothing.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::figures::{Figure, figures, missing};
use super::pages::{
    ALREADY_SENT, TaskForm, check, needs_figures_looked_at, one_time_token, writer,
};
use super::record::{self, Report};
use super::tasks::{self, Task};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::units::pages::Reach;
use crate::units::{self, UnitDetail};
use crate::web::form::Refusal;
use crate::web::{AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get(
            "/units/{level}/{gso_code}/bulk",
            Access::Roles(EDITORS),
            form,
        )
        .post(
            "/units/{level}/{gso_code}/bulk",
            Access::Roles(EDITORS),
            save,
        )
}

#[derive(Deserialize, Default)]
struct EntryQuery {
    #[serde(default)]
    entry: String,
}

pub struct Row {
    pub task: Task,
    pub figure: Option<Figure>,
    /// Why the row was not written: beside its field, or under the row when about no one field.
    pub error: Option<Refusal>,
    /// What the row's fields show: the stored values, or what was typed before an error.
    pub form: TaskForm,
    pub applied: bool,
    /// What a ticked row records, once its fields passed the checks.
    pub report: Option<Report>,
}

impl Row {
    /// The row's refusal, when it is about `field`.
    pub fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    /// The row's refusal, when it is about the row as a whole.
    pub fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
}

pub struct EntryChoice {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "checklists/bulk.html")]
struct BulkPage {
    layout: Layout,
    unit: UnitDetail,
    entries: Vec<EntryChoice>,
    entry: String,
    rows: Vec<Row>,
    submission: String,
    error: Option<String>,
}

/// The commune tasks of an entry below a district, each checked readable and editable.
async fn rows(
    state: &AppState,
    user: &CurrentUser,
    unit: &UnitDetail,
    entry: &str,
) -> AppResult<Vec<Row>> {
    let Some(election) = crate::elections::current(&state.pool, user.viewer()).await? else {
        return Ok(Vec::new());
    };
    let election_id = election.id;
    // Every row is a commune below the district the user may edit: read in two queries, not per row.
    let tasks = tasks::of_children(&state.pool, election_id, unit.id, entry, false).await?;
    let mut figures = figures(
        &state.pool,
        state.clock.today(),
        election_id,
        entry,
        unit.id,
        false,
    )
    .await?;
    let rows = tasks
        .into_iter()
        .filter(|task| user.scope.can_edit(&task.unit_ancestors))
        .map(|task| Row {
            figure: figures.as_mut().map(|f| {
                f.remove(&task.unit_id)
                    .unwrap_or_else(|| missing(&task.code))
            }),
            form: TaskForm::of(&task),
            task,
            error: None,
            applied: false,
            report: None,
        })
        .collect();
    Ok(rows)
}

async fn entries(state: &AppState, layout: &Layout) -> sqlx::Result<Vec<EntryChoice>> {
    let election_id = layout.election.as_ref().map_or(0, |e| e.id);
    sqlx::query_as!(
        EntryChoice,
        "SELECT code, title_vi, title_en FROM calendar_entries
          WHERE election_id = $1 AND 'commune' = ANY (levels) AND retired_at IS NULL
          ORDER BY offset_days DESC, code",
        election_id
    )
    .fetch_all(&state.pool)
    .await
}

async fn form(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((level, gso_code)): Path<(String, String)>,
    Query(query): Query<EntryQuery>,
) -> AppResult<BulkPage> {
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let rows = if query.entry.is_empty() {
        Vec::new()
    } else {
        rows(&state, &user, &unit, &query.entry).await?
    };
    let entries = entries(&state, &layout).await?;
    Ok(BulkPage {
        layout,
        unit,
        entries,
        entry: query.entry,
        rows,
        submission: crate::auth::session::random_token(),
        error: None,
    })
}

/// The fields of one row, named `<field>_<task id>` in the form.
fn row_form(fields: &HashMap<String, String>, task: i64) -> TaskForm {
    let get = |name: &str| {
        fields
            .get(&format!("{name}_{task}"))
            .cloned()
            .unwrap_or_default()
    };
    TaskForm {
        status: get("status"),
        status_reason: get("reason"),
        evidence_number: get("number"),
        evidence_date: get("date"),
        evidence_signer: get("signer"),
        note: get("note"),
        version: get("version").parse().unwrap_or_default(),
        confirm_incomplete: fields.get("confirm_incomplete").cloned(),
        submission: String::new(),
    }
}

async fn save(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path((level, gso_code)): Path<(String, String)>,
    Form(fields): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let entry = fields.get("entry").cloned().unwrap_or_default();
    let today = state.clock.today();
    let mut rows = rows(&state, &user, &unit, &entry).await?;
    let mut problems = 0;
    for row in &mut rows {
        row.applied = fields.contains_key(&format!("apply_{}", row.task.id));
        if !row.applied {
            continue;
        }
        row.form = row_form(&fields, row.task.id);
        match check(&row.form, today) {
            Err(refusal) => row.error = Some(refusal),
            Ok(checked) => {
                let incomplete = row.figure.as_ref().filter(|f| !f.complete);
                match incomplete.filter(|_| needs_figures_looked_at(&checked, &row.form)) {
                    Some(figure) => {
                        row.error = Some(Refusal::above(format!(
                            "Số liệu chưa đủ ({}); đánh dấu ô xác nhận nếu vẫn ghi \"Đã xong\".",
                            figure.text
                        )))
                    }
                    None => match crate::candidates::done_only_by_record(&row.task.code) {
                        Some(why) if checked.status == "done" => {
                            row.error = Some(Refusal::at("status")(why.to_string()))
                        }
                        _ => row.report = Some(checked),
                    },
                }
            }
        }
        problems += usize::from(row.error.is_some());
    }
    let applied = rows.iter().filter(|r| r.applied).count();
    let page = |layout, rows, error: String| BulkPage {
        layout,
        unit: unit.clone(),
        entries: Vec::new(),
        entry: entry.clone(),
        rows,
        submission: crate::auth::session::random_token(),
        error: Some(error),
    };
    if applied == 0 {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(layout, rows, "Chưa chọn xã nào.".to_string()),
        )
            .into_response());
    }
    if problems > 0 {
        let message = format!("{problems} dòng chưa hợp lệ; chưa ghi dòng nào. Sửa rồi lưu lại.");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(layout, rows, message),
        )
            .into_response());
    }

    let mut tx = state.pool.begin().await?;
    let back = format!("/units/{level}/{gso_code}/bulk?entry={entry}");
    if !first_submission(
        &mut tx,
        fields.get("submission").map_or("", String::as_str),
        user.id,
    )
    .await?
    {
        return Ok(flash::redirect(&back, ALREADY_SENT));
    }
    let mut conflicts = Vec::new();
    let writer = writer(&state, &user, &meta);
    for row in rows.iter().filter(|r| r.applied) {
        let Some(report) = &row.report else {
            continue;
        };
        let change = record::Change::Report {
            report,
            submission: None,
        };
        if record::save(&mut tx, &writer, row.task.id, row.form.version, change).await? {
            crate::establishment::task_recorded(&mut tx, &writer, row.task.id).await?;
        } else {
            conflicts.push(row.task.unit_name.clone());
        }
    }
    if !conflicts.is_empty() {
        // Someone changed these rows meanwhile: write nothing, show the fresh data.
        drop(tx);
        // The fresh data, with what the user typed kept in every row they ticked.
        let mut fresh = self::rows(&state, &user, &unit, &entry).await?;
        for row in &mut fresh {
            if let Some(typed) = rows.iter().find(|r| r.applied && r.task.id == row.task.id) {
                row.applied = true;
                row.form = TaskForm {
                    version: row.task.version,
                    ..typed.form.clone()
                };
                if conflicts.contains(&row.task.unit_name) {
                    row.error = Some(Refusal::above(format!(
                        "Vừa được cập nhật thành \"{}\".",
                        row.task.status_label()
                    )));
                }
            }
        }
        let message = format!(
            "Trong lúc bạn nhập, {} vừa được người khác cập nhật; chưa ghi dòng nào. Dưới đây là số liệu mới nhất.",
            conflicts.join(", ")
        );
        return Ok((StatusCode::CONFLICT, page(layout, fresh, message)).into_response());
    }
    tx.commit().await?;
    Ok(flash::redirect(&back, &format!("Đã ghi cho {applied} xã.")))
}

/// Records the form's one-time token; false when it was already used (a second submission). A
/// task form keeps its token on the one task it saves (`tasks.submission`); this form saves many,
/// so its token has a row of its own.
async fn first_submission(
    conn: &mut sqlx::PgConnection,
    token: &str,
    user_id: i64,
) -> sqlx::Result<bool> {
    let Some(token) = one_time_token(token) else {
        return Ok(true);
    };
    let inserted = sqlx::query!(
        "INSERT INTO form_submissions (token, user_id) VALUES ($1, $2) ON CONFLICT (token) DO NOTHING",
        token,
        user_id
    )
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}
