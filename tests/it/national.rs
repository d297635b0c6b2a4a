//! The national data set: its size, and that it obeys the rules the structure checks enforce.

use baucu::seed::national::{self, Options};

use crate::helpers::{Start, TestDatabase};

#[tokio::test(flavor = "multi_thread")]
async fn the_national_data_set_is_whole_and_lawful() {
    let db = TestDatabase::new(Start::Migrated).await;
    let counts = national::national_2021(&db.pool, Options::default())
        .await
        .unwrap();
    assert_eq!(
        (counts.provinces, counts.districts, counts.communes),
        (63, 705, 10_603)
    );
    assert_eq!(counts.races, 4);
    let unfigured: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM units WHERE population IS NULL OR voters IS NULL OR voters > population",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(unfigured, 0, "every unit has population and voters");
    let areas: i64 = sqlx::query_scalar("SELECT count(*) FROM polling_areas")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!((80_000..=90_000).contains(&areas), "{areas} polling areas");
    // Every polling group has 11 to 21 members, exactly one head.
    let (smallest, largest, heads): (i64, i64, i64) = sqlx::query_as(
        "SELECT min(n), max(n), count(*) FILTER (WHERE chairs = 1) FROM (
             SELECT b.id, count(m.id) AS n, count(m.id) FILTER (WHERE m.role = 'chair') AS chairs
               FROM bodies b JOIN body_members m ON m.body_id = b.id
              WHERE b.kind = 'polling_group' GROUP BY b.id) s",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((smallest, largest, heads), (11, 21, areas));
    // Progress looks like a campaign: most done on time, some late, some overdue, some quiet.
    let (done, late, overdue): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE t.status = 'done' AND t.evidence_date <= e.election_day - c.offset_days),
                count(*) FILTER (WHERE t.status = 'done' AND t.evidence_date > e.election_day - c.offset_days),
                count(*) FILTER (WHERE t.status <> 'done' AND e.election_day - c.offset_days < date '2021-04-20')
           FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id JOIN elections e ON e.id = c.election_id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        done > 10 * late && late > 0 && overdue > 0,
        "{done} {late} {overdue}"
    );
    // Some communes have gone quiet: nothing recorded in the week before the chosen day (last
    // activity is kept from the records as they are chained, which the data set does itself).
    let (communes, quiet): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE a.last_at IS NULL OR a.last_at < date '2021-04-13')
           FROM units u LEFT JOIN unit_activity a ON a.unit_id = u.id WHERE u.level = 'commune'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        quiet > 0 && quiet < communes / 4,
        "{quiet} of {communes} quiet"
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'task.updated'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        audited,
        done + late,
        "an audit record for every task recorded done"
    );
    // Candidates at scale: about 1.7 per NA seat and 1.6 per People's Council seat, and a
    // conference recorded exactly where its unit's task is done.
    let ratios: Vec<(String, f64)> = sqlx::query_as(
        "WITH seats AS (SELECT CASE WHEN r.kind = 'na' THEN 'na' ELSE 'council' END AS race, sum(k.seats) AS n
                          FROM constituencies k JOIN races r ON r.id = k.race_id GROUP BY 1),
              nominated AS (SELECT CASE WHEN r.kind = 'na' THEN 'na' ELSE 'council' END AS race, count(*) AS n
                              FROM nominees m JOIN councils c ON c.id = m.council_id JOIN races r ON r.id = c.race_id
                             GROUP BY 1)
         SELECT seats.race, nominated.n::float8 / seats.n::float8 FROM seats JOIN nominated USING (race)",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let ratio = |race: &str| ratios.iter().find(|(r, _)| r == race).unwrap().1;
    assert!((1.6..=1.8).contains(&ratio("na")), "{ratios:?}");
    assert!((1.5..=1.7).contains(&ratio("council")), "{ratios:?}");
    let astray: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consultations h JOIN councils c ON c.id = h.council_id
          WHERE NOT EXISTS (SELECT 1 FROM tasks t JOIN calendar_entries e ON e.id = t.calendar_entry_id
                             WHERE t.unit_id = c.unit_id AND e.code = 'consultation_' || h.round AND t.status = 'done')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(astray, 0, "no conference without its task done");
    assert!(matches!(
        baucu::audit::verify(&db.pool).await.unwrap(),
        baucu::audit::Verdict::Intact { .. }
    ));

    // The structure checks find nothing wrong in a whole province (the largest, Hà Nội).
    let (election, hanoi): (i64, i64) = sqlx::query_as(
        "SELECT e.id, u.id FROM elections e, units u WHERE u.level = 'province' AND u.gso_code = 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let findings = baucu::checks::findings(
        &db.pool,
        election,
        hanoi,
        chrono::NaiveDate::from_ymd_opt(2021, 4, 20).unwrap(),
    )
    .await
    .unwrap();
    let violations: Vec<String> = findings
        .iter()
        .filter(|f| f.is_violation())
        .take(10)
        .map(|f| format!("{} · {}: {}", f.unit_name, f.subject, f.problem))
        .collect();
    assert!(violations.is_empty(), "{violations:#?}");
}

/// What the data set holds, by natural keys (GSO codes, numbers, codes) rather than generated
/// ids: units' figures, constituencies' seats, polling areas, bodies with their members, and
/// every task's progress.
async fn fingerprint(pool: &sqlx::PgPool) -> String {
    sqlx::query_scalar(
        "SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM (
             SELECT concat_ws('|', 'unit', level, gso_code, population, voters) FROM units
             UNION ALL
             SELECT concat_ws('|', 'constituency', u.level, u.gso_code, r.kind, k.number, k.seats)
               FROM constituencies k JOIN councils c ON c.id = k.council_id JOIN units u ON u.id = c.unit_id
               JOIN races r ON r.id = k.race_id
             UNION ALL
             SELECT concat_ws('|', 'area', u.gso_code, a.number, a.voters, a.kind)
               FROM polling_areas a JOIN units u ON u.id = a.commune_id
             UNION ALL
             SELECT concat_ws('|', 'bodies', b.kind, u.level, u.gso_code, count(DISTINCT b.id), count(m.id))
               FROM bodies b JOIN units u ON u.id = b.unit_id LEFT JOIN body_members m ON m.body_id = b.id
              GROUP BY b.kind, u.level, u.gso_code
             UNION ALL
             SELECT concat_ws('|', 'task', u.level, u.gso_code, c.code, t.status, t.evidence_date)
               FROM tasks t JOIN units u ON u.id = t.unit_id JOIN calendar_entries c ON c.id = t.calendar_entry_id
         ) AS s(line)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The same seed number gives the same data set; another gives another.
#[tokio::test(flavor = "multi_thread")]
async fn the_same_seed_number_gives_the_same_data_set() {
    let built = |seed: u64| async move {
        let db = TestDatabase::new(Start::Migrated).await;
        let options = Options {
            seed,
            ..Options::default()
        };
        national::national_2021(&db.pool, options).await.unwrap();
        let print = fingerprint(&db.pool).await;
        (db, print)
    };
    let ((_a, first), (_b, again), (_c, other)) = tokio::join!(built(7), built(7), built(8));
    assert_eq!(first, again, "seed 7 twice");
    assert_ne!(first, other, "seeds 7 and 8");
}
