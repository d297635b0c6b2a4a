//! `/polling-areas/{id}/logistics`: a commune records, polling area by polling area (on a phone
//! as well), what its polling place has ready; `/logistics`: the readiness of every unit below
//! one, item by item (the heatmap's logistics view).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::logistics::{self, Area, ITEMS, Logistics, PLACE_TYPES, Readiness};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::format;
use crate::units::pages::Reach;
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/polling-areas/{id}/logistics", Access::SignedIn, show)
        .post(
            "/polling-areas/{id}/logistics",
            Access::Roles(EDITORS),
            save,
        )
        .get("/logistics", Access::SignedIn, overview)
        .get("/logistics/{file}", Access::SignedIn, download)
}

#[derive(Template, WebTemplate)]
#[template(path = "polling/logistics.html")]
struct AreaPage {
    layout: Layout,
    area: Area,
    /// What the fields show: stored, or as typed when refused.
    fields: HashMap<String, String>,
    can_edit: bool,
    error: Option<Refusal>,
}

impl AreaPage {
    fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    fn items(&self) -> Vec<(&'static str, bool)> {
        ITEMS
            .iter()
            .zip(self.area.ready())
            .map(|((_, label), ready)| (*label, ready))
            .collect()
    }
    fn place_types(&self) -> &'static [(&'static str, &'static str)] {
        PLACE_TYPES
    }
    fn race_name(&self, kind: &str) -> &'static str {
        crate::elections::race_name(kind)
    }
}

const DATES: &[&str] = &[
    "voter_list_posted_on",
    "candidate_lists_posted_on",
    "boxes_ready_on",
    "seals_ready_on",
    "decoration_ready_on",
    "loudspeaker_ready_on",
    "rehearsal_on",
];

