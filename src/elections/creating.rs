//! Creating an election: its races, a council for every unit a race elects one in, the legal
//! calendar from the template (every deadline an offset from election day, as the Law on
//! Election sets it), and every unit's checklist. The Quảng Ninh seed is made the same way.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Weekday};
use sqlx::PgConnection;

use crate::audit::{self, Actor, Event};
use crate::format;

/// The legal calendar template: the 2021 calendar's entries and offsets, which the law fixes.
const TEMPLATE: &str = include_str!("../seed/data/legal-calendar-2021.csv");

/// The races an election may hold, in the order pages list them.
pub const RACE_KINDS: [&str; 4] = [
    "na",
    "province_council",
    "district_council",
    "commune_council",
];

/// What an administrator asks for.
#[derive(Debug, Clone)]
pub struct NewElection {
    pub name: String,
    pub day: NaiveDate,
    pub unit_id: i64,
    pub races: Vec<String>,
}

/// Why an election cannot be held on `day`, if it cannot: election day is a Sunday (Law on
/// Election, art. 5), and a new election's day is still to come.
pub fn check_day(day: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if day.weekday() != Weekday::Sun {
        return Err(format!(
            "Ngày bầu cử phải là ngày Chủ nhật; {} không phải Chủ nhật.",
            format::date(day)
        ));
    }
    if day <= today {
        return Err(format!(
            "Ngày bầu cử phải sau hôm nay ({}).",
            format::date(today)
        ));
    }
    Ok(())
}

/// The races an election covering a unit of this level can hold: councils at its level and
/// below, and the National Assembly only for a province or the whole country.
pub fn races_for(level: &str) -> &'static [&'static str] {
    match level {
        "country" | "province" => &RACE_KINDS,
        "district" => &RACE_KINDS[2..],
        "commune" => &RACE_KINDS[3..],
        _ => &[],
    }
}

