//! Polling-place logistics, counted per polling area: the place, the voter and candidate lists
//! posted, ballots received for each race against the voters plus the province's reserve, ballot
//! boxes (main and auxiliary), seals, decoration, loudspeaker and the rehearsal, each ready or not
//! with its date. Readiness rolls up to communes, districts and the province by counting the
//! polling areas below them, read from the same rows (no second truth).

use chrono::{DateTime, FixedOffset, NaiveDate};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};

/// The items a polling area must have ready, in the order pages show them.
pub const ITEMS: &[(&str, &str)] = &[
    ("voter_list", "Niêm yết danh sách cử tri"),
    ("candidate_lists", "Niêm yết danh sách ứng cử viên"),
    ("ballots", "Phiếu bầu đủ cho mọi cuộc bầu cử"),
    ("boxes", "Hòm phiếu chính và phụ"),
    ("seals", "Niêm phong"),
    ("decoration", "Trang trí"),
    ("loudspeaker", "Loa, âm thanh"),
    ("rehearsal", "Tổng duyệt"),
];

pub const PLACE_TYPES: &[(&str, &str)] = &[
    ("school", "Trường học"),
    ("cultural_house", "Nhà văn hóa"),
    ("office", "Trụ sở cơ quan"),
    ("other", "Khác"),
];

/// The ballots a polling area needs for each race: its voters and the reserve, rounded up.
pub fn ballots_needed(voters: i32, reserve_percent: i32) -> i64 {
    let voters = i64::from(voters);
    (voters * (100 + i64::from(reserve_percent)) + 99) / 100
}

/// A polling area's logistics as stored (defaults when nothing is recorded yet).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Logistics {
    pub place: Option<String>,
    pub place_type: Option<String>,
    pub accessible: bool,
    pub voter_list_posted_on: Option<NaiveDate>,
    pub candidate_lists_posted_on: Option<NaiveDate>,
    pub ballot_boxes_main: i32,
    pub ballot_boxes_aux: i32,
    pub boxes_ready_on: Option<NaiveDate>,
    pub seals_ready_on: Option<NaiveDate>,
    pub decoration_ready_on: Option<NaiveDate>,
    pub loudspeaker_ready_on: Option<NaiveDate>,
    pub rehearsal_on: Option<NaiveDate>,
}

/// Ballots received for one race.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Ballots {
    pub race_id: i64,
    pub race_kind: String,
    pub received: Option<i32>,
    pub received_on: Option<NaiveDate>,
}

/// A polling area with what its page shows.
pub struct Area {
    pub id: i64,
    pub election_id: i64,
    pub name: String,
    pub number: i32,
    pub voters: i32,
    pub commune_name: String,
    pub commune_ancestors: Vec<i64>,
    pub reserve_percent: i32,
    pub version: i32,
    pub logistics: Logistics,
    pub ballots: Vec<Ballots>,
}

impl Area {
    pub fn needed(&self) -> i64 {
        ballots_needed(self.voters, self.reserve_percent)
    }
    /// Whether each item of [`ITEMS`] is ready, in that order.
    pub fn ready(&self) -> [bool; 8] {
        let l = &self.logistics;
        let needed = self.needed();
        [
            l.voter_list_posted_on.is_some(),
            l.candidate_lists_posted_on.is_some(),
            !self.ballots.is_empty()
                && self
                    .ballots
                    .iter()
                    .all(|b| b.received.is_some_and(|r| i64::from(r) >= needed)),
            l.boxes_ready_on.is_some() && l.ballot_boxes_main >= 1 && l.ballot_boxes_aux >= 1,
            l.seals_ready_on.is_some(),
            l.decoration_ready_on.is_some(),
            l.loudspeaker_ready_on.is_some(),
            l.rehearsal_on.is_some(),
        ]
    }
}

pub async fn area(pool: &PgPool, id: i64) -> sqlx::Result<Option<Area>> {
    Ok(areas(pool, &[id]).await?.pop())
}

