//! Downloads for spreadsheets. CSV carries a byte-order mark so Excel reads Vietnamese correctly,
//! and any cell that a spreadsheet would take for a formula is neutralised.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{AppError, AppResult};

/// A cell a spreadsheet would run as a formula (`= + - @`, or a tab or carriage return first)
/// gets a leading apostrophe, so it is shown as text.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// A CSV file (UTF-8 with a BOM) with a header row.
fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
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

/// A cell of an exported table: text, a whole number or a date, so spreadsheets get real numbers
/// and real dates.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Number(i64),
    Date(chrono::NaiveDate),
    Empty,
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }
    pub fn optional_text(value: Option<String>) -> Cell {
        value.map_or(Cell::Empty, Cell::Text)
    }
    pub fn optional_number(value: Option<i64>) -> Cell {
        value.map_or(Cell::Empty, Cell::Number)
    }
    fn as_csv(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(date) => crate::format::date(*date),
            Cell::Empty => String::new(),
        }
    }
}

/// The extension of a requested file name: "tong-hop.xlsx" → "xlsx".
pub fn extension(file: &str) -> &str {
    file.rsplit_once('.').map_or("", |(_, extension)| extension)
}

/// A table to download: a name (sheet and file), headers, rows.
pub struct Table {
    pub name: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as a download, in the format `extension` names ("xlsx" or "csv"), offered as
    /// `<file_name>.<extension>`; another extension names nothing (404).
    pub fn download(&self, file_name: &str, extension: &str) -> AppResult<Response> {
        let (bytes, content_type) = match extension {
            "xlsx" => (
                self.to_xlsx()?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            "csv" => (self.to_csv()?, "text/csv; charset=utf-8"),
            _ => return Err(AppError::NotFound),
        };
        let disposition = format!("attachment; filename=\"{file_name}.{extension}\"");
        Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
                ),
            ],
            bytes,
        )
            .into_response())
    }

    pub fn to_csv(&self) -> anyhow::Result<Vec<u8>> {
        csv(
            &self.headers,
            self.rows
                .iter()
                .map(|row| row.iter().map(Cell::as_csv).collect()),
        )
    }

    /// An XLSX workbook: Vietnamese headers in bold, the header row frozen, columns as wide as
    /// their content (within reason), dates as dates shown dd/mm/yyyy.
    pub fn to_xlsx(&self) -> anyhow::Result<Vec<u8>> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(self.name)?;
        let bold = Format::new().set_bold();
        let date_format = Format::new().set_num_format("dd/mm/yyyy");
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for (col, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *header, &bold)?;
        }
        for (index, row) in self.rows.iter().enumerate() {
            let line = (index + 1) as u32;
            for (col, cell) in row.iter().enumerate() {
                let column = col as u16;
                match cell {
                    Cell::Text(text) => {
                        sheet.write_string(line, column, neutralise(text))?;
                    }
                    Cell::Number(n) => {
                        sheet.write_number(line, column, *n as f64)?;
                    }
                    Cell::Date(date) => {
                        use chrono::Datelike;
                        let value = ExcelDateTime::from_ymd(
                            date.year() as u16,
                            date.month() as u8,
                            date.day() as u8,
                        )?;
                        sheet.write_datetime_with_format(line, column, &value, &date_format)?;
                    }
                    Cell::Empty => {}
                }
                if let Some(width) = widths.get_mut(col) {
                    *width = (*width).max(cell.as_csv().chars().count());
                }
            }
        }
        for (col, width) in widths.iter().enumerate() {
            sheet.set_column_width(col as u16, (*width).clamp(8, 60) as f64 + 2.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(workbook.save_to_buffer()?)
    }
}
