//! Election bodies (steering committees, election committees, election boards, polling groups)
//! and the rules on their members: the legal size range (data, in `body_size_rules`), exactly one
//! chair, a decision not dated in the future.

pub mod pages;
pub mod roster;

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::format;

/// A body with what its checks need: its members, its legal range, its decision.
#[derive(Clone, Debug)]
pub struct BodySummary {
    pub id: i64,
    pub kind: String,
    pub kind_vi: String,
    pub name: String,
    pub unit_id: i64,
    pub unit_level: String,
    pub unit_gso_code: i32,
    pub unit_name: String,
    pub unit_ancestors: Vec<i64>,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub decision_signer: Option<String>,
    pub listed_members: i64,
    pub chairs: i64,
    pub reported_member_count: Option<i32>,
    pub min_members: Option<i32>,
    pub max_members: Option<i32>,
}

/// Something wrong with a body. A violation keeps it from counting as established; the last two
/// are only worth a look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    NoMembers,
    MembersOutsideRange {
        count: i64,
        min: i32,
        max: i32,
    },
    NoChair,
    SeveralChairs,
    DecisionInTheFuture {
        date: NaiveDate,
    },
    DecisionIncomplete,
    MembersNotListed,
    /// Established by its decision, its members not entered yet: a province starting mid-way.
    MembersNotEntered,
}

impl Problem {
    pub fn is_violation(&self) -> bool {
        !matches!(
            self,
            Problem::DecisionIncomplete | Problem::MembersNotListed | Problem::MembersNotEntered
        )
    }
}

impl BodySummary {
    /// Members listed by name, or else the number a report gave.
    pub fn member_count(&self) -> Option<i64> {
        match (self.listed_members, self.reported_member_count) {
            (0, reported) => reported.map(i64::from),
            (listed, _) => Some(listed),
        }
    }

    pub fn member_count_text(&self) -> String {
        match (self.listed_members, self.reported_member_count) {
            (0, Some(reported)) => {
                format!("{} (theo báo cáo)", format::number(i64::from(reported)))
            }
            (0, None) => "—".to_string(),
            (listed, _) => format::number(listed),
        }
    }

    pub fn range_text(&self) -> String {
        match (self.min_members, self.max_members) {
            (Some(min), Some(max)) => format!("{min}–{max}"),
            _ => "không quy định".to_string(),
        }
    }

    pub fn decision_text(&self) -> String {
        let parts = [
            self.decision_number.clone(),
            self.decision_date.map(format::date),
            self.decision_signer.clone(),
        ];
        let text = parts.into_iter().flatten().collect::<Vec<_>>().join(", ");
        if text.is_empty() {
            "—".to_string()
        } else {
            text
        }
    }

    pub fn href(&self) -> String {
        format!("/bodies/{}", self.id)
    }

    /// Everything wrong with the body as of `today`.
    pub fn problems(&self, today: NaiveDate) -> Vec<Problem> {
        let mut problems = Vec::new();
        match (self.member_count(), self.min_members, self.max_members) {
            // A body founded by its decision is established; its list may come later.
            (None, _, _) if self.decision_date.is_some() => {
                problems.push(Problem::MembersNotEntered)
            }
            (None, _, _) => problems.push(Problem::NoMembers),
            (Some(count), Some(min), Some(max))
                if count < i64::from(min) || count > i64::from(max) =>
            {
                problems.push(Problem::MembersOutsideRange { count, min, max })
            }
            _ => {}
        }
        if self.listed_members > 0 && self.chairs != 1 {
            problems.push(if self.chairs == 0 {
                Problem::NoChair
            } else {
                Problem::SeveralChairs
            });
        }
        if let Some(date) = self.decision_date
            && date > today
        {
            problems.push(Problem::DecisionInTheFuture { date });
        }
        if self.decision_date.is_none() || self.decision_number.is_none() {
            problems.push(Problem::DecisionIncomplete);
        }
        if self.listed_members == 0 && self.reported_member_count.is_some() {
            problems.push(Problem::MembersNotListed);
        }
        problems
    }

    /// Established: a decision, and no violation.
    pub fn is_established(&self, today: NaiveDate) -> bool {
        self.decision_date.is_some() && !self.problems(today).iter().any(Problem::is_violation)
    }
}

