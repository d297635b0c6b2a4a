//! Working a task: its page with the live figures of the structure it is about, recording progress
//! with evidence, the province's review (approve, return, reopen), and "Việc của tôi".

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::TaskLine;
use super::deadline::{self, Status, TaskState};
use super::record::{self, Report, Step};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{AUDITORS, EDITORS};
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::clock::vietnam;
use crate::web::conflict::{self, Field};
use crate::web::{AppError, AppResult, flash, form, format, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/tasks/{id}", Access::SignedIn, show)
        .post("/tasks/{id}", Access::Roles(EDITORS), update)
        .post("/tasks/{id}/approve", Access::Roles(AUDITORS), approve)
        .post("/tasks/{id}/return", Access::Roles(AUDITORS), send_back)
        .post("/tasks/{id}/reopen", Access::Roles(EDITORS), reopen)
        .get("/my-work", Access::SignedIn, my_work)
}

/// A task with its calendar entry, unit and deadline.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Task {
    pub id: i64,
    pub election_id: i64,
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub kind: String,
    pub offset_days: i32,
    pub deadline: NaiveDate,
    pub unit_id: i64,
    pub unit_level: String,
    pub unit_gso_code: i32,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_ancestors: Vec<i64>,
    pub status: String,
    pub status_reason: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub evidence_signer: Option<String>,
    pub note: Option<String>,
    pub review: String,
    pub review_comment: Option<String>,
    pub version: i32,
}

impl Task {
    /// What the task records now, as a change would write it.
    pub fn report(&self) -> Report {
        Report {
            status: Status::parse(&self.status).map_or("not_started", Status::code),
            reason: self.status_reason.clone(),
            evidence_number: self.evidence_number.clone(),
            evidence_date: self.evidence_date,
            evidence_signer: self.evidence_signer.clone(),
            note: self.note.clone(),
        }
    }
    pub fn status_label(&self) -> &'static str {
        deadline::status_label(&self.status)
    }
    pub fn state(&self, today: &NaiveDate) -> TaskState {
        deadline::state_of(&self.status, self.deadline, self.evidence_date, *today)
    }
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
    pub fn unit_href(&self) -> String {
        crate::units::path(&self.unit_level, self.unit_gso_code)
    }
    pub fn review_label(&self) -> &'static str {
        match self.review.as_str() {
            "approved" => "Tỉnh đã duyệt",
            "returned" => "Tỉnh trả lại",
            _ if self.status == "done" => "Chờ tỉnh duyệt",
            _ => "",
        }
    }
}

pub(super) async fn load(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Task> {
    let task = sqlx::query_as!(
        Task,
        r#"SELECT t.id, c.election_id, c.code, c.title_vi, c.title_en, c.kind, c.offset_days,
                  (e.election_day - c.offset_days) AS "deadline!",
                  u.id AS unit_id, u.level AS unit_level, u.gso_code AS unit_gso_code, u.name AS unit_name,
                  u.ancestors AS unit_ancestors, t.status, t.status_reason, t.evidence_number, t.evidence_date,
                  t.evidence_signer, t.note, t.review, t.review_comment, t.version
             FROM tasks t
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
             JOIN units u ON u.id = t.unit_id
            WHERE t.id = $1 AND c.retired_at IS NULL"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.scope.can_read(&task.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    Ok(task)
}

/// The tasks of entry `code` of the communes directly below `district`, in GSO order, in one query.
pub(super) async fn commune_tasks(
    state: &AppState,
    district: i64,
    code: &str,
) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as!(
        Task,
        r#"SELECT t.id, c.election_id, c.code, c.title_vi, c.title_en, c.kind, c.offset_days,
                  (e.election_day - c.offset_days) AS "deadline!",
                  u.id AS unit_id, u.level AS unit_level, u.gso_code AS unit_gso_code, u.name AS unit_name,
                  u.ancestors AS unit_ancestors, t.status, t.status_reason, t.evidence_number, t.evidence_date,
                  t.evidence_signer, t.note, t.review, t.review_comment, t.version
             FROM tasks t
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
             JOIN units u ON u.id = t.unit_id
            WHERE c.code = $2 AND c.retired_at IS NULL AND u.level = 'commune' AND u.parent_id = $1
            ORDER BY u.gso_code"#,
        district,
        code
    )
    .fetch_all(&state.pool)
    .await
}

/// How far the structure a task is about has got, e.g. "3/5 Ban bầu cử có quyết định".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    pub text: String,
    pub complete: bool,
}

