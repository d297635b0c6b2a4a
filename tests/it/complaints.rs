//! Complaints and denunciations: registered by the body that handles them, their legal time limits
//! at the boundaries, the person seen only by the handling body and the province, counts above.

use chrono::NaiveDate;

use crate::helpers::{Start, TestApp, location, refused_beside};

async fn committee(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT b.id FROM bodies b JOIN units u ON u.id = b.unit_id
          WHERE u.level = 'district' AND u.gso_code = 200 AND b.kind = 'election_committee'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn due_of(app: &TestApp, path: &str) -> (NaiveDate, String) {
    let id: i64 = path.trim_start_matches("/complaints/").parse().unwrap();
    sqlx::query_as("SELECT due_on, status FROM complaints WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, d).unwrap()
}

#[tokio::test]
async fn time_limits_follow_the_subject_and_the_calendar_at_their_boundaries() {
    // The day the law stops considering complaints about candidates: 13/05 (E−10).
    let app = TestApp::spawn(Start::Seeded, day(5, 14)).await;
    let huyen = app.as_user("huyen").await;
    let body = committee(&app).await;
    let path = format!("/bodies/{body}/complaints");
    let lodge = |received: &'static str, subject: &'static str| {
        let huyen = &huyen;
        let path = path.clone();
        async move {
            let response = huyen
                .submit(
                    &path,
                    &[
                        ("received_on", received),
                        ("channel", "letter"),
                        ("category", "complaint"),
                        ("subject", subject),
                        ("about", "Về người ứng cử số 3"),
                        ("person_name", "Nguyễn Văn Khiếu"),
                        ("person_contact", "0912 345 678"),
                    ],
                )
                .await;
            assert_eq!(response.status(), 303, "{received} {subject}");
            location(&response)
        }
    };
    // About candidates: handled until E−10, whenever received before it.
    let early = lodge("01/04/2021", "candidate").await;
    assert_eq!(due_of(&app, &early).await, (day(5, 13), "received".into()));
    let last_day = lodge("13/05/2021", "candidate").await;
    assert_eq!(
        due_of(&app, &last_day).await,
        (day(5, 13), "received".into())
    );
    // Received the day after: registered, and closed as not considered by law.
    let late = lodge("14/05/2021", "candidate").await;
    assert_eq!(due_of(&app, &late).await.1, "not_handled");
    let (_, page) = huyen.page(&late).await;
    assert!(page.contains("Nhận sau ngày 13/05/2021, khi luật đã ngừng xem xét"));
    // About a voter list: answered within 5 days of receipt.
    let list = lodge("10/05/2021", "voter_list").await;
    assert_eq!(due_of(&app, &list).await.0, day(5, 15));
    // Others: 10 days, never past election day's approach for those with a stop.
    let other = lodge("12/05/2021", "other").await;
    assert_eq!(due_of(&app, &other).await.0, day(5, 22));

    // Resolving needs the outcome and the answer's document.
    let version: i32 = sqlx::query_scalar("SELECT version FROM complaints WHERE id = $1")
        .bind(
            early
                .trim_start_matches("/complaints/")
                .parse::<i64>()
                .unwrap(),
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let version = version.to_string();
    let bare = huyen
        .submit(
            &early,
            &[
                ("version", &version),
                ("status", "resolved"),
                ("outcome", "Đã trả lời"),
            ],
        )
        .await;
    refused_beside(
        bare,
        "Để ghi \"Đã giải quyết\" cần số và ngày của văn bản trả lời.",
    )
    .await;
    let resolved = huyen
        .submit(
            &early,
            &[
                ("version", &version),
                ("status", "resolved"),
                ("outcome", "Đã trả lời người khiếu nại"),
                ("evidence_number", "12/TB-UBBC"),
                ("evidence_date", "10/04/2021"),
            ],
        )
        .await;
    assert_eq!(resolved.status(), 303);
    let stale = huyen
        .submit(&early, &[("version", &version), ("status", "handling")])
        .await;
    assert_eq!(stale.status(), 409);

    // Open: the last-day candidate complaint (due 13/05, overdue on 14/05), the voter list one and
    // the other one; the person's name is never in the audit log.
    let (_, dashboard) = app.as_user("bcd").await.page("/dashboard").await;
    assert!(
        dashboard.contains("Khiếu nại, tố cáo chưa giải quyết</dt><dd>3"),
        "counts above the body"
    );
    assert!(dashboard.contains("(1 quá hạn)"));
    assert!(
        !dashboard.contains("Nguyễn Văn Khiếu"),
        "never names above the body"
    );
    let named: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE coalesce(after::text, '') LIKE '%Khiếu%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(named, 0);
    let (_, brief) = app.as_user("bcd").await.page("/brief").await;
    assert!(brief.contains("3 đơn đang giải quyết, trong đó 1 đơn quá thời hạn luật định."));
}

#[tokio::test]
async fn the_person_is_seen_only_by_the_handling_body_and_the_province() {
    let app = TestApp::seeded().await;
    let body = committee(&app).await;
    let tinh = app.as_user("tinh").await;
    let registered = tinh
        .submit(
            &format!("/bodies/{body}/complaints"),
            &[
                ("received_on", "25/01/2021"),
                ("channel", "in_person"),
                ("category", "denunciation"),
                ("subject", "body"),
                ("about", "Thành phần Ủy ban bầu cử"),
                ("person_name", "Trần Thị Tố"),
            ],
        )
        .await;
    assert_eq!(registered.status(), 303);
    let path = location(&registered);
    for (user, sees) in [
        ("tinh", true),
        ("huyen", true),
        ("bcd", false),
        ("xa.damha", false),
    ] {
        let (status, page) = app.as_user(user).await.page(&path).await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(page.contains("Trần Thị Tố"), sees, "{user}");
    }
    let (status, _) = app.as_user("huyen.khac").await.page(&path).await;
    assert_eq!(status, 404, "another district");
    // A bad day is refused beside its field, and nothing is registered.
    let refused = tinh
        .submit(
            &format!("/bodies/{body}/complaints"),
            &[
                ("received_on", "31/02/2021"),
                ("channel", "letter"),
                ("category", "complaint"),
                ("subject", "other"),
                ("about", "x"),
            ],
        )
        .await;
    refused_beside(
        refused,
        "Ngày \"31/02/2021\" không hợp lệ; ghi theo dạng ngày/tháng/năm.",
    )
    .await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM complaints")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_administrator_sets_the_days_for_subjects_the_law_leaves_open() {
    let app = TestApp::signed_in("admin").await;
    let send = |was: &'static str, days: &'static str| {
        let app = &app;
        async move {
            let version: String = sqlx::query_scalar("SELECT version::text FROM elections")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            app.submit(
                "/election/settings",
                &[
                    ("version", version.as_str()),
                    ("ballot_reserve_percent", "5"),
                    ("days_was", was),
                    ("days_to_handle", days),
                ],
            )
            .await
        }
    };
    refused_beside(
        send("10", "0").await,
        "Số ngày giải quyết phải từ 1 đến 90.",
    )
    .await;
    assert_eq!(send("10", "15").await.status(), 303);
    let days: Vec<(String, Option<i32>)> =
        sqlx::query_as("SELECT subject, days_to_handle FROM complaint_rules ORDER BY subject")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        days,
        vec![
            ("body".to_string(), Some(15)),
            ("candidate".to_string(), None),
            ("other".to_string(), Some(15)),
            ("polling_area".to_string(), Some(15)),
            ("voter_list".to_string(), Some(5)),
        ],
        "the law's own limits untouched"
    );
    assert_eq!(
        send("10", "20").await.status(),
        409,
        "drawn before the change"
    );
    let (_, page) = app.page("/election/settings").await;
    assert!(page.contains("15 ngày kể từ ngày nhận (thiết lập dưới đây)"));
    assert!(page.contains("Không xem xét trong 10 ngày trước ngày bầu cử (luật định)"));
    // A province officer may set the reserve but not the country's days.
    let tinh = app.as_user("tinh").await;
    let (_, page) = tinh.page("/election/settings").await;
    assert!(page.contains(
        "name=\"days_to_handle\" inputmode=\"numeric\" value=\"15\" maxlength=\"3\" readonly"
    ));
}
