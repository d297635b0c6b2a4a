//! Working a task: its page with the live figures of the structure it is about, recording progress
//! with evidence, the province's review (approve, return, reopen), and "Việc của tôi".

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::deadline::Status;
use super::record::{self, Report};
use super::{figures, tasks};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::clock::vietnam;
use crate::format;
use crate::web::conflict::{self, Field};
use crate::web::form::Refusal;
use crate::web::{AppError, AppResult, flash, form, layout::Layout};

pub use super::figures::Figure;
pub use super::tasks::Task;

/// The task, if the user may read it; out of scope answers as missing.
pub(super) async fn load(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Task> {
    let task = tasks::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.scope.can_read(&task.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    Ok(task)
}

pub fn routes() -> Routes {
    Routes::new()
        .get("/tasks/{id}", Access::SignedIn, show)
        .post("/tasks/{id}", Access::Roles(EDITORS), update)
}

pub struct EventRow {
    pub at: DateTime<Utc>,
    pub full_name: Option<String>,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
    pub before_go_live: bool,
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

/// How history and the task page name a step recorded before the province began using the
/// application.
pub const BEFORE_GO_LIVE: &str = "Ghi nhận việc đã làm trước khi sử dụng hệ thống";

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
    error: Option<Refusal>,
    /// Shown when marking done while the structure is incomplete.
    confirm_needed: bool,
    /// A review's comment refused: which step, what was typed, and why.
    review_refused: Option<(record::Step, String, Refusal)>,
}

impl TaskPage {
    /// The refusal to show beside `field`, if it is that field's.
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }

    /// The refusal to show above the form, if it is about no one field.
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }

    fn review_refused(&self, step: record::Step) -> Option<&(record::Step, String, Refusal)> {
        self.review_refused.as_ref().filter(|(s, _, _)| *s == step)
    }

    /// Why the comment of a return (`reopen` false) or a reopening was refused.
    fn review_error(&self, reopen: bool) -> Option<&str> {
        let (_, _, refusal) = self.review_refused(review_step(reopen))?;
        refusal.message_at("comment")
    }

    /// The comment of a return or a reopening as it was typed when refused.
    fn review_typed(&self, reopen: bool) -> &str {
        self.review_refused(review_step(reopen))
            .map_or("", |(_, typed, _)| typed.as_str())
    }
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
            evidence_date: task.evidence_date.map(format::date).unwrap_or_default(),
            evidence_signer: task.evidence_signer.clone().unwrap_or_default(),
            note: task.note.clone().unwrap_or_default(),
            version: task.version,
            confirm_incomplete: None,
            submission: String::new(),
        }
    }
}

fn review_step(reopen: bool) -> record::Step {
    if reopen {
        record::Step::Reopen
    } else {
        record::Step::Return
    }
}

