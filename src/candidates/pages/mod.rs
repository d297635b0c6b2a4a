//! Candidates on the web. Here, `/councils/{id}/candidates`: where a council stands, from the
//! first conference to the official list, with the forms of each step for those who handle it.
//! In `nominee`, `/nominees/{id}`: one nominee with their voter meetings and the questions raised;
//! in `lists`, `/councils/{id}/official-list`, the official list per constituency as posted at
//! polling areas (A4), and `/councils/{id}/candidates/{file}`, every list as XLSX or CSV; in
//! `printed`, a conference's lists and a voter meeting's minutes.
//!
//! Who sees what: the personal data of nominees is read only by those who edit the council's unit
//! (its own officers and the province's); everyone else who reads the unit sees the counts and,
//! once published, the official list as the law posts it.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime, TimeZone};

use super::{
    Constituency, Consultation, Council, ListCheck, Nominee, Quota, Share, Standing, VoterIssue,
    VoterMeeting, rules,
};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::clock::vietnam;
use crate::format;
use crate::web::export::{Cell, Table};
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

mod lists;
mod nominee;
mod printed;

use lists::{download, official_list};
use nominee::{add_meeting, raise_issue, show_nominee, take_off, verify_issue};
use printed::{conference, voter_meeting};

/// The most quota lines one conference records, and the most nominees one form decides.
const MAX_LINES: usize = 300;

pub fn routes() -> Routes {
    Routes::new()
        .get("/councils/{id}/candidates", Access::SignedIn, show)
        .post(
            "/councils/{id}/consultations",
            Access::Roles(EDITORS),
            record_consultation,
        )
        .post(
            "/councils/{id}/nominees",
            Access::Roles(EDITORS),
            add_nominee,
        )
        .post("/councils/{id}/publish", Access::Roles(EDITORS), publish)
        .post("/councils/{id}/sent", Access::Roles(EDITORS), record_sent)
        .post(
            "/councils/{id}/consultations/{round}/documents",
            Access::Roles(EDITORS),
            add_document,
        )
        .get(
            "/consultation-documents/{id}",
            Access::Roles(EDITORS),
            document,
        )
        .get(
            "/councils/{id}/official-list",
            Access::SignedIn,
            official_list,
        )
        .get(
            "/councils/{id}/candidates/{file}",
            Access::SignedIn,
            download,
        )
        .get(
            "/councils/{id}/consultations/{round}",
            Access::Roles(EDITORS),
            conference,
        )
        .get(
            "/voter-meetings/{id}",
            Access::Roles(EDITORS),
            voter_meeting,
        )
        .get("/nominees/{id}", Access::Roles(EDITORS), show_nominee)
        .post(
            "/nominees/{id}/meetings",
            Access::Roles(EDITORS),
            add_meeting,
        )
        .post("/nominees/{id}/issues", Access::Roles(EDITORS), raise_issue)
        .post("/nominees/{id}/take-off", Access::Roles(EDITORS), take_off)
        .post("/voter-issues/{id}", Access::Roles(EDITORS), verify_issue)
}

type Fields = HashMap<String, String>;

