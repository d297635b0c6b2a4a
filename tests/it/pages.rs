//! The pages, through HTTP, as a browser would ask for them.

use chrono::NaiveDate;

use crate::helpers::{Start, TestApp};

#[tokio::test]
async fn the_home_page_shows_the_election_its_races_and_the_countdown() {
    let app = TestApp::signed_in("admin").await;
    let (status, body) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Bầu cử đại biểu Quốc hội khóa XV"), "{body}");
    assert!(body.contains("23/05/2021"));
    assert!(
        body.contains("Còn 116 ngày đến ngày bầu cử"),
        "27/01 → 23/05/2021 is 116 days"
    );
    for race in [
        "Đại biểu Quốc hội",
        "Đại biểu Hội đồng nhân dân cấp tỉnh",
        "Đại biểu Hội đồng nhân dân cấp huyện",
        "Đại biểu Hội đồng nhân dân cấp xã",
    ] {
        assert!(body.contains(race), "{race}");
    }
    assert!(body.contains("href=\"/units/province/22\""));
    // The next deadline after 27/01/2021 is the election committees' at E−105.
    assert!(body.contains("07/02/2021"));
}

#[tokio::test]
async fn the_countdown_follows_the_applications_clock() {
    let day = |d| NaiveDate::from_ymd_opt(2021, 5, d).unwrap();
    let (_, on_the_day) = TestApp::spawn(Start::Seeded, day(23))
        .await
        .as_user("admin")
        .await
        .page("/")
        .await;
    assert!(on_the_day.contains("Hôm nay là ngày bầu cử"));
    let (_, after) = TestApp::spawn(Start::Seeded, day(28))
        .await
        .as_user("admin")
        .await
        .page("/")
        .await;
    assert!(after.contains("Đã qua ngày bầu cử 5 ngày"));
}

#[tokio::test]
async fn the_unit_browser_walks_from_the_province_to_a_commune() {
    let app = TestApp::signed_in("admin").await;
    let (status, roots) = app.page("/units").await;
    assert_eq!(status, 200);
    assert!(roots.contains("href=\"/units/province/22\""));

    let (status, province) = app.page("/units/province/22").await;
    assert_eq!(status, 200);
    assert!(province.contains("Tỉnh Quảng Ninh"), "{province}");
    assert!(
        province.contains("1.320.324"),
        "population with Vietnamese grouping"
    );
    assert!(province.contains("Miền núi, vùng cao"));
    assert_eq!(
        province
            .matches("<tr><td><a href=\"/units/district/")
            .count(),
        13,
        "its 13 localities: {province}"
    );
    // The localities' figures do not add up to the province's: shown, not hidden.
    assert!(
        province.contains("Tổng dân số các đơn vị trực thuộc là 1.271.121 người"),
        "{province}"
    );

    let (status, district) = app.page("/units/district/200").await;
    assert_eq!(status, 200);
    assert!(district.contains("<h1>Huyện Đầm Hà</h1>"));
    assert!(district.contains("href=\"/units/commune/6895\">Thị trấn Đầm Hà</a>"));
    assert!(district.contains("Ủy ban bầu cử huyện Đầm Hà"));

    let (status, commune) = app.page("/units/commune/6895").await;
    assert_eq!(status, 200);
    assert!(commune.contains("<h1>Thị trấn Đầm Hà</h1>"));
    assert!(
        commune.contains("href=\"/units/district/200\">Huyện Đầm Hà</a>"),
        "breadcrumb to its district"
    );
    assert!(
        commune.contains("href=\"/units/province/22\">Tỉnh Quảng Ninh</a>"),
        "and to its province"
    );
    assert!(commune.contains("thị trấn (Cấp xã)"));
}

#[tokio::test]
async fn a_unit_page_lists_its_tasks_with_deadlines_and_state() {
    let app = TestApp::signed_in("admin").await;
    let (_, district) = app.page("/units/district/200").await;
    assert!(
        district.contains("Danh mục công việc (18)"),
        "a district has 18 tasks"
    );
    // Election committee established: E−105 = 07/02/2021, reported done at the 27/01 meeting.
    let row = table_row(&district, "Thành lập Ủy ban bầu cử");
    assert!(row.contains("07/02/2021") && row.contains("E−105"), "{row}");
    assert!(row.contains("Xong đúng hạn"), "{row}");

    let (_, commune) = app.page("/units/commune/6895").await;
    assert!(commune.contains("Danh mục công việc (22)"));
    let row = table_row(&commune, "Thành lập Tổ bầu cử");
    assert!(
        row.contains("03/04/2021") && row.contains("Chưa đến hạn"),
        "{row}"
    );
}

#[tokio::test]
async fn task_states_follow_the_clock() {
    let day = NaiveDate::from_ymd_opt(2021, 2, 8).unwrap();
    let app = TestApp::spawn(Start::Seeded, day)
        .await
        .as_user("admin")
        .await;
    let (_, commune) = app.page("/units/commune/6895").await;
    let row = table_row(&commune, "Thành lập Ủy ban bầu cử");
    assert!(row.contains("Quá hạn"), "not done by 07/02/2021: {row}");
    // A commune's page opens with the work it still has to do, overdue first.
    let open = commune.find("id=\"open-work\"").expect("the open work");
    assert!(open < commune.find("checks-title").unwrap());
    let first_card = &commune[open..open + commune[open..].find("</li>").unwrap()];
    assert!(first_card.contains("Quá hạn"), "{first_card}");
}

/// The row of the unit's checklist table holding `text` (a commune's page lists its open work
/// above it too).
fn table_row<'a>(page: &'a str, text: &str) -> &'a str {
    let table = page.find("<table class=\"tasks\"").unwrap_or(0);
    let at = table
        + page[table..]
            .find(text)
            .unwrap_or_else(|| panic!("{text} is on the page"));
    let start = page[..at].rfind("<tr").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

#[tokio::test]
async fn unknown_units_answer_404_with_a_friendly_page() {
    let app = TestApp::signed_in("admin").await;
    for path in [
        "/units/commune/999999",
        "/units/district/6895",
        "/units/planet/22",
        "/units/district/abc",
        "/no-such-page",
    ] {
        let (status, body) = app.page(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Không tìm thấy trang"), "{path}");
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::signed_in("admin").await;
    assert_eq!(app.page("/healthz").await, (200, "ok".to_string()));
    assert_eq!(app.page("/readyz").await, (200, "ok".to_string()));
    app.state.pool.close().await;
    let probe = app.other_browser();
    let response = probe.get("/readyz").await;
    assert_eq!(response.status(), 503, "the database no longer answers");
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(
        probe.get("/healthz").await.status(),
        200,
        "the process is still up"
    );
}

#[tokio::test]
async fn static_files_are_cached_and_revalidated() {
    let app = TestApp::signed_in("admin").await;
    let response = app.get("/static/style.css").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let etag = headers["etag"].clone();
    let again = app
        .client
        .get(format!("{}/static/style.css", app.address))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(app.get("/static/missing.css").await.status(), 404);
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let app = TestApp::signed_in("admin").await;
    for path in ["/", "/units/commune/999999", "/static/style.css"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
    }
}
