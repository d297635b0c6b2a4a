//! Councils' seat totals and constituencies: the caps, coverage, sums and boards.

use crate::helpers::{TestApp, location, refused_beside};

async fn council(app: &TestApp, kind: &str, level: &str, code: i32) -> i64 {
    sqlx::query_scalar(
        "SELECT c.id FROM councils c JOIN races r ON r.id = c.race_id JOIN units u ON u.id = c.unit_id
          WHERE r.kind = $1 AND u.level = $2 AND u.gso_code = $3",
    )
    .bind(kind)
    .bind(level)
    .bind(code)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn unit_id(app: &TestApp, level: &str, code: i32) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE level = $1 AND gso_code = $2")
        .bind(level)
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    id.to_string()
}

/// Follows a flash redirect and returns the page it shows.
async fn after(app: &TestApp, response: reqwest::Response) -> String {
    let target = location(&response);
    app.page(&target).await.1
}

#[tokio::test]
async fn na_constituencies_respect_the_cap_coverage_and_the_seat_sum() {
    let app = TestApp::signed_in("tinh").await;
    let na = council(&app, "na", "province", 22).await;
    let path = format!("/councils/{na}/constituencies");
    let (ha_long, mong_cai, dam_ha) = (
        unit_id(&app, "district", 193).await,
        unit_id(&app, "district", 194).await,
        unit_id(&app, "district", 200).await,
    );
    let too_many = app
        .submit(
            &path,
            &[("number", "1"), ("seats", "4"), ("units", &ha_long)],
        )
        .await;
    // An NA constituency elects at most 3; the form comes back as typed.
    let page = refused_beside(
        too_many,
        "Mỗi đơn vị bầu cử của cuộc bầu cử này được bầu không quá 3 đại biểu.",
    )
    .await;
    assert!(page.contains("name=\"seats\" value=\"4\""));
    let one = app
        .submit(
            &path,
            &[
                ("number", "1"),
                ("seats", "3"),
                ("units", &ha_long),
                ("units", &mong_cai),
            ],
        )
        .await;
    assert!(
        after(&app, one)
            .await
            .contains("Đã thêm đơn vị bầu cử số 1")
    );
    let overlap = app
        .submit(
            &path,
            &[("number", "2"), ("seats", "3"), ("units", &mong_cai)],
        )
        .await;
    let page = refused_beside(
        overlap,
        "Một đơn vị hành chính chỉ thuộc một đơn vị bầu cử của cùng cuộc bầu cử; đã thuộc đơn vị khác: Thành phố Móng Cái (đơn vị bầu cử số 1).",
    )
    .await;
    assert!(
        page.contains(&format!("value=\"{mong_cai}\" checked")),
        "the ticks are kept"
    );
    let commune = unit_id(&app, "commune", 6895).await;
    let foreign = app
        .submit(
            &path,
            &[("number", "2"), ("seats", "3"), ("units", &commune)],
        )
        .await;
    refused_beside(
        foreign,
        "Chỉ được chọn các đơn vị hành chính thuộc địa bàn của hội đồng.",
    )
    .await;
    app.submit(
        &path,
        &[("number", "2"), ("seats", "3"), ("units", &dam_ha)],
    )
    .await;

    let (_, page) = app.page(&format!("/councils/{na}")).await;
    assert!(page.contains("Thành phố Hạ Long, Thành phố Móng Cái"));
    assert!(
        page.contains("400.367"),
        "population derived from the covered units"
    );
    let (_, province) = app.page("/units/province/22").await;
    assert!(
        province.contains("các đơn vị bầu cử có tổng 6 đại biểu, khác tổng số 8"),
        "seats must add up"
    );
    assert!(province.contains("chưa có Ban bầu cử"));

    let constituencies: i64 = sqlx::query_scalar("SELECT count(*) FROM constituencies")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(constituencies, 2, "refused ones wrote nothing");
}

#[tokio::test]
async fn each_constituency_gets_one_board_of_its_race() {
    let app = TestApp::signed_in("huyen").await;
    let district = council(&app, "district_council", "district", 200).await;
    app.submit(
        &format!("/councils/{district}/constituencies"),
        &[("number", "1"), ("seats", "5")],
    )
    .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM constituencies")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let board = app
        .submit(&format!("/constituencies/{id}/board"), &[])
        .await;
    let board_path = location(&board);
    assert!(board_path.starts_with("/bodies/"), "{board_path}");
    let (_, page) = app.page(&board_path).await;
    assert!(
        page.contains("9–11"),
        "a district HĐND board has 9 to 11 members"
    );
    let second = app
        .submit(&format!("/constituencies/{id}/board"), &[])
        .await;
    assert!(after(&app, second).await.contains("đã có Ban bầu cử"));
    let boards: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bodies WHERE kind = 'election_board'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(boards, 1);
}