/// The council, if the user reads its unit; with whether they handle its nominees.
async fn readable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<(Council, bool)> {
    let council = super::council(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.scope.can_read(&council.unit_ancestors) {
        return Err(AppError::OutOfScope);
    }
    let handles = user.role.edits() && user.scope.can_edit(&council.unit_ancestors);
    Ok((council, handles))
}

/// The council, if the user handles its nominees.
pub(crate) async fn handled(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Council> {
    match readable(state, user, id).await? {
        (council, true) => Ok(council),
        _ => Err(AppError::OutOfScope),
    }
}

/// A nominee's stage as a rank: how far they went.
fn rank(stage: &str) -> usize {
    super::STAGES
        .iter()
        .position(|(code, _)| *code == stage)
        .unwrap_or(0)
}

/// The nominees who reached stage `at` (0 dossier … 3 official) and are still in it.
fn reached(nominees: &[Nominee], at: usize) -> Vec<&Nominee> {
    nominees
        .iter()
        .filter(|n| rank(&n.stage) >= at && (at < 3 || n.is_in()))
        .filter(|n| match n.left_at.as_deref() {
            Some("consultation_2") => at == 0,
            Some("consultation_3") => at <= 1,
            _ => true,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "candidates/council.html")]
struct CouncilPage {
    layout: Layout,
    council: Council,
    handles: bool,
    consultations: Vec<Consultation>,
    /// The conferences' papers: id, round, file name (for those who handle the council).
    documents: Vec<(i64, i16, String)>,
    quotas: Vec<Quota>,
    /// All nominees for those who handle them; the official list for others.
    nominees: Vec<Nominee>,
    standings: HashMap<i64, Standing>,
    constituencies: Vec<Constituency>,
    /// Each stage's count and composition.
    stages: Vec<(&'static str, usize, Vec<Share>)>,
    /// The published list's constituencies against the surplus rule.
    checks: Vec<ListCheck>,
    intake_closes: String,
    intake_open: bool,
    typed: Fields,
    error: Option<Refusal>,
}

impl CouncilPage {
    /// The page again, with what was typed and why it was refused.
    fn refused(mut self, error: Refusal, status: StatusCode) -> AppResult<Response> {
        self.error = Some(error);
        Ok((status, self).into_response())
    }
    fn field(&self, name: &str) -> &str {
        self.typed.get(name).map_or("", String::as_str)
    }
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    /// The next conference to record, if any.
    fn next_round(&self) -> Option<usize> {
        let next = self.consultations.len() + 1;
        (next <= 3).then_some(next)
    }
    /// The nominees the next conference decides on (rounds 2 and 3).
    fn before_round(&self) -> Vec<&Nominee> {
        let from = match self.next_round() {
            Some(2) => "nominated",
            Some(3) => "preliminary",
            _ => return Vec::new(),
        };
        self.nominees
            .iter()
            .filter(|n| n.stage == from && n.is_in())
            .collect()
    }
    fn standing_of(&self, id: &i64) -> Standing {
        self.standings.get(id).copied().unwrap_or_default()
    }
    /// Qualified nominees not yet on a published list.
    fn unplaced(&self) -> Vec<&Nominee> {
        self.nominees
            .iter()
            .filter(|n| n.stage == "qualified" && n.is_in())
            .collect()
    }
    /// Constituencies whose list is still to publish.
    fn unpublished(&self) -> Vec<&Constituency> {
        self.constituencies
            .iter()
            .filter(|k| k.list_published_on.is_none())
            .collect()
    }
    fn any_published(&self) -> bool {
        self.constituencies
            .iter()
            .any(|k| k.list_published_on.is_some())
    }
    /// Whether a refusal belongs to the publication form of constituency `k`.
    fn publishing(&self, k: &i64) -> bool {
        self.field("constituency") == k.to_string()
    }
    fn seats_text(&self) -> String {
        self.council
            .seats_total
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".to_string())
    }
    fn official_count(&self) -> usize {
        reached(&self.nominees, 3).len()
    }
    fn ratio_text(&self) -> String {
        rules::per_seat_text(self.official_count() as i64, self.council.seats_total)
    }
    /// The papers of conference `round`.
    fn papers(&self, round: &i16) -> Vec<&(i64, i16, String)> {
        self.documents
            .iter()
            .filter(|(_, r, _)| r == round)
            .collect()
    }
    fn genders(&self) -> &'static [(&'static str, &'static str)] {
        super::GENDERS
    }
    fn round_name(&self, round: &i16) -> &'static str {
        round_name(i64::from(*round))
    }
    fn record_title(&self, round: &usize) -> &'static str {
        match round {
            1 => "Ghi hội nghị hiệp thương lần thứ nhất",
            2 => "Ghi hội nghị hiệp thương lần thứ hai",
            _ => "Ghi hội nghị hiệp thương lần thứ ba",
        }
    }
}

fn round_name(round: i64) -> &'static str {
    match round {
        1 => "Hội nghị hiệp thương lần thứ nhất",
        2 => "Hội nghị hiệp thương lần thứ hai",
        _ => "Hội nghị hiệp thương lần thứ ba",
    }
}

