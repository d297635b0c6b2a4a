//! `/agencies`: the province's officers list, add and retire the agencies of their province and
//! its districts.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Agency;
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::AUDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/agencies", Access::Roles(AUDITORS), show)
        .post("/agencies", Access::Roles(AUDITORS), add)
        .post("/agencies/{id}/retire", Access::Roles(AUDITORS), retire)
}

/// A unit an agency may serve: the user's province and its districts.
pub struct Place {
    pub id: i64,
    pub name: String,
}

#[derive(Deserialize, Default)]
struct NewAgency {
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agencies/list.html")]
struct AgenciesPage {
    layout: Layout,
    agencies: Vec<Agency>,
    places: Vec<Place>,
    typed: NewAgency,
    error: Option<Refusal>,
}

impl AgenciesPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    typed: NewAgency,
    error: Option<Refusal>,
) -> AppResult<AgenciesPage> {
    let Some((election, root)) = layout.territory(user) else {
        return Err(AppError::NotFound);
    };
    let agencies = super::below(&state.pool, election, root).await?;
    let places = sqlx::query_as!(
        Place,
        "SELECT id, name FROM units WHERE (id = $1 OR parent_id = $1) AND level IN ('province', 'district')
            AND valid_to IS NULL ORDER BY array_length(ancestors, 1), gso_code",
        root
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(AgenciesPage {
        layout,
        agencies,
        places,
        typed,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<AgenciesPage> {
    page(&state, layout, &user, NewAgency::default(), None).await
}

async fn add(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(typed): Form<NewAgency>,
) -> AppResult<Response> {
    let Some((election, _)) = layout.territory(&user) else {
        return Err(AppError::NotFound);
    };
    let name = form::required("Tên cơ quan", form::Kind::Name, &typed.name);
    let drawn = page(&state, layout, &user, NewAgency::default(), None).await?;
    let unit = typed
        .unit
        .parse::<i64>()
        .ok()
        .filter(|id| drawn.places.iter().any(|p| p.id == *id));
    let refusal = match (&name, unit) {
        (Err(message), _) => Some(Refusal::at("name")(message.clone())),
        (_, None) => Some(Refusal::at("unit")(
            "Chọn tỉnh hoặc một huyện của tỉnh.".to_string(),
        )),
        _ => None,
    };
    if let Some(refusal) = refusal {
        let page = AgenciesPage {
            typed,
            error: Some(refusal),
            ..drawn
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (Ok(name), Some(unit)) = (name, unit) else {
        return Err(AppError::NotFound);
    };
    let mut tx = state.pool.begin().await?;
    let created = super::create(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        election,
        unit,
        &name,
    )
    .await?;
    if created.is_none() {
        drop(tx);
        let page = AgenciesPage {
            typed,
            error: Some(Refusal::at("name")(
                "Đơn vị này đã có cơ quan cùng tên.".to_string(),
            )),
            ..drawn
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    tx.commit().await?;
    Ok(flash::redirect("/agencies", &format!("Đã thêm {name}.")))
}

async fn retire(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let agency = super::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ancestors = crate::users::unit_ancestors(&state.pool, Some(agency.unit_id)).await?;
    let same_election = layout
        .election
        .as_ref()
        .is_some_and(|e| e.id == agency.election_id);
    if !same_election || !user.scope.can_edit(&ancestors) {
        return Err(AppError::OutOfScope);
    }
    let mut tx = state.pool.begin().await?;
    super::retire(&mut tx, &user.actor(&meta), state.clock.now(), &agency).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        "/agencies",
        &format!("Đã thôi theo dõi {}.", agency.name),
    ))
}
