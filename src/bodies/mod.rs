//! Election bodies (steering committees, election committees, election boards, polling groups).

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::web::format;

pub struct BodyRow {
    pub id: i64,
    pub kind_vi: String,
    pub name: String,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub decision_signer: Option<String>,
    pub listed_members: i64,
    pub reported_member_count: Option<i32>,
}

impl BodyRow {
    /// Members listed by name, or else the count a report gave.
    pub fn member_count_text(&self) -> String {
        match (self.listed_members, self.reported_member_count) {
            (0, Some(reported)) => {
                format!("{} (theo báo cáo)", format::number(i64::from(reported)))
            }
            (0, None) => "—".to_string(),
            (listed, _) => format::number(listed),
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
}

/// The live bodies set up for a unit in the election.
pub async fn bodies_of_unit(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
) -> sqlx::Result<Vec<BodyRow>> {
    sqlx::query_as!(
        BodyRow,
        r#"SELECT b.id, k.name_vi AS kind_vi, b.name, b.decision_number, b.decision_date, b.decision_signer,
                  (SELECT count(*) FROM body_members m WHERE m.body_id = b.id) AS "listed_members!",
                  b.reported_member_count
             FROM bodies b JOIN body_kinds k ON k.code = b.kind
            WHERE b.election_id = $1 AND b.unit_id = $2 AND b.dissolved_at IS NULL
            ORDER BY array_position(ARRAY['steering_committee', 'election_committee', 'election_board',
                                          'polling_group'], b.kind), b.name"#,
        election_id,
        unit_id
    )
    .fetch_all(pool)
    .await
}
