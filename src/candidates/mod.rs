//! Candidates through the three consultation conferences (DOMAIN.md §8), per council: the first
//! conference's quotas, the nominees and their dossiers, the second conference's preliminary list,
//! the voter meetings and the questions voters raise, the third conference's qualified list, and
//! the official list published per constituency under the surplus rule, with withdrawals after it.
//!
//! Every change to a nominee, a conference or a list goes through this module, each with one audit
//! record; the checklist tasks about conferences and lists follow the records (`follow_task`),
//! never ticked on their own.

pub mod overview;
pub mod pages;
pub mod rules;

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};
use crate::checklists::record::{self, Change, Report, Writer};
use crate::format;

pub const GENDERS: &[(&str, &str)] = &[("female", "Nữ"), ("male", "Nam")];
pub const STAGES: &[(&str, &str)] = &[
    ("nominated", "Đã nộp hồ sơ"),
    ("preliminary", "Danh sách sơ bộ"),
    ("qualified", "Đủ tiêu chuẩn"),
    ("official", "Danh sách chính thức"),
];
pub const LEFT: &[(&str, &str)] = &[
    ("consultation_2", "Không đưa vào danh sách sơ bộ"),
    ("consultation_3", "Không đủ tiêu chuẩn"),
    ("withdrawn", "Rút khỏi danh sách"),
    ("removed", "Bị xóa tên khỏi danh sách"),
];
pub const MEASURES: &[(&str, &str)] = &[
    ("women", "Phụ nữ"),
    ("ethnic_minority", "Người dân tộc thiểu số"),
    ("non_party", "Người ngoài Đảng"),
    ("under_40", "Người dưới 40 tuổi"),
];
pub const PLACE_KINDS: &[(&str, &str)] =
    &[("residence", "Nơi cư trú"), ("workplace", "Nơi công tác")];

/// The ethnicity not counted as a minority.
pub const MAJORITY_ETHNICITY: &str = "Kinh";

