//! A one-font text PDF for printed forms (the complaint handling form): A4 pages of lines,
//! wrapped to the page width, in Adobe's standard Simplified Chinese font `STSong-Light`
//! with the `UniGB-UCS2-H` encoding. The font is named, not embedded (PDF 1.4 §5.9: every
//! conforming viewer supplies the Adobe CJK standard fonts or a substitute), so no font file
//! ships with DCRC and the output stays a few kilobytes.

use std::fmt::Write as _;

/// Points per millimetre.
const MM: f64 = 72.0 / 25.4;
const PAGE_W: f64 = 210.0 * MM;
const PAGE_H: f64 = 297.0 * MM;
const MARGIN: f64 = 18.0 * MM;

/// One line of the document.
#[derive(Debug, Clone)]
pub enum Line {
    /// A heading (larger type).
    Title(String),
    /// `label: value`, the value wrapped under itself.
    Field(String, String),
    /// Running text.
    Text(String),
    /// Vertical space.
    Gap,
}

/// Width of a character in em: CJK and other wide characters 1, ASCII ½.
fn em(c: char) -> f64 {
    if c.is_ascii() {
        0.5
    } else {
        1.0
    }
}

/// Splits text into lines no wider than `width` em (hard line breaks kept).
fn wrap(text: &str, width: f64) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        for c in para.chars().filter(|c| !c.is_control()) {
            if w + em(c) > width && !line.is_empty() {
                out.push(std::mem::take(&mut line));
                w = 0.0;
            }
            line.push(c);
            w += em(c);
        }
        out.push(line);
    }
    out
}

/// Text as a hex string of UCS-2 code units (characters outside the BMP become `?`).
fn ucs2_hex(text: &str) -> String {
    let mut s = String::with_capacity(text.len() * 4 + 2);
    s.push('<');
    for c in text.chars() {
        let unit = u16::try_from(u32::from(c)).unwrap_or(u16::from(b'?'));
        let _ = write!(s, "{unit:04X}");
    }
    s.push('>');
    s
}

/// Lays the lines out on A4 pages: each page's content stream.
fn pages(lines: &[Line]) -> Vec<String> {
    let size = 10.5;
    let lead = size * 1.6;
    let usable = PAGE_W - 2.0 * MARGIN;
    let label_w = 28.0 * MM;
    let mut pages = Vec::new();
    let mut ops = String::new();
    let mut y = PAGE_H - MARGIN;
    let emit = |ops: &mut String, y: &mut f64, x: f64, pt: f64, text: &str, pages: &mut Vec<String>| {
        if *y < MARGIN + pt {
            pages.push(std::mem::take(ops));
            *y = PAGE_H - MARGIN;
        }
        *y -= pt * 1.6;
        let _ = writeln!(ops, "BT /F1 {pt:.1} Tf {x:.2} {:.2} Td {} Tj ET", *y, ucs2_hex(text));
    };
    for line in lines {
        match line {
            Line::Title(t) => {
                for part in wrap(t, usable / 16.0) {
                    emit(&mut ops, &mut y, MARGIN, 16.0, &part, &mut pages);
                }
                y -= lead / 2.0;
            }
            Line::Field(label, value) => {
                let parts = wrap(value, (usable - label_w) / size);
                for (i, part) in parts.iter().enumerate() {
                    if i == 0 {
                        // The label on the same baseline as the value's first line.
                        emit(&mut ops, &mut y, MARGIN, size, label, &mut pages);
                        let _ = writeln!(
                            ops,
                            "BT /F1 {size:.1} Tf {:.2} {y:.2} Td {} Tj ET",
                            MARGIN + label_w,
                            ucs2_hex(part)
                        );
                    } else {
                        emit(&mut ops, &mut y, MARGIN + label_w, size, part, &mut pages);
                    }
                }
            }
            Line::Text(t) => {
                for part in wrap(t, usable / size) {
                    emit(&mut ops, &mut y, MARGIN, size, &part, &mut pages);
                }
            }
            Line::Gap => y -= lead,
        }
    }
    pages.push(ops);
    pages
}

/// The PDF file of the lines.
pub fn document(title: &str, lines: &[Line]) -> Vec<u8> {
    let contents = pages(lines);
    let n = contents.len();
    // Objects: 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor, 6 info, then a page
    // and its content stream for each page.
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        format!(
            "<< /Type /Pages /Count {n} /Kids [{}] >>",
            (0..n).map(|i| format!("{} 0 R", 7 + 2 * i)).collect::<Vec<_>>().join(" ")
        ),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>".into(),
        // ASCII (CIDs 1–95 in Adobe-GB1) advances half an em; everything else a full em.
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>".into(),
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".into(),
        format!("<< /Title {} /Producer (DCRC) >>", ucs2_text_string(title)),
    ];
    for (i, ops) in contents.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W:.2} {PAGE_H:.2}] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            8 + 2 * i
        ));
        objects.push(format!("<< /Length {} >>\nstream\n{ops}endstream", ops.len()));
    }
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in &offsets {
        let _ = writeln!(table, "{o:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(table.as_bytes());
    out
}

/// A PDF text string in UTF-16BE with its byte-order mark.
fn ucs2_text_string(text: &str) -> String {
    let mut s = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(s, "{unit:04X}");
    }
    s.push('>');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let lines = vec![
            Line::Title("投诉处理单 #12".into()),
            Line::Field("处理措施".into(), "免费返修并赠送一次保养。".repeat(30)),
            Line::Gap,
            Line::Text("Signed: 陈晨 2026-11-24".into()),
        ];
        let pdf = document("投诉处理单", &lines);
        let text = String::from_utf8_lossy(&pdf).to_string();
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(text.ends_with("%%EOF\n"));
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Offsets are bytes of the file (the binary marker on line 2 is not UTF-8).
        let table = String::from_utf8(pdf[start..].to_vec()).unwrap();
        assert!(table.starts_with("xref"), "startxref points at the table");
        let entries: Vec<usize> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .map(|l| l[..10].parse().unwrap())
            .collect();
        assert_eq!(entries.len(), 8, "six fixed objects and one page with its stream");
        for (i, offset) in entries.iter().enumerate() {
            assert!(
                pdf[*offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "object {} at {offset}",
                i + 1
            );
        }
        // 处 is U+5904: text is written as UCS-2 code units.
        assert!(text.contains("<5904"));
    }

    #[test]
    fn long_text_wraps_and_fills_more_pages() {
        assert_eq!(wrap("一二三四五六", 4.0), vec!["一二三四", "五六"]);
        assert_eq!(wrap("abcdefgh", 2.0), vec!["abcd", "efgh"], "ASCII is half width");
        let many: Vec<Line> = (0..200).map(|i| Line::Text(format!("第{i}行"))).collect();
        assert!(pages(&many).len() >= 3);
        assert_eq!(ucs2_hex("A中"), "<00414E2D>");
    }
}
