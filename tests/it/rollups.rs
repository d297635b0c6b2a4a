//! The roll-ups behind the dashboards (`task_rollup`, `unit_activity`) against a plain recount
//! from the tasks and the audit log, after random changes: by SQL of every shape the triggers must
//! follow, and through the forms, with the dashboards read in between so that a page kept from
//! before a change would show.

use chrono::{FixedOffset, NaiveDate};
use sqlx::PgPool;

use crate::helpers::{Start, TestApp};
use crate::tasks::record;

/// A small deterministic generator: the same changes on every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % sides as u64) as usize
    }
}

/// How long a kept dashboard may be served to those who did not make the change.
fn fresh_for() -> std::time::Duration {
    baucu::dashboards::DASHBOARD_FRESH_FOR.to_std().unwrap()
}

/// Rows where the roll-up and a recount from the tasks disagree.
async fn rollup_differences(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "WITH kept AS (SELECT unit_id, calendar_entry_id, task_level, status, done_on, sum(tasks)::int AS tasks
                         FROM task_rollup GROUP BY 1, 2, 3, 4, 5 HAVING sum(tasks) <> 0),
              counted AS (SELECT a AS unit_id, t.calendar_entry_id, u.level AS task_level, t.status,
                                 CASE WHEN t.status = 'done' THEN t.evidence_date END AS done_on, count(*)::int AS tasks
                            FROM tasks t JOIN units u ON u.id = t.unit_id CROSS JOIN unnest(u.ancestors) AS a
                           GROUP BY 1, 2, 3, 4, 5)
         SELECT count(*) FROM ((TABLE kept EXCEPT ALL TABLE counted) UNION ALL (TABLE counted EXCEPT ALL TABLE kept)) d",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Units whose kept last activity differs from the newest work record of anyone in their subtree.
