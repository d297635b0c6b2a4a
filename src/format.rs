//! How values are written for people: Vietnamese conventions (dd/mm/yyyy, 1.320.324).

use chrono::NaiveDate;

/// A date as dd/mm/yyyy.
pub fn date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A moment as "hh:mm dd/mm/yyyy", Vietnam time.
pub fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&crate::clock::vietnam())
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

/// "Huyện Đầm Hà" as it reads inside a sentence or a body's name: "… huyện Đầm Hà".
pub fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A whole number with dots between thousands, as written in Vietnamese.
pub fn number(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    if value < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// An optional figure, or a dash when it is not known.
pub fn optional_number(value: Option<i64>) -> String {
    value.map_or_else(|| "—".to_string(), number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_thousands_with_dots() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1.000");
        assert_eq!(number(1_320_324), "1.320.324");
        assert_eq!(number(-45_000), "-45.000");
        assert_eq!(optional_number(None), "—");
    }

    #[test]
    fn dates_are_day_month_year() {
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2021, 5, 23).unwrap()),
            "23/05/2021"
        );
    }
}
