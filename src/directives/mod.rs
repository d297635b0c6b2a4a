//! Meetings and their directives: a meeting of the steering committee, the election committee or
//! an online review with its connected sites (điểm cầu), and the conclusions it addresses to
//! agencies and units. A directive's lead answers it as a task is answered (status, the document
//! that answers it, the province's review, history, overdue states); a directive to every district
//! becomes one tracked item per district, counted together. Supporters are named, not tracked.

pub mod items;
pub mod pages;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};
use crate::auth::{Role, Scope};
use crate::checklists::deadline::{self, TaskState};
use crate::clock::vietnam;
use crate::format;

/// The kinds of meeting recorded at `/meetings`; a working group's visit is recorded at `/visits`.
pub const KINDS: &[(&str, &str)] = &[
    ("steering_committee", "Họp Ban chỉ đạo"),
    ("election_committee", "Họp Ủy ban bầu cử"),
    ("online_review", "Họp trực tuyến với các điểm cầu"),
];

pub fn kind_label(kind: &str) -> &'static str {
    if kind == crate::visits::KIND {
        return "Đoàn công tác kiểm tra";
    }
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, l)| l)
}

pub struct Meeting {
    pub id: i64,
    pub election_id: i64,
    pub unit_id: i64,
    pub unit_ancestors: Vec<i64>,
    pub kind: String,
    pub held_at: DateTime<Utc>,
    pub chair: String,
    pub subject: String,
}

impl Meeting {
    pub fn when(&self) -> String {
        format::date_time(self.held_at)
    }
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }
}

pub struct Site {
    pub name: String,
    pub attendees: Option<String>,
}

/// A tracked item of a directive: who answers it and how far they are.
pub struct Item {
    pub id: i64,
    pub directive_id: i64,
    pub body: String,
    pub due_date: NaiveDate,
    pub meeting_id: i64,
    pub held_at: DateTime<Utc>,
    pub agency_id: Option<i64>,
    /// The assignee's name: the agency's, or the unit's.
    pub assignee: String,
    /// The ancestors of the unit the item belongs to (the agency's unit, or the unit itself).
    pub unit_ancestors: Vec<i64>,
    pub status: String,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub evidence_signer: Option<String>,
    pub note: Option<String>,
    pub review: String,
    pub review_comment: Option<String>,
    pub version: i32,
}

impl Item {
    pub fn state(&self, today: &NaiveDate) -> TaskState {
        deadline::state_of_task(
            &self.status,
            self.due_date,
            self.evidence_date,
            false,
            *today,
        )
    }
    pub fn due_text(&self) -> String {
        format::date(self.due_date)
    }
    pub fn meeting_day(&self) -> String {
        format::date(self.held_at.with_timezone(&vietnam()).date_naive())
    }
    pub fn status_label(&self) -> &'static str {
        deadline::status_label(&self.status)
    }
    pub fn is_returned(&self) -> bool {
        self.review == "returned"
    }
    pub fn evidence_text(&self) -> String {
        crate::checklists::evidence_text(
            self.evidence_number.as_deref(),
            self.evidence_date,
            self.evidence_signer.as_deref(),
        )
    }
    pub fn review_label(&self) -> &'static str {
        match self.review.as_str() {
            "approved" => "Tỉnh đã duyệt",
            "returned" => "Tỉnh trả lại",
            _ if self.status == "done" => "Chờ tỉnh duyệt",
            _ => "",
        }
    }
    pub fn is_open(&self) -> bool {
        self.status != "done"
    }
}

/// Who may answer an item: the officers of its agency, or the editors of its unit (province
/// officers for everything in their province).
pub fn may_answer(scope: &Scope, agency_id: Option<i64>, item: &Item) -> bool {
    match (scope.role, item.agency_id) {
        (Role::AgencyOfficer, Some(agency)) => agency_id == Some(agency),
        (Role::AgencyOfficer, None) => false,
        (_, Some(_)) => {
            matches!(scope.role, Role::Admin | Role::ProvinceOfficer)
                && scope.can_edit(&item.unit_ancestors)
        }
        (_, None) => scope.can_edit(&item.unit_ancestors),
    }
}