/// The live figures for tasks tied to the structure; none for the others.
pub async fn figure(state: &AppState, task: &Task) -> sqlx::Result<Option<Figure>> {
    let figures = figures(state, task.election_id, &task.code, task.unit_id, true).await?;
    Ok(figures.map(|mut f| {
        f.remove(&task.unit_id)
            .unwrap_or_else(|| missing(&task.code))
    }))
}

/// The figure of a unit that has none of the structure yet.
pub(super) fn missing(code: &str) -> Figure {
    match code {
        "election_boards_established" => boards_figure(0, 0),
        "polling_groups_established" => groups_figure(0, 0),
        _ => Figure {
            text: "Chưa có Ủy ban bầu cử".to_string(),
            complete: false,
        },
    }
}

/// How many of a unit's constituencies have an election board with a founding decision.
fn boards_figure(boards: i64, constituencies: i64) -> Figure {
    Figure {
        text: format!(
            "{boards}/{constituencies} đơn vị bầu cử có Ban bầu cử đã có quyết định thành lập"
        ),
        complete: constituencies > 0 && boards == constituencies,
    }
}

/// How many of a commune's polling areas have a polling group with a founding decision.
fn groups_figure(groups: i64, areas: i64) -> Figure {
    Figure {
        text: format!("{groups}/{areas} khu vực bỏ phiếu có Tổ bầu cử đã có quyết định thành lập"),
        complete: areas > 0 && groups == areas,
    }
}

/// The live figures of the entry `code` for `root` alone (`only_root`) or for every unit below it,
/// by unit, in one query; None when the entry is not about the structure.
pub async fn figures(
    state: &AppState,
    election_id: i64,
    code: &str,
    root: i64,
    only_root: bool,
) -> sqlx::Result<Option<HashMap<i64, Figure>>> {
    let mut figures = HashMap::new();
    match code {
        "election_boards_established" => {
            let rows = sqlx::query!(
                r#"SELECT c.unit_id, count(*) AS "constituencies!",
                          count(b.id) FILTER (WHERE b.decision_date IS NOT NULL) AS "boards!"
                     FROM constituencies k
                     JOIN councils c ON c.id = k.council_id
                     JOIN races r ON r.id = c.race_id
                     JOIN units u ON u.id = c.unit_id
                     LEFT JOIN bodies b ON b.constituency_id = k.id AND b.dissolved_at IS NULL
                    WHERE r.election_id = $1
                      AND (CASE WHEN $3 THEN c.unit_id = $2 ELSE u.ancestors @> ARRAY[$2::bigint] END)
                    GROUP BY c.unit_id"#,
                election_id,
                root,
                only_root
            )
            .fetch_all(&state.pool)
            .await?;
            for row in rows {
                figures.insert(row.unit_id, boards_figure(row.boards, row.constituencies));
            }
        }
        "polling_groups_established" => {
            let rows = sqlx::query!(
                r#"SELECT p.commune_id, count(*) AS "areas!",
                          count(b.id) FILTER (WHERE b.decision_date IS NOT NULL) AS "groups!"
                     FROM polling_areas p
                     JOIN units u ON u.id = p.commune_id
                     LEFT JOIN bodies b ON b.polling_area_id = p.id AND b.dissolved_at IS NULL
                    WHERE p.election_id = $1
                      AND (CASE WHEN $3 THEN p.commune_id = $2 ELSE u.ancestors @> ARRAY[$2::bigint] END)
                    GROUP BY p.commune_id"#,
                election_id,
                root,
                only_root
            )
            .fetch_all(&state.pool)
            .await?;
            for row in rows {
                figures.insert(row.commune_id, groups_figure(row.groups, row.areas));
            }
        }
        "election_committee_established" => {
            let today = state.clock.today();
            let committees =
                crate::bodies::summaries(&state.pool, election_id, root, only_root).await?;
            for body in committees
                .into_iter()
                .filter(|b| b.kind == "election_committee")
            {
                let established = body.is_established(today);
                let figure = Figure {
                    complete: established,
                    text: format!(
                        "{}: {} thành viên (luật định {}), {}",
                        body.name,
                        body.member_count()
                            .map_or("chưa rõ".to_string(), |n| n.to_string()),
                        body.range_text(),
                        if established {
                            "đủ điều kiện"
                        } else {
                            "chưa đủ điều kiện"
                        }
                    ),
                };
                figures.insert(body.unit_id, figure);
            }
        }
        _ => return Ok(None),
    }
    Ok(Some(figures))
}

