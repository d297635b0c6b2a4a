//! Elections and their races: the home page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use sqlx::{PgConnection, PgPool};

use crate::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::{Access, Routes, Scope};
use crate::format;
use crate::web::{AppResult, layout::Layout};

pub mod creating;
pub mod moving;
pub mod pages;
pub mod settings;

pub fn routes() -> Routes {
    Routes::new().get("/", Access::SignedIn, home)
}

/// An election: one election day, covering one unit's territory.
#[derive(Debug, Clone)]
pub struct Election {
    pub id: i64,
    pub name: String,
    pub election_day: NaiveDate,
    pub unit_id: i64,
    pub unit_name: String,
    /// The covered unit's ancestors, itself last: who the election concerns.
    pub unit_ancestors: Vec<i64>,
    /// The day election day was last moved from, and why.
    pub moved_from: Option<NaiveDate>,
    pub moved_reason: Option<String>,
}

impl Election {
    pub fn day_text(&self) -> String {
        format::date(self.election_day)
    }

    /// "Ngày bầu cử đã dời từ 23/05/2021 sang 30/05/2021 (lý do); …", once it has moved.
    pub fn moved_notice(&self) -> Option<String> {
        let from = self.moved_from?;
        Some(format!(
            "Ngày bầu cử đã dời từ {} sang {} ({}); mọi hạn đã tính lại theo ngày mới.",
            format::date(from),
            format::date(self.election_day),
            self.moved_reason.as_deref().unwrap_or_default()
        ))
    }

    /// Whether the election concerns someone working in this scope: its territory lies within
    /// the scope (the whole country for a national administrator), or the scope's unit lies
    /// within its territory.
    pub fn concerns(&self, scope: &Scope) -> bool {
        scope.covers(&self.unit_ancestors) || scope.unit_ancestors.contains(&self.unit_id)
    }
}

/// Every election, the latest election day first.
pub async fn all(pool: &PgPool) -> sqlx::Result<Vec<Election>> {
    sqlx::query_as!(
        Election,
        r#"SELECT e.id, e.name, e.election_day, e.unit_id, u.name AS unit_name, u.ancestors AS unit_ancestors,
                  e.moved_from, e.moved_reason
             FROM elections e JOIN units u ON u.id = e.unit_id
            ORDER BY e.election_day DESC, e.id DESC"#
    )
    .fetch_all(pool)
    .await
}

/// Who is working, for choosing their election: their scope and the election they chose.
#[derive(Clone, Copy)]
pub struct Viewer<'a> {
    pub scope: &'a Scope,
    pub chosen: Option<i64>,
}

/// The election `viewer` works on, among `elections` (latest first): the one they chose if it
/// still concerns them, or else the latest one that does.
pub fn pick(elections: &[Election], viewer: Viewer<'_>) -> Option<Election> {
    let mut concerning = elections.iter().filter(|e| e.concerns(viewer.scope));
    let chosen = viewer
        .chosen
        .and_then(|id| concerning.clone().find(|e| e.id == id));
    chosen.or_else(|| concerning.next()).cloned()
}

/// The elections that concern a scope, latest first.
pub fn concerning(elections: Vec<Election>, scope: &Scope) -> Vec<Election> {
    elections
        .into_iter()
        .filter(|e| e.concerns(scope))
        .collect()
}

/// The election `viewer` works on, read afresh.
pub async fn current(pool: &PgPool, viewer: Viewer<'_>) -> sqlx::Result<Option<Election>> {
    Ok(pick(&all(pool).await?, viewer))
}

/// The latest election of all, for work done for nobody in particular (the start-up warm-up,
/// an operator's command without a chosen election).
pub async fn latest(pool: &PgPool) -> sqlx::Result<Option<Election>> {
    Ok(all(pool).await?.into_iter().next())
}

/// The elections, as every page's heading picks from them: read again once they are a few
/// seconds old rather than on every request, since they change rarely (a new election, election
/// day moved) and every page shows one. Pages that write read them afresh with [`current`].
#[derive(Default)]
pub struct Kept(Mutex<Option<(DateTime<Utc>, Vec<Election>)>>);

impl Kept {
    /// How old the kept elections may be.
    pub const FRESH_FOR: TimeDelta = TimeDelta::seconds(5);

    pub async fn get(
        &self,
        pool: &PgPool,
        now: DateTime<Utc>,
        viewer: Viewer<'_>,
    ) -> sqlx::Result<Option<Election>> {
        if let Some((read_at, elections)) = &*self.lock()
            && now - *read_at < Kept::FRESH_FOR
        {
            return Ok(pick(elections, viewer));
        }
        let elections = all(pool).await?;
        let picked = pick(&elections, viewer);
        *self.lock() = Some((now, elections));
        Ok(picked)
    }

