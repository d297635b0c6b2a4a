//! Loads the Quảng Ninh 2021 election: the province's units from the 2021 national list, the
//! election with its four races and calendar, every unit's checklist, and what the 27/01/2021
//! review meeting reported as done.
//!
//! Idempotent in the strict sense: it only inserts what is missing and never updates a row, so a
//! second run changes nothing, and an official's later edits are never overwritten.

use std::fmt;

use anyhow::Context;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::{PgConnection, PgPool};

use crate::elections::creating::{self, KnownDone};
use crate::format;

pub mod national;

const ADMIN_UNITS_2021: &str = include_str!("data/vn-admin-units-2021.csv");
const QUANG_NINH_2021: &str = include_str!("data/quang-ninh-2021.csv");

const QUANG_NINH_GSO: i32 = 22;
const ELECTION_NAME: &str =
    "Bầu cử đại biểu Quốc hội khóa XV và đại biểu Hội đồng nhân dân các cấp nhiệm kỳ 2021–2026";
/// Quảng Ninh's National Assembly seats, allocated by the NA Standing Committee.
const QUANG_NINH_NA_SEATS: i32 = 8;
const INSTALLATION_KEY: &str = "seeded";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

/// The units are recorded as the structure of the 2021 list, valid from the start of that year.
fn structure_valid_from() -> NaiveDate {
    day(2021, 1, 1)
}
fn election_day() -> NaiveDate {
    day(2021, 5, 23)
}
/// The online review meeting chaired by the provincial People's Committee.
fn review_meeting_day() -> NaiveDate {
    day(2021, 1, 27)
}
fn provincial_steering_committee_formed() -> NaiveDate {
    day(2021, 1, 8)
}

#[derive(Deserialize)]
struct AdminUnit {
    gso_code: i32,
    parent_gso_code: Option<i32>,
    level: u8,
    division_type: String,
    name: String,
}

#[derive(Deserialize)]
struct Locality {
    gso_code: i32,
    population_unofficial: i32,
    terrain_assumed: String,
}

fn read_csv<T: for<'de> Deserialize<'de>>(text: &str, name: &str) -> anyhow::Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading the bundled {name}"))
}

/// Unit levels of the national list's `level` column.
fn level_code(level: u8) -> &'static str {
    match level {
        1 => "province",
        2 => "district",
        _ => "commune",
    }
}

/// Whether the private database has been seeded already (it seeds itself once).
pub async fn has_run(pool: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM installation WHERE key = $1) AS "seeded!""#,
        INSTALLATION_KEY
    )
    .fetch_one(pool)
    .await
}

/// What the seeded election holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub provinces: i64,
    pub districts: i64,
    pub communes: i64,
    pub races: i64,
    pub calendar_entries: i64,
    pub tasks: i64,
    pub bodies: i64,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tỉnh, {} đơn vị cấp huyện, {} đơn vị cấp xã, {} cuộc bầu cử, {} mốc thời gian, {} nhiệm vụ, {} tổ chức",
            self.provinces,
            self.districts,
            self.communes,
            self.races,
            self.calendar_entries,
            self.tasks,
            self.bodies
        )
    }
}

/// Loads the Quảng Ninh 2021 election in one transaction and returns what the election holds.
pub async fn quang_ninh_2021(pool: &PgPool) -> anyhow::Result<Counts> {
    let mut tx = pool.begin().await?;
    let province_id = insert_units(&mut tx).await?;
    let election_id = insert_election(&mut tx, province_id).await?;
    insert_races_and_councils(&mut tx, election_id, province_id).await?;
    creating::insert_calendar(&mut tx, election_id).await?;
    creating::insert_tasks(&mut tx, election_id, &reported_done()).await?;
    insert_reported_bodies(&mut tx, election_id, province_id).await?;
    insert_review_meeting(&mut tx, election_id, province_id).await?;
    sqlx::query!(
        "INSERT INTO installation (key, value) VALUES ($1, 'quang-ninh-2021') ON CONFLICT (key) DO NOTHING",
        INSTALLATION_KEY
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    counts(pool, election_id).await
}

struct NewUnit<'a> {
    level: &'a str,
    division_type: &'a str,
    gso_code: i32,
    name: &'a str,
    parent_id: Option<i64>,
    population: Option<i32>,
    terrain: &'a str,
}

/// Inserts the unit unless a current unit has its level and code; returns its id either way.
async fn insert_unit(tx: &mut PgConnection, unit: NewUnit<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"WITH inserted AS (
               INSERT INTO units (level, division_type, gso_code, name, parent_id, population, terrain, valid_from)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (level, gso_code) WHERE valid_to IS NULL DO NOTHING
               RETURNING id
           )
           SELECT id AS "id!" FROM inserted
           UNION ALL
           SELECT id FROM units WHERE level = $1 AND gso_code = $3 AND valid_to IS NULL
           LIMIT 1"#,
        unit.level,
        unit.division_type,
        unit.gso_code,
        unit.name,
        unit.parent_id,
        unit.population,
        unit.terrain,
        structure_valid_from()
    )
    .fetch_one(tx)
    .await
}