/// Who reviews an answer: the province's officers (and administrators) within their scope.
pub fn may_review(scope: &Scope, item: &Item) -> bool {
    matches!(scope.role, Role::Admin | Role::ProvinceOfficer) && scope.covers(&item.unit_ancestors)
}

/// Who may read an item: anyone who reads its unit (an agency officer reads its agency's unit,
/// as it reads that unit's dashboards).
pub fn may_read(scope: &Scope, item: &Item) -> bool {
    scope.can_read(&item.unit_ancestors)
}

/// The meetings of an election held by `root` or a unit below it, latest first.
pub async fn meetings(pool: &PgPool, election_id: i64, root: i64) -> sqlx::Result<Vec<Meeting>> {
    sqlx::query_as!(
        Meeting,
        r#"SELECT m.id, m.election_id, m.unit_id, u.ancestors AS unit_ancestors, m.kind, m.held_at, m.chair, m.subject
             FROM meetings m JOIN units u ON u.id = m.unit_id
            WHERE m.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY m.held_at DESC, m.id DESC"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await
}

pub async fn meeting(pool: &PgPool, id: i64) -> sqlx::Result<Option<Meeting>> {
    sqlx::query_as!(
        Meeting,
        r#"SELECT m.id, m.election_id, m.unit_id, u.ancestors AS unit_ancestors, m.kind, m.held_at, m.chair, m.subject
             FROM meetings m JOIN units u ON u.id = m.unit_id WHERE m.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

pub async fn sites(pool: &PgPool, meeting_id: i64) -> sqlx::Result<Vec<Site>> {
    sqlx::query_as!(
        Site,
        "SELECT name, attendees FROM meeting_sites WHERE meeting_id = $1 ORDER BY id",
        meeting_id
    )
    .fetch_all(pool)
    .await
}

/// Items, chosen by one of: a meeting, an item, an agency, or (open items only) a territory.
pub enum Which {
    Meeting(i64),
    One(i64),
    Agency(i64),
    OpenBelow { election_id: i64, root: i64 },
}

pub async fn items(pool: &PgPool, which: Which) -> sqlx::Result<Vec<Item>> {
    let (meeting, one, agency, election, root) = match which {
        Which::Meeting(id) => (Some(id), None, None, None, None),
        Which::One(id) => (None, Some(id), None, None, None),
        Which::Agency(id) => (None, None, Some(id), None, None),
        Which::OpenBelow { election_id, root } => (None, None, None, Some(election_id), Some(root)),
    };
    sqlx::query_as!(
        Item,
        r#"SELECT i.id, i.directive_id, d.body, d.due_date, d.meeting_id, m.held_at, i.agency_id,
                  coalesce(a.name, u.name) AS "assignee!", au.ancestors AS unit_ancestors,
                  i.status, i.evidence_number, i.evidence_date, i.evidence_signer, i.note, i.review,
                  i.review_comment, i.version
             FROM directive_items i
             JOIN directives d ON d.id = i.directive_id
             JOIN meetings m ON m.id = d.meeting_id
             LEFT JOIN agencies a ON a.id = i.agency_id
             LEFT JOIN units u ON u.id = i.unit_id
             JOIN units au ON au.id = coalesce(a.unit_id, i.unit_id)
            WHERE ($1::bigint IS NULL OR d.meeting_id = $1)
              AND ($2::bigint IS NULL OR i.id = $2)
              AND ($3::bigint IS NULL OR i.agency_id = $3)
              AND ($4::bigint IS NULL OR (m.election_id = $4 AND i.status <> 'done'
                                          AND au.ancestors @> ARRAY[$5::bigint]))
            ORDER BY d.due_date, d.id, au.ancestors, i.id"#,
        meeting,
        one,
        agency,
        election,
        root
    )
    .fetch_all(pool)
    .await
}

/// Supporters of the directives of a meeting, as (directive, name).
pub async fn supporters(pool: &PgPool, meeting_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(
        r#"SELECT s.directive_id, coalesce(a.name, u.name) AS "name!"
             FROM directive_supporters s JOIN directives d ON d.id = s.directive_id
             LEFT JOIN agencies a ON a.id = s.agency_id LEFT JOIN units u ON u.id = s.unit_id
            WHERE d.meeting_id = $1 ORDER BY s.directive_id"#,
        meeting_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.directive_id, r.name)).collect())
}

/// Someone a directive is addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignee {
    Agency(i64),
    Unit(i64),
}

