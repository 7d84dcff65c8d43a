//! Hostile files: each is refused with an error naming its limit or defect, and reading
//! all of them keeps this process (its own test binary, one test) under a fixed peak.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use dcrc_io::limits::{Limit, Limits};
use dcrc_io::table::{open, open_with};
use dcrc_io::IoError;
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let d = std::env::temp_dir().join(format!("dcrc-hostile-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A workbook whose parts are given; `writer` writes the sheet (so it can be huge).
fn workbook(path: &Path, shared: Option<&str>, sheet: &mut dyn FnMut(&mut dyn Write)) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("[Content_Types].xml", opts).unwrap();
    zip.write_all(CONTENT_TYPES.as_bytes()).unwrap();
    zip.start_file("xl/workbook.xml", opts).unwrap();
    zip.write_all(WORKBOOK.as_bytes()).unwrap();
    zip.start_file("xl/_rels/workbook.xml.rels", opts).unwrap();
    zip.write_all(RELS.as_bytes()).unwrap();
    if let Some(s) = shared {
        zip.start_file("xl/sharedStrings.xml", opts).unwrap();
        zip.write_all(s.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    sheet(&mut zip);
    zip.finish().unwrap();
}

fn sheet_xml(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// The error of reading the whole table (header and every record), if any.
fn read_all(path: &Path, limits: &Limits) -> Result<usize, IoError> {
    let (_, mut reader, _) = open_with(path, limits)?;
    let mut n = 0;
    while let Some(r) = reader.next_record() {
        r?;
        n += 1;
    }
    Ok(n)
}

fn limit_of(r: Result<usize, IoError>) -> Limit {
    match r {
        Err(IoError::Limit(l)) => l,
        other => panic!("expected a limit, got {other:?}"),
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn hostile_files_are_refused_within_a_fixed_memory_ceiling() {
    let dir = Dir::new();
    let limits = Limits::default();

    // A well-formed workbook reads: shared and inline strings, numbers, entities.
    let good = dir.path("good.xlsx");
    let shared = r#"<sst><si><t>客户姓名</t></si><si><t>手机</t></si><si><r><t>王</t></r><r><t>小明</t></r><rPh><t>ワン</t></rPh></si></sst>"#;
    workbook(&good, Some(shared), &mut |w| {
        let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3"><v>13812345678</v></c><c r="D3" t="inlineStr"><is><t>A &amp; B &#x4E00;</t></is></c></row>"#;
        w.write_all(sheet_xml(rows).as_bytes()).unwrap();
    });
    let (headers, mut reader, _) = open(&good).unwrap();
    assert_eq!(headers, vec!["客户姓名", "手机"]);
    assert_eq!(
        reader.next_record().unwrap().unwrap(),
        vec!["王小明", "13812345678", "", "A & B 一"]
    );
    assert!(reader.next_record().is_none());

    // 1. A sparse sheet: A1 and XFD1048576 only (the grid would be 17 billion cells).
    let sparse = dir.path("sparse.xlsx");
    workbook(&sparse, None, &mut |w| {
        let rows = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
        w.write_all(sheet_xml(rows).as_bytes()).unwrap();
    });
    assert_eq!(limit_of(read_all(&sparse, &limits)), Limit::Columns);
    // …and the same with its dimension declared up front.
    let declared = dir.path("declared.xlsx");
    workbook(&declared, None, &mut |w| {
        w.write_all(br#"<worksheet><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#)
            .unwrap();
    });
    assert_eq!(limit_of(read_all(&declared, &limits)), Limit::Columns);

    // 2. Deflate bombs: 1 GiB of one shared string (a few MB compressed), and a sheet of
    //    whitespace past a lower sheet limit.
    let bomb = dir.path("bomb.xlsx");
    {
        let file = std::fs::File::create(&bomb).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("xl/workbook.xml", opts).unwrap();
        zip.write_all(WORKBOOK.as_bytes()).unwrap();
        zip.start_file("xl/_rels/workbook.xml.rels", opts).unwrap();
        zip.write_all(RELS.as_bytes()).unwrap();
        zip.start_file("xl/sharedStrings.xml", opts).unwrap();
        zip.write_all(b"<sst><si><t>").unwrap();
        let chunk = vec![b'a'; 1024 * 1024];
        for _ in 0..1024 {
            zip.write_all(&chunk).unwrap();
        }
        zip.write_all(b"</t></si></sst>").unwrap();
        zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        zip.write_all(sheet_xml("").as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    assert!(std::fs::metadata(&bomb).unwrap().len() < 5 * 1024 * 1024);
    assert_eq!(limit_of(read_all(&bomb, &limits)), Limit::RecordBytes);
    let white = dir.path("whitespace.xlsx");
    workbook(&white, None, &mut |w| {
        w.write_all(b"<worksheet><sheetData>").unwrap();
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..80 {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"</sheetData></worksheet>").unwrap();
    });
    let small = Limits {
        max_sheet_bytes: 64 * 1024 * 1024,
        max_record_bytes: 256 * 1024 * 1024,
        ..Limits::default()
    };
    assert_eq!(limit_of(read_all(&white, &small)), Limit::SheetBytes);
    assert_eq!(limit_of(read_all(&white, &limits)), Limit::RecordBytes);

    // 3. Billion laughs: a DTD is refused before any entity is expanded.
    let laughs = dir.path("laughs.xlsx");
    workbook(&laughs, None, &mut |w| {
        let mut dtd = String::from(r#"<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">"#);
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
        }
        dtd.push_str(r#"]><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"#);
        w.write_all(dtd.as_bytes()).unwrap();
    });
    let e = read_all(&laughs, &limits).unwrap_err();
    assert!(matches!(&e, IoError::Xlsx(m) if m.contains("DTD")), "{e:?}");
    // An undeclared entity without a DTD is refused too.
    let entity = dir.path("entity.xlsx");
    workbook(&entity, None, &mut |w| {
        w.write_all(sheet_xml(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>&lol;</t></is></c></row>"#).as_bytes())
            .unwrap();
    });
    assert!(matches!(read_all(&entity, &limits), Err(IoError::Xlsx(_))));

    // 4. A truncated ZIP.
    let truncated = dir.path("truncated.xlsx");
    let whole = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let e = read_all(&truncated, &limits).unwrap_err();
    assert_eq!(e.code(), "file.bad_xlsx", "{e:?}");

    // 5. A ZIP that is not a workbook.
    let foreign = dir.path("foreign.xlsx");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&foreign).unwrap());
        zip.start_file("readme.txt", SimpleFileOptions::default()).unwrap();
        zip.write_all(b"hello").unwrap();
        zip.finish().unwrap();
    }
    let e = read_all(&foreign, &limits).unwrap_err();
    assert!(matches!(&e, IoError::Xlsx(m) if m.contains("workbook.xml")), "{e:?}");

    // 6. 100,000 columns, in XLSX and in CSV.
    let wide = dir.path("wide.xlsx");
    workbook(&wide, None, &mut |w| {
        w.write_all(b"<worksheet><sheetData><row r=\"1\">").unwrap();
        for i in 0..100_000 {
            write!(w, "<c t=\"inlineStr\"><is><t>c{i}</t></is></c>").unwrap();
        }
        w.write_all(b"</row></sheetData></worksheet>").unwrap();
    });
    assert_eq!(limit_of(read_all(&wide, &limits)), Limit::Columns);
    let wide_csv = dir.path("wide.csv");
    std::fs::write(&wide_csv, format!("姓名,手机\n{}\n", "x,".repeat(100_000))).unwrap();
    assert_eq!(limit_of(read_all(&wide_csv, &limits)), Limit::Columns);

    // 7. One CSV line of 200 MB with no newline, and a quoted field that never closes.
    let long_csv = dir.path("long.csv");
    {
        let mut f = std::fs::File::create(&long_csv).unwrap();
        f.write_all("姓名,手机\n王".as_bytes()).unwrap();
        let chunk = vec![b'a'; 1024 * 1024];
        for _ in 0..200 {
            f.write_all(&chunk).unwrap();
        }
    }
    assert_eq!(limit_of(read_all(&long_csv, &limits)), Limit::RecordBytes);
    let open_quote = dir.path("quote.csv");
    {
        let mut f = std::fs::File::create(&open_quote).unwrap();
        f.write_all("姓名,手机\n\"王\n".as_bytes()).unwrap();
        for _ in 0..2_000_000 {
            f.write_all(b"a,b\n").unwrap();
        }
    }
    assert_eq!(limit_of(read_all(&open_quote, &limits)), Limit::RecordBytes);

    // 8. A ZIP that announces more entries than a workbook ever has.
    let many = dir.path("many.xlsx");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&many).unwrap());
        for i in 0..10_001 {
            zip.start_file(format!("x{i}"), SimpleFileOptions::default()).unwrap();
        }
        zip.finish().unwrap();
    }
    assert_eq!(limit_of(read_all(&many, &limits)), Limit::ZipEntries);

    let peak = peak_rss_kib();
    eprintln!("peak RSS of the hostile-file test: {} MiB", peak / 1024);
    assert!(peak < 200 * 1024, "peak RSS {peak} KiB");
}
