//! A streaming XLSX reader with hard limits. The first worksheet is read row by row
//! straight out of its ZIP entry; nothing but the shared-string table (capped in count and
//! bytes) is held in memory, and a sparse sheet costs nothing for the cells it leaves out.
//! Hostile workbooks — a cell at XFD1048576, a deflate bomb, a DTD with entity expansion,
//! a truncated or foreign ZIP — are refused with an error naming the limit or the defect.

mod package;

use crate::limits::{Limit, Limits, Window};
use crate::IoError;
use package::{attr, check_directory, damaged, locate, next_event, push_ref, shared_strings, Container, PartReader};
use quick_xml::events::{BytesStart, Event};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

/// The rows of a workbook's first sheet.
pub struct XlsxRows {
    xml: PartReader,
    window: Window,
    shared: Vec<String>,
    limits: Limits,
    buf: Vec<u8>,
    rows: u64,
    done: bool,
}

/// Column index (0-based) of a cell reference such as `AB12`.
fn column_of(reference: &str) -> Option<usize> {
    let letters: &str = &reference[..reference.find(|c: char| c.is_ascii_digit()).unwrap_or(reference.len())];
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut n = 0usize;
    for b in letters.bytes() {
        if !b.is_ascii_uppercase() {
            return None;
        }
        n = n * 26 + (b - b'A' + 1) as usize;
    }
    Some(n - 1)
}

/// `A1:XFD1048576` → (columns, rows) of the declared dimension.
fn dimension(reference: &str) -> Option<(usize, u64)> {
    let last = reference.rsplit(':').next()?;
    let col = column_of(last)? + 1;
    let row: u64 = last.trim_start_matches(|c: char| c.is_ascii_uppercase()).parse().ok()?;
    Some((col, row))
}

/// A number as a dealer's sheet means it: whole numbers (phones, serial dates, amounts)
/// without a trailing ".0".
fn number_text(raw: &str) -> String {
    match raw.trim().parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Ok(f) => f.to_string(),
        Err(_) => raw.to_string(),
    }
}

/// Opens a workbook and positions its first sheet at the first row.
pub fn open(path: &Path, limits: &Limits) -> Result<XlsxRows, IoError> {
    let deadline = Instant::now() + limits.max_duration;
    let mut file = File::open(path)?;
    check_directory(&mut file, limits)?;
    let zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| damaged(format!("ZIP: {e}")))?;
    let mut c = Container {
        path: path.to_path_buf(),
        zip,
        limits: limits.clone(),
        deadline,
    };
    let (sheet, shared) = locate(&mut c)?;
    let shared = match shared {
        Some(name) => shared_strings(&mut c, &name)?,
        None => Vec::new(),
    };
    let max = (limits.max_sheet_bytes, Limit::SheetBytes);
    let (xml, window) = c
        .part(&sheet, max)?
        .ok_or_else(|| damaged(format!("the first sheet ({sheet}) is missing")))?;
    Ok(XlsxRows {
        xml,
        window,
        shared,
        limits: limits.clone(),
        buf: Vec::new(),
        rows: 0,
        done: false,
    })
}

/// The cell being read.
struct Cell {
    column: usize,
    kind: String,
    text: String,
    in_value: bool,
}

