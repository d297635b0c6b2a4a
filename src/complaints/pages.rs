//! `/bodies/{id}/complaints`: an election body's register; `/complaints/{id}`: one complaint and
//! how it is handled.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{CATEGORIES, CHANNELS, Complaint, Handling, NewComplaint, STATUSES, SUBJECTS};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::format;
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/bodies/{id}/complaints", Access::SignedIn, register_page)
        .post("/bodies/{id}/complaints", Access::Roles(EDITORS), register)
        .get("/complaints/{id}", Access::SignedIn, show)
        .post("/complaints/{id}", Access::Roles(EDITORS), handle)
}

/// The body whose register it is.
struct Body {
    id: i64,
    election_id: i64,
    unit_id: i64,
    name: String,
    ancestors: Vec<i64>,
    election_day: NaiveDate,
}

async fn body(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Body> {
    let body = sqlx::query_as!(
        Body,
        "SELECT b.id, b.election_id, b.unit_id, b.name, u.ancestors, e.election_day
           FROM bodies b JOIN units u ON u.id = b.unit_id JOIN elections e ON e.id = b.election_id
          WHERE b.id = $1",
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if user.scope.can_read(&body.ancestors) {
        Ok(body)
    } else {
        Err(AppError::OutOfScope)
    }
}

/// Who sees the person who lodged a complaint: the handling body's own people and the province's
/// officers, that is those who may edit the body's unit.
fn sees_person(user: &CurrentUser, unit_ancestors: &[i64]) -> bool {
    user.scope.can_edit(unit_ancestors)
}

#[derive(Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    person_name: String,
    #[serde(default)]
    person_contact: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "complaints/register.html")]
struct RegisterPage {
    layout: Layout,
    body_id: i64,
    body_name: String,
    complaints: Vec<Complaint>,
    sees_person: bool,
    can_register: bool,
    today: NaiveDate,
    typed: NewForm,
    error: Option<Refusal>,
}

impl RegisterPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn channels(&self) -> &'static [(&'static str, &'static str)] {
        CHANNELS
    }
    fn categories(&self) -> &'static [(&'static str, &'static str)] {
        CATEGORIES
    }
    fn subjects(&self) -> &'static [(&'static str, &'static str)] {
        SUBJECTS
    }
    fn label_of(&self, list: &[(&str, &'static str)], code: &str) -> &'static str {
        super::label(list, code)
    }
    fn statuses(&self) -> &'static [(&'static str, &'static str)] {
        STATUSES
    }
}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    body: Body,
    typed: NewForm,
    error: Option<Refusal>,
) -> AppResult<RegisterPage> {
    let complaints = super::of_body(&state.pool, Some(body.id), None).await?;
    Ok(RegisterPage {
        sees_person: sees_person(user, &body.ancestors),
        can_register: user.scope.can_edit(&body.ancestors),
        today: state.clock.today(),
        layout,
        body_id: body.id,
        body_name: body.name,
        complaints,
        typed,
        error,
    })
}

async fn register_page(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<RegisterPage> {
    let body = body(&state, &user, id).await?;
    page(&state, layout, &user, body, NewForm::default(), None).await
}

fn choose(
    list: &[(&'static str, &'static str)],
    typed: &str,
    field: &'static str,
) -> Result<&'static str, Refusal> {
    list.iter()
        .map(|(code, _)| *code)
        .find(|code| *code == typed)
        .ok_or_else(|| Refusal::at(field)("Hãy chọn một mục trong danh sách.".to_string()))
}

async fn register(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<NewForm>,
) -> AppResult<Response> {
    let body = body(&state, &user, id).await?;
    if !user.scope.can_edit(&body.ancestors) {
        return Err(AppError::OutOfScope);
    }
    let today = state.clock.today();
    let checked = (|| {
        let received_on = form::date(&typed.received_on)
            .map_err(Refusal::at("received_on"))?
            .ok_or_else(|| Refusal::at("received_on")("Cần nhập ngày nhận.".to_string()))?;
        form::not_after_today("Ngày nhận", received_on, today)
            .map_err(Refusal::at("received_on"))?;
        Ok((
            received_on,
            choose(CHANNELS, &typed.channel, "channel")?,
            choose(CATEGORIES, &typed.category, "category")?,
            choose(SUBJECTS, &typed.subject, "subject")?,
            form::required("Nội dung", form::Kind::Reason, &typed.about)
                .map_err(Refusal::at("about"))?,
            form::text("Người gửi", form::Kind::Name, &typed.person_name)
                .map_err(Refusal::at("person_name"))?,
            form::text("Liên hệ", form::Kind::Code, &typed.person_contact)
                .map_err(Refusal::at("person_contact"))?,
        ))
    })();
    let (received_on, channel, category, subject, about, person_name, person_contact) =
        match checked {
            Ok(checked) => checked,
            Err(refusal) => {
                let page = page(&state, layout, &user, body, typed, Some(refusal)).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        };
    let rule = super::rule(&state.pool, subject)
        .await?
        .ok_or(AppError::NotFound)?;
    let due_on = rule.due_on(received_on, body.election_day);
    // Received after the law stops considering such complaints: registered, and closed so.
    let stopped = rule
        .stopped_from(body.election_day)
        .filter(|stop| received_on > *stop);
    let complaint = NewComplaint {
        election_id: body.election_id,
        body_id: body.id,
        unit_id: body.unit_id,
        received_on,
        channel,
        category,
        subject,
        about,
        person_name,
        person_contact,
        due_on,
        not_considered: stopped.map(|stop| {
            format!(
                "Nhận sau ngày {}, khi luật đã ngừng xem xét khiếu nại, tố cáo về việc này.",
                format::date(stop)
            )
        }),
    };
    let now = state.clock.now();
    let actor = user.actor(&meta);
    let mut tx = state.pool.begin().await?;
    let new = super::register(&mut tx, &actor, now, &complaint).await?;
    tx.commit().await?;
    let message = if stopped.is_some() {
        "Đã vào sổ; đơn nhận sau thời điểm luật ngừng xem xét nên ghi là không xem xét."
    } else {
        "Đã vào sổ."
    };
    Ok(flash::redirect(&format!("/complaints/{new}"), message))
}

#[derive(Deserialize, Default, Clone)]
struct HandleForm {
    #[serde(default)]
    version: i32,
    #[serde(default)]
    status: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    evidence_number: String,
    #[serde(default)]
    evidence_date: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "complaints/show.html")]
