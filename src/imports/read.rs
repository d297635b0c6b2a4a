//! Reading an uploaded spreadsheet into rows of text: XLSX (the first sheet, cached formula
//! values, a header row found below any merged title rows) or CSV (UTF-8 with or without a BOM;
//! Windows-1258 or Windows-1252 recognised; comma or semicolon separated).
//!
//! A file is read within fixed bounds, whatever it claims: an XLSX is read cell by cell and only
//! the cells that hold something are kept, so memory follows what the file holds, not the corner
//! its last cell names; rows, columns, cells, the unpacked size and the time are capped.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use unicode_normalization::UnicodeNormalization;

use crate::format::number;

/// The most rows a file may have (a province's polling areas are a few thousand).
pub const MAX_ROWS: usize = 20_000;
/// The most columns a row may have (the template has eleven).
pub const MAX_COLUMNS: usize = 50;
/// The most cells with something in them.
pub const MAX_CELLS: usize = 300_000;
/// The most an XLSX file may unpack to.
pub const MAX_UNPACKED_BYTES: u64 = 50 * 1024 * 1024;
/// The most time reading a file may take.
pub const MAX_READ_TIME: Duration = Duration::from_secs(10);

/// The header row is looked for among the first rows, below any title rows.
const HEADER_SEARCH_ROWS: usize = 10;
/// The column every polling-area file has; its row is the header row.
pub const AREA_KEY: &str = "Mã xã";

/// A sheet as text: its header row and data rows, each with its row number in the file.
#[derive(Debug, Default)]
pub struct Sheet {
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    /// Set when a CSV was read in a Windows code page rather than UTF-8.
    pub encoding_note: Option<String>,
}

/// Lower case, NFC, punctuation as spaces, single spaces: how headers and labels are compared
/// ("Vùng sâu, vùng xa" matches "vùng sâu vùng xa").
pub fn fold(text: &str) -> String {
    let text: String = text
        .nfc()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                ' '
            }
        })
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where each known column sits in the sheet's header row, matched as [`fold`] compares; columns
/// the file lacks are absent.
pub fn columns<'a>(sheet: &Sheet, known: &[&'a str]) -> std::collections::HashMap<&'a str, usize> {
    sheet
        .headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| known.iter().find(|k| fold(k) == fold(h)).map(|k| (*k, i)))
        .collect()
}

/// A cell's text as stored: NFC, trimmed, without the apostrophe an export put before `= + - @`.
pub fn clean(text: &str) -> String {
    let text: String = text.trim().nfc().collect();
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => text,
    }
}

/// The first sheet of an XLSX, or a CSV, as text. The header row is the first of the top rows
/// that holds `key`, the column every file of its kind has.
pub fn sheet(bytes: &[u8], key: &str) -> Result<Sheet, String> {
    let (rows, note) = if bytes.starts_with(b"PK\x03\x04") {
        (xlsx_rows(bytes)?, None)
    } else {
        let (text, note) = decode_csv(bytes)?;
        (csv_rows(&text)?, note)
    };
    let header_index = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|(_, cells)| cells.iter().any(|c| fold(c) == fold(key)))
        .ok_or_else(|| {
            format!("Không tìm thấy dòng tiêu đề có cột \"{key}\". Hãy dùng tệp mẫu.")
        })?;
    let mut rows = rows;
    let data = rows.split_off(header_index + 1);
    let (header_row, headers) = rows.pop().expect("the header row exists");
    let data = data
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    Ok(Sheet {
        header_row,
        headers,
        rows: data,
        encoding_note: note,
    })
}

fn unreadable<E>(_: E) -> String {
    "Không đọc được tệp Excel (.xlsx). Hãy mở bằng Excel và lưu lại.".to_string()
}

/// The rows of the first sheet that hold something, numbered as the spreadsheet shows them,
/// each with its cells from column A.
fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    check_unpacked_size(bytes)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or("Tệp Excel không có trang tính nào.")?;
    let mut reader = workbook
        .worksheet_cells_reader(&first)
        .map_err(unreadable)?;
    let mut bounds = Bounds::new();
    let mut rows: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize + 1, column as usize);
        bounds.check(row, column + 1, 1)?;
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let cells = rows.entry(row).or_default();
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
    }
    Ok(rows.into_iter().collect())
}