impl XlsxRows {
    fn event(&mut self) -> Result<Event<'static>, IoError> {
        next_event(&mut self.xml, &self.window, &mut self.buf).map(|e| e.into_owned())
    }

    fn finish_cell(&self, cell: Cell, row: &mut Vec<String>) -> Result<(), IoError> {
        let value = match cell.kind.as_str() {
            "s" => {
                let i: usize = cell
                    .text
                    .trim()
                    .parse()
                    .map_err(|_| damaged(format!("shared string index {:?}", cell.text)))?;
                self.shared
                    .get(i)
                    .cloned()
                    .ok_or_else(|| damaged(format!("shared string {i} does not exist")))?
            }
            "b" => (if cell.text.trim() == "1" { "true" } else { "false" }).to_string(),
            "e" => format!("#{}", cell.text),
            "str" | "inlineStr" | "d" => cell.text,
            _ => number_text(&cell.text),
        };
        if value.is_empty() {
            return Ok(());
        }
        if row.len() <= cell.column {
            row.resize(cell.column + 1, String::new());
        }
        row[cell.column] = value;
        Ok(())
    }

    /// A cell from its `<c>` element: its column (from `r`, else the next one) and type.
    fn open_cell(&self, e: &BytesStart<'_>, next_column: usize) -> Result<Cell, IoError> {
        let column = match attr(e, "r")? {
            Some(r) => column_of(&r).ok_or_else(|| damaged(format!("cell reference {r:?}")))?,
            None => next_column,
        };
        if column >= self.limits.max_columns {
            return Err(IoError::Limit(Limit::Columns));
        }
        Ok(Cell {
            column,
            kind: attr(e, "t")?.unwrap_or_default(),
            text: String::new(),
            in_value: false,
        })
    }

    /// The next row that has any cell, or `None` after the last.
    pub fn next_row(&mut self) -> Option<Result<Vec<String>, IoError>> {
        if self.done {
            return None;
        }
        let r = self.read_row();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }

    fn read_row(&mut self) -> Option<Result<Vec<String>, IoError>> {
        let mut row: Option<Vec<String>> = None;
        let mut cell: Option<Cell> = None;
        loop {
            let event = match self.event() {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            };
            match event {
                Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == "dimension" => {
                    let declared = match attr(&e, "ref") {
                        Ok(r) => r.and_then(|r| dimension(&r)),
                        Err(e) => return Some(Err(e)),
                    };
                    if let Some((cols, rows)) = declared {
                        if cols > self.limits.max_columns {
                            return Some(Err(IoError::Limit(Limit::Columns)));
                        }
                        if rows > self.limits.max_rows {
                            return Some(Err(IoError::Limit(Limit::Rows)));
                        }
                    }
                }
                Event::Start(e) if e.local_name().as_ref() == "row" => {
                    self.rows += 1;
                    if self.rows > self.limits.max_rows {
                        return Some(Err(IoError::Limit(Limit::Rows)));
                    }
                    row = Some(Vec::new());
                }
                Event::Empty(e) if e.local_name().as_ref() == "row" => {
                    self.rows += 1;
                }
                Event::End(e) if e.local_name().as_ref() == "row" => {
                    if let Some(r) = row.take() {
                        if r.iter().any(|c| !c.trim().is_empty()) {
                            return Some(Ok(r));
                        }
                    }
                }
                Event::Start(e) if e.local_name().as_ref() == "c" => {
                    let next_column = row.as_ref().map_or(0, |r| r.len());
                    match self.open_cell(&e, next_column) {
                        Ok(c) => cell = Some(c),
                        Err(e) => return Some(Err(e)),
                    }
                }
                Event::Empty(e) if e.local_name().as_ref() == "c" => {
                    // An empty cell holds no value; only its column is checked.
                    let next_column = row.as_ref().map_or(0, |r| r.len());
                    if let Err(e) = self.open_cell(&e, next_column) {
                        return Some(Err(e));
                    }
                }
                Event::Start(e) if matches!(e.local_name().as_ref(), "v" | "t") => {
                    if let Some(c) = cell.as_mut() {
                        c.in_value = true;
                    }
                }
                Event::End(e) if matches!(e.local_name().as_ref(), "v" | "t") => {
                    if let Some(c) = cell.as_mut() {
                        c.in_value = false;
                    }
                }
                Event::Text(t) => {
                    if let Some(c) = cell.as_mut().filter(|c| c.in_value) {
                        c.text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(c) = cell.as_mut().filter(|c| c.in_value) {
                        if let Err(e) = push_ref(&mut c.text, &r) {
                            return Some(Err(e));
                        }
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "c" => {
                    if let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
                        if c.text.chars().count() > self.limits.max_cell_chars {
                            return Some(Err(IoError::Limit(Limit::CellChars)));
                        }
                        if let Err(e) = self.finish_cell(c, r) {
                            return Some(Err(e));
                        }
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "sheetData" => return None,
                Event::Eof => return None,
                _ => {}
            }
            if cell
                .as_ref()
                .is_some_and(|c| c.text.len() > self.limits.max_cell_chars * 4)
            {
                return Some(Err(IoError::Limit(Limit::CellChars)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("Z9"), Some(25));
        assert_eq!(column_of("AA1"), Some(26));
        assert_eq!(column_of("XFD1048576"), Some(16_383));
        assert_eq!(column_of("a1"), None);
        assert_eq!(dimension("A1:XFD1048576"), Some((16_384, 1_048_576)));
        assert_eq!(dimension("A1"), Some((1, 1)));
    }

    #[test]
    fn numbers_as_dealers_mean_them() {
        assert_eq!(number_text("13812345678"), "13812345678");
        assert_eq!(number_text("45000"), "45000");
        assert_eq!(number_text("1.5"), "1.5");
        assert_eq!(number_text("1.3812345678E10"), "13812345678");
    }
}
