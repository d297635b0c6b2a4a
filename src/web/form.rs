//! Reading form fields the same way everywhere: text through `crate::input` (NFC, no control
//! characters, bounded), dates written either as the browser's date field sends them or as
//! people type them (dd/mm/yyyy).

use chrono::NaiveDate;

use crate::format;
pub use crate::input::{Kind, count, required, text};

/// Why a form was refused, and beside which of its fields to say so (`None`: above the form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: Option<&'static str>,
    pub message: String,
}

impl Refusal {
    /// Turns a message into a refusal shown beside `field`, for `map_err`.
    pub fn at(field: &'static str) -> impl FnOnce(String) -> Refusal {
        move |message| Refusal {
            field: Some(field),
            message,
        }
    }

    /// The message, if it is to be shown beside `field`.
    pub fn message_at(&self, field: &str) -> Option<&str> {
        (self.field == Some(field)).then_some(self.message.as_str())
    }

    /// The message, if it is about no one field and so shown above the form.
    pub fn message_above(&self) -> Option<&str> {
        self.field.is_none().then_some(self.message.as_str())
    }

    /// A refusal of the form as a whole.
    pub fn above(message: impl Into<String>) -> Refusal {
        Refusal {
            field: None,
            message: message.into(),
        }
    }
}

/// A date field: empty is none; anything else must be yyyy-mm-dd or dd/mm/yyyy.
pub fn date(value: &str) -> Result<Option<NaiveDate>, String> {
    match value.trim() {
        "" => Ok(None),
        value => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y"))
            .map(Some)
            .map_err(|_| format!("Ngày \"{value}\" không hợp lệ; ghi theo dạng ngày/tháng/năm.")),
    }
}

/// A document cannot be dated after today; `what` names it ("Ngày quyết định").
pub fn not_after_today(what: &str, day: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if day > today {
        return Err(format!(
            "{what} {} là ngày trong tương lai (hôm nay là {}).",
            format::date(day),
            format::date(today)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_either_spelling() {
        let day = NaiveDate::from_ymd_opt(2021, 4, 3);
        assert_eq!(date("2021-04-03"), Ok(day));
        assert_eq!(date(" 03/04/2021 "), Ok(day));
        assert_eq!(date(""), Ok(None));
        assert!(date("3 tháng 4").is_err());
    }

    #[test]
    fn today_is_allowed_tomorrow_is_not() {
        let today = NaiveDate::from_ymd_opt(2021, 1, 27).unwrap();
        assert!(not_after_today("Ngày", today, today).is_ok());
        let message =
            not_after_today("Ngày văn bản", today.succ_opt().unwrap(), today).unwrap_err();
        assert_eq!(
            message,
            "Ngày văn bản 28/01/2021 là ngày trong tương lai (hôm nay là 27/01/2021)."
        );
    }
}