impl Assignee {
    /// Read from a form value: `agency:12` or `unit:34`.
    pub fn parse(value: &str) -> Option<Assignee> {
        let (kind, id) = value.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "agency" => Some(Assignee::Agency(id)),
            "unit" => Some(Assignee::Unit(id)),
            _ => None,
        }
    }
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Assignee::Agency(id) => (Some(id), None),
            Assignee::Unit(id) => (None, Some(id)),
        }
    }
}

pub struct NewMeeting {
    pub election_id: i64,
    pub unit_id: i64,
    pub kind: &'static str,
    pub held_at: DateTime<FixedOffset>,
    pub chair: String,
    pub subject: String,
    /// Connected sites and who attended at each.
    pub sites: Vec<(String, Option<String>)>,
}

pub async fn create_meeting(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    meeting: &NewMeeting,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO meetings (election_id, unit_id, kind, held_at, chair, subject, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        meeting.election_id,
        meeting.unit_id,
        meeting.kind,
        meeting.held_at,
        meeting.chair,
        meeting.subject,
        actor.user_id,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    for (name, attendees) in &meeting.sites {
        sqlx::query!(
            "INSERT INTO meeting_sites (meeting_id, name, attendees) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            id,
            name,
            attendees.as_deref()
        )
        .execute(&mut *conn)
        .await?;
    }
    let event = Event::new("meeting.created")
        .unit(meeting.unit_id)
        .object("meeting", id)
        .after(serde_json::json!({
            "kind": meeting.kind, "held_at": meeting.held_at, "chair": meeting.chair,
            "subject": meeting.subject, "sites": meeting.sites.len(),
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

pub struct NewDirective {
    pub meeting_id: i64,
    pub unit_id: i64,
    pub body: String,
    pub due_date: NaiveDate,
    /// One tracked item each: one lead, or every district of the province.
    pub leads: Vec<Assignee>,
    pub supporters: Vec<Assignee>,
}

pub async fn create_directive(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    directive: &NewDirective,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO directives (meeting_id, body, due_date, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        directive.meeting_id,
        directive.body,
        directive.due_date,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    for lead in &directive.leads {
        let (agency, unit) = lead.ids();
        sqlx::query!(
            "INSERT INTO directive_items (directive_id, agency_id, unit_id, updated_at) VALUES ($1, $2, $3, $4)",
            id,
            agency,
            unit,
            now
        )
        .execute(&mut *conn)
        .await?;
    }
    for supporter in &directive.supporters {
        let (agency, unit) = supporter.ids();
        sqlx::query!(
            "INSERT INTO directive_supporters (directive_id, agency_id, unit_id) VALUES ($1, $2, $3)",
            id,
            agency,
            unit
        )
        .execute(&mut *conn)
        .await?;
    }
    let event = Event::new("directive.created")
        .unit(directive.unit_id)
        .object("directive", id)
        .after(serde_json::json!({
            "meeting_id": directive.meeting_id, "body": directive.body, "due_date": directive.due_date,
            "items": directive.leads.len(), "supporters": directive.supporters.len(),
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}

/// The districts directly below a province, for a directive to every district.
pub async fn districts_of(conn: &mut PgConnection, province: i64) -> sqlx::Result<Vec<Assignee>> {
    let ids = sqlx::query_scalar!(
        "SELECT id FROM units WHERE parent_id = $1 AND level = 'district' AND valid_to IS NULL ORDER BY gso_code",
        province
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.into_iter().map(Assignee::Unit).collect())
}

/// Open items of one assignee, oldest first.
pub struct Group {
    pub assignee: String,
    pub items: Vec<Item>,
}

/// Items grouped by assignee, each group's oldest first, the group with the oldest first.
pub fn by_assignee(mut items: Vec<Item>) -> Vec<Group> {
    items.sort_by(|a, b| {
        (a.assignee.as_str(), !a.is_open(), a.due_date, a.id).cmp(&(
            b.assignee.as_str(),
            !b.is_open(),
            b.due_date,
            b.id,
        ))
    });
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        match groups.last_mut() {
            Some(last) if last.assignee == item.assignee => last.items.push(item),
            _ => groups.push(Group {
                assignee: item.assignee.clone(),
                items: vec![item],
            }),
        }
    }
    groups.sort_by_key(|g| g.items.first().map(|i| (i.due_date, i.id)));
    groups
}

/// One assignee's open directives below a unit, as a dashboard counts them.
pub struct AssigneeTally {
    pub assignee: String,
    pub open: i64,
    pub overdue: i64,
    pub oldest_due: NaiveDate,
}

impl AssigneeTally {
    pub fn oldest_text(&self) -> String {
        format::date(self.oldest_due)
    }
}

/// The directives still open below `root`, counted by assignee, the oldest due first.
pub async fn open_by_assignee(
    pool: &PgPool,
    election_id: i64,
    root: i64,
    today: NaiveDate,
) -> sqlx::Result<Vec<AssigneeTally>> {
    sqlx::query_as!(
        AssigneeTally,
        r#"SELECT coalesce(a.name, u.name) AS "assignee!", count(*) AS "open!",
                  count(*) FILTER (WHERE d.due_date < $3) AS "overdue!", min(d.due_date) AS "oldest_due!"
             FROM directive_items i
             JOIN directives d ON d.id = i.directive_id
             JOIN meetings m ON m.id = d.meeting_id
             LEFT JOIN agencies a ON a.id = i.agency_id
             LEFT JOIN units u ON u.id = i.unit_id
             JOIN units au ON au.id = coalesce(a.unit_id, i.unit_id)
            WHERE m.election_id = $1 AND i.status <> 'done' AND au.ancestors @> ARRAY[$2::bigint]
            GROUP BY 1 ORDER BY 4, 1"#,
        election_id,
        root,
        today
    )
    .fetch_all(pool)
    .await
}

/// The open items addressed to a user: their agency's, or their own unit's.
pub async fn addressed_to(
    pool: &PgPool,
    election_id: i64,
    scope: &Scope,
    agency_id: Option<i64>,
) -> sqlx::Result<Vec<Item>> {
    let items = match (scope.role, agency_id, scope.unit_id()) {
        (Role::AgencyOfficer, Some(agency), _) => items(pool, Which::Agency(agency)).await?,
        (Role::AgencyOfficer, None, _) | (_, _, None) => return Ok(Vec::new()),
        (_, _, Some(unit)) => items(
            pool,
            Which::OpenBelow {
                election_id,
                root: unit,
            },
        )
        .await?
        .into_iter()
        .filter(|item| item.agency_id.is_none() && item.unit_ancestors.last() == Some(&unit))
        .collect(),
    };
    Ok(items.into_iter().filter(Item::is_open).collect())
}

/// A meeting's document, as its page lists it.
pub struct Document {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub size_bytes: i32,
}

impl Document {
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "agenda" => "Chương trình",
            "minutes" => "Biên bản",
            _ => "Tài liệu khác",
        }
    }
}

pub async fn documents(pool: &PgPool, meeting_id: i64) -> sqlx::Result<Vec<Document>> {
    sqlx::query_as!(
        Document,
        "SELECT id, kind, file_name, size_bytes FROM meeting_documents WHERE meeting_id = $1 ORDER BY id",
        meeting_id
    )
    .fetch_all(pool)
    .await
}

/// A document to keep: its kind, its safe name, its type by content, its bytes.
pub struct NewDocument<'a> {
    pub kind: &'static str,
    pub file_name: &'a str,
    pub content_type: &'static str,
    pub bytes: &'a [u8],
}

/// Keeps a document of a meeting, with its audit record.
pub async fn add_document(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    meeting: &Meeting,
    document: &NewDocument<'_>,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO meeting_documents (meeting_id, kind, file_name, content_type, size_bytes, content, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        meeting.id,
        document.kind,
        document.file_name,
        document.content_type,
        i32::try_from(document.bytes.len()).unwrap_or(i32::MAX),
        document.bytes,
        actor.user_id,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let event = Event::new("meeting.document_added")
        .unit(meeting.unit_id)
        .object("meeting_document", id)
        .after(serde_json::json!({
            "meeting": meeting.id, "kind": document.kind, "file_name": document.file_name,
            "size": document.bytes.len(),
        }));
    audit::record(conn, actor, now, event).await?;
    Ok(id)
}
