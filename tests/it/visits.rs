//! Working groups' visits: recorded, checked against the locality's own figures, brought back
//! with findings and difficulties, followed by directives, and shown on the dashboard.

use crate::helpers::{TestApp, location, refused_beside};

#[tokio::test]
async fn a_working_group_visits_a_locality_and_brings_back_its_record() {
    let app = TestApp::signed_in("tinh").await;
    let district: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE level = 'district' AND gso_code = 200")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let (_, list) = app.page("/visits").await;
    assert!(list.contains(
        "Huyện Đầm Hà</td><td><span class=\"state\" data-state=\"overdue\">Chưa kiểm tra"
    ));
    let district_value = district.to_string();
    let empty = app
        .submit(
            "/visits",
            &[
                ("locality", &district_value),
                ("day", "26/01/2021"),
                ("members", ""),
            ],
        )
        .await;
    refused_beside(
        empty,
        "Ghi từ 1 đến 30 thành viên, mỗi dòng một người, trưởng đoàn trước.",
    )
    .await;
    let created = app
        .submit(
            "/visits",
            &[
                ("locality", &district_value),
                ("day", "26/01/2021"),
                ("members", "Phó Chủ tịch UBND tỉnh\nPhó Giám đốc Sở Nội vụ"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let path = location(&created);
    let (_, page) = app.page(&path).await;
    // The checklist: the entries due by the day of the visit, with the locality's figures.
    assert!(page.contains("Thành lập Ban chỉ đạo bầu cử"), "due 08/01");
    assert!(
        !page.contains("Thành lập Tổ bầu cử"),
        "due 03/04, after the visit"
    );
    let done_total: (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE t.status = 'done'), count(*) FROM tasks t
           JOIN units u ON u.id = t.unit_id JOIN calendar_entries c ON c.id = t.calendar_entry_id
          WHERE c.code = 'steering_committee_established' AND u.ancestors @> ARRAY[$1::bigint]",
    )
    .bind(district)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        page.contains(&format!("<td>{}/{}</td>", done_total.0, done_total.1)),
        "{page}"
    );
    assert!(
        page.contains("href=\"/brief?unit=district:200\""),
        "the locality's report to take along"
    );

    // What the group brings back.
    let entry: i64 = sqlx::query_scalar(
        "SELECT id FROM calendar_entries WHERE code = 'steering_committee_established'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let result = format!("result_{entry}");
    let note = format!("note_{entry}");
    let saved = app
        .submit(
            &path,
            &[
                ("version", "1"),
                (&result, "not_as_reported"),
                (&note, "Hai xã chưa có quyết định"),
                ("findings", "Cơ bản đúng tiến độ"),
                ("difficulties", "Thiếu kinh phí in ấn tài liệu"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let stale = app
        .submit(&path, &[("version", "1"), ("findings", "Khác")])
        .await;
    assert_eq!(stale.status(), 409, "a form drawn before the last save");
    let (_, page) = app.page(&path).await;
    assert!(
        page.contains("Thiếu kinh phí in ấn tài liệu")
            && page.contains("Hai xã chưa có quyết định")
    );
    assert!(page.contains("value=\"not_as_reported\" selected"));
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'visit.updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // Its resulting directives are recorded and tracked as a meeting's.
    let meeting = path.replace("/visits/", "/meetings/");
    let directive = app
        .submit(
            &format!("{meeting}/directives"),
            &[
                ("body", "Bổ sung kinh phí in ấn tài liệu bầu cử"),
                ("due", "15/02/2021"),
                ("lead", &format!("unit:{district}")),
            ],
        )
        .await;
    assert_eq!(directive.status(), 303);
    let (_, open) = app.as_user("huyen").await.page("/directives").await;
    assert!(open.contains("Bổ sung kinh phí in ấn tài liệu bầu cử"));

    // When each locality was last visited, on the list and the province's dashboard.
    let (_, list) = app.page("/visits").await;
    assert!(list.contains("Huyện Đầm Hà</td><td>26/01/2021"));
    let (_, dashboard) = app.page("/dashboard").await;
    let row = &dashboard[dashboard.find(">Huyện Đầm Hà</a>").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td>26/01/2021</td>"), "{row}");
    // The steering committee reads it; a district does not record visits.
    let (status, _) = app.as_user("bcd").await.page(&path).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.as_user("huyen")
            .await
            .submit("/visits", &[])
            .await
            .status(),
        403
    );
}
