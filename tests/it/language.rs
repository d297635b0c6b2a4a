//! The language switch, and English pages with no Vietnamese left in them but the data.

use std::collections::{BTreeSet, HashMap, VecDeque};

use baucu::i18n::is_vietnamese_letter;

use crate::helpers::{TestApp, location};

/// Switches the browser's language as the link on every page does.
async fn switch(app: &TestApp, lang: &str, next: &str) -> reqwest::Response {
    app.submit("/language", &[("lang", lang), ("next", next)])
        .await
}

#[tokio::test]
async fn the_switch_turns_a_page_to_english_and_back_and_is_remembered_per_user() {
    let app = TestApp::signed_in("xa.damha").await;
    let (_, before) = app.page("/my-work").await;
    assert!(before.contains("<html lang=\"vi\">") && before.contains("Việc của tôi"));

    let response = switch(&app, "en", "/my-work").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/my-work");
    let (_, english) = app.page("/my-work").await;
    assert!(english.contains("<html lang=\"en\">"), "{english}");
    assert!(english.contains("<h1>My work</h1>") && english.contains("Tiếng Việt"));

    let saved: String =
        sqlx::query_scalar("SELECT language FROM users WHERE username = 'xa.damha'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(saved, "en");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'user.language_changed'
            AND after->>'language' = 'en' AND before->>'language' = 'vi'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Another device: the choice follows the user, not the browser.
    let phone = app.as_user("xa.damha").await;
    let (_, home) = phone.page("/").await;
    assert!(home.contains("<html lang=\"en\">") && home.contains(">Home<"));

    switch(&phone, "vi", "/").await;
    let (_, back) = app.page("/my-work").await;
    assert!(back.contains("<html lang=\"vi\">") && back.contains("<h1>Việc của tôi</h1>"));
}

#[tokio::test]
async fn a_visitor_not_signed_in_switches_by_cookie() {
    let app = TestApp::seeded().await;
    let (_, login) = app.page("/login").await;
    assert!(login.contains("Đăng nhập"));
    assert_eq!(switch(&app, "en", "/login").await.status(), 303);
    let (_, login) = app.page("/login").await;
    assert!(
        login.contains("<html lang=\"en\">") && login.contains("Sign in"),
        "{login}"
    );
    let wrong = app.login("xa.damha", "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Wrong username or password.")
    );
}

#[tokio::test]
async fn the_switch_goes_back_only_to_a_page_of_this_site() {
    let app = TestApp::signed_in("xa.damha").await;
    let response = switch(&app, "en", "//evil.example/").await;
    assert_eq!(location(&response), "/");
    let unknown = switch(&app, "fr", "/").await;
    assert_eq!(unknown.status(), 303);
    let (_, home) = app.page("/").await;
    assert!(
        home.contains("<html lang=\"vi\">"),
        "an unknown language means Vietnamese"
    );
}

/// Visible text of a page: tags, scripts and styles removed, entities decoded.
fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        text.push('\n');
        let tag = &rest[start..];
        let end = if tag.starts_with("<style") || tag.starts_with("<script") {
            let close = if tag.starts_with("<style") {
                "</style>"
            } else {
                "</script>"
            };
            tag.find(close).map_or(tag.len(), |i| i + close.len())
        } else {
            tag.find('>').map_or(tag.len(), |i| i + 1)
        };
        // Titles and placeholders are shown too.
        for attribute in ["title=\"", "placeholder=\"", "aria-label=\""] {
            if let Some(i) = tag[..end].find(attribute) {
                let value = &tag[i + attribute.len()..end];
                text.push_str(&value[..value.find('"').unwrap_or(0)]);
                text.push('\n');
            }
        }
        rest = &tag[end..];
    }
    text.push_str(rest);
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// What officials typed or the seed loaded as names: shown as written in both languages.
async fn data_strings(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM units UNION SELECT full_name FROM users UNION SELECT name FROM bodies
         UNION SELECT full_name FROM body_members UNION SELECT coalesce(position, '') FROM body_members
         UNION SELECT name FROM polling_areas UNION SELECT coalesce(address, '') FROM polling_areas
         UNION SELECT name FROM constituencies UNION SELECT coalesce(seats_total_reason, '') FROM councils
         UNION SELECT coalesce(evidence_signer, '') FROM tasks UNION SELECT coalesce(evidence_number, '') FROM tasks
         UNION SELECT coalesce(note, '') FROM tasks UNION SELECT 'tỉnh Quảng Ninh'
         UNION SELECT name FROM agencies UNION SELECT subject FROM meetings UNION SELECT chair FROM meetings
         UNION SELECT name FROM meeting_sites UNION SELECT coalesce(attendees, '') FROM meeting_sites
         UNION SELECT body FROM directives
         -- The switch names Vietnamese in Vietnamese; decision numbers are written the Vietnamese way.
         UNION SELECT 'Tiếng Việt' UNION SELECT '15/QĐ-UBND' UNION SELECT '12/QĐ-UBND'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    names.retain(|n| !n.is_empty());
    // Longest first, so "Thị trấn Đầm Hà" goes before "Đầm Hà".
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names
}

