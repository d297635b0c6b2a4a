//! The election's page: its day, and for an administrator the form that moves it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::moving;
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::ADMINS;
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new().get("/election", Access::SignedIn, show).post(
        "/election/day",
        Access::Roles(ADMINS),
        move_day,
    )
}

#[derive(Deserialize, Default, Clone, Debug)]
struct MoveForm {
    #[serde(default)]
    election_day: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "elections/election.html")]
struct ElectionPage {
    layout: Layout,
    can_move: bool,
    form: MoveForm,
    error: Option<Refusal>,
}

impl ElectionPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
}

async fn show(layout: Layout, user: CurrentUser) -> AppResult<ElectionPage> {
    let election = layout.election.clone().ok_or(AppError::NotFound)?;
    Ok(ElectionPage {
        layout,
        can_move: user.role == Role::Admin,
        form: MoveForm {
            election_day: election.election_day.to_string(),
            reason: String::new(),
        },
        error: None,
    })
}

async fn move_day(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    // Read afresh: the page's heading may show an election a few seconds old.
    let election = super::required(&state.pool).await?;
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
            let page = ElectionPage {
                layout,
                can_move: true,
                form,
                error: Some(refusal),
            };
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
