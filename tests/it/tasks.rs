//! Working tasks: evidence rules, live figures, review, "my work", conflicts and double submits.

use crate::helpers::{TestApp, location};

pub(crate) async fn task_id(app: &TestApp, code: &str, level: &str, gso: i32) -> i64 {
    sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id JOIN units u ON u.id = t.unit_id
          WHERE c.code = $1 AND u.level = $2 AND u.gso_code = $3",
    )
    .bind(code)
    .bind(level)
    .bind(gso)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// The one-time submission token of the task form.
pub(crate) async fn submission(app: &TestApp, task: i64) -> String {
    let (_, page) = app.page(&format!("/tasks/{task}")).await;
    let at =
        page.find("name=\"submission\" value=\"").unwrap() + "name=\"submission\" value=\"".len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

pub(crate) async fn record(app: &TestApp, task: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = submission(app, task).await;
    let version: i32 = sqlx::query_scalar("SELECT version FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let version = version.to_string();
    let mut all = vec![
        ("submission", token.as_str()),
        ("version", version.as_str()),
    ];
    all.extend_from_slice(fields);
    app.submit(&format!("/tasks/{task}"), &all).await
}

pub(crate) const EVIDENCE: &[(&str, &str)] = &[
    ("status", "done"),
    ("evidence_number", "15/QĐ-UBND"),
    ("evidence_date", "2021-01-27"),
    ("evidence_signer", "Chủ tịch UBND thị trấn"),
];

#[tokio::test]
async fn a_commune_records_polling_groups_established_with_evidence() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "polling_groups_established", "commune", 6895).await;
    let (_, page) = app.page(&format!("/tasks/{task}")).await;
    assert!(page.contains("03/04/2021") && page.contains("0/0 khu vực bỏ phiếu"));

    let missing = record(&app, task, &[("status", "done")]).await;
    assert_eq!(missing.status(), 422);
    assert!(missing.text().await.unwrap().contains("cần đủ căn cứ"));

    let incomplete = record(&app, task, EVIDENCE).await;
    assert_eq!(incomplete.status(), 422, "the structure is not there yet");
    assert!(
        incomplete
            .text()
            .await
            .unwrap()
            .contains("Xác nhận nếu vẫn ghi")
    );

    let mut confirmed = EVIDENCE.to_vec();
    confirmed.push(("confirm_incomplete", "1"));
    assert_eq!(record(&app, task, &confirmed).await.status(), 303);
    let (_, page) = app.page(&format!("/tasks/{task}")).await;
    assert!(page.contains("Xong đúng hạn") && page.contains("Chờ tỉnh duyệt"));
    assert!(
        page.contains("Chưa bắt đầu → Đã xong"),
        "the transition is kept"
    );
}

#[tokio::test]
async fn evidence_dated_in_the_future_and_reasons_are_checked() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let future = record(
        &app,
        task,
        &[
            ("status", "done"),
            ("evidence_number", "1"),
            ("evidence_date", "2021-01-28"),
            ("evidence_signer", "A"),
        ],
    )
    .await;
    assert!(
        future
            .text()
            .await
            .unwrap()
            .contains("ngày trong tương lai")
    );
    let blocked = record(&app, task, &[("status", "blocked")]).await;
    assert!(blocked.text().await.unwrap().contains("cần ghi lý do"));
    let status: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "not_started", "nothing saved");
}

#[tokio::test]
async fn a_form_submitted_twice_records_once() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let token = submission(&app, task).await;
    let fields = [
        ("submission", token.as_str()),
        ("version", "1"),
        ("status", "in_progress"),
        ("note", "Đang in danh sách"),
    ];
    assert_eq!(
        app.submit(&format!("/tasks/{task}"), &fields)
            .await
            .status(),
        303
    );
    let again = app.submit(&format!("/tasks/{task}"), &fields).await;
    assert_eq!(again.status(), 303, "the repeat is answered calmly");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM task_events WHERE task_id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(events, 1, "recorded once");
}

#[tokio::test]
async fn the_later_of_two_saves_gets_both_versions() {
    let app = TestApp::seeded().await;
    let commune = app.as_user("xa.damha").await;
    let district = app.as_user("huyen").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let first = commune
        .submit(
            &format!("/tasks/{task}"),
            &[
                ("version", "1"),
                ("status", "in_progress"),
                ("note", "Xã ghi"),
            ],
        )
        .await;
    assert_eq!(first.status(), 303);
    let second = district
        .submit(
            &format!("/tasks/{task}"),
            &[
                ("version", "1"),
                ("status", "blocked"),
                ("status_reason", "Huyện ghi"),
            ],
        )
        .await;
    assert_eq!(second.status(), 409);
    let page = second.text().await.unwrap();
    assert!(page.contains("Xã ghi") && page.contains("value=\"Huyện ghi\""));
}