/// The live bodies of the election in a unit (`only_unit`) or in it and everything below it.
pub async fn summaries(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    only_unit: bool,
) -> sqlx::Result<Vec<BodySummary>> {
    sqlx::query_as!(
        BodySummary,
        r#"SELECT b.id, b.kind, k.name_vi AS kind_vi, b.name, u.id AS unit_id, u.level AS unit_level, u.gso_code AS unit_gso_code,
                  u.name AS unit_name, u.ancestors AS unit_ancestors, b.decision_number, b.decision_date,
                  b.decision_signer,
                  m.listed AS "listed_members!", m.chairs AS "chairs!", b.reported_member_count,
                  r.min_members AS "min_members?", r.max_members AS "max_members?"
             FROM bodies b
             JOIN body_kinds k ON k.code = b.kind
             JOIN units u ON u.id = b.unit_id
             LEFT JOIN races ra ON ra.id = b.race_id
             LEFT JOIN polling_areas pa ON pa.id = b.polling_area_id
             CROSS JOIN LATERAL (
                 SELECT count(*) AS listed, count(*) FILTER (WHERE role = 'chair') AS chairs
                   FROM body_members WHERE body_id = b.id
             ) m
             LEFT JOIN LATERAL (
                 -- The most specific rule that matches the body's kind, level, race and area.
                 SELECT s.min_members, s.max_members FROM body_size_rules s
                  WHERE s.body_kind = b.kind
                    AND (s.level IS NULL OR s.level = u.level)
                    AND (s.race_kind IS NULL OR s.race_kind = ra.kind)
                    AND (s.armed_forces IS NULL OR s.armed_forces = (coalesce(pa.kind, '') = 'armed_forces'))
                  ORDER BY (s.level IS NOT NULL)::int + (s.race_kind IS NOT NULL)::int
                           + (s.armed_forces IS NOT NULL)::int DESC
                  LIMIT 1
             ) r ON true
            WHERE b.election_id = $1 AND b.dissolved_at IS NULL
              AND (CASE WHEN $3 THEN b.unit_id = $2 ELSE u.ancestors @> ARRAY[$2::bigint] END)
            ORDER BY u.ancestors, array_position(ARRAY['steering_committee', 'election_committee', 'election_board',
                                          'polling_group'], b.kind), b.name"#,
        election_id,
        unit_id,
        only_unit
    )
    .fetch_all(pool)
    .await
}

/// The Vietnamese name of a member's role in a body.
pub fn member_role_vi(role: &str) -> &'static str {
    match role {
        "chair" => "Trưởng ban / Tổ trưởng",
        "deputy" => "Phó trưởng ban / Tổ phó",
        "secretary" => "Thư ký",
        _ => "Thành viên",
    }
}

pub const MEMBER_ROLES: &[&str] = &["chair", "deputy", "secretary", "member"];

#[cfg(test)]
mod tests {
    use super::*;

    fn body(
        listed: i64,
        chairs: i64,
        reported: Option<i32>,
        range: Option<(i32, i32)>,
    ) -> BodySummary {
        BodySummary {
            id: 1,
            kind: "election_committee".into(),
            kind_vi: "Ủy ban bầu cử".into(),
            name: "Ủy ban bầu cử huyện Đầm Hà".into(),
            unit_id: 2,
            unit_level: "district".into(),
            unit_gso_code: 200,
            unit_name: "Huyện Đầm Hà".into(),
            unit_ancestors: vec![1, 2],
            decision_number: Some("12/QĐ-UBND".into()),
            decision_date: NaiveDate::from_ymd_opt(2021, 2, 1),
            decision_signer: Some("Chủ tịch UBND huyện".into()),
            listed_members: listed,
            chairs,
            reported_member_count: reported,
            min_members: range.map(|r| r.0),
            max_members: range.map(|r| r.1),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 2, 7).unwrap()
    }

    fn violations(b: &BodySummary) -> Vec<Problem> {
        b.problems(today())
            .into_iter()
            .filter(Problem::is_violation)
            .collect()
    }

    #[test]
    fn member_counts_at_the_range_boundaries() {
        let district = Some((11, 15));
        assert_eq!(
            violations(&body(10, 1, None, district)).len(),
            1,
            "10 of 11–15"
        );
        assert!(violations(&body(11, 1, None, district)).is_empty());
        assert!(violations(&body(15, 1, None, district)).is_empty());
        assert_eq!(
            violations(&body(16, 1, None, district)).len(),
            1,
            "16 of 11–15"
        );
        assert!(body(15, 1, None, district).is_established(today()));
        assert!(
            !body(16, 1, None, district).is_established(today()),
            "a draft outside its range"
        );
    }

