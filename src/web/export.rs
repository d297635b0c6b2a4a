//! Downloads for spreadsheets. CSV carries a byte-order mark so Excel reads Vietnamese correctly,
//! and any cell that a spreadsheet would take for a formula is neutralised.

/// A cell a spreadsheet would run as a formula (`= + - @`, or a tab or carriage return first)
/// gets a leading apostrophe, so it is shown as text.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// A CSV file (UTF-8 with a BOM) with a header row.
pub fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| neutralise(cell)))?;
    }
    Ok(writer.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+84 912"), "'+84 912");
        assert_eq!(neutralise("-5"), "'-5");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("Đầm Hà"), "Đầm Hà");
    }

    #[test]
    fn csv_starts_with_a_bom_and_quotes_what_needs_it() {
        let bytes = csv(
            &["Tên", "Ghi chú"],
            std::iter::once(vec!["Xã A".into(), "a, b".into()]),
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "\u{feff}Tên,Ghi chú\nXã A,\"a, b\"\n");
    }
}