/// A save reads the task, then writes it only if it is still at the version read. Here another
/// writer holds the task changed but not committed while the form is sent: the save reads the old
/// version, waits for the row, finds it moved on, writes nothing and frees the form's token.
#[tokio::test]
async fn a_save_that_finds_the_task_changed_since_it_read_it_writes_nothing() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let token = submission(&app, task).await;
    let mut other = app.db.pool.begin().await.unwrap();
    sqlx::query("UPDATE tasks SET note = 'Huyện sửa' WHERE id = $1")
        .bind(task)
        .execute(&mut *other)
        .await
        .unwrap();
    let path = format!("/tasks/{task}");
    let fields = [
        ("submission", token.as_str()),
        ("version", "1"),
        ("status", "in_progress"),
        ("note", "Xã ghi"),
    ];
    let sent = app.submit(&path, &fields);
    let release = async {
        // Once the save waits for the row, the other writer commits.
        for _ in 0..500 {
            let waiting: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE tasks%')",
            )
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
            if waiting {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        other.commit().await.unwrap();
    };
    let (answer, ()) = tokio::join!(sent, release);
    assert_eq!(answer.status(), 409, "the user is shown both versions");
    let (note, version): (Option<String>, i32) =
        sqlx::query_as("SELECT note, version FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((note.as_deref(), version), (Some("Huyện sửa"), 2));
    let (events, records, tokens): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM task_events WHERE task_id = $1),
                (SELECT count(*) FROM audit_log WHERE action = 'task.updated' AND object_id = $1),
                (SELECT count(*) FROM tasks WHERE submission = $2)",
    )
    .bind(task)
    .bind(&token)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (events, records, tokens),
        (0, 0, 0),
        "no history, no audit record, and the token is not the one that saved"
    );
}

#[tokio::test]
async fn the_province_approves_returns_and_anyone_in_scope_reopens() {
    let app = TestApp::seeded().await;
    let commune = app.as_user("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    record(&commune, task, EVIDENCE).await;
    assert_eq!(
        commune
            .submit(&format!("/tasks/{task}/approve"), &[])
            .await
            .status(),
        403
    );
    let steering = app.as_user("bcd").await;
    assert_eq!(
        steering
            .submit(&format!("/tasks/{task}/approve"), &[])
            .await
            .status(),
        403
    );

    let province = app.as_user("tinh").await;
    let returned = province
        .submit(
            &format!("/tasks/{task}/return"),
            &[("comment", "Thiếu chữ ký")],
        )
        .await;
    assert_eq!(location(&returned), format!("/tasks/{task}"));
    let (_, page) = commune.page(&format!("/tasks/{task}")).await;
    assert!(page.contains("Ý kiến của tỉnh: Thiếu chữ ký") && page.contains("Đang thực hiện"));

    record(&commune, task, EVIDENCE).await;
    province
        .submit(&format!("/tasks/{task}/approve"), &[])
        .await;
    let (_, page) = commune.page(&format!("/tasks/{task}")).await;
    assert!(page.contains("Tỉnh đã duyệt"));
    commune
        .submit(
            &format!("/tasks/{task}/reopen"),
            &[("comment", "Bổ sung danh sách")],
        )
        .await;
    let status: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "in_progress");
    let steps: Vec<String> = sqlx::query_scalar(
        "SELECT coalesce(note, '') FROM task_events WHERE task_id = $1 ORDER BY id",
    )
    .bind(task)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert!(
        steps[1].starts_with("Tỉnh trả lại")
            && steps[3] == "Tỉnh duyệt"
            && steps[4].starts_with("Mở lại")
    );
}

#[tokio::test]
async fn a_commune_officer_cannot_work_another_communes_task_by_editing_ids() {
    let app = TestApp::signed_in("xa.khac").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let response = app
        .submit(
            &format!("/tasks/{task}"),
            &[("version", "1"), ("status", "in_progress")],
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(app.page(&format!("/tasks/{task}")).await.0, 404);
    assert_eq!(
        written_for(&app, task).await,
        (1, 0, 0),
        "nothing was written"
    );
}

/// The task's version, its history rows and its update records.
pub(crate) async fn written_for(app: &TestApp, task: i64) -> (i32, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT version FROM tasks WHERE id = $1),
                (SELECT count(*) FROM task_events WHERE task_id = $1),
                (SELECT count(*) FROM audit_log WHERE action = 'task.updated' AND object_id = $1)",
    )
    .bind(task)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// The update is written without reading the task first, so the statement itself applies the
/// editing scope: a unit the user reads but may not edit (the commune officer's own district) is
/// refused like one out of sight, and nothing is written.
#[tokio::test]
async fn a_task_the_user_may_read_but_not_edit_is_refused_and_left_alone() {
    let app = TestApp::signed_in("xa.damha").await;
    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id
          WHERE u.level = 'district' AND u.gso_code = 200 AND t.version = 1 ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        app.page(&format!("/tasks/{task}")).await.0,
        200,
        "it reads it"
    );
    let response = app
        .submit(
            &format!("/tasks/{task}"),
            &[
                ("version", "1"),
                ("status", "in_progress"),
                ("submission", "a-token-long-enough-to-count-0001"),
            ],
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(written_for(&app, task).await, (1, 0, 0));
    let token: Option<String> = sqlx::query_scalar("SELECT submission FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        token, None,
        "no token is kept for a form that wrote nothing"
    );
}

