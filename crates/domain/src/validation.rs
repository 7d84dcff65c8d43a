//! Field validation that returns every problem at once, with stable codes the web layer
//! translates into the user's language.

use serde::Serialize;

/// One problem with one input field. `code` is stable and snake_case; `params` fill in
/// the translated message (e.g. `min`, `max`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub params: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
            params: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.params.push((name, value.to_string()));
        self
    }
}

/// A set of field errors; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was pushed.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// Username: 3–32 characters of ASCII letters, digits, `.`, `_`, `-`; stored lower-case.
pub fn username(field: &str, value: &str, errors: &mut Invalid) -> String {
    let v = value.trim().to_ascii_lowercase();
    if v.is_empty() {
        errors.push(FieldError::new(field, "required"));
    } else if v.chars().count() < 3 || v.chars().count() > 32 {
        errors.push(FieldError::new(field, "length").with("min", 3).with("max", 32));
    } else if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        errors.push(FieldError::new(field, "username_chars"));
    }
    v
}

/// Passwords people choose first; a password that is one of these (ignoring case and any
/// digits or punctuation added at the end) is refused. Our own short list of the
/// commonest choices worldwide and in China (number patterns, pinyin, keyboard rows).
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssword",
    "p@ssw0rd",
    "qwerty",
    "qwertyuiop",
    "qwerty123",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "1q2w3e4r",
    "1qaz2wsx",
    "qazwsx",
    "abc123",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "abcd1234",
    "iloveyou",
    "woaini",
    "woaini1314",
    "5201314",
    "1314520",
    "admin",
    "administrator",
    "root",
    "welcome",
    "letmein",
    "monkey",
    "dragon",
    "master",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "superman",
    "trustno1",
    "changeme",
    "default",
    "secret",
    "test",
    "testtest",
    "guest",
    "user",
    "login",
    "china",
    "zhongguo",
    "beijing",
    "shanghai",
    "wangwei",
    "zhangwei",
    "aaaaaa",
    "111111",
    "123123",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "987654321",
    "654321",
    "666666",
    "888888",
    "88888888",
    "dcrc",
    "dcrcdcrc",
    "dealer",
    "crm",
];

/// Password: 10 to 128 characters, not digits only, not a common password, not the
/// username or the username reversed, and not one or two characters repeated.
pub fn password(field: &str, value: &str, username: &str, errors: &mut Invalid) {
    let n = value.chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, "required"));
        return;
    }
    if !(10..=128).contains(&n) {
        errors.push(FieldError::new(field, "length").with("min", 10).with("max", 128));
        return;
    }
    let lower = value.to_lowercase();
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let user = username.trim().to_lowercase();
    let reversed: String = user.chars().rev().collect();
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if value.chars().all(|c| c.is_ascii_digit()) || distinct.len() <= 2 {
        errors.push(FieldError::new(field, "password_weak"));
    } else if COMMON_PASSWORDS.contains(&lower.as_str()) || COMMON_PASSWORDS.contains(&base) {
        errors.push(FieldError::new(field, "password_common"));
    } else if !user.is_empty() && (lower == user || lower == reversed || base == user || base == reversed) {
        errors.push(FieldError::new(field, "password_is_username"));
    }
}

/// The earliest date DCRC accepts anywhere (no car, customer or contract is older).
pub fn earliest_date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
}

/// Whether a date could be a real one in a dealer's records: 1900 to 2099.
pub fn plausible_date(d: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1900..=2099).contains(&d.year())
}

/// A date between `earliest_date()` and `latest` (today, or today plus the horizon within
/// which the future makes sense for the field); `date_range` naming both ends otherwise.
pub fn date_until(field: &str, d: chrono::NaiveDate, latest: chrono::NaiveDate, errors: &mut Invalid) {
    let earliest = earliest_date();
    if d < earliest || d > latest {
        errors.push(
            FieldError::new(field, "date_range")
                .with("min", earliest.format("%Y-%m-%d").to_string())
                .with("max", latest.format("%Y-%m-%d").to_string()),
        );
    }
}

/// The dates of a report (`from`, `to`): each from 1900 to a year ahead.
pub fn report_dates(from: chrono::NaiveDate, to: chrono::NaiveDate, today: chrono::NaiveDate) -> Result<(), Invalid> {
    let mut errors = Invalid::default();
    let latest = today + chrono::Duration::days(366);
    date_until("from", from, latest, &mut errors);
    date_until("to", to, latest, &mut errors);
    errors.finish()
}

/// A required display text (names): trimmed, 1..=max characters, no control characters.
pub fn text(field: &str, value: &str, max: usize, errors: &mut Invalid) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        errors.push(FieldError::new(field, "required"));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, "length").with("min", 1).with("max", max));
    } else if v.chars().any(char::is_control) {
        errors.push(FieldError::new(field, "control_chars"));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        let mut e = Invalid::default();
        assert_eq!(username("username", " Li.Wei ", &mut e), "li.wei");
        assert!(e.is_empty());
        username("username", "ab", &mut e);
        username("username", "张三丰", &mut e);
        username("username", "", &mut e);
        let codes: Vec<_> = e.0.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["length", "username_chars", "required"]);
    }

    #[test]
    fn password_rules() {
        let mut e = Invalid::default();
        password("password", "1234567890", "li.wei", &mut e);
        password("password", "short", "li.wei", &mut e);
        password("password", "good password", "li.wei", &mut e);
        password("password", "Password1", "li.wei", &mut e);
        password("password", "Password123!", "li.wei", &mut e);
        password("password", "QWERTYUIOP", "li.wei", &mut e);
        password("password", "zhang.san.feng", "zhang.san.feng", &mut e);
        password("password", "gnef.nas.gnahz", "zhang.san.feng", &mut e);
        password("password", "zhang.san.feng2026", "zhang.san.feng", &mut e);
        password("password", "abababababab", "li.wei", &mut e);
        password("password", "dcrc-demo-2026", "agent", &mut e);
        let codes: Vec<_> = e.0.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                "password_weak",
                "length",
                "length",
                "password_common",
                "password_common",
                "password_is_username",
                "password_is_username",
                "password_is_username",
                "password_weak"
            ]
        );
    }

    #[test]
    fn text_rules() {
        let mut e = Invalid::default();
        assert_eq!(text("name", "  长城汽车 ", 10, &mut e), "长城汽车");
        text("name", "a\u{7}b", 10, &mut e);
        text("name", "abcdefghijk", 10, &mut e);
        assert_eq!(e.0.len(), 2);
        assert!(e.clone().finish().is_err());
    }
}