    /// Forgets the kept elections, after a change to one: the next page reads them afresh.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(DateTime<Utc>, Vec<Election>)>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The election `viewer` works on, read afresh; none yet is a page not found.
pub async fn required(pool: &PgPool, viewer: Viewer<'_>) -> Result<Election, crate::web::AppError> {
    current(pool, viewer)
        .await?
        .ok_or(crate::web::AppError::NotFound)
}

/// The Vietnamese name of a race kind.
pub fn race_name(kind: &str) -> &'static str {
    match kind {
        "na" => "Đại biểu Quốc hội",
        "province_council" => "Đại biểu Hội đồng nhân dân cấp tỉnh",
        "district_council" => "Đại biểu Hội đồng nhân dân cấp huyện",
        "commune_council" => "Đại biểu Hội đồng nhân dân cấp xã",
        _ => "Cuộc bầu cử khác",
    }
}

pub struct RaceRow {
    pub kind: String,
    pub councils: i64,
    pub constituencies: i64,
    pub seats_entered: Option<i64>,
}

impl RaceRow {
    pub fn name(&self) -> &'static str {
        race_name(&self.kind)
    }
    pub fn seats_text(&self) -> String {
        format::optional_number(self.seats_entered)
    }
}

pub struct Milestone {
    pub title_vi: String,
    pub title_en: String,
    pub kind: String,
    pub deadline: NaiveDate,
}

impl Milestone {
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
}

pub struct CoveredUnit {
    pub level: String,
    pub gso_code: i32,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    unit: Option<CoveredUnit>,
    races: Vec<RaceRow>,
    milestones: Vec<Milestone>,
    /// The user's tasks returned by the province (their unit's, and a district's communes').
    returned: i64,
}

async fn home(
    State(state): State<AppState>,
    layout: Layout,
    user: crate::auth::CurrentUser,
) -> AppResult<HomePage> {
    let Some(election) = layout.election.clone() else {
        return Ok(HomePage {
            layout,
            unit: None,
            races: Vec::new(),
            milestones: Vec::new(),
            returned: 0,
        });
    };
    let returned = match user.scope.unit_id() {
        Some(unit) => {
            let with_communes = user.role == crate::auth::Role::DistrictOfficer;
            crate::checklists::lists::returned(&state.pool, election.id, unit, with_communes)
                .await?
        }
        None => 0,
    };
    let unit = sqlx::query_as!(
        CoveredUnit,
        "SELECT level, gso_code, name FROM units WHERE id = $1",
        election.unit_id
    )
    .fetch_optional(&state.pool)
    .await?;
    let races = sqlx::query_as!(
        RaceRow,
        r#"SELECT r.kind,
                  (SELECT count(*) FROM councils c WHERE c.race_id = r.id) AS "councils!",
                  (SELECT count(*) FROM constituencies k WHERE k.race_id = r.id) AS "constituencies!",
                  (SELECT sum(c.seats_total) FROM councils c WHERE c.race_id = r.id)::bigint AS seats_entered
             FROM races r
            WHERE r.election_id = $1
            ORDER BY r.id"#,
        election.id
    )
    .fetch_all(&state.pool)
    .await?;
    let milestones = sqlx::query_as!(
        Milestone,
        r#"SELECT c.title_vi, c.title_en, c.kind, (e.election_day - c.offset_days) AS "deadline!"
             FROM calendar_entries c JOIN elections e ON e.id = c.election_id
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND e.election_day - c.offset_days >= $2
            ORDER BY c.offset_days DESC, c.code
            LIMIT 6"#,
        election.id,
        state.clock.today()
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(HomePage {
        layout,
        unit,
        races,
        milestones,
        returned,
    })
}

/// Sets the share of ballots a polling area receives above its voters, if the election is still
/// at `version`; true when written.
pub async fn set_ballot_reserve(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    election_id: i64,
    version: i32,
    percent: i32,
) -> sqlx::Result<bool> {
    let before = sqlx::query!(
        "SELECT ballot_reserve_percent, unit_id FROM elections WHERE id = $1 AND version = $2 FOR UPDATE",
        election_id,
        version
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(before) = before else {
        return Ok(false);
    };
    sqlx::query!(
        "UPDATE elections SET ballot_reserve_percent = $2, version = version + 1, updated_at = $3 WHERE id = $1",
        election_id,
        percent,
        now
    )
    .execute(&mut *conn)
    .await?;
    let event = Event::new("election.ballot_reserve_changed")
        .unit(before.unit_id)
        .object("election", election_id)
        .before(serde_json::json!({ "ballot_reserve_percent": before.ballot_reserve_percent }))
        .after(serde_json::json!({ "ballot_reserve_percent": percent }));
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}
