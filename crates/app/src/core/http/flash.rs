//! What happened, shown on the next page: after a form is saved the browser is redirected
//! (post → redirect → get) and the page it lands on says what was done and what comes
//! next. The message travels as a short-lived cookie holding a message key and its
//! parameters; it is translated when shown, so it appears in the reader's language, and
//! only keys under `done.` are shown (a forged cookie cannot put arbitrary keys on a page).

use crate::core::http::extract::cookie;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::cell::RefCell;

const FLASH_COOKIE: &str = "dcrc_flash";

/// A message for the next page: a `done.*` key and its `{name}` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub key: String,
    pub params: Vec<(String, String)>,
}

impl Flash {
    pub fn new(key: &'static str) -> Self {
        Flash {
            key: key.into(),
            params: Vec::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.push((name.into(), value.to_string()));
        self
    }

    fn encode(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("k", &self.key);
        for (n, v) in &self.params {
            s.append_pair(n, v);
        }
        s.finish()
    }

    fn decode(raw: &str) -> Option<Flash> {
        let mut key = None;
        let mut params = Vec::new();
        for (n, v) in form_urlencoded::parse(raw.as_bytes()) {
            if n == "k" {
                key = Some(v.into_owned());
            } else if params.len() < 8 {
                params.push((n.into_owned(), v.chars().take(200).collect()));
            }
        }
        let key = key.filter(|k| k.starts_with("done.") && k.len() < 80)?;
        Some(Flash { key, params })
    }

    /// The message in `lang`, or nothing for an unknown key.
    pub fn text(&self, lang: dcrc_domain::Lang) -> Option<String> {
        if !crate::core::http::i18n::has(lang, &self.key) {
            return None;
        }
        let params: Vec<(&str, String)> = self.params.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
        Some(crate::core::http::i18n::tf(lang, &self.key, &params))
    }
}

/// Redirects to `to` with `flash` shown there.
pub fn redirect(to: &str, flash: Flash) -> Response {
    let value = form_urlencoded::byte_serialize(flash.encode().as_bytes()).collect::<String>();
    let cookie = format!("{FLASH_COOKIE}={value}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax");
    let mut response = Redirect::to(to).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

struct Pending {
    flash: Option<Flash>,
    taken: bool,
}

tokio::task_local! {
    static PENDING: RefCell<Pending>;
}

/// The message waiting for this request's page, if any; taking it clears the cookie.
pub fn take() -> Option<Flash> {
    PENDING
        .try_with(|p| {
            let mut p = p.borrow_mut();
            p.taken = true;
            p.flash.take()
        })
        .ok()
        .flatten()
}

/// Holds the incoming message for the page that shows it, and clears the cookie once a
/// page has shown it (a redirect passes it on untouched).
pub async fn carry(request: Request, next: Next) -> Response {
    let flash = cookie(request.headers(), FLASH_COOKIE).and_then(|raw| {
        let decoded: String = form_urlencoded::parse(format!("v={raw}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        Flash::decode(&decoded)
    });
    let had = flash.is_some();
    let pending = RefCell::new(Pending { flash, taken: false });
    let (mut response, taken) = PENDING
        .scope(pending, async {
            let r = next.run(request).await;
            let taken = PENDING.with(|p| p.borrow().taken);
            (r, taken)
        })
        .await;
    let sets_new = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if had && taken && !sets_new {
        let clear = format!("{FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
        if let Ok(v) = header::HeaderValue::from_str(&clear) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::Flash;

    #[test]
    fn messages_survive_the_cookie_and_only_done_keys_are_shown() {
        let f = Flash::new("done.saved").with("name", "王 & 李");
        assert_eq!(Flash::decode(&f.encode()), Some(f));
        assert_eq!(Flash::decode("k=problem.internal"), None);
        assert_eq!(Flash::decode("x=1"), None);
    }
}