async fn activity_differences(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "WITH counted AS (SELECT a AS unit_id, max(l.at) AS last_at
                            FROM audit_log l JOIN users w ON w.id = l.user_id JOIN units u ON u.id = w.unit_id
                           CROSS JOIN unnest(u.ancestors) AS a
                           WHERE l.action NOT LIKE 'login%' AND l.action NOT IN ('logout', 'access.denied')
                           GROUP BY a)
         SELECT count(*) FROM ((TABLE unit_activity EXCEPT TABLE counted) UNION ALL (TABLE counted EXCEPT TABLE unit_activity)) d",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn roll_ups_equal_a_recount_after_random_changes_of_every_shape() {
    let app = TestApp::seeded().await;
    let pool = &app.db.pool;
    assert_eq!(rollup_differences(pool).await, 0, "after seeding");
    let statuses = [
        "not_started",
        "in_progress",
        "done",
        "not_applicable",
        "blocked",
    ];
    let mut dice = Dice(0x5eed_1234_abcd);
    let task_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tasks ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    for round in 0..30 {
        let status = statuses[dice.roll(statuses.len())];
        let day =
            NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Days::new(dice.roll(150) as u64);
        let set = "UPDATE tasks SET status = $1, evidence_date = CASE WHEN $1 = 'done' THEN $2 ELSE evidence_date END,
                          status_reason = CASE WHEN $1 IN ('not_applicable', 'blocked') THEN 'thử' END";
        match round % 5 {
            // One task, as a form saves it.
            0 | 1 => {
                let id = task_ids[dice.roll(task_ids.len())];
                sqlx::query(sqlx::AssertSqlSafe(format!("{set} WHERE id = $3")))
                    .bind(status)
                    .bind(day)
                    .bind(id)
                    .execute(pool)
                    .await
                    .unwrap();
            }
            // Many at once, as the bulk update does.
            2 => {
                let from = task_ids[dice.roll(task_ids.len())];
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{set} WHERE id BETWEEN $3 AND $3 + 40"
                )))
                .bind(status)
                .bind(day)
                .bind(from)
                .execute(pool)
                .await
                .unwrap();
            }
            // A change that moves nothing in the roll-up, and tasks deleted and put back.
            3 => {
                let from = task_ids[dice.roll(task_ids.len())];
                sqlx::query("UPDATE tasks SET note = 'ghi chú' WHERE id BETWEEN $1 AND $1 + 20")
                    .bind(from)
                    .execute(pool)
                    .await
                    .unwrap();
                type Gone = (i64, i64, String, Option<String>, Option<NaiveDate>);
                let gone: Vec<Gone> = sqlx::query_as(
                    "DELETE FROM tasks WHERE id BETWEEN $1 AND $1 + 5
                     RETURNING calendar_entry_id, unit_id, status, status_reason, evidence_date",
                )
                .bind(from)
                .fetch_all(pool)
                .await
                .unwrap();
                assert_eq!(rollup_differences(pool).await, 0, "round {round}: deleted");
                sqlx::query(
                    "INSERT INTO tasks (calendar_entry_id, unit_id, status, status_reason, evidence_date)
                     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::date[])",
                )
                .bind(gone.iter().map(|g| g.0).collect::<Vec<_>>())
                .bind(gone.iter().map(|g| g.1).collect::<Vec<_>>())
                .bind(gone.iter().map(|g| g.2.clone()).collect::<Vec<_>>())
                .bind(gone.iter().map(|g| g.3.clone()).collect::<Vec<_>>())
                .bind(gone.iter().map(|g| g.4).collect::<Vec<_>>())
                .execute(pool)
                .await
                .unwrap();
            }
            // A commune moved to another district: every count above it changes.
            _ => {
                let moved = sqlx::raw_sql(
                    "UPDATE units SET parent_id = d.id
                       FROM (SELECT id, parent_id FROM units WHERE level = 'commune' ORDER BY random() LIMIT 1) c
                       JOIN units old ON old.id = c.parent_id
                      CROSS JOIN LATERAL (SELECT id FROM units d WHERE d.level = 'district' AND d.parent_id = old.parent_id
                                             AND d.id <> old.id ORDER BY random() LIMIT 1) d
                      WHERE units.id = c.id",
                )
                .execute(pool)
                .await
                .unwrap();
                assert_eq!(moved.rows_affected(), 1, "round {round}: a commune moved");
            }
        }
        assert_eq!(rollup_differences(pool).await, 0, "round {round}");
    }
    // A slot may go below zero; a count, the sum over its slots, may not.
    let negative: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT FROM task_rollup GROUP BY unit_id, calendar_entry_id, task_level, status, done_on
                                HAVING sum(tasks) < 0) negative",
    )
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(negative, 0);
}

/// One row of a dashboard's unit table: the unit's address, % done, overdue, done late and last
/// activity, as the page shows them.
#[derive(Debug, PartialEq, Eq)]
struct Figures {
    href: String,
    percent: i64,
    overdue: i64,
    done_late: i64,
    activity: String,
}