pub struct EventRow {
    pub at: DateTime<Utc>,
    pub full_name: Option<String>,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
}

impl EventRow {
    pub fn when(&self) -> String {
        self.at
            .with_timezone(&vietnam())
            .format("%d/%m/%Y %H:%M")
            .to_string()
    }
    pub fn change(&self) -> String {
        let label =
            |code: &str| Status::parse(code).map_or(code.to_string(), |s| s.label_vi().to_string());
        match &self.from_status {
            Some(from) if from != &self.to_status => {
                format!("{} → {}", label(from), label(&self.to_status))
            }
            _ => label(&self.to_status),
        }
    }
}

pub struct AttachmentRow {
    pub id: i64,
    pub file_name: String,
    pub size_bytes: i32,
}

impl AttachmentRow {
    pub fn size_text(&self) -> String {
        format!(
            "{} KB",
            format::number((i64::from(self.size_bytes) + 1023) / 1024)
        )
    }
}

pub struct StatusChoice {
    pub code: &'static str,
    pub label: &'static str,
}

fn status_choices() -> Vec<StatusChoice> {
    [
        "not_started",
        "in_progress",
        "done",
        "not_applicable",
        "blocked",
    ]
    .into_iter()
    .map(|code| StatusChoice {
        code,
        label: Status::parse(code).map_or("", Status::label_vi),
    })
    .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "checklists/task.html")]
struct TaskPage {
    layout: Layout,
    task: Task,
    form: TaskForm,
    figure: Option<Figure>,
    events: Vec<EventRow>,
    attachments: Vec<AttachmentRow>,
    statuses: Vec<StatusChoice>,
    can_edit: bool,
    can_review: bool,
    today: NaiveDate,
    error: Option<String>,
    /// Shown when marking done while the structure is incomplete.
    confirm_needed: bool,
}

#[derive(Deserialize, Clone, Debug, Default)]
pub struct TaskForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_reason: String,
    #[serde(default)]
    pub evidence_number: String,
    #[serde(default)]
    pub evidence_date: String,
    #[serde(default)]
    pub evidence_signer: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub version: i32,
    /// Ticked to mark done although the live figures show the structure incomplete.
    #[serde(default)]
    pub confirm_incomplete: Option<String>,
    /// The one-time token of this form.
    #[serde(default)]
    pub submission: String,
}

impl TaskForm {
    pub(super) fn of(task: &Task) -> TaskForm {
        TaskForm {
            status: task.status.clone(),
            status_reason: task.status_reason.clone().unwrap_or_default(),
            evidence_number: task.evidence_number.clone().unwrap_or_default(),
            evidence_date: task
                .evidence_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            evidence_signer: task.evidence_signer.clone().unwrap_or_default(),
            note: task.note.clone().unwrap_or_default(),
            version: task.version,
            confirm_incomplete: None,
            submission: String::new(),
        }
    }
}

/// Whether the user reviews the unit's reports: a province officer of its province, or an admin.
fn can_review(user: &CurrentUser, task: &Task) -> bool {
    matches!(user.role, Role::Admin | Role::ProvinceOfficer)
        && user.scope.covers(&task.unit_ancestors)
}

