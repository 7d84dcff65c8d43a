//! Text normalisation shared by the parsers: full-width forms to ASCII, separators out.

/// Maps full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space to ASCII.
pub fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Half-width, upper-case, with spaces, dashes, dots and middle dots removed.
pub fn compact_upper(input: &str) -> String {
    input
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '·' | '•' | '_' | '(' | ')'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_becomes_ascii() {
        assert_eq!(compact_upper("ｌｓｖ　１２３-４"), "LSV1234");
        assert_eq!(compact_upper("粤A·12345"), "粤A12345");
    }
}