/// The province's agencies and its districts', and the online review meeting of 27/01/2021 as the
/// news item reports it: the chairman of the provincial People's Committee chairing, the province
/// and its 13 localities connected, and the conclusions addressed to agencies and localities.
async fn insert_review_meeting(
    tx: &mut PgConnection,
    election_id: i64,
    province_id: i64,
) -> anyhow::Result<()> {
    let actor = crate::audit::Actor::command_line();
    let held_at = chrono::NaiveDate::from_ymd_opt(2021, 1, 27)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .and_then(|t| t.and_local_timezone(crate::clock::vietnam()).single())
        .context("the meeting's time")?;
    crate::agencies::create_starting_list(tx, &actor, held_at, election_id, province_id).await?;
    let held = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM meetings WHERE election_id = $1 AND held_at = $2) AS "held!""#,
        election_id,
        held_at
    )
    .fetch_one(&mut *tx)
    .await?;
    if held {
        return Ok(());
    }
    let localities = sqlx::query_scalar!(
        "SELECT name FROM units WHERE parent_id = $1 AND valid_to IS NULL ORDER BY gso_code",
        province_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sites = vec![(
        "Điểm cầu tỉnh".to_string(),
        Some("Thường trực Tỉnh ủy, HĐND, UBND, Ủy ban MTTQ tỉnh; thành viên Ban chỉ đạo; các sở, ban, ngành".to_string()),
    )];
    sites.extend(localities.into_iter().map(|name| {
        (
            format!("Điểm cầu {name}"),
            Some("Lãnh đạo huyện ủy, HĐND, UBND, Ủy ban MTTQ; các phòng, ban; các xã, phường, thị trấn".to_string()),
        )
    }));
    let meeting = crate::directives::NewMeeting {
        election_id,
        unit_id: province_id,
        kind: "online_review",
        held_at,
        chair: "Chủ tịch UBND tỉnh".to_string(),
        subject: "Rà soát công tác chuẩn bị bầu cử đại biểu Quốc hội khóa XV và đại biểu HĐND các cấp nhiệm kỳ 2021–2026".to_string(),
        sites,
    };
    let meeting_id = crate::directives::create_meeting(tx, &actor, held_at, &meeting).await?;
    let province_agency = |name: &str| {
        sqlx::query_scalar!(
            "SELECT id FROM agencies WHERE election_id = $1 AND unit_id = $2 AND name = $3",
            election_id,
            province_id,
            name.to_string()
        )
    };
    use crate::directives::Assignee;
    let day = |m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(2021, m, d).context("a due date");
    let conclusions: [(&str, &str, &[&str], chrono::NaiveDate); 5] = [
        (
            "Đẩy mạnh thông tin, tuyên truyền để cán bộ, đảng viên, nhân dân và lực lượng vũ trang hiểu rõ về cuộc bầu cử; đấu tranh, phản bác các quan điểm sai trái, thù địch",
            "Sở Thông tin và Truyền thông",
            &["Ủy ban MTTQ Việt Nam tỉnh"],
            day(2, 28)?,
        ),
        (
            "Giải quyết kịp thời các khiếu nại, tố cáo liên quan đến bầu cử",
            "Sở Nội vụ",
            &["Ủy ban MTTQ Việt Nam tỉnh"],
            day(5, 13)?,
        ),
        (
            "Bảo đảm an ninh, trật tự an toàn xã hội trước, trong và sau bầu cử",
            "Công an tỉnh",
            &["Bộ Chỉ huy Quân sự tỉnh"],
            day(5, 23)?,
        ),
        (
            "Tham mưu, đề xuất kinh phí tổ chức bầu cử",
            "Sở Tài chính",
            &["Sở Nội vụ"],
            day(2, 10)?,
        ),
        (
            "Thành lập các Tổ bầu cử; chuẩn bị tài liệu, phiếu bầu, địa điểm bỏ phiếu, cơ sở vật chất, trang trí và công tác hiệp thương",
            "",
            &[],
            day(4, 3)?,
        ),
    ];
    for (body, lead, supporters, due_date) in conclusions {
        let leads = if lead.is_empty() {
            crate::directives::districts_of(tx, province_id).await?
        } else {
            vec![Assignee::Agency(
                province_agency(lead).fetch_one(&mut *tx).await?,
            )]
        };
        let mut supporting = Vec::new();
        for name in supporters {
            supporting.push(Assignee::Agency(
                province_agency(name).fetch_one(&mut *tx).await?,
            ));
        }
        let directive = crate::directives::NewDirective {
            meeting_id,
            unit_id: province_id,
            body: body.to_string(),
            due_date,
            leads,
            supporters: supporting,
        };
        crate::directives::create_directive(tx, &actor, held_at, &directive).await?;
    }
    Ok(())
}

