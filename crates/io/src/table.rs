//! A table read from a file: a header row, then records as strings. CSV and XLSX both
//! stream record by record under hard [`Limits`], so memory stays flat however large or
//! hostile the file.

use crate::encoding::DecodingReader;
use crate::limits::{exceeded, Guarded, Limit, Limits, Window};
use crate::xlsx::{self, XlsxRows};
use crate::IoError;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;
use std::time::Instant;

/// The file formats DCRC reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// From the file's first bytes: XLSX is a ZIP archive (`PK\x03\x04`).
    pub fn sniff(first_bytes: &[u8]) -> Format {
        if first_bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// Rows of a table after the header.
pub enum TableReader {
    Csv {
        reader: Box<csv::Reader<DecodingReader<BufReader<Guarded<File>>>>>,
        record: csv::StringRecord,
        window: Window,
        columns: usize,
        rows: u64,
        max_rows: u64,
    },
    Xlsx(Box<XlsxRows>),
}

fn csv_error(e: csv::Error) -> IoError {
    match e.kind() {
        csv::ErrorKind::Io(io) => match exceeded(io) {
            Some(limit) => IoError::Limit(limit),
            None => e.into(),
        },
        _ => e.into(),
    }
}

/// Opens a table with the default [`Limits`].
pub fn open(path: &Path) -> Result<(Vec<String>, TableReader, Format), IoError> {
    open_with(path, &Limits::default())
}

/// Opens a table and returns its header row and a reader for the records.
pub fn open_with(path: &Path, limits: &Limits) -> Result<(Vec<String>, TableReader, Format), IoError> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic)?;
    file.rewind()?;
    let (headers, reader, format) = match Format::sniff(&magic[..n]) {
        Format::Csv => {
            let window = Window::default();
            let deadline = Instant::now() + limits.max_duration;
            // The decoder's 64 KiB sample and the CSV reader's buffer read ahead.
            let ahead = 256 * 1024;
            let guarded = Guarded::new(
                file,
                (limits.max_sheet_bytes, Limit::SheetBytes),
                window.clone(),
                limits.max_record_bytes + ahead,
                deadline,
            );
            let decoded = DecodingReader::new(BufReader::new(guarded)).map_err(|e| match exceeded(&e) {
                Some(limit) => IoError::Limit(limit),
                None => e.into(),
            })?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(decoded);
            let headers: Vec<String> = reader
                .headers()
                .map_err(csv_error)?
                .iter()
                .map(|h| h.trim().to_string())
                .collect();
            window.reset();
            let reader = TableReader::Csv {
                reader: Box::new(reader),
                record: csv::StringRecord::new(),
                window,
                columns: limits.max_columns,
                rows: 0,
                max_rows: limits.max_rows,
            };
            (headers, reader, Format::Csv)
        }
        Format::Xlsx => {
            let mut rows = xlsx::open(path, limits)?;
            let headers = match rows.next_row() {
                Some(r) => r?.into_iter().map(|h| h.trim().to_string()).collect(),
                None => return Err(IoError::NoHeader),
            };
            (headers, TableReader::Xlsx(Box::new(rows)), Format::Xlsx)
        }
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(IoError::NoHeader);
    }
    if headers.len() > limits.max_columns {
        return Err(IoError::Limit(Limit::Columns));
    }
    Ok((headers, reader, format))
}

impl TableReader {
    /// The next record, or `None` at the end. Blank lines are skipped.
    pub fn next_record(&mut self) -> Option<Result<Vec<String>, IoError>> {
        loop {
            let row = match self {
                TableReader::Csv {
                    reader,
                    record,
                    window,
                    columns,
                    rows,
                    max_rows,
                } => {
                    let read = reader.read_record(record);
                    window.reset();
                    match read {
                        Ok(true) => {
                            *rows += 1;
                            if *rows > *max_rows {
                                return Some(Err(IoError::Limit(Limit::Rows)));
                            }
                            if record.len() > *columns {
                                return Some(Err(IoError::Limit(Limit::Columns)));
                            }
                            record.iter().map(str::to_string).collect::<Vec<_>>()
                        }
                        Ok(false) => return None,
                        Err(e) => return Some(Err(csv_error(e))),
                    }
                }
                TableReader::Xlsx(rows) => match rows.next_row()? {
                    Ok(r) => r,
                    Err(e) => return Some(Err(e)),
                },
            };
            if row.iter().any(|c| !c.trim().is_empty()) {
                return Some(Ok(row));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gbk_csv_with_blank_lines() {
        let dir = std::env::temp_dir().join(format!("dcrc-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("owners.csv");
        let (gbk, _, _) = encoding_rs::GBK.encode("客户姓名,手机\n王小明,13812345678\n\n\"李, 雷\",13900001111\n");
        std::fs::File::create(&path).unwrap().write_all(&gbk).unwrap();
        let (headers, mut reader, format) = open(&path).unwrap();
        assert_eq!(
            (headers, format),
            (vec!["客户姓名".to_string(), "手机".to_string()], Format::Csv)
        );
        assert_eq!(reader.next_record().unwrap().unwrap(), vec!["王小明", "13812345678"]);
        assert_eq!(reader.next_record().unwrap().unwrap(), vec!["李, 雷", "13900001111"]);
        assert!(reader.next_record().is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