async fn render(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    task: Task,
    form: Option<TaskForm>,
    error: Option<String>,
    confirm_needed: bool,
) -> AppResult<TaskPage> {
    let events = sqlx::query_as!(
        EventRow,
        r#"SELECT e.at, u.full_name AS "full_name?", e.from_status, e.to_status, e.note
             FROM task_events e LEFT JOIN users u ON u.id = e.user_id
            WHERE e.task_id = $1 ORDER BY e.at DESC, e.id DESC"#,
        task.id
    )
    .fetch_all(&state.pool)
    .await?;
    let figure = figure(state, &task).await?;
    let attachments = sqlx::query_as!(
        AttachmentRow,
        "SELECT id, file_name, size_bytes FROM task_attachments WHERE task_id = $1 ORDER BY uploaded_at, id",
        task.id
    )
    .fetch_all(&state.pool)
    .await?;
    let mut form = form.unwrap_or_else(|| TaskForm::of(&task));
    form.submission = crate::auth::session::random_token();
    Ok(TaskPage {
        layout,
        can_edit: user.scope.can_edit(&task.unit_ancestors),
        can_review: can_review(user, &task),
        figure,
        events,
        attachments,
        statuses: status_choices(),
        today: state.clock.today(),
        form,
        task,
        error,
        confirm_needed,
    })
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<TaskPage> {
    let task = load(&state, &user, id).await?;
    render(&state, layout, &user, task, None, None, false).await
}

/// Done needs a dated, numbered, signed document not dated after today; not applicable and
/// blocked need a reason.
pub fn check(form: &TaskForm, today: NaiveDate) -> Result<Report, String> {
    let status = Status::parse(&form.status).ok_or("Trạng thái không hợp lệ.")?;
    let reason = form::text(&form.status_reason);
    let evidence_number = form::text(&form.evidence_number);
    let evidence_signer = form::text(&form.evidence_signer);
    let evidence_date = form::date(&form.evidence_date)?;
    if let Some(date) = evidence_date {
        form::not_after_today("Ngày văn bản", date, today)?;
    }
    match status {
        Status::Done
            if evidence_number.is_none()
                || evidence_date.is_none()
                || evidence_signer.is_none() =>
        {
            return Err(
                "Để ghi \"Đã xong\" cần đủ căn cứ: số văn bản, ngày văn bản và người ký."
                    .to_string(),
            );
        }
        Status::NotApplicable | Status::Blocked if reason.is_none() => {
            return Err(format!(
                "Trạng thái \"{}\" cần ghi lý do.",
                status.label_vi()
            ));
        }
        _ => {}
    }
    let reason = matches!(status, Status::NotApplicable | Status::Blocked)
        .then_some(reason)
        .flatten();
    Ok(Report {
        status: status.code(),
        reason,
        evidence_number,
        evidence_date,
        evidence_signer,
        note: form::text(&form.note),
    })
}

/// The form's one-time token, if it carries one worth deduplicating on.
pub(super) fn one_time_token(token: &str) -> Option<&str> {
    // A form without a token (an old page, a script): nothing to deduplicate on.
    (token.len() >= 20).then_some(token)
}

/// What a form sent a second time is told.
pub(super) const ALREADY_SENT: &str = "Biểu mẫu này đã được gửi; không ghi lại lần nữa.";

/// Whether the form's one-time token is the one that last saved the task: the form was sent
/// again after it saved.
async fn sent_before(state: &AppState, task: i64, token: &str) -> sqlx::Result<bool> {
    let Some(token) = one_time_token(token) else {
        return Ok(false);
    };
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT FROM tasks WHERE id = $1 AND submission = $2) AS "sent!""#,
        task,
        token
    )
    .fetch_one(&state.pool)
    .await
}