/// The audit record of an update holds the task's recorded fields as they were and as they became.
#[tokio::test]
async fn an_update_is_audited_with_the_fields_before_and_after() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let first = record(
        &app,
        task,
        &[("status", "in_progress"), ("note", "Đang niêm yết")],
    )
    .await;
    assert_eq!(first.status(), 303);
    let second = record(
        &app,
        task,
        &[
            ("status", "blocked"),
            ("status_reason", "Chờ danh sách của huyện"),
        ],
    )
    .await;
    assert_eq!(second.status(), 303);
    let (unit, before, after): (i64, serde_json::Value, serde_json::Value) = sqlx::query_as(
        "SELECT unit_id, before, after FROM audit_log WHERE action = 'task.updated' AND object_id = $1
          ORDER BY id DESC LIMIT 1",
    )
    .bind(task)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let task_unit: i64 = sqlx::query_scalar("SELECT unit_id FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(unit, task_unit);
    assert_eq!(
        before,
        serde_json::json!({
            "status": "in_progress", "status_reason": null, "evidence_number": null,
            "evidence_date": null, "evidence_signer": null, "note": "Đang niêm yết",
            "review": "none", "review_comment": null, "version": 2,
        })
    );
    assert_eq!(after["status"], "blocked");
    assert_eq!(after["status_reason"], "Chờ danh sách của huyện");
    assert_eq!(after["note"], serde_json::Value::Null);
    assert_eq!(written_for(&app, task).await, (3, 2, 2));
}

#[tokio::test]
async fn my_work_lists_overdue_first_with_counts() {
    let app = TestApp::signed_in("xa.damha").await;
    let (_, page) = app.page("/my-work").await;
    // On 27/01/2021 the commune's steering committee (08/01) is overdue; everything else is ahead.
    let overdue = page.find("Thành lập Ban chỉ đạo bầu cử").unwrap();
    let next = page.find("Thành lập Ủy ban bầu cử").unwrap();
    assert!(overdue < next, "overdue first");
    assert!(
        page.contains("<dt>Quá hạn</dt><dd><span class=\"state\" data-state=\"overdue\">1</span>")
    );
    let district = app.as_user("huyen").await;
    let (_, page) = district.page("/my-work").await;
    assert!(
        page.contains("Thị trấn Đầm Hà") && page.contains("Huyện Đầm Hà"),
        "the district and its communes"
    );
    // The administrator answers for the election's own unit, not for every task below it.
    let admin = app.as_user("admin").await;
    let (_, page) = admin.page("/my-work").await;
    let province_tasks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id
          WHERE u.level = 'province' AND u.gso_code = 22 AND c.retired_at IS NULL",
    )
    .fetch_one(&admin.db.pool)
    .await
    .unwrap();
    assert!(province_tasks > 0);
    assert_eq!(
        page.matches("<td>Tỉnh Quảng Ninh</td>").count() as i64,
        province_tasks,
        "every task of the province itself"
    );
    assert!(
        !page.contains("Huyện Đầm Hà") && !page.contains("Thị trấn Đầm Hà"),
        "no district or commune tasks"
    );
}