/// An XLSX is a zip file: its table of contents says what each part unpacks to, read before
/// anything is unpacked.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        total = total.saturating_add(archive.by_index_raw(index).map_err(unreadable)?.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "Tệp Excel giải nén ra {} MB, quá giới hạn {} MB. Hãy chỉ giữ trang tính cần nhập.",
            number(i64::try_from(total.div_ceil(1024 * 1024)).unwrap_or(i64::MAX)),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        ));
    }
    Ok(())
}

/// What has been read so far, against the bounds.
struct Bounds {
    started: Instant,
    cells: usize,
}

impl Bounds {
    fn new() -> Bounds {
        Bounds {
            started: Instant::now(),
            cells: 0,
        }
    }

    /// Counts `cells` cells read in `row` (from 1), which has `columns` columns so far.
    fn check(&mut self, row: usize, columns: usize, cells: usize) -> Result<(), String> {
        self.cells += cells;
        if row > MAX_ROWS {
            return Err(format!(
                "Tệp có dữ liệu ở dòng {}, quá giới hạn {} dòng. Hãy chia thành nhiều tệp.",
                number(row as i64),
                number(MAX_ROWS as i64)
            ));
        }
        if columns > MAX_COLUMNS {
            return Err(format!(
                "Tệp có dữ liệu ở cột thứ {}, quá giới hạn {} cột. Hãy dùng tệp mẫu.",
                number(columns as i64),
                MAX_COLUMNS
            ));
        }
        if self.cells > MAX_CELLS {
            return Err(format!(
                "Tệp có hơn {} ô dữ liệu. Hãy chia thành nhiều tệp.",
                number(MAX_CELLS as i64)
            ));
        }
        if self.started.elapsed() > MAX_READ_TIME {
            return Err("Đọc tệp quá lâu. Hãy chia thành nhiều tệp nhỏ hơn.".to_string());
        }
        Ok(())
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// The file's text and, if it was not UTF-8, which code page it was read in.
pub fn decode_csv(bytes: &[u8]) -> Result<(String, Option<String>), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|t| (t.to_string(), None))
            .map_err(|_| "Tệp có dấu hiệu UTF-8 nhưng nội dung không phải UTF-8.".to_string());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), None));
    }
    // Vietnamese in Windows-1258 writes tones as combining marks: normalised, it becomes ordinary
    // Vietnamese text. Windows-1252 (Western) has no Vietnamese letters beyond a few.
    let (as_1258, _, errors) = encoding_rs::WINDOWS_1258.decode(bytes);
    let as_1258: String = as_1258.nfc().collect();
    if !errors && as_1258.chars().any(is_vietnamese_letter) {
        return Ok((
            as_1258,
            Some("Tệp CSV được đọc theo bảng mã Windows-1258.".to_string()),
        ));
    }
    let (as_1252, _, errors) = encoding_rs::WINDOWS_1252.decode(bytes);
    if !errors
        && !as_1252
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Ok((
            as_1252.into_owned(),
            Some("Tệp CSV được đọc theo bảng mã Windows-1252; nếu chữ có dấu bị sai, hãy lưu lại dưới dạng CSV UTF-8.".to_string()),
        ));
    }
    Err(
        "Không nhận ra bảng mã của tệp CSV. Hãy lưu lại dưới dạng \"CSV UTF-8\" rồi tải lên lại."
            .to_string(),
    )
}

/// Vietnamese as Windows-1258 software writes it: letters with their vowel marks (ă, ơ, …)
/// precomposed, tone marks as separate combining characters. Used to test that such files are read.
pub fn encode_windows_1258(text: &str) -> Vec<u8> {
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let mut out = String::new();
    for c in text.chars() {
        let decomposed: String = c.to_string().nfd().collect();
        let (tones, rest): (String, String) = decomposed.chars().partition(|m| TONES.contains(m));
        out.extend(rest.nfc());
        out.push_str(&tones);
    }
    encoding_rs::WINDOWS_1258.encode(&out).0.into_owned()
}

fn is_vietnamese_letter(c: char) -> bool {
    "ăâđêôơưĂÂĐÊÔƠƯ".contains(c) || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
}