#[tokio::test]
async fn totals_are_entered_with_a_reason_and_audited() {
    let app = TestApp::signed_in("tinh").await;
    let na = council(&app, "na", "province", 22).await;
    let no_reason = app
        .submit(
            &format!("/councils/{na}"),
            &[("seats_total", "5"), ("reason", "")],
        )
        .await;
    let page = refused_beside(no_reason, "Cần ghi căn cứ").await;
    assert!(page.contains("name=\"seats_total\" inputmode=\"numeric\" value=\"5\""));
    app.submit(
        &format!("/councils/{na}"),
        &[("seats_total", "5"), ("reason", "Thử nghiệm")],
    )
    .await;
    let (_, province) = app.page("/units/province/22").await;
    assert!(province.contains("5 đại biểu Quốc hội; mỗi tỉnh được bầu ít nhất 6"));
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'council.seats_set'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_district_officer_cannot_touch_another_districts_constituency() {
    let app = TestApp::signed_in("huyen").await;
    let district = council(&app, "district_council", "district", 200).await;
    app.submit(
        &format!("/councils/{district}/constituencies"),
        &[("number", "1"), ("seats", "5")],
    )
    .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM constituencies")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let other = app.as_user("huyen.khac").await;
    let edit = other
        .submit(
            &format!("/constituencies/{id}"),
            &[("number", "1"), ("seats", "2"), ("version", "1")],
        )
        .await;
    assert_eq!(edit.status(), 404);
    assert_eq!(
        other
            .submit(&format!("/constituencies/{id}/delete"), &[])
            .await
            .status(),
        404
    );
    assert_eq!(other.page(&format!("/councils/{district}")).await.0, 404);
    let province = council(&app, "province_council", "province", 22).await;
    let up = app
        .submit(
            &format!("/councils/{province}/constituencies"),
            &[("number", "1"), ("seats", "5")],
        )
        .await;
    assert_eq!(
        up.status(),
        404,
        "a district officer reads the province but does not edit it"
    );
    let seats: i32 = sqlx::query_scalar("SELECT seats FROM constituencies WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(seats, 5);
}

/// The seat calculator at every boundary of every row of the law's table (DOMAIN.md §5).
#[tokio::test]
async fn the_seat_calculator_follows_every_row_of_the_law() {
    let app = TestApp::signed_in("xa.damha").await;
    // (kind, terrain, population, commune-level units, seats)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("province", "mountainous", "500.000", "", "50"),
        ("province", "mountainous", "549.999", "", "50"),
        ("province", "mountainous", "550.000", "", "51"),
        ("province", "mountainous", "1.320.324", "", "66"),
        ("province", "mountainous", "1.750.000", "", "75"),
        ("province", "mountainous", "1.800.000", "", "75"),
        ("province", "ordinary", "1.000.000", "", "50"),
        ("province", "ordinary", "1.069.999", "", "50"),
        ("province", "ordinary", "1.070.000", "", "51"),
        ("province", "ordinary", "3.450.000", "", "85"),
        ("province", "ordinary", "9.000.000", "", "85"),
        ("city_fixed", "ordinary", "100", "", "95"),
        ("city_fixed", "ordinary", "8.053.663", "", "95"),
        ("city", "ordinary", "1.000.000", "", "50"),
        ("city", "ordinary", "1.059.999", "", "50"),
        ("city", "ordinary", "1.060.000", "", "51"),
        ("city", "ordinary", "3.100.000", "", "85"),
        ("city", "ordinary", "4.000.000", "", "85"),
        ("district", "mountainous", "40.000", "20", "30"),
        ("district", "mountainous", "46.999", "20", "30"),
        ("district", "mountainous", "47.000", "20", "31"),
        ("district", "island", "75.000", "20", "35"),
        ("district", "island", "90.000", "20", "35"),
        ("district", "ordinary", "80.000", "20", "30"),
        ("district", "ordinary", "94.999", "20", "30"),
        ("district", "ordinary", "95.000", "20", "31"),
        ("town", "ordinary", "155.000", "20", "35"),
        ("town", "ordinary", "500.000", "20", "35"),
        ("provincial_city", "ordinary", "100.000", "20", "30"),
        ("provincial_city", "ordinary", "109.999", "20", "30"),
        ("provincial_city", "ordinary", "110.000", "20", "31"),
        ("provincial_city", "ordinary", "150.000", "29", "35"),
        (
            "provincial_city",
            "ordinary",
            "300.267",
            "33",
            "do Ủy ban Thường vụ Quốc hội quyết định",
        ),
        ("commune", "mountainous", "2.000", "", "15"),
        ("commune", "mountainous", "2.001", "", "19"),
        ("commune", "mountainous", "2.999", "", "19"),
        ("commune", "mountainous", "3.000", "", "21"),
        ("commune", "island", "4.000", "", "21"),
        ("commune", "island", "4.999", "", "21"),
        ("commune", "island", "5.000", "", "22"),
        ("township", "mountainous", "13.000", "", "30"),
        ("township", "mountainous", "20.000", "", "30"),
        ("commune", "ordinary", "5.000", "", "25"),
        ("commune", "ordinary", "7.499", "", "25"),
        ("commune", "ordinary", "7.500", "", "26"),
        ("commune", "ordinary", "17.500", "", "30"),
        ("commune", "ordinary", "50.000", "", "30"),
        ("ward", "mountainous", "10.000", "", "21"),
        ("ward", "ordinary", "14.999", "", "21"),
        ("ward", "ordinary", "15.000", "", "22"),
        ("ward", "ordinary", "55.000", "", "30"),
        ("ward", "ordinary", "90.000", "", "30"),
    ];
    for (kind, terrain, population, communes, seats) in cases {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("kind", kind)
            .append_pair("terrain", terrain)
            .append_pair("population", population)
            .append_pair("communes", communes)
            .finish();
        let (status, page) = app.page(&format!("/seats?{query}")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!("<strong id=\"seats\">{seats}</strong>")),
            "{kind} {terrain} {population}: {seats}"
        );
    }
    // Hạ Long's row: the Standing Committee's number, at most 40.
    let (_, page) = app
        .page("/seats?kind=provincial_city&terrain=ordinary&population=300.267&communes=33")
        .await;
    assert!(page.contains("<dd id=\"bounds\">30–40</dd>"));
    // A wrong count is refused beside its field, and nothing is computed.
    let response = app
        .get("/seats?kind=commune&terrain=ordinary&population=1%2C5")
        .await;
    let page = refused_beside(response, "Số dân: \"1,5\" không phải một số đếm").await;
    assert!(!page.contains("id=\"seats\""));
}

