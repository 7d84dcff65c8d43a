//! Licence plates (GA 36-2018): province character + issuing-authority letter + a serial
//! of 5 characters (ordinary), 6 (new-energy: `D`/`F`… first for small, last for large),
//! or 4 plus a special suffix (挂 trailer, 学 driving school, 警 police, 港/澳, 领).

use crate::text::compact_upper;

pub const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
const SUFFIXES: &str = "挂学警港澳领";
/// Energy-type letters in new-energy serials: D and F, plus the letters later notices
/// added (A B C E for pure electric, G H J K for the others).
const ENERGY: &[u8] = b"ABCDEFGHJK";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum PlateKind {
    Ordinary,
    NewEnergy,
    Special,
}

/// A normalised plate, e.g. `粤A12345` or `粤AD12345`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plate {
    text: String,
    kind: PlateKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlateError;

impl PlateError {
    pub fn code(self) -> &'static str {
        "plate_format"
    }
}

fn serial_char(c: char) -> bool {
    (c.is_ascii_uppercase() || c.is_ascii_digit()) && c != 'I' && c != 'O'
}

impl Plate {
    pub fn parse(input: &str) -> Result<Plate, PlateError> {
        let text = compact_upper(input);
        let chars: Vec<char> = text.chars().collect();
        if chars.len() < 7 || chars.len() > 8 || !PROVINCES.contains(chars[0]) || !chars[1].is_ascii_uppercase() {
            return Err(PlateError);
        }
        let serial = &chars[2..];
        let kind = if serial.len() == 5 {
            if serial.iter().all(|c| serial_char(*c)) {
                PlateKind::Ordinary
            } else if serial[..4].iter().all(|c| serial_char(*c)) && SUFFIXES.contains(serial[4]) {
                PlateKind::Special
            } else {
                return Err(PlateError);
            }
        } else {
            let energy = |c: char| c.is_ascii() && ENERGY.contains(&(c as u8));
            let small = energy(serial[0]) && serial_char(serial[1]) && serial[2..].iter().all(char::is_ascii_digit);
            let large = serial[..5].iter().all(char::is_ascii_digit) && energy(serial[5]);
            if small || large {
                PlateKind::NewEnergy
            } else {
                return Err(PlateError);
            }
        };
        Ok(Plate { text, kind })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> PlateKind {
        self.kind
    }

    /// The province character (粤 for Guangdong).
    pub fn province(&self) -> char {
        self.text.chars().next().unwrap_or(' ')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plate_formats() {
        assert_eq!(Plate::parse("粤A·12345").unwrap().as_str(), "粤A12345");
        assert_eq!(Plate::parse("粤a 1b2c3").unwrap().as_str(), "粤A1B2C3");
        assert_eq!(Plate::parse("粤AD12345").unwrap().kind(), PlateKind::NewEnergy);
        assert_eq!(Plate::parse("粤AF1234").unwrap().kind(), PlateKind::Ordinary);
        assert_eq!(Plate::parse("粤A12345D").unwrap().kind(), PlateKind::NewEnergy);
        assert_eq!(Plate::parse("粤A1234挂").unwrap().kind(), PlateKind::Special);
        assert_eq!(Plate::parse("粤A1234学").unwrap().kind(), PlateKind::Special);
        assert!(Plate::parse("粤A1234O").is_err(), "O is never used");
        assert!(Plate::parse("XA12345").is_err());
        assert!(Plate::parse("粤112345").is_err());
        assert!(Plate::parse("粤AX12345").is_err(), "X is not an energy letter");
    }

    proptest! {
        #[test]
        fn ordinary_plates_round_trip(p in 0usize..31, letter in "[A-Z]", serial in "[A-HJ-NP-Z0-9]{5}") {
            let province = PROVINCES.chars().nth(p).unwrap();
            let text = format!("{province}{letter}{serial}");
            let plate = Plate::parse(&format!("{province}{}·{}", letter.to_lowercase(), serial)).unwrap();
            prop_assert_eq!(plate.as_str(), text.as_str());
            prop_assert_eq!(plate.province(), province);
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,12}") {
            let _ = Plate::parse(&s);
        }
    }
}
