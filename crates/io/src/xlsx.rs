//! A streaming XLSX reader with hard limits. The first worksheet is read row by row
//! straight out of its ZIP entry; nothing but the shared-string table (capped in count and
//! bytes) is held in memory, and a sparse sheet costs nothing for the cells it leaves out.
//! Hostile workbooks — a cell at XFD1048576, a deflate bomb, a DTD with entity expansion,
//! a truncated or foreign ZIP — are refused with an error naming the limit or the defect.

use crate::limits::{exceeded, Guarded, Limit, Limits, Window};
use crate::IoError;
use flate2::read::DeflateDecoder;
use quick_xml::events::{BytesStart, Event};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;
use zip::CompressionMethod;

type PartReader = quick_xml::Reader<BufReader<Guarded<Box<dyn Read + Send>>>>;

/// How far ahead of the parser a buffered reader may read (counted in the window).
const READ_AHEAD: u64 = 128 * 1024;

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

fn damaged(reason: impl Into<String>) -> IoError {
    IoError::Xlsx(reason.into())
}

fn xml_error(e: quick_xml::Error) -> IoError {
    match e {
        quick_xml::Error::Io(io) => match exceeded(&io) {
            Some(limit) => IoError::Limit(limit),
            None => damaged(io.to_string()),
        },
        other => damaged(format!("XML: {other}")),
    }
}

/// Refuses a ZIP whose end record announces more entries or a larger directory than we
/// allow, before the ZIP library reads the directory into memory.
fn check_directory(file: &mut File, limits: &Limits) -> Result<(), IoError> {
    let size = file.seek(SeekFrom::End(0))?;
    let tail_len = size.min(65_557);
    file.seek(SeekFrom::Start(size - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail)?;
    let at = tail
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .ok_or_else(|| damaged("the ZIP container is truncated (no end of central directory)"))?;
    let end = &tail[at..];
    if end.len() < 22 {
        return Err(damaged("the ZIP container is truncated"));
    }
    let entries = u16::from_le_bytes([end[10], end[11]]) as u64;
    let directory = u32::from_le_bytes([end[12], end[13], end[14], end[15]]) as u64;
    // 0xFFFF / 0xFFFFFFFF mean ZIP64, which no spreadsheet needs.
    if entries > limits.max_zip_entries || directory > limits.max_zip_entries * 1024 {
        return Err(IoError::Limit(Limit::ZipEntries));
    }
    file.rewind()?;
    Ok(())
}

struct Container {
    path: std::path::PathBuf,
    zip: zip::ZipArchive<BufReader<File>>,
    limits: Limits,
    deadline: Instant,
}

impl Container {
    /// A guarded, decompressing reader over one entry, opened on its own file handle.
    fn part(&mut self, name: &str, max: (u64, Limit)) -> Result<Option<(PartReader, Window)>, IoError> {
        let (start, compressed, method) = match self.zip.by_name(name) {
            Ok(entry) => {
                if entry.encrypted() {
                    return Err(damaged("the workbook is encrypted"));
                }
                let start = entry
                    .data_start()
                    .ok_or_else(|| damaged(format!("{name}: no data offset")))?;
                (start, entry.compressed_size(), entry.compression())
            }
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(damaged(e.to_string())),
        };
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(start))?;
        let raw = file.take(compressed);
        let inner: Box<dyn Read + Send> = match method {
            CompressionMethod::Stored => Box::new(raw),
            CompressionMethod::Deflated => Box::new(DeflateDecoder::new(raw)),
            other => return Err(damaged(format!("{name}: unsupported compression {other}"))),
        };
        let window = Window::default();
        let guarded = Guarded::new(
            inner,
            max,
            window.clone(),
            self.limits.max_record_bytes + READ_AHEAD,
            self.deadline,
        );
        let mut xml = quick_xml::Reader::from_reader(BufReader::with_capacity(64 * 1024, guarded));
        xml.config_mut().check_end_names = true;
        Ok(Some((xml, window)))
    }

    fn small_part(&mut self, name: &str) -> Result<Option<(PartReader, Window)>, IoError> {
        let max = (self.limits.max_part_bytes, Limit::PartBytes);
        self.part(name, max)
    }
}

