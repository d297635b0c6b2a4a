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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
        } else {
            exact.insert(vi, en);
        }
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
    for (pieces, en) in &CATALOG.patterns {
        if let Some(values) = match_pattern(pieces, trimmed) {
            return Cow::Owned(fill(en, &values));
        }
    }
    Cow::Borrowed(vi)
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

/// The English pattern with its holes filled, in order, by the values translated in turn.
fn fill(en: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(en.len() + 16);
    let mut values = values.iter();
    let mut pieces = en.split("{}");
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for piece in pieces {
        if let Some(value) = values.next() {
            out.push_str(&english(value));
        }
        out.push_str(piece);
    }
    out
}

#[cfg(test)]
mod tests;