async fn entry(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM calendar_entries WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn legal_deadlines_cannot_move_and_administrative_ones_can() {
    let app = TestApp::signed_in("tinh").await;
    let legal = entry(&app, "polling_groups_established").await;
    let refused = app
        .submit(&format!("/calendar/{legal}"), &[("deadline", "2021-04-10")])
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        app.submit(&format!("/calendar/{legal}/retire"), &[])
            .await
            .status(),
        403
    );
    let offset: i32 = sqlx::query_scalar("SELECT offset_days FROM calendar_entries WHERE id = $1")
        .bind(legal)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(offset, 50);

    let administrative = entry(&app, "polling_places_ready").await;
    let moved = app
        .submit(
            &format!("/calendar/{administrative}"),
            &[("deadline", "2021-05-16")],
        )
        .await;
    assert_eq!(location(&moved), "/calendar");
    let task = task_id(&app, "polling_places_ready", "commune", 6895).await;
    let (_, page) = app.page(&format!("/tasks/{task}")).await;
    assert!(
        page.contains("16/05/2021"),
        "every unit's deadline moved with it"
    );
    let district = app.as_user("huyen").await;
    assert_eq!(
        district
            .submit(
                &format!("/calendar/{administrative}"),
                &[("deadline", "2021-05-01")]
            )
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn an_added_administrative_entry_creates_tasks_for_exactly_the_right_units() {
    let app = TestApp::signed_in("tinh").await;
    let added = app
        .submit(
            "/calendar",
            &[
                ("title_vi", "Rà soát danh sách cử tri lưu động"),
                ("deadline", "2021-04-20"),
                ("levels", "district"),
                ("levels", "commune"),
            ],
        )
        .await;
    assert_eq!(location(&added), "/calendar");
    let (_, page) = app.page("/calendar").await;
    assert!(
        page.contains("giao cho 190 đơn vị"),
        "13 localities and 177 communes"
    );
    let per_level: Vec<(String, i64)> = sqlx::query_as(
        "SELECT u.level, count(*) FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id WHERE c.title_vi = 'Rà soát danh sách cử tri lưu động'
          GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        per_level,
        [("commune".to_string(), 177), ("district".to_string(), 13)]
    );
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM calendar_entries WHERE title_vi = 'Rà soát danh sách cử tri lưu động'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    app.submit(&format!("/calendar/{id}/retire"), &[]).await;
    let (_, calendar) = app.page("/calendar").await;
    assert!(calendar.contains("Đã bỏ mốc"));
    let (_, commune) = app.page("/units/commune/6895").await;
    assert!(
        !commune.contains("Rà soát danh sách cử tri lưu động"),
        "a retired entry's tasks are gone from view"
    );
}

async fn send_attachment(
    app: &TestApp,
    task: i64,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let csrf = app.csrf().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    app.client
        .post(format!(
            "{}/tasks/{task}/attachments?csrf={csrf}",
            app.address
        ))
        .multipart(form)
        .send()
        .await
        .expect("an answer, not a reset connection")
}

/// Attaches a file and returns the page it leads back to.
async fn attach(app: &TestApp, task: i64, name: &str, bytes: Vec<u8>) -> String {
    let response = send_attachment(app, task, name, bytes).await;
    app.page(&location(&response)).await.1
}

#[tokio::test]
async fn evidence_files_are_checked_by_content_and_downloaded_safely() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "polling_groups_established", "commune", 6895).await;
    let page = attach(
        &app,
        task,
        "Quyết định thành lập tổ bầu cử.pdf",
        b"%PDF-1.7\n% a small pdf".to_vec(),
    )
    .await;
    assert!(page.contains("Đã đính kèm Quyết định thành lập tổ bầu cử.pdf"));

    let page = attach(
        &app,
        task,
        "virus.pdf",
        b"MZ\x90\x00 this is a program".to_vec(),
    )
    .await;
    assert!(
        page.contains("Chỉ nhận tệp PDF, JPEG hoặc PNG"),
        "a disguised type is refused"
    );
    // Over the limit, just past it and far past it (20 MB): a Vietnamese 413 page that names the
    // limit, after the file was read, never a reset connection.
    for size in [10 * 1024 * 1024, 20 * 1024 * 1024] {
        let bytes = [b"%PDF-".as_slice(), &vec![b'x'; size]].concat();
        let response = send_attachment(&app, task, "big.pdf", bytes).await;
        assert_eq!(response.status(), 413);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("mỗi tệp tối đa 10 MB")
        );
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM task_attachments")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1);

    let id: i64 = sqlx::query_scalar("SELECT id FROM task_attachments")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let download = app.get(&format!("/attachments/{id}")).await;
    assert_eq!(download.status(), 200);
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"Quy"),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''Quy%E1%BA%BFt"),
        "{disposition}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(download.bytes().await.unwrap().starts_with(b"%PDF-"));

    let other = app.as_user("xa.khac").await;
    assert_eq!(other.get(&format!("/attachments/{id}")).await.status(), 404);
}

#[tokio::test]
async fn a_district_officer_records_one_step_for_three_communes() {
    let app = TestApp::signed_in("huyen").await;
    let (_, page) = app
        .page("/units/district/200/bulk?entry=voter_lists_posted")
        .await;
    let token = {
        let at = page.find("name=\"submission\" value=\"").unwrap()
            + "name=\"submission\" value=\"".len();
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    let mut ids = Vec::new();
    for code in [6895, 6898, 6901] {
        ids.push(
            task_id(&app, "voter_lists_posted", "commune", code)
                .await
                .to_string(),
        );
    }
    let row = |i: usize, signer: &'static str| {
        let id = ids[i].clone();
        vec![
            (format!("apply_{id}"), "1".to_string()),
            (format!("version_{id}"), "1".to_string()),
            (format!("status_{id}"), "done".to_string()),
            (format!("number_{id}"), format!("{}/TB-UBND", i + 1)),
            (format!("date_{id}"), "2021-01-26".to_string()),
            (format!("signer_{id}"), signer.to_string()),
        ]
    };
    let send = |rows: Vec<(String, String)>| {
        let app = &app;
        let token = token.clone();
        async move {
            let csrf = app.csrf().await;
            let mut fields = vec![
                ("csrf".to_string(), csrf),
                ("entry".to_string(), "voter_lists_posted".to_string()),
                ("submission".to_string(), token),
            ];
            fields.extend(rows);
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.post("/units/district/200/bulk", &fields).await
        }
    };
    let done = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
              WHERE c.code = 'voter_lists_posted' AND t.status = 'done'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };

    let bad = send([row(0, "Chủ tịch A"), row(1, ""), row(2, "Chủ tịch C")].concat()).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("1 dòng chưa hợp lệ"));
    assert_eq!(done().await, 0, "one bad row writes nothing");

    let good = send(
        [
            row(0, "Chủ tịch A"),
            row(1, "Chủ tịch B"),
            row(2, "Chủ tịch C"),
        ]
        .concat(),
    )
    .await;
    assert_eq!(good.status(), 303);
    assert_eq!(done().await, 3);
    let again = send(
        [
            row(0, "Chủ tịch A"),
            row(1, "Chủ tịch B"),
            row(2, "Chủ tịch C"),
        ]
        .concat(),
    )
    .await;
    assert_eq!(again.status(), 303);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM task_events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(events, 3, "the repeated form recorded nothing more");
    let evidence: Vec<String> = sqlx::query_scalar(
        "SELECT evidence_signer FROM tasks t JOIN units u ON u.id = t.unit_id JOIN calendar_entries c ON c.id = t.calendar_entry_id
          WHERE c.code = 'voter_lists_posted' AND t.status = 'done' ORDER BY u.gso_code",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        evidence,
        ["Chủ tịch A", "Chủ tịch B", "Chủ tịch C"],
        "each row its own evidence"
    );

    let commune = app.as_user("xa.damha").await;
    assert_eq!(
        commune.get("/units/district/200/bulk").await.status(),
        404,
        "a commune officer cannot"
    );
}