async fn council_page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
    typed: Fields,
) -> AppResult<CouncilPage> {
    let (council, handles) = readable(state, user, id).await?;
    let pool = &state.pool;
    let mut nominees = super::nominees(pool, Some(id), None).await?;
    let targets = super::targets(pool, id).await?;
    let stages = super::STAGES
        .iter()
        .enumerate()
        .map(|(at, (_, label))| {
            let set = reached(&nominees, at);
            (
                *label,
                set.len(),
                super::composition(&set, council.election_day, &targets),
            )
        })
        .collect();
    let meetings = super::voter_meetings(pool, id, None).await?;
    let issues = super::voter_issues(pool, id, None).await?;
    let standings = nominees
        .iter()
        .map(|n| (n.id, super::standing(n.id, &meetings, &issues)))
        .collect();
    let constituencies = super::constituencies(pool, id).await?;
    let mut placed = HashMap::new();
    for n in reached(&nominees, 3) {
        if let Some(k) = n.constituency_id {
            *placed.entry(k).or_insert(0) += 1;
        }
    }
    let published: Vec<Constituency> = constituencies
        .iter()
        .filter(|k| k.list_published_on.is_some())
        .cloned()
        .collect();
    let checks = super::list_checks(&council.race_kind, &published, &placed);
    if !handles {
        nominees.retain(|n| n.stage == "official" && n.is_in());
    }
    let closes = rules::intake_closes(council.election_day);
    let documents = if handles {
        super::documents(pool, id).await?
    } else {
        Vec::new()
    };
    Ok(CouncilPage {
        documents,
        intake_closes: closes.format("%H:%M %d/%m/%Y").to_string(),
        intake_open: state.clock.now() < closes,
        consultations: super::consultations(pool, id).await?,
        quotas: super::quotas(pool, id).await?,
        layout,
        council,
        handles,
        nominees,
        standings,
        constituencies,
        stages,
        checks,
        typed,
        error: None,
    })
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<CouncilPage> {
    council_page(&state, layout, &user, id, Fields::new()).await
}

fn field<'a>(typed: &'a Fields, name: &str) -> &'a str {
    typed.get(name).map_or("", String::as_str)
}

/// A date that must be given and not be after today.
fn past_day(
    typed: &Fields,
    name: &'static str,
    what: &str,
    today: NaiveDate,
) -> Result<NaiveDate, Refusal> {
    let day = form::date(field(typed, name))
        .map_err(Refusal::at(name))?
        .ok_or_else(|| Refusal::at(name)(format!("Cần nhập {}.", format::in_sentence(what))))?;
    form::not_after_today(what, day, today).map_err(Refusal::at(name))?;
    Ok(day)
}

fn count_at(typed: &Fields, name: &'static str, label: &str) -> Result<i32, Refusal> {
    crate::input::count(label, field(typed, name)).map_err(Refusal::at(name))
}

