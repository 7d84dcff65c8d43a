//! Form bodies (`application/x-www-form-urlencoded`), including repeated keys such as
//! several checked role boxes, and the CSRF check.

use crate::Principal;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

/// All fields of a submitted form, in order.
pub struct FormData(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = (StatusCode, &'static str);

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "form too large"))?;
        Ok(FormData(form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}

impl FormData {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").to_string()
    }

    /// Whether the form carries the session's CSRF token.
    pub fn csrf_ok(&self, me: &Principal) -> bool {
        !me.csrf_token.is_empty() && self.get("_csrf") == Some(me.csrf_token.as_str())
    }
}

/// A form posted by a signed-in user whose CSRF token matched: the one check every
/// page handler that writes needs, done before the handler runs. A missing session
/// goes to the login page; a wrong token gets the localized 403 page.
pub struct Posted(pub Principal, pub FormData);

impl FromRequest<crate::AppState> for Posted {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &crate::AppState) -> Result<Self, Self::Rejection> {
        use axum::extract::FromRequestParts;
        use axum::response::IntoResponse;
        let (mut parts, body) = req.into_parts();
        let crate::core::http::extract::WebUser(me) =
            crate::core::http::extract::WebUser::from_request_parts(&mut parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let form = FormData::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !form.csrf_ok(&me) {
            return Err(crate::core::http::layout::csrf_failed(Some(&me)));
        }
        Ok(Posted(me, form))
    }
}
