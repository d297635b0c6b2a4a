//! The election's page: its day, and for an administrator the form that moves it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Election, creating, moving};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::ADMINS;
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::constituencies::pages::FormWithLists;
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/election", Access::SignedIn, show)
        .post("/election/day", Access::Roles(ADMINS), move_day)
        .post("/election/choose", Access::SignedIn, choose)
        .post("/election/create", Access::Roles(ADMINS), create)
}

#[derive(Deserialize, Default, Clone, Debug)]
struct MoveForm {
    #[serde(default)]
    election_day: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, Default, Clone, Debug)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    election_day: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    races: Vec<String>,
}

impl CreateForm {
    fn holds(&self, race: &str) -> bool {
        self.races.iter().any(|r| r == race)
    }
}

#[derive(Deserialize)]
struct ChooseForm {
    election_id: i64,
}

/// Which of the page's forms was refused.
enum Refused {
    Move(Refusal),
    Create(Refusal),
}

#[derive(Template, WebTemplate)]
#[template(path = "elections/election.html")]
struct ElectionPage {
    layout: Layout,
    is_admin: bool,
    elections: Vec<Listed>,
    form: MoveForm,
    new: CreateForm,
    error: Option<Refused>,
}

/// An election in the page's list.
struct Listed {
    election: Election,
    is_current: bool,
}

