//! Meetings and directives on the web: `/meetings` (the province's meetings, recorded with their
//! connected sites), `/meetings/{id}` (its directives, each with its tracked items, and the
//! directives still open from earlier meetings), `/directives` (what is still open, by assignee,
//! oldest first; for an agency officer, their agency's), and `/directive-items/{id}` (one item:
//! its answer, the province's review, history).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

use super::items::{self, Answer, Change, Review};
use super::{Assignee, Group, Item, Meeting, Site, Which};
use crate::AppState;
use crate::agencies::{self, Agency};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{ANSWERERS, AUDITORS, PROVINCE_PEOPLE};
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::checklists::deadline::TaskState;
use crate::clock::vietnam;
use crate::constituencies::pages::FormWithLists;
use crate::format;
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/meetings", Access::Roles(PROVINCE_PEOPLE), list)
        .post("/meetings", Access::Roles(AUDITORS), create_meeting)
        .get(
            "/meetings/{id}",
            Access::Roles(PROVINCE_PEOPLE),
            show_meeting,
        )
        .post(
            "/meetings/{id}/directives",
            Access::Roles(AUDITORS),
            add_directive,
        )
        .post(
            "/meetings/{id}/documents",
            Access::Roles(AUDITORS),
            add_document,
        )
        .get(
            "/meeting-documents/{id}",
            Access::Roles(PROVINCE_PEOPLE),
            document,
        )
        .get("/directives", Access::SignedIn, open_directives)
        .get("/directives/{file}", Access::SignedIn, download)
        .get("/directive-items/{id}", Access::SignedIn, show_item)
        .post("/directive-items/{id}", Access::Roles(ANSWERERS), answer)
        .post(
            "/directive-items/{id}/approve",
            Access::Roles(AUDITORS),
            approve,
        )
        .post(
            "/directive-items/{id}/return",
            Access::Roles(AUDITORS),
            send_back,
        )
}

// ---- The list of meetings, and recording one ----

#[derive(Deserialize, Default, Clone)]
struct MeetingForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    chair: String,
    #[serde(default)]
    subject: String,
    /// One connected site a line: "name: who attended".
    #[serde(default)]
    sites: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "directives/meetings.html")]
struct MeetingsPage {
    layout: Layout,
    meetings: Vec<Meeting>,
    kinds: &'static [(&'static str, &'static str)],
    typed: MeetingForm,
    error: Option<Refusal>,
    can_record: bool,
}

impl MeetingsPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
}

async fn meetings_page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    typed: MeetingForm,
    error: Option<Refusal>,
) -> AppResult<MeetingsPage> {
    let (election, root) = layout.territory(user).ok_or(AppError::NotFound)?;
    let meetings = super::meetings(&state.pool, election, root).await?;
    Ok(MeetingsPage {
        can_record: AUDITORS.contains(&user.role),
        layout,
        meetings,
        kinds: super::KINDS,
        typed,
        error,
    })
}

async fn list(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<MeetingsPage> {
    meetings_page(&state, layout, &user, MeetingForm::default(), None).await
}

/// The most connected sites a meeting records.
const MAX_SITES: usize = 200;

fn check_meeting(
    typed: &MeetingForm,
    election_id: i64,
    unit_id: i64,
) -> Result<super::NewMeeting, Refusal> {
    let kind = super::KINDS
        .iter()
        .find(|(k, _)| *k == typed.kind)
        .map(|(k, _)| *k)
        .ok_or_else(|| Refusal::at("kind")("Chọn loại cuộc họp.".to_string()))?;
    let day = form::date(&typed.day)
        .map_err(Refusal::at("day"))?
        .ok_or_else(|| Refusal::at("day")("Cần nhập ngày họp.".to_string()))?;
    let time = match typed.time.trim() {
        "" => NaiveTime::from_hms_opt(8, 0, 0).expect("a valid time"),
        text => NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| {
            Refusal::at("time")(format!(
                "Giờ \"{text}\" không hợp lệ; ghi dạng giờ:phút, ví dụ 08:00."
            ))
        })?,
    };
    let chair = form::required("Người chủ trì", form::Kind::Name, &typed.chair)
        .map_err(Refusal::at("chair"))?;
    let subject = form::required("Nội dung", form::Kind::Reason, &typed.subject)
        .map_err(Refusal::at("subject"))?;
    let mut sites = Vec::new();
    for line in typed.sites.lines().filter(|l| !l.trim().is_empty()) {
        let (name, attendees) = match line.split_once(':') {
            Some((name, attendees)) => (name, Some(attendees)),
            None => (line, None),
        };
        let name =
            form::required("Điểm cầu", form::Kind::Name, name).map_err(Refusal::at("sites"))?;
        let attendees = match attendees {
            Some(text) => form::text("Thành phần dự", form::Kind::Reason, text)
                .map_err(Refusal::at("sites"))?,
            None => None,
        };
        sites.push((name, attendees));
    }
    if sites.len() > MAX_SITES {
        return Err(Refusal::at("sites")(format!(
            "Nhiều nhất {MAX_SITES} điểm cầu."
        )));
    }
    let held_at = day
        .and_time(time)
        .and_local_timezone(vietnam())
        .single()
        .expect("a fixed offset has no ambiguous times");
    Ok(super::NewMeeting {
        election_id,
        unit_id,
        kind,
        held_at,
        chair,
        subject,
        sites,
    })
}

