//! What every piece of text a person gives baucu passes through, whichever page or import it
//! comes by: composed to NFC and trimmed, control characters refused (a note keeps its line
//! breaks and tabs), bidirectional overrides refused in names and codes (they make a name read
//! other than it is stored), and a maximum length per kind of field. Counts are read strictly:
//! dots only as Vietnamese thousands separators.

use unicode_normalization::UnicodeNormalization;

/// The kinds of text field, each with its longest allowed length in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A person's, a body's or a place's name; a position; a signer.
    Name,
    /// A document number, a phone number, an e-mail address, a search.
    Code,
    /// A note, a comment: several lines allowed.
    Note,
    /// Why something was done or not: several lines allowed.
    Reason,
}

impl Kind {
    pub const fn max_chars(self) -> usize {
        match self {
            Kind::Name => 200,
            Kind::Code => 100,
            Kind::Note => 4000,
            Kind::Reason => 1000,
        }
    }

    fn is_multiline(self) -> bool {
        matches!(self, Kind::Note | Kind::Reason)
    }
}

/// Text as stored, or why it cannot be: `label` names the field in the message. Empty is none.
pub fn text(label: &str, kind: Kind, raw: &str) -> Result<Option<String>, String> {
    let value: String = raw.replace("\r\n", "\n").trim().nfc().collect();
    if value
        .chars()
        .any(|c| c.is_control() && !(kind.is_multiline() && matches!(c, '\n' | '\t')))
    {
        return Err(format!(
            "{label}: có ký tự điều khiển không hiển thị được; hãy gõ lại."
        ));
    }
    if !kind.is_multiline() && value.chars().any(is_bidi_control) {
        return Err(format!(
            "{label}: có ký tự đảo chiều văn bản, không được dùng trong tên và mã."
        ));
    }
    let length = value.chars().count();
    if length > kind.max_chars() {
        return Err(format!(
            "{label}: dài {length} ký tự, tối đa {} ký tự.",
            kind.max_chars()
        ));
    }
    Ok((!value.is_empty()).then_some(value))
}

/// Text that must be given.
pub fn required(label: &str, kind: Kind, raw: &str) -> Result<String, String> {
    text(label, kind, raw)?.ok_or_else(|| format!("{label}: cần nhập."))
}

/// Embeddings, overrides and isolates, and the invisible direction marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A count of people or things, as Vietnamese write it: `1320` or `1.320` or `1.320.324` (dots
/// between groups of three digits). Decimals, signs and exponents are refused, never guessed.
pub fn count(label: &str, raw: &str) -> Result<i32, String> {
    let raw = raw.trim();
    let refuse =
        || format!("{label}: \"{raw}\" không phải một số đếm; viết số nguyên như 1320 hoặc 1.320.");
    whole_digits(raw)
        .and_then(|plain| plain.parse::<i32>().ok())
        .ok_or_else(refuse)
}

/// The most an amount of money may be: a thousand trillion đồng.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// An amount of money in đồng, a whole number written like a count (`1.250.000.000`); empty is
/// none.
pub fn amount(label: &str, raw: &str) -> Result<Option<i64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let refuse = || {
        format!(
            "{label}: \"{raw}\" không phải số tiền; viết số đồng như 1250000000 hoặc 1.250.000.000."
        )
    };
    whole_digits(raw)
        .and_then(|plain| plain.parse::<i64>().ok())
        .filter(|value| *value <= MAX_AMOUNT)
        .map(Some)
        .ok_or_else(refuse)
}

/// The digits of a whole number written plain or with dots between groups of three.
fn whole_digits(raw: &str) -> Option<String> {
    let mut groups = raw.split('.');
    let first = groups.next().unwrap_or_default();
    let rest: Vec<&str> = groups.collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let well_grouped =
        rest.is_empty() || ((1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3));
    if !digits(first) || !rest.iter().all(|g| digits(g)) || !well_grouped {
        return None;
    }
    Some(raw.chars().filter(char::is_ascii_digit).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_dong_plain_or_grouped() {
        assert_eq!(amount("Dự toán", "1.250.000.000"), Ok(Some(1_250_000_000)));
        assert_eq!(amount("Dự toán", "1250000000"), Ok(Some(1_250_000_000)));
        assert_eq!(amount("Dự toán", " "), Ok(None));
        for bad in [
            "1,5",
            "-3",
            "1.25",
            "12.5000",
            "1e9",
            "1.000.000.000.000.000.001",
        ] {
            assert!(amount("Dự toán", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_is_trimmed_composed_and_empty_is_none() {
        assert_eq!(
            text("Tên", Kind::Name, "  Ha\u{300} "),
            Ok(Some("Hà".into()))
        );
        assert_eq!(text("Tên", Kind::Name, "   "), Ok(None));
    }

    #[test]
    fn control_characters_are_refused_but_a_note_keeps_its_lines() {
        assert!(text("Tên", Kind::Name, "a\u{0}b").is_err());
        assert!(text("Tên", Kind::Name, "a\nb").is_err());
        assert!(text("Tên", Kind::Name, "a\u{85}b").is_err(), "C1");
        assert!(text("Ghi chú", Kind::Note, "a\u{0}b").is_err());
        assert!(text("Ghi chú", Kind::Note, "a\u{1b}[31m").is_err());
        assert_eq!(
            text("Ghi chú", Kind::Note, "dòng 1\r\n\tdòng 2"),
            Ok(Some("dòng 1\n\tdòng 2".into()))
        );
    }

    #[test]
    fn direction_overrides_are_refused_in_names_and_codes() {
        assert!(text("Tên", Kind::Name, "Nguyễn\u{202e}nóV").is_err());
        assert!(text("Số văn bản", Kind::Code, "15\u{2066}/QĐ").is_err());
        assert!(text("Ghi chú", Kind::Note, "\u{202b}שלום").is_ok());
    }

    #[test]
    fn lengths_are_bounded_at_the_limit() {
        let at = "ă".repeat(Kind::Name.max_chars());
        assert!(text("Tên", Kind::Name, &at).is_ok());
        let over = format!("{at}a");
        let message = text("Tên", Kind::Name, &over).unwrap_err();
        assert_eq!(message, "Tên: dài 201 ký tự, tối đa 200 ký tự.");
        assert!(text("Ghi chú", Kind::Note, &"x".repeat(2_000_000)).is_err());
    }

    #[test]
    fn counts_read_dots_as_thousands_and_refuse_the_rest() {
        assert_eq!(count("Số cử tri", "1320"), Ok(1320));
        assert_eq!(count("Số cử tri", " 1.320 "), Ok(1320));
        assert_eq!(count("Dân số", "1.320.324"), Ok(1_320_324));
        assert_eq!(count("Số cử tri", "0"), Ok(0));
        for wrong in [
            "1.5",
            "1,5",
            "-3",
            "1e3",
            "",
            "1.32",
            "1.3200",
            ".320",
            "1..320",
            "+3",
            "１２",
            "99999999999",
        ] {
            assert!(count("Số cử tri", wrong).is_err(), "{wrong:?}");
        }
    }
}