    #[test]
    fn a_reported_count_stands_in_for_unlisted_members() {
        let province = Some((21, 31));
        let reported = body(0, 0, Some(31), province);
        assert!(violations(&reported).is_empty());
        assert!(
            reported
                .problems(today())
                .contains(&Problem::MembersNotListed)
        );
        assert_eq!(violations(&body(0, 0, Some(32), province)).len(), 1);
        let mut founded = body(0, 0, None, province);
        assert!(violations(&founded).is_empty(), "founded, members to come");
        assert!(
            founded
                .problems(today())
                .contains(&Problem::MembersNotEntered)
        );
        assert!(founded.is_established(today()));
        founded.decision_date = None;
        assert_eq!(violations(&founded), [Problem::NoMembers]);
    }

    #[test]
    fn exactly_one_chair() {
        assert_eq!(
            violations(&body(11, 0, None, Some((11, 15)))),
            [Problem::NoChair]
        );
        assert_eq!(
            violations(&body(11, 2, None, Some((11, 15)))),
            [Problem::SeveralChairs]
        );
    }

    #[test]
    fn a_decision_cannot_be_dated_after_today() {
        let mut b = body(11, 1, None, Some((11, 15)));
        b.decision_date = NaiveDate::from_ymd_opt(2021, 2, 8);
        assert_eq!(violations(&b).len(), 1);
        b.decision_date = Some(today());
        assert!(violations(&b).is_empty());
    }

    #[test]
    fn a_steering_committee_has_no_legal_range() {
        let mut b = body(40, 1, None, None);
        b.kind = "steering_committee".into();
        assert!(violations(&b).is_empty());
        assert_eq!(b.range_text(), "không quy định");
    }
}

/// A body's founding decision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
    pub signer: Option<String>,
}

/// Records the founding decision of the unit's live body of `kind`, creating the body (named
/// `name`) when the unit has none. Writes and audits only a change; returns the body's id.
pub async fn record_decision(
    tx: &mut sqlx::PgConnection,
    actor: &crate::audit::Actor,
    now: chrono::DateTime<chrono::FixedOffset>,
    (election_id, unit_id, kind): (i64, i64, &str),
    name: &str,
    decision: &Decision,
) -> sqlx::Result<i64> {
    use crate::audit::{self, Event};
    let existing = sqlx::query!(
        "SELECT id, decision_number, decision_date, decision_signer FROM bodies
          WHERE election_id = $1 AND unit_id = $2 AND kind = $3 AND dissolved_at IS NULL FOR UPDATE",
        election_id,
        unit_id,
        kind
    )
    .fetch_optional(&mut *tx)
    .await?;
    let after = serde_json::to_value(decision).unwrap_or_default();
    match existing {
        Some(row) => {
            let before = Decision {
                number: row.decision_number,
                date: row.decision_date,
                signer: row.decision_signer,
            };
            if before != *decision {
                sqlx::query!(
                    "UPDATE bodies SET decision_number = $2, decision_date = $3, decision_signer = $4 WHERE id = $1",
                    row.id,
                    decision.number,
                    decision.date,
                    decision.signer
                )
                .execute(&mut *tx)
                .await?;
                let event = Event::new("body.updated")
                    .unit(unit_id)
                    .object("body", row.id)
                    .before(serde_json::to_value(&before).unwrap_or_default())
                    .after(after);
                audit::record(tx, actor, now, event).await?;
            }
            Ok(row.id)
        }
        None => {
            let id = sqlx::query_scalar!(
                "INSERT INTO bodies (election_id, kind, unit_id, name, decision_number, decision_date, decision_signer)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                election_id,
                kind,
                unit_id,
                name,
                decision.number,
                decision.date,
                decision.signer
            )
            .fetch_one(&mut *tx)
            .await?;
            let mut after = after;
            after["kind"] = serde_json::json!(kind);
            after["name"] = serde_json::json!(name);
            let event = Event::new("body.created")
                .unit(unit_id)
                .object("body", id)
                .after(after);
            audit::record(tx, actor, now, event).await?;
            Ok(id)
        }
    }
}

/// "Ban bầu cử đại biểu hội đồng nhân dân cấp huyện — đơn vị bầu cử số 2".
pub fn board_name(race_kind: &str, constituency_number: i32) -> String {
    format!(
        "Ban bầu cử {} — đơn vị bầu cử số {}",
        crate::elections::race_name(race_kind).to_lowercase(),
        constituency_number
    )
}

