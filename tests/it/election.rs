//! Election day is data: an administrator moves it, and every deadline follows.

use chrono::{Duration, NaiveDate};

use crate::helpers::{TestApp, location, refused_beside};

#[tokio::test]
async fn moving_election_day_moves_every_deadline_with_it() {
    let app = TestApp::signed_in("admin").await;
    let offsets: Vec<(String, i32, String)> = sqlx::query_as(
        "SELECT code, offset_days, kind FROM calendar_entries WHERE retired_at IS NULL ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();

    let saturday = app
        .submit(
            "/election/day",
            &[("election_day", "2021-05-29"), ("reason", "Thử")],
        )
        .await;
    refused_beside(
        saturday,
        "Ngày bầu cử phải là ngày Chủ nhật; 29/05/2021 không phải Chủ nhật.",
    )
    .await;
    let no_reason = app
        .submit(
            "/election/day",
            &[("election_day", "2021-05-30"), ("reason", "")],
        )
        .await;
    let page = refused_beside(no_reason, "Lý do: cần nhập.").await;
    assert!(
        page.contains("value=\"2021-05-30\""),
        "the typed day is kept"
    );

    let moved = app
        .submit(
            "/election/day",
            &[
                ("election_day", "2021-05-30"),
                ("reason", "Nghị quyết số 99/NQ-UBTVQH15"),
            ],
        )
        .await;
    assert_eq!(location(&moved), "/election");
    let new_day = NaiveDate::from_ymd_opt(2021, 5, 30).unwrap();
    // Every deadline equals the new election day less its offset, legal or administrative.
    let deadlines: Vec<(String, NaiveDate)> = sqlx::query_as(
        "SELECT c.code, e.election_day - c.offset_days FROM calendar_entries c JOIN elections e ON e.id = c.election_id
          WHERE c.retired_at IS NULL ORDER BY c.id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(deadlines.len(), offsets.len());
    let (_, calendar) = app.page("/calendar").await;
    for ((code, deadline), (_, offset, _)) in deadlines.iter().zip(&offsets) {
        assert_eq!(
            *deadline,
            new_day - Duration::days(i64::from(*offset)),
            "{code}"
        );
        assert!(
            calendar.contains(&deadline.format("%d/%m/%Y").to_string()),
            "{code} on the calendar"
        );
    }
    // Everyone sees that it moved, on their work page, and it is audited with its reason.
    let commune = app.as_user("xa.damha").await;
    let (_, work) = commune.page("/my-work").await;
    assert!(work.contains(
        "Ngày bầu cử đã dời từ 23/05/2021 sang 30/05/2021 (Nghị quyết số 99/NQ-UBTVQH15)"
    ));
    let after: serde_json::Value =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'election.moved'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(after["days"], 7);
    assert_eq!(after["reason"], "Nghị quyết số 99/NQ-UBTVQH15");
    // A legal entry cannot be moved on its own.
    let legal: i64 = sqlx::query_scalar(
        "SELECT id FROM calendar_entries WHERE kind = 'legal' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let alone = app
        .submit(&format!("/calendar/{legal}"), &[("deadline", "2021-03-01")])
        .await;
    assert_eq!(alone.status(), 403);
}

/// The calendar entries of an election with their deadlines, and the template's offsets.
async fn deadlines_of(app: &TestApp, election: i64) -> Vec<(String, i32, NaiveDate, NaiveDate)> {
    sqlx::query_as(
        "SELECT c.code, c.offset_days, e.election_day, e.election_day - c.offset_days
           FROM calendar_entries c JOIN elections e ON e.id = c.election_id
          WHERE e.id = $1 ORDER BY c.id",
    )
    .bind(election)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_administrator_creates_a_second_election_kept_apart_from_the_first() {
    let app = TestApp::signed_in("admin").await;
    let first: i64 = sqlx::query_scalar("SELECT id FROM elections")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let create = |day: &'static str, unit: &'static str, races: &'static [&'static str]| {
        let mut fields = vec![
            (
                "name",
                "Bầu cử bổ sung đại biểu Hội đồng nhân dân tỉnh Lạng Sơn",
            ),
            ("election_day", day),
            ("unit", unit),
        ];
        fields.extend(races.iter().map(|race| ("races", *race)));
        fields
    };
    // Refused beside the field, nothing written: a Saturday, a race the unit does not hold, a
    // unit nobody has.
    let saturday = app
        .submit(
            "/election/create",
            &create("2021-06-26", "lang son", &["province_council"]),
        )
        .await;
    let page = refused_beside(
        saturday,
        "Ngày bầu cử phải là ngày Chủ nhật; 26/06/2021 không phải Chủ nhật.",
    )
    .await;
    assert!(
        page.contains("value=\"lang son\""),
        "what was typed is kept"
    );
    let national = app
        .submit(
            "/election/create",
            &create("2021-06-27", "Huyện Đầm Hà", &["na"]),
        )
        .await;
    refused_beside(
        national,
        "Đại biểu Quốc hội không tổ chức cho Huyện Đầm Hà.",
    )
    .await;
    let nowhere = app
        .submit(
            "/election/create",
            &create("2021-06-27", "Atlantis", &["province_council"]),
        )
        .await;
    refused_beside(nowhere, "Không tìm thấy đơn vị \"Atlantis\".").await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM elections")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // Created from the template, the unit named without its accents.
    let created = app
        .submit(
            "/election/create",
            &create("2021-06-27", "lang son", &["province_council"]),
        )
        .await;
    assert_eq!(location(&created), "/election");
    let second: i64 = sqlx::query_scalar("SELECT id FROM elections WHERE id <> $1")
        .bind(first)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let calendar = deadlines_of(&app, second).await;
    assert_eq!(
        calendar.len(),
        baucu::elections::creating::template().len(),
        "every entry of the template"
    );
    for (code, offset, day, deadline) in &calendar {
        assert_eq!(
            *deadline,
            *day - Duration::days(i64::from(*offset)),
            "{code}"
        );
    }
    let (races, councils, tasks_outside): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM races WHERE election_id = $1),
                (SELECT count(*) FROM councils c JOIN races r ON r.id = c.race_id WHERE r.election_id = $1),
                (SELECT count(*) FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
                   JOIN units u ON u.id = t.unit_id
                  WHERE c.election_id = $1 AND NOT u.ancestors @> ARRAY[(SELECT unit_id FROM elections WHERE id = $1)])",
    )
    .bind(second)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((races, councils, tasks_outside), (1, 1, 0));
    let twice = app
        .submit(
            "/election/create",
            &create("2021-06-27", "Lạng Sơn", &["province_council"]),
        )
        .await;
    refused_beside(twice, "Đơn vị này đã có một kỳ bầu cử vào ngày này.").await;
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'election.created'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // The administrator goes on with the new election; each province sees only its own.
    let (_, home) = app.page("/").await;
    assert!(home.contains("Bầu cử bổ sung đại biểu Hội đồng nhân dân tỉnh Lạng Sơn"));
    let lang_son = app.as_user("tinh.khac").await;
    let (_, their_home) = lang_son.page("/").await;
    assert!(their_home.contains("27/06/2021"));
    let quang_ninh = app.as_user("tinh").await;
    let (_, election_page) = quang_ninh.page("/election").await;
    assert!(!election_page.contains("Lạng Sơn"), "not their election");
    let (_, work) = quang_ninh.page("/my-work").await;
    assert!(work.contains("23/05/2021"), "still on their own election");
    let refused = quang_ninh
        .submit("/election/choose", &[("election_id", &second.to_string())])
        .await;
    assert_eq!(refused.status(), 404);

    // The administrator sees both and goes back to the first; the choice outlives the session.
    let (_, listed) = app.page("/election").await;
    assert!(listed.contains("Đang làm việc") && listed.contains("Làm việc với kỳ này"));
    let chosen = app
        .submit("/election/choose", &[("election_id", &first.to_string())])
        .await;
    assert_eq!(location(&chosen), "/");
    let again = app.as_user("admin").await;
    let (_, home) = again.page("/").await;
    assert!(home.contains("23/05/2021") && !home.contains("27/06/2021"));
}