pub fn label(list: &[(&str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

/// A council with what its candidate pages need.
pub struct Council {
    pub id: i64,
    pub election_id: i64,
    pub election_day: NaiveDate,
    pub race_kind: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_ancestors: Vec<i64>,
    pub seats_total: Option<i32>,
}

impl Council {
    pub fn race_name(&self) -> &'static str {
        crate::elections::race_name(&self.race_kind)
    }
    /// The calendar entry whose task publishing this council's list completes.
    pub fn list_task(&self) -> &'static str {
        if self.race_kind == "na" {
            "na_official_list_published"
        } else {
            "hdnd_official_lists_published"
        }
    }
}

pub async fn council(pool: &PgPool, id: i64) -> sqlx::Result<Option<Council>> {
    sqlx::query_as!(
        Council,
        r#"SELECT c.id, r.election_id, e.election_day, r.kind AS race_kind, c.unit_id, u.name AS unit_name,
                  u.ancestors AS unit_ancestors,
                  -- The total set for the council, else what its constituencies elect.
                  coalesce(c.seats_total, (SELECT sum(k.seats)::int FROM constituencies k WHERE k.council_id = c.id))
                      AS seats_total
             FROM councils c JOIN races r ON r.id = c.race_id JOIN elections e ON e.id = r.election_id
             JOIN units u ON u.id = c.unit_id
            WHERE c.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// A consultation conference as recorded.
pub struct Consultation {
    pub id: i64,
    pub round: i16,
    pub held_on: NaiveDate,
    pub attendance: i32,
    pub minutes_number: String,
    pub note: Option<String>,
    pub sent_on: Option<NaiveDate>,
    pub sent_number: Option<String>,
}

impl Consultation {
    pub fn held_text(&self) -> String {
        format::date(self.held_on)
    }
    pub fn sent_text(&self) -> String {
        self.sent_on.map(format::date).unwrap_or_default()
    }
}

pub async fn consultations(pool: &PgPool, council: i64) -> sqlx::Result<Vec<Consultation>> {
    sqlx::query_as!(
        Consultation,
        "SELECT id, round, held_on, attendance, minutes_number, note, sent_on, sent_number FROM consultations
          WHERE council_id = $1 ORDER BY round",
        council
    )
    .fetch_all(pool)
    .await
}

pub struct Quota {
    pub id: i64,
    pub nominator: String,
    pub seats: i32,
    pub structure: Option<String>,
    /// Nominees put forward against it.
    pub nominated: i64,
}

pub async fn quotas(pool: &PgPool, council: i64) -> sqlx::Result<Vec<Quota>> {
    sqlx::query_as!(
        Quota,
        r#"SELECT q.id, q.nominator, q.seats, q.structure,
                  (SELECT count(*) FROM nominees n WHERE n.quota_id = q.id) AS "nominated!"
             FROM nomination_quotas q WHERE q.council_id = $1 ORDER BY q.id"#,
        council
    )
    .fetch_all(pool)
    .await
}

/// A nominee with everything the law's forms hold, and where they stand.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Nominee {
    pub id: i64,
    pub council_id: i64,
    pub quota_id: Option<i64>,
    pub nominator: Option<String>,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub gender: String,
    pub ethnicity: String,
    pub religion: String,
    pub hometown: String,
    pub residence: String,
    pub education: String,
    pub occupation: String,
    pub workplace: String,
    pub party_joined_on: Option<NaiveDate>,
    pub current_deputy: bool,
    pub dossier_received_at: DateTime<Utc>,
    pub stage: String,
    pub left_at: Option<String>,
    pub left_reason: Option<String>,
    pub left_on: Option<NaiveDate>,
    pub constituency_id: Option<i64>,
    pub constituency_name: Option<String>,
    pub version: i32,
}

impl Nominee {
    /// Still in the process: not left out, withdrawn or removed.
    pub fn is_in(&self) -> bool {
        self.left_at.is_none()
    }
    pub fn is_woman(&self) -> bool {
        self.gender == "female"
    }
    pub fn is_minority(&self) -> bool {
        self.ethnicity != MAJORITY_ETHNICITY
    }
    pub fn is_party_member(&self) -> bool {
        self.party_joined_on.is_some()
    }
    /// Under 40 on election day.
    pub fn is_under_40(&self, election_day: NaiveDate) -> bool {
        election_day
            .years_since(self.birth_date)
            .is_some_and(|age| age < 40)
    }
    pub fn birth_text(&self) -> String {
        format::date(self.birth_date)
    }
    pub fn gender_label(&self) -> &'static str {
        label(GENDERS, &self.gender)
    }
    pub fn party_text(&self) -> String {
        self.party_joined_on.map(format::date).unwrap_or_default()
    }
    pub fn received_text(&self) -> String {
        format::date_time(self.dossier_received_at)
    }
    pub fn stage_label(&self) -> &'static str {
        match &self.left_at {
            Some(left) => label(LEFT, left),
            None => label(STAGES, &self.stage),
        }
    }
    pub fn nominator_text(&self) -> &str {
        self.nominator.as_deref().unwrap_or("Tự ứng cử")
    }
}

/// The nominees of a council (or one nominee), in the order of the posted lists: by given name,
/// then full name, in the Vietnamese collation.
pub async fn nominees(
    pool: &PgPool,
    council: Option<i64>,
    one: Option<i64>,
) -> sqlx::Result<Vec<Nominee>> {
    sqlx::query_as!(
        Nominee,
        r#"SELECT n.id, n.council_id, n.quota_id, q.nominator AS "nominator?", n.full_name, n.birth_date, n.gender,
                  n.ethnicity, n.religion, n.hometown, n.residence, n.education, n.occupation, n.workplace,
                  n.party_joined_on, n.current_deputy, n.dossier_received_at, n.stage, n.left_at, n.left_reason,
                  n.left_on, n.constituency_id, k.name AS "constituency_name?", n.version
             FROM nominees n
             LEFT JOIN nomination_quotas q ON q.id = n.quota_id
             LEFT JOIN constituencies k ON k.id = n.constituency_id
            WHERE ($1::bigint IS NULL OR n.council_id = $1) AND ($2::bigint IS NULL OR n.id = $2)
            ORDER BY regexp_replace(n.full_name, '^.*\s', '') COLLATE "vi-VN-x-icu",
                     n.full_name COLLATE "vi-VN-x-icu", n.id"#,
        council,
        one
    )
    .fetch_all(pool)
    .await
}

