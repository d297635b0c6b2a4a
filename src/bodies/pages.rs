//! A body's page: its decision, its members and its problems; creating, editing and dissolving
//! bodies; adding, editing and removing members. Officers act within their scope, steering members
//! read. Every change is audited in its transaction; an edit that lost a race answers 409.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{BodySummary, MEMBER_ROLES, member_role_vi};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::imports::Upload;
use crate::units::{self, pages::Reach};
use crate::web::conflict::{self, Field};
use crate::web::form::Refusal;
use crate::web::{AppError, AppResult, flash, form, layout::Layout};

const EDIT: Access = Access::Roles(EDITORS);

pub fn routes() -> Routes {
    Routes::new()
        .get("/bodies/{id}", Access::SignedIn, show)
        .post("/bodies/{id}", EDIT, update)
        .post("/bodies/{id}/dissolve", EDIT, dissolve)
        .post("/bodies/{id}/members", EDIT, add_member)
        .post("/bodies/{id}/members/paste", EDIT, paste_members)
        .post("/bodies/{id}/members/import", EDIT, import_members)
        .get(
            "/import/members-template.xlsx",
            Access::SignedIn,
            members_template,
        )
        .post("/members/{id}", EDIT, update_member)
        .post("/members/{id}/delete", EDIT, remove_member)
        .post("/units/{level}/{gso_code}/bodies", EDIT, create)
}

/// The body, checked to be in the user's reach: readable to see, editable to change.
struct Loaded {
    body: BodyRecord,
    summary: BodySummary,
}

#[derive(Clone, Debug, serde::Serialize)]
struct BodyRecord {
    id: i64,
    election_id: i64,
    unit_id: i64,
    #[serde(skip)]
    unit_ancestors: Vec<i64>,
    name: String,
    decision_number: Option<String>,
    decision_date: Option<NaiveDate>,
    decision_signer: Option<String>,
    reported_member_count: Option<i32>,
    version: i32,
}

async fn load(state: &AppState, user: &CurrentUser, id: i64, to_edit: bool) -> AppResult<Loaded> {
    let body = sqlx::query_as!(
        BodyRecord,
        r#"SELECT b.id, b.election_id, b.unit_id, u.ancestors AS unit_ancestors, b.name, b.decision_number,
                  b.decision_date, b.decision_signer, b.reported_member_count, b.version
             FROM bodies b JOIN units u ON u.id = b.unit_id
            WHERE b.id = $1 AND b.dissolved_at IS NULL"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let allowed = if to_edit {
        user.scope.can_edit(&body.unit_ancestors)
    } else {
        user.scope.can_read(&body.unit_ancestors)
    };
    if !allowed {
        return Err(AppError::OutOfScope);
    }
    let summary = super::summaries(&state.pool, body.election_id, body.unit_id, true)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(Loaded { body, summary })
}

pub struct MemberRow {
    pub id: i64,
    pub full_name: String,
    pub role: String,
    pub position: Option<String>,
    pub phone: Option<String>,
    pub version: i32,
}

impl MemberRow {
    pub fn role_vi(&self) -> &'static str {
        member_role_vi(&self.role)
    }
}

pub struct RoleChoice {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "bodies/show.html")]
struct BodyPage {
    layout: Layout,
    summary: BodySummary,
    form: BodyForm,
    members: Vec<MemberRow>,
    roles: Vec<RoleChoice>,
    problems: Vec<super::Problem>,
    can_edit: bool,
    /// A form of the page refused, drawn again as it was typed with why.
    refused: Option<(Which, Refusal)>,
    /// The member form refused, as it was typed.
    member_form: Option<MemberForm>,
    /// The reason to dissolve refused, as it was typed.
    dissolve_reason: String,
    /// A pasted list refused, as it was pasted, and what is wrong with its rows.
    pasted: String,
    paste_problems: Vec<super::roster::RowProblem>,
}