/// The quotas typed one per line: "nominator: number: structure".
fn quota_lines(text: &str) -> Result<Vec<(String, i32, Option<String>)>, String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() > MAX_LINES {
        return Err(format!("Nhiều nhất {MAX_LINES} dòng."));
    }
    let mut quotas: Vec<(String, i32, Option<String>)> = Vec::new();
    for line in lines {
        let mut parts = line.splitn(3, ':');
        let name = form::required(
            "Cơ quan, tổ chức giới thiệu",
            form::Kind::Name,
            parts.next().unwrap_or(""),
        )?;
        let seats =
            crate::input::count(&name, parts.next().unwrap_or("").trim()).map_err(|_| {
                format!(
                    "Dòng \"{}\": ghi tên: số lượng: cơ cấu, ví dụ \"Ủy ban MTTQ: 2: 1 nữ\".",
                    line.trim()
                )
            })?;
        if seats == 0 {
            return Err(format!(
                "Dòng \"{}\": số lượng phải lớn hơn 0.",
                line.trim()
            ));
        }
        let structure = form::text("Cơ cấu", form::Kind::Reason, parts.next().unwrap_or(""))?;
        if quotas.iter().any(|(n, ..)| *n == name) {
            return Err(format!("\"{name}\" có hai dòng."));
        }
        quotas.push((name, seats, structure));
    }
    if quotas.is_empty() {
        return Err("Ghi số lượng được phân bổ cho ít nhất một cơ quan, tổ chức.".to_string());
    }
    Ok(quotas)
}

async fn record_consultation(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let council = handled(&state, &user, id).await?;
    let page = council_page(&state, layout, &user, id, typed).await?;
    let typed = &page.typed;
    let today = state.clock.today();
    let checked = (|| {
        let round = page
            .next_round()
            .ok_or_else(|| Refusal::above("Đã ghi đủ ba hội nghị hiệp thương."))?;
        if field(typed, "round") != round.to_string() {
            return Err(Refusal::above(
                "Hội nghị này vừa được người khác ghi; xem lại trang rồi ghi hội nghị tiếp theo.",
            ));
        }
        let held_on = past_day(typed, "held_on", "Ngày họp", today)?;
        if let Some(last) = page.consultations.last()
            && held_on < last.held_on
        {
            return Err(Refusal::at("held_on")(format!(
                "Hội nghị lần này không thể trước hội nghị lần trước ({}).",
                last.held_text()
            )));
        }
        let attendance = count_at(typed, "attendance", "Số người dự")?;
        if attendance == 0 {
            return Err(Refusal::at("attendance")(
                "Số người dự phải lớn hơn 0.".to_string(),
            ));
        }
        let minutes_number = form::required(
            "Số biên bản",
            form::Kind::Code,
            field(typed, "minutes_number"),
        )
        .map_err(Refusal::at("minutes_number"))?;
        let note = form::text("Ghi chú", form::Kind::Note, field(typed, "note"))
            .map_err(Refusal::at("note"))?;
        let outcome = if round == 1 {
            super::Outcome::Quotas(
                quota_lines(field(typed, "quotas")).map_err(Refusal::at("quotas"))?,
            )
        } else {
            let mut decisions = Vec::new();
            for n in page.before_round() {
                let reason = form::text(
                    "Lý do",
                    form::Kind::Reason,
                    field(typed, &format!("out_{}", n.id)),
                )
                .map_err(|m| Refusal::at("decisions")(format!("{}: {m}", n.full_name)))?;
                if round == 3 && reason.is_none() && !page.standing_of(&n.id).may_qualify() {
                    return Err(Refusal::at("decisions")(format!(
                        "{} chưa thể đủ tiêu chuẩn: cần hội nghị cử tri nơi cư trú, quá nửa số cử tri dự tín nhiệm ở mọi hội nghị, và mọi vấn đề cử tri nêu đã xác minh. Ghi lý do không đưa vào danh sách, hoặc hoàn tất trước.",
                        n.full_name
                    )));
                }
                decisions.push((n.id, reason));
            }
            super::Outcome::Decisions(decisions)
        };
        let held = super::NewConsultation {
            round: round as i16,
            held_on,
            attendance,
            minutes_number,
            note,
        };
        Ok((held, outcome))
    })();
    let (held, outcome) = match checked {
        Ok(checked) => checked,
        Err(error) => return page.refused(error, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let writer = crate::checklists::pages::writer(&state, &user, &meta);
    let mut tx = state.pool.begin().await?;
    if !super::record_consultation(&mut tx, &writer, &council, &held, &outcome).await? {
        drop(tx);
        let error = Refusal::above(
            "Hội nghị này hoặc công việc về nó vừa được người khác ghi nên chưa lưu; xem lại trang.",
        );
        return page.refused(error, StatusCode::CONFLICT);
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/councils/{id}/candidates"),
        recorded_message(held.round),
    ))
}

fn recorded_message(round: i16) -> &'static str {
    match round {
        1 => "Đã ghi hội nghị hiệp thương lần thứ nhất.",
        2 => "Đã ghi hội nghị hiệp thương lần thứ hai.",
        _ => "Đã ghi hội nghị hiệp thương lần thứ ba.",
    }
}

