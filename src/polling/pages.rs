//! Adding, changing and removing a commune's polling areas.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::rules;
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::units::{self, pages::Reach};
use crate::web::conflict::{self, Field};
use crate::web::form::Refusal;
use crate::web::layout::Layout;
use crate::web::{AppError, AppResult, flash, form};

const EDIT: Access = Access::Roles(EDITORS);

pub fn routes() -> Routes {
    Routes::new()
        .post("/units/{level}/{gso_code}/polling-areas", EDIT, create)
        .post("/polling-areas/{id}", EDIT, update)
        .post("/polling-areas/{id}/delete", EDIT, delete)
}

/// A polling area as its form sends it; the commune page draws a refused one again as it was typed.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct AreaForm {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub voters: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub version: i32,
}

impl AreaForm {
    /// The form of a stored area.
    pub fn of(area: &super::AreaRow) -> AreaForm {
        AreaForm {
            number: area.number.to_string(),
            name: area.name.clone(),
            address: area.address.clone().unwrap_or_default(),
            voters: area.voters.to_string(),
            kind: area.kind.clone(),
            version: area.version,
        }
    }
}

#[derive(serde::Serialize)]
struct AreaFields {
    number: i32,
    name: String,
    address: Option<String>,
    voters: i32,
    kind: String,
}

fn check_area(form: &AreaForm) -> Result<AreaFields, Refusal> {
    let number = form
        .number
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Refusal::at("number")("Số khu vực bỏ phiếu phải là số nguyên dương.".into())
        })?;
    let voters = form::count("Số cử tri", &form.voters).map_err(Refusal::at("voters"))?;
    let kind = if form.kind.is_empty() {
        "ordinary"
    } else {
        form.kind.as_str()
    };
    if !rules::KINDS.iter().any(|(code, _)| *code == kind) {
        return Err(Refusal::at("kind")(
            "Loại khu vực bỏ phiếu không hợp lệ.".to_string(),
        ));
    }
    Ok(AreaFields {
        number,
        name: form::text("Tên khu vực", form::Kind::Name, &form.name)
            .map_err(Refusal::at("name"))?
            .unwrap_or_else(|| format!("Khu vực bỏ phiếu số {number}")),
        address: form::text("Địa điểm", form::Kind::Name, &form.address)
            .map_err(Refusal::at("address"))?,
        voters,
        kind: kind.to_string(),
    })
}

