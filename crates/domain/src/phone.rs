//! Mainland China phone numbers: mobile (`1[3-9]` + 9 digits) and landline (area code
//! `0` + 2–3 digits, then a 7–8 digit local number). Accepts full-width digits, spaces,
//! dashes, parentheses and the `+86` / `86` / `0086` prefixes; stores digits only.

use crate::text::half_width;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    Landline,
}

/// A normalised phone number. The digits are private: show [`Phone::masked`] unless the
/// viewer may see personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    digits: String,
    kind: PhoneKind,
}

/// Why a phone number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    /// Characters other than digits and separators.
    BadCharacters,
    /// Neither a mobile nor a landline number.
    BadFormat,
}

impl PhoneError {
    pub fn code(self) -> &'static str {
        match self {
            PhoneError::Empty => "required",
            PhoneError::BadCharacters | PhoneError::BadFormat => "phone_format",
        }
    }
}

fn is_mobile(d: &str) -> bool {
    d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9')
}

/// Area codes: 010 and 02X are three digits with the 0; all others are four.
fn is_landline(d: &str) -> bool {
    if !d.starts_with('0') || d.starts_with("00") {
        return false;
    }
    let area_len = if d.starts_with("010") || d.starts_with("02") {
        3
    } else {
        4
    };
    let local = d.len().saturating_sub(area_len);
    (7..=8).contains(&local) && !d[area_len..].starts_with('0') && !d[area_len..].starts_with('1')
}

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let mut digits = String::with_capacity(input.len());
        let mut plus = false;
        for c in input.chars().map(half_width) {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() => plus = true,
                ' ' | '-' | '(' | ')' | '.' | '\t' => {}
                _ => return Err(PhoneError::BadCharacters),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        // Country code: +86, 0086, or a bare 86 in front of an otherwise complete number.
        let mut candidates = vec![digits.clone()];
        if let Some(rest) = digits.strip_prefix("0086") {
            candidates.insert(0, rest.to_string());
        } else if let Some(rest) = digits.strip_prefix("86") {
            if plus || rest.len() >= 9 {
                candidates.insert(0, rest.to_string());
            }
        }
        for d in candidates {
            if is_mobile(&d) {
                return Ok(Phone {
                    digits: d,
                    kind: PhoneKind::Mobile,
                });
            }
            if is_landline(&d) {
                return Ok(Phone {
                    digits: d,
                    kind: PhoneKind::Landline,
                });
            }
            // After a country code the landline's trunk 0 is dropped: +86 20 1234 5678.
            let with_trunk = format!("0{d}");
            if d.len() != digits.len() && is_landline(&with_trunk) {
                return Ok(Phone {
                    digits: with_trunk,
                    kind: PhoneKind::Landline,
                });
            }
        }
        Err(PhoneError::BadFormat)
    }

    /// Digits only, e.g. `13812345678` or `02012345678`.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// The last four digits (the search box accepts them).
    pub fn last4(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }

    /// `138****5678`; landlines keep their area code: `020****5678`.
    pub fn masked(&self) -> String {
        mask_digits(&self.digits)
    }
}

/// Masks a stored number: first three and last four visible.
pub fn mask_digits(d: &str) -> String {
    let n = d.chars().count();
    if n <= 7 {
        return "*".repeat(n);
    }
    let head: String = d.chars().take(3).collect();
    let tail: String = d.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(n - 7))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_usual_ways_of_writing_a_number() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "8613812345678",
            "008613812345678",
            "１３８１２３４５６７８",
        ] {
            let p = Phone::parse(input).unwrap();
            assert_eq!((p.digits(), p.kind()), ("13812345678", PhoneKind::Mobile), "{input}");
        }
        let p = Phone::parse("(020) 8888-1234").unwrap();
        assert_eq!((p.digits(), p.kind()), ("02088881234", PhoneKind::Landline));
        assert_eq!(Phone::parse("+86 20 8888 1234").unwrap().digits(), "02088881234");
        assert_eq!(Phone::parse("0755-2345678").unwrap().digits(), "07552345678");
        assert_eq!(Phone::parse("010 6512 3456").unwrap().digits(), "01065123456");
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("138abc"), Err(PhoneError::BadCharacters));
        assert_eq!(Phone::parse("12345678901"), Err(PhoneError::BadFormat));
        assert_eq!(Phone::parse("1381234567"), Err(PhoneError::BadFormat));
        assert_eq!(Phone::parse("138123456789"), Err(PhoneError::BadFormat));
        assert_eq!(Phone::parse("020-123"), Err(PhoneError::BadFormat));
    }

    #[test]
    fn masks_keep_three_and_four() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(Phone::parse("020-88881234").unwrap().masked(), "020****1234");
        assert_eq!(Phone::parse("13812345678").unwrap().last4(), "5678");
    }

    proptest! {
        #[test]
        fn every_mobile_survives_formatting(second in 3u8..=9, rest in "[0-9]{9}", sep in "[ -]?", prefix in prop::sample::select(vec!["", "+86", "86", "0086", "+86 "])) {
            let digits = format!("1{second}{rest}");
            let written = format!("{prefix}{}{sep}{}{sep}{}", &digits[..3], &digits[3..7], &digits[7..]);
            let p = Phone::parse(&written).unwrap();
            prop_assert_eq!(p.digits(), digits.as_str());
            // The middle four digits are hidden, whatever they are.
            prop_assert_eq!(p.masked(), format!("{}****{}", &digits[..3], &digits[7..]));
        }

        #[test]
        fn parsing_never_panics_and_is_idempotent(s in "\\PC{0,20}") {
            if let Ok(p) = Phone::parse(&s) {
                prop_assert_eq!(Phone::parse(p.digits()).unwrap(), p);
            }
        }
    }
}