/// A nominee's personal fields, checked, with the dossier's nominating body and time received.
fn nominee_fields(
    typed: &Fields,
    today: NaiveDate,
    quota_id: Option<i64>,
    received_at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<super::NewNominee, Refusal> {
    let name = |f: &'static str, label: &str| {
        form::required(label, form::Kind::Name, field(typed, f)).map_err(Refusal::at(f))
    };
    let full_name = name("full_name", "Họ và tên")?;
    let birth_date = past_day(typed, "birth_date", "Ngày sinh", today)?;
    if today.years_since(birth_date).unwrap_or(0) < 18 {
        return Err(Refusal::at("birth_date")(
            "Người ứng cử phải đủ 18 tuổi.".to_string(),
        ));
    }
    let gender = super::GENDERS
        .iter()
        .find(|(code, _)| *code == field(typed, "gender"))
        .map(|(code, _)| *code)
        .ok_or_else(|| Refusal::at("gender")("Chọn giới tính.".to_string()))?;
    let ethnicity = name("ethnicity", "Dân tộc")?;
    let religion = name("religion", "Tôn giáo")?;
    let hometown = name("hometown", "Quê quán")?;
    let residence = name("residence", "Nơi ở hiện nay")?;
    let education = name("education", "Trình độ học vấn, chuyên môn")?;
    let occupation = name("occupation", "Nghề nghiệp, chức vụ")?;
    let workplace = name("workplace", "Nơi công tác")?;
    let party =
        form::date(field(typed, "party_joined_on")).map_err(Refusal::at("party_joined_on"))?;
    if let Some(day) = party {
        form::not_after_today("Ngày vào Đảng", day, today)
            .map_err(Refusal::at("party_joined_on"))?;
    }
    Ok(super::NewNominee {
        quota_id,
        full_name,
        birth_date,
        gender,
        ethnicity,
        religion,
        hometown,
        residence,
        education,
        occupation,
        workplace,
        party_joined_on: party,
        current_deputy: !field(typed, "current_deputy").is_empty(),
        dossier_received_at: received_at,
    })
}

/// The dossier form's fields and the columns of an import file that fill them.
pub(crate) const NOMINEE_COLUMNS: [(&str, &str); 15] = [
    ("Họ và tên", "full_name"),
    ("Ngày sinh", "birth_date"),
    ("Giới tính", "gender"),
    ("Dân tộc", "ethnicity"),
    ("Tôn giáo", "religion"),
    ("Quê quán", "hometown"),
    ("Nơi ở hiện nay", "residence"),
    ("Trình độ học vấn, chuyên môn", "education"),
    ("Nghề nghiệp, chức vụ", "occupation"),
    ("Nơi công tác", "workplace"),
    ("Ngày vào Đảng", "party_joined_on"),
    ("Đại biểu đương nhiệm", "current_deputy"),
    ("Nơi giới thiệu", "quota"),
    ("Ngày nhận hồ sơ", "received_on"),
    ("Giờ nhận hồ sơ", "received_time"),
];

