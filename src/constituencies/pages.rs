//! A council's page: its seat total (computed, or entered with a reason), its constituencies with
//! their seats and the units they cover, and each constituency's election board.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{CouncilRow, councils};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::web::conflict::{self, Field};
use crate::web::form::Refusal;
use crate::web::{AppError, AppResult, flash, form, layout::Layout};

const EDIT: Access = Access::Roles(EDITORS);

pub fn routes() -> Routes {
    Routes::new()
        .get("/councils/{id}", Access::SignedIn, show)
        .post("/councils/{id}", EDIT, set_total)
        .post("/councils/{id}/constituencies", EDIT, create)
        .post("/constituencies/{id}", EDIT, update)
        .post("/constituencies/{id}/delete", EDIT, delete)
        .post("/constituencies/{id}/board", EDIT, create_board)
}

struct Council {
    id: i64,
    election_id: i64,
    race_id: i64,
    kind: String,
    max_seats: i16,
    unit_id: i64,
    unit_level: String,
    unit_gso_code: i32,
    unit_name: String,
    unit_ancestors: Vec<i64>,
}

async fn load(state: &AppState, user: &CurrentUser, id: i64, to_edit: bool) -> AppResult<Council> {
    let council = sqlx::query_as!(
        Council,
        r#"SELECT c.id, r.election_id, r.id AS race_id, r.kind, r.max_seats_per_constituency AS max_seats,
                  u.id AS unit_id, u.level AS unit_level, u.gso_code AS unit_gso_code, u.name AS unit_name,
                  u.ancestors AS unit_ancestors
             FROM councils c JOIN races r ON r.id = c.race_id JOIN units u ON u.id = c.unit_id
            WHERE c.id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let allowed = if to_edit {
        user.scope.can_edit(&council.unit_ancestors)
    } else {
        user.scope.can_read(&council.unit_ancestors)
    };
    if !allowed {
        return Err(AppError::OutOfScope);
    }
    Ok(council)
}

pub struct ConstituencyRow {
    pub id: i64,
    pub number: i32,
    pub name: String,
    pub seats: i32,
    pub version: i32,
    pub covered: Vec<String>,
    pub covered_ids: Vec<i64>,
    pub population: Option<i64>,
    pub voters: Option<i64>,
    pub board_id: Option<i64>,
    pub board_name: Option<String>,
}

impl ConstituencyRow {
    pub fn covers(&self, unit_id: &i64) -> bool {
        self.covered_ids.contains(unit_id)
    }
    pub fn covered_text(&self) -> String {
        self.covered.join(", ")
    }
    pub fn population_text(&self) -> String {
        crate::format::optional_number(self.population)
    }
    pub fn voters_text(&self) -> String {
        crate::format::optional_number(self.voters)
    }
}

/// A unit a constituency of this council may cover: one directly below the council's unit.
pub struct Coverable {
    pub id: i64,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "constituencies/council.html")]
struct CouncilPage {
    layout: Layout,
    council: CouncilRow,
    unit_level: String,
    unit_gso_code: i32,
    unit_name: String,
    max_seats: i16,
    constituencies: Vec<ConstituencyRow>,
    coverable: Vec<Coverable>,
    can_edit: bool,
    /// What breaks the law or does not add up, as the unit's checks say it.
    problems: Vec<crate::checks::Problem>,
    /// A form of the page refused, drawn again as it was typed with why.
    refused: Option<Refused>,
}

/// The forms of a council's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Total,
    NewConstituency,
    Constituency(i64),
}

/// What a refused form of the council page is drawn again with.
enum Typed {
    Total(TotalForm),
    Constituency(ConstituencyForm),
}

struct Refused {
    which: Which,
    typed: Typed,
    refusal: Refusal,
}

impl CouncilPage {
    fn refused(&self, which: Which) -> Option<&Refused> {
        self.refused.as_ref().filter(|r| r.which == which)
    }

    /// Why `which` form was refused, when it is about `field`.
    fn error_at(&self, which: Which, field: &str) -> Option<&str> {
        self.refused(which)?.refusal.message_at(field)
    }

