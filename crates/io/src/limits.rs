//! Hard limits on what a file may make DCRC do. Every reader checks them while it streams,
//! so no input of any size or shape can take the process past a fixed amount of memory
//! (docs/operations.md states the ceiling) or run for ever.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The limits of one file read. Defaults fit every real dealer export we know of (Excel's
/// own sheet is 1,048,576 rows × 16,384 columns, but no DMS export has more than a few
/// dozen columns) and bound the memory of one import to about 150 MiB.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Columns of a table (declared XLSX dimension, a cell's column, CSV fields).
    pub max_columns: usize,
    /// Rows of a table.
    pub max_rows: u64,
    /// Bytes of one CSV record, or one XML element or text of an XLSX part.
    pub max_record_bytes: u64,
    /// Characters of one XLSX cell (Excel's own limit).
    pub max_cell_chars: usize,
    /// Decompressed bytes of the worksheet (streamed, so this bounds time, not memory).
    pub max_sheet_bytes: u64,
    /// Decompressed bytes of every other part (workbook, relationships, shared strings).
    pub max_part_bytes: u64,
    /// Distinct shared strings of a workbook, and their total bytes (held in memory).
    pub max_shared_strings: usize,
    pub max_shared_string_bytes: usize,
    /// Entries of the ZIP container.
    pub max_zip_entries: u64,
    /// Wall time for reading the whole file.
    pub max_duration: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_columns: 1_000,
            max_rows: 2_000_000,
            max_record_bytes: 1024 * 1024,
            max_cell_chars: 32_767,
            max_sheet_bytes: 4 * 1024 * 1024 * 1024,
            max_part_bytes: 256 * 1024 * 1024,
            max_shared_strings: 1_000_000,
            max_shared_string_bytes: 48 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_duration: Duration::from_secs(30 * 60),
        }
    }
}

/// Which limit a file went past; each has a stable code and a message in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Columns,
    Rows,
    RecordBytes,
    CellChars,
    SheetBytes,
    PartBytes,
    SharedStrings,
    SharedStringBytes,
    ZipEntries,
    Duration,
}

impl Limit {
    pub fn code(self) -> &'static str {
        match self {
            Limit::Columns => "columns",
            Limit::Rows => "rows",
            Limit::RecordBytes => "record_bytes",
            Limit::CellChars => "cell_chars",
            Limit::SheetBytes => "sheet_bytes",
            Limit::PartBytes => "part_bytes",
            Limit::SharedStrings => "shared_strings",
            Limit::SharedStringBytes => "shared_string_bytes",
            Limit::ZipEntries => "zip_entries",
            Limit::Duration => "seconds",
        }
    }

    /// The limit's value in `limits`, in the unit its message names.
    pub fn value(self, limits: &Limits) -> u64 {
        match self {
            Limit::Columns => limits.max_columns as u64,
            Limit::Rows => limits.max_rows,
            Limit::RecordBytes => limits.max_record_bytes,
            Limit::CellChars => limits.max_cell_chars as u64,
            Limit::SheetBytes => limits.max_sheet_bytes,
            Limit::PartBytes => limits.max_part_bytes,
            Limit::SharedStrings => limits.max_shared_strings as u64,
            Limit::SharedStringBytes => limits.max_shared_string_bytes as u64,
            Limit::ZipEntries => limits.max_zip_entries,
            Limit::Duration => limits.max_duration.as_secs(),
        }
    }
}

/// A byte counter shared between a guarded reader and the parser above it: the parser
/// resets it after each record or XML event, so one record can never grow past the limit.
#[derive(Debug, Clone, Default)]
pub struct Window(Arc<AtomicU64>);

impl Window {
    pub fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// A reader that refuses to yield more than `total` bytes in all, more than `window`
/// bytes between two resets of its [`Window`], or to run past a deadline. Its error is an
/// `io::Error` carrying the [`Limit`], recovered by [`exceeded`].
pub struct Guarded<R> {
    inner: R,
    read: u64,
    total: (u64, Limit),
    window: Window,
    window_max: u64,
    deadline: Instant,
}

#[derive(Debug)]
struct LimitError(Limit);

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "limit exceeded: {}", self.0.code())
    }
}

impl std::error::Error for LimitError {}

/// The limit behind an I/O error raised by [`Guarded`], if it was one.
pub fn exceeded(e: &io::Error) -> Option<Limit> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitError>())
        .map(|l| l.0)
}

pub fn limit_error(limit: Limit) -> io::Error {
    io::Error::other(LimitError(limit))
}

impl<R: Read> Guarded<R> {
    pub fn new(inner: R, total: (u64, Limit), window: Window, window_max: u64, deadline: Instant) -> Self {
        Self {
            inner,
            read: 0,
            total,
            window,
            window_max,
            deadline,
        }
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if Instant::now() > self.deadline {
            return Err(limit_error(Limit::Duration));
        }
        // Never hand out more than 64 KiB at once, so a window is checked often.
        let len = buf.len().min(64 * 1024);
        let n = self.inner.read(&mut buf[..len])?;
        self.read += n as u64;
        if self.read > self.total.0 {
            return Err(limit_error(self.total.1));
        }
        let in_window = self.window.0.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if in_window > self.window_max {
            return Err(limit_error(Limit::RecordBytes));
        }
        Ok(n)
    }
}