/// The task page again with a review's comment as it was typed and why: a 422.
pub(super) async fn refuse_review(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    task: Task,
    step: record::Step,
    typed: String,
    refusal: Refusal,
) -> AppResult<Response> {
    let mut page = render(state, layout, user, task, None, None, false).await?;
    page.review_refused = Some((step, typed, refusal));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Whether the user reviews the unit's reports ([`super::delegation::Reviewer`]).
pub(super) async fn can_review(
    state: &AppState,
    user: &CurrentUser,
    task: &Task,
) -> sqlx::Result<bool> {
    let reviewer =
        super::delegation::Reviewer::of(&state.pool, &user.scope, task.election_id).await?;
    Ok(reviewer.may_review(&task.unit_ancestors))
}

async fn render(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    task: Task,
    form: Option<TaskForm>,
    error: Option<Refusal>,
    confirm_needed: bool,
) -> AppResult<TaskPage> {
    let events = sqlx::query_as!(
        EventRow,
        r#"SELECT e.at, u.full_name AS "full_name?", e.from_status, e.to_status, e.note, e.before_go_live
             FROM task_events e LEFT JOIN users u ON u.id = e.user_id
            WHERE e.task_id = $1 ORDER BY e.at DESC, e.id DESC"#,
        task.id
    )
    .fetch_all(&state.pool)
    .await?;
    let figure = figures::figure(&state.pool, state.clock.today(), &task).await?;
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
        can_review: can_review(state, user, &task).await?,
        figure,
        events,
        attachments,
        statuses: status_choices(),
        today: state.clock.today(),
        form,
        task,
        error,
        confirm_needed,
        review_refused: None,
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
pub fn check(form: &TaskForm, today: NaiveDate) -> Result<Report, Refusal> {
    let status = Status::parse(&form.status)
        .ok_or_else(|| Refusal::at("status")("Trạng thái không hợp lệ.".into()))?;
    let reason = form::text("Lý do", form::Kind::Reason, &form.status_reason)
        .map_err(Refusal::at("status_reason"))?;
    let evidence_number = form::text("Số văn bản", form::Kind::Code, &form.evidence_number)
        .map_err(Refusal::at("evidence_number"))?;
    let evidence_signer = form::text("Người ký", form::Kind::Name, &form.evidence_signer)
        .map_err(Refusal::at("evidence_signer"))?;
    let evidence_date = form::date(&form.evidence_date).map_err(Refusal::at("evidence_date"))?;
    if let Some(date) = evidence_date {
        form::not_after_today("Ngày văn bản", date, today).map_err(Refusal::at("evidence_date"))?;
    }
    let note = form::text("Ghi chú", form::Kind::Note, &form.note).map_err(Refusal::at("note"))?;
    match status {
        Status::Done
            if evidence_number.is_none()
                || evidence_date.is_none()
                || evidence_signer.is_none() =>
        {
            let missing = if evidence_number.is_none() {
                "evidence_number"
            } else if evidence_date.is_none() {
                "evidence_date"
            } else {
                "evidence_signer"
            };
            return Err(Refusal::at(missing)(
                "Để ghi \"Đã xong\" cần đủ căn cứ: số văn bản, ngày văn bản và người ký."
                    .to_string(),
            ));
        }
        Status::NotApplicable | Status::Blocked if reason.is_none() => {
            return Err(Refusal::at("status_reason")(format!(
                "Trạng thái \"{}\" cần ghi lý do.",
                status.label_vi()
            )));
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
        note,
        before_go_live: false,
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
        Err(refusal) => {
            let task = editable(&state, &user, id).await?;
            let page = render(
                &state,
                layout,
                &user,
                task,
                Some(form),
                Some(refusal),
                false,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if checked.status == "done" {
        let task = editable(&state, &user, id).await?;
        if let Some(why) = crate::candidates::done_only_by_record(&task.code) {
            let refusal = Refusal::at("status")(why.to_string());
            let page = render(
                &state,
                layout,
                &user,
                task,
                Some(form),
                Some(refusal),
                false,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    }
    if needs_figures_looked_at(&checked, &form) {
        let task = editable(&state, &user, id).await?;
        if let Some(figure) = figures::figure(&state.pool, state.clock.today(), &task).await?
            && !figure.complete
        {
            let message = format!(
                "Số liệu hiện có chưa đủ: {}. Xác nhận nếu vẫn ghi \"Đã xong\".",
                figure.text
            );
            let refusal = Refusal::above(message);
            let page = render(&state, layout, &user, task, Some(form), Some(refusal), true).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    }
    let change = record::Change::Report {
        report: &checked,
        submission: one_time_token(&form.submission),
    };
    // In a transaction, so that a request abandoned at its time limit while the statement
    // waits leaves nothing committed behind it.
    let mut tx = state.pool.begin().await?;
    let writer = writer(&state, &user, &meta);
    if record::save(&mut tx, &writer, id, form.version, change).await? {
        // A task that founds a body records the body's decision in the same transaction.
        crate::establishment::task_recorded(&mut tx, &writer, id).await?;
        tx.commit().await?;
        return Ok(saved(&back));
    }
    drop(tx);
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
pub fn writer(state: &AppState, user: &CurrentUser, meta: &RequestMeta) -> record::Writer {
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
            stored.evidence_date.map(format::date).unwrap_or_default(),
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
                .message
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