/// A voter meeting about a nominee.
pub struct VoterMeeting {
    pub id: i64,
    pub nominee_id: i64,
    pub place_kind: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub invited: i32,
    pub attending: i32,
    pub confident: i32,
}

impl VoterMeeting {
    pub fn has_confidence(&self) -> bool {
        rules::has_confidence(self.attending, self.confident)
    }
    pub fn share_text(&self) -> String {
        rules::share_text(self.confident.into(), self.attending.into())
    }
    pub fn held_text(&self) -> String {
        format::date(self.held_on)
    }
    pub fn place_kind_label(&self) -> &'static str {
        label(PLACE_KINDS, &self.place_kind)
    }
}

/// Of a council's nominees, or of one of them.
pub async fn voter_meetings(
    pool: &PgPool,
    council: i64,
    nominee: Option<i64>,
) -> sqlx::Result<Vec<VoterMeeting>> {
    sqlx::query_as!(
        VoterMeeting,
        "SELECT m.id, m.nominee_id, m.place_kind, m.held_on, m.place, m.invited, m.attending, m.confident
           FROM voter_meetings m JOIN nominees n ON n.id = m.nominee_id
          WHERE n.council_id = $1 AND ($2::bigint IS NULL OR n.id = $2) ORDER BY m.held_on, m.id",
        council,
        nominee
    )
    .fetch_all(pool)
    .await
}

pub struct VoterIssue {
    pub id: i64,
    pub nominee_id: i64,
    pub raised_on: NaiveDate,
    pub raised: String,
    pub verified_on: Option<NaiveDate>,
    pub finding: Option<String>,
    pub version: i32,
}

impl VoterIssue {
    pub fn is_open(&self) -> bool {
        self.verified_on.is_none()
    }
    pub fn raised_text(&self) -> String {
        format::date(self.raised_on)
    }
    pub fn verified_text(&self) -> String {
        self.verified_on.map(format::date).unwrap_or_default()
    }
}

/// Of a council's nominees, or of one of them.
pub async fn voter_issues(
    pool: &PgPool,
    council: i64,
    nominee: Option<i64>,
) -> sqlx::Result<Vec<VoterIssue>> {
    sqlx::query_as!(
        VoterIssue,
        "SELECT i.id, i.nominee_id, i.raised_on, i.raised, i.verified_on, i.finding, i.version
           FROM voter_issues i JOIN nominees n ON n.id = i.nominee_id
          WHERE n.council_id = $1 AND ($2::bigint IS NULL OR n.id = $2) ORDER BY i.raised_on, i.id",
        council,
        nominee
    )
    .fetch_all(pool)
    .await
}

/// What a nominee's voter meetings and questions say before the third conference.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    /// A meeting where they live was held.
    pub met_at_residence: bool,
    /// Every meeting held gave them the confidence of more than half of those attending.
    pub confident: bool,
    pub open_issues: usize,
}

impl Standing {
    /// Whether the third conference may find them qualified.
    pub fn may_qualify(self) -> bool {
        self.met_at_residence && self.confident && self.open_issues == 0
    }
}

pub fn standing(nominee: i64, meetings: &[VoterMeeting], issues: &[VoterIssue]) -> Standing {
    let theirs: Vec<&VoterMeeting> = meetings
        .iter()
        .filter(|m| m.nominee_id == nominee)
        .collect();
    Standing {
        met_at_residence: theirs.iter().any(|m| m.place_kind == "residence"),
        confident: theirs.iter().all(|m| m.has_confidence()),
        open_issues: issues
            .iter()
            .filter(|i| i.nominee_id == nominee && i.is_open())
            .count(),
    }
}

/// A constituency of the council with its seats, for the lists.
#[derive(Clone)]
pub struct Constituency {
    pub id: i64,
    pub number: i32,
    pub name: String,
    pub seats: i32,
    pub list_published_on: Option<NaiveDate>,
}

impl Constituency {
    pub fn published_text(&self) -> String {
        self.list_published_on.map(format::date).unwrap_or_default()
    }
}

pub async fn constituencies(pool: &PgPool, council: i64) -> sqlx::Result<Vec<Constituency>> {
    sqlx::query_as!(
        Constituency,
        "SELECT id, number, name, seats, list_published_on FROM constituencies WHERE council_id = $1 ORDER BY number",
        council
    )
    .fetch_all(pool)
    .await
}

