//! Output files: XLSX workbooks (exports, import error reports) and CSV with a UTF-8 BOM
//! so that Excel on Chinese Windows opens it correctly.

use crate::IoError;
use rust_xlsxwriter::{Format, Workbook};

/// Builds an XLSX workbook with one sheet: a bold header row, then the rows. Uses
/// rust_xlsxwriter's constant-memory mode so large exports stay small in memory.
pub struct XlsxSheet {
    workbook: Workbook,
    row: u32,
}

impl XlsxSheet {
    pub fn new(sheet_name: &str, headers: &[&str]) -> Result<Self, IoError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(|e| IoError::Write(e.to_string()))?;
        sheet.set_name(sheet_name).map_err(|e| IoError::Write(e.to_string()))?;
        for (col, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, *h, &bold)
                .map_err(|e| IoError::Write(e.to_string()))?;
            sheet
                .set_column_width(col as u16, 16)
                .map_err(|e| IoError::Write(e.to_string()))?;
        }
        Ok(Self { workbook, row: 1 })
    }

    pub fn push(&mut self, cells: &[String]) -> Result<(), IoError> {
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(|e| IoError::Write(e.to_string()))?;
        for (col, value) in cells.iter().enumerate() {
            // Everything is written as text: phone numbers and VINs must not become numbers.
            sheet
                .write_string(self.row, col as u16, value)
                .map_err(|e| IoError::Write(e.to_string()))?;
        }
        self.row += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, IoError> {
        self.workbook
            .save_to_buffer()
            .map_err(|e| IoError::Write(e.to_string()))
    }
}

/// The byte-order mark that makes Excel read a CSV file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// One CSV line (RFC 4180 quoting), with a CRLF ending as Excel expects.
pub fn csv_line(cells: &[String]) -> String {
    let mut line = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        // A leading = + - @ would be read by Excel as a formula: prefix a quote (CSV injection).
        let safe = if c.starts_with(['=', '+', '-', '@']) {
            format!("'{c}")
        } else {
            c.clone()
        };
        if safe.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&safe.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&safe);
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_quote_and_defuse_formulas() {
        assert_eq!(
            csv_line(&["a".into(), "b,c".into(), "say \"hi\"".into()]),
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(csv_line(&["=SUM(A1)".into()]), "'=SUM(A1)\r\n");
    }

    #[test]
    fn xlsx_round_trips_through_our_reader() {
        let mut sheet = XlsxSheet::new("errors", &["行", "原因"]).unwrap();
        sheet.push(&["2".into(), "手机号无效 & <x>".into()]).unwrap();
        let bytes = sheet.finish().unwrap();
        let path = std::env::temp_dir().join(format!("dcrc-io-roundtrip-{}.xlsx", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let (headers, mut rows, _) = crate::table::open(&path).unwrap();
        assert_eq!(headers, vec!["行", "原因"]);
        assert_eq!(rows.next_record().unwrap().unwrap(), vec!["2", "手机号无效 & <x>"]);
        assert!(rows.next_record().is_none());
        let _ = std::fs::remove_file(path);
    }
}
