//! A task about a body and the body's founding decision are one truth, whichever is recorded.

use crate::helpers::{TestApp, location};
use crate::tasks::{EVIDENCE, record, task_id};

type Evidence = (
    String,
    Option<String>,
    Option<chrono::NaiveDate>,
    Option<String>,
);

async fn task_state(app: &TestApp, task: i64) -> Evidence {
    sqlx::query_as(
        "SELECT status, evidence_number, evidence_date, evidence_signer FROM tasks WHERE id = $1",
    )
    .bind(task)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn body_decision(app: &TestApp, kind: &str, code: i32) -> Option<(i64, Evidence)> {
    sqlx::query_as::<
        _,
        (
            i64,
            String,
            Option<String>,
            Option<chrono::NaiveDate>,
            Option<String>,
        ),
    >(
        "SELECT b.id, b.name, b.decision_number, b.decision_date, b.decision_signer
           FROM bodies b JOIN units u ON u.id = b.unit_id
          WHERE b.kind = $1 AND u.level = 'commune' AND u.gso_code = $2 AND b.dissolved_at IS NULL",
    )
    .bind(kind)
    .bind(code)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
    .map(|(id, name, number, date, signer)| (id, (name, number, date, signer)))
}

#[tokio::test]
async fn recording_the_task_founds_the_body_and_the_decision_completes_the_task() {
    let app = TestApp::seeded().await;
    let commune = app.as_user("xa.damha").await;
    for (code, kind, name) in [
        (
            "steering_committee_established",
            "steering_committee",
            "Ban chỉ đạo bầu cử Thị trấn Đầm Hà",
        ),
        (
            "election_committee_established",
            "election_committee",
            "Ủy ban bầu cử Thị trấn Đầm Hà",
        ),
    ] {
        let task = task_id(&app, code, "commune", 6895).await;
        assert!(body_decision(&app, kind, 6895).await.is_none(), "{kind}");
        // The task recorded done with its evidence: the body is founded by that decision.
        assert_eq!(record(&commune, task, EVIDENCE).await.status(), 303);
        let (body, (stored_name, number, date, signer)) =
            body_decision(&app, kind, 6895).await.expect("founded");
        assert_eq!(stored_name, name);
        let (status, t_number, t_date, t_signer) = task_state(&app, task).await;
        assert_eq!(status, "done");
        assert_eq!(
            (number.clone(), date, signer.clone()),
            (t_number, t_date, t_signer)
        );
        // Founded, its members to come: a warning, not a violation.
        let (_, page) = commune.page(&format!("/bodies/{body}")).await;
        assert!(page.contains("đã có quyết định thành lập, chưa nhập danh sách thành viên"));
        assert!(!page.contains("Vi phạm"), "{kind}");

        // The body's decision corrected: the task follows.
        let version: i32 = sqlx::query_scalar("SELECT version FROM bodies WHERE id = $1")
            .bind(body)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let saved = commune
            .submit(
                &format!("/bodies/{body}"),
                &[
                    ("name", name),
                    ("decision_number", "16/QĐ-UBND"),
                    ("decision_date", "2021-01-26"),
                    ("decision_signer", "Chủ tịch UBND thị trấn"),
                    ("version", &version.to_string()),
                ],
            )
            .await;
        assert_eq!(saved.status(), 303);
        let (status, number, _, _) = task_state(&app, task).await;
        assert_eq!(
            (status.as_str(), number.as_deref()),
            ("done", Some("16/QĐ-UBND"))
        );
        let (_, (_, body_number, _, _)) = body_decision(&app, kind, 6895).await.unwrap();
        assert_eq!(body_number.as_deref(), Some("16/QĐ-UBND"));
    }

    // The other way first: a committee created with its decision completes its task.
    let other = app.as_user("xa.khac").await;
    let task = task_id(&app, "election_committee_established", "commune", 6898).await;
    let created = other
        .submit(
            "/units/commune/6898/bodies",
            &[
                ("kind", "election_committee"),
                ("name", "Ủy ban bầu cử xã Quảng Lâm"),
                ("decision_number", "9/QĐ-UBND"),
                ("decision_date", "2021-01-25"),
                ("decision_signer", "Chủ tịch UBND xã"),
            ],
        )
        .await;
    assert!(location(&created).starts_with("/bodies/"));
    let (status, number, date, _) = task_state(&app, task).await;
    assert_eq!(status, "done");
    assert_eq!(number.as_deref(), Some("9/QĐ-UBND"));
    assert_eq!(date, chrono::NaiveDate::from_ymd_opt(2021, 1, 25));
    // A committee created without its decision leaves the task as it is.
    let steering = task_id(&app, "steering_committee_established", "commune", 6898).await;
    other
        .submit(
            "/units/commune/6898/bodies",
            &[
                ("kind", "steering_committee"),
                ("name", "Ban chỉ đạo xã Quảng Lâm"),
            ],
        )
        .await;
    assert_ne!(task_state(&app, steering).await.0, "done");
}

/// The decision of a body, recorded on its page.
async fn found(app: &TestApp, body: i64, number: &str, date: &str) {
    let (name, version): (String, i32) =
        sqlx::query_as("SELECT name, version FROM bodies WHERE id = $1")
            .bind(body)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let saved = app
        .submit(
            &format!("/bodies/{body}"),
            &[
                ("name", name.as_str()),
                ("decision_number", number),
                ("decision_date", date),
                ("decision_signer", "Chủ tịch UBND"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303, "{body}");
}

async fn bodies_of(
    app: &TestApp,
    kind: &str,
    level: &str,
    code: i32,
) -> Vec<(i64, Option<String>)> {
    sqlx::query_as(
        "SELECT b.id, b.decision_number FROM bodies b JOIN units u ON u.id = b.unit_id
          WHERE b.kind = $1 AND u.level = $2 AND u.gso_code = $3 AND b.dissolved_at IS NULL ORDER BY b.id",
    )
    .bind(kind)
    .bind(level)
    .bind(code)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

/// The polling groups of a commune and the election boards of a district's council, with their
/// tasks: the decision that founds the last of them completes the task, and the task recorded
/// with its decision founds every one not yet founded (never one founded by its own decision).
#[tokio::test]
async fn a_set_of_bodies_and_its_task_are_one_truth() {
    let app = TestApp::seeded().await;
    let commune = app.as_user("xa.damha").await;
    for number in ["1", "2", "3"] {
        let added = commune
            .submit(
                "/units/commune/6895/polling-areas",
                &[("number", number), ("voters", "1200"), ("kind", "ordinary")],
            )
            .await;
        assert_eq!(added.status(), 303);
    }
    let groups = bodies_of(&app, "polling_group", "commune", 6895).await;
    let task = task_id(&app, "polling_groups_established", "commune", 6895).await;
    found(&commune, groups[0].0, "20/QĐ-UBND", "2021-01-20").await;
    found(&commune, groups[1].0, "20/QĐ-UBND", "2021-01-20").await;
    assert_ne!(
        task_state(&app, task).await.0,
        "done",
        "one group still to found"
    );
    found(&commune, groups[2].0, "21/QĐ-UBND", "2021-01-21").await;
    let (status, number, _, _) = task_state(&app, task).await;
    assert_eq!(
        (status.as_str(), number.as_deref()),
        ("done", Some("21/QĐ-UBND"))
    );
    let (_, page) = commune.page(&format!("/tasks/{task}")).await;
    assert!(page.contains("3/3 khu vực bỏ phiếu có Tổ bầu cử đã có quyết định thành lập"));

    // The other way: the task recorded founds every group not yet founded.
    let other = app.as_user("xa.khac").await;
    for number in ["1", "2"] {
        other
            .submit(
                "/units/commune/6898/polling-areas",
                &[("number", number), ("voters", "900"), ("kind", "ordinary")],
            )
            .await;
    }
    let groups = bodies_of(&app, "polling_group", "commune", 6898).await;
    found(&other, groups[0].0, "7/QĐ-UBND", "2021-01-22").await;
    let task = task_id(&app, "polling_groups_established", "commune", 6898).await;
    assert_eq!(
        record(&other, task, EVIDENCE).await.status(),
        303,
        "no confirmation needed"
    );
    let numbers: Vec<Option<String>> = bodies_of(&app, "polling_group", "commune", 6898)
        .await
        .into_iter()
        .map(|(_, number)| number)
        .collect();
    assert_eq!(
        numbers,
        [
            Some("7/QĐ-UBND".to_string()),
            Some("15/QĐ-UBND".to_string())
        ],
        "the group founded by its own decision keeps it"
    );

    // A district's election boards: the task founds the boards, creating those not yet entered.
    let district = app.as_user("huyen").await;
    let council: i64 = sqlx::query_scalar(
        "SELECT c.id FROM councils c JOIN units u ON u.id = c.unit_id JOIN races r ON r.id = c.race_id
          WHERE u.level = 'district' AND u.gso_code = 200 AND r.kind = 'district_council'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    for number in ["1", "2"] {
        let made = district
            .submit(
                &format!("/councils/{council}/constituencies"),
                &[("number", number), ("seats", "3")],
            )
            .await;
        assert_eq!(made.status(), 303);
    }
    let task = task_id(&app, "election_boards_established", "district", 200).await;
    let evidence = [
        ("status", "done"),
        ("evidence_number", "30/QĐ-UBND"),
        ("evidence_date", "2021-01-26"),
        ("evidence_signer", "Chủ tịch UBND huyện"),
    ];
    assert_eq!(record(&district, task, &evidence).await.status(), 303);
    let boards = bodies_of(&app, "election_board", "district", 200).await;
    assert_eq!(boards.len(), 2, "one board per constituency");
    assert!(
        boards
            .iter()
            .all(|(_, n)| n.as_deref() == Some("30/QĐ-UBND"))
    );
    let (_, page) = district.page(&format!("/tasks/{task}")).await;
    assert!(page.contains("2/2 đơn vị bầu cử có Ban bầu cử đã có quyết định thành lập"));
}