/// Lines of a page's visible text that still hold Vietnamese once the data is taken out.
fn untranslated(html: &str, data: &[String]) -> Vec<String> {
    let mut text = visible_text(html);
    for name in data {
        if text.contains(name.as_str()) {
            text = text.replace(name.as_str(), " ");
        }
    }
    text.lines()
        .map(str::trim)
        .filter(|line| line.chars().any(is_vietnamese_letter))
        .map(str::to_string)
        .collect()
}

/// The links of a page that lead to another page (not a download, not a static file).
fn page_links(html: &str) -> Vec<String> {
    html.match_indices("href=\"/")
        .map(|(i, _)| {
            let rest = &html[i + 6..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .filter(|href| {
            !href.starts_with("/static/")
                && !href.starts_with("/attachments/")
                && !href.contains(".xlsx")
                && !href.contains(".csv")
        })
        .collect()
}

/// A path with its numbers blanked, so that one page of each kind is read a few times only.
fn page_kind(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect::<String>()
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

/// Reads every kind of page a user can reach by following links, and lists any Vietnamese left.
async fn crawl_in_english(app: &TestApp, data: &[String]) -> (usize, BTreeSet<String>) {
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut seen = BTreeSet::new();
    let mut per_kind: HashMap<String, usize> = HashMap::new();
    let mut problems = BTreeSet::new();
    let mut read = 0;
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let kind = page_kind(&path);
        let count = per_kind.entry(kind).or_default();
        if *count >= 3 {
            continue;
        }
        *count += 1;
        let (status, body) = app.page(&path).await;
        if status != 200 {
            continue;
        }
        read += 1;
        assert!(body.contains("<html lang=\"en\">"), "{path} is in English");
        for line in untranslated(&body, data) {
            problems.insert(format!("{path}: {line}"));
        }
        queue.extend(page_links(&body));
    }
    (read, problems)
}

#[tokio::test]
async fn english_pages_hold_no_vietnamese_but_the_data() {
    let app = TestApp::seeded().await;
    // Some activity, so the history, review and audit pages have something to show.
    let commune = app.as_user("xa.damha").await;
    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id JOIN calendar_entries c ON c.id = t.calendar_entry_id
          WHERE u.gso_code = 6895 AND u.level = 'commune' AND c.code = 'polling_groups_established'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let version: i32 = sqlx::query_scalar("SELECT version FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let path = format!("/tasks/{task}");
    let version = version.to_string();
    commune
        .submit(
            &path,
            &[
                ("version", version.as_str()),
                ("status", "blocked"),
                ("reason", "Thiếu địa điểm"),
            ],
        )
        .await;

    let data = {
        let mut data = data_strings(&app).await;
        data.push("Thiếu địa điểm".to_string());
        data.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        data
    };
    let mut total = 0;
    let mut problems = BTreeSet::new();
    for user in ["admin", "tinh", "bcd", "huyen", "xa.damha"] {
        let browser = app.as_user(user).await;
        switch(&browser, "en", "/").await;
        let (read, found) = crawl_in_english(&browser, &data).await;
        total += read;
        problems.extend(found);
        // A refusal and a missing page are in English too.
        let (_, missing) = browser.page("/units/commune/999999").await;
        problems.extend(
            untranslated(&missing, &data)
                .into_iter()
                .map(|l| format!("404: {l}")),
        );
    }
    assert!(total > 60, "only {total} pages were read");
    let problems: Vec<_> = problems.into_iter().collect();
    assert!(
        problems.is_empty(),
        "Vietnamese left on English pages:\n{}",
        problems.join("\n")
    );
}
