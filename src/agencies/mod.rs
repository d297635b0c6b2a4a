//! Agencies (cơ quan, ban, ngành): the departments of a province and their district counterparts,
//! who act beside the units and to whom the steering committee's directives are addressed. Each
//! belongs to an election and to the province or district it serves.

pub mod pages;

use chrono::{DateTime, FixedOffset};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, Event};

#[derive(Clone, Debug)]
pub struct Agency {
    pub id: i64,
    pub election_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_level: String,
    pub name: String,
    pub retired: bool,
}

impl Agency {
    /// How an account names it (`agency:12`).
    pub fn reference(&self) -> String {
        format!("agency:{}", self.id)
    }
}

/// The agencies a province starts with, and the district counterparts each district has
/// (DOMAIN.md §9).
pub const PROVINCE_AGENCIES: &[&str] = &[
    "Sở Nội vụ",
    "Sở Tài chính",
    "Công an tỉnh",
    "Bộ Chỉ huy Quân sự tỉnh",
    "Sở Thông tin và Truyền thông",
    "Ủy ban MTTQ Việt Nam tỉnh",
    "Văn phòng UBND tỉnh",
    "Văn phòng Đoàn ĐBQH và HĐND tỉnh",
];
pub const DISTRICT_AGENCIES: &[&str] = &[
    "Phòng Nội vụ",
    "Phòng Tài chính – Kế hoạch",
    "Công an huyện",
    "Ban Chỉ huy Quân sự huyện",
    "Phòng Văn hóa – Thông tin",
    "Ủy ban MTTQ Việt Nam huyện",
];

/// The agencies of an election serving `root` or any unit below it, the root's first.
pub async fn below(pool: &PgPool, election_id: i64, root: i64) -> sqlx::Result<Vec<Agency>> {
    sqlx::query_as!(
        Agency,
        r#"SELECT a.id, a.election_id, a.unit_id, u.name AS unit_name, u.level AS unit_level, a.name,
                  a.retired_at IS NOT NULL AS "retired!"
             FROM agencies a JOIN units u ON u.id = a.unit_id
            WHERE a.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY array_length(u.ancestors, 1), u.gso_code, a.id"#,
        election_id,
        root
    )
    .fetch_all(pool)
    .await
}

pub async fn find(pool: &PgPool, id: i64) -> sqlx::Result<Option<Agency>> {
    sqlx::query_as!(
        Agency,
        r#"SELECT a.id, a.election_id, a.unit_id, u.name AS unit_name, u.level AS unit_level, a.name,
                  a.retired_at IS NOT NULL AS "retired!"
             FROM agencies a JOIN units u ON u.id = a.unit_id WHERE a.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// The agency an account names: `agency:ID`, or an agency's exact name when only one has it.
pub async fn resolve(pool: &PgPool, text: &str) -> sqlx::Result<Option<Agency>> {
    let text = text.trim();
    if let Some(id) = text.strip_prefix("agency:").and_then(|id| id.parse().ok()) {
        return Ok(find(pool, id).await?.filter(|a| !a.retired));
    }
    let ids = sqlx::query_scalar!(
        "SELECT id FROM agencies WHERE name = $1 AND retired_at IS NULL LIMIT 2",
        text
    )
    .fetch_all(pool)
    .await?;
    match ids.as_slice() {
        [id] => find(pool, *id).await,
        _ => Ok(None),
    }
}

/// Adds an agency serving `unit_id`; none when the unit already has one of that name.
pub async fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    election_id: i64,
    unit_id: i64,
    name: &str,
) -> sqlx::Result<Option<i64>> {
    let id = sqlx::query_scalar!(
        "INSERT INTO agencies (election_id, unit_id, name, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id",
        election_id,
        unit_id,
        name,
        now
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        let event = Event::new("agency.created")
            .unit(unit_id)
            .object("agency", id)
            .after(serde_json::json!({ "name": name }));
        audit::record(conn, actor, now, event).await?;
    }
    Ok(id)
}

/// Retires an agency: it keeps its history and directives but takes no new ones.
pub async fn retire(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    agency: &Agency,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE agencies SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL",
        agency.id,
        now
    )
    .execute(&mut *conn)
    .await?;
    let event = Event::new("agency.retired")
        .unit(agency.unit_id)
        .object("agency", agency.id);
    audit::record(conn, actor, now, event).await
}

/// The starting list: the province's agencies and each district's, for the election.
pub async fn create_starting_list(
    conn: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    election_id: i64,
    province_id: i64,
) -> sqlx::Result<()> {
    for name in PROVINCE_AGENCIES {
        create(conn, actor, now, election_id, province_id, name).await?;
    }
    let districts = sqlx::query_scalar!(
        "SELECT id FROM units WHERE parent_id = $1 AND level = 'district' AND valid_to IS NULL ORDER BY gso_code",
        province_id
    )
    .fetch_all(&mut *conn)
    .await?;
    for district in districts {
        for name in DISTRICT_AGENCIES {
            create(conn, actor, now, election_id, district, name).await?;
        }
    }
    Ok(())
}
