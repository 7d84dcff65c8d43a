//! The ZIP package of a workbook: the directory checked before it is read, each part
//! opened as a guarded, decompressing XML stream, the first sheet located through the
//! workbook's relationships, and the shared-string table read under its limits.

use crate::limits::{exceeded, Guarded, Limit, Limits, Window};
use crate::IoError;
use flate2::read::DeflateDecoder;
use quick_xml::events::{BytesStart, Event};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::time::Instant;
use zip::CompressionMethod;

pub(super) type PartReader = quick_xml::Reader<BufReader<Guarded<Box<dyn Read + Send>>>>;

/// How far ahead of the parser a buffered reader may read (counted in the window).
pub(super) const READ_AHEAD: u64 = 128 * 1024;

pub(super) fn damaged(reason: impl Into<String>) -> IoError {
    IoError::Xlsx(reason.into())
}

pub(super) fn xml_error(e: quick_xml::Error) -> IoError {
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
pub(super) fn check_directory(file: &mut File, limits: &Limits) -> Result<(), IoError> {
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

pub(super) struct Container {
    pub(super) path: std::path::PathBuf,
    pub(super) zip: zip::ZipArchive<BufReader<File>>,
    pub(super) limits: Limits,
    pub(super) deadline: Instant,
}

impl Container {
    /// A guarded, decompressing reader over one entry, opened on its own file handle.
    pub(super) fn part(&mut self, name: &str, max: (u64, Limit)) -> Result<Option<(PartReader, Window)>, IoError> {
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

    pub(super) fn small_part(&mut self, name: &str) -> Result<Option<(PartReader, Window)>, IoError> {
        let max = (self.limits.max_part_bytes, Limit::PartBytes);
        self.part(name, max)
    }
}

/// Reads the next event, refusing DTDs (entity expansion) and resetting the window.
pub(super) fn next_event<'b>(
    xml: &mut PartReader,
    window: &Window,
    buf: &'b mut Vec<u8>,
) -> Result<Event<'b>, IoError> {
    buf.clear();
    window.reset();
    let event = xml.read_event_into(buf).map_err(xml_error)?;
    if let Event::DocType(_) = event {
        return Err(damaged("a document type declaration (DTD) is not allowed"));
    }
    Ok(event)
}

pub(super) fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, IoError> {
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
pub(super) fn push_ref(out: &mut String, name: &str) -> Result<(), IoError> {
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
pub(super) fn locate(c: &mut Container) -> Result<(String, Option<String>), IoError> {
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

pub(super) fn shared_strings(c: &mut Container, name: &str) -> Result<Vec<String>, IoError> {
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
