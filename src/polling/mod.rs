//! Polling areas (one per polling place, serving all four races) of a commune, each with its
//! polling group; their size rules are in `rules`, their pages in `pages`.

pub mod logistics;
pub mod logistics_pages;
pub mod pages;
pub mod rules;

use sqlx::PgPool;

use crate::format;

pub struct AreaRow {
    pub id: i64,
    pub number: i32,
    pub name: String,
    pub address: Option<String>,
    pub voters: i32,
    pub kind: String,
    pub version: i32,
    pub group_id: Option<i64>,
    pub group_members: i64,
    pub terrain: String,
}

impl AreaRow {
    pub fn kind_vi(&self) -> &'static str {
        rules::kind_vi(&self.kind)
    }
    pub fn voters_text(&self) -> String {
        format::number(i64::from(self.voters))
    }
    pub fn problem(&self) -> Option<rules::SizeProblem> {
        rules::size_problem(i64::from(self.voters), &self.kind, &self.terrain)
    }
}

/// The polling areas of a commune in the election.
pub async fn areas_of_commune(
    pool: &PgPool,
    election_id: i64,
    commune_id: i64,
) -> sqlx::Result<Vec<AreaRow>> {
    sqlx::query_as!(
        AreaRow,
        r#"SELECT p.id, p.number, p.name, p.address, p.voters, p.kind, p.version, b.id AS "group_id?",
                  (SELECT count(*) FROM body_members m WHERE m.body_id = b.id) AS "group_members!", u.terrain
             FROM polling_areas p
             JOIN units u ON u.id = p.commune_id
             LEFT JOIN bodies b ON b.polling_area_id = p.id AND b.dissolved_at IS NULL
            WHERE p.election_id = $1 AND p.commune_id = $2
            ORDER BY p.number"#,
        election_id,
        commune_id
    )
    .fetch_all(pool)
    .await
}

/// The kinds offered in forms.
pub struct KindChoice {
    pub code: &'static str,
    pub label: &'static str,
}

pub fn kind_choices() -> Vec<KindChoice> {
    rules::KINDS
        .iter()
        .map(|(code, label)| KindChoice { code, label })
        .collect()
}
