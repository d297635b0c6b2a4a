//! Journeys in a real headless Chromium driven through WebDriver (Debian's chromium and
//! chromium-driver, installed by the test command), against the real application and database.
//! Each journey saves screenshots under target/browser/ for a person to look at.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{PASSWORD, TestApp};

/// A chromedriver of its own for one journey, stopped when dropped.
struct Driver {
    process: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn driver() -> Driver {
    let port = free_port();
    let process = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (the test command installs Debian's chromium-driver)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        process,
        port,
        profile: tempfile::tempdir().unwrap(),
    }
}

async fn browser(driver: &Driver, width: u32, height: u32) -> Client {
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", format!("--user-data-dir={}", driver.profile.path().display()),
                format!("--window-size={width},{height}"),
            ]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session starts")
}

/// Saves what the browser shows, for a person to look at.
async fn screenshot(client: &Client, name: &str) {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&folder).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(folder.join(format!("{name}.png")), png).unwrap();
}

async fn click(client: &Client, css: &str) {
    let element = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    element.click().await.unwrap();
}

async fn type_text(client: &Client, css: &str, text: &str) {
    let element = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    element.send_keys(text).await.unwrap();
}

async fn log_in(client: &Client, app: &TestApp, username: &str) {
    client
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    type_text(client, "input[name=username]", username).await;
    type_text(client, "input[name=password]", PASSWORD).await;
    click(client, "form[action='/login'] button").await;
    client
        .wait()
        .for_element(Locator::Css("a[href='/account']"))
        .await
        .unwrap();
}

