//! The migrations, and the invariants the database itself guards.

use sqlx::PgPool;

use crate::helpers::{Start, TestDatabase};

#[tokio::test]
async fn migrations_apply_to_an_empty_database() {
    let db = TestDatabase::new(Start::Empty).await;
    baucu::db::migrate(&db.pool)
        .await
        .expect("the migrations apply");
    let extensions: Vec<String> =
        sqlx::query_scalar("SELECT extname::text FROM pg_extension WHERE extname IN ('unaccent', 'pg_trgm') ORDER BY 1")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(extensions, ["pg_trgm", "unaccent"]);
    let collation: String = sqlx::query_scalar(
        "SELECT c.collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
          WHERE a.attrelid = 'units'::regclass AND a.attname = 'name'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(collation, "vi-VN-x-icu");
    baucu::db::migrate(&db.pool)
        .await
        .expect("applying them again does nothing");
}

#[tokio::test]
async fn vietnamese_names_sort_and_search_as_people_expect() {
    let db = TestDatabase::new(Start::Seeded).await;
    let found: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM units WHERE search_key(name) LIKE '%' || search_key($1) || '%' ORDER BY name",
    )
    .bind("dam ha")
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(found, ["Huyện Đầm Hà", "Thị trấn Đầm Hà", "Xã Đầm Hà"]);
    // Vietnamese order puts Đ after D, where a byte order would put it after every Latin letter.
    let sorted: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM (VALUES ('Xã Đông Ngũ'), ('Xã Dực Yên'), ('Xã Yên Than')) AS v(name)
          ORDER BY name COLLATE \"vi-VN-x-icu\"",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(sorted, ["Xã Dực Yên", "Xã Đông Ngũ", "Xã Yên Than"]);
}

async fn refused(pool: &PgPool, sql: &str) -> String {
    let error = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .expect_err("the database refuses it");
    error.to_string()
}

#[tokio::test]
async fn the_database_refuses_what_the_data_must_never_break() {
    let db = TestDatabase::new(Start::Seeded).await;
    let pool = &db.pool;
    // A GSO code is unique within its level only.
    let duplicate = refused(
        pool,
        "INSERT INTO units (level, division_type, gso_code, name, valid_from)
         VALUES ('district', 'huyện', 200, 'Bản sao', '2021-06-01')",
    )
    .await;
    assert!(duplicate.contains("units_current_code"), "{duplicate}");
    sqlx::raw_sql(
        "INSERT INTO units (level, division_type, gso_code, name, valid_from)
         VALUES ('commune', 'xã', 22, 'Xã cùng mã với tỉnh', '2021-01-01')",
    )
    .execute(pool)
    .await
    .expect("the same code at another level is allowed");

    // A polling area belongs to a commune, not a district.
    let area = refused(
        pool,
        "INSERT INTO polling_areas (election_id, commune_id, number, name, voters)
         SELECT e.id, u.id, 1, 'Khu vực 1', 500 FROM elections e, units u
          WHERE u.level = 'district' AND u.gso_code = 200",
    )
    .await;
    assert!(area.contains("foreign key"), "{area}");

    // A seat count is positive.
    let seats = refused(
        pool,
        "INSERT INTO constituencies (council_id, race_id, number, name, seats)
         SELECT c.id, c.race_id, 1, 'Đơn vị số 1', 0 FROM councils c JOIN races r ON r.id = c.race_id
          WHERE r.kind = 'province_council'",
    )
    .await;
    assert!(seats.contains("constituencies_seats_check"), "{seats}");

    // A child sits below its parent's level.
    let tree = refused(
        pool,
        "UPDATE units SET parent_id = (SELECT id FROM units WHERE level = 'commune' AND gso_code = 6895)
          WHERE level = 'district' AND gso_code = 200",
    )
    .await;
    assert!(tree.contains("higher level"), "{tree}");

    // A done task has a dated document; the law's deadlines cannot move.
    let done = refused(
        pool,
        "UPDATE tasks SET status = 'done', evidence_date = NULL",
    )
    .await;
    assert!(done.contains("tasks_check"), "{done}");
    let legal = refused(
        pool,
        "UPDATE calendar_entries SET offset_days = 100 WHERE code = 'polling_groups_established'",
    )
    .await;
    assert!(legal.contains("cannot be moved"), "{legal}");
    sqlx::raw_sql(
        "UPDATE calendar_entries SET offset_days = 12 WHERE code = 'polling_places_ready'",
    )
    .execute(pool)
    .await
    .expect("an administrative deadline may move");

    // Vote-count minutes add up.
    let minutes = refused(
        pool,
        "INSERT INTO polling_areas (election_id, commune_id, number, name, voters)
           SELECT e.id, u.id, 1, 'Khu vực 1', 500 FROM elections e, units u WHERE u.level = 'commune' AND u.gso_code = 6895;
         INSERT INTO constituencies (council_id, race_id, number, name, seats)
           SELECT c.id, c.race_id, 1, 'Đơn vị số 1', 3 FROM councils c JOIN races r ON r.id = c.race_id
            WHERE r.kind = 'province_council';
         INSERT INTO count_minutes (polling_area_id, constituency_id, voters_on_list, voters_voted, ballots_issued,
                                    ballots_received, ballots_valid, ballots_invalid)
           SELECT p.id, k.id, 500, 480, 480, 480, 470, 5 FROM polling_areas p, constituencies k",
    )
    .await;
    assert!(minutes.contains("count_minutes_check"), "{minutes}");
}

#[tokio::test]
async fn the_audit_log_refuses_changes() {
    let db = TestDatabase::new(Start::Seeded).await;
    sqlx::raw_sql("INSERT INTO audit_log (action, hash) VALUES ('test', '\\x00')")
        .execute(&db.pool)
        .await
        .unwrap();
    for change in [
        "UPDATE audit_log SET action = 'altered'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let error = refused(&db.pool, change).await;
        assert!(error.contains("append-only"), "{change}: {error}");
    }
}

/// The history names its task without a foreign key (see migration 0006); a task deleted with its
/// calendar entry still takes its history with it, and leaves every other task's alone.
#[tokio::test]
async fn a_deleted_task_takes_its_history_with_it() {
    let db = TestDatabase::new(Start::Seeded).await;
    let (entry, task): (i64, i64) = sqlx::query_as(
        "SELECT t.calendar_entry_id, t.id FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
          WHERE c.kind = 'administrative' ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO task_events (task_id, at, to_status, note)
         SELECT id, now(), 'in_progress', 'kept or dropped' FROM tasks WHERE id = $1 OR calendar_entry_id <> $2",
    )
    .bind(task)
    .bind(entry)
    .execute(&db.pool)
    .await
    .unwrap();
    let events_of_other_tasks = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id WHERE t.calendar_entry_id <> $1",
        )
        .bind(entry)
        .fetch_one(&db.pool)
        .await
        .unwrap()
    };
    let others_before = events_of_other_tasks().await;
    assert!(others_before > 0);

    sqlx::query("DELETE FROM calendar_entries WHERE id = $1")
        .bind(entry)
        .execute(&db.pool)
        .await
        .unwrap();
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM task_events e WHERE NOT EXISTS (SELECT FROM tasks t WHERE t.id = e.task_id)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "no history is left without its task");
    let others_after = events_of_other_tasks().await;
    assert_eq!(others_after, others_before, "the other tasks keep theirs");
}
