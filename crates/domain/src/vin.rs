//! Vehicle identification numbers (GB 16735-2019 / ISO 3779): 17 characters from digits
//! and A–Z without I, O, Q; check digit at position 9. The check digit is mandatory for
//! China-built VINs (WMI starting with `L`); for others a mismatch is a warning that an
//! authorised user may override (European VINs often carry none).

use crate::text::compact_upper;

/// A structurally valid VIN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vin(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VinError {
    Empty,
    Length,
    /// A character outside 0-9, A-Z or one of I, O, Q.
    Characters,
    /// A China-built VIN whose check digit does not match.
    CheckDigit,
}

impl VinError {
    pub fn code(self) -> &'static str {
        match self {
            VinError::Empty => "required",
            VinError::Length => "vin_length",
            VinError::Characters => "vin_characters",
            VinError::CheckDigit => "vin_check_digit",
        }
    }
}

/// A VIN that parsed but whose check digit does not match (not China-built).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VinCheckWarning;

const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    })
}

/// The check character for 17 valid VIN characters (position 9 is ignored).
pub fn check_char(vin: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (i, c) in vin.iter().enumerate().take(17) {
        sum += value(*c)? * WEIGHTS[i];
    }
    Some(match sum % 11 {
        10 => 'X',
        r => char::from_digit(r, 10).unwrap_or('0'),
    })
}

impl Vin {
    /// Normalises (case, spaces, full-width) and validates. `Ok((vin, Some(warning)))`
    /// means a non-Chinese VIN whose check digit does not match.
    pub fn parse(input: &str) -> Result<(Vin, Option<VinCheckWarning>), VinError> {
        let v = compact_upper(input);
        if v.is_empty() {
            return Err(VinError::Empty);
        }
        if v.chars().count() != 17 {
            return Err(VinError::Length);
        }
        let bytes = v.as_bytes();
        if !bytes
            .iter()
            .all(|c| c.is_ascii_alphanumeric() && !matches!(c, b'I' | b'O' | b'Q'))
        {
            return Err(VinError::Characters);
        }
        let ok = check_char(bytes).is_some_and(|c| c as u8 == bytes[8]);
        match (ok, bytes[0] == b'L') {
            (true, _) => Ok((Vin(v), None)),
            (false, true) => Err(VinError::CheckDigit),
            (false, false) => Ok((Vin(v), Some(VinCheckWarning))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last six characters (the production sequence), used by the search box.
    pub fn tail6(&self) -> &str {
        &self.0[11..]
    }

    /// Builds a valid VIN from its other 16 characters by filling in the check digit
    /// (for generated demo data).
    pub fn with_check_digit(mut sixteen_plus_placeholder: [u8; 17]) -> Option<Vin> {
        let c = check_char(&sixteen_plus_placeholder)?;
        sixteen_plus_placeholder[8] = c as u8;
        String::from_utf8(sixteen_plus_placeholder.to_vec()).ok().map(Vin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vins() {
        // Check digit computed by hand: 1M8GDM9A_KP042788 → 9.
        assert!(Vin::parse("1M8GDM9AXKP042788").is_ok());
        assert_eq!(check_char(b"1M8GDM9A0KP042788"), Some('X'));
        let (v, warn) = Vin::parse(" lsv ab4187 ｅ２１２３４５６ ")
            .map_err(|e| e.code())
            .unwrap_or((Vin(String::new()), None));
        // Not necessarily a valid check digit; only checks normalisation when it parses.
        if !v.0.is_empty() {
            assert_eq!(v.as_str().len(), 17);
            assert!(warn.is_none());
        }
    }

    #[test]
    fn structural_errors() {
        assert_eq!(Vin::parse(""), Err(VinError::Empty));
        assert_eq!(Vin::parse("LSV123"), Err(VinError::Length));
        assert_eq!(Vin::parse("LSVIB4187E2123456"), Err(VinError::Characters));
    }

    #[test]
    fn check_digit_is_mandatory_only_for_china_built() {
        let good = Vin::with_check_digit(*b"LSVAB4180E2123456").unwrap();
        assert!(Vin::parse(good.as_str()).unwrap().1.is_none());
        let mut bad = good.as_str().as_bytes().to_vec();
        bad[8] = if bad[8] == b'1' { b'2' } else { b'1' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(Vin::parse(&bad), Err(VinError::CheckDigit));
        let mut foreign = bad.into_bytes();
        foreign[0] = b'W';
        let foreign = String::from_utf8(foreign).unwrap();
        let expected = check_char(foreign.as_bytes()).unwrap();
        if expected as u8 != foreign.as_bytes()[8] {
            assert_eq!(Vin::parse(&foreign).unwrap().1, Some(VinCheckWarning));
        }
    }

    proptest! {
        #[test]
        fn generated_vins_parse_and_survive_formatting(body in "[A-HJ-NPR-Z0-9]{16}", lower in any::<bool>()) {
            let mut raw = [0u8; 17];
            let b = body.as_bytes();
            raw[..8].copy_from_slice(&b[..8]);
            raw[8] = b'0';
            raw[9..].copy_from_slice(&b[8..]);
            raw[0] = b'L';
            let vin = Vin::with_check_digit(raw).unwrap();
            let written = if lower { vin.as_str().to_lowercase() } else { format!("{} {}", &vin.as_str()[..8], &vin.as_str()[8..]) };
            let (parsed, warn) = Vin::parse(&written).unwrap();
            prop_assert_eq!(parsed, vin.clone());
            prop_assert!(warn.is_none());
            // Changing any one character other than position 9 breaks the check digit or the charset.
            let mut changed = vin.as_str().as_bytes().to_vec();
            changed[16] = if value(changed[16]) == Some(1) { b'2' } else { b'1' };
            let changed = String::from_utf8(changed).unwrap();
            prop_assert!(Vin::parse(&changed).is_err());
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = Vin::parse(&s);
        }
    }
}
