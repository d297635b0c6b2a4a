//! Starting mid-campaign: a province or district that begins using the application after some
//! deadlines passed records, for one calendar entry and the units it ticks, what was already done,
//! with the one document that shows it. Such tasks are done but never judged late (their timing
//! was never recorded here), and their history says how they were recorded. Every task is written
//! through the one task record ([`record::save`]), so history and audit are those of any change.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::pages::{BEFORE_GO_LIVE, writer};
use super::record::{self, Report};
use super::tasks::{self, Task};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::units::pages::Reach;
use crate::units::{self, UnitDetail};
use crate::web::form::{self, Refusal};
use crate::web::{AppResult, flash, layout::Layout};

const PATH: &str = "/units/{level}/{gso_code}/before-go-live";

pub fn routes() -> Routes {
    Routes::new()
        .get(PATH, Access::Roles(EDITORS), show)
        .post(PATH, Access::Roles(EDITORS), save)
}

#[derive(Deserialize, Default)]
struct EntryQuery {
    #[serde(default)]
    entry: String,
}

/// The one document every ticked unit's task is recorded with.
#[derive(Default, Clone)]
struct Document {
    number: String,
    date: String,
    signer: String,
    note: String,
}

pub struct EntryChoice {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
}

struct Row {
    task: Task,
    ticked: bool,
}

impl Row {
    fn is_done(&self) -> bool {
        self.task.status == "done"
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "checklists/baseline.html")]
struct BaselinePage {
    layout: Layout,
    unit: UnitDetail,
    entries: Vec<EntryChoice>,
    entry: String,
    rows: Vec<Row>,
    document: Document,
    error: Option<Refusal>,
}

impl BaselinePage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    fn path(&self) -> String {
        format!(
            "/units/{}/{}/before-go-live",
            self.unit.level, self.unit.gso_code
        )
    }
}

/// The level of the units directly below one of this level.
fn child_level(level: &str) -> &'static str {
    match level {
        "country" => "province",
        "province" => "district",
        "district" => "commune",
        _ => "",
    }
}

/// The election's entries that name the unit's level or the level below it, but for those whose
/// tasks follow another record (a consultation, a published list): those are recorded there.
async fn entries(
    state: &AppState,
    layout: &Layout,
    unit: &UnitDetail,
) -> sqlx::Result<Vec<EntryChoice>> {
    let election_id = layout.election.as_ref().map_or(0, |e| e.id);
    sqlx::query_as!(
        EntryChoice,
        "SELECT code, title_vi, title_en FROM calendar_entries
          WHERE election_id = $1 AND retired_at IS NULL AND levels && ARRAY[$2, $3]
            AND code <> ALL($4)
          ORDER BY offset_days DESC, code",
        election_id,
        unit.level,
        child_level(&unit.level),
        &crate::candidates::FOLLOWING_TASKS.map(String::from)
    )
    .fetch_all(&state.pool)
    .await
}

/// The entry's tasks of the unit and the units directly below it that the user may edit.
async fn rows(
    state: &AppState,
    layout: &Layout,
    user: &CurrentUser,
    unit: &UnitDetail,
    entry: &str,
) -> sqlx::Result<Vec<Row>> {
    let Some(election) = &layout.election else {
        return Ok(Vec::new());
    };
    let tasks = tasks::of_children(&state.pool, election.id, unit.id, entry, true).await?;
    Ok(tasks
        .into_iter()
        .filter(|task| user.scope.can_edit(&task.unit_ancestors))
        .map(|task| Row {
            task,
            ticked: false,
        })
        .collect())
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((level, gso_code)): Path<(String, String)>,
    Query(query): Query<EntryQuery>,
) -> AppResult<BaselinePage> {
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let rows = match query.entry.as_str() {
        "" => Vec::new(),
        entry => rows(&state, &layout, &user, &unit, entry).await?,
    };
    let entries = entries(&state, &layout, &unit).await?;
    Ok(BaselinePage {
        layout,
        unit,
        entries,
        entry: query.entry,
        rows,
        document: Document::default(),
        error: None,
    })
}