/// A new polling area and its polling group, in one transaction: every area has its group.
async fn create(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path((level, gso_code)): Path<(String, String)>,
    Form(form): Form<AreaForm>,
) -> AppResult<Response> {
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let back = units::path(&unit.level, unit.gso_code);
    if unit.level != "commune" {
        return Ok(flash::redirect(&back, "Khu vực bỏ phiếu chỉ lập ở cấp xã."));
    }
    let fields = match check_area(&form) {
        Ok(fields) => fields,
        Err(refusal) => return refused(&state, layout, &user, unit, None, form, refusal).await,
    };
    let Some(election) = crate::elections::current(&state.pool, user.viewer()).await? else {
        return Ok(flash::redirect(&back, "Chưa có cuộc bầu cử nào."));
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let created = sqlx::query_scalar!(
        "INSERT INTO polling_areas (election_id, commune_id, number, name, address, voters, kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (election_id, commune_id, number) DO NOTHING RETURNING id",
        election.id,
        unit.id,
        fields.number,
        fields.name,
        fields.address,
        fields.voters,
        fields.kind
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(area) = created else {
        let refusal = Refusal::at("number")(taken(fields.number));
        return refused(&state, layout, &user, unit, None, form, refusal).await;
    };
    sqlx::query!(
        "INSERT INTO bodies (election_id, kind, unit_id, polling_area_id, name) VALUES ($1, 'polling_group', $2, $3, $4)",
        election.id,
        unit.id,
        area,
        crate::bodies::group_name(fields.number)
    )
    .execute(&mut *tx)
    .await?;
    let event = Event::new("polling_area.created")
        .unit(unit.id)
        .object("polling_area", area)
        .after(serde_json::to_value(&fields).unwrap_or_default());
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    if let Some(warning) = size_warning(&fields, &unit.terrain) {
        return Ok(flash::warning(&back, &warning));
    }
    Ok(flash::redirect(
        &back,
        &format!(
            "Đã thêm khu vực bỏ phiếu số {} và Tổ bầu cử của khu vực.",
            fields.number
        ),
    ))
}

/// What to tell the user who saved an area the law does not allow as it is: it is kept as a draft
/// and shows as a violation until fixed, never under a plain "saved".
fn size_warning(fields: &AreaFields, terrain: &str) -> Option<String> {
    let problem = rules::size_problem(i64::from(fields.voters), &fields.kind, terrain)?;
    Some(format!(
        "Đã lưu khu vực bỏ phiếu số {} như bản nháp, nhưng chưa đúng luật: {}. Khu vực này là vi phạm trong mục Kiểm tra cho đến khi sửa.",
        fields.number, problem
    ))
}

/// "Đã có khu vực bỏ phiếu số 3."
fn taken(number: i32) -> String {
    format!("Đã có khu vực bỏ phiếu số {number}.")
}

/// The commune's page again, with the refused form as it was typed and why: a 422.
async fn refused(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    commune: units::UnitDetail,
    area: Option<i64>,
    form: AreaForm,
    refusal: Refusal,
) -> AppResult<Response> {
    let refused = units::pages::Refused::Area(units::pages::RefusedArea {
        area,
        form,
        refusal,
    });
    let page = units::pages::page(state, layout, user, commune, Some(refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The commune of an area being edited, to draw its page again.
async fn commune_of(state: &AppState, id: i64) -> AppResult<units::UnitDetail> {
    units::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The area's commune, checked to be editable; returns (commune id, page of the commune, before).
async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(i64, String, serde_json::Value)> {
    let row = sqlx::query!(
        r#"SELECT u.id, u.level, u.gso_code, u.ancestors, p.number, p.name, p.address, p.voters, p.kind
             FROM polling_areas p JOIN units u ON u.id = p.commune_id WHERE p.id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.scope.can_edit(&row.ancestors) {
        return Err(AppError::OutOfScope);
    }
    let before = serde_json::json!({
        "number": row.number, "name": row.name, "address": row.address, "voters": row.voters, "kind": row.kind,
    });
    Ok((row.id, crate::units::path(&row.level, row.gso_code), before))
}

async fn update(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<AreaForm>,
) -> AppResult<Response> {
    let (commune, back, before) = load(&state, &user, id).await?;
    let fields = match check_area(&form) {
        Ok(fields) => fields,
        Err(refusal) => {
            let commune = commune_of(&state, commune).await?;
            return refused(&state, layout, &user, commune, Some(id), form, refusal).await;
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let saved = sqlx::query!(
        "UPDATE polling_areas SET number = $3, name = $4, address = $5, voters = $6, kind = $7
          WHERE id = $1 AND version = $2",
        id,
        form.version,
        fields.number,
        fields.name,
        fields.address,
        fields.voters,
        fields.kind
    )
    .execute(&mut *tx)
    .await;
    match saved {
        Ok(done) if done.rows_affected() == 0 => {
            let stored = sqlx::query!(
                "SELECT number, name, address, voters, kind, version FROM polling_areas WHERE id = $1",
                id
            )
            .fetch_one(&mut *tx)
            .await?;
            let fields = vec![
                Field::new("number", "Số", stored.number, &form.number),
                Field::new("name", "Tên", &stored.name, &form.name),
                Field::new(
                    "address",
                    "Địa điểm",
                    stored.address.unwrap_or_default(),
                    &form.address,
                ),
                Field::new("voters", "Số cử tri", stored.voters, &form.voters),
                Field::new("kind", "Loại (mã)", &stored.kind, &form.kind),
            ];
            let what = format!("khu vực bỏ phiếu số {}", stored.number);
            return Ok(conflict::page(
                layout,
                what,
                format!("/polling-areas/{id}"),
                back,
                stored.version,
                fields,
                Vec::new(),
            ));
        }
        Ok(_) => {}
        Err(sqlx::Error::Database(error))
            if error
                .constraint()
                .is_some_and(|c| c.ends_with("_number_key")) =>
        {
            drop(tx);
            let commune = commune_of(&state, commune).await?;
            let refusal = Refusal::at("number")(taken(fields.number));
            return refused(&state, layout, &user, commune, Some(id), form, refusal).await;
        }
        Err(error) => return Err(error.into()),
    }
    let event = Event::new("polling_area.updated")
        .unit(commune)
        .object("polling_area", id)
        .before(before)
        .after(serde_json::to_value(&fields).unwrap_or_default());
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    let terrain = commune_of(&state, commune).await?.terrain;
    if let Some(warning) = size_warning(&fields, &terrain) {
        return Ok(flash::warning(&back, &warning));
    }
    Ok(flash::redirect(&back, "Đã lưu khu vực bỏ phiếu."))
}

async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (commune, back, before) = load(&state, &user, id).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    sqlx::query!("DELETE FROM polling_areas WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    let event = Event::new("polling_area.deleted")
        .unit(commune)
        .object("polling_area", id)
        .before(before);
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &back,
        "Đã xóa khu vực bỏ phiếu và Tổ bầu cử của khu vực.",
    ))
}