/// A composition target of the council's race.
pub struct Target {
    pub measure: String,
    pub min_percent: i32,
}

pub async fn targets(pool: &PgPool, council: i64) -> sqlx::Result<Vec<Target>> {
    sqlx::query_as!(
        Target,
        "SELECT t.measure, t.min_percent FROM composition_targets t JOIN councils c ON c.race_id = t.race_id
          WHERE c.id = $1 ORDER BY t.measure",
        council
    )
    .fetch_all(pool)
    .await
}

/// One measure's share among some nominees, against its target if it has one.
pub struct Share {
    pub measure: &'static str,
    pub count: i64,
    pub of: i64,
    pub min_percent: Option<i32>,
}

impl Share {
    pub fn label(&self) -> &'static str {
        label(MEASURES, self.measure)
    }
    pub fn text(&self) -> String {
        rules::share_text(self.count, self.of)
    }
    pub fn meets(&self) -> Option<bool> {
        self.min_percent
            .map(|min| rules::meets_target(self.count, self.of, min))
    }
}

/// The composition of some nominees, each measure against the race's target.
pub fn composition(
    nominees: &[&Nominee],
    election_day: NaiveDate,
    targets: &[Target],
) -> Vec<Share> {
    let of = nominees.len() as i64;
    let count =
        |test: &dyn Fn(&Nominee) -> bool| nominees.iter().filter(|n| test(n)).count() as i64;
    MEASURES
        .iter()
        .map(|(measure, _)| {
            let counted = match *measure {
                "women" => count(&|n| n.is_woman()),
                "ethnic_minority" => count(&|n| n.is_minority()),
                "non_party" => count(&|n| !n.is_party_member()),
                _ => count(&|n| n.is_under_40(election_day)),
            };
            Share {
                measure,
                count: counted,
                of,
                min_percent: targets
                    .iter()
                    .find(|t| t.measure == *measure)
                    .map(|t| t.min_percent),
            }
        })
        .collect()
}

/// A constituency's official list against the surplus rule.
pub struct ListCheck {
    pub constituency: String,
    pub seats: i32,
    pub candidates: i64,
    pub needed: i32,
}

impl ListCheck {
    pub fn kept(&self) -> bool {
        self.candidates >= i64::from(self.seats + self.needed)
    }
}

