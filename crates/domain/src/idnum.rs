//! Resident ID numbers (GB 11643-1999): 17 digits + an ISO 7064 MOD 11-2 check character.
//! Sensitive personal information: stored only when needed and always shown masked.

use crate::text::compact_upper;
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdNumberError;

impl IdNumberError {
    pub fn code(self) -> &'static str {
        "id_number_format"
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (i, c) in first17.iter().take(17).enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        sum += u32::from(c - b'0') * WEIGHTS[i];
    }
    CHECK.get((sum % 11) as usize).copied()
}

impl IdNumber {
    pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
        let v = compact_upper(input);
        let b = v.as_bytes();
        if b.len() != 18 || check_char(&b[..17]) != Some(b[17]) {
            return Err(IdNumberError);
        }
        let birth = NaiveDate::parse_from_str(&v[6..14], "%Y%m%d").map_err(|_| IdNumberError)?;
        if birth.format("%Y").to_string().as_str() < "1900" {
            return Err(IdNumberError);
        }
        Ok(IdNumber(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `440***********123X`: first three and last four.
    pub fn masked(&self) -> String {
        crate::phone::mask_digits(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_character() {
        // 11010519491231002 → check X (a widely published specimen).
        assert_eq!(check_char(b"11010519491231002"), Some(b'X'));
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("110105194913310020").is_err(), "month 13");
        assert_eq!(
            IdNumber::parse("11010519491231002X").unwrap().masked(),
            "110***********002X"
        );
    }

    proptest! {
        #[test]
        fn generated_numbers_validate(area in 110000u32..659999, days in 0i64..30000, seq in 0u32..999) {
            let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Duration::days(days);
            let first17 = format!("{area:06}{}{seq:03}", birth.format("%Y%m%d"));
            let c = check_char(first17.as_bytes()).unwrap() as char;
            let full = format!("{}{}", first17, c);
            prop_assert!(IdNumber::parse(&full).is_ok());
        }
    }
}