struct ComplaintPage {
    layout: Layout,
    complaint: Complaint,
    sees_person: bool,
    can_handle: bool,
    today: NaiveDate,
    typed: HandleForm,
    error: Option<Refusal>,
}

impl ComplaintPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    fn label_of(&self, list: &[(&str, &'static str)], code: &str) -> &'static str {
        super::label(list, code)
    }
    fn lists(&self) -> [&'static [(&'static str, &'static str)]; 4] {
        [CHANNELS, CATEGORIES, SUBJECTS, STATUSES]
    }
}

async fn readable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Complaint> {
    let complaint = super::of_body(&state.pool, None, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    if user.scope.can_read(&complaint.unit_ancestors) {
        Ok(complaint)
    } else {
        Err(AppError::OutOfScope)
    }
}

fn form_of(complaint: &Complaint) -> HandleForm {
    HandleForm {
        version: complaint.version,
        status: complaint.status.clone(),
        outcome: complaint.outcome.clone().unwrap_or_default(),
        evidence_number: complaint.evidence_number.clone().unwrap_or_default(),
        evidence_date: complaint
            .evidence_date
            .map(format::date)
            .unwrap_or_default(),
    }
}

fn complaint_page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    complaint: Complaint,
    typed: Option<HandleForm>,
    error: Option<Refusal>,
) -> ComplaintPage {
    ComplaintPage {
        sees_person: sees_person(user, &complaint.unit_ancestors),
        can_handle: user.scope.can_edit(&complaint.unit_ancestors),
        today: state.clock.today(),
        typed: typed.unwrap_or_else(|| form_of(&complaint)),
        layout,
        complaint,
        error,
    }
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<ComplaintPage> {
    let complaint = readable(&state, &user, id).await?;
    Ok(complaint_page(&state, layout, &user, complaint, None, None))
}

fn check_handling(typed: &HandleForm, today: NaiveDate) -> Result<Handling, Refusal> {
    let status = choose(STATUSES, &typed.status, "status")?;
    let outcome = form::text("Kết quả giải quyết", form::Kind::Reason, &typed.outcome)
        .map_err(Refusal::at("outcome"))?;
    let evidence_number = form::text("Số văn bản", form::Kind::Code, &typed.evidence_number)
        .map_err(Refusal::at("evidence_number"))?;
    let evidence_date = form::date(&typed.evidence_date).map_err(Refusal::at("evidence_date"))?;
    if let Some(day) = evidence_date {
        form::not_after_today("Ngày văn bản", day, today).map_err(Refusal::at("evidence_date"))?;
    }
    if matches!(status, "resolved" | "not_handled") && outcome.is_none() {
        return Err(Refusal::at("outcome")(
            "Cần ghi kết quả giải quyết.".to_string(),
        ));
    }
    if status == "resolved" && (evidence_number.is_none() || evidence_date.is_none()) {
        return Err(Refusal::at("evidence_number")(
            "Để ghi \"Đã giải quyết\" cần số và ngày của văn bản trả lời.".to_string(),
        ));
    }
    Ok(Handling {
        status,
        outcome,
        evidence_number,
        evidence_date,
    })
}

async fn handle(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<HandleForm>,
) -> AppResult<Response> {
    let complaint = readable(&state, &user, id).await?;
    if !user.scope.can_edit(&complaint.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    let handling = match check_handling(&typed, state.clock.today()) {
        Ok(handling) => handling,
        Err(refusal) => {
            let page = complaint_page(&state, layout, &user, complaint, Some(typed), Some(refusal));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    if !super::handle(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &complaint,
        typed.version,
        &handling,
    )
    .await?
    {
        drop(tx);
        let fresh = readable(&state, &user, id).await?;
        let refusal = Refusal::above(
            "Đơn này vừa được người khác cập nhật nên chưa lưu; những gì bạn nhập vẫn ở trong ô.",
        );
        let typed = HandleForm {
            version: fresh.version,
            ..typed
        };
        let page = complaint_page(&state, layout, &user, fresh, Some(typed), Some(refusal));
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    tx.commit().await?;
    Ok(flash::redirect(&format!("/complaints/{id}"), "Đã lưu."))
}