/// "Tổ bầu cử số 3", after its polling area's number.
pub fn group_name(area_number: i32) -> String {
    format!("Tổ bầu cử số {area_number}")
}

/// Founds every body of `kind` the unit sets up that has no founding decision yet, with one
/// decision: an election board for each constituency of the unit's councils, a polling group for
/// each of the commune's polling areas, creating those not yet entered. Bodies founded by a
/// decision of their own keep it. Each change is audited; returns how many bodies it founded.
pub async fn found_all(
    tx: &mut sqlx::PgConnection,
    actor: &crate::audit::Actor,
    now: chrono::DateTime<chrono::FixedOffset>,
    (election_id, unit_id, kind): (i64, i64, &str),
    decision: &Decision,
) -> sqlx::Result<u64> {
    use crate::audit::{self, Event};
    let missing = sqlx::query!(
        r#"SELECT r.id AS "race_id?", r.kind AS "race_kind?", k.id AS "constituency_id?",
                  NULL::bigint AS "area_id?", k.number AS "number!"
             FROM constituencies k JOIN councils c ON c.id = k.council_id JOIN races r ON r.id = c.race_id
            WHERE $3 = 'election_board' AND r.election_id = $1 AND c.unit_id = $2
              AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.constituency_id = k.id AND b.dissolved_at IS NULL)
           UNION ALL
           SELECT NULL, NULL, NULL, p.id, p.number
             FROM polling_areas p
            WHERE $3 = 'polling_group' AND p.election_id = $1 AND p.commune_id = $2
              AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.polling_area_id = p.id AND b.dissolved_at IS NULL)"#,
        election_id,
        unit_id,
        kind
    )
    .fetch_all(&mut *tx)
    .await?;
    for body in missing {
        let name = match &body.race_kind {
            Some(race) => board_name(race, body.number),
            None => group_name(body.number),
        };
        let id = sqlx::query_scalar!(
            "INSERT INTO bodies (election_id, kind, unit_id, race_id, constituency_id, polling_area_id, name)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            election_id,
            kind,
            unit_id,
            body.race_id,
            body.constituency_id,
            body.area_id,
            name
        )
        .fetch_one(&mut *tx)
        .await?;
        let event = Event::new("body.created")
            .unit(unit_id)
            .object("body", id)
            .after(serde_json::json!({ "kind": kind, "name": name }));
        audit::record(tx, actor, now, event).await?;
    }
    let founded = sqlx::query_scalar!(
        "UPDATE bodies SET decision_number = $4, decision_date = $5, decision_signer = $6
          WHERE election_id = $1 AND unit_id = $2 AND kind = $3 AND dissolved_at IS NULL
            AND decision_date IS NULL
          RETURNING id",
        election_id,
        unit_id,
        kind,
        decision.number,
        decision.date,
        decision.signer
    )
    .fetch_all(&mut *tx)
    .await?;
    let after = serde_json::to_value(decision).unwrap_or_default();
    for id in &founded {
        let event = Event::new("body.updated")
            .unit(unit_id)
            .object("body", *id)
            .after(after.clone());
        audit::record(tx, actor, now, event).await?;
    }
    Ok(founded.len() as u64)
}

/// Whether every body of `kind` the unit sets up has its founding decision, and there is at
/// least one to set up.
pub async fn all_founded(
    tx: &mut sqlx::PgConnection,
    (election_id, unit_id, kind): (i64, i64, &str),
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"WITH due AS (
               SELECT (SELECT b.decision_date FROM bodies b
                        WHERE b.constituency_id = k.id AND b.dissolved_at IS NULL LIMIT 1) AS founded
                 FROM constituencies k JOIN councils c ON c.id = k.council_id JOIN races r ON r.id = c.race_id
                WHERE $3 = 'election_board' AND r.election_id = $1 AND c.unit_id = $2
               UNION ALL
               SELECT (SELECT b.decision_date FROM bodies b
                        WHERE b.polling_area_id = p.id AND b.dissolved_at IS NULL LIMIT 1)
                 FROM polling_areas p
                WHERE $3 = 'polling_group' AND p.election_id = $1 AND p.commune_id = $2
           )
           SELECT count(*) > 0 AND count(*) = count(founded) AS "all!" FROM due"#,
        election_id,
        unit_id,
        kind
    )
    .fetch_one(tx)
    .await
}