/// The forms of a body's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Decision,
    NewMember,
    Member(i64),
    Dissolve,
    Paste,
}

impl BodyPage {
    /// Why `which` form was refused, when it is about `field`.
    fn error_at(&self, which: Which, field: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|(w, _)| *w == which)?
            .1
            .message_at(field)
    }

    /// Why `which` form was refused, when it is about no one field.
    fn error_above(&self, which: Which) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|(w, _)| *w == which)?
            .1
            .message_above()
    }

    /// The body's size outside the law's range, said beside the member count and the list.
    fn size_warning(&self) -> Option<String> {
        self.problems
            .iter()
            .find(|p| matches!(p, super::Problem::MembersOutsideRange { .. }))
            .map(ToString::to_string)
    }

    fn is_refused(&self, which: Which) -> bool {
        self.refused.as_ref().is_some_and(|(w, _)| *w == which)
    }

    /// A member's form: as stored, or as it was typed when refused.
    fn member_form_of(&self, member: &MemberRow) -> MemberForm {
        match &self.member_form {
            Some(typed) if self.is_refused(Which::Member(member.id)) => typed.clone(),
            _ => MemberForm::of(member),
        }
    }

    /// The new member's form: empty, or as it was typed when refused.
    fn new_member(&self) -> MemberForm {
        match &self.member_form {
            Some(typed) if self.is_refused(Which::NewMember) => typed.clone(),
            _ => MemberForm {
                role: "member".to_string(),
                ..MemberForm::default()
            },
        }
    }
}

/// What a refused form of the body page is drawn again with.
#[derive(Default)]
struct Typed {
    decision: Option<BodyForm>,
    member: Option<MemberForm>,
    dissolve_reason: String,
    pasted: String,
    paste_problems: Vec<super::roster::RowProblem>,
}

async fn render(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    loaded: Loaded,
    typed: Typed,
    refused: Option<(Which, Refusal)>,
) -> AppResult<BodyPage> {
    let members = sqlx::query_as!(
        MemberRow,
        r#"SELECT id, full_name, role, position, phone, version FROM body_members WHERE body_id = $1
            ORDER BY array_position(ARRAY['chair', 'deputy', 'secretary', 'member'], role), full_name"#,
        loaded.body.id
    )
    .fetch_all(&state.pool)
    .await?;
    let today = state.clock.today();
    Ok(BodyPage {
        problems: loaded.summary.problems(today),
        can_edit: user.scope.can_edit(&loaded.body.unit_ancestors),
        form: typed.decision.unwrap_or_else(|| BodyForm::of(&loaded.body)),
        summary: loaded.summary,
        members,
        roles: MEMBER_ROLES
            .iter()
            .map(|code| RoleChoice {
                code,
                label: member_role_vi(code),
            })
            .collect(),
        layout,
        refused,
        member_form: typed.member,
        dissolve_reason: typed.dissolve_reason,
        pasted: typed.pasted,
        paste_problems: typed.paste_problems,
    })
}

/// After a save, back to the body's page: "saved", or, when the body's size is now outside the
/// law's range, a warning that says so. It is kept (a list is entered a member at a time) and
/// stays a violation in the checks until fixed, but never under a plain "saved".
async fn back_to_body(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    message: &str,
) -> AppResult<Response> {
    let back = format!("/bodies/{id}");
    let loaded = load(state, user, id, false).await?;
    let outside = loaded
        .summary
        .problems(state.clock.today())
        .into_iter()
        .find(|p| matches!(p, super::Problem::MembersOutsideRange { .. }));
    Ok(match outside {
        Some(problem) => flash::warning(
            &back,
            &format!(
                "{message} Nhưng chưa đúng luật: {problem}. Tổ chức này là vi phạm trong mục Kiểm tra cho đến khi sửa."
            ),
        ),
        None => flash::redirect(&back, message),
    })
}