#[tokio::test]
async fn moving_election_day_moves_every_deadline() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "polling_groups_established", "commune", 6895).await;
    assert!(
        app.page(&format!("/tasks/{task}"))
            .await
            .1
            .contains("03/04/2021")
    );
    sqlx::raw_sql("UPDATE elections SET election_day = '2021-05-30'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(
        app.page(&format!("/tasks/{task}"))
            .await
            .1
            .contains("10/04/2021"),
        "E−50 from 30/05/2021"
    );
    let (_, calendar) = app.page("/calendar").await;
    assert!(calendar.contains("14/02/2021"), "E−105 from 30/05/2021");
}

/// A history row: user, from, to, note.
type HistoryTrace = (Option<i64>, Option<String>, String, Option<String>);
/// An audit record: user, action, object type, whether it names the task's unit, before, after.
type AuditTrace = (
    Option<i64>,
    String,
    Option<String>,
    bool,
    serde_json::Value,
    serde_json::Value,
);

/// What a change left in the history and the audit log, without the ids and times that differ.
async fn traces(app: &TestApp, task: i64) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let history: Vec<HistoryTrace> = sqlx::query_as(
        "SELECT user_id, from_status, to_status, note FROM task_events WHERE task_id = $1 ORDER BY id",
    )
    .bind(task)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let audit: Vec<AuditTrace> = sqlx::query_as(
        "SELECT l.user_id, l.action, l.object_type, l.unit_id = t.unit_id, l.before, l.after
               FROM audit_log l JOIN tasks t ON t.id = l.object_id
              WHERE l.object_type = 'task' AND l.object_id = $1 ORDER BY l.id",
    )
    .bind(task)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    (
        history
            .into_iter()
            .map(|row| serde_json::json!([row.0, row.1, row.2, row.3]))
            .collect(),
        audit
            .into_iter()
            .map(|row| serde_json::json!([row.0, row.1, row.2, row.3, row.4, row.5]))
            .collect(),
    )
}