async fn update(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<TaskForm>,
) -> AppResult<Response> {
    let back = format!("/tasks/{id}");
    let checked = match check(&form, state.clock.today()) {
        Ok(checked) => checked,
        Err(message) => {
            let task = editable(&state, &user, id).await?;
            let page = render(
                &state,
                layout,
                &user,
                task,
                Some(form),
                Some(message),
                false,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if needs_figures_looked_at(&checked, &form) {
        let task = editable(&state, &user, id).await?;
        if let Some(figure) = figure(&state, &task).await?
            && !figure.complete
        {
            let message = format!(
                "Số liệu hiện có chưa đủ: {}. Xác nhận nếu vẫn ghi \"Đã xong\".",
                figure.text
            );
            let page = render(&state, layout, &user, task, Some(form), Some(message), true).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    }
    let change = record::Change::Report {
        report: &checked,
        submission: one_time_token(&form.submission),
    };
    let mut conn = state.pool.acquire().await?;
    if record::save(
        &mut conn,
        &writer(&state, &user, &meta),
        id,
        form.version,
        change,
    )
    .await?
    {
        return Ok(saved(&back));
    }
    drop(conn);
    // Nothing was written. The task as it is now says why: missing or out of scope (an error), or
    // at another version than the form was drawn from, because the form was sent before (and
    // saved) or someone saved in between.
    let task = editable(&state, &user, id).await?;
    if sent_before(&state, id, &form.submission).await? {
        return Ok(flash::redirect(&back, ALREADY_SENT));
    }
    Ok(conflict_page(layout, task, &form, back))
}

/// Marked done without the confirmation the live figures may ask for: they are looked at first.
pub(super) fn needs_figures_looked_at(checked: &Report, form: &TaskForm) -> bool {
    checked.status == "done" && form.confirm_incomplete.is_none()
}

/// What a saved form is answered.
pub(super) fn saved(back: &str) -> Response {
    flash::redirect(back, "Đã lưu.")
}

/// The task, if the user may edit it.
async fn editable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Task> {
    let task = load(state, user, id).await?;
    if !user.scope.can_edit(&task.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    Ok(task)
}

/// The signed-in user as the writer of a change now.
pub(super) fn writer(state: &AppState, user: &CurrentUser, meta: &RequestMeta) -> record::Writer {
    record::Writer {
        user_id: user.id,
        session_id: Some(user.session_id),
        client_addr: meta.client_addr,
        at: state.clock.now(),
        editable: user.scope.editable(),
    }
}

/// The page shown when the task changed since the form was drawn: the stored values beside the
/// user's, to merge by hand.
fn conflict_page(layout: Layout, stored: Task, form: &TaskForm, back: String) -> Response {
    let fields = vec![
        Field::new("status", "Trạng thái (mã)", &stored.status, &form.status),
        Field::new(
            "status_reason",
            "Lý do",
            stored.status_reason.clone().unwrap_or_default(),
            &form.status_reason,
        ),
        Field::new(
            "evidence_number",
            "Số văn bản",
            stored.evidence_number.clone().unwrap_or_default(),
            &form.evidence_number,
        ),
        Field::new(
            "evidence_date",
            "Ngày văn bản",
            stored
                .evidence_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            &form.evidence_date,
        ),
        Field::new(
            "evidence_signer",
            "Người ký",
            stored.evidence_signer.clone().unwrap_or_default(),
            &form.evidence_signer,
        ),
        Field::new(
            "note",
            "Ghi chú",
            stored.note.clone().unwrap_or_default(),
            &form.note,
        ),
    ];
    let what = format!("công việc \"{}\" của {}", stored.title_vi, stored.unit_name);
    conflict::page(
        layout,
        what,
        back.clone(),
        back,
        stored.version,
        fields,
        Vec::new(),
    )
}

#[derive(Deserialize, Default)]
struct ReviewForm {
    #[serde(default)]
    comment: String,
}

/// A review step: approve, return with a comment, or reopen with a reason.
async fn review(
    state: &AppState,
    user: &CurrentUser,
    meta: &RequestMeta,
    id: i64,
    step: Step,
    comment: Option<String>,
) -> AppResult<Response> {
    let task = load(state, user, id).await?;
    let back = format!("/tasks/{id}");
    let allowed = match step {
        Step::Reopen => user.scope.can_edit(&task.unit_ancestors),
        _ => can_review(user, &task),
    };
    if !allowed {
        return Err(AppError::OutOfScope);
    }
    if task.status != "done" {
        return Ok(flash::redirect(
            &back,
            "Chỉ duyệt, trả lại hoặc mở lại công việc đã xong.",
        ));
    }
    if step != Step::Approve && comment.is_none() {
        return Ok(flash::redirect(&back, "Cần ghi lý do."));
    }
    let current = task.report();
    let change = record::Change::Review {
        step,
        comment: comment.as_deref(),
        current: &current,
    };
    let mut conn = state.pool.acquire().await?;
    if !record::save(
        &mut conn,
        &writer(state, user, meta),
        id,
        task.version,
        change,
    )
    .await?
    {
        return Ok(flash::redirect(
            &back,
            "Công việc vừa được người khác cập nhật; xem lại rồi thử lại.",
        ));
    }
    let message = match step {
        Step::Approve => "Đã duyệt.",
        Step::Return => "Đã trả lại cho đơn vị.",
        Step::Reopen => "Đã mở lại công việc.",
    };
    Ok(flash::redirect(&back, message))
}

async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    review(&state, &user, &meta, id, Step::Approve, None).await
}

async fn send_back(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    review(
        &state,
        &user,
        &meta,
        id,
        Step::Return,
        form::text(&form.comment),
    )
    .await
}

async fn reopen(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    review(
        &state,
        &user,
        &meta,
        id,
        Step::Reopen,
        form::text(&form.comment),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "checklists/my_work.html")]
struct MyWorkPage {
    layout: Layout,
    tasks: Vec<TaskLine>,
    today: NaiveDate,
    overdue: usize,
    due_soon: usize,
    open: usize,
    done: usize,
}

/// The tasks of the user's units: the unit they answer for and, for a district officer, its
/// communes; overdue first, then by deadline. An administrator answers for no unit below the
/// election's own, so their work is that unit's checklist (not every task in the country).
async fn my_work(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<MyWorkPage> {
    let today = state.clock.today();
    let mut tasks = match &layout.election {
        Some(election) => sqlx::query_as!(
            TaskLine,
            r#"SELECT t.id, c.title_vi, c.title_en, u.name AS unit_name, (e.election_day - c.offset_days) AS "deadline!",
                      t.status, t.evidence_date
                 FROM tasks t
                 JOIN calendar_entries c ON c.id = t.calendar_entry_id
                 JOIN elections e ON e.id = c.election_id
                 JOIN units u ON u.id = t.unit_id
                WHERE c.election_id = $1 AND c.retired_at IS NULL
                  AND u.ancestors @> ARRAY[$2::bigint] AND ($3 OR u.id = $2)
                ORDER BY e.election_day - c.offset_days, u.gso_code"#,
            election.id,
            user.scope.unit_id().unwrap_or(election.unit_id),
            user.role == Role::DistrictOfficer
        )
        .fetch_all(&state.pool)
        .await?,
        None => Vec::new(),
    };
    let rank = |state: TaskState| match state {
        TaskState::Overdue => 0,
        TaskState::DueSoon | TaskState::NotDueYet => 1,
        _ => 2,
    };
    tasks.sort_by_key(|task| (rank(task.state(&today)), task.deadline));
    let count = |wanted: &[TaskState]| {
        tasks
            .iter()
            .filter(|t| wanted.contains(&t.state(&today)))
            .count()
    };
    Ok(MyWorkPage {
        overdue: count(&[TaskState::Overdue]),
        due_soon: count(&[TaskState::DueSoon]),
        open: count(&[TaskState::Overdue, TaskState::DueSoon, TaskState::NotDueYet]),
        done: count(&[TaskState::DoneOnTime, TaskState::DoneLate]),
        layout,
        tasks,
        today,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 4, 3).unwrap()
    }

    fn form(status: &str) -> TaskForm {
        TaskForm {
            status: status.to_string(),
            ..TaskForm::default()
        }
    }

    #[test]
    fn done_needs_number_date_and_signer() {
        assert!(check(&form("done"), today()).is_err());
        let mut done = form("done");
        done.evidence_number = "15/QĐ-UBND".into();
        done.evidence_date = "2021-04-02".into();
        assert!(check(&done, today()).is_err(), "no signer");
        done.evidence_signer = "Chủ tịch UBND xã".into();
        assert_eq!(check(&done, today()).unwrap().status, "done");
    }

    #[test]
    fn evidence_cannot_be_dated_in_the_future() {
        let mut done = form("done");
        done.evidence_number = "15/QĐ-UBND".into();
        done.evidence_signer = "Chủ tịch".into();
        done.evidence_date = "2021-04-04".into();
        assert!(
            check(&done, today())
                .unwrap_err()
                .contains("trong tương lai")
        );
        done.evidence_date = "03/04/2021".into();
        assert!(
            check(&done, today()).is_ok(),
            "today itself, written dd/mm/yyyy"
        );
    }

    #[test]
    fn not_applicable_and_blocked_need_a_reason() {
        assert!(check(&form("not_applicable"), today()).is_err());
        assert!(check(&form("blocked"), today()).is_err());
        let mut blocked = form("blocked");
        blocked.status_reason = "Chờ hướng dẫn của tỉnh".into();
        assert_eq!(
            check(&blocked, today()).unwrap().reason.as_deref(),
            Some("Chờ hướng dẫn của tỉnh")
        );
        assert!(check(&form("in_progress"), today()).is_ok());
        assert!(check(&form("finished"), today()).is_err());
    }
}