/// The province, its localities and their communes; returns the province's id.
async fn insert_units(tx: &mut PgConnection) -> anyhow::Result<i64> {
    let all: Vec<AdminUnit> = read_csv(ADMIN_UNITS_2021, "list of administrative units")?;
    let localities: Vec<Locality> = read_csv(QUANG_NINH_2021, "Quảng Ninh figures")?;
    let figures = |code: i32| localities.iter().find(|l| l.gso_code == code);

    let province = all
        .iter()
        .find(|u| u.level == 1 && u.gso_code == QUANG_NINH_GSO)
        .context("Quảng Ninh is missing from the list of administrative units")?;
    let province_figures = figures(QUANG_NINH_GSO).context("Quảng Ninh's figures are missing")?;
    let province_id = insert_unit(
        tx,
        NewUnit {
            level: level_code(province.level),
            division_type: &province.division_type,
            gso_code: province.gso_code,
            name: &province.name,
            parent_id: None,
            population: Some(province_figures.population_unofficial),
            terrain: &province_figures.terrain_assumed,
        },
    )
    .await?;

    for district in all
        .iter()
        .filter(|u| u.level == 2 && u.parent_gso_code == Some(QUANG_NINH_GSO))
    {
        let district_figures = figures(district.gso_code);
        // Communes take their locality's terrain class until an official records their own.
        let terrain = district_figures.map_or("ordinary", |f| f.terrain_assumed.as_str());
        let district_id = insert_unit(
            tx,
            NewUnit {
                level: level_code(district.level),
                division_type: &district.division_type,
                gso_code: district.gso_code,
                name: &district.name,
                parent_id: Some(province_id),
                population: district_figures.map(|f| f.population_unofficial),
                terrain,
            },
        )
        .await?;
        for commune in all
            .iter()
            .filter(|u| u.level == 3 && u.parent_gso_code == Some(district.gso_code))
        {
            insert_unit(
                tx,
                NewUnit {
                    level: level_code(commune.level),
                    division_type: &commune.division_type,
                    gso_code: commune.gso_code,
                    name: &commune.name,
                    parent_id: Some(district_id),
                    population: None,
                    terrain,
                },
            )
            .await?;
        }
    }
    Ok(province_id)
}

async fn insert_election(tx: &mut PgConnection, province_id: i64) -> sqlx::Result<i64> {
    let name = format!("{ELECTION_NAME} — tỉnh Quảng Ninh");
    sqlx::query_scalar!(
        r#"WITH inserted AS (
               INSERT INTO elections (name, election_day, unit_id) VALUES ($1, $2, $3)
               ON CONFLICT (unit_id, election_day) DO NOTHING
               RETURNING id
           )
           SELECT id AS "id!" FROM inserted
           UNION ALL
           SELECT id FROM elections WHERE unit_id = $3 AND election_day = $2
           LIMIT 1"#,
        name,
        election_day(),
        province_id
    )
    .fetch_one(tx)
    .await
}

/// The four races, and a council for every unit a race elects a People's Council in, plus the
/// province's National Assembly delegation with its allocated seats.
async fn insert_races_and_councils(
    tx: &mut PgConnection,
    election_id: i64,
    province_id: i64,
) -> sqlx::Result<()> {
    creating::insert_races(tx, election_id, &creating::RACE_KINDS).await?;
    sqlx::query!(
        r#"INSERT INTO councils (race_id, unit_id, seats_total, seats_total_reason)
           SELECT r.id, $2, $3, 'Số đại biểu Quốc hội do Ủy ban Thường vụ Quốc hội phân bổ cho tỉnh'
             FROM races r WHERE r.election_id = $1 AND r.kind = 'na'
           ON CONFLICT (race_id, unit_id) DO NOTHING"#,
        election_id,
        province_id,
        QUANG_NINH_NA_SEATS
    )
    .execute(&mut *tx)
    .await?;
    creating::insert_councils(tx, election_id).await?;
    Ok(())
}