    fn is_refused(&self, which: Which) -> bool {
        self.refused(which).is_some()
    }

    /// The seat total's form: as stored, or as it was typed when refused.
    fn total_form(&self) -> TotalForm {
        match self.refused(Which::Total).map(|r| &r.typed) {
            Some(Typed::Total(typed)) => typed.clone(),
            _ => TotalForm {
                seats_total: self
                    .council
                    .seats_total
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                reason: self.council.seats_total_reason.clone().unwrap_or_default(),
            },
        }
    }

    /// A constituency's form (none: the new one's): as stored, or as typed when refused.
    fn constituency_form(&self, row: Option<&ConstituencyRow>) -> ConstituencyForm {
        let which = row.map_or(Which::NewConstituency, |k| Which::Constituency(k.id));
        match (self.refused(which).map(|r| &r.typed), row) {
            (Some(Typed::Constituency(typed)), _) => typed.clone(),
            (_, Some(k)) => ConstituencyForm {
                number: k.number.to_string(),
                name: k.name.clone(),
                seats: k.seats.to_string(),
                units: k.covered_ids.clone(),
                version: k.version,
            },
            (_, None) => ConstituencyForm::default(),
        }
    }
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<CouncilPage> {
    render(&state, layout, &user, id, None).await
}

/// The council's page again with a refused form as it was typed and why: a 422.
async fn refuse(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    council: i64,
    which: Which,
    typed: Typed,
    refusal: Refusal,
) -> AppResult<Response> {
    let refused = Refused {
        which,
        typed,
        refusal,
    };
    let page = render(state, layout, user, council, Some(refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn render(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
    refused: Option<Refused>,
) -> AppResult<CouncilPage> {
    let council = load(state, user, id, false).await?;
    let row = councils(&state.pool, council.election_id, council.unit_id, true)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)?;
    // Population and voters are derived from the units covered, never typed in.
    let constituencies = sqlx::query_as!(
        ConstituencyRow,
        r#"SELECT k.id, k.number, k.name, k.seats, k.version,
                  coalesce(array_agg(u.name ORDER BY u.gso_code) FILTER (WHERE u.id IS NOT NULL), '{}') AS "covered!",
                  coalesce(array_agg(u.id ORDER BY u.gso_code) FILTER (WHERE u.id IS NOT NULL), '{}') AS "covered_ids!",
                  sum(u.population)::bigint AS population, sum(u.voters)::bigint AS voters,
                  b.id AS "board_id?", b.name AS "board_name?"
             FROM constituencies k
             LEFT JOIN constituency_units cu ON cu.constituency_id = k.id
             LEFT JOIN units u ON u.id = cu.unit_id
             LEFT JOIN bodies b ON b.constituency_id = k.id AND b.dissolved_at IS NULL
            WHERE k.council_id = $1
            GROUP BY k.id, b.id
            ORDER BY k.number"#,
        id
    )
    .fetch_all(&state.pool)
    .await?;
    let coverable = sqlx::query_as!(
        Coverable,
        "SELECT id, name FROM units WHERE parent_id = $1 AND valid_to IS NULL ORDER BY gso_code",
        council.unit_id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(CouncilPage {
        layout,
        problems: crate::checks::council_problems(&row),
        council: row,
        can_edit: user.scope.can_edit(&council.unit_ancestors),
        unit_level: council.unit_level,
        unit_gso_code: council.unit_gso_code,
        unit_name: council.unit_name,
        max_seats: council.max_seats,
        constituencies,
        coverable,
        refused,
    })
}

#[derive(Deserialize, Clone, Debug, Default)]
struct TotalForm {
    #[serde(default)]
    seats_total: String,
    #[serde(default)]
    reason: String,
}

/// Enters the NA seats, or overrides a council's computed total; both need a reason and are audited.
/// A seat total entered, with its reason; none when the total is left to the formula.
fn check_total(form: &TotalForm) -> Result<Option<(i32, String)>, Refusal> {
    if form.seats_total.trim().is_empty() {
        return Ok(None);
    }
    let total = form::count("Tổng số đại biểu", &form.seats_total)
        .ok()
        .filter(|n| (1..=500).contains(n))
        .ok_or_else(|| {
            Refusal::at("seats_total")("Tổng số đại biểu phải là một số nguyên dương.".into())
        })?;
    let reason = form::text("Căn cứ", form::Kind::Reason, &form.reason)
        .and_then(|reason| {
            reason.ok_or_else(|| {
                "Cần ghi căn cứ (văn bản, cơ quan quyết định) cho số đã ấn định.".to_string()
            })
        })
        .map_err(Refusal::at("reason"))?;
    Ok(Some((total, reason)))
}

async fn set_total(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<TotalForm>,
) -> AppResult<Response> {
    let council = load(&state, &user, id, true).await?;
    let back = format!("/councils/{id}");
    let (total, reason) = match check_total(&form) {
        Ok(Some((total, reason))) => (Some(total), Some(reason)),
        Ok(None) => (None, None),
        Err(refusal) => {
            let typed = Typed::Total(form);
            return refuse(&state, layout, &user, id, Which::Total, typed, refusal).await;
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let before = sqlx::query!(
        "SELECT seats_total, seats_total_reason FROM councils WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE councils SET seats_total = $2, seats_total_reason = $3 WHERE id = $1",
        id,
        total,
        reason
    )
    .execute(&mut *tx)
    .await?;
    let event = Event::new("council.seats_set")
        .unit(council.unit_id)
        .object("council", id)
        .before(serde_json::json!({ "seats_total": before.seats_total, "reason": before.seats_total_reason }))
        .after(serde_json::json!({ "seats_total": total, "reason": reason }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(&back, "Đã lưu tổng số đại biểu."))
}

#[derive(Deserialize, Default, Clone, Debug)]
struct ConstituencyForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    seats: String,
    /// The covered units, one `units` field per ticked box.
    #[serde(default)]
    units: Vec<i64>,
    #[serde(default)]
    version: i32,
}

struct ConstituencyFields {
    number: i32,
    name: String,
    seats: i32,
}

fn check_constituency(
    form: &ConstituencyForm,
    max_seats: i16,
) -> Result<ConstituencyFields, Refusal> {
    let number = form
        .number
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Refusal::at("number")("Số thứ tự đơn vị bầu cử phải là số nguyên dương.".into())
        })?;
    let name = form::text("Tên đơn vị bầu cử", form::Kind::Name, &form.name)
        .map_err(Refusal::at("name"))?
        .unwrap_or_else(|| format!("Đơn vị bầu cử số {number}"));
    let seats = form
        .seats
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Refusal::at("seats")("Số đại biểu được bầu phải là số nguyên dương.".into())
        })?;
    if seats > i32::from(max_seats) {
        return Err(Refusal::at("seats")(format!(
            "Mỗi đơn vị bầu cử của cuộc bầu cử này được bầu không quá {max_seats} đại biểu."
        )));
    }
    Ok(ConstituencyFields {
        number,
        name,
        seats,
    })
}

/// Only units directly below the council's unit can be covered, each by one constituency of the race.
async fn check_coverage(
    conn: &mut sqlx::PgConnection,
    council: &Council,
    units: &[i64],
    except: Option<i64>,
) -> AppResult<Result<(), String>> {
    let foreign: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM unnest($1::bigint[]) AS wanted(id)
            WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = wanted.id AND u.parent_id = $2)"#,
        units,
        council.unit_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if foreign > 0 {
        return Ok(Err(
            "Chỉ được chọn các đơn vị hành chính thuộc địa bàn của hội đồng.".to_string(),
        ));
    }
    let taken = sqlx::query_scalar!(
        r#"SELECT u.name || ' (đơn vị bầu cử số ' || k.number || ')' AS "taken!"
             FROM constituency_units cu JOIN constituencies k ON k.id = cu.constituency_id
             JOIN units u ON u.id = cu.unit_id
            WHERE cu.race_id = $1 AND cu.unit_id = ANY($2) AND cu.constituency_id IS DISTINCT FROM $3"#,
        council.race_id,
        units,
        except
    )
    .fetch_all(&mut *conn)
    .await?;
    if !taken.is_empty() {
        return Ok(Err(format!(
            "Một đơn vị hành chính chỉ thuộc một đơn vị bầu cử của cùng cuộc bầu cử; đã thuộc đơn vị khác: {}.",
            taken.join(", ")
        )));
    }
    Ok(Ok(()))
}

async fn create(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    FormWithLists(form): FormWithLists<ConstituencyForm>,
) -> AppResult<Response> {
    let council = load(&state, &user, id, true).await?;
    let back = format!("/councils/{id}");
    let which = Which::NewConstituency;
    let fields = match check_constituency(&form, council.max_seats) {
        Ok(fields) => fields,
        Err(refusal) => {
            let typed = Typed::Constituency(form);
            return refuse(&state, layout, &user, id, which, typed, refusal).await;
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if let Err(message) = check_coverage(&mut tx, &council, &form.units, None).await? {
        drop(tx);
        let (typed, refusal) = (Typed::Constituency(form), Refusal::at("units")(message));
        return refuse(&state, layout, &user, id, which, typed, refusal).await;
    }
    let created = sqlx::query_scalar!(
        "INSERT INTO constituencies (council_id, race_id, number, name, seats) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (council_id, number) DO NOTHING RETURNING id",
        id,
        council.race_id,
        fields.number,
        fields.name,
        fields.seats
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(constituency) = created else {
        drop(tx);
        let refusal = Refusal::at("number")(taken(fields.number));
        let typed = Typed::Constituency(form);
        return refuse(&state, layout, &user, id, which, typed, refusal).await;
    };
    cover(&mut tx, constituency, council.race_id, &form.units).await?;
    let event = Event::new("constituency.created")
        .unit(council.unit_id)
        .object("constituency", constituency)
        .after(serde_json::json!({
            "number": fields.number, "name": fields.name, "seats": fields.seats, "units": form.units,
        }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &back,
        &format!("Đã thêm đơn vị bầu cử số {}.", fields.number),
    ))
}

/// "Đã có đơn vị bầu cử số 2."
fn taken(number: i32) -> String {
    format!("Đã có đơn vị bầu cử số {number}.")
}

async fn cover(
    conn: &mut sqlx::PgConnection,
    constituency: i64,
    race_id: i64,
    units: &[i64],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM constituency_units WHERE constituency_id = $1",
        constituency
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO constituency_units (constituency_id, race_id, unit_id) SELECT $1, $2, unnest($3::bigint[])",
        constituency,
        race_id,
        units
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The constituency's council, checked to be editable.
async fn council_of(state: &AppState, user: &CurrentUser, constituency: i64) -> AppResult<Council> {
    let council_id = sqlx::query_scalar!(
        "SELECT council_id FROM constituencies WHERE id = $1",
        constituency
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    load(state, user, council_id, true).await
}

async fn update(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    FormWithLists(form): FormWithLists<ConstituencyForm>,
) -> AppResult<Response> {
    let council = council_of(&state, &user, id).await?;
    let back = format!("/councils/{}", council.id);
    let which = Which::Constituency(id);
    let fields = match check_constituency(&form, council.max_seats) {
        Ok(fields) => fields,
        Err(refusal) => {
            let typed = Typed::Constituency(form);
            return refuse(&state, layout, &user, council.id, which, typed, refusal).await;
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if let Err(message) = check_coverage(&mut tx, &council, &form.units, Some(id)).await? {
        drop(tx);
        let (typed, refusal) = (Typed::Constituency(form), Refusal::at("units")(message));
        return refuse(&state, layout, &user, council.id, which, typed, refusal).await;
    }
    let before = sqlx::query!(
        "SELECT number, name, seats FROM constituencies WHERE id = $1",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let saved = sqlx::query!(
        "UPDATE constituencies SET number = $3, name = $4, seats = $5 WHERE id = $1 AND version = $2",
        id,
        form.version,
        fields.number,
        fields.name,
        fields.seats
    )
    .execute(&mut *tx)
    .await;
    match saved {
        Ok(done) if done.rows_affected() == 0 => {
            let version =
                sqlx::query_scalar!("SELECT version FROM constituencies WHERE id = $1", id)
                    .fetch_one(&mut *tx)
                    .await?;
            let fields = vec![
                Field::new("number", "Số", before.number, &form.number),
                Field::new("name", "Tên", &before.name, &form.name),
                Field::new("seats", "Số đại biểu", before.seats, &form.seats),
            ];
            // The covered units the user ticked travel along unchanged.
            let hidden = form
                .units
                .iter()
                .map(|u| ("units".to_string(), u.to_string()))
                .collect();
            let what = format!("đơn vị bầu cử số {}", before.number);
            return Ok(conflict::page(
                layout,
                what,
                format!("/constituencies/{id}"),
                back,
                version,
                fields,
                hidden,
            ));
        }
        Ok(_) => {}
        Err(sqlx::Error::Database(error))
            if error.constraint() == Some("constituencies_council_id_number_key") =>
        {
            drop(tx);
            let refusal = Refusal::at("number")(taken(fields.number));
            let typed = Typed::Constituency(form);
            return refuse(&state, layout, &user, council.id, which, typed, refusal).await;
        }
        Err(error) => return Err(error.into()),
    }
    cover(&mut tx, id, council.race_id, &form.units).await?;
    let event = Event::new("constituency.updated")
        .unit(council.unit_id)
        .object("constituency", id)
        .before(serde_json::json!({ "number": before.number, "name": before.name, "seats": before.seats }))
        .after(serde_json::json!({
            "number": fields.number, "name": fields.name, "seats": fields.seats, "units": form.units,
        }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(&back, "Đã lưu đơn vị bầu cử."))
}

async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let council = council_of(&state, &user, id).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let before = sqlx::query!(
        "DELETE FROM constituencies WHERE id = $1 RETURNING number, name, seats",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let event = Event::new("constituency.deleted")
        .unit(council.unit_id)
        .object("constituency", id)
        .before(serde_json::json!({ "number": before.number, "name": before.name, "seats": before.seats }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/councils/{}", council.id),
        "Đã xóa đơn vị bầu cử.",
    ))
}

/// The constituency's election board: one per constituency, of its race.
async fn create_board(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let council = council_of(&state, &user, id).await?;
    let constituency = sqlx::query!("SELECT number FROM constituencies WHERE id = $1", id)
        .fetch_one(&state.pool)
        .await?;
    let name = crate::bodies::board_name(&council.kind, constituency.number);
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let created = sqlx::query_scalar!(
        r#"INSERT INTO bodies (election_id, kind, unit_id, race_id, constituency_id, name)
           SELECT $1, 'election_board', $2, $3, $4, $5
            WHERE NOT EXISTS (SELECT 1 FROM bodies WHERE constituency_id = $4 AND dissolved_at IS NULL)
           RETURNING id"#,
        council.election_id,
        council.unit_id,
        council.race_id,
        id,
        name
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(board) = created else {
        return Ok(flash::redirect(
            &format!("/councils/{}", council.id),
            "Đơn vị bầu cử này đã có Ban bầu cử.",
        ));
    };
    let event = Event::new("body.created")
        .unit(council.unit_id)
        .object("body", board)
        .after(serde_json::json!({ "kind": "election_board", "constituency": id, "name": name }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/bodies/{board}"),
        "Đã tạo Ban bầu cử; hãy ghi quyết định và thêm thành viên.",
    ))
}

/// A form whose repeated fields (`units=1&units=2`) become a list, which axum's `Form` does not do.
pub struct FormWithLists<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for FormWithLists<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|_| AppError::BadRequest("không đọc được biểu mẫu".to_string()))?;
        serde_html_form::from_bytes(&bytes)
            .map(FormWithLists)
            .map_err(|error| AppError::BadRequest(format!("biểu mẫu không hợp lệ: {error}")))
    }
}