async fn create_meeting(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(typed): Form<MeetingForm>,
) -> AppResult<Response> {
    let (election, root) = layout.territory(&user).ok_or(AppError::NotFound)?;
    let meeting = match check_meeting(&typed, election, root) {
        Ok(meeting) => meeting,
        Err(refusal) => {
            let page = meetings_page(&state, layout, &user, typed, Some(refusal)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    let id =
        super::create_meeting(&mut tx, &user.actor(&meta), state.clock.now(), &meeting).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/meetings/{id}"),
        "Đã ghi cuộc họp.",
    ))
}

// ---- One meeting: its directives, and those still open from before ----

#[derive(Deserialize, Default, Clone)]
pub(crate) struct DirectiveForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub due: String,
    /// `agency:ID`, `unit:ID`, or [`EVERY_DISTRICT`].
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub supporters: Vec<String>,
}

/// A directive of the meeting, with its items and named supporters.
pub struct DirectiveRow {
    pub id: i64,
    pub body: String,
    pub due: String,
    pub items: Vec<Item>,
    pub supporters: Vec<String>,
}

impl DirectiveRow {
    /// "3/13 xong" for a directive fanned out to several assignees.
    pub fn done_count(&self) -> usize {
        self.items.iter().filter(|i| !i.is_open()).count()
    }
}

/// Someone a directive may be addressed to, as the form offers them.
pub struct Choice {
    pub value: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "directives/meeting.html")]
struct MeetingPage {
    layout: Layout,
    meeting: Meeting,
    sites: Vec<Site>,
    directives: Vec<DirectiveRow>,
    /// Open items of earlier meetings, the follow-up this meeting starts from.
    carried: Vec<Item>,
    choices: Vec<Choice>,
    typed: DirectiveForm,
    error: Option<Refusal>,
    can_direct: bool,
    today: NaiveDate,
    documents: Vec<super::Document>,
}

impl MeetingPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn is_supporter(&self, value: &str) -> bool {
        self.typed.supporters.iter().any(|s| s == value)
    }
}

/// Everyone the province may address: its agencies and those of its districts, and its units.
pub(crate) async fn choices(state: &AppState, election: i64, root: i64) -> AppResult<Vec<Choice>> {
    let agencies: Vec<Agency> = agencies::below(&state.pool, election, root).await?;
    let units = sqlx::query!(
        "SELECT id, name FROM units WHERE (id = $1 OR parent_id = $1) AND valid_to IS NULL
          ORDER BY array_length(ancestors, 1), gso_code",
        root
    )
    .fetch_all(&state.pool)
    .await?;
    let mut choices: Vec<Choice> = agencies
        .into_iter()
        .filter(|a| !a.retired)
        .map(|a| Choice {
            name: if a.unit_id == root {
                a.name.clone()
            } else {
                format!("{} — {}", a.name, a.unit_name)
            },
            value: a.reference(),
        })
        .collect();
    choices.extend(units.into_iter().map(|u| Choice {
        value: format!("unit:{}", u.id),
        name: format!("UBND {}", u.name),
    }));
    Ok(choices)
}

