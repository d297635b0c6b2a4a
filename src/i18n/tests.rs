//! The catalog is checked against the source: every text a template or the code can show has
//! its English, and no template shows text that bypasses the catalog.

use std::path::{Path, PathBuf};

use super::*;

/// Vietnamese literals in the code that are never shown in English on a page: the sample rows and header checks of the import template, whose columns are Vietnamese in
/// both languages because the importer reads them back.
const NOT_SHOWN: &[&str] = &[
    "mã xã",
    "ăâđêôơưĂÂĐÊÔƠƯ",
    "Thị trấn Đầm Hà",
    "Khu vực bỏ phiếu số 1",
    "Nhà văn hóa khu phố 1",
    "Nguyễn Văn An",
    "Trưởng khu phố",
    "Nguyễn Thị Ánh",
    "Đầm Hà, Quảng Ninh",
    "UBND huyện Đầm Hà",
    "Chuyên viên",
    "Đại học",
    "Ủy ban MTTQ huyện",
    // How a file may say a nominee nominated themselves; read, never shown.
    "tự ứng cử",
    // The brief's heading block on a Vietnamese page; an English page shows its own wording
    // (`Heading::issuer_en`, `Heading::date_line_en`).
    "Ban chỉ đạo bầu cử {}",
    "{}, ngày {} tháng {} năm {}",
    // Titles a member sheet may write, read and never shown.
    "chủ tịch",
    "trưởng ban",
    "tổ trưởng",
    "phó chủ tịch",
    "phó trưởng ban",
    "tổ phó",
    "thư ký",
    "thành viên",
    "ủy viên",
    "uỷ viên",
];

/// Source files whose Vietnamese is not on a page: the command line's output and the seed.
const NOT_PAGES: &[&str] = &["cli.rs", "config.rs", "seed", "i18n"];

