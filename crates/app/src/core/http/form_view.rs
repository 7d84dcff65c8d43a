//! The one form mechanism of the pages: a form is drawn from a [`FormView`] holding the
//! values to show (the record's, or exactly what the user typed) and the errors of the
//! last submission. A rejected form comes back with every value and each error under its
//! field, named by the field's label, in the reader's language; the first field in error
//! takes the focus, and a summary at the top links to each error.

use crate::core::http::error::ApiError;
use crate::core::http::form::FormData;
use std::fmt::Write;

/// One field's problem, ready to show.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

/// The values and errors a form is drawn with.
#[derive(Debug, Clone, Default)]
pub struct FormView {
    values: Vec<(String, String)>,
    errors: Vec<FieldMessage>,
    /// Problems that belong to no field of this form.
    pub general: Vec<String>,
    labels: Vec<(String, String)>,
    /// Prefixes the element ids when a page holds several forms with the same field names.
    id_prefix: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn id_of(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl FormView {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A form showing exactly what was submitted (the CSRF token excluded).
    pub fn submitted(form: &FormData) -> Self {
        FormView {
            values: form.0.iter().filter(|(k, _)| k != "_csrf").cloned().collect(),
            ..Self::default()
        }
    }

    /// Gives this form's element ids a prefix (`pause-` → `f-pause-note`), for pages that
    /// hold several forms with fields of the same name.
    pub fn ids(mut self, prefix: &str) -> Self {
        self.id_prefix = format!("{}-", id_of(prefix));
        self
    }

    /// Sets a value to show (a record's value, or a default).
    pub fn set(mut self, name: &str, value: impl ToString) -> Self {
        self.values.retain(|(k, _)| k != name);
        self.values.push((name.into(), value.to_string()));
        self
    }

    /// Adds one more value of a repeated field (checked boxes).
    pub fn add(mut self, name: &str, value: impl ToString) -> Self {
        self.values.push((name.into(), value.to_string()));
        self
    }

    /// Sets a value unless the submission already has one.
    pub fn default_value(self, name: &str, value: impl ToString) -> Self {
        if self.values.iter().any(|(k, _)| k == name) {
            self
        } else {
            self.set(name, value)
        }
    }

    /// Names the fields by their labels (`field` as the API reports it → label), used in
    /// the messages; `api_field` may differ from the form's input name (`answers.overall`
    /// is the input `a.overall`) and is mapped by `rename`.
    pub fn labels(mut self, labels: Vec<(String, String)>) -> Self {
        self.labels = labels;
        self
    }

    /// Names the fields by the labels of translation keys: `[("title", "complaints.title")]`.
    pub fn labelled(self, t: &crate::core::http::i18n::Tr, fields: &[(&str, &str)]) -> Self {
        self.labels(fields.iter().map(|(f, k)| (f.to_string(), t.get(k))).collect())
    }

    /// Takes the errors of a failed save: field errors go under their fields (after
    /// `rename` maps an API field to the form's input), the rest to the top of the form.
    pub fn with_error(mut self, e: &ApiError, rename: impl Fn(&str) -> String) -> Self {
        let lang = crate::core::http::i18n::current();
        let sep = if lang == dcrc_domain::Lang::En { ": " } else { "：" };
        let problem = e.problem(lang);
        if problem.errors.is_empty() {
            self.general.push(problem.title);
            if !problem.detail.is_empty() {
                self.general.push(problem.detail);
            }
        }
        for f in problem.errors {
            let field = rename(&f.field);
            // A line of a list typed into one field is named by its number.
            let line = crate::core::http::layout::line_of(&crate::core::http::i18n::Tr(lang), &f.field)
                .filter(|_| f.field.split('[').next() == Some(field.as_str()));
            let message = match (self.label(&field), line) {
                (Some(label), Some(line)) => format!("{label} {line}{sep}{}", f.message),
                (Some(label), None) => format!("{label}{sep}{}", f.message),
                (None, _) => f.message,
            };
            if self.labels.iter().any(|(k, _)| *k == field) {
                self.errors.push(FieldMessage { field, message });
            } else {
                self.general.push(message);
            }
        }
        self
    }

    /// Takes the errors of a document typed into one field (the policy's JSON): errors of
    /// the form's own fields go under them, every other one under `field`, named by the
    /// field's label and the path inside the document the user typed
    /// («政策覆盖 callbacks.types.sales.window_days：…»).
    pub fn with_document_error(mut self, e: &ApiError, field: &str) -> Self {
        let lang = crate::core::http::i18n::current();
        let sep = if lang == dcrc_domain::Lang::En { ": " } else { "：" };
        let problem = e.problem(lang);
        if problem.errors.is_empty() {
            return self.with_error(e, |f| f.to_string());
        }
        for f in problem.errors {
            let own = self.labels.iter().any(|(k, _)| *k == f.field);
            let (under, name) = if own {
                (f.field.clone(), self.label(&f.field).unwrap_or_default().to_string())
            } else {
                let label = self.label(field).unwrap_or(field);
                (field.to_string(), format!("{label} {}", f.field))
            };
            self.errors.push(FieldMessage {
                field: under,
                message: format!("{name}{sep}{}", f.message),
            });
        }
        self
    }

    fn label(&self, field: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == field).map(|(_, l)| l.as_str())
    }

    /// Whether the last submission was refused.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty() || !self.general.is_empty()
    }