/// Reads the next event, refusing DTDs (entity expansion) and resetting the window.
fn next_event<'b>(xml: &mut PartReader, window: &Window, buf: &'b mut Vec<u8>) -> Result<Event<'b>, IoError> {
    buf.clear();
    window.reset();
    let event = xml.read_event_into(buf).map_err(xml_error)?;
    if let Event::DocType(_) = event {
        return Err(damaged("a document type declaration (DTD) is not allowed"));
    }
    Ok(event)
}

fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, IoError> {
    for a in e.attributes() {
        let a = a.map_err(|err| damaged(format!("XML attribute: {err}")))?;
        if a.key.local_name().as_ref() == name {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| damaged(format!("XML attribute: {err}")))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// Appends the text of an entity or character reference; other entities are refused.
fn push_ref(out: &mut String, name: &str) -> Result<(), IoError> {
    if let Some(s) = quick_xml::escape::resolve_predefined_entity(name) {
        out.push_str(s);
        return Ok(());
    }
    let r = quick_xml::events::BytesRef::new(name);
    match r.resolve_char_ref() {
        Ok(Some(c)) => {
            out.push(c);
            Ok(())
        }
        _ => Err(damaged(format!("unknown entity &{name};"))),
    }
}

/// The target of the first sheet and of the shared strings, from the workbook's parts.
fn locate(c: &mut Container) -> Result<(String, Option<String>), IoError> {
    let mut buf = Vec::new();
    let (mut wb, w) = c
        .small_part("xl/workbook.xml")?
        .ok_or_else(|| damaged("not an XLSX workbook (xl/workbook.xml is missing)"))?;
    let mut first_sheet = None;
    loop {
        match next_event(&mut wb, &w, &mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                first_sheet = attr(&e, "id")?;
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let first_sheet = first_sheet.ok_or_else(|| damaged("the workbook has no sheet"))?;
    let mut sheet = None;
    let mut shared = None;
    if let Some((mut rels, w)) = c.small_part("xl/_rels/workbook.xml.rels")? {
        loop {
            match next_event(&mut rels, &w, &mut buf)? {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                    let target = attr(&e, "Target")?.unwrap_or_default();
                    let target = match target.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{target}"),
                    };
                    if attr(&e, "Id")?.as_deref() == Some(first_sheet.as_str()) {
                        sheet = Some(target);
                    } else if attr(&e, "Type")?.is_some_and(|t| t.ends_with("/sharedStrings")) {
                        shared = Some(target);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
    }
    let sheet = sheet.unwrap_or_else(|| "xl/worksheets/sheet1.xml".to_string());
    Ok((sheet, shared.or_else(|| Some("xl/sharedStrings.xml".to_string()))))
}

fn shared_strings(c: &mut Container, name: &str) -> Result<Vec<String>, IoError> {
    let Some((mut xml, w)) = c.small_part(name)? else {
        return Ok(Vec::new());
    };
    let limits = c.limits.clone();
    let mut buf = Vec::new();
    let mut strings = Vec::new();
    let mut bytes = 0usize;
    let mut current: Option<String> = None;
    let mut in_text = false;
    let mut in_phonetic = false;
    loop {
        match next_event(&mut xml, &w, &mut buf)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => current = Some(String::new()),
                "t" => in_text = true,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => strings.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    let s = current.take().unwrap_or_default();
                    bytes += s.len();
                    if strings.len() >= limits.max_shared_strings {
                        return Err(IoError::Limit(Limit::SharedStrings));
                    }
                    if bytes > limits.max_shared_string_bytes {
                        return Err(IoError::Limit(Limit::SharedStringBytes));
                    }
                    strings.push(s);
                }
                "t" => in_text = false,
                "rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if in_text && !in_phonetic => {
                if let Some(s) = current.as_mut() {
                    s.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_text && !in_phonetic => {
                if let Some(s) = current.as_mut() {
                    push_ref(s, &r)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if current
            .as_ref()
            .is_some_and(|s| s.chars().count() > limits.max_cell_chars)
        {
            return Err(IoError::Limit(Limit::CellChars));
        }
    }
    Ok(strings)
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