/// The meeting, if it belongs to the election shown and the user reads its unit.
pub(crate) async fn readable_meeting(
    state: &AppState,
    layout: &Layout,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Meeting> {
    let meeting = super::meeting(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let same_election = layout
        .election
        .as_ref()
        .is_some_and(|e| e.id == meeting.election_id);
    if !same_election || !user.scope.can_read(&meeting.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    Ok(meeting)
}

async fn meeting_page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
    typed: DirectiveForm,
    error: Option<Refusal>,
) -> AppResult<MeetingPage> {
    let meeting = readable_meeting(state, &layout, user, id).await?;
    let sites = super::sites(&state.pool, id).await?;
    let mut items = super::items(&state.pool, Which::Meeting(id)).await?;
    let supporters = super::supporters(&state.pool, id).await?;
    let mut directives: Vec<DirectiveRow> = Vec::new();
    for item in items.drain(..) {
        match directives.last_mut() {
            Some(last) if last.id == item.directive_id => last.items.push(item),
            _ => directives.push(DirectiveRow {
                id: item.directive_id,
                body: item.body.clone(),
                due: item.due_text(),
                supporters: supporters
                    .iter()
                    .filter(|(d, _)| *d == item.directive_id)
                    .map(|(_, name)| name.clone())
                    .collect(),
                items: vec![item],
            }),
        }
    }
    let open = super::items(
        &state.pool,
        Which::OpenBelow {
            election_id: meeting.election_id,
            root: meeting.unit_id,
        },
    )
    .await?;
    let carried = open
        .into_iter()
        .filter(|i| i.held_at < meeting.held_at)
        .collect();
    Ok(MeetingPage {
        documents: super::documents(&state.pool, id).await?,
        choices: choices(state, meeting.election_id, meeting.unit_id).await?,
        can_direct: AUDITORS.contains(&user.role),
        today: state.clock.today(),
        layout,
        meeting,
        sites,
        directives,
        carried,
        typed,
        error,
    })
}

async fn show_meeting(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<MeetingPage> {
    meeting_page(&state, layout, &user, id, DirectiveForm::default(), None).await
}

/// The most supporters a directive names.
const MAX_SUPPORTERS: usize = 50;

/// A new directive, checked against the choices of its meeting's unit.
pub(crate) struct CheckedDirective {
    pub body: String,
    pub due: NaiveDate,
    /// `None`: every district.
    pub lead: Option<Assignee>,
    pub supporters: Vec<Assignee>,
}

/// The one rule for a new directive, whether typed on the meeting's page or read from a file.
pub(crate) fn check_directive(
    typed: &DirectiveForm,
    choices: &[Choice],
) -> Result<CheckedDirective, Refusal> {
    let offered = |value: &str| choices.iter().any(|c| c.value == value);
    let body = form::required("Nội dung chỉ đạo", form::Kind::Reason, &typed.body)
        .map_err(Refusal::at("body"))?;
    let due = form::date(&typed.due)
        .map_err(Refusal::at("due"))?
        .ok_or_else(|| Refusal::at("due")("Cần nhập hạn hoàn thành.".to_string()))?;
    let lead = if typed.lead == EVERY_DISTRICT {
        None
    } else {
        Some(
            Assignee::parse(&typed.lead)
                .filter(|_| offered(&typed.lead))
                .ok_or_else(|| {
                    Refusal::at("lead")("Chọn cơ quan hoặc đơn vị chủ trì.".to_string())
                })?,
        )
    };
    if typed.supporters.len() > MAX_SUPPORTERS || typed.supporters.iter().any(|s| !offered(s)) {
        return Err(Refusal::at("supporters")(
            "Có nơi phối hợp không thuộc danh sách.".to_string(),
        ));
    }
    let supporters = typed
        .supporters
        .iter()
        .filter(|s| **s != typed.lead)
        .filter_map(|s| Assignee::parse(s))
        .collect();
    Ok(CheckedDirective {
        body,
        due,
        lead,
        supporters,
    })
}

/// Records a checked directive of the meeting, with one tracked item for its lead or for each
/// district.
pub(crate) async fn record_directive(
    conn: &mut sqlx::PgConnection,
    actor: &crate::audit::Actor,
    now: chrono::DateTime<chrono::FixedOffset>,
    meeting: &Meeting,
    checked: CheckedDirective,
) -> sqlx::Result<i64> {
    let leads = match checked.lead {
        Some(lead) => vec![lead],
        None => super::districts_of(conn, meeting.unit_id).await?,
    };
    let directive = super::NewDirective {
        meeting_id: meeting.id,
        unit_id: meeting.unit_id,
        body: checked.body,
        due_date: checked.due,
        leads,
        supporters: checked.supporters,
    };
    super::create_directive(conn, actor, now, &directive).await
}

/// The lead value that makes one tracked item for every district.
pub(crate) const EVERY_DISTRICT: &str = "districts";

async fn add_directive(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    FormWithLists(typed): FormWithLists<DirectiveForm>,
) -> AppResult<Response> {
    // Only what checking needs is read here; the whole page is drawn only to refuse.
    let meeting = readable_meeting(&state, &layout, &user, id).await?;
    let choices = choices(&state, meeting.election_id, meeting.unit_id).await?;
    let checked = match check_directive(&typed, &choices) {
        Ok(checked) => checked,
        Err(refusal) => {
            let page = meeting_page(&state, layout, &user, id, typed, Some(refusal)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    record_directive(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &meeting,
        checked,
    )
    .await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/meetings/{id}"),
        "Đã ghi chỉ đạo.",
    ))
}

/// A meeting's document (agenda, minutes, other): PDF, JPEG or PNG by its content, at most 10 MB.
async fn add_document(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Query(kind): Query<DocumentKind>,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let meeting = readable_meeting(&state, &layout, &user, id).await?;
    if !user.scope.can_edit(&meeting.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    let back = format!("/meetings/{id}");
    let received = match crate::checklists::attachments::receive(&mut multipart, &back).await? {
        Ok(received) => received,
        Err(answer) => return Ok(answer),
    };
    let kind = match kind.kind.as_str() {
        "agenda" => "agenda",
        "minutes" => "minutes",
        _ => "other",
    };
    let document = super::NewDocument {
        kind,
        file_name: &received.file_name,
        content_type: received.content_type,
        bytes: &received.bytes,
    };
    let mut tx = state.pool.begin().await?;
    super::add_document(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &meeting,
        &document,
    )
    .await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &back,
        &format!("Đã đính kèm {}.", received.file_name),
    ))
}

#[derive(Deserialize, Default)]
struct DocumentKind {
    #[serde(default)]
    kind: String,
}

async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let row = sqlx::query!(
        r#"SELECT d.file_name, d.content_type, d.content, u.ancestors
             FROM meeting_documents d JOIN meetings m ON m.id = d.meeting_id JOIN units u ON u.id = m.unit_id
            WHERE d.id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.scope.can_read(&row.ancestors) {
        return Err(AppError::OutOfScope);
    }
    crate::checklists::attachments::as_download(&row.file_name, &row.content_type, row.content)
}

// ---- What is still open ----

#[derive(Template, WebTemplate)]
#[template(path = "directives/open.html")]
struct OpenPage {
    layout: Layout,
    groups: Vec<Group>,
    today: NaiveDate,
}

/// The open items a user follows, grouped by assignee: an agency officer their agency's (all of
/// them, open first); anyone else every open item of their territory.
pub async fn open_groups(
    state: &AppState,
    layout: &Layout,
    user: &CurrentUser,
) -> AppResult<Vec<Group>> {
    let items = match (user.role, user.agency_id) {
        (Role::AgencyOfficer, Some(agency)) => {
            super::items(&state.pool, Which::Agency(agency)).await?
        }
        _ => {
            let Some((election_id, root)) = layout.territory(user) else {
                return Ok(Vec::new());
            };
            super::items(&state.pool, Which::OpenBelow { election_id, root }).await?
        }
    };
    Ok(super::by_assignee(items))
}

async fn open_directives(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<OpenPage> {
    let groups = open_groups(&state, &layout, &user).await?;
    Ok(OpenPage {
        layout,
        groups,
        today: state.clock.today(),
    })
}

/// The directives the user follows (as `/directives` lists them, done ones of an agency too), as
/// XLSX or CSV, with every recorded field.
async fn download(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(file): Path<String>,
) -> AppResult<Response> {
    use crate::web::export::{Cell, Table};
    let (_, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let groups = open_groups(&state, &layout, &user).await?;
    let rows = groups
        .iter()
        .flat_map(|group| &group.items)
        .map(|item| {
            vec![
                Cell::text(item.assignee.clone()),
                Cell::text(item.body.clone()),
                Cell::text(item.meeting_day()),
                Cell::text(item.due_text()),
                Cell::text(item.status_label()),
                Cell::text(item.state(&today).label_vi()),
                Cell::optional_text(item.evidence_number.clone()),
                Cell::text(item.evidence_date.map(format::date).unwrap_or_default()),
                Cell::optional_text(item.evidence_signer.clone()),
                Cell::text(item.review_label()),
                Cell::optional_text(item.review_comment.clone()),
            ]
        })
        .collect();
    let table = Table {
        name: "Chi dao",
        headers: vec![
            "Chủ trì",
            "Chỉ đạo",
            "Cuộc họp",
            "Hạn",
            "Trạng thái",
            "Tình hình",
            "Số văn bản",
            "Ngày văn bản",
            "Người ký",
            "Duyệt",
            "Ý kiến của tỉnh",
        ],
        rows,
    };
    table.download("chi-dao", extension)
}

// ---- One item ----

#[derive(Deserialize, Default, Clone)]
struct AnswerForm {
    #[serde(default)]
    version: i32,
    #[serde(default)]
    status: String,
    #[serde(default)]
    evidence_number: String,
    #[serde(default)]
    evidence_date: String,
    #[serde(default)]
    evidence_signer: String,
    #[serde(default)]
    note: String,
    /// The province's comment on a review.
    #[serde(default)]
    comment: String,
}

impl AnswerForm {
    fn of(item: &Item) -> AnswerForm {
        AnswerForm {
            version: item.version,
            status: item.status.clone(),
            evidence_number: item.evidence_number.clone().unwrap_or_default(),
            evidence_date: item.evidence_date.map(format::date).unwrap_or_default(),
            evidence_signer: item.evidence_signer.clone().unwrap_or_default(),
            note: item.note.clone().unwrap_or_default(),
            comment: String::new(),
        }
    }
}

pub struct EventRow {
    pub at: DateTime<Utc>,
    pub full_name: Option<String>,
    pub from_status: String,
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
    pub fn from_label(&self) -> &'static str {
        crate::checklists::deadline::status_label(&self.from_status)
    }
    pub fn to_label(&self) -> &'static str {
        crate::checklists::deadline::status_label(&self.to_status)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "directives/item.html")]
struct ItemPage {
    layout: Layout,
    item: Item,
    form: AnswerForm,
    events: Vec<EventRow>,
    can_answer: bool,
    can_review: bool,
    error: Option<Refusal>,
    today: NaiveDate,
}

impl ItemPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    fn state(&self) -> TaskState {
        self.item.state(&self.today)
    }
}

/// The item, if the user may read it.
async fn readable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Item> {
    let item = super::items(&state.pool, Which::One(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    if super::may_read(&user.scope, &item) {
        Ok(item)
    } else {
        Err(AppError::OutOfScope)
    }
}

async fn item_page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    item: Item,
    form: Option<AnswerForm>,
    error: Option<Refusal>,
) -> AppResult<ItemPage> {
    let events = sqlx::query_as!(
        EventRow,
        r#"SELECT e.at, u.full_name AS "full_name?", e.from_status, e.to_status, e.note
             FROM directive_events e LEFT JOIN users u ON u.id = e.user_id
            WHERE e.item_id = $1 ORDER BY e.at DESC, e.id DESC"#,
        item.id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(ItemPage {
        can_answer: super::may_answer(&user.scope, user.agency_id, &item),
        can_review: super::may_review(&user.scope, &item),
        form: form.unwrap_or_else(|| AnswerForm::of(&item)),
        today: state.clock.today(),
        layout,
        item,
        events,
        error,
    })
}

async fn show_item(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<ItemPage> {
    let item = readable(&state, &user, id).await?;
    item_page(&state, layout, &user, item, None, None).await
}

/// The answer as typed, checked: "done" needs the document that answers the directive.
fn check_answer(form: &AnswerForm, today: NaiveDate) -> Result<Answer, Refusal> {
    let status = match form.status.as_str() {
        "not_started" => "not_started",
        "in_progress" => "in_progress",
        "done" => "done",
        _ => {
            return Err(Refusal::at("status")(
                "Trạng thái không hợp lệ.".to_string(),
            ));
        }
    };
    let evidence_number = form::text("Số văn bản", form::Kind::Code, &form.evidence_number)
        .map_err(Refusal::at("evidence_number"))?;
    let evidence_date = form::date(&form.evidence_date).map_err(Refusal::at("evidence_date"))?;
    if let Some(day) = evidence_date {
        form::not_after_today("Ngày văn bản", day, today).map_err(Refusal::at("evidence_date"))?;
    }
    let evidence_signer = form::text("Người ký", form::Kind::Name, &form.evidence_signer)
        .map_err(Refusal::at("evidence_signer"))?;
    let note =
        form::text("Ghi chú", form::Kind::Reason, &form.note).map_err(Refusal::at("note"))?;
    if status == "done" && (evidence_number.is_none() || evidence_date.is_none()) {
        return Err(Refusal::at("evidence_number")(
            "Để ghi \"Đã xong\" cần số và ngày của văn bản trả lời chỉ đạo.".to_string(),
        ));
    }
    Ok(Answer {
        status,
        evidence_number,
        evidence_date,
        evidence_signer,
        note,
    })
}

async fn answer(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<AnswerForm>,
) -> AppResult<Response> {
    let item = readable(&state, &user, id).await?;
    if !super::may_answer(&user.scope, user.agency_id, &item) {
        return Ok(flash::redirect(
            &format!("/directive-items/{id}"),
            "Chỉ cơ quan, đơn vị được giao (hoặc cán bộ cấp tỉnh) cập nhật chỉ đạo này.",
        ));
    }
    let answer = match check_answer(&typed, state.clock.today()) {
        Ok(answer) => answer,
        Err(refusal) => {
            let page = item_page(&state, layout, &user, item, Some(typed), Some(refusal)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    let saved = items::save(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        id,
        typed.version,
        Change::Answer(&answer),
    )
    .await?;
    if !saved {
        drop(tx);
        return conflict(&state, layout, &user, id, typed).await;
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/directive-items/{id}"),
        "Đã lưu.",
    ))
}

/// Someone saved the item first: their version is shown, what this user typed is kept; a 409.
async fn conflict(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
    typed: AnswerForm,
) -> AppResult<Response> {
    let fresh = readable(state, user, id).await?;
    let message = format!(
        "Chỉ đạo này vừa được người khác cập nhật (hiện là \"{}\") nên chưa lưu. Những gì bạn nhập vẫn ở trong ô; kiểm tra rồi lưu lại.",
        fresh.status_label()
    );
    let typed = AnswerForm {
        version: fresh.version,
        ..typed
    };
    let page = item_page(
        state,
        layout,
        user,
        fresh,
        Some(typed),
        Some(Refusal::above(message)),
    )
    .await?;
    Ok((StatusCode::CONFLICT, page).into_response())
}

async fn review(
    state: AppState,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    id: i64,
    typed: AnswerForm,
    review: Review,
) -> AppResult<Response> {
    let item = readable(&state, &user, id).await?;
    if !super::may_review(&user.scope, &item) {
        return Ok(flash::redirect(
            &format!("/directive-items/{id}"),
            "Cán bộ cấp tỉnh duyệt chỉ đạo này.",
        ));
    }
    let comment = match form::text("Ý kiến", form::Kind::Reason, &typed.comment) {
        Ok(None) if review == Review::Return => Err("Cần ghi ý kiến khi trả lại.".to_string()),
        checked => checked,
    };
    let refusal = match &comment {
        Err(message) => Some(Refusal::at("comment")(message.clone())),
        Ok(_) if item.status != "done" => {
            Some(Refusal::above("Chỉ duyệt hoặc trả lại chỉ đạo đã xong."))
        }
        Ok(_) => None,
    };
    if let Some(refusal) = refusal {
        let page = item_page(&state, layout, &user, item, Some(typed), Some(refusal)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let comment = comment.ok().flatten();
    let change = Change::Review {
        review,
        comment: comment.as_deref(),
    };
    let mut tx = state.pool.begin().await?;
    if !items::save(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        id,
        typed.version,
        change,
    )
    .await?
    {
        drop(tx);
        return conflict(&state, layout, &user, id, typed).await;
    }
    tx.commit().await?;
    let message = match review {
        Review::Approve => "Đã duyệt.",
        Review::Return => "Đã trả lại.",
    };
    Ok(flash::redirect(&format!("/directive-items/{id}"), message))
}

async fn approve(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<AnswerForm>,
) -> AppResult<Response> {
    review(state, layout, user, meta, id, typed, Review::Approve).await
}

async fn send_back(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<AnswerForm>,
) -> AppResult<Response> {
    review(state, layout, user, meta, id, typed, Review::Return).await
}