fn files(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

fn source(folder: &str, extension: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut paths = Vec::new();
    files(&root, extension, &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

fn is_vietnamese(text: &str) -> bool {
    text.chars().any(is_vietnamese_letter)
}

fn catalogued(key: &str) -> bool {
    entries().any(|(vi, _)| vi == key.trim())
}

/// The string literals of a template's `layout.t("…")`, `layout.f("…", …)` calls.
fn template_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for call in [
        "layout.t(\"",
        "layout.f(\"",
        "layout.f2(\"",
        "layout.f3(\"",
        "lang.t(\"",
        "lang.format(\"",
    ] {
        for (start, _) in text.match_indices(call) {
            let rest = &text[start + call.len()..];
            keys.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    keys
}

#[test]
fn every_template_text_has_its_english() {
    let mut missing = Vec::new();
    let mails = source("templates", "txt");
    for (path, text) in source("templates", "html").into_iter().chain(mails) {
        for key in template_keys(&text) {
            if !catalogued(&key) {
                missing.push(format!("{}: {key}", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no English for:\n{}",
        missing.join("\n")
    );
}

/// Text between tags and outside `{{ }}` / `{% %}` is shown as written, in either language; a
/// template may carry none but symbols and numbers.
#[test]
fn templates_show_no_text_around_the_catalog() {
    let mut raw = Vec::new();
    for (path, text) in source("templates", "html") {
        let mut visible = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find(['<', '{']) {
            visible.push_str(&rest[..start]);
            visible.push(' ');
            let (close, from) = match &rest[start..] {
                s if s.starts_with("{{") => ("}}", start),
                s if s.starts_with("{%") => ("%}", start),
                s if s.starts_with("{#") => ("#}", start),
                s if s.starts_with('<') => (">", start),
                _ => {
                    visible.push('{');
                    rest = &rest[start + 1..];
                    continue;
                }
            };
            // A tag's attributes may hold `{{ }}`; skip those before looking for its end.
            let mut end = from + 1;
            loop {
                let tail = &rest[end..];
                let next_expr = [tail.find("{{"), tail.find("{%")]
                    .into_iter()
                    .flatten()
                    .min();
                let next_close = tail.find(close).expect("closed");
                match next_expr {
                    Some(e) if close == ">" && e < next_close => {
                        let inner_close = if tail[e..].starts_with("{{") {
                            "}}"
                        } else {
                            "%}"
                        };
                        end += e + tail[e..].find(inner_close).unwrap() + 2;
                    }
                    _ => {
                        end += next_close + close.len();
                        break;
                    }
                }
            }
            let tag = &rest[start..end];
            for attribute in ["title=\"", "placeholder=\"", "aria-label=\"", "alt=\""] {
                if let Some(i) = tag.find(attribute) {
                    let value = &tag[i + attribute.len()..];
                    let value = &value[..value.find('"').unwrap_or(value.len())];
                    if !value.starts_with("{{") && value.chars().any(char::is_alphabetic) {
                        raw.push(format!("{}: {value}", path.display()));
                    }
                }
            }
            rest = &rest[end..];
        }
        visible.push_str(rest);
        for word in visible.split_whitespace() {
            let word = word.replace("&amp;", "&").replace("&nbsp;", " ");
            if word.chars().any(char::is_alphabetic)
                && !["Excel", "CSV", "baucu"].contains(&word.as_str())
            {
                raw.push(format!("{}: {word}", path.display()));
            }
        }
    }
    assert!(
        raw.is_empty(),
        "text outside the catalog:\n{}",
        raw.join("\n")
    );
}

/// Every Vietnamese string the code writes (a message, a label) has its English; format strings
/// are matched with `{}` for each value.
#[test]
fn every_message_of_the_code_has_its_english() {
    let mut missing = Vec::new();
    for (path, text) in source("src", "rs") {
        let relative = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display()
            .to_string();
        if NOT_PAGES.iter().any(|p| relative.contains(p)) {
            continue;
        }
        let code = text.split("#[cfg(test)]").next().unwrap();
        for literal in literals(code) {
            if is_vietnamese(&literal)
                && !is_sql(&literal)
                && !NOT_SHOWN.contains(&literal.as_str())
                && !catalogued(&literal)
            {
                missing.push(format!("{relative}: {literal}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no English for:\n{}",
        missing.join("\n")
    );
}

/// Vietnamese inside a query is data the query writes (a body's name, " · mã "); the English crawl
/// of every page (`tests/it/language.rs`) is what shows it translated.
fn is_sql(literal: &str) -> bool {
    ["SELECT ", "INSERT ", "UPDATE ", "WITH "]
        .iter()
        .any(|keyword| literal.contains(keyword))
}

/// The string literals of Rust source, plain and raw, outside comments, with `{name}` and `{:.1}`
/// written as `{}`.
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    let mut previous = ' ';
    while let Some(c) = rest.chars().next() {
        let (literal, taken) = if rest.starts_with("//") {
            (None, rest.find('\n').unwrap_or(rest.len()))
        } else if c == 'r' && !(previous.is_alphanumeric() || previous == '_') {
            raw_string(rest).map_or((None, 1), |(l, n)| (Some(l), n))
        } else if c == '"' {
            let (l, n) = plain_string(rest);
            (Some(l), n)
        } else if c == '\'' {
            (None, char_literal(rest))
        } else {
            (None, c.len_utf8())
        };
        if let Some(literal) = literal {
            out.push(with_holes(&literal));
        }
        previous = rest[..taken].chars().last().unwrap_or(' ');
        rest = &rest[taken..];
    }
    out
}

/// `"…"` at the start of `text`: its content, escapes read, a `\` line continuation dropping the
/// next line's indentation; and how many bytes it took.
fn plain_string(text: &str) -> (String, usize) {
    let mut literal = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (literal, i + 1),
            '\\' => match chars.next() {
                Some((_, '\n')) => {
                    let mut peek = chars.clone();
                    while let Some((_, w)) = peek.next()
                        && w.is_whitespace()
                    {
                        chars = peek.clone();
                    }
                }
                Some((_, 'n')) => literal.push('\n'),
                Some((_, escaped)) => literal.push(escaped),
                None => break,
            },
            c => literal.push(c),
        }
    }
    (literal, text.len())
}

/// `r"…"`, `r#"…"#` at the start of `text`, when it is one.
fn raw_string(text: &str) -> Option<(String, usize)> {
    let hashes = text[1..].chars().take_while(|&c| c == '#').count();
    let open = 1 + hashes;
    if !text[open..].starts_with('"') {
        return None;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    let end = text[open + 1..].find(&close)?;
    Some((
        text[open + 1..open + 1 + end].to_string(),
        open + 1 + end + close.len(),
    ))
}

/// How many bytes a char literal ('"', '\'') takes, or 1 for a lifetime's quote.
fn char_literal(text: &str) -> usize {
    let body = &text[1..];
    let length = if let Some(escaped) = body.strip_prefix('\\') {
        escaped.chars().next().map_or(1, |c| 1 + c.len_utf8())
    } else {
        body.chars().next().map_or(0, char::len_utf8)
    };
    if body[length..].starts_with('\'') {
        length + 2
    } else {
        1
    }
}

fn with_holes(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str("{}");
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn every_entry_has_as_many_holes_in_both_languages() {
    for (vi, en) in entries() {
        assert_eq!(vi.matches("{}").count(), en.matches("{}").count(), "{vi}");
        assert!(!en.trim().is_empty(), "{vi}");
        // Proper names (Quảng Ninh, 15/QĐ-UBND) carry over; any other Vietnamese word is a slip.
        for word in en.split_whitespace().filter(|w| is_vietnamese(w)) {
            let word = word.trim_matches(|c: char| !c.is_alphabetic());
            assert!(vi.contains(word), "English looks Vietnamese: {en}");
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (vi, _) in entries() {
        assert!(seen.insert(vi), "entered twice: {vi}");
    }
}

#[test]
fn vietnamese_is_returned_as_written() {
    assert_eq!(Lang::Vi.t("Đã lưu."), "Đã lưu.");
    assert_eq!(Lang::Vi.t("anything"), "anything");
}

#[test]
fn english_comes_from_the_catalog() {
    assert_eq!(Lang::En.t("Đã lưu."), "Saved.");
    assert_eq!(Lang::En.t("  Trang chủ "), "Home");
}

#[test]
fn a_finished_message_is_matched_to_its_pattern() {
    assert_eq!(
        Lang::En.t("Còn 116 ngày đến ngày bầu cử"),
        "116 days to election day"
    );
    assert_eq!(Lang::En.t("Còn 5 ngày"), "5 days left");
    assert_eq!(
        Lang::En.t("Đơn vị bầu cử số 3 (Huyện Ba Chẽ)"),
        "Constituency no. 3 (Huyện Ba Chẽ)"
    );
}

#[test]
fn values_in_a_message_are_translated_in_turn() {
    assert_eq!(
        Lang::En.t("Trạng thái \"Vướng mắc\" cần ghi lý do."),
        "Status \"Blocked\" needs a reason."
    );
    assert_eq!(Lang::En.t("Hoàn thành cấp xã"), "Completion, commune level");
}

#[test]
fn the_pattern_whose_values_translate_wins() {
    assert_eq!(
        Lang::En.t("Xã Đầm Hà · Tổ bầu cử số 2: chưa có thành viên"),
        "Xã Đầm Hà · Polling group no. 2: no members yet"
    );
    assert_eq!(Lang::En.t("12 thành viên"), "12 members");
}

#[test]
fn data_with_no_translation_is_kept() {
    assert_eq!(Lang::En.t("Xã Đầm Hà"), "Xã Đầm Hà");
    assert_eq!(Lang::En.t("1.234"), "1.234");
    assert_eq!(Lang::En.t(""), "");
}

#[test]
fn a_hole_is_never_empty() {
    assert!(match_pattern(&["Còn ", " ngày"], "Còn  ngày").is_none());
    assert_eq!(
        match_pattern(&["", " · mã ", ""], "xã · mã 6895"),
        Some(vec!["xã", "6895"])
    );
}

#[test]
fn outside_a_request_the_language_is_vietnamese() {
    assert_eq!(current(), Lang::Vi);
}

#[test]
fn literals_are_read_plain_raw_and_continued_but_not_from_comments() {
    let code = r##"
        // "in a comment"
        let a = '"'; let b = "Đã lưu {name}.";
        let c = r#"<svg aria-label="Số">"#; fn f<'a>(x: &'a str) {}
        let d = "Một \
                 dòng";
    "##;
    assert_eq!(
        literals(code),
        vec!["Đã lưu {}.", r#"<svg aria-label="Số">"#, "Một dòng"]
    );
}