    /// The value to show in `name`.
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Whether `name` holds `value` (for selected options and checked boxes).
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == name && v == value)
    }

    pub fn errors_of(&self, name: &str) -> Vec<&FieldMessage> {
        self.errors.iter().filter(|e| e.field == name).collect()
    }

    fn first_error(&self) -> Option<&str> {
        self.errors.first().map(|e| e.field.as_str())
    }

    /// The attributes and trailing error messages of one field.
    fn parts(&self, name: &str) -> (String, String) {
        let errs = self.errors_of(name);
        let id = self.id(name);
        let mut attrs = format!(r#" id="f-{id}" name="{}""#, esc(name));
        let mut after = String::new();
        if !errs.is_empty() {
            let _ = write!(attrs, r#" aria-invalid="true" aria-describedby="e-{id}""#);
            if self.first_error() == Some(name) {
                attrs.push_str(" autofocus");
            }
            let _ = write!(after, r#"<span class="field-error" id="e-{id}" role="alert">"#);
            let joined: Vec<String> = errs.iter().map(|e| esc(&e.message)).collect();
            after.push_str(&joined.join("<br>"));
            after.push_str("</span>");
        }
        (attrs, after)
    }

    fn id(&self, name: &str) -> String {
        format!("{}{}", self.id_prefix, id_of(name))
    }

    fn open_label(&self, name: &str, label: &str, required: bool) -> String {
        format!(
            r#"<label for="f-{}" class="field"><span>{}{}</span>"#,
            self.id(name),
            esc(label),
            if required {
                r#" <abbr title="*" class="req">*</abbr>"#
            } else {
                ""
            }
        )
    }

    /// An `<input>` of `kind` (text, number, date, tel …); `extra` holds literal
    /// attributes from the template (`maxlength="200"`).
    pub fn input(&self, name: &str, label: &str, kind: &str, required: bool, extra: &str) -> String {
        let (attrs, after) = self.parts(name);
        format!(
            r#"{}<input type="{}"{attrs} value="{}"{}{}{}>{after}</label>"#,
            self.open_label(name, label, required),
            esc(kind),
            esc(self.value(name)),
            if required { " required" } else { "" },
            if extra.is_empty() { "" } else { " " },
            extra
        )
    }

    pub fn textarea(&self, name: &str, label: &str, rows: u8, required: bool, extra: &str) -> String {
        let (attrs, after) = self.parts(name);
        format!(
            r#"{}<textarea rows="{rows}"{attrs}{}{}{}>{}</textarea>{after}</label>"#,
            self.open_label(name, label, required),
            if required { " required" } else { "" },
            if extra.is_empty() { "" } else { " " },
            extra,
            esc(self.value(name)),
        )
    }

    /// A `<select>` of (value, label) options, with an empty first option unless
    /// `required` and a value is set.
    pub fn select(&self, name: &str, label: &str, options: &[(String, String)], required: bool) -> String {
        let (attrs, after) = self.parts(name);
        let mut html = format!(
            "{}<select{attrs}{}>",
            self.open_label(name, label, required),
            if required { " required" } else { "" }
        );
        if !options.iter().any(|(v, _)| self.is(name, v)) || !required {
            html.push_str(r#"<option value="">—</option>"#);
        }
        for (v, text) in options {
            let _ = write!(
                html,
                r#"<option value="{}"{}>{}</option>"#,
                esc(v),
                if self.is(name, v) { " selected" } else { "" },
                esc(text)
            );
        }
        let _ = write!(html, "</select>{after}</label>");
        html
    }

    /// A hidden field carrying its value through the round trip.
    pub fn hidden(&self, name: &str) -> String {
        format!(
            r#"<input type="hidden" name="{}" value="{}">"#,
            esc(name),
            esc(self.value(name))
        )
    }

    /// The summary at the top of a refused form: every problem, each linking to its field.
    pub fn summary(&self, heading: &str) -> String {
        if !self.failed() {
            return String::new();
        }
        let mut html = format!(
            r#"<div class="error-summary" role="alert" tabindex="-1"><p>{}</p><ul>"#,
            esc(heading)
        );
        for g in &self.general {
            let _ = write!(html, "<li>{}</li>", esc(g));
        }
        for e in &self.errors {
            let _ = write!(
                html,
                r##"<li><a href="#f-{}">{}</a></li>"##,
                self.id(&e.field),
                esc(&e.message)
            );
        }
        html.push_str("</ul></div>");
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dcrc_domain::FieldError;

    #[test]
    fn a_refused_form_keeps_its_values_and_puts_errors_under_their_labels() {
        let form = FormData(vec![
            ("_csrf".into(), "secret".into()),
            ("title".into(), "刹车异响 <b>".into()),
            ("channel".into(), "phone".into()),
        ]);
        let err = ApiError::invalid(vec![
            FieldError::new("customer_id", "required"),
            FieldError::new("phones[0]", "phone_format"),
        ]);
        let view = FormView::submitted(&form)
            .labels(vec![
                ("customer_id".into(), "客户".into()),
                ("title".into(), "标题".into()),
            ])
            .with_error(&err, |f| f.to_string());
        assert_eq!(view.value("title"), "刹车异响 <b>");
        assert_eq!(view.value("_csrf"), "");
        assert!(view.is("channel", "phone"));
        let title = view.input("title", "标题", "text", true, "");
        assert!(title.contains(r#"value="刹车异响 &lt;b&gt;""#), "{title}");
        let customer = view.input("customer_id", "客户", "text", true, "");
        assert!(
            customer.contains("autofocus") && customer.contains(r#"role="alert""#),
            "{customer}"
        );
        assert!(customer.contains("客户："), "{customer}");
        // An error of a field the form does not show goes to the top, without its key.
        assert_eq!(view.general.len(), 1);
        assert!(!view.general[0].contains("phones[0]"));
        assert!(view.summary("请修改").contains(r##"href="#f-customer_id""##));
    }
}
