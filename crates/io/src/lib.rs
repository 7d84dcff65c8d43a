//! Files in and out of DCRC: CSV in UTF-8, UTF-8 with BOM or GBK/GB18030 (detected),
//! XLSX; column headers in Chinese or English; the many ways dealers write dates and
//! money; and XLSX/CSV output for exports and error reports.

pub mod columns;
pub mod encoding;
pub mod limits;
pub mod pdf;
pub mod table;
pub mod values;
pub mod write;
pub mod xlsx;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("cannot read the file: {0}")]
    Read(#[from] std::io::Error),
    #[error("not a valid CSV file: {0}")]
    Csv(#[from] csv::Error),
    #[error("not a readable XLSX workbook: {0}")]
    Xlsx(String),
    #[error("the file has no header row")]
    NoHeader,
    #[error("cannot write the workbook: {0}")]
    Write(String),
    #[error("the file is past the limit on {}", .0.code())]
    Limit(limits::Limit),
}

impl IoError {
    /// A stable code for the failure: `file.<kind>`, or `file.limit.<limit>`.
    pub fn code(&self) -> String {
        match self {
            IoError::Read(_) => "file.unreadable".into(),
            IoError::Csv(_) => "file.bad_csv".into(),
            IoError::Xlsx(_) => "file.bad_xlsx".into(),
            IoError::NoHeader => "file.no_header".into(),
            IoError::Write(_) => "file.write".into(),
            IoError::Limit(l) => format!("file.limit.{}", l.code()),
        }
    }
}
