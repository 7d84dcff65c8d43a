//! Translations. Texts live in `strings/<lang>.txt` of the core and of each capability
//! (joined by `build.rs`) (one `key = text` per line, `{name}`
//! placeholders), compiled into the binary. The request's language is held in a
//! task-local for the duration of the request, so errors raised anywhere render in it.

use dcrc_domain::Lang;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::OnceLock;

fn parse(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.trim(), v.trim())))
        .collect()
}

pub(crate) fn catalog(lang: Lang) -> &'static HashMap<&'static str, &'static str> {
    static ZH: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    static EN: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    match lang {
        Lang::ZhCn => ZH.get_or_init(|| parse(include_str!(concat!(env!("OUT_DIR"), "/zh-CN.txt")))),
        Lang::En => EN.get_or_init(|| parse(include_str!(concat!(env!("OUT_DIR"), "/en.txt")))),
    }
}

/// The text for `key`, or the key itself when missing (a test keeps both files complete).
pub fn translate(lang: Lang, key: &str) -> String {
    catalog(lang)
        .get(key)
        .map(|s| s.to_string())
        .unwrap_or_else(|| key.to_string())
}

/// Whether a key exists.
pub fn has(lang: Lang, key: &str) -> bool {
    catalog(lang).contains_key(key)
}

/// The text for `key` with `{name}` placeholders filled.
pub fn tf(lang: Lang, key: &str, params: &[(&str, String)]) -> String {
    let mut text = translate(lang, key);
    for (name, value) in params {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// The language of the current request: an explicit choice (the language cookie or
/// `Accept-Language`) wins, then the signed-in user's setting, then zh-CN.
pub struct RequestLang {
    pub explicit: Option<Lang>,
    pub user: Cell<Option<Lang>>,
}

tokio::task_local! {
    pub static REQUEST_LANG: RequestLang;
}

/// The current request's language (zh-CN outside a request).
pub fn current() -> Lang {
    REQUEST_LANG
        .try_with(|l| l.explicit.or(l.user.get()).unwrap_or_default())
        .unwrap_or_default()
}

/// Records the signed-in user's language setting for the rest of the request.
pub fn set_user_lang(lang: Option<Lang>) {
    let _ = REQUEST_LANG.try_with(|l| l.user.set(lang));
}

/// Translator handed to templates.
#[derive(Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> String {
        translate(self.0, key)
    }

    pub fn fmt(&self, key: &str, name: &str, value: &str) -> String {
        tf(self.0, key, &[(name, value.to_string())])
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut zh: Vec<_> = catalog(Lang::ZhCn).keys().collect();
        let mut en: Vec<_> = catalog(Lang::En).keys().collect();
        zh.sort();
        en.sort();
        assert_eq!(zh, en);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Lang::En, "field.range", &[("min", "1".into()), ("max", "9".into())]),
            "must be between 1 and 9"
        );
        assert_eq!(translate(Lang::ZhCn, "nav.home"), "首页");
        assert_eq!(translate(Lang::En, "no.such.key"), "no.such.key");
    }
}
