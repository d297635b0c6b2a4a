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