/// The polling areas with these ids, in two statements whatever their number (a district's
/// areas are read at once, not one by one).
pub async fn areas(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<Area>> {
    let rows = sqlx::query!(
        r#"SELECT a.id, a.election_id, a.name, a.number, a.voters, c.name AS commune_name,
                  c.ancestors AS commune_ancestors, e.ballot_reserve_percent,
                  coalesce(l.version, 0) AS "version!", l.place, l.place_type, coalesce(l.accessible, false) AS "accessible!",
                  l.voter_list_posted_on, l.candidate_lists_posted_on,
                  coalesce(l.ballot_boxes_main, 0) AS "ballot_boxes_main!", coalesce(l.ballot_boxes_aux, 0) AS "ballot_boxes_aux!",
                  l.boxes_ready_on, l.seals_ready_on, l.decoration_ready_on, l.loudspeaker_ready_on, l.rehearsal_on
             FROM polling_areas a
             JOIN units c ON c.id = a.commune_id
             JOIN elections e ON e.id = a.election_id
             LEFT JOIN polling_logistics l ON l.polling_area_id = a.id
            WHERE a.id = ANY($1)
            ORDER BY c.gso_code, a.number"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    let ballots = sqlx::query!(
        r#"SELECT a.id AS area_id, r.id AS race_id, r.kind AS race_kind, b.received AS "received?",
                  b.received_on AS "received_on?"
             FROM polling_areas a
             JOIN races r ON r.election_id = a.election_id
             LEFT JOIN polling_ballots b ON b.race_id = r.id AND b.polling_area_id = a.id
            WHERE a.id = ANY($1)
            ORDER BY r.id"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    let mut by_area: std::collections::HashMap<i64, Vec<Ballots>> =
        std::collections::HashMap::new();
    for b in ballots {
        by_area.entry(b.area_id).or_default().push(Ballots {
            race_id: b.race_id,
            race_kind: b.race_kind,
            received: b.received,
            received_on: b.received_on,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| Area {
            ballots: by_area.remove(&row.id).unwrap_or_default(),
            id: row.id,
            election_id: row.election_id,
            name: row.name,
            number: row.number,
            voters: row.voters,
            commune_name: row.commune_name,
            commune_ancestors: row.commune_ancestors,
            reserve_percent: row.ballot_reserve_percent,
            version: row.version,
            logistics: Logistics {
                place: row.place,
                place_type: row.place_type,
                accessible: row.accessible,
                voter_list_posted_on: row.voter_list_posted_on,
                candidate_lists_posted_on: row.candidate_lists_posted_on,
                ballot_boxes_main: row.ballot_boxes_main,
                ballot_boxes_aux: row.ballot_boxes_aux,
                boxes_ready_on: row.boxes_ready_on,
                seals_ready_on: row.seals_ready_on,
                decoration_ready_on: row.decoration_ready_on,
                loudspeaker_ready_on: row.loudspeaker_ready_on,
                rehearsal_on: row.rehearsal_on,
            },
        })
        .collect())
}

/// Writes an area's logistics and ballots if it is still at `version` (0: nothing recorded yet);
/// true when written.
pub async fn save(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    area: &Area,
    version: i32,
    logistics: &Logistics,
    ballots: &[(i64, i32, NaiveDate)],
) -> sqlx::Result<bool> {
    let l = logistics;
    let written = sqlx::query_scalar!(
        r#"INSERT INTO polling_logistics AS p (polling_area_id, place, place_type, accessible, voter_list_posted_on,
                  candidate_lists_posted_on, ballot_boxes_main, ballot_boxes_aux, boxes_ready_on, seals_ready_on,
                  decoration_ready_on, loudspeaker_ready_on, rehearsal_on, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (polling_area_id) DO UPDATE
              SET place = excluded.place, place_type = excluded.place_type, accessible = excluded.accessible,
                  voter_list_posted_on = excluded.voter_list_posted_on,
                  candidate_lists_posted_on = excluded.candidate_lists_posted_on,
                  ballot_boxes_main = excluded.ballot_boxes_main, ballot_boxes_aux = excluded.ballot_boxes_aux,
                  boxes_ready_on = excluded.boxes_ready_on, seals_ready_on = excluded.seals_ready_on,
                  decoration_ready_on = excluded.decoration_ready_on,
                  loudspeaker_ready_on = excluded.loudspeaker_ready_on, rehearsal_on = excluded.rehearsal_on,
                  version = p.version + 1, updated_at = excluded.updated_at
            WHERE p.version = $15
           RETURNING version"#,
        area.id,
        l.place,
        l.place_type,
        l.accessible,
        l.voter_list_posted_on,
        l.candidate_lists_posted_on,
        l.ballot_boxes_main,
        l.ballot_boxes_aux,
        l.boxes_ready_on,
        l.seals_ready_on,
        l.decoration_ready_on,
        l.loudspeaker_ready_on,
        l.rehearsal_on,
        now,
        version
    )
    .fetch_optional(&mut *conn)
    .await?;
    // A first save inserts; a later one updates only from the version its form was drawn at.
    if written.is_none() {
        return Ok(false);
    }
    for (race, received, on) in ballots {
        sqlx::query!(
            "INSERT INTO polling_ballots (polling_area_id, race_id, received, received_on) VALUES ($1, $2, $3, $4)
             ON CONFLICT (polling_area_id, race_id) DO UPDATE SET received = excluded.received, received_on = excluded.received_on",
            area.id,
            race,
            received,
            on
        )
        .execute(&mut *conn)
        .await?;
    }
    let event = Event::new("logistics.updated")
        .unit(area.commune_ancestors.last().copied().unwrap_or_default())
        .object("polling_area", area.id)
        .before(serde_json::json!({ "logistics": area.logistics, "ballots": area.ballots }))
        .after(serde_json::json!({ "logistics": logistics, "ballots": ballots }));
    audit::record(conn, actor, now, event).await?;
    Ok(true)
}

/// Readiness of the polling areas below a unit directly below `root`: how many areas, and how many
/// are ready for each item of [`ITEMS`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    pub unit_id: i64,
    pub name: String,
    pub areas: i64,
    pub ready: Vec<i64>,
}

/// The readiness of each unit directly below `root` (or of `root` itself when it has none, a
/// commune), counted from the polling areas' own rows.
pub async fn readiness(pool: &PgPool, election_id: i64, root: i64) -> sqlx::Result<Vec<Readiness>> {
    let rows = sqlx::query!(
        r#"WITH races AS (SELECT count(*) AS n FROM races WHERE election_id = $1),
           area AS (
               SELECT a.id, c.ancestors, l.*, coalesce(enough.n, 0) AS races_ready
                 FROM polling_areas a
                 JOIN units c ON c.id = a.commune_id
                 JOIN elections e ON e.id = a.election_id
                 LEFT JOIN polling_logistics l ON l.polling_area_id = a.id
                 -- Ballots are counted only where logistics were recorded, so that the
                 -- country's areas with nothing recorded cost no lookup.
                 LEFT JOIN LATERAL (
                      SELECT count(*) AS n FROM polling_ballots b
                       WHERE b.polling_area_id = a.id
                         AND b.received >= ((a.voters::bigint * (100 + e.ballot_reserve_percent)) + 99) / 100
                 ) enough ON l.polling_area_id IS NOT NULL
                WHERE a.election_id = $1 AND c.ancestors @> ARRAY[$2::bigint]
           )
           SELECT u.id AS "unit_id!", u.name AS "name!", count(area.id) AS "areas!",
                  count(area.id) FILTER (WHERE area.voter_list_posted_on IS NOT NULL) AS "voter_list!",
                  count(area.id) FILTER (WHERE area.candidate_lists_posted_on IS NOT NULL) AS "candidate_lists!",
                  count(area.id) FILTER (WHERE area.races_ready > 0
                                           AND area.races_ready = (SELECT n FROM races)) AS "ballots!",
                  count(area.id) FILTER (WHERE area.boxes_ready_on IS NOT NULL AND area.ballot_boxes_main >= 1
                                           AND area.ballot_boxes_aux >= 1) AS "boxes!",
                  count(area.id) FILTER (WHERE area.seals_ready_on IS NOT NULL) AS "seals!",
                  count(area.id) FILTER (WHERE area.decoration_ready_on IS NOT NULL) AS "decoration!",
                  count(area.id) FILTER (WHERE area.loudspeaker_ready_on IS NOT NULL) AS "loudspeaker!",
                  count(area.id) FILTER (WHERE area.rehearsal_on IS NOT NULL) AS "rehearsal!"
             FROM units u
             LEFT JOIN area ON area.ancestors @> ARRAY[u.id]
            WHERE (u.parent_id = $2 OR (u.id = $2 AND NOT EXISTS (SELECT 1 FROM units k WHERE k.parent_id = $2)))
              AND u.valid_to IS NULL
            GROUP BY u.id, u.name, u.gso_code
            ORDER BY u.gso_code"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Readiness {
            unit_id: r.unit_id,
            name: r.name,
            areas: r.areas,
            ready: vec![
                r.voter_list,
                r.candidate_lists,
                r.ballots,
                r.boxes,
                r.seals,
                r.decoration,
                r.loudspeaker,
                r.rehearsal,
            ],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_needed_are_the_voters_and_the_reserve_rounded_up() {
        assert_eq!(ballots_needed(1000, 5), 1050);
        assert_eq!(ballots_needed(999, 5), 1049, "1048.95 rounds up");
        assert_eq!(ballots_needed(0, 5), 0);
        assert_eq!(ballots_needed(800, 0), 800);
    }
}