/// The task form and the district's bulk page write through one module: the same change leaves
/// the same history and the same audit record, and a review step leaves a record of the same shape.
#[tokio::test]
async fn the_task_form_and_the_bulk_page_leave_the_same_history_and_audit_for_one_change() {
    let app = TestApp::signed_in("huyen").await;
    let by_form = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let by_bulk = task_id(&app, "voter_lists_posted", "commune", 6898).await;
    let change = [
        ("status", "done"),
        ("evidence_number", "7/TB-UBND"),
        ("evidence_date", "2021-01-26"),
        ("evidence_signer", "Chủ tịch UBND"),
        ("note", "Đã niêm yết"),
    ];
    assert_eq!(record(&app, by_form, &change).await.status(), 303);

    let (_, page) = app
        .page("/units/district/200/bulk?entry=voter_lists_posted")
        .await;
    let at =
        page.find("name=\"submission\" value=\"").unwrap() + "name=\"submission\" value=\"".len();
    let token = page[at..at + page[at..].find('"').unwrap()].to_string();
    let csrf = app.csrf().await;
    let mut fields = vec![
        ("csrf".to_string(), csrf),
        ("entry".to_string(), "voter_lists_posted".to_string()),
        ("submission".to_string(), token),
        (format!("apply_{by_bulk}"), "1".to_string()),
        (format!("version_{by_bulk}"), "1".to_string()),
    ];
    let names = [
        ("status", "status"),
        ("evidence_number", "number"),
        ("evidence_date", "date"),
        ("evidence_signer", "signer"),
        ("note", "note"),
    ];
    for ((_, value), (_, name)) in change.iter().zip(names) {
        fields.push((format!("{name}_{by_bulk}"), value.to_string()));
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let bulk = app.post("/units/district/200/bulk", &fields).await;
    assert_eq!(bulk.status(), 303);

    let (form_history, form_audit) = traces(&app, by_form).await;
    let (bulk_history, bulk_audit) = traces(&app, by_bulk).await;
    assert_eq!(form_history.len(), 1);
    assert_eq!(form_audit.len(), 1);
    assert_eq!(form_history, bulk_history, "the same history");
    assert_eq!(form_audit, bulk_audit, "the same audit record");

    // A review step: its own action, the same shape of record.
    let province = app.as_user("tinh").await;
    let approved = province
        .submit(&format!("/tasks/{by_form}/approve"), &[])
        .await;
    assert_eq!(approved.status(), 303);
    let (history, audit) = traces(&app, by_form).await;
    assert_eq!(history.len(), 2, "the approval is in the history");
    let keys = |record: &serde_json::Value, side: usize| {
        let mut keys: Vec<String> = record[4 + side]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(audit[1][1], "task.approved");
    assert_eq!(keys(&audit[1], 0), keys(&audit[0], 0));
    assert_eq!(keys(&audit[1], 1), keys(&audit[0], 1));
    assert_eq!(audit[1][5]["review"], "approved");
    assert_eq!(audit[1][4]["review"], "none");
}

/// Starting mid-campaign: a district records for several communes at once, with one document,
/// that they set up their steering committees before the application was in use. The tasks are
/// done and never late, their history says how they were recorded, the committees are founded
/// with them, and a task recorded the ordinary way with the same late date is judged late.
#[tokio::test]
async fn work_done_before_go_live_is_recorded_in_bulk_and_never_judged_late() {
    let app = TestApp::signed_in("huyen").await;
    let code = "steering_committee_established";
    let path = "/units/district/200/before-go-live";
    let communes: Vec<(i64, i32)> = sqlx::query_as(
        "SELECT t.id, u.gso_code FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id
          WHERE c.code = $1 AND u.level = 'commune' AND u.parent_id = (SELECT id FROM units WHERE level = 'district' AND gso_code = 200)
          ORDER BY u.gso_code",
    )
    .bind(code)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(communes.len() >= 4);
    let (status, page) = app.page(&format!("{path}?entry={code}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("đã ghi xong"),
        "the district's own task, done at the seed"
    );

    let ticks: Vec<String> = communes[..3]
        .iter()
        .map(|(id, _)| format!("unit_{id}"))
        .collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("entry", code),
        ("number", "05/QĐ-UBND"),
        ("date", "2021-01-20"),
        ("signer", "Chủ tịch UBND huyện Đầm Hà"),
    ];
    let none = app.submit(path, &fields).await;
    assert_eq!(none.status(), 422);
    assert!(none.text().await.unwrap().contains("Chưa chọn đơn vị nào."));
    fields.extend(ticks.iter().map(|t| (t.as_str(), "1")));
    let mut undated = fields.clone();
    undated.retain(|(name, _)| *name != "date");
    crate::helpers::refused_beside(app.submit(path, &undated).await, "Cần nhập ngày văn bản.")
        .await;
    let done: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE before_go_live")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(done, 0, "nothing written");

    let saved = app.submit(path, &fields).await;
    assert_eq!(saved.status(), 303);
    let (_, page) = app.page(&location(&saved)).await;
    assert!(page.contains("Đã ghi nhận cho 3 đơn vị"));
    let (first, _) = communes[0];
    let (_, task_page) = app.page(&format!("/tasks/{first}")).await;
    assert!(task_page.contains("Xong đúng hạn"), "never judged late");
    assert!(task_page.contains("Ghi nhận việc đã làm trước khi sử dụng hệ thống"));
    assert!(task_page.contains("05/QĐ-UBND"));

    // The same late date recorded the ordinary way is late.
    let (ordinary, _) = communes[3];
    let late = [
        ("status", "done"),
        ("evidence_number", "06/QĐ-UBND"),
        ("evidence_date", "2021-01-20"),
        ("evidence_signer", "Chủ tịch UBND xã"),
    ];
    assert_eq!(record(&app, ordinary, &late).await.status(), 303);
    let (_, ordinary_page) = app.page(&format!("/tasks/{ordinary}")).await;
    assert!(ordinary_page.contains("Xong trễ hạn"));

    // The dashboards count them done and never late.
    let rollup: Vec<(String, i64)> = sqlx::query_as(
        "SELECT r.status, sum(r.tasks)::bigint FROM task_rollup r JOIN calendar_entries c ON c.id = r.calendar_entry_id
          WHERE c.code = $1 AND r.task_level = 'commune'
            AND r.unit_id = (SELECT id FROM units WHERE level = 'district' AND gso_code = 200)
          GROUP BY 1 HAVING sum(r.tasks) <> 0 ORDER BY 1",
    )
    .bind(code)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(
        rollup.contains(&("done_before_go_live".to_string(), 3)),
        "{rollup:?}"
    );
    assert!(rollup.contains(&("done".to_string(), 1)), "{rollup:?}");
    // The committees are founded with the tasks, and each change is audited as such.
    let founded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bodies b JOIN tasks t ON t.unit_id = b.unit_id
          WHERE b.kind = 'steering_committee' AND t.id = ANY($1) AND b.decision_number = '05/QĐ-UBND'",
    )
    .bind(communes[..3].iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(founded, 3);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE object_type = 'task' AND (after->>'before_go_live')::boolean",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 3);
    // A commune already recorded cannot be recorded again this way.
    let again = app.submit(path, &fields).await;
    assert_eq!(again.status(), 422);
}

/// `id:version` as the approval queue's checkbox sends it.
async fn ticked(app: &TestApp, task: i64) -> String {
    let version: i32 = sqlx::query_scalar("SELECT version FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    format!("{task}:{version}")
}

/// The province works its approval queue: oldest first, filtered by locality and entry,
/// approving several at once (confirming those without a document number), returning with a
/// comment that the commune then finds at the top of its work and on its home page.
#[tokio::test]
async fn the_province_works_its_approval_queue() {
    let app = TestApp::seeded().await;
    let commune = app.as_user("xa.damha").await;
    let province = app.as_user("tinh").await;
    let first = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let second = task_id(&app, "voter_meetings_done", "commune", 6895).await;
    for task in [first, second] {
        let mut fields = EVIDENCE.to_vec();
        fields.push(("confirm_incomplete", "1"));
        assert_eq!(record(&commune, task, &fields).await.status(), 303);
    }
    let (status, queue) = province.page("/approvals").await;
    assert_eq!(status, 200);
    assert!(
        queue.contains("15/QĐ-UBND, 27/01/2021, Chủ tịch UBND thị trấn"),
        "evidence in the row"
    );
    let seeded = queue.find("thiếu số văn bản hoặc người ký").unwrap();
    let mine = queue.find(&format!("/tasks/{first}\"")).unwrap();
    assert!(seeded < mine, "the seed's reports, older, come first");
    let district: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE level = 'district' AND gso_code = 200")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let (_, filtered) = province
        .page(&format!(
            "/approvals?locality={district}&entry=voter_lists_posted"
        ))
        .await;
    assert!(filtered.contains(&format!("/tasks/{first}\"")));
    assert!(!filtered.contains(&format!("/tasks/{second}\"")));

    // Approving several at once; one without a document number needs confirmation.
    let incomplete = task_id(&app, "steering_committee_established", "district", 200).await;
    let chosen = [ticked(&app, first).await, ticked(&app, incomplete).await];
    let approve = |confirm: bool| {
        let mut fields = vec![("action", "approve")];
        fields.extend(chosen.iter().map(|t| ("tasks", t.as_str())));
        if confirm {
            fields.push(("confirm_incomplete", "1"));
        }
        fields
    };
    let refused = province.submit("/approvals", &approve(false)).await;
    crate::helpers::refused_beside(
        refused,
        "Chưa đủ số văn bản hoặc người ký: Huyện Đầm Hà. Đánh dấu ô xác nhận nếu vẫn duyệt.",
    )
    .await;
    let approved = province.submit("/approvals", &approve(true)).await;
    assert_eq!(approved.status(), 303);
    let reviews: Vec<String> =
        sqlx::query_scalar("SELECT review FROM tasks WHERE id = ANY($1) ORDER BY id")
            .bind(vec![first, incomplete])
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(reviews, ["approved", "approved"]);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'task.approved'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 2);

    // Returning needs a comment, which the commune then reads first thing.
    let back = ticked(&app, second).await;
    let bare = province
        .submit("/approvals", &[("action", "return"), ("tasks", &back)])
        .await;
    crate::helpers::refused_beside(bare, "Cần ghi ý kiến khi trả lại.").await;
    let returned = province
        .submit(
            "/approvals",
            &[
                ("action", "return"),
                ("tasks", &back),
                ("comment", "Thiếu biên bản niêm yết"),
            ],
        )
        .await;
    assert_eq!(returned.status(), 303);
    let (_, work) = commune.page("/my-work").await;
    let top = work.find("<tbody>").unwrap();
    let row = &work[top..top + work[top..].find("</tr>").unwrap()];
    assert!(
        row.contains(&format!("/tasks/{second}\"")) && row.contains("Thiếu biên bản niêm yết"),
        "{row}"
    );
    let (_, home) = commune.page("/").await;
    assert!(home.contains("1 công việc bị tỉnh trả lại"));
    // A decision names at most the rows a page shows.
    let many: Vec<String> = (1..=201).map(|id| format!("{id}:1")).collect();
    let mut fields = vec![("action", "approve")];
    fields.extend(many.iter().map(|t| ("tasks", t.as_str())));
    let too_many = province.submit("/approvals", &fields).await;
    assert_eq!(too_many.status(), 422);
    assert!(
        too_many
            .text()
            .await
            .unwrap()
            .contains("Chọn nhiều nhất 200 công việc mỗi lần.")
    );
    // Only the province reviews, unless it delegates (below); the steering committee never.
    let steering = app.as_user("bcd").await;
    assert_eq!(steering.get("/approvals").await.status(), 403);
}

/// Date fields show and take day/month/year whatever the browser's language: they are text
/// fields, and the ISO form a date picker sends is read too.
#[tokio::test]
async fn dates_are_written_and_read_as_day_month_year() {
    let app = TestApp::signed_in("xa.damha").await;
    let task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let fields = [
        ("status", "done"),
        ("evidence_number", "15/QĐ-UBND"),
        ("evidence_date", "26/01/2021"),
        ("evidence_signer", "Chủ tịch UBND thị trấn"),
    ];
    assert_eq!(record(&app, task, &fields).await.status(), 303);
    let stored: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT evidence_date FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, chrono::NaiveDate::from_ymd_opt(2021, 1, 26));
    let (_, page) = app.page(&format!("/tasks/{task}")).await;
    assert!(page.contains(
        "name=\"evidence_date\" type=\"text\" inputmode=\"numeric\" placeholder=\"ngày/tháng/năm\" autocomplete=\"off\" value=\"26/01/2021\""
    ));
    assert!(!page.contains("type=\"date\""));
}

/// A district reviews its communes' tasks once the province delegates it, never its own tasks,
/// and no longer once the delegation is withdrawn; another district never.
#[tokio::test]
async fn the_province_delegates_review_of_a_districts_communes() {
    let app = TestApp::signed_in("xa.damha").await;
    let commune_task = task_id(&app, "voter_lists_posted", "commune", 6895).await;
    assert_eq!(record(&app, commune_task, EVIDENCE).await.status(), 303);
    let district_task = task_id(&app, "steering_committee_established", "district", 200).await;
    let district: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE level = 'district' AND gso_code = 200")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let review_of = |task: i64| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT review FROM tasks WHERE id = $1")
                .bind(task)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };

    // Before any delegation the district reviews nothing.
    let huyen = app.as_user("huyen").await;
    let (status, queue) = huyen.page("/approvals").await;
    assert_eq!(status, 200);
    assert!(queue.contains("Tỉnh chưa giao huyện duyệt"));
    let chosen = ticked(&app, commune_task).await;
    let refused = huyen
        .submit("/approvals", &[("action", "approve"), ("tasks", &chosen)])
        .await;
    refused_above(refused, "Có công việc không còn trong danh sách.").await;
    let direct = huyen
        .submit(&format!("/tasks/{commune_task}/approve"), &[])
        .await;
    assert_eq!(
        direct.status(),
        303,
        "sent back to the task with a word why"
    );
    let (_, task_page) = huyen.page(&location(&direct)).await;
    assert!(
        task_page.contains("Tỉnh duyệt công việc này"),
        "{task_page}"
    );
    assert_eq!(review_of(commune_task).await, "none");

    // The province delegates; a district that is not its own is refused and changes nothing.
    let province = app.as_user("tinh").await;
    let (_, page) = province.page("/approvals").await;
    assert!(
        page.contains("Giao huyện duyệt công việc của các xã") && page.contains("Huyện Đầm Hà")
    );
    let foreign = province
        .submit("/approvals/delegation", &[("districts", "999999")])
        .await;
    crate::helpers::refused_beside(foreign, "Có huyện không thuộc địa phương của anh/chị.").await;
    let district_value = district.to_string();
    let saved = province
        .submit("/approvals/delegation", &[("districts", &district_value)])
        .await;
    assert_eq!(saved.status(), 303);
    let delegated: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'review.delegated' AND unit_id = $1",
    )
    .bind(district)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(delegated, 1);

    // Now the district's queue holds its communes' reports, not its own, and its reminders
    // count them.
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN units u ON u.id = t.unit_id
          WHERE u.parent_id = $1 AND t.status = 'done' AND t.review = 'none'",
    )
    .bind(district)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (_, notifications) = huyen.page("/notifications").await;
    assert!(
        notifications.contains(&format!("{waiting} việc đã xong đang chờ anh/chị duyệt")),
        "{notifications}"
    );
    let (_, queue) = huyen.page("/approvals").await;
    assert!(
        queue.contains(&format!("/tasks/{commune_task}\"")),
        "{queue}"
    );
    assert!(!queue.contains(&format!("/tasks/{district_task}\"")));
    let own = ticked(&app, district_task).await;
    let refused = huyen
        .submit(
            "/approvals",
            &[
                ("action", "approve"),
                ("tasks", &own),
                ("confirm_incomplete", "1"),
            ],
        )
        .await;
    refused_above(refused, "Có công việc không còn trong danh sách.").await;
    let approved = huyen
        .submit("/approvals", &[("action", "approve"), ("tasks", &chosen)])
        .await;
    assert_eq!(approved.status(), 303);
    assert_eq!(review_of(commune_task).await, "approved");
    assert_eq!(review_of(district_task).await, "none");

    // Another district was given nothing.
    let other = app.as_user("huyen.khac").await;
    let (_, queue) = other.page("/approvals").await;
    assert!(queue.contains("Tỉnh chưa giao huyện duyệt"));

    // Withdrawn: the district reviews nothing again.
    let withdrawn = province.submit("/approvals/delegation", &[]).await;
    assert_eq!(withdrawn.status(), 303);
    let (_, queue) = huyen.page("/approvals").await;
    assert!(queue.contains("Tỉnh chưa giao huyện duyệt"));
}

/// A refusal that concerns the whole form, said above it.
async fn refused_above(response: reqwest::Response, message: &str) {
    assert_eq!(response.status(), 422, "refused: {message}");
    let page = response.text().await.unwrap();
    let above = format!("<p class=\"notice error\" role=\"alert\">{message}");
    assert!(page.contains(&above), "above the form: {message}");
}