/// Each constituency's candidates (nominees placed in it and still on the list) against its seats.
pub fn list_checks(
    race_kind: &str,
    constituencies: &[Constituency],
    placed: &HashMap<i64, i64>,
) -> Vec<ListCheck> {
    constituencies
        .iter()
        .map(|k| ListCheck {
            constituency: k.name.clone(),
            seats: k.seats,
            candidates: placed.get(&k.id).copied().unwrap_or(0),
            needed: rules::surplus_needed(race_kind, k.seats),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Writing

/// What a conference recorded.
pub struct NewConsultation {
    pub round: i16,
    pub held_on: NaiveDate,
    pub attendance: i32,
    pub minutes_number: String,
    pub note: Option<String>,
}

/// Its outcome: the quotas (round 1), or for each nominee before it, kept or left out with why.
pub enum Outcome {
    Quotas(Vec<(String, i32, Option<String>)>),
    Decisions(Vec<(i64, Option<String>)>),
}

fn actor_of(writer: &Writer) -> Actor {
    Actor {
        user_id: Some(writer.user_id),
        session_id: writer.session_id,
        client_addr: writer.client_addr,
    }
}

/// Records a conference and its outcome, and lets the unit's task about it follow. False when the
/// round was recorded meanwhile or the task changed (the caller then writes nothing).
pub async fn record_consultation(
    conn: &mut PgConnection,
    writer: &Writer,
    council: &Council,
    held: &NewConsultation,
    outcome: &Outcome,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO consultations (council_id, round, held_on, attendance, minutes_number, note, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (council_id, round) DO NOTHING RETURNING id",
        council.id,
        held.round,
        held.held_on,
        held.attendance,
        held.minutes_number,
        held.note,
        writer.user_id,
        writer.at
    )
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        return Ok(false);
    }
    let (before, after) = match (held.round, outcome) {
        (_, Outcome::Quotas(quotas)) => {
            let nominators: Vec<&str> = quotas.iter().map(|(name, _, _)| name.as_str()).collect();
            let seats: Vec<i32> = quotas.iter().map(|(_, seats, _)| *seats).collect();
            let structures: Vec<Option<String>> = quotas
                .iter()
                .map(|(_, _, structure)| structure.clone())
                .collect();
            sqlx::query!(
                "INSERT INTO nomination_quotas (council_id, nominator, seats, structure)
                 SELECT $1, * FROM UNNEST($2::text[], $3::int[], $4::text[])",
                council.id,
                &nominators as &[&str],
                &seats,
                &structures as &[Option<String>]
            )
            .execute(&mut *conn)
            .await?;
            ("", "")
        }
        (2, Outcome::Decisions(decisions)) => {
            decide(
                conn,
                writer,
                decisions,
                "nominated",
                "preliminary",
                "consultation_2",
                held.held_on,
            )
            .await?;
            ("nominated", "preliminary")
        }
        (_, Outcome::Decisions(decisions)) => {
            decide(
                conn,
                writer,
                decisions,
                "preliminary",
                "qualified",
                "consultation_3",
                held.held_on,
            )
            .await?;
            ("preliminary", "qualified")
        }
    };
    // Who moved on and who was left out, by id (the reasons stay with the nominees' rows).
    let (kept, left): (Vec<i64>, Vec<i64>) = match outcome {
        Outcome::Decisions(decisions) => {
            let kept = decisions
                .iter()
                .filter(|(_, r)| r.is_none())
                .map(|(id, _)| *id);
            let left = decisions
                .iter()
                .filter(|(_, r)| r.is_some())
                .map(|(id, _)| *id);
            (kept.collect(), left.collect())
        }
        Outcome::Quotas(_) => (Vec::new(), Vec::new()),
    };
    let event = Event::new("consultation.recorded")
        .unit(council.unit_id)
        .object("council", council.id)
        .after(serde_json::json!({
            "round": held.round, "held_on": held.held_on, "attendance": held.attendance,
            "minutes_number": held.minutes_number, "from": before, "to": after,
            "kept": kept, "left": left,
        }));
    audit::record(conn, &actor_of(writer), writer.at, event).await?;
    let code = match held.round {
        1 => "consultation_1",
        2 => "consultation_2",
        _ => "consultation_3",
    };
    let evidence = (held.minutes_number.clone(), held.held_on);
    follow_task(
        conn,
        writer,
        council,
        code,
        evidence,
        Done::Held(held.round),
    )
    .await
}

/// Records that the third conference's list was sent on to the election council or committee,
/// and lets the unit's task about it follow. False when it was recorded meanwhile or the task
/// changed.
pub async fn record_sent(
    conn: &mut PgConnection,
    writer: &Writer,
    council: &Council,
    (number, on): (&str, NaiveDate),
) -> sqlx::Result<bool> {
    let sent = sqlx::query_scalar!(
        "UPDATE consultations SET sent_on = $2, sent_number = $3
          WHERE council_id = $1 AND round = 3 AND sent_on IS NULL RETURNING id",
        council.id,
        on,
        number
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(consultation) = sent else {
        return Ok(false);
    };
    let event = Event::new("qualified_list.sent")
        .unit(council.unit_id)
        .object("consultation", consultation)
        .after(serde_json::json!({ "sent_on": on, "number": number }));
    audit::record(conn, &actor_of(writer), writer.at, event).await?;
    let evidence = (number.to_string(), on);
    follow_task(
        conn,
        writer,
        council,
        "qualified_lists_sent",
        evidence,
        Done::Sent,
    )
    .await
}

/// A conference's paper (its minutes, by default), already checked by content.
pub struct NewDocument<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

pub async fn add_document(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    council: &Council,
    consultation: i64,
    document: &NewDocument<'_>,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO consultation_documents (consultation_id, file_name, content_type, size_bytes, content, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        consultation,
        document.file_name,
        document.content_type,
        i32::try_from(document.bytes.len()).unwrap_or(i32::MAX),
        document.bytes,
        actor.user_id,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let event = Event::new("consultation.document_added")
        .unit(council.unit_id)
        .object("consultation_document", id)
        .after(serde_json::json!({
            "consultation": consultation, "file_name": document.file_name, "size": document.bytes.len(),
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

/// The papers of a council's conferences: id, conference round, file name.
pub async fn documents(pool: &PgPool, council: i64) -> sqlx::Result<Vec<(i64, i16, String)>> {
    let rows = sqlx::query!(
        "SELECT d.id, k.round, d.file_name FROM consultation_documents d JOIN consultations k ON k.id = d.consultation_id
          WHERE k.council_id = $1 ORDER BY k.round, d.id",
        council
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.round, r.file_name))
        .collect())
}

/// Moves each nominee at stage `from` on (kept) or out (with its reason).
async fn decide(
    conn: &mut PgConnection,
    writer: &Writer,
    decisions: &[(i64, Option<String>)],
    from: &str,
    to: &str,
    left_at: &str,
    on: NaiveDate,
) -> sqlx::Result<()> {
    let ids: Vec<i64> = decisions.iter().map(|(id, _)| *id).collect();
    let reasons: Vec<Option<String>> = decisions.iter().map(|(_, why)| why.clone()).collect();
    // Kept: on to `to`. Left out (a reason given): stays at `from`, marked as left there.
    sqlx::query!(
        "UPDATE nominees n
            SET stage = CASE WHEN d.reason IS NULL THEN $3 ELSE $4 END,
                left_at = CASE WHEN d.reason IS NULL THEN NULL ELSE $5 END,
                left_reason = d.reason,
                left_on = CASE WHEN d.reason IS NULL THEN NULL ELSE $6::date END,
                version = n.version + 1, updated_at = $7
           FROM UNNEST($1::bigint[], $2::text[]) AS d(id, reason)
          WHERE n.id = d.id AND n.stage = $4 AND n.left_at IS NULL",
        &ids,
        &reasons as &[Option<String>],
        to,
        from,
        left_at,
        on,
        writer.at
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When the unit's task about a conference or a list is done.
enum Done {
    /// Once every council of the unit has recorded this round.
    Held(i16),
    /// Once every council of the unit has sent its third conference's list on.
    Sent,
    /// Once every constituency of the unit's councils of this race kind ("na" or the councils)
    /// has its list published.
    Published,
}

/// The unit's task `code` is recorded done with the record's number and date as its evidence,
/// once every council of the unit has its record. False when the task changed meanwhile.
async fn follow_task(
    conn: &mut PgConnection,
    writer: &Writer,
    council: &Council,
    code: &str,
    (number, date): (String, NaiveDate),
    done: Done,
) -> sqlx::Result<bool> {
    let missing = match done {
        Done::Held(round) => sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM councils c JOIN races r ON r.id = c.race_id
                WHERE c.unit_id = $1 AND r.election_id = $2
                  AND NOT EXISTS (SELECT 1 FROM consultations k WHERE k.council_id = c.id AND k.round = $3)"#,
            council.unit_id,
            council.election_id,
            round
        )
        .fetch_one(&mut *conn)
        .await?,
        Done::Sent => sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM councils c JOIN races r ON r.id = c.race_id
                WHERE c.unit_id = $1 AND r.election_id = $2
                  AND NOT EXISTS (SELECT 1 FROM consultations k
                                   WHERE k.council_id = c.id AND k.round = 3 AND k.sent_on IS NOT NULL)"#,
            council.unit_id,
            council.election_id
        )
        .fetch_one(&mut *conn)
        .await?,
        Done::Published => sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM councils c JOIN races r ON r.id = c.race_id
                 JOIN constituencies k ON k.council_id = c.id
                WHERE c.unit_id = $1 AND r.election_id = $2 AND (r.kind = 'na') = ($3 = 'na')
                  AND k.list_published_on IS NULL"#,
            council.unit_id,
            council.election_id,
            council.race_kind
        )
        .fetch_one(&mut *conn)
        .await?,
    };
    if missing > 0 {
        return Ok(true);
    }
    let task = sqlx::query!(
        "SELECT t.id, t.version, t.status, t.note FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
          WHERE c.election_id = $1 AND c.code = $2 AND t.unit_id = $3 AND c.retired_at IS NULL",
        council.election_id,
        code,
        council.unit_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(task) = task else {
        return Ok(true);
    };
    if task.status == "done" {
        return Ok(true);
    }
    let report = Report {
        status: "done",
        reason: None,
        evidence_number: Some(number),
        evidence_date: Some(date),
        evidence_signer: None,
        note: task.note,
        before_go_live: false,
    };
    let change = Change::Report {
        report: &report,
        submission: None,
    };
    record::save(conn, writer, task.id, task.version, change).await
}

/// The calendar entries whose tasks follow this module's records: a task form offers them no
/// status of their own.
pub const FOLLOWING_TASKS: [&str; 6] = [
    "consultation_1",
    "consultation_2",
    "consultation_3",
    "qualified_lists_sent",
    "na_official_list_published",
    "hdnd_official_lists_published",
];

/// The calendar entries about candidates, whose heatmap cells lead to the councils' standing.
pub const ABOUT_CANDIDATES: [&str; 9] = [
    "nominee_structure",
    "consultation_1",
    "candidate_dossiers_closed",
    "consultation_2",
    "voter_meetings_done",
    "consultation_3",
    "qualified_lists_sent",
    "na_official_list_published",
    "hdnd_official_lists_published",
];

/// Why a task cannot be recorded done by hand, if its entry follows a record of this module.
pub fn done_only_by_record(code: &str) -> Option<&'static str> {
    FOLLOWING_TASKS.contains(&code).then_some(
        "Việc này tự hoàn thành khi ghi hội nghị hiệp thương hoặc công bố danh sách chính thức ở trang Người ứng cử của hội đồng; không ghi \"Đã xong\" riêng.",
    )
}

/// A nominee's dossier as received.
pub struct NewNominee {
    pub quota_id: Option<i64>,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub gender: &'static str,
    pub ethnicity: String,
    pub religion: String,
    pub hometown: String,
    pub residence: String,
    pub education: String,
    pub occupation: String,
    pub workplace: String,
    pub party_joined_on: Option<NaiveDate>,
    pub current_deputy: bool,
    pub dossier_received_at: DateTime<FixedOffset>,
}

pub async fn add_nominee(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    council: &Council,
    n: &NewNominee,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO nominees (council_id, quota_id, full_name, birth_date, gender, ethnicity, religion, hometown,
                 residence, education, occupation, workplace, party_joined_on, current_deputy, dossier_received_at,
                 created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
        council.id,
        n.quota_id,
        n.full_name,
        n.birth_date,
        n.gender,
        n.ethnicity,
        n.religion,
        n.hometown,
        n.residence,
        n.education,
        n.occupation,
        n.workplace,
        n.party_joined_on,
        n.current_deputy,
        n.dossier_received_at,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    // The audit record names the nominee by id only: the personal data stays in its table.
    let event = Event::new("nominee.added")
        .unit(council.unit_id)
        .object("nominee", id)
        .after(serde_json::json!({
            "council_id": council.id, "quota_id": n.quota_id, "dossier_received_at": n.dossier_received_at,
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

pub struct NewVoterMeeting {
    pub place_kind: &'static str,
    pub held_on: NaiveDate,
    pub place: String,
    pub invited: i32,
    pub attending: i32,
    pub confident: i32,
}

pub async fn add_voter_meeting(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    council: &Council,
    nominee: i64,
    m: &NewVoterMeeting,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO voter_meetings (nominee_id, place_kind, held_on, place, invited, attending, confident, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        nominee,
        m.place_kind,
        m.held_on,
        m.place,
        m.invited,
        m.attending,
        m.confident,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let event = Event::new("voter_meeting.recorded")
        .unit(council.unit_id)
        .object("nominee", nominee)
        .after(serde_json::json!({
            "place_kind": m.place_kind, "held_on": m.held_on, "invited": m.invited,
            "attending": m.attending, "confident": m.confident,
            "has_confidence": rules::has_confidence(m.attending, m.confident),
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

pub async fn raise_issue(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    council: &Council,
    nominee: i64,
    (raised_on, raised): (NaiveDate, &str),
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO voter_issues (nominee_id, raised_on, raised) VALUES ($1, $2, $3) RETURNING id",
        nominee,
        raised_on,
        raised
    )
    .fetch_one(&mut *conn)
    .await?;
    let event = Event::new("voter_issue.raised")
        .unit(council.unit_id)
        .object("nominee", nominee)
        .after(serde_json::json!({ "issue": id, "raised_on": raised_on }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

/// Closes a question with its verification, if it is still at `version`; true when written.
pub async fn verify_issue(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    council: &Council,
    issue: i64,
    version: i32,
    (verified_on, finding): (NaiveDate, &str),
) -> sqlx::Result<bool> {
    let written = sqlx::query_scalar!(
        "UPDATE voter_issues SET verified_on = $3, finding = $4, version = version + 1
          WHERE id = $1 AND version = $2 RETURNING nominee_id",
        issue,
        version,
        verified_on,
        finding
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(nominee) = written else {
        return Ok(false);
    };
    let event = Event::new("voter_issue.verified")
        .unit(council.unit_id)
        .object("nominee", nominee)
        .after(serde_json::json!({ "issue": issue, "verified_on": verified_on }));
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}

/// Publishes one constituency's official list: the qualified nominees placed in it. The caller
/// has checked the surplus rule on the same nominees. False when the list was published meanwhile,
/// a nominee changed, or the task changed.
pub async fn publish_list(
    conn: &mut PgConnection,
    writer: &Writer,
    council: &Council,
    constituency: i64,
    candidates: &[(i64, i32)],
    on: NaiveDate,
) -> sqlx::Result<bool> {
    let published = sqlx::query_scalar!(
        "UPDATE constituencies SET list_published_on = $3, version = version + 1, updated_at = $4
          WHERE id = $1 AND council_id = $2 AND list_published_on IS NULL RETURNING id",
        constituency,
        council.id,
        on,
        writer.at
    )
    .fetch_optional(&mut *conn)
    .await?;
    if published.is_none() {
        return Ok(false);
    }
    let ids: Vec<i64> = candidates.iter().map(|(id, _)| *id).collect();
    let versions: Vec<i32> = candidates.iter().map(|(_, version)| *version).collect();
    let moved = sqlx::query!(
        "UPDATE nominees n SET stage = 'official', constituency_id = $3, version = n.version + 1, updated_at = $4
           FROM UNNEST($1::bigint[], $2::int[]) AS c(id, version)
          WHERE n.id = c.id AND n.version = c.version AND n.stage = 'qualified' AND n.left_at IS NULL
            AND n.council_id = $5",
        &ids,
        &versions,
        constituency,
        writer.at,
        council.id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // Every nominee placed, as read, or none: one changed meanwhile and the caller drops the write.
    if moved != candidates.len() as u64 {
        return Ok(false);
    }
    let event = Event::new("candidate_list.published")
        .unit(council.unit_id)
        .object("constituency", constituency)
        .after(serde_json::json!({
            "published_on": on,
            "nominees": candidates.iter().map(|(id, _)| id).collect::<Vec<_>>(),
        }));
    audit::record(conn, &actor_of(writer), writer.at, event).await?;
    let evidence = (format!("Danh sách chính thức {}", format::date(on)), on);
    follow_task(
        conn,
        writer,
        council,
        council.list_task(),
        evidence,
        Done::Published,
    )
    .await
}

/// A candidate withdrawn or removed after publication, with why and when. `breaks_surplus` is
/// what the caller found the constituency's list would then be: recorded and shown, not refused,
/// since the law decides what follows, not the application. False when the nominee changed.
#[allow(clippy::too_many_arguments)]
pub async fn take_off_list(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    council: &Council,
    nominee: &Nominee,
    version: i32,
    (kind, reason, on): (&'static str, &str, NaiveDate),
    breaks_surplus: bool,
) -> sqlx::Result<bool> {
    let written = sqlx::query!(
        "UPDATE nominees SET left_at = $3, left_reason = $4, left_on = $5, version = version + 1, updated_at = $6
          WHERE id = $1 AND version = $2 AND stage = 'official' AND left_at IS NULL",
        nominee.id,
        version,
        kind,
        reason,
        on,
        now
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if written != 1 {
        return Ok(false);
    }
    let event = Event::new("candidate.taken_off")
        .unit(council.unit_id)
        .object("nominee", nominee.id)
        .after(serde_json::json!({
            "kind": kind, "reason": reason, "on": on, "constituency_id": nominee.constituency_id,
            "breaks_surplus": breaks_surplus,
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}