fn csv_rows(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut bounds = Bounds::new();
    for (index, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| format!("Dòng {} của tệp CSV không đọc được: {e}", index + 1))?;
        let line = record.position().map_or(index + 1, |p| p.line() as usize);
        bounds.check(line, record.len(), record.len())?;
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An XLSX with `cells` written at (row, column), from 0.
    fn xlsx(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (row, column, text) in cells {
            sheet.write_string(*row, *column, *text).unwrap();
        }
        workbook.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sparse_sheet_is_read_by_what_it_holds_and_refused_past_the_row_limit() {
        let near = xlsx(&[(0, 0, "Mã xã"), (1, 0, "6895"), (4, 2, "x")]);
        let read = sheet(&near, AREA_KEY).unwrap();
        assert_eq!(read.rows.len(), 2, "the blank rows between are not kept");
        assert_eq!(
            read.rows[1],
            (5, vec![String::new(), String::new(), "x".into()])
        );

        let far = xlsx(&[(0, 0, "Mã xã"), (99_999, 25, "x")]);
        assert_eq!(
            sheet(&far, AREA_KEY).unwrap_err(),
            "Tệp có dữ liệu ở dòng 100.000, quá giới hạn 20.000 dòng. Hãy chia thành nhiều tệp."
        );
        let wide = xlsx(&[(0, 0, "Mã xã"), (0, 60, "x")]);
        assert!(sheet(&wide, AREA_KEY).unwrap_err().contains("cột thứ 61"));
    }

    #[test]
    fn an_xlsx_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked() {
        use std::io::Write;
        let mut bytes = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut bytes);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("xl/sharedStrings.xml", stored).unwrap();
        zip.write_all(&vec![b' '; MAX_UNPACKED_BYTES as usize + 1])
            .unwrap();
        zip.finish().unwrap();
        let message = sheet(bytes.get_ref(), AREA_KEY).unwrap_err();
        assert!(
            message.starts_with("Tệp Excel giải nén ra 51 MB, quá giới hạn 50 MB"),
            "{message}"
        );
    }

    #[test]
    fn a_csv_past_the_row_or_column_limit_is_refused() {
        let long = format!("Mã xã\n{}", "6895\n".repeat(MAX_ROWS));
        assert!(
            sheet(long.as_bytes(), AREA_KEY)
                .unwrap_err()
                .contains("quá giới hạn 20.000 dòng")
        );
        let wide = format!("Mã xã{}\n", ",a".repeat(MAX_COLUMNS));
        assert!(
            sheet(wide.as_bytes(), AREA_KEY)
                .unwrap_err()
                .contains("cột thứ 51")
        );
    }

    #[test]
    fn utf8_with_or_without_bom_and_either_separator() {
        for bytes in [
            "Mã xã,Số khu vực\n6895,1\n".as_bytes().to_vec(),
            [
                b"\xEF\xBB\xBF".as_slice(),
                "Mã xã;Số khu vực\n6895;1\n".as_bytes(),
            ]
            .concat(),
        ] {
            let sheet = sheet(&bytes, AREA_KEY).unwrap();
            assert_eq!(sheet.headers, ["Mã xã", "Số khu vực"]);
            assert_eq!(
                sheet.rows,
                vec![(2, vec!["6895".to_string(), "1".to_string()])]
            );
            assert_eq!(sheet.encoding_note, None);
        }
    }

    #[test]
    fn windows_1258_is_recognised_and_normalised() {
        let text = "Mã xã,Tên khu vực\n6895,Nhà văn hóa Đầm Hà, Quảng Ninh\n";
        let bytes = encode_windows_1258(text);
        assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
        let (decoded, note) = decode_csv(&bytes).unwrap();
        assert_eq!(decoded, text);
        assert!(note.unwrap().contains("1258"));
    }

    #[test]
    fn windows_1252_is_read_and_noted() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Note\ncafé crème\n");
        let (decoded, note) = decode_csv(&bytes).unwrap();
        assert!(decoded.contains("café"));
        assert!(note.unwrap().contains("1252"));
    }

    #[test]
    fn a_title_row_above_the_header_is_skipped() {
        let sheet = sheet(
            "DANH SÁCH KHU VỰC BỎ PHIẾU,,\nMã xã,Số khu vực,Số cử tri\n6895,1,800\n".as_bytes(),
            AREA_KEY,
        )
        .unwrap();
        assert_eq!(sheet.header_row, 2);
        assert_eq!(sheet.rows[0].0, 3);
    }

    #[test]
    fn exported_formula_guards_are_removed() {
        assert_eq!(clean("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(clean("'tên"), "'tên");
        assert_eq!(clean("  Nguyễn  "), "Nguyễn");
    }
}