pub(crate) fn stored_fields(area: &Area) -> HashMap<String, String> {
    let l = &area.logistics;
    let day = |d: Option<NaiveDate>| d.map(format::date).unwrap_or_default();
    let mut fields: HashMap<String, String> = [
        ("version", area.version.to_string()),
        ("place", l.place.clone().unwrap_or_default()),
        ("place_type", l.place_type.clone().unwrap_or_default()),
        (
            "accessible",
            if l.accessible { "1" } else { "" }.to_string(),
        ),
        ("voter_list_posted_on", day(l.voter_list_posted_on)),
        (
            "candidate_lists_posted_on",
            day(l.candidate_lists_posted_on),
        ),
        ("ballot_boxes_main", l.ballot_boxes_main.to_string()),
        ("ballot_boxes_aux", l.ballot_boxes_aux.to_string()),
        ("boxes_ready_on", day(l.boxes_ready_on)),
        ("seals_ready_on", day(l.seals_ready_on)),
        ("decoration_ready_on", day(l.decoration_ready_on)),
        ("loudspeaker_ready_on", day(l.loudspeaker_ready_on)),
        ("rehearsal_on", day(l.rehearsal_on)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for b in &area.ballots {
        fields.insert(
            format!("ballots_{}", b.race_id),
            b.received.map(|r| r.to_string()).unwrap_or_default(),
        );
        fields.insert(format!("ballots_on_{}", b.race_id), day(b.received_on));
    }
    fields
}

async fn readable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Area> {
    let area = logistics::area(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.scope.can_read(&area.commune_ancestors) {
        Ok(area)
    } else {
        Err(AppError::OutOfScope)
    }
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<AreaPage> {
    let area = readable(&state, &user, id).await?;
    Ok(AreaPage {
        fields: stored_fields(&area),
        can_edit: user.scope.can_edit(&area.commune_ancestors),
        layout,
        area,
        error: None,
    })
}

/// The typed logistics and ballots, checked.
#[allow(clippy::type_complexity)]
pub(crate) fn check(
    fields: &HashMap<String, String>,
    area: &Area,
    today: NaiveDate,
) -> Result<(Logistics, Vec<(i64, i32, NaiveDate)>), Refusal> {
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    let day = |name: &'static str| -> Result<Option<NaiveDate>, Refusal> {
        let day = form::date(field(name)).map_err(Refusal::at(name))?;
        if let Some(d) = day {
            form::not_after_today("Ngày", d, today).map_err(Refusal::at(name))?;
        }
        Ok(day)
    };
    let count = |name: &'static str, label: &str| -> Result<i32, Refusal> {
        match field(name).trim() {
            "" => Ok(0),
            raw => crate::input::count(label, raw).map_err(Refusal::at(name)),
        }
    };
    let place_type = match field("place_type") {
        "" => None,
        typed => Some(
            PLACE_TYPES
                .iter()
                .find(|(code, _)| *code == typed)
                .map(|(code, _)| code.to_string())
                .ok_or_else(|| {
                    Refusal::at("place_type")("Hãy chọn một mục trong danh sách.".to_string())
                })?,
        ),
    };
    let mut dates = HashMap::new();
    for name in DATES {
        dates.insert(*name, day(name)?);
    }
    let logistics = Logistics {
        place: form::text("Địa điểm bỏ phiếu", form::Kind::Name, field("place"))
            .map_err(Refusal::at("place"))?,
        place_type,
        accessible: !field("accessible").is_empty(),
        voter_list_posted_on: dates["voter_list_posted_on"],
        candidate_lists_posted_on: dates["candidate_lists_posted_on"],
        ballot_boxes_main: count("ballot_boxes_main", "Hòm phiếu chính")?,
        ballot_boxes_aux: count("ballot_boxes_aux", "Hòm phiếu phụ")?,
        boxes_ready_on: dates["boxes_ready_on"],
        seals_ready_on: dates["seals_ready_on"],
        decoration_ready_on: dates["decoration_ready_on"],
        loudspeaker_ready_on: dates["loudspeaker_ready_on"],
        rehearsal_on: dates["rehearsal_on"],
    };
    let mut ballots = Vec::new();
    for race in &area.ballots {
        let amount = format!("ballots_{}", race.race_id);
        let on = format!("ballots_on_{}", race.race_id);
        if field(&amount).trim().is_empty() {
            continue;
        }
        let received =
            crate::input::count("Số phiếu đã nhận", field(&amount)).map_err(|m| Refusal {
                field: None,
                message: m,
            })?;
        let received_on = form::date(field(&on))
            .map_err(|m| Refusal {
                field: None,
                message: m,
            })?
            .ok_or_else(|| Refusal::above("Số phiếu đã nhận cần ngày nhận."))?;
        ballots.push((race.race_id, received, received_on));
    }
    Ok((logistics, ballots))
}

async fn save(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(fields): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let area = readable(&state, &user, id).await?;
    if !user.scope.can_edit(&area.commune_ancestors) {
        return Err(AppError::OutOfScope);
    }
    let refuse = |area: Area, fields: HashMap<String, String>, error: Refusal, status| {
        let page = AreaPage {
            can_edit: true,
            layout,
            area,
            fields,
            error: Some(error),
        };
        (status, page).into_response()
    };
    let (logistics, ballots) = match check(&fields, &area, state.clock.today()) {
        Ok(checked) => checked,
        Err(error) => {
            return Ok(refuse(
                area,
                fields,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let version = fields
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    let mut tx = state.pool.begin().await?;
    if !logistics::save(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &area,
        version,
        &logistics,
        &ballots,
    )
    .await?
    {
        drop(tx);
        let fresh = readable(&state, &user, id).await?;
        let mut fields = fields;
        fields.insert("version".to_string(), fresh.version.to_string());
        let error = Refusal::above(
            "Khu vực này vừa được người khác cập nhật nên chưa lưu; những gì bạn nhập vẫn ở trong ô.",
        );
        return Ok(refuse(fresh, fields, error, StatusCode::CONFLICT));
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/polling-areas/{id}/logistics"),
        "Đã lưu.",
    ))
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default)]
    unit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "polling/readiness.html")]
struct ReadinessPage {
    layout: Layout,
    unit_name: String,
    unit_ref: String,
    rows: Vec<Readiness>,
    total: Readiness,
    /// Whether the user may import the areas' logistics for this unit.
    can_import: bool,
}

impl ReadinessPage {
    fn items(&self) -> &'static [(&'static str, &'static str)] {
        ITEMS
    }
}

/// The readiness of each unit below the one asked for, as XLSX or CSV: the view's table.
async fn download(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(query): Query<UnitQuery>,
) -> AppResult<Response> {
    use crate::web::export::{Cell, Table};
    let (_, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let page = overview(State(state), layout, user, Query(query)).await?;
    let mut headers = vec!["Đơn vị", "Khu vực"];
    headers.extend(ITEMS.iter().map(|(_, label)| *label));
    let table = Table {
        name: "Hau can",
        headers,
        rows: page
            .rows
            .iter()
            .map(|row| {
                let mut cells = vec![Cell::text(row.name.clone()), Cell::Number(row.areas)];
                cells.extend(row.ready.iter().map(|n| Cell::Number(*n)));
                cells
            })
            .collect(),
    };
    table.download("hau-can-khu-vuc-bo-phieu", extension)
}

async fn overview(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<UnitQuery>,
) -> AppResult<ReadinessPage> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?;
    let unit =
        crate::units::pages::from_query(&state.pool, &layout, &user, &query.unit, Reach::Read)
            .await?;
    let (id, name, ancestors) = (unit.id, unit.name, unit.ancestors);
    let unit_ref = format!("{}:{}", unit.level, unit.gso_code);
    let rows = logistics::readiness(&state.pool, election.id, id).await?;
    let total = rows.iter().fold(
        Readiness {
            ready: vec![0; ITEMS.len()],
            ..Readiness::default()
        },
        |mut sum, row| {
            sum.areas += row.areas;
            for (s, r) in sum.ready.iter_mut().zip(&row.ready) {
                *s += r;
            }
            sum
        },
    );
    Ok(ReadinessPage {
        can_import: user.role.edits() && user.scope.can_edit(&ancestors),
        layout,
        unit_name: name,
        unit_ref,
        rows,
        total,
    })
}
