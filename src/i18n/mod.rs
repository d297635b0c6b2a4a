//! Languages. Pages are written in Vietnamese; English comes from one catalog (`en.tsv`) keyed by
//! the Vietnamese text itself, so a page's source reads in the language most of its users speak
//! and a missing translation can be found by a test that reads the source.
//!
//! The language of a request is decided once, by the access layer (the user's saved choice, or a
//! cookie before signing in), and held in a task-local for the request, so that an error page or a
//! download drawn deep in a handler speaks the same language as the page around it.
//!
//! Messages built with `format!` ("Còn {} ngày …") are catalogued with `{}` where the values go;
//! a finished message is matched against those patterns and its values translated in turn (a value
//! with no translation, such as a unit's name, is kept as it is).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

pub mod switch;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// From the code stored with a user or in the cookie; anything unknown is Vietnamese.
    pub fn from_code(code: &str) -> Lang {
        match code {
            "en" => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language, which the switch on every page offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The switch's label, written in the language it switches to.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }

    /// Vietnamese text in this language.
    pub fn t(self, vi: &str) -> Cow<'_, str> {
        match self {
            Lang::Vi => Cow::Borrowed(vi),
            Lang::En => english(vi),
        }
    }

    /// A sentence with values: `pattern` has a `{}` for each value, in order. The pattern and
    /// each value are translated on their own, so a value can never be mistaken for wording.
    pub fn format(self, pattern: &str, values: &[String]) -> String {
        match self {
            Lang::Vi => fill(pattern, values.iter().map(|v| Cow::Borrowed(v.as_str()))),
            Lang::En => {
                let english_pattern = CATALOG
                    .exact
                    .get(pattern.trim())
                    .copied()
                    .unwrap_or(pattern);
                fill(english_pattern, values.iter().map(|v| english(v)))
            }
        }
    }

    /// One of two texts kept side by side in the database (`title_vi`, `title_en`).
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::En if !en.is_empty() => en,
            _ => vi,
        }
    }
}

/// The cookie that carries the language of a visitor who has not signed in.
pub const COOKIE: &str = "baucu_lang";

tokio::task_local! {
    static CURRENT: Lang;
}

/// Runs a request's future with its language.
pub async fn scope<F: std::future::Future>(lang: Lang, future: F) -> F::Output {
    CURRENT.scope(lang, future).await
}

/// The language of the request being served; Vietnamese outside a request.
pub fn current() -> Lang {
    CURRENT.try_with(|lang| *lang).unwrap_or_default()
}

/// Vietnamese text in the current request's language.
pub fn t(vi: &str) -> Cow<'_, str> {
    current().t(vi)
}

struct Catalog {
    exact: HashMap<&'static str, &'static str>,
    /// Entries with `{}`: the Vietnamese split at the holes, and the English.
    patterns: Vec<(Vec<&'static str>, &'static str)>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let mut exact = HashMap::new();
    let mut patterns = Vec::new();
    for (vi, en) in entries() {
        if vi.contains("{}") {
            patterns.push((vi.split("{}").collect::<Vec<_>>(), en));
        }
        exact.insert(vi, en);
    }
    // Longer patterns first, so "Còn {} ngày đến ngày bầu cử" wins over "Còn {} ngày".
    patterns.sort_by_key(|(pieces, _)| {
        std::cmp::Reverse(pieces.iter().map(|p| p.len()).sum::<usize>())
    });
    Catalog { exact, patterns }
});

/// The catalog's lines: Vietnamese, a tab, English. Blank lines and `#` comments are skipped.
pub fn entries() -> impl Iterator<Item = (&'static str, &'static str)> {
    include_str!("en.tsv")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
}

fn english(vi: &str) -> Cow<'_, str> {
    let trimmed = vi.trim();
    if trimmed.is_empty() {
        return Cow::Borrowed(vi);
    }
    if let Some(en) = CATALOG.exact.get(trimmed) {
        return Cow::Borrowed(en);
    }
    // Several patterns may fit ("{} thành viên" and "{} · {}: {}"); the best is the one whose
    // values translate most fully, then the one with the most fixed wording.
    let mut best: Option<(usize, usize, String)> = None;
    for (pieces, en) in &CATALOG.patterns {
        let Some(values) = match_pattern(pieces, trimmed) else {
            continue;
        };
        let holes = values.len();
        let translated: Vec<Cow<str>> = values.into_iter().map(english).collect();
        let understood = translated
            .iter()
            .filter(|v| !v.chars().any(is_vietnamese_letter))
            .count();
        // Patterns are sorted longest first, so on a tie the first one found stays.
        let score = understood * 100 / holes.max(1);
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, holes, fill(en, translated.into_iter())));
        }
    }
    if let Some((_, _, text)) = best {
        return Cow::Owned(text);
    }
    // A list ("Tỉnh, Huyện, Xã") whose every item is catalogued.
    if trimmed.contains(", ") {
        let items: Option<Vec<&str>> = trimmed
            .split(", ")
            .map(|item| CATALOG.exact.get(item).copied())
            .collect();
        if let Some(items) = items {
            return Cow::Owned(items.join(", "));
        }
    }
    Cow::Borrowed(vi)
}

/// A letter only Vietnamese uses, which English text never holds.
pub fn is_vietnamese_letter(c: char) -> bool {
    "ăâđêôơưĂÂĐÊÔƠƯ".contains(c)
        || ('\u{00C0}'..='\u{00FD}').contains(&c)
        || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
        || matches!(c, 'ĩ' | 'Ĩ' | 'ũ' | 'Ũ')
}

/// The values in the holes of a pattern, when `text` has its shape. Each hole takes at least one
/// character and as few as it can.
fn match_pattern<'a>(pieces: &[&str], text: &'a str) -> Option<Vec<&'a str>> {
    let (first, rest) = pieces.split_first()?;
    let mut remaining = text.strip_prefix(first)?;
    let mut values = Vec::with_capacity(rest.len());
    for (i, piece) in rest.iter().enumerate() {
        let is_last = i + 1 == rest.len();
        let end = if is_last {
            if !remaining.ends_with(piece) || remaining.len() <= piece.len() {
                return None;
            }
            remaining.len() - piece.len()
        } else if piece.is_empty() {
            return None;
        } else {
            // Skip the first character so the hole is never empty.
            let skip = remaining.chars().next()?.len_utf8();
            skip + remaining[skip..].find(piece)?
        };
        values.push(&remaining[..end]);
        remaining = &remaining[end + piece.len()..];
    }
    Some(values)
}

/// A pattern with its holes filled, in order.
fn fill<'a>(pattern: &str, mut values: impl Iterator<Item = Cow<'a, str>>) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut pieces = pattern.split("{}");
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for piece in pieces {
        if let Some(value) = values.next() {
            out.push_str(&value);
        }
        out.push_str(piece);
    }
    out
}

#[cfg(test)]
mod tests;