/// A total entered above the law's cap is a violation on the council page and in the unit's
/// checks, exactly like one below the base.
#[tokio::test]
async fn a_council_total_outside_the_laws_bounds_is_a_violation() {
    let app = TestApp::signed_in("tinh").await;
    for (level, code, total, bounds) in [
        ("district", 200, "36", "30–35"),
        ("district", 193, "41", "30–40"),
        ("province", 22, "76", "50–75"),
        ("district", 200, "29", "30–35"),
    ] {
        let id = council(&app, &format!("{level}_council"), level, code).await;
        let saved = app
            .submit(
                &format!("/councils/{id}"),
                &[("seats_total", total), ("reason", "Thử nghiệm")],
            )
            .await;
        assert_eq!(saved.status(), 303);
        let message =
            format!("tổng số {total} đại biểu đã ấn định nằm ngoài khoảng luật định {bounds}");
        let (_, page) = app.page(&format!("/councils/{id}")).await;
        assert!(
            page.contains(&format!("Vi phạm:</strong> {message}")),
            "{message}"
        );
        let (_, unit) = app.page(&format!("/units/{level}/{code}")).await;
        assert!(unit.contains(&message), "in the checks: {message}");
    }
    // Within the bounds, no such violation.
    let dam_ha = council(&app, "district_council", "district", 200).await;
    app.submit(
        &format!("/councils/{dam_ha}"),
        &[("seats_total", "35"), ("reason", "Thử nghiệm")],
    )
    .await;
    let (_, page) = app.page(&format!("/councils/{dam_ha}")).await;
    assert!(!page.contains("nằm ngoài khoảng luật định"));
}
