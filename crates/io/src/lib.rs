//! Files in and out of DCRC: CSV in UTF-8, UTF-8 with BOM or GBK/GB18030 (detected),
//! XLSX; column headers in Chinese or English; the many ways dealers write dates and
//! money; and XLSX/CSV output for exports and error reports.

pub mod columns;
pub mod encoding;
pub mod pdf;
pub mod table;
pub mod values;
pub mod write;

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
}