/// The one rule for a dossier, typed on the council's page or read from a file: the nominating
/// body within its allocation (none: self-nominated), received before 17:00 on E−70 and not in
/// the future, and the law's personal fields.
pub(crate) fn check_nominee(
    state: &AppState,
    council: &Council,
    quotas: &[Quota],
    typed: &Fields,
) -> Result<super::NewNominee, Refusal> {
    let today = state.clock.today();
    let quota_id = match field(typed, "quota") {
        "" => None,
        value => {
            let quota = quotas
                .iter()
                .find(|q| q.id.to_string() == value)
                .ok_or_else(|| {
                    Refusal::at("quota")("Chọn một nơi giới thiệu trong danh sách.".to_string())
                })?;
            if quota.nominated >= i64::from(quota.seats) {
                return Err(Refusal::at("quota")(format!(
                    "{} đã giới thiệu đủ {} người được phân bổ.",
                    quota.nominator, quota.seats
                )));
            }
            Some(quota.id)
        }
    };
    let received_on = past_day(typed, "received_on", "Ngày nhận hồ sơ", today)?;
    let time =
        NaiveTime::parse_from_str(field(typed, "received_time").trim(), "%H:%M").map_err(|_| {
            Refusal::at("received_time")(
                "Ghi giờ nhận hồ sơ dạng giờ:phút, ví dụ 16:30.".to_string(),
            )
        })?;
    let received_at = vietnam()
        .from_local_datetime(&received_on.and_time(time))
        .single()
        .ok_or_else(|| Refusal::at("received_time")("Giờ không hợp lệ.".to_string()))?;
    if received_at > state.clock.now() {
        return Err(Refusal::at("received_time")(
            "Giờ nhận hồ sơ ở tương lai.".to_string(),
        ));
    }
    if !rules::dossier_in_time(received_at, council.election_day) {
        return Err(Refusal::at("received_time")(format!(
            "Hồ sơ nhận sau {} (17 giờ ngày thứ 70 trước ngày bầu cử) không được nhận.",
            rules::intake_closes(council.election_day).format("%H:%M %d/%m/%Y")
        )));
    }
    nominee_fields(typed, today, quota_id, received_at)
}

