//! Polling areas and their polling groups.

use crate::helpers::{TestApp, location};

async fn add(app: &TestApp, number: &str, voters: &str, kind: &str) -> String {
    let response = app
        .submit(
            "/units/commune/6895/polling-areas",
            &[("number", number), ("voters", voters), ("kind", kind)],
        )
        .await;
    let target = location(&response);
    app.page(&target).await.1
}

#[tokio::test]
async fn every_area_gets_its_group_and_its_size_is_checked() {
    let app = TestApp::signed_in("xa.damha").await;
    let page = add(&app, "1", "1200", "ordinary").await;
    assert!(page.contains("Đã thêm khu vực bỏ phiếu số 1 và Tổ bầu cử"));
    let groups: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bodies WHERE kind = 'polling_group'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(groups, 1, "one group per area");
    // A number already taken is refused beside the number, with what was typed kept.
    let taken = app
        .submit(
            "/units/commune/6895/polling-areas",
            &[("number", "1"), ("voters", "900"), ("kind", "ordinary")],
        )
        .await;
    assert_eq!(taken.status(), 422);
    let page = taken.text().await.unwrap();
    assert!(
        page.contains("<span class=\"field-error\" role=\"alert\">Đã có khu vực bỏ phiếu số 1.")
    );
    assert!(page.contains("name=\"voters\" value=\"900\""));
    let page = add(&app, "2", "4001", "ordinary").await;
    assert!(page.contains("vượt quá 4000 cử tri"));
    // Saved as a draft under a warning, never under a plain "saved".
    assert!(page.contains(
        "<p class=\"notice warning\" role=\"status\">Đã lưu khu vực bỏ phiếu số 2 như bản nháp, nhưng chưa đúng luật"
    ));
    assert!(!page.contains("Đã thêm khu vực bỏ phiếu số 2"));
    // Thị trấn Đầm Hà is mountainous: a small area is allowed there.
    let page = add(&app, "3", "150", "ordinary").await;
    assert!(!page.contains("150 cử tri, ít hơn"));
    let page = add(&app, "4", "40", "hospital_care_home").await;
    assert!(page.contains("cần ít nhất 50"));
    // The group has no members yet: a violation in the commune's checks.
    assert!(page.contains("Tổ bầu cử số 1"));
}

#[tokio::test]
async fn an_area_must_be_in_a_commune_within_scope() {
    let app = TestApp::signed_in("huyen").await;
    let response = app
        .submit(
            "/units/district/200/polling-areas",
            &[("number", "1"), ("voters", "500")],
        )
        .await;
    assert!(
        app.page(&location(&response))
            .await
            .1
            .contains("chỉ lập ở cấp xã")
    );
    let other = app.as_user("xa.khac").await;
    let response = other
        .submit(
            "/units/commune/6895/polling-areas",
            &[("number", "1"), ("voters", "500")],
        )
        .await;
    assert_eq!(response.status(), 404);
    let areas: i64 = sqlx::query_scalar("SELECT count(*) FROM polling_areas")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(areas, 0);
}

#[tokio::test]
async fn commune_voters_that_do_not_add_up_are_a_warning() {
    let app = TestApp::signed_in("xa.damha").await;
    sqlx::raw_sql("UPDATE units SET voters = 2000 WHERE level = 'commune' AND gso_code = 6895")
        .execute(&app.db.pool)
        .await
        .unwrap();
    add(&app, "1", "1200", "ordinary").await;
    let page = add(&app, "2", "700", "ordinary").await;
    assert!(
        page.contains("các khu vực bỏ phiếu có tổng 1.900 cử tri, khác số cử tri 2.000"),
        "{page}"
    );
}

#[tokio::test]
async fn a_lost_race_shows_both_versions_and_keeps_what_was_typed() {
    let app = TestApp::signed_in("xa.damha").await;
    add(&app, "1", "1200", "ordinary").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM polling_areas")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let district = app.as_user("huyen").await;
    let form = |voters: &'static str| {
        vec![
            ("number", "1"),
            ("voters", voters),
            ("kind", "ordinary"),
            ("version", "1"),
        ]
    };
    assert_eq!(
        district
            .submit(&format!("/polling-areas/{id}"), &form("1250"))
            .await
            .status(),
        303
    );
    let late = app
        .submit(&format!("/polling-areas/{id}"), &form("1300"))
        .await;
    assert_eq!(late.status(), 409);
    let page = late.text().await.unwrap();
    assert!(
        page.contains("<td>1250</td><td>1300</td>"),
        "stored beside typed"
    );
    assert!(
        page.contains("name=\"voters\" value=\"1300\""),
        "the form keeps what was typed"
    );
    assert!(
        page.contains("name=\"version\" value=\"2\""),
        "ready to save over the new version"
    );
    let voters: i32 = sqlx::query_scalar("SELECT voters FROM polling_areas")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(voters, 1250, "nothing overwritten");
    let again = app
        .submit(
            &format!("/polling-areas/{id}"),
            &[("number", "1"), ("voters", "1300"), ("version", "2")],
        )
        .await;
    assert_eq!(again.status(), 303);
}