/// The unit table of a dashboard page, row by row, read off its HTML.
fn shown_rows(page: &str) -> Vec<Figures> {
    let body = &page[page.find("<table class=\"dashboard\">").unwrap()..];
    let body = &body[..body.find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(2)
        .map(|row| {
            let href = row
                .split("<a href=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string();
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|cell| text_of(&cell[cell.find('>').unwrap() + 1..]))
                .collect();
            let number = |i: usize| cells[i].trim_end_matches('%').parse::<i64>().unwrap();
            Figures {
                href,
                percent: number(1),
                overdue: number(2),
                done_late: number(3),
                activity: cells[5].split("Liên hệ").next().unwrap().trim().to_string(),
            }
        })
        .collect()
}

/// The text of an HTML fragment up to its closing cell.
fn text_of(html: &str) -> String {
    let html = &html[..html.find("</td>").unwrap()];
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_string()
}

/// The same figures for the units directly below `root`, counted from the tasks and the audit log.
async fn recounted_rows(pool: &PgPool, root: &str, today: NaiveDate) -> Vec<Figures> {
    let (level, code) = root.split_once(':').unwrap();
    // Level, code, done, applicable, overdue, done late, last activity.
    type Counted = (
        String,
        i32,
        i64,
        i64,
        i64,
        i64,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let rows: Vec<Counted> = sqlx::query_as(
        "SELECT c.level, c.gso_code,
                count(t.id) FILTER (WHERE t.status = 'done'),
                count(t.id) FILTER (WHERE t.status <> 'not_applicable'),
                count(t.id) FILTER (WHERE t.status NOT IN ('done', 'not_applicable') AND el.election_day - e.offset_days < $3),
                count(t.id) FILTER (WHERE t.status = 'done' AND t.evidence_date > el.election_day - e.offset_days),
                (SELECT max(l.at) FROM audit_log l JOIN users w ON w.id = l.user_id JOIN units wu ON wu.id = w.unit_id
                  WHERE wu.ancestors @> ARRAY[c.id] AND l.action NOT LIKE 'login%' AND l.action NOT IN ('logout', 'access.denied'))
           FROM units r JOIN units c ON c.parent_id = r.id AND c.valid_to IS NULL
           LEFT JOIN units u ON u.ancestors @> ARRAY[c.id]
           LEFT JOIN (tasks t JOIN calendar_entries e ON e.id = t.calendar_entry_id AND e.retired_at IS NULL
                      JOIN elections el ON el.id = e.election_id) ON t.unit_id = u.id
          WHERE r.level = $1 AND r.gso_code = $2 AND r.valid_to IS NULL
          GROUP BY c.id ORDER BY c.gso_code",
    )
    .bind(level)
    .bind(code.parse::<i32>().unwrap())
    .bind(today)
    .fetch_all(pool)
    .await
    .unwrap();
    let vietnam = FixedOffset::east_opt(7 * 3600).unwrap();
    rows.into_iter()
        .map(
            |(level, gso, done, applicable, overdue, done_late, last)| Figures {
                href: format!("/units/{level}/{gso}"),
                percent: if applicable == 0 {
                    100
                } else {
                    done * 100 / applicable
                },
                overdue,
                done_late,
                activity: last.map_or("Chưa có".to_string(), |at| {
                    at.with_timezone(&vietnam)
                        .format("%d/%m/%Y %H:%M")
                        .to_string()
                }),
            },
        )
        .collect()
}

#[tokio::test]
async fn dashboard_figures_equal_a_recount_after_random_updates() {
    let today = NaiveDate::from_ymd_opt(2021, 4, 20).unwrap();
    let app = TestApp::spawn(Start::Seeded, today).await;
    let pool = &app.db.pool;
    let province = app.as_user("tinh").await;
    let district = app.as_user("huyen").await;
    let views = [
        (&province, "province:22", "/dashboard"),
        (&province, "district:200", "/dashboard?unit=district:200"),
        (&district, "district:200", "/dashboard"),
    ];
    // The district officer's own tasks and its communes'.
    let tasks: Vec<i64> = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id JOIN units d ON d.level = 'district' AND d.gso_code = 200
          WHERE u.ancestors @> ARRAY[d.id] ORDER BY t.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut dice = Dice(0xda5b_0a2d);
    let mut recorded = 0;
    for round in 0..12 {
        // Read every view first, so a page kept from before the change would be served stale.
        for (viewer, _, path) in &views {
            assert_eq!(viewer.page(path).await.0, 200);
        }
        let task = tasks[dice.roll(tasks.len())];
        let evidence_date = (today - chrono::Days::new(dice.roll(120) as u64)).to_string();
        let fields: Vec<(&str, &str)> = match dice.roll(3) {
            0 => vec![
                ("status", "done"),
                ("evidence_number", "12/QĐ-UBND"),
                ("evidence_date", &evidence_date),
                ("evidence_signer", "Chủ tịch"),
            ],
            1 => vec![("status", "in_progress"), ("note", "đang làm")],
            _ => vec![("status", "not_applicable"), ("status_reason", "không có")],
        };
        // Some changes are refused by the checklist's own rules (a 422 that changes nothing);
        // the figures must hold either way.
        let status = record(&district, task, &fields).await.status();
        assert!(status == 303 || status == 422, "round {round}: {status}");
        recorded += usize::from(status == 303);
        // The last activity is kept as the audit log is chained, which the server does a few
        // times a second; here, at once.
        baucu::audit::seal_everything(pool, baucu::audit::SEAL_PATIENCE)
            .await
            .unwrap();
        // Whoever made the change sees it at once; everyone else once the kept page is too old.
        let (_, page) = district.page("/dashboard").await;
        assert_eq!(
            shown_rows(&page),
            recounted_rows(pool, "district:200", today).await,
            "round {round}: the writer's own dashboard after changing task {task}"
        );
        app.state.clock.advance(fresh_for());
        for (viewer, root, path) in &views {
            let (_, page) = viewer.page(path).await;
            assert_eq!(
                shown_rows(&page),
                recounted_rows(pool, root, today).await,
                "round {round}: {path} as seen after changing task {task}"
            );
        }
    }
    assert!(recorded >= 8, "most changes were recorded: {recorded}");
    assert_eq!(rollup_differences(pool).await, 0);
    assert_eq!(activity_differences(pool).await, 0);
}

/// The dashboard's total of structure violations (its footer).
fn shown_violations(page: &str) -> usize {
    let footer = &page[page.find("<tfoot>").unwrap()..];
    let cells: Vec<&str> = footer.split("<th").skip(1).collect();
    let cell = &cells[4][cells[4].find('>').unwrap() + 1..];
    cell[..cell.find('<').unwrap()].trim().parse().unwrap()
}

/// The structure checks' violations are kept until a structural change. One made through a form
/// shows on the next dashboard, equal to the checks run afresh; checklist work leaves the checks'
/// generation alone, and several structural records in one transaction move it once.
#[tokio::test]
async fn the_violations_column_follows_a_structural_change_at_once() {
    let app = TestApp::signed_in("tinh").await;
    let district = app.as_user("huyen").await;
    let pool = &app.db.pool;
    let generation = || async {
        sqlx::query_scalar::<_, i64>("SELECT generation FROM structure_generation")
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let recount = || async {
        let (election, province): (i64, i64) = sqlx::query_as(
            "SELECT e.id, e.unit_id FROM elections e ORDER BY e.election_day DESC, e.id DESC LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        baucu::checks::findings(pool, election, province, app.state.clock.today())
            .await
            .unwrap()
            .iter()
            .filter(|f| f.is_violation())
            .count()
    };
    let (_, before) = app.page("/dashboard").await;
    assert_eq!(shown_violations(&before), recount().await);
    let started = generation().await;

    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id WHERE u.level = 'district' AND u.gso_code = 200
          ORDER BY t.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let worked = record(
        &district,
        task,
        &[("status", "in_progress"), ("note", "Đang làm")],
    )
    .await;
    assert_eq!(worked.status(), 303);
    assert_eq!(
        generation().await,
        started,
        "checklist work is not structural"
    );

    // Đầm Hà's election committee, founded with its members still to enter, reports 5 members:
    // fewer than a district committee's 11, a violation.
    let (body, version) = crate::structure::dam_ha_committee(&app).await;
    let saved = district
        .submit(
            &format!("/bodies/{body}"),
            &[
                ("name", "Ủy ban bầu cử huyện Đầm Hà"),
                ("decision_number", "125/QĐ-UBND"),
                ("decision_date", "2021-01-25"),
                ("decision_signer", "Chủ tịch UBND huyện"),
                ("reported_member_count", "5"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(generation().await, started + 1, "a structural change");
    app.state.clock.advance(fresh_for());
    let (_, after) = app.page("/dashboard").await;
    assert_ne!(
        shown_violations(&after),
        shown_violations(&before),
        "the change mattered"
    );
    assert_eq!(shown_violations(&after), recount().await);

    let mut tx = pool.begin().await.unwrap();
    for _ in 0..3 {
        sqlx::query("INSERT INTO audit_log (at, action) VALUES (now(), 'body.updated')")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(generation().await, started + 2, "once per transaction");
}