/// Sets a form field by name, as typing or choosing would.
async fn set(client: &Client, name: &str, value: &str) {
    client
        .execute(
            "const field = document.querySelector('[name=\"' + arguments[0] + '\"]'); field.value = arguments[1];",
            vec![serde_json::json!(name), serde_json::json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("setting {name}: {e}"));
}

async fn text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commune_officer_records_polling_groups_established_and_sees_it_done() {
    let app = TestApp::seeded().await;
    let driver = driver();
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "xa.damha").await;
    client
        .goto(&format!("{}/my-work", app.address))
        .await
        .unwrap();
    screenshot(&client, "commune-my-work").await;
    client
        .find(Locator::LinkText("Thành lập Tổ bầu cử"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let form = client
        .form(Locator::Css("form.stack[action^='/tasks/']"))
        .await
        .unwrap();
    form.set_by_name("status", "done").await.unwrap();
    form.set_by_name("evidence_number", "15/QĐ-UBND")
        .await
        .unwrap();
    form.set_by_name("evidence_date", "2021-01-27")
        .await
        .unwrap();
    form.set_by_name("evidence_signer", "Chủ tịch UBND thị trấn")
        .await
        .unwrap();
    form.submit().await.unwrap();
    // No polling area yet: the page asks for confirmation.
    client
        .wait()
        .for_element(Locator::Css("input[name=confirm_incomplete]"))
        .await
        .unwrap();
    click(&client, "input[name=confirm_incomplete]").await;
    client
        .find(Locator::Css(
            "form.stack[action^='/tasks/'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("p.notice.success"))
        .await
        .unwrap();
    let page = text(&client).await;
    assert!(
        page.contains("Đã lưu") && page.contains("Xong đúng hạn"),
        "{page}"
    );
    screenshot(&client, "commune-task-done").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_steering_member_reads_the_dashboard_and_brief_and_cannot_edit() {
    let app = TestApp::seeded().await;
    let driver = driver();
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "bcd").await;
    client
        .goto(&format!("{}/dashboard", app.address))
        .await
        .unwrap();
    assert!(
        text(&client)
            .await
            .contains("Tổng hợp tiến độ — Tỉnh Quảng Ninh")
    );
    screenshot(&client, "steering-dashboard").await;
    client
        .goto(&format!("{}/brief", app.address))
        .await
        .unwrap();
    assert!(
        text(&client)
            .await
            .contains("Tóm tắt tình hình chuẩn bị bầu cử")
    );
    screenshot(&client, "steering-brief").await;
    for page in ["/brief", "/units/district/200", "/units/commune/6895"] {
        client
            .goto(&format!("{}{page}", app.address))
            .await
            .unwrap();
        let edit_controls = client
            .find_all(Locator::Css(
                "form[method=post]:not([action='/logout']):not([action='/language'])",
            ))
            .await
            .unwrap();
        assert!(edit_controls.is_empty(), "no edit control on {page}");
    }
    // An edit address typed by hand is refused.
    client
        .goto(&format!("{}/units/commune/6895/import", app.address))
        .await
        .unwrap();
    assert!(text(&client).await.contains("Không được phép"));
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_sized_window_shows_the_dashboard_without_sideways_page_scroll() {
    let app = TestApp::seeded().await;
    let driver = driver();
    let client = browser(&driver, 360, 740).await;
    client.set_window_size(360, 740).await.unwrap();
    log_in(&client, &app, "tinh").await;
    for page in ["/dashboard", "/units/province/22", "/my-work"] {
        client
            .goto(&format!("{}{page}", app.address))
            .await
            .unwrap();
        let widths = client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        let scroll = widths[0].as_f64().unwrap();
        let window = widths[1].as_f64().unwrap();
        assert!(
            scroll <= window,
            "{page}: the page is {scroll}px wide in a {window}px window"
        );
    }
    screenshot(&client, "phone-dashboard").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_district_bulk_records_and_the_province_reviews_in_the_heatmap() {
    let app = TestApp::seeded().await;
    let driver = driver();
    // An office PC's common screen.
    let client = browser(&driver, 1366, 768).await;
    log_in(&client, &app, "huyen").await;
    client
        .goto(&format!(
            "{}/units/district/200/bulk?entry=voter_lists_posted",
            app.address
        ))
        .await
        .unwrap();
    let rows = client
        .find_all(Locator::Css("table.bulk tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 9, "the district's nine communes");
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        for checkbox in client
            .find_all(Locator::Css("input[type=checkbox][name^=apply_]"))
            .await
            .unwrap()
            .iter()
            .take(3)
        {
            let name = checkbox.attr("name").await.unwrap().unwrap();
            ids.push(name.trim_start_matches("apply_").to_string());
            checkbox.click().await.unwrap();
        }
        ids
    };
    for (i, id) in ids.iter().enumerate() {
        set(&client, &format!("status_{id}"), "done").await;
        set(
            &client,
            &format!("number_{id}"),
            &format!("{}/TB-UBND", i + 1),
        )
        .await;
        set(&client, &format!("date_{id}"), "2021-01-26").await;
        set(&client, &format!("signer_{id}"), "Chủ tịch UBND").await;
    }
    // First with a date that does not exist and a missing signer: each said beside its field,
    // and nothing pushed off the screen.
    set(&client, &format!("date_{}", ids[0]), "31/02/2021").await;
    set(&client, &format!("signer_{}", ids[1]), "").await;
    let save = "form[method=post][action='/units/district/200/bulk'] button[type=submit]";
    click(&client, save).await;
    wait_for_text(&client, "2 dòng chưa hợp lệ").await;
    screenshot(&client, "district-bulk-refused").await;
    let beside = client
        .find_all(Locator::Css("table.bulk td label .field-error"))
        .await
        .unwrap();
    assert_eq!(beside.len(), 2, "each error beside its field");
    let edges = client
        .execute(
            "const wrap = document.querySelector('.table-wrap');
             const signers = Array.from(document.querySelectorAll('input[name^=signer_]'));
             return [wrap.scrollWidth, wrap.clientWidth, document.documentElement.scrollWidth,
                     window.innerWidth, Math.max(...signers.map(s => s.getBoundingClientRect().right))];",
            vec![],
        )
        .await
        .unwrap();
    let edge = |i: usize| edges[i].as_f64().unwrap();
    assert!(
        edge(0) <= edge(1) && edge(2) <= edge(3) && edge(4) <= edge(3),
        "the date and signer columns stay on a 1,366 px screen: {edges:?}"
    );
    set(&client, &format!("date_{}", ids[0]), "26/01/2021").await;
    set(&client, &format!("signer_{}", ids[1]), "Chủ tịch UBND").await;
    click(&client, save).await;
    if client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("p.notice.success"))
        .await
        .is_err()
    {
        panic!("{}", text(&client).await);
    }
    assert!(text(&client).await.contains("Đã ghi cho 3 xã"));
    screenshot(&client, "district-bulk").await;
    client.close().await.unwrap();

    let client = browser(&driver, 1400, 900).await;
    log_in(&client, &app, "tinh").await;
    client
        .goto(&format!("{}/dashboard?level=commune", app.address))
        .await
        .unwrap();
    let page = text(&client).await;
    assert!(page.contains("Im lặng"), "quiet units are listed");
    let cell = client
        .find(Locator::Css(
            "a[href='/tasks?unit=district:200&entry=voter_lists_posted']",
        ))
        .await
        .unwrap();
    assert_eq!(
        cell.text().await.unwrap(),
        "○6",
        "three of nine done; six still ahead"
    );
    screenshot(&client, "province-heatmap").await;
    cell.click().await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("table.tasks"))
        .await
        .unwrap();
    let done_links = client
        .find_all(Locator::Css("table.tasks a"))
        .await
        .unwrap();
    assert_eq!(done_links.len(), 9, "the tasks behind the cell");
    let done: Vec<i64> = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id WHERE c.code = 'voter_lists_posted'
            AND t.status = 'done' ORDER BY t.id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(done.len(), 3);
    client
        .goto(&format!("{}/tasks/{}", app.address, done[0]))
        .await
        .unwrap();
    click(&client, "form[action$='/approve'] button").await;
    client
        .wait()
        .for_element(Locator::Css("p.notice.success"))
        .await
        .unwrap();
    assert!(text(&client).await.contains("Tỉnh đã duyệt"));
    client
        .goto(&format!("{}/tasks/{}", app.address, done[1]))
        .await
        .unwrap();
    set(&client, "comment", "Thiếu chữ ký").await;
    click(&client, "form[action$='/return'] button").await;
    client
        .wait()
        .for_element(Locator::Css("p.notice.success"))
        .await
        .unwrap();
    assert!(
        text(&client)
            .await
            .contains("Ý kiến của tỉnh: Thiếu chữ ký")
    );
    screenshot(&client, "province-returned").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_language_switch_turns_a_page_to_english_and_back() {
    let app = TestApp::seeded().await;
    let driver = driver();
    // An office PC's common screen.
    let client = browser(&driver, 1366, 768).await;
    log_in(&client, &app, "huyen").await;
    client
        .goto(&format!("{}/dashboard?level=commune", app.address))
        .await
        .unwrap();
    let heading = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css("h1"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(heading(&client).await.starts_with("Tổng hợp tiến độ"));

    click(&client, "form[action='/language'] button").await;
    client
        .wait()
        .for_element(Locator::Css("html[lang=en]"))
        .await
        .unwrap();
    // Back on the same view, filter kept, now in English.
    let url = client.current_url().await.unwrap();
    assert!(url.as_str().ends_with("/dashboard?level=commune"), "{url}");
    assert!(heading(&client).await.starts_with("Progress — "));
    let body = text(&client).await;
    assert!(body.contains("Heatmap of deadlines") && body.contains("My work"));
    screenshot(&client, "language-english").await;

    // The choice is remembered: another page, still English.
    client
        .goto(&format!("{}/my-work", app.address))
        .await
        .unwrap();
    assert_eq!(heading(&client).await, "My work");

    click(&client, "form[action='/language'] button").await;
    client
        .wait()
        .for_element(Locator::Css("html[lang=vi]"))
        .await
        .unwrap();
    assert_eq!(heading(&client).await, "Việc của tôi");
    screenshot(&client, "language-vietnamese").await;
    client.close().await.unwrap();
}

/// Chooses a file for the form's file field and sends the form, as a person would.
async fn send_file(client: &Client, form: &str, path: &std::path::Path) {
    let field = client
        .find(Locator::Css(&format!("{form} input[type=file]")))
        .await
        .unwrap_or_else(|e| panic!("{form}: {e}"));
    field.send_keys(&path.display().to_string()).await.unwrap();
    click(client, &format!("{form} button[type=submit]")).await;
}

/// Waits until the page says `what`.
async fn wait_for_text(client: &Client, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // While the next page loads there may be no body yet: look again.
        let page = match client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if page.contains(what) {
            return page;
        }
        assert!(Instant::now() < deadline, "waited for {what:?}: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn xlsx(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for (row, cells) in rows.iter().enumerate() {
        for (col, cell) in cells.iter().enumerate() {
            sheet
                .write_string(row as u32 + 1, col as u16, cell)
                .unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// A province officer onboards a district in an afternoon: its officers' accounts with their
/// printed sign-in slips, its election committee's members and its communes' population, each
/// from a file, in the browser.
#[tokio::test(flavor = "multi_thread")]
async fn a_province_officer_onboards_a_district_from_files() {
    use baucu::auth::Role;
    let app = TestApp::seeded().await;
    let files = tempfile::tempdir().unwrap();
    let accounts = files.path().join("tai-khoan.xlsx");
    let people = [
        ("Trần Văn Hùng", Role::DistrictOfficer, "Đầm Hà"),
        ("Lê Thị Lan", Role::CommuneOfficer, "Thị trấn Đầm Hà"),
        ("Phạm Văn Nam", Role::CommuneOfficer, "quang lam"),
    ];
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|(name, role, unit)| {
            vec![
                name.to_string(),
                role.label_vi().to_string(),
                unit.to_string(),
                "0912 345 678".to_string(),
                String::new(),
            ]
        })
        .collect();
    std::fs::write(
        &accounts,
        xlsx(
            &[
                "Họ và tên",
                "Vai trò",
                "Đơn vị",
                "Điện thoại",
                "Thư điện tử",
            ],
            &rows,
        ),
    )
    .unwrap();
    let members = files.path().join("uy-ban-bau-cu.xlsx");
    let mut rows = vec![vec![
        "Hoàng Văn Minh".to_string(),
        "Chủ tịch".to_string(),
        "Chủ tịch UBND huyện".to_string(),
    ]];
    rows.extend((1..=10).map(|i| {
        vec![
            format!("Thành viên số {i}"),
            String::new(),
            "Cán bộ".to_string(),
        ]
    }));
    std::fs::write(
        &members,
        xlsx(&["Họ và tên", "Chức danh trong tổ chức", "Chức vụ"], &rows),
    )
    .unwrap();
    let figures = files.path().join("dan-so.csv");
    std::fs::write(
        &figures,
        "Cấp,Mã đơn vị,Tên đơn vị,Dân số,Số cử tri,Ngày số liệu,Nguồn số liệu\n\
         Xã,6895,Thị trấn Đầm Hà,10.460,7.112,31/12/2020,Báo cáo số 12/BC-CTK\n\
         Xã,6898,Xã Quảng Lâm,4.120,2.950,31/12/2020,Báo cáo số 12/BC-CTK\n",
    )
    .unwrap();
    let committee: i64 = sqlx::query_scalar(
        "SELECT b.id FROM bodies b JOIN units u ON u.id = b.unit_id
          WHERE b.kind = 'election_committee' AND u.level = 'district' AND u.gso_code = 200",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();

    let driver = driver();
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "tinh").await;
    let started = Instant::now();

    // The accounts, with one sign-in slip each.
    client
        .goto(&format!("{}/admin/users/import", app.address))
        .await
        .unwrap();
    send_file(&client, "form[action^='/admin/users/import']", &accounts).await;
    wait_for_text(&client, "Đã tạo 3 tài khoản").await;
    let slips = client.find_all(Locator::Css(".slip")).await.unwrap();
    assert_eq!(slips.len(), 3, "one slip per user");
    screenshot(&client, "onboarding-slips").await;

    // The election committee's members.
    client
        .goto(&format!("{}/bodies/{committee}", app.address))
        .await
        .unwrap();
    client
        .execute(
            "document.querySelectorAll('details').forEach(d => d.open = true)",
            vec![],
        )
        .await
        .unwrap();
    send_file(&client, "#members-file", &members).await;
    wait_for_text(&client, "Đã ghi danh sách: 11 thành viên mới").await;
    screenshot(&client, "onboarding-members").await;

    // The communes' population and voters.
    client
        .goto(&format!(
            "{}/units/district/200/import-figures",
            app.address
        ))
        .await
        .unwrap();
    send_file(
        &client,
        "form[action^='/units/district/200/import-figures']",
        &figures,
    )
    .await;
    wait_for_text(&client, "số liệu của 2 đơn vị thay đổi").await;
    screenshot(&client, "onboarding-figures").await;
    let took = started.elapsed();
    client.close().await.unwrap();

    let (accounts, members, population): (i64, i64, Option<i32>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE full_name IN ('Trần Văn Hùng', 'Lê Thị Lan', 'Phạm Văn Nam')),
                (SELECT count(*) FROM body_members WHERE body_id = $1),
                (SELECT population FROM units WHERE level = 'commune' AND gso_code = 6898)",
    )
    .bind(committee)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((accounts, members, population), (3, 11, Some(4_120)));
    println!("onboarding a district from three files took {took:?} in the browser");
}

/// The text of some pages of a PDF, as poppler reads it.
fn pdf_text(pdf: &std::path::Path, first: u32, last: u32) -> String {
    let out = Command::new("pdftotext")
        .args(["-f", &first.to_string(), "-l", &last.to_string(), "-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (the test command installs poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdf_pages(pdf: &std::path::Path) -> u32 {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{info}"))
}

/// The steering member prints the brief on 20/04/2021: an A4 document whose first page holds
/// the heading and every one of the 13 localities, page 2 the changes and the coming deadlines,
/// and the annexes after.
#[tokio::test(flavor = "multi_thread")]
async fn the_steering_member_prints_the_brief_with_every_locality_on_page_one() {
    let day = chrono::NaiveDate::from_ymd_opt(2021, 4, 20).unwrap();
    let app = TestApp::spawn(crate::helpers::Start::Seeded, day).await;
    let localities: Vec<String> = sqlx::query_scalar(
        "SELECT u.name FROM units u JOIN units p ON p.id = u.parent_id
          WHERE p.level = 'province' AND p.gso_code = 22 ORDER BY u.gso_code",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(localities.len(), 13);
    let driver = driver();
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "bcd").await;
    client
        .goto(&format!("{}/brief", app.address))
        .await
        .unwrap();
    screenshot(&client, "brief-20-04").await;
    let pdf = client
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    client.close().await.unwrap();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("brief-20-04.pdf");
    std::fs::write(&path, pdf).unwrap();

    let first = pdf_text(&path, 1, 1);
    assert!(
        first.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        "{first}"
    );
    for locality in &localities {
        assert!(
            first.contains(locality.as_str()),
            "{locality} on page 1:\n{first}"
        );
    }
    assert!(first.contains("Tổng cộng"), "the total row on page 1");
    let second = pdf_text(&path, 2, 2);
    assert!(
        second.contains("3. Thay đổi") && second.contains("4. Các mốc"),
        "{second}"
    );
    assert!(
        !second.contains("Phụ lục 1"),
        "annexes start on a page of their own"
    );
    let pages = pdf_pages(&path);
    assert!(pages >= 3, "{pages} pages");
    assert!(pdf_text(&path, 3, pages).contains("Phụ lục 1"));
}

/// A commune officer on a 360 px phone lands on their work, finds the task the province returned
/// on top with its comment, opens it, fixes its evidence and sends it again.
#[tokio::test(flavor = "multi_thread")]
async fn a_commune_officer_on_a_phone_fixes_and_resends_a_returned_task() {
    let app = TestApp::seeded().await;
    let commune = app.as_user("xa.damha").await;
    let province = app.as_user("tinh").await;
    let task = crate::tasks::task_id(&app, "voter_lists_posted", "commune", 6895).await;
    assert_eq!(
        crate::tasks::record(&commune, task, crate::tasks::EVIDENCE)
            .await
            .status(),
        303
    );
    let returned = province
        .submit(
            &format!("/tasks/{task}/return"),
            &[("comment", "Ghi sai số văn bản")],
        )
        .await;
    assert_eq!(returned.status(), 303);

    let driver = driver();
    let client = browser(&driver, 360, 740).await;
    client.set_window_size(360, 740).await.unwrap();
    log_in(&client, &app, "xa.damha").await;
    let url = client.current_url().await.unwrap();
    assert_eq!(
        url.path(),
        "/my-work",
        "a commune officer lands on their work"
    );
    screenshot(&client, "phone-my-work").await;
    let sizes = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth,
                     document.querySelector('header.site').offsetHeight, window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let number = |i: usize| sizes[i].as_f64().unwrap();
    assert!(number(0) <= number(1), "no sideways scroll: {sizes:?}");
    assert!(
        number(2) < number(3) / 4.0,
        "the header takes little of the screen: {sizes:?}"
    );
    let first = client
        .find(Locator::Css("table.cards tbody tr"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("Ghi sai số văn bản"),
        "the returned task first: {first}"
    );

    client
        .find(Locator::Css("table.cards tbody tr a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let form = client
        .form(Locator::Css("form.stack[action^='/tasks/']"))
        .await
        .unwrap();
    form.set_by_name("status", "done").await.unwrap();
    form.set_by_name("evidence_number", "16/QĐ-UBND")
        .await
        .unwrap();
    // A date that does not exist is refused beside its field, and listed at the top of the page
    // with a link that takes the officer to the field.
    set(&client, "evidence_date", "31/02/2021").await;
    form.submit().await.unwrap();
    wait_for_text(&client, "Chưa lưu được. Cần sửa:").await;
    let summary = client
        .find(Locator::Css("main > nav.error-summary"))
        .await
        .unwrap();
    let listed = summary.text().await.unwrap();
    assert!(listed.contains("\"31/02/2021\" không hợp lệ"), "{listed}");
    screenshot(&client, "phone-task-refused").await;
    click(&client, "nav.error-summary a").await;
    let focused = client
        .execute("return document.activeElement.name;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!("evidence_date"));
    set(&client, "evidence_date", "27/01/2021").await;
    let form = client
        .form(Locator::Css("form.stack[action^='/tasks/']"))
        .await
        .unwrap();
    form.submit().await.unwrap();
    wait_for_text(&client, "Chờ tỉnh duyệt").await;
    screenshot(&client, "phone-task-resent").await;
    client.close().await.unwrap();
    let (number, review): (Option<String>, String) =
        sqlx::query_as("SELECT evidence_number, review FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (number.as_deref(), review.as_str()),
        (Some("16/QĐ-UBND"), "none")
    );
}

/// The province records the 27/01/2021 online meeting with its 14 connected sites and its
/// conclusions as directives; the Department of Finance's officer answers its directive with a
/// document; the brief shows the directives still open.
#[tokio::test(flavor = "multi_thread")]
async fn the_province_records_the_review_meeting_and_finance_answers_its_directive() {
    let app = TestApp::seeded().await;
    // The seed holds this meeting already; the journey records it from nothing.
    for table in [
        "directive_events",
        "directive_items",
        "directive_supporters",
        "directives",
        "meeting_sites",
        "meetings",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    let localities: Vec<String> = sqlx::query_scalar(
        "SELECT u.name FROM units u JOIN units p ON p.id = u.parent_id
          WHERE p.level = 'province' AND p.gso_code = 22 ORDER BY u.gso_code",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut sites = vec!["Điểm cầu tỉnh: Thường trực Ban chỉ đạo, các sở, ngành".to_string()];
    sites.extend(
        localities
            .iter()
            .map(|l| format!("Điểm cầu {l}: Lãnh đạo huyện, các phòng, ban, các xã")),
    );
    let driver = driver();
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "tinh").await;
    client
        .goto(&format!("{}/meetings", app.address))
        .await
        .unwrap();
    set(&client, "kind", "online_review").await;
    set(&client, "day", "27/01/2021").await;
    set(&client, "time", "08:00").await;
    set(&client, "chair", "Chủ tịch UBND tỉnh").await;
    set(&client, "subject", "Rà soát công tác chuẩn bị bầu cử").await;
    set(&client, "sites", &sites.join("\n")).await;
    click(&client, "form[action='/meetings'] button[type=submit]").await;
    wait_for_text(&client, "Đã ghi cuộc họp.").await;
    assert!(text(&client).await.contains("Các điểm cầu"));
    let listed = client
        .find_all(Locator::Css("main section ul li strong"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 14, "the province and its 13 localities");

    // Finance leads the budget, Home Affairs supports; every district sets up its polling groups.
    let agency = |name: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            let id: i64 = sqlx::query_scalar(
                "SELECT a.id FROM agencies a JOIN units u ON u.id = a.unit_id
                  WHERE a.name = $1 AND u.level = 'province'",
            )
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap();
            format!("agency:{id}")
        }
    };
    let finance = agency("Sở Tài chính").await;
    let home = agency("Sở Nội vụ").await;
    set(&client, "body", "Tham mưu, đề xuất kinh phí tổ chức bầu cử").await;
    set(&client, "due", "10/02/2021").await;
    set(&client, "lead", &finance).await;
    click(&client, &format!("input[name=supporters][value='{home}']")).await;
    click(&client, "form[action$='/directives'] button[type=submit]").await;
    wait_for_text(&client, "Đã ghi chỉ đạo.").await;
    set(
        &client,
        "body",
        "Thành lập các Tổ bầu cử; chuẩn bị tài liệu, phiếu bầu, địa điểm bỏ phiếu",
    )
    .await;
    set(&client, "due", "03/04/2021").await;
    set(&client, "lead", "districts").await;
    click(&client, "form[action$='/directives'] button[type=submit]").await;
    wait_for_text(&client, "0/13 nơi đã xong").await;
    screenshot(&client, "meeting-27-01").await;
    client.close().await.unwrap();

    // The Department of Finance's officer answers with its document.
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "sotaichinh").await;
    assert_eq!(client.current_url().await.unwrap().path(), "/directives");
    click(&client, "main a[href^='/directive-items/']").await;
    set(&client, "status", "done").await;
    set(&client, "evidence_number", "125/TTr-STC").await;
    set(&client, "evidence_date", "26/01/2021").await;
    set(&client, "evidence_signer", "Giám đốc Sở Tài chính").await;
    click(
        &client,
        "form[action^='/directive-items/'] button[type=submit]",
    )
    .await;
    wait_for_text(&client, "Đã lưu.").await;
    screenshot(&client, "directive-answered").await;
    client.close().await.unwrap();

    // The brief lists what is still open: the 13 districts' parts, not Finance's.
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "bcd").await;
    client
        .goto(&format!("{}/brief", app.address))
        .await
        .unwrap();
    let annex = client
        .find(Locator::Css("#annex-3"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client.close().await.unwrap();
    assert!(annex.contains("Chỉ đạo chưa hoàn thành (13)"), "{annex}");
    assert!(!annex.contains("Sở Tài chính"), "{annex}");
    for locality in &localities {
        assert!(annex.contains(locality.as_str()), "{locality}: {annex}");
    }
}

/// The province's Fatherland Front secretariat records the third consultation for the National
/// Assembly and publishes the official list of one constituency; the printed list is what was
/// recorded, in the order of the posted lists.
#[tokio::test(flavor = "multi_thread")]
async fn the_province_records_the_third_consultation_and_prints_the_official_na_list() {
    let day = chrono::NaiveDate::from_ymd_opt(2021, 4, 27).unwrap();
    let app = TestApp::spawn(crate::helpers::Start::Seeded, day).await;
    let tinh = app.as_user("tinh").await;
    let council: i64 = sqlx::query_scalar(
        "SELECT c.id FROM councils c JOIN races r ON r.id = c.race_id WHERE r.kind = 'na'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let constituency: i64 = sqlx::query_scalar(
        "INSERT INTO constituencies (council_id, race_id, number, name, seats)
         SELECT id, race_id, 1, 'Đơn vị bầu cử số 1', 3 FROM councils WHERE id = $1 RETURNING id",
    )
    .bind(council)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // Before the journey, through the same pages: the first two conferences, five dossiers and
    // the voter meetings.
    let consultations = format!("/councils/{council}/consultations");
    let first = tinh
        .submit(
            &consultations,
            &[
                ("round", "1"),
                ("held_on", "17/02/2021"),
                ("attendance", "60"),
                ("minutes_number", "01/BB-MTTQ"),
                ("quotas", "Các cơ quan trung ương: 2\nTỉnh Quảng Ninh: 6"),
            ],
        )
        .await;
    assert_eq!(first.status(), 303);
    let names = [
        ("Vũ Thị Yến", "female"),
        ("Nguyễn Văn Cường", "male"),
        ("Đỗ Thị Lan", "female"),
        ("Trần Văn Ân", "male"),
        ("Lê Minh Khoa", "male"),
    ];
    for (name, gender) in names {
        let added = tinh
            .submit(
                &format!("/councils/{council}/nominees"),
                &[
                    ("received_on", "10/03/2021"),
                    ("received_time", "10:00"),
                    ("full_name", name),
                    ("birth_date", "01/06/1975"),
                    ("gender", gender),
                    ("ethnicity", "Kinh"),
                    ("religion", "Không"),
                    ("hometown", "Hạ Long, Quảng Ninh"),
                    ("residence", "Hạ Long, Quảng Ninh"),
                    ("education", "Thạc sĩ"),
                    ("occupation", "Cán bộ"),
                    ("workplace", "Tỉnh ủy Quảng Ninh"),
                ],
            )
            .await;
        assert_eq!(added.status(), 303, "{name}");
    }
    let second = tinh
        .submit(
            &consultations,
            &[
                ("round", "2"),
                ("held_on", "19/03/2021"),
                ("attendance", "58"),
                ("minutes_number", "02/BB-MTTQ"),
            ],
        )
        .await;
    assert_eq!(second.status(), 303);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM nominees ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    for id in &ids {
        let met = tinh
            .submit(
                &format!("/nominees/{id}/meetings"),
                &[
                    ("place_kind", "residence"),
                    ("held_on", "02/04/2021"),
                    ("place", "Nhà văn hóa"),
                    ("invited", "150"),
                    ("attending", "140"),
                    ("confident", "138"),
                ],
            )
            .await;
        assert_eq!(met.status(), 303);
    }

    let driver = driver();
    let client = browser(&driver, 1280, 900).await;
    log_in(&client, &app, "tinh").await;
    client
        .goto(&format!("{}/councils/{council}/candidates", app.address))
        .await
        .unwrap();
    set(&client, "held_on", "18/04/2021").await;
    set(&client, "attendance", "57").await;
    set(&client, "minutes_number", "03/BB-MTTQ").await;
    click(&client, "#consultation button[type=submit]").await;
    wait_for_text(&client, "Đã ghi hội nghị hiệp thương lần thứ ba.").await;
    for id in &ids {
        click(&client, &format!("#publish-1 input[name=pick_{id}]")).await;
    }
    set(&client, "published_on", "27/04/2021").await;
    click(&client, "#publish-1 button[type=submit]").await;
    wait_for_text(&client, "Đã công bố danh sách chính thức.").await;
    screenshot(&client, "candidates-na-published").await;
    client
        .goto(&format!("{}/councils/{council}/official-list", app.address))
        .await
        .unwrap();
    let rows = client
        .find_all(Locator::Css(
            "article.official-list tbody tr td:nth-child(2)",
        ))
        .await
        .unwrap();
    let mut printed = Vec::new();
    for row in rows {
        printed.push(row.text().await.unwrap());
    }
    screenshot(&client, "candidates-na-official-list").await;
    client.close().await.unwrap();
    // What was recorded, in the posted order (by given name, Vietnamese collation).
    let recorded: Vec<String> = sqlx::query_scalar(
        r#"SELECT full_name FROM nominees WHERE constituency_id = $1 AND stage = 'official'
            ORDER BY regexp_replace(full_name, '^.*\s', '') COLLATE "vi-VN-x-icu", full_name COLLATE "vi-VN-x-icu""#,
    )
    .bind(constituency)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(printed, recorded);
    assert_eq!(
        printed,
        [
            "Trần Văn Ân",
            "Nguyễn Văn Cường",
            "Lê Minh Khoa",
            "Đỗ Thị Lan",
            "Vũ Thị Yến"
        ]
    );
}
