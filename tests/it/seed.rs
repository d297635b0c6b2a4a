//! `baucu seed`: the Quảng Ninh 2021 election, loaded idempotently.

use baucu::seed::{self, Counts};
use sqlx::PgPool;

use crate::helpers::{Start, TestDatabase};

/// Entries of the 2021 calendar per level, read off the calendar file by hand:
/// 16 for every level (P D C), 1 province only, 2 province and district, 6 commune only, 4 national.
const PROVINCE_TASKS: i64 = 16 + 1 + 2;
const DISTRICT_TASKS: i64 = 16 + 2;
const COMMUNE_TASKS: i64 = 16 + 6;

fn expected() -> Counts {
    Counts {
        provinces: 1,
        districts: 13,
        communes: 177,
        races: 4,
        calendar_entries: 29,
        tasks: PROVINCE_TASKS + 13 * DISTRICT_TASKS + 177 * COMMUNE_TASKS,
        bodies: 2 + 13 * 2,
    }
}

/// A fingerprint of every row the seed writes, to see that a second run changes nothing.
async fn fingerprint(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|',
            (SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM units u),
            (SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM elections e),
            (SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM races r),
            (SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM councils c),
            (SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM calendar_entries c),
            (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM tasks t),
            (SELECT md5(string_agg(b::text, ',' ORDER BY id)) FROM bodies b),
            (SELECT md5(string_agg(i::text, ',' ORDER BY key)) FROM installation i))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn seeding_twice_gives_the_same_counts_and_changes_nothing() {
    let db = TestDatabase::new(Start::Migrated).await;
    assert!(!seed::has_run(&db.pool).await.unwrap());
    let first = seed::quang_ninh_2021(&db.pool).await.unwrap();
    assert_eq!(first, expected());
    assert!(seed::has_run(&db.pool).await.unwrap());
    let before = fingerprint(&db.pool).await;

    let second = seed::quang_ninh_2021(&db.pool).await.unwrap();
    assert_eq!(second, expected());
    assert_eq!(
        fingerprint(&db.pool).await,
        before,
        "a second run changes nothing"
    );
}

#[tokio::test]
async fn every_unit_has_exactly_one_task_per_calendar_entry_of_its_level() {
    let db = TestDatabase::new(Start::Seeded).await;
    let wrong: i64 = sqlx::query_scalar(
        "WITH expected AS (
             SELECT c.id AS entry, u.id AS unit FROM calendar_entries c
               JOIN elections e ON e.id = c.election_id
               JOIN units u ON u.ancestors @> ARRAY[e.unit_id] AND u.level = ANY (c.levels)
         ),
         actual AS (SELECT calendar_entry_id AS entry, unit_id AS unit, count(*) AS n FROM tasks GROUP BY 1, 2)
         SELECT count(*) FROM expected e FULL JOIN actual a USING (entry, unit)
          WHERE e.entry IS NULL OR a.entry IS NULL OR a.n <> 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(wrong, 0, "missing, extra or duplicated tasks");
    let national: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
          WHERE c.levels = ARRAY['country']",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(national, 0, "national steps are nobody's local task");
}

#[tokio::test]
async fn the_province_has_its_real_localities_and_communes() {
    let db = TestDatabase::new(Start::Seeded).await;
    let row: (String, i32, String) = sqlx::query_as(
        "SELECT p.name, p.population, p.terrain FROM units p WHERE p.level = 'province' AND p.gso_code = 22",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "Tỉnh Quảng Ninh".to_string(),
            1_320_324,
            "mountainous".to_string()
        )
    );
    let dam_ha: (String, String, String, Option<i32>) = sqlx::query_as(
        "SELECT c.name, c.division_type, d.name, d.population FROM units c JOIN units d ON d.id = c.parent_id
          WHERE c.level = 'commune' AND c.gso_code = 6895",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        dam_ha,
        (
            "Thị trấn Đầm Hà".into(),
            "thị trấn".into(),
            "Huyện Đầm Hà".into(),
            Some(38_100)
        )
    );
    let kinds: Vec<(String, i64)> = sqlx::query_as(
        "SELECT division_type, count(*) FROM units WHERE level = 'commune' GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            ("phường".into(), 72),
            ("thị trấn".into(), 7),
            ("xã".into(), 98)
        ]
    );
    let island: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM units WHERE level = 'district' AND terrain = 'island' ORDER BY gso_code",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(island, ["Huyện Vân Đồn", "Huyện Cô Tô"]);
}

#[tokio::test]
async fn the_review_meeting_of_27_january_is_recorded() {
    let db = TestDatabase::new(Start::Seeded).await;
    let provincial: Vec<(String, Option<i32>, Option<String>)> = sqlx::query_as(
        "SELECT b.kind, b.reported_member_count, to_char(b.decision_date, 'DD/MM/YYYY')
           FROM bodies b JOIN units u ON u.id = b.unit_id WHERE u.level = 'province' ORDER BY b.kind",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        provincial,
        [
            // Founded on the day of the review that reported it, as its task records.
            (
                "election_committee".into(),
                Some(31),
                Some("27/01/2021".into())
            ),
            (
                "steering_committee".into(),
                Some(15),
                Some("08/01/2021".into())
            )
        ]
    );
    let members: i64 = sqlx::query_scalar("SELECT count(*) FROM body_members")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(members, 0, "no invented people");

    let localities_with_both: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM units u WHERE u.level = 'district'
            AND (SELECT count(DISTINCT kind) FROM bodies b WHERE b.unit_id = u.id
                  AND kind IN ('steering_committee', 'election_committee')) = 2",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(localities_with_both, 13);

    let done: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT c.code, u.level, count(*) FROM tasks t
           JOIN calendar_entries c ON c.id = t.calendar_entry_id JOIN units u ON u.id = t.unit_id
          WHERE t.status = 'done' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        done,
        [
            (
                "election_committee_established".into(),
                "district".into(),
                13
            ),
            (
                "election_committee_established".into(),
                "province".into(),
                1
            ),
            (
                "steering_committee_established".into(),
                "district".into(),
                13
            ),
            (
                "steering_committee_established".into(),
                "province".into(),
                1
            ),
        ]
    );
}

#[tokio::test]
async fn seeding_again_never_overwrites_an_officials_edit() {
    let db = TestDatabase::new(Start::Seeded).await;
    sqlx::raw_sql(
        "UPDATE units SET population = 40000 WHERE level = 'district' AND gso_code = 200;
         UPDATE tasks SET status = 'in_progress', evidence_date = NULL
          WHERE calendar_entry_id = (SELECT id FROM calendar_entries WHERE code = 'election_committee_established')
            AND unit_id = (SELECT id FROM units WHERE level = 'district' AND gso_code = 200);
         UPDATE bodies SET dissolved_at = '2021-02-01', dissolution_reason = 'Thành lập lại'
          WHERE kind = 'election_committee' AND unit_id = (SELECT id FROM units WHERE level = 'district' AND gso_code = 200);",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let before = fingerprint(&db.pool).await;
    seed::quang_ninh_2021(&db.pool).await.unwrap();
    assert_eq!(fingerprint(&db.pool).await, before);
}