/// The body's page again with a refused form as it was typed and why: a 422.
async fn refuse(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    body: i64,
    typed: Typed,
    which: Which,
    refusal: Refusal,
) -> AppResult<Response> {
    let loaded = load(state, user, body, true).await?;
    let page = render(state, layout, user, loaded, typed, Some((which, refusal))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<BodyPage> {
    let loaded = load(&state, &user, id, false).await?;
    render(&state, layout, &user, loaded, Typed::default(), None).await
}

#[derive(Deserialize, Clone, Debug, Default)]
pub struct BodyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub decision_number: String,
    #[serde(default)]
    pub decision_date: String,
    #[serde(default)]
    pub decision_signer: String,
    #[serde(default)]
    pub reported_member_count: String,
    #[serde(default)]
    pub version: i32,
}

impl BodyForm {
    fn of(body: &BodyRecord) -> BodyForm {
        BodyForm {
            name: body.name.clone(),
            decision_number: body.decision_number.clone().unwrap_or_default(),
            decision_date: body
                .decision_date
                .map(crate::format::date)
                .unwrap_or_default(),
            decision_signer: body.decision_signer.clone().unwrap_or_default(),
            reported_member_count: body
                .reported_member_count
                .map(|n| n.to_string())
                .unwrap_or_default(),
            version: body.version,
        }
    }
}

/// The form's fields, checked.
struct BodyFields {
    name: String,
    decision_number: Option<String>,
    decision_date: Option<NaiveDate>,
    decision_signer: Option<String>,
    reported_member_count: Option<i32>,
}

fn check_body(form: &BodyForm, today: NaiveDate) -> Result<BodyFields, Refusal> {
    let name =
        form::required("Tên tổ chức", form::Kind::Name, &form.name).map_err(Refusal::at("name"))?;
    let decision_number = form::text("Số quyết định", form::Kind::Code, &form.decision_number)
        .map_err(Refusal::at("decision_number"))?;
    let decision_date = form::date(&form.decision_date).map_err(Refusal::at("decision_date"))?;
    if let Some(date) = decision_date {
        form::not_after_today("Ngày quyết định", date, today)
            .map_err(Refusal::at("decision_date"))?;
    }
    let decision_signer = form::text("Người ký", form::Kind::Name, &form.decision_signer)
        .map_err(Refusal::at("decision_signer"))?;
    let reported_member_count = match form.reported_member_count.trim() {
        "" => None,
        _ => Some(
            form::count("Số thành viên theo báo cáo", &form.reported_member_count)
                .ok()
                .filter(|n| (0..=1000).contains(n))
                .ok_or_else(|| {
                    Refusal::at("reported_member_count")(
                        "Số thành viên theo báo cáo phải là một số từ 0 đến 1000.".to_string(),
                    )
                })?,
        ),
    };
    Ok(BodyFields {
        name,
        decision_number,
        decision_date,
        decision_signer,
        reported_member_count,
    })
}

async fn update(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<BodyForm>,
) -> AppResult<Response> {
    let loaded = load(&state, &user, id, true).await?;
    let fields = match check_body(&form, state.clock.today()) {
        Ok(fields) => fields,
        Err(refusal) => {
            let typed = Typed {
                decision: Some(form),
                ..Typed::default()
            };
            let refused = Some((Which::Decision, refusal));
            let page = render(&state, layout, &user, loaded, typed, refused).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let saved = sqlx::query_as!(
        BodyRecord,
        r#"UPDATE bodies b SET name = $3, decision_number = $4, decision_date = $5, decision_signer = $6,
                  reported_member_count = $7
            FROM units u
            WHERE b.id = $1 AND b.version = $2 AND u.id = b.unit_id
        RETURNING b.id, b.election_id, b.unit_id, u.ancestors AS unit_ancestors, b.name, b.decision_number,
                  b.decision_date, b.decision_signer, b.reported_member_count, b.version"#,
        id,
        form.version,
        fields.name,
        fields.decision_number,
        fields.decision_date,
        fields.decision_signer,
        fields.reported_member_count
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(saved) = saved else {
        // Someone saved first: show their version, keep what this user typed.
        let message = format!(
            "Tổ chức này vừa được người khác sửa nên chưa lưu. Bản đang lưu: {} — quyết định {}. \
             Những gì bạn nhập vẫn ở trong ô; kiểm tra rồi lưu lại.",
            loaded.body.name,
            loaded.summary.decision_text()
        );
        let mut decision = form;
        decision.version = loaded.body.version;
        let typed = Typed {
            decision: Some(decision),
            ..Typed::default()
        };
        let refused = Some((Which::Decision, Refusal::above(message)));
        let page = render(&state, layout, &user, loaded, typed, refused).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    };
    let event = Event::new("body.updated")
        .unit(saved.unit_id)
        .object("body", id)
        .before(serde_json::to_value(&loaded.body).unwrap_or_default())
        .after(serde_json::to_value(&saved).unwrap_or_default());
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    if !task_follows(&state, &user, &meta, &mut tx, id).await? {
        return Ok(task_moved(id));
    }
    tx.commit().await?;
    back_to_body(&state, &user, id, "Đã lưu.").await
}

#[derive(Deserialize)]
struct DissolveForm {
    #[serde(default)]
    reason: String,
}

async fn dissolve(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<DissolveForm>,
) -> AppResult<Response> {
    let loaded = load(&state, &user, id, true).await?;
    let reason = match form::required("Lý do giải thể", form::Kind::Reason, &form.reason) {
        Ok(reason) => reason,
        Err(message) => {
            let typed = Typed {
                dissolve_reason: form.reason,
                ..Typed::default()
            };
            let refusal = Refusal::at("reason")(message);
            return refuse(&state, layout, &user, id, typed, Which::Dissolve, refusal).await;
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "UPDATE bodies SET dissolved_at = $2, dissolution_reason = $3 WHERE id = $1",
        id,
        now.date_naive(),
        reason
    )
    .execute(&mut *tx)
    .await?;
    let event = Event::new("body.dissolved")
        .unit(loaded.body.unit_id)
        .object("body", id)
        .before(serde_json::to_value(&loaded.body).unwrap_or_default())
        .after(serde_json::json!({ "reason": reason }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    let unit = sqlx::query!(
        "SELECT level, gso_code FROM units WHERE id = $1",
        loaded.body.unit_id
    )
    .fetch_one(&state.pool)
    .await?;
    Ok(flash::redirect(
        &crate::units::path(&unit.level, unit.gso_code),
        "Đã giải thể tổ chức.",
    ))
}

#[derive(Deserialize, Default, Clone, Debug)]
struct MemberForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    version: i32,
}

impl MemberForm {
    fn of(member: &MemberRow) -> MemberForm {
        MemberForm {
            full_name: member.full_name.clone(),
            role: member.role.clone(),
            position: member.position.clone().unwrap_or_default(),
            phone: member.phone.clone().unwrap_or_default(),
            version: member.version,
        }
    }
}

#[derive(serde::Serialize)]
struct MemberFields {
    full_name: String,
    role: String,
    position: Option<String>,
    phone: Option<String>,
}

fn check_member(form: &MemberForm) -> Result<MemberFields, Refusal> {
    let full_name = form::required("Họ và tên", form::Kind::Name, &form.full_name)
        .map_err(Refusal::at("full_name"))?;
    if !MEMBER_ROLES.contains(&form.role.as_str()) {
        return Err(Refusal::at("role")(
            "Chức danh trong tổ chức không hợp lệ.".to_string(),
        ));
    }
    let position =
        form::text("Chức vụ", form::Kind::Name, &form.position).map_err(Refusal::at("position"))?;
    let phone =
        form::text("Điện thoại", form::Kind::Code, &form.phone).map_err(Refusal::at("phone"))?;
    if let Some(phone) = &phone
        && !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +.-()".contains(c))
    {
        return Err(Refusal::at("phone")(format!(
            "Số điện thoại \"{phone}\" không hợp lệ."
        )));
    }
    Ok(MemberFields {
        full_name,
        role: form.role.clone(),
        position,
        phone,
    })
}

/// A second chair is refused by the database (one chair per body); say so beside the role.
fn member_error(error: sqlx::Error) -> Result<Refusal, AppError> {
    match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("body_members_one_chair") => {
            Ok(Refusal::at("role")(
                "Tổ chức đã có trưởng ban; mỗi tổ chức chỉ có một trưởng ban.".to_string(),
            ))
        }
        _ => Err(error.into()),
    }
}

/// The body's page again with a member's form as it was typed and why.
async fn refuse_member(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    body: i64,
    which: Which,
    form: MemberForm,
    refusal: Refusal,
) -> AppResult<Response> {
    let typed = Typed {
        member: Some(form),
        ..Typed::default()
    };
    refuse(state, layout, user, body, typed, which, refusal).await
}

async fn add_member(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    let loaded = load(&state, &user, id, true).await?;
    let fields = match check_member(&form) {
        Ok(fields) => fields,
        Err(refusal) => {
            return refuse_member(&state, layout, &user, id, Which::NewMember, form, refusal).await;
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO body_members (body_id, full_name, role, position, phone) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
        id,
        fields.full_name,
        fields.role,
        fields.position,
        fields.phone
    )
    .fetch_one(&mut *tx)
    .await;
    let member_id = match inserted {
        Ok(member_id) => member_id,
        Err(error) => {
            let refusal = member_error(error)?;
            drop(tx);
            return refuse_member(&state, layout, &user, id, Which::NewMember, form, refusal).await;
        }
    };
    let event = Event::new("member.added")
        .unit(loaded.body.unit_id)
        .object("member", member_id)
        .after(serde_json::to_value(&fields).unwrap_or_default());
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    back_to_body(&state, &user, id, &format!("Đã thêm {}.", fields.full_name)).await
}

/// The member and its body, checked to be editable by the user.
async fn load_member(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(i64, i64, serde_json::Value)> {
    let row = sqlx::query!(
        r#"SELECT m.body_id, b.unit_id, u.ancestors, m.full_name, m.role, m.position, m.phone
             FROM body_members m JOIN bodies b ON b.id = m.body_id JOIN units u ON u.id = b.unit_id
            WHERE m.id = $1 AND b.dissolved_at IS NULL"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.scope.can_edit(&row.ancestors) {
        return Err(AppError::OutOfScope);
    }
    let before = serde_json::json!({
        "full_name": row.full_name, "role": row.role, "position": row.position, "phone": row.phone,
    });
    Ok((row.body_id, row.unit_id, before))
}

async fn update_member(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    let (body_id, unit_id, before) = load_member(&state, &user, id).await?;
    let back = format!("/bodies/{body_id}");
    let which = Which::Member(id);
    let fields = match check_member(&form) {
        Ok(fields) => fields,
        Err(refusal) => {
            return refuse_member(&state, layout, &user, body_id, which, form, refusal).await;
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let saved = sqlx::query!(
        "UPDATE body_members SET full_name = $3, role = $4, position = $5, phone = $6 WHERE id = $1 AND version = $2",
        id,
        form.version,
        fields.full_name,
        fields.role,
        fields.position,
        fields.phone
    )
    .execute(&mut *tx)
    .await;
    match saved {
        Ok(done) if done.rows_affected() == 0 => {
            let stored = sqlx::query!(
                "SELECT full_name, role, position, phone, version FROM body_members WHERE id = $1",
                id
            )
            .fetch_one(&mut *tx)
            .await?;
            let fields = vec![
                Field::new("full_name", "Họ và tên", &stored.full_name, &form.full_name),
                Field::new("role", "Chức danh (mã)", &stored.role, &form.role),
                Field::new(
                    "position",
                    "Chức vụ",
                    stored.position.unwrap_or_default(),
                    &form.position,
                ),
                Field::new(
                    "phone",
                    "Điện thoại",
                    stored.phone.unwrap_or_default(),
                    &form.phone,
                ),
            ];
            let what = format!("thành viên {}", stored.full_name);
            return Ok(conflict::page(
                layout,
                what,
                format!("/members/{id}"),
                back,
                stored.version,
                fields,
                Vec::new(),
            ));
        }
        Ok(_) => {}
        Err(error) => {
            let refusal = member_error(error)?;
            drop(tx);
            return refuse_member(&state, layout, &user, body_id, which, form, refusal).await;
        }
    }
    let event = Event::new("member.updated")
        .unit(unit_id)
        .object("member", id)
        .before(before)
        .after(serde_json::to_value(&fields).unwrap_or_default());
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(&back, "Đã lưu thành viên."))
}

async fn remove_member(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (body_id, unit_id, before) = load_member(&state, &user, id).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    sqlx::query!("DELETE FROM body_members WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    let event = Event::new("member.removed")
        .unit(unit_id)
        .object("member", id)
        .before(before);
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    back_to_body(&state, &user, body_id, "Đã xóa thành viên.").await
}

/// A new steering or election committee as its form on the unit page sends it.
#[derive(Deserialize, Clone, Debug, Default)]
pub struct CreateForm {
    #[serde(default)]
    pub kind: String,
    #[serde(flatten)]
    pub body: BodyForm,
}

/// A steering committee or an election committee for a unit. Election boards and polling groups
/// are created from their constituency and polling area.
async fn create(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path((level, gso_code)): Path<(String, String)>,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Edit).await?;
    let back = units::path(&unit.level, unit.gso_code);
    let checked = if matches!(
        form.kind.as_str(),
        "steering_committee" | "election_committee"
    ) {
        check_body(&form.body, state.clock.today())
    } else {
        Err(Refusal::at("kind")(
            "Loại tổ chức không hợp lệ.".to_string(),
        ))
    };
    let fields = match checked {
        Ok(fields) => fields,
        Err(refusal) => return refuse_new(&state, layout, &user, unit, form, refusal).await,
    };
    let Some(election) = crate::elections::current(&state.pool, user.viewer()).await? else {
        return Ok(flash::redirect(&back, "Chưa có cuộc bầu cử nào."));
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO bodies (election_id, kind, unit_id, name, decision_number, decision_date, decision_signer,
                               reported_member_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (election_id, kind, unit_id)
              WHERE kind IN ('steering_committee', 'election_committee') AND dissolved_at IS NULL
           DO NOTHING
           RETURNING id"#,
        election.id,
        form.kind,
        unit.id,
        fields.name,
        fields.decision_number,
        fields.decision_date,
        fields.decision_signer,
        fields.reported_member_count
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = inserted else {
        drop(tx);
        let refusal = Refusal::at("kind")(
            "Đơn vị đã có tổ chức loại này; hãy sửa tổ chức đang có.".to_string(),
        );
        return refuse_new(&state, layout, &user, unit, form, refusal).await;
    };
    let event = Event::new("body.created")
        .unit(unit.id)
        .object("body", id)
        .after(serde_json::json!({ "kind": form.kind, "name": fields.name }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    if !task_follows(&state, &user, &meta, &mut tx, id).await? {
        return Ok(task_moved(id));
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/bodies/{id}"),
        "Đã tạo tổ chức; hãy thêm thành viên.",
    ))
}

/// The unit's page again with the new body's form as it was typed and why: a 422.
async fn refuse_new(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    unit: units::UnitDetail,
    form: CreateForm,
    refusal: Refusal,
) -> AppResult<Response> {
    let refused = units::pages::Refused::Body(form, refusal);
    let page = units::pages::page(state, layout, user, unit, Some(refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The unit's task about the body follows its decision, in the same transaction. False when the
/// task changed meanwhile: the caller then writes nothing.
async fn task_follows(
    state: &AppState,
    user: &CurrentUser,
    meta: &RequestMeta,
    tx: &mut sqlx::PgConnection,
    body: i64,
) -> sqlx::Result<bool> {
    let writer = crate::checklists::pages::writer(state, user, meta);
    crate::establishment::decision_recorded(tx, &writer, body).await
}

/// Said when the task about the body changed while its decision was being saved.
fn task_moved(body: i64) -> Response {
    flash::redirect(
        &format!("/bodies/{body}"),
        "Công việc về tổ chức này vừa được người khác cập nhật nên chưa lưu; hãy thử lại.",
    )
}

#[derive(Deserialize)]
struct PasteForm {
    #[serde(default)]
    rows: String,
}

/// Members pasted from a spreadsheet: all rows checked, all or nothing, the size judged after.
async fn paste_members(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<PasteForm>,
) -> AppResult<Response> {
    let members = super::roster::parse(&form.rows);
    save_roster(&state, layout, &user, &meta, id, members, form.rows).await
}

/// Members imported from an XLSX or CSV file with the template's columns, the same way.
async fn import_members(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    load(&state, &user, id, true).await?;
    let key = super::roster::SHEET_COLUMNS[0];
    let members = match crate::imports::uploaded_sheet(&mut multipart, key).await? {
        Upload::Read(sheet) => {
            let fold = crate::imports::read::fold;
            super::roster::parse_rows(super::roster::sheet_rows(&sheet.headers, sheet.rows, fold))
        }
        Upload::Problem(reason) => Err(vec![super::roster::RowProblem { row: 0, reason }]),
        Upload::TooLarge => return Ok(crate::imports::too_large()),
    };
    save_roster(&state, layout, &user, &meta, id, members, String::new()).await
}

/// Writes a checked list of members, or shows the body page with every problem and nothing written.
async fn save_roster(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    meta: &RequestMeta,
    id: i64,
    members: Result<Vec<super::roster::Member>, Vec<super::roster::RowProblem>>,
    pasted: String,
) -> AppResult<Response> {
    let loaded = load(state, user, id, true).await?;
    let refused = |problems| Typed {
        pasted: pasted.clone(),
        paste_problems: problems,
        ..Typed::default()
    };
    let above = || Refusal::above("Danh sách có lỗi — chưa ghi gì vào hệ thống.");
    let members = match members {
        Ok(members) => members,
        Err(problems) => {
            let typed = refused(problems);
            return refuse(state, layout, user, id, typed, Which::Paste, above()).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let now = state.clock.now();
    let body = (id, loaded.body.unit_id);
    let outcome = match super::roster::save(&mut tx, &user.actor(meta), now, body, &members).await?
    {
        Ok(outcome) => outcome,
        Err(problem) => {
            drop(tx);
            let typed = refused(vec![problem]);
            return refuse(state, layout, user, id, typed, Which::Paste, above()).await;
        }
    };
    tx.commit().await?;
    let message = format!(
        "Đã ghi danh sách: {} thành viên mới, {} thành viên cập nhật.",
        outcome.added, outcome.changed
    );
    back_to_body(state, user, id, &message).await
}

/// The member sheet's template: its columns and one example row.
async fn members_template() -> AppResult<Response> {
    use crate::web::export::{Cell, Table};
    let example = [
        "Nguyễn Văn An",
        "Trưởng ban",
        "Phó Chủ tịch Ủy ban nhân dân",
        "Ủy ban nhân dân thị trấn Đầm Hà",
        "0912 345 678",
    ];
    let table = Table {
        name: "Thanh vien",
        headers: super::roster::SHEET_COLUMNS.to_vec(),
        rows: vec![example.iter().map(|c| Cell::text(*c)).collect()],
    };
    table.download("mau-thanh-vien", "xlsx")
}
