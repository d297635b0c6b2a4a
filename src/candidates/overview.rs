//! `/candidates?unit=…`: the councils of a unit and of the units directly below it, each with its
//! seats, where it stands in the process, its nominees at each stage, the ratio of official
//! candidates to seats, and the composition of its current list against the race's targets. The
//! dashboards link here, and so do the heatmap's cells of the candidate entries. Counts only: no
//! personal data.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;
use sqlx::PgPool;

use super::rules;
use crate::AppState;
use crate::auth::{Access, CurrentUser, Routes};
use crate::units::pages::Reach;
use crate::web::{AppError, AppResult, layout::Layout};

pub fn routes() -> Routes {
    Routes::new().get("/candidates", Access::SignedIn, show)
}

/// One council's standing, counted from its records.
pub struct Row {
    pub council_id: i64,
    pub unit_name: String,
    pub race_kind: String,
    pub seats: Option<i32>,
    pub rounds: i32,
    pub published: bool,
    pub nominees: i64,
    pub qualified: i64,
    pub official: i64,
    /// The current list: the official one once published, else those still in the process.
    pub current: i64,
    pub women: i64,
    pub minorities: i64,
    pub women_target: Option<i32>,
    pub minority_target: Option<i32>,
}

impl Row {
    pub fn race_name(&self) -> &'static str {
        crate::elections::race_name(&self.race_kind)
    }
    /// Where the council stands, in the process's words.
    pub fn stage(&self) -> &'static str {
        match (self.published, self.rounds) {
            (true, _) => "Đã công bố danh sách chính thức",
            (false, 3) => "Đã hiệp thương lần thứ ba",
            (false, 2) => "Đã hiệp thương lần thứ hai",
            (false, 1) => "Đã hiệp thương lần thứ nhất",
            _ => "Chưa hiệp thương",
        }
    }
    pub fn seats_text(&self) -> String {
        self.seats
            .map_or_else(|| "—".to_string(), |s| s.to_string())
    }
    pub fn ratio_text(&self) -> String {
        rules::per_seat_text(self.official, self.seats)
    }
    pub fn women_text(&self) -> String {
        rules::share_text(self.women, self.current)
    }
    pub fn minorities_text(&self) -> String {
        rules::share_text(self.minorities, self.current)
    }
    pub fn women_short(&self) -> bool {
        self.current > 0
            && self
                .women_target
                .is_some_and(|t| !rules::meets_target(self.women, self.current, t))
    }
    pub fn minorities_short(&self) -> bool {
        self.current > 0
            && self
                .minority_target
                .is_some_and(|t| !rules::meets_target(self.minorities, self.current, t))
    }
}

/// The councils of `root` and of the units directly below it, in one statement.
pub async fn rows(pool: &PgPool, election_id: i64, root: i64) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as!(
        Row,
        r#"WITH c AS (
               SELECT c.id, c.race_id, c.unit_id, c.seats_total,
                      EXISTS (SELECT 1 FROM constituencies k WHERE k.council_id = c.id)
                        AND NOT EXISTS (SELECT 1 FROM constituencies k
                                         WHERE k.council_id = c.id AND k.list_published_on IS NULL) AS published
                 FROM councils c JOIN races r ON r.id = c.race_id JOIN units u ON u.id = c.unit_id
                WHERE r.election_id = $1 AND (u.id = $2 OR u.parent_id = $2)
           )
           SELECT c.id AS council_id, u.name AS unit_name, r.kind AS race_kind,
                  coalesce(c.seats_total, (SELECT sum(k.seats)::int FROM constituencies k WHERE k.council_id = c.id))
                      AS seats,
                  coalesce((SELECT max(k.round)::int FROM consultations k WHERE k.council_id = c.id), 0) AS "rounds!",
                  c.published AS "published!",
                  n.nominees AS "nominees!", n.qualified AS "qualified!", n.official AS "official!",
                  n.current AS "current!", n.women AS "women!", n.minorities AS "minorities!",
                  (SELECT t.min_percent FROM composition_targets t WHERE t.race_id = r.id AND t.measure = 'women') AS women_target,
                  (SELECT t.min_percent FROM composition_targets t WHERE t.race_id = r.id AND t.measure = 'ethnic_minority') AS minority_target
             FROM c
             JOIN races r ON r.id = c.race_id
             JOIN units u ON u.id = c.unit_id
             -- Each council's nominees by its index: never a pass over the country's.
             CROSS JOIN LATERAL (
                  SELECT count(*) AS nominees,
                         count(*) FILTER (WHERE m.stage IN ('qualified', 'official')) AS qualified,
                         count(*) FILTER (WHERE m.stage = 'official' AND m.left_at IS NULL) AS official,
                         count(*) FILTER (WHERE m.left_at IS NULL AND (NOT c.published OR m.stage = 'official')) AS current,
                         count(*) FILTER (WHERE m.left_at IS NULL AND (NOT c.published OR m.stage = 'official')
                                            AND m.gender = 'female') AS women,
                         count(*) FILTER (WHERE m.left_at IS NULL AND (NOT c.published OR m.stage = 'official')
                                            AND m.ethnicity <> $3) AS minorities
                    FROM nominees m WHERE m.council_id = c.id
             ) n
            ORDER BY u.id <> $2, u.gso_code, r.id"#,
        election_id,
        root,
        super::MAJORITY_ETHNICITY
    )
    .fetch_all(pool)
    .await
}

#[derive(Deserialize, Default)]
struct UnitQuery {
    #[serde(default)]
    unit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "candidates/overview.html")]
struct OverviewPage {
    layout: Layout,
    unit_name: String,
    rows: Vec<Row>,
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<UnitQuery>,
) -> AppResult<OverviewPage> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?;
    let unit =
        crate::units::pages::from_query(&state.pool, &layout, &user, &query.unit, Reach::Read)
            .await?;
    let rows = rows(&state.pool, election.id, unit.id).await?;
    Ok(OverviewPage {
        layout,
        unit_name: unit.name,
        rows,
    })
}