/// The document as every ticked task records it, or why not, beside the field at fault.
fn check(document: &Document, today: chrono::NaiveDate) -> Result<Report, Refusal> {
    let number = form::required("Số văn bản", form::Kind::Code, &document.number)
        .map_err(Refusal::at("number"))?;
    let date = form::date(&document.date)
        .and_then(|day| day.ok_or_else(|| "Cần nhập ngày văn bản.".to_string()))
        .and_then(|day| form::not_after_today("Ngày văn bản", day, today).map(|()| day))
        .map_err(Refusal::at("date"))?;
    let signer = form::text("Người ký", form::Kind::Name, &document.signer)
        .map_err(Refusal::at("signer"))?;
    let note =
        form::text("Ghi chú", form::Kind::Note, &document.note).map_err(Refusal::at("note"))?;
    Ok(Report {
        status: "done",
        reason: None,
        evidence_number: Some(number),
        evidence_date: Some(date),
        evidence_signer: signer,
        note: Some(note.unwrap_or_else(|| BEFORE_GO_LIVE.to_string())),
        before_go_live: true,
    })
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
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let entry = field("entry");
    let document = Document {
        number: field("number"),
        date: field("date"),
        signer: field("signer"),
        note: field("note"),
    };
    let mut rows = rows(&state, &layout, &user, &unit, &entry).await?;
    for row in &mut rows {
        row.ticked = fields.contains_key(&format!("unit_{}", row.task.id));
    }
    let ticked: Vec<&Row> = rows.iter().filter(|r| r.ticked).collect();
    let checked = match ticked.iter().find(|r| r.is_done()) {
        _ if ticked.is_empty() => Err(Refusal::above("Chưa chọn đơn vị nào.")),
        // The rule of the task form and the bulk page: such a task follows its record.
        _ if let Some(why) = crate::candidates::done_only_by_record(&entry) => {
            Err(Refusal::above(why))
        }
        Some(done) => Err(Refusal::above(format!(
            "{} đã ghi xong công việc này; mở công việc để sửa.",
            done.task.unit_name
        ))),
        None => check(&document, state.clock.today()),
    };
    let report = match checked {
        Ok(report) => report,
        Err(refusal) => return refused(&state, layout, unit, entry, rows, document, refusal).await,
    };
    let writer = writer(&state, &user, &meta);
    let mut tx = state.pool.begin().await?;
    for row in &ticked {
        let change = record::Change::Report {
            report: &report,
            submission: None,
        };
        if !record::save(&mut tx, &writer, row.task.id, row.task.version, change).await? {
            drop(tx);
            let refusal = Refusal::above(format!(
                "Trong lúc bạn nhập, {} vừa được người khác cập nhật; chưa ghi đơn vị nào.",
                row.task.unit_name
            ));
            let fresh = self::rows(&state, &layout, &user, &unit, &entry).await?;
            return refused(&state, layout, unit, entry, fresh, document, refusal).await;
        }
        crate::establishment::task_recorded(&mut tx, &writer, row.task.id).await?;
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/units/{level}/{gso_code}/before-go-live?entry={entry}"),
        &format!(
            "Đã ghi nhận cho {} đơn vị việc đã làm trước khi sử dụng hệ thống.",
            ticked.len()
        ),
    ))
}

async fn refused(
    state: &AppState,
    layout: Layout,
    unit: UnitDetail,
    entry: String,
    rows: Vec<Row>,
    document: Document,
    refusal: Refusal,
) -> AppResult<Response> {
    let entries = entries(state, &layout, &unit).await?;
    let page = BaselinePage {
        layout,
        unit,
        entries,
        entry,
        rows,
        document,
        error: Some(refusal),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
