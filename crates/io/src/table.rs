//! A table read from a file: a header row, then records as strings. CSV streams record by
//! record, so memory stays flat however large the file; XLSX is read sheet at a time.

use crate::encoding::DecodingReader;
use crate::IoError;
use calamine::{Data, Reader};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

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
        reader: Box<csv::Reader<DecodingReader<BufReader<File>>>>,
        record: csv::StringRecord,
    },
    Xlsx {
        rows: std::vec::IntoIter<Vec<String>>,
    },
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Whole numbers (phones, serial dates, amounts) without a trailing ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => format!("{}", dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Opens a table and returns its header row and a reader for the records.
pub fn open(path: &Path) -> Result<(Vec<String>, TableReader, Format), IoError> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic)?;
    file.rewind()?;
    match Format::sniff(&magic[..n]) {
        Format::Csv => {
            let decoded = DecodingReader::new(BufReader::new(file))?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(decoded);
            let headers: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_string()).collect();
            if headers.iter().all(|h| h.is_empty()) {
                return Err(IoError::NoHeader);
            }
            Ok((
                headers,
                TableReader::Csv {
                    reader: Box::new(reader),
                    record: csv::StringRecord::new(),
                },
                Format::Csv,
            ))
        }
        Format::Xlsx => {
            let mut workbook: calamine::Xlsx<_> =
                calamine::open_workbook(path).map_err(|e: calamine::XlsxError| IoError::Xlsx(e.to_string()))?;
            let range = workbook
                .worksheet_range_at(0)
                .ok_or(IoError::NoHeader)?
                .map_err(|e| IoError::Xlsx(e.to_string()))?;
            let mut rows = range.rows().map(|r| r.iter().map(cell_text).collect::<Vec<_>>());
            let headers: Vec<String> = rows
                .next()
                .ok_or(IoError::NoHeader)?
                .into_iter()
                .map(|h| h.trim().to_string())
                .collect();
            let records: Vec<Vec<String>> = rows.collect();
            Ok((
                headers,
                TableReader::Xlsx {
                    rows: records.into_iter(),
                },
                Format::Xlsx,
            ))
        }
    }
}

impl TableReader {
    /// The next record, or `None` at the end. Blank lines are skipped.
    pub fn next_record(&mut self) -> Option<Result<Vec<String>, IoError>> {
        loop {
            let row = match self {
                TableReader::Csv { reader, record } => match reader.read_record(record) {
                    Ok(true) => record.iter().map(str::to_string).collect::<Vec<_>>(),
                    Ok(false) => return None,
                    Err(e) => return Some(Err(e.into())),
                },
                TableReader::Xlsx { rows } => rows.next()?,
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