async fn add_nominee(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let council = handled(&state, &user, id).await?;
    let quotas = super::quotas(&state.pool, id).await?;
    let checked = check_nominee(&state, &council, &quotas, &typed);
    let nominee = match checked {
        Ok(nominee) => nominee,
        Err(error) => {
            let page = council_page(&state, layout, &user, id, typed).await?;
            return page.refused(error, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let mut tx = state.pool.begin().await?;
    let new = super::add_nominee(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &council,
        &nominee,
    )
    .await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/nominees/{new}"),
        "Đã ghi hồ sơ người ứng cử.",
    ))
}

async fn publish(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let council = handled(&state, &user, id).await?;
    let page = council_page(&state, layout, &user, id, typed).await?;
    let checked = (|| {
        if page.consultations.len() < 3 {
            return Err(Refusal::above(
                "Danh sách chính thức lập sau hội nghị hiệp thương lần thứ ba.",
            ));
        }
        let k = page
            .constituencies
            .iter()
            .find(|k| k.id.to_string() == field(&page.typed, "constituency"))
            .ok_or_else(|| Refusal::above("Chọn đơn vị bầu cử."))?;
        if k.list_published_on.is_some() {
            return Err(Refusal::above(
                "Danh sách chính thức của đơn vị bầu cử này đã công bố.",
            ));
        }
        let on = past_day(
            &page.typed,
            "published_on",
            "Ngày công bố",
            state.clock.today(),
        )?;
        let candidates: Vec<(i64, i32)> = page
            .unplaced()
            .into_iter()
            .filter(|n| !field(&page.typed, &format!("pick_{}", n.id)).is_empty())
            .map(|n| (n.id, n.version))
            .collect();
        let placed = HashMap::from([(k.id, candidates.len() as i64)]);
        let check = super::list_checks(&council.race_kind, std::slice::from_ref(k), &placed);
        if let Some(c) = check.iter().find(|c| !c.kept()) {
            return Err(Refusal::at("published_on")(format!(
                "Chưa thể công bố: danh sách không đủ số dư theo luật — {}: {} người cho {} ghế, cần ít nhất {}.",
                c.constituency,
                c.candidates,
                c.seats,
                c.seats + c.needed
            )));
        }
        Ok((k.id, candidates, on))
    })();
    let (constituency, candidates, on) = match checked {
        Ok(checked) => checked,
        Err(error) => return page.refused(error, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let writer = crate::checklists::pages::writer(&state, &user, &meta);
    let mut tx = state.pool.begin().await?;
    if !super::publish_list(&mut tx, &writer, &council, constituency, &candidates, on).await? {
        drop(tx);
        let error = Refusal::above(
            "Danh sách hoặc một người trong đó vừa được người khác thay đổi nên chưa công bố; xem lại trang.",
        );
        return page.refused(error, StatusCode::CONFLICT);
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/councils/{id}/candidates"),
        "Đã công bố danh sách chính thức.",
    ))
}

/// The third conference's list sent on to the election council or committee, with its document.
async fn record_sent(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let council = handled(&state, &user, id).await?;
    let page = council_page(&state, layout, &user, id, typed).await?;
    let checked = (|| {
        let third = page
            .consultations
            .iter()
            .find(|c| c.round == 3)
            .ok_or_else(|| Refusal::above("Gửi danh sách sau hội nghị hiệp thương lần thứ ba."))?;
        let on = past_day(&page.typed, "sent_on", "Ngày gửi", state.clock.today())?;
        if on < third.held_on {
            return Err(Refusal::at("sent_on")(format!(
                "Ngày gửi không thể trước hội nghị hiệp thương lần thứ ba ({}).",
                third.held_text()
            )));
        }
        let number = form::required(
            "Số văn bản",
            form::Kind::Code,
            field(&page.typed, "sent_number"),
        )
        .map_err(Refusal::at("sent_number"))?;
        Ok((number, on))
    })();
    let (number, on) = match checked {
        Ok(checked) => checked,
        Err(error) => return page.refused(error, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let writer = crate::checklists::pages::writer(&state, &user, &meta);
    let mut tx = state.pool.begin().await?;
    if !super::record_sent(&mut tx, &writer, &council, (&number, on)).await? {
        drop(tx);
        let error = Refusal::above(
            "Việc gửi danh sách vừa được người khác ghi nên chưa lưu; xem lại trang.",
        );
        return page.refused(error, StatusCode::CONFLICT);
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/councils/{id}/candidates"),
        "Đã ghi việc gửi danh sách.",
    ))
}

/// A conference's minutes or other paper: PDF, JPEG or PNG by its content, at most 10 MB.
async fn add_document(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path((id, round)): Path<(i64, i16)>,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let council = handled(&state, &user, id).await?;
    let consultation = super::consultations(&state.pool, id)
        .await?
        .into_iter()
        .find(|c| c.round == round)
        .ok_or(AppError::NotFound)?;
    let back = format!("/councils/{id}/candidates");
    let received = match crate::checklists::attachments::receive(&mut multipart, &back).await? {
        Ok(received) => received,
        Err(answer) => return Ok(answer),
    };
    let document = super::NewDocument {
        file_name: &received.file_name,
        content_type: received.content_type,
        bytes: &received.bytes,
    };
    let mut tx = state.pool.begin().await?;
    super::add_document(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &council,
        consultation.id,
        &document,
    )
    .await?;
    tx.commit().await?;
    Ok(flash::redirect(&back, "Đã lưu tài liệu."))
}

/// A conference's paper, for those who handle the council.
async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let row = sqlx::query!(
        "SELECT d.file_name, d.content_type, d.content, k.council_id
           FROM consultation_documents d JOIN consultations k ON k.id = d.consultation_id WHERE d.id = $1",
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    handled(&state, &user, row.council_id).await?;
    crate::checklists::attachments::as_download(&row.file_name, &row.content_type, row.content)
}

// ---------------------------------------------------------------------------------------------
// One nominee
