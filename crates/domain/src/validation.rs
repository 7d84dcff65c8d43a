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

/// Password: at least 8 characters, at most 128, not only digits.
pub fn password(field: &str, value: &str, errors: &mut Invalid) {
    let n = value.chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, "required"));
    } else if !(8..=128).contains(&n) {
        errors.push(FieldError::new(field, "length").with("min", 8).with("max", 128));
    } else if value.chars().all(|c| c.is_ascii_digit()) {
        errors.push(FieldError::new(field, "password_weak"));
    }
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
        password("password", "12345678", &mut e);
        password("password", "short", &mut e);
        password("password", "good password", &mut e);
        let codes: Vec<_> = e.0.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["password_weak", "length"]);
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