impl ElectionPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        match self.error.as_ref()? {
            Refused::Move(refusal) => refusal.message_at(field),
            Refused::Create(_) => None,
        }
    }

    fn new_error_at(&self, field: &str) -> Option<&str> {
        match self.error.as_ref()? {
            Refused::Create(refusal) => refusal.message_at(field),
            Refused::Move(_) => None,
        }
    }

    fn race_names(&self) -> Vec<(&'static str, &'static str)> {
        creating::RACE_KINDS
            .iter()
            .map(|kind| (*kind, super::race_name(kind)))
            .collect()
    }
}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    form: MoveForm,
    new: CreateForm,
    error: Option<Refused>,
) -> AppResult<ElectionPage> {
    let current = layout.election.as_ref().map(|e| e.id);
    let mut elections = Vec::new();
    for election in super::concerning(super::all(&state.pool).await?, &user.scope) {
        elections.push(Listed {
            is_current: Some(election.id) == current,
            election,
        });
    }
    Ok(ElectionPage {
        layout,
        is_admin: user.role == Role::Admin,
        elections,
        form,
        new,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<ElectionPage> {
    let form = MoveForm {
        election_day: layout
            .election
            .as_ref()
            .map(|e| crate::format::date(e.election_day))
            .unwrap_or_default(),
        reason: String::new(),
    };
    let new = CreateForm {
        races: creating::RACE_KINDS.iter().map(|r| r.to_string()).collect(),
        ..CreateForm::default()
    };
    page(&state, layout, &user, form, new, None).await
}

/// The user works on another election from now on, on every device.
async fn choose(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Form(form): Form<ChooseForm>,
) -> AppResult<Response> {
    let elections = super::concerning(super::all(&state.pool).await?, &user.scope);
    let Some(election) = elections.into_iter().find(|e| e.id == form.election_id) else {
        return Err(AppError::NotFound);
    };
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "UPDATE users SET election_id = $2 WHERE id = $1",
        user.id,
        election.id
    )
    .execute(&mut *tx)
    .await?;
    let event = Event::new("user.election_chosen")
        .object("user", user.id)
        .after(serde_json::json!({ "election_id": election.id }));
    audit::record(&mut tx, &user.actor(&meta), state.clock.now(), event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        "/",
        &format!("Đang làm việc với: {}.", election.name),
    ))
}

/// An administrator creates an election from the legal calendar template.
async fn create(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    FormWithLists(new): FormWithLists<CreateForm>,
) -> AppResult<Response> {
    let checked = match check_new(&state, &new).await? {
        Ok(checked) => checked,
        Err(refusal) => return refused_new(&state, layout, &user, new, refusal).await,
    };
    let mut tx = state.pool.begin().await?;
    let now = state.clock.now();
    let Some(id) = creating::create(&mut tx, &user.actor(&meta), now, &checked).await? else {
        let refusal =
            Refusal::at("election_day")("Đơn vị này đã có một kỳ bầu cử vào ngày này.".to_string());
        return refused_new(&state, layout, &user, new, refusal).await;
    };
    // The administrator goes on with the election just created.
    sqlx::query!(
        "UPDATE users SET election_id = $2 WHERE id = $1",
        user.id,
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    state.election.forget();
    Ok(flash::redirect(
        "/election",
        &format!(
            "Đã tạo kỳ bầu cử ngày {} với lịch các mốc theo luật và danh mục công việc của mọi đơn vị.",
            crate::format::date(checked.day)
        ),
    ))
}

async fn refused_new(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    new: CreateForm,
    refusal: Refusal,
) -> AppResult<Response> {
    let page = page(
        state,
        layout,
        user,
        MoveForm::default(),
        new,
        Some(Refused::Create(refusal)),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The new election as asked, or why not, beside the field at fault.
async fn check_new(
    state: &AppState,
    new: &CreateForm,
) -> AppResult<Result<creating::NewElection, Refusal>> {
    let name = match form::required("Tên kỳ bầu cử", form::Kind::Name, &new.name) {
        Ok(name) => name,
        Err(message) => return Ok(Err(Refusal::at("name")(message))),
    };
    let day = form::date(&new.election_day)
        .and_then(|day| day.ok_or_else(|| "Cần nhập ngày bầu cử.".to_string()))
        .and_then(|day| creating::check_day(day, state.clock.today()).map(|()| day));
    let day = match day {
        Ok(day) => day,
        Err(message) => return Ok(Err(Refusal::at("election_day")(message))),
    };
    let unit = match crate::units::named(&state.pool, new.unit.trim()).await? {
        Ok(unit) => unit,
        Err(message) => return Ok(Err(Refusal::at("unit")(message))),
    };
    let allowed = creating::races_for(&unit.level);
    if new.races.is_empty() {
        return Ok(Err(Refusal::at("races")(
            "Cần chọn ít nhất một cuộc bầu cử.".to_string(),
        )));
    }
    if let Some(race) = new.races.iter().find(|r| !allowed.contains(&r.as_str())) {
        return Ok(Err(Refusal::at("races")(format!(
            "{} không tổ chức cho {}.",
            super::race_name(race),
            unit.name
        ))));
    }
    Ok(Ok(creating::NewElection {
        name,
        day,
        unit_id: unit.id,
        races: new.races.clone(),
    }))
}

async fn move_day(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    // Read afresh: the page's heading may show an election a few seconds old.
    let election = super::required(&state.pool, user.viewer()).await?;
    let today = state.clock.today();
    let checked = form::date(&form.election_day)
        .and_then(|day| day.ok_or_else(|| "Cần nhập ngày bầu cử mới.".to_string()))
        .and_then(|day| moving::check_new_day(election.election_day, day, today).map(|()| day))
        .map_err(Refusal::at("election_day"))
        .and_then(|day| {
            form::required("Lý do", form::Kind::Reason, &form.reason)
                .map(|reason| (day, reason))
                .map_err(Refusal::at("reason"))
        });
    let (day, reason) = match checked {
        Ok(checked) => checked,
        Err(refusal) => {
            let new = CreateForm::default();
            let error = Some(Refused::Move(refusal));
            let page = page(&state, layout, &user, form, new, error).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    let now = state.clock.now();
    moving::move_day(&mut tx, &user.actor(&meta), now, election.id, day, &reason).await?;
    tx.commit().await?;
    state.election.forget();
    Ok(flash::redirect(
        "/election",
        &format!(
            "Đã dời ngày bầu cử sang {}; mọi hạn đã tính lại.",
            crate::format::date(day)
        ),
    ))
}