/// The tasks the review meeting reported done.
fn reported_done() -> Vec<KnownDone> {
    const REPORT: &str = "Đã thực hiện theo báo cáo tại hội nghị trực tuyến ngày 27/01/2021; \
                          số, ngày và người ký quyết định chưa được cập nhật.";
    vec![
        KnownDone {
            code: "steering_committee_established",
            level: "province",
            evidence_date: provincial_steering_committee_formed(),
            note: "Ban chỉ đạo bầu cử tỉnh thành lập ngày 08/01/2021 (15 thành viên); \
                   số quyết định chưa được cập nhật.",
        },
        KnownDone {
            code: "election_committee_established",
            level: "province",
            evidence_date: review_meeting_day(),
            note: REPORT,
        },
        KnownDone {
            code: "steering_committee_established",
            level: "district",
            evidence_date: review_meeting_day(),
            note: REPORT,
        },
        KnownDone {
            code: "election_committee_established",
            level: "district",
            evidence_date: review_meeting_day(),
            note: REPORT,
        },
    ]
}

/// The bodies the review meeting reported: the provincial steering committee (15 members, formed
/// 08/01/2021) and election committee (31 members), and both bodies in each of the 13 localities.
/// Members are not known by name, so only their reported number is recorded. Each is founded on
/// the day its task records (`reported_done`), so that a body and its task agree from the start:
/// founded, its decision's number and its members still to enter (warnings, not violations).
async fn insert_reported_bodies(
    tx: &mut PgConnection,
    election_id: i64,
    province_id: i64,
) -> sqlx::Result<()> {
    let province_name = unit_name(tx, province_id).await?;
    insert_body(
        tx,
        election_id,
        "steering_committee",
        province_id,
        &format!("Ban chỉ đạo bầu cử {}", format::in_sentence(&province_name)),
        Some(provincial_steering_committee_formed()),
        Some(15),
    )
    .await?;
    insert_body(
        tx,
        election_id,
        "election_committee",
        province_id,
        &format!("Ủy ban bầu cử {}", format::in_sentence(&province_name)),
        Some(review_meeting_day()),
        Some(31),
    )
    .await?;
    let localities = sqlx::query!(
        "SELECT id, name FROM units WHERE parent_id = $1 AND valid_to IS NULL ORDER BY gso_code",
        province_id
    )
    .fetch_all(&mut *tx)
    .await?;
    for locality in localities {
        let name = format::in_sentence(&locality.name);
        let steering = format!("Ban chỉ đạo bầu cử {name}");
        insert_body(
            tx,
            election_id,
            "steering_committee",
            locality.id,
            &steering,
            Some(review_meeting_day()),
            None,
        )
        .await?;
        let committee = format!("Ủy ban bầu cử {name}");
        insert_body(
            tx,
            election_id,
            "election_committee",
            locality.id,
            &committee,
            Some(review_meeting_day()),
            None,
        )
        .await?;
    }
    Ok(())
}

async fn unit_name(tx: &mut PgConnection, unit_id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar!("SELECT name FROM units WHERE id = $1", unit_id)
        .fetch_one(tx)
        .await
}

/// Inserts a body unless the unit ever had one of that kind in the election (even a dissolved one).
async fn insert_body(
    tx: &mut PgConnection,
    election_id: i64,
    kind: &str,
    unit_id: i64,
    name: &str,
    decision_date: Option<NaiveDate>,
    reported_member_count: Option<i32>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO bodies (election_id, kind, unit_id, name, decision_date, reported_member_count)
           SELECT $1, $2, $3, $4, $5, $6
            WHERE NOT EXISTS (SELECT 1 FROM bodies WHERE election_id = $1 AND kind = $2 AND unit_id = $3)"#,
        election_id,
        kind,
        unit_id,
        name,
        decision_date,
        reported_member_count
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// What the election holds now, counted from the database.
pub async fn counts(pool: &PgPool, election_id: i64) -> anyhow::Result<Counts> {
    let row = sqlx::query!(
        r#"WITH tree AS (
               SELECT u.id, u.level FROM elections e
                 JOIN units u ON u.ancestors @> ARRAY[e.unit_id] AND u.valid_to IS NULL
                WHERE e.id = $1
           )
           SELECT (SELECT count(*) FROM tree WHERE level = 'province') AS "provinces!",
                  (SELECT count(*) FROM tree WHERE level = 'district') AS "districts!",
                  (SELECT count(*) FROM tree WHERE level = 'commune') AS "communes!",
                  (SELECT count(*) FROM races WHERE election_id = $1) AS "races!",
                  (SELECT count(*) FROM calendar_entries WHERE election_id = $1) AS "calendar_entries!",
                  (SELECT count(*) FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
                    WHERE c.election_id = $1) AS "tasks!",
                  (SELECT count(*) FROM bodies WHERE election_id = $1) AS "bodies!""#,
        election_id
    )
    .fetch_one(pool)
    .await?;
    Ok(Counts {
        provinces: row.provinces,
        districts: row.districts,
        communes: row.communes,
        races: row.races,
        calendar_entries: row.calendar_entries,
        tasks: row.tasks,
        bodies: row.bodies,
    })
}