/// Creates the election with everything it needs; `None` when the unit already has an election
/// on that day. The caller has checked the day, the unit and the races.
pub async fn create(
    tx: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    new: &NewElection,
) -> sqlx::Result<Option<i64>> {
    let Some(election_id) = sqlx::query_scalar!(
        "INSERT INTO elections (name, election_day, unit_id) VALUES ($1, $2, $3)
         ON CONFLICT (unit_id, election_day) DO NOTHING RETURNING id",
        new.name,
        new.day,
        new.unit_id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let races: Vec<&str> = new.races.iter().map(String::as_str).collect();
    insert_races(tx, election_id, &races).await?;
    insert_councils(tx, election_id).await?;
    insert_calendar(tx, election_id).await?;
    let tasks = insert_tasks(tx, election_id, &[]).await?;
    let event = Event::new("election.created")
        .unit(new.unit_id)
        .object("election", election_id)
        .after(serde_json::json!({
            "name": new.name,
            "election_day": new.day,
            "races": new.races,
            "tasks": tasks,
        }));
    audit::record(tx, actor, now, event).await?;
    Ok(Some(election_id))
}

/// The races, each with the most seats one constituency may elect (Law on Election, art. 10:
/// three for the National Assembly, five for a People's Council).
pub async fn insert_races(
    tx: &mut PgConnection,
    election_id: i64,
    kinds: &[&str],
) -> sqlx::Result<()> {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    sqlx::query!(
        r#"INSERT INTO races (election_id, kind, council_level, max_seats_per_constituency)
           SELECT $1, r.kind, r.level, r.max_seats
             FROM (VALUES ('na', NULL, 3),
                          ('province_council', 'province', 5),
                          ('district_council', 'district', 5),
                          ('commune_council', 'commune', 5)) AS r(kind, level, max_seats)
            WHERE r.kind = ANY ($2)
           ON CONFLICT (election_id, kind) DO NOTHING"#,
        election_id,
        &kinds
    )
    .execute(&mut *tx)
    .await?;
    // The composition targets of 2021 (NA Standing Committee resolutions 1185 and 1187), until an
    // election is given its own.
    sqlx::query!(
        r#"INSERT INTO composition_targets (race_id, measure, min_percent)
           SELECT r.id, t.measure, t.min_percent
             FROM races r
             JOIN (VALUES ('na', 'women', 35), ('na', 'ethnic_minority', 18),
                          ('province_council', 'women', 35), ('district_council', 'women', 35),
                          ('commune_council', 'women', 35)) AS t(kind, measure, min_percent)
               ON t.kind = r.kind
            WHERE r.election_id = $1
           ON CONFLICT DO NOTHING"#,
        election_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A council for every current unit of the territory a race elects a People's Council in, and a
/// National Assembly delegation for every province in it, its seats left to the NA Standing
/// Committee's allocation.
pub async fn insert_councils(tx: &mut PgConnection, election_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO councils (race_id, unit_id)
           SELECT r.id, u.id
             FROM races r
             JOIN elections e ON e.id = r.election_id
             JOIN units u ON u.ancestors @> ARRAY[e.unit_id] AND u.valid_to IS NULL
                         AND u.level = coalesce(r.council_level, 'province')
            WHERE r.election_id = $1
           ON CONFLICT (race_id, unit_id) DO NOTHING"#,
        election_id
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// One entry of the legal calendar template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateEntry {
    pub code: String,
    pub offset_days: i32,
    pub kind: String,
    pub levels: Vec<String>,
    pub title_vi: String,
    pub title_en: String,
}

/// The template's entries. It is bundled with the program, and a unit test reads it whole.
pub fn template() -> Vec<TemplateEntry> {
    #[derive(serde::Deserialize)]
    struct Row {
        code: String,
        offset_days: i32,
        kind: String,
        levels: String,
        title_vi: String,
        title_en: String,
    }
    csv::Reader::from_reader(TEMPLATE.as_bytes())
        .deserialize::<Row>()
        .map(|row| {
            let row = row.expect("the bundled legal calendar template reads");
            TemplateEntry {
                levels: calendar_levels(&row.levels),
                code: row.code,
                offset_days: row.offset_days,
                kind: row.kind,
                title_vi: row.title_vi,
                title_en: row.title_en,
            }
        })
        .collect()
}

/// The template's level letters: P province, D district, C commune, N national only.
fn calendar_levels(letters: &str) -> Vec<String> {
    letters
        .chars()
        .filter_map(|letter| match letter {
            'P' => Some("province"),
            'D' => Some("district"),
            'C' => Some("commune"),
            'N' => Some("country"),
            _ => None,
        })
        .map(str::to_string)
        .collect()
}

/// The election's calendar, every entry of the template.
pub async fn insert_calendar(tx: &mut PgConnection, election_id: i64) -> sqlx::Result<()> {
    for entry in template() {
        sqlx::query!(
            r#"INSERT INTO calendar_entries (election_id, code, offset_days, kind, levels, title_vi, title_en)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (election_id, code, owner_unit_id) DO NOTHING"#,
            election_id,
            entry.code,
            entry.offset_days,
            entry.kind,
            &entry.levels,
            entry.title_vi,
            entry.title_en
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// A task already known done when its checklist is made: which entry, at which level, the date
/// of the document that shows it, and where that knowledge comes from.
pub struct KnownDone {
    pub code: &'static str,
    pub level: &'static str,
    pub evidence_date: NaiveDate,
    pub note: &'static str,
}

/// One task per current unit of the election's territory per calendar entry naming the unit's
/// level; those in `done` are created done, with their note as evidence. Returns how many were
/// created.
pub async fn insert_tasks(
    tx: &mut PgConnection,
    election_id: i64,
    done: &[KnownDone],
) -> sqlx::Result<u64> {
    let codes: Vec<String> = done.iter().map(|r| r.code.to_string()).collect();
    let levels: Vec<String> = done.iter().map(|r| r.level.to_string()).collect();
    let dates: Vec<NaiveDate> = done.iter().map(|r| r.evidence_date).collect();
    let notes: Vec<String> = done.iter().map(|r| r.note.to_string()).collect();
    let created = sqlx::query!(
        r#"WITH tree AS (
               SELECT u.id, u.level FROM elections e
                 JOIN units u ON u.ancestors @> ARRAY[e.unit_id] AND u.valid_to IS NULL
                WHERE e.id = $1
           ),
           done AS (
               SELECT * FROM unnest($2::text[], $3::text[], $4::date[], $5::text[]) AS r(code, level, day, note)
           )
           INSERT INTO tasks (calendar_entry_id, unit_id, status, evidence_date, note)
           SELECT c.id, tree.id,
                  CASE WHEN d.code IS NULL THEN 'not_started' ELSE 'done' END,
                  d.day, d.note
             FROM calendar_entries c
             JOIN tree ON tree.level = ANY (c.levels)
             LEFT JOIN done d ON d.code = c.code AND d.level = tree.level
            WHERE c.election_id = $1 AND c.retired_at IS NULL
           ON CONFLICT (calendar_entry_id, unit_id) DO NOTHING"#,
        election_id,
        &codes,
        &levels,
        &dates,
        &notes
    )
    .execute(&mut *tx)
    .await?;
    Ok(created.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_holds_the_legal_calendar() {
        let entries = template();
        assert!(entries.len() > 20);
        assert!(entries.iter().all(|e| !e.levels.is_empty()));
        assert!(entries.iter().any(|e| e.kind == "legal"));
    }

    #[test]
    fn an_election_is_held_on_a_sunday_still_to_come() {
        let today: NaiveDate = "2026-12-03".parse().unwrap();
        assert!(check_day("2031-03-16".parse().unwrap(), today).is_ok());
        assert!(check_day("2031-03-15".parse().unwrap(), today).is_err());
        assert!(check_day("2026-11-29".parse().unwrap(), today).is_err());
    }

    #[test]
    fn races_follow_the_covered_level() {
        assert_eq!(races_for("province").len(), 4);
        assert_eq!(
            races_for("district"),
            ["district_council", "commune_council"]
        );
        assert_eq!(races_for("commune"), ["commune_council"]);
    }
}
