//! Request extractors: JSON bodies and query strings whose every failure is a problem
//! response naming the field, and the authenticated caller for the API and the pages.

use crate::core::auth::TokenKind;
use crate::core::http::error::ApiError;
use crate::core::http::i18n;
use crate::AppState;
use crate::Principal;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use dcrc_domain::FieldError;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "dcrc_session";
/// The name of the language cookie set by the language switch.
pub const LANG_COOKIE: &str = "dcrc_lang";

/// A JSON request body.
pub struct ApiJson<T>(pub T);

fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

fn between_backticks(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

/// Turns a serde message into a field error: the field's path, a stable code, and
/// parameters for the translated text.
fn field_error(path: &str, message: &str) -> FieldError {
    let message = strip_position(message);
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_string()
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let here = if path.is_empty() || path == "." {
        "body".to_string()
    } else {
        path.to_string()
    };
    if let Some(rest) = message.strip_prefix("missing field ") {
        return FieldError::new(join(between_backticks(rest).unwrap_or(rest)), "required");
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return FieldError::new(join(between_backticks(rest).unwrap_or(rest)), "unknown_field");
    }
    if message.starts_with("unknown variant ") {
        let allowed = message
            .split_once("expected ")
            .map(|(_, a)| a.replace("one of ", "").replace('`', ""))
            .unwrap_or_default();
        return FieldError::new(here, "unknown_value").with("allowed", allowed);
    }
    if message.starts_with("invalid type") {
        let expected = message.split_once("expected ").map(|(_, e)| e).unwrap_or_default();
        let lang = crate::core::http::i18n::current();
        let key = format!("type.{}", json_type(expected));
        return FieldError::new(here, "wrong_type").with("expected", crate::core::http::i18n::translate(lang, &key));
    }
    FieldError::new(here, "invalid_value").with("reason", message)
}

/// The JSON type serde expected, as a translation key suffix.
fn json_type(expected: &str) -> &'static str {
    let e = expected.to_ascii_lowercase();
    if e.contains("string") || e.contains("char") {
        "string"
    } else if e.contains("bool") {
        "boolean"
    } else if e.contains("sequence") || e.contains("array") || e.starts_with("a vec") {
        "array"
    } else if e.contains("float") || e.starts_with('f') && e.len() <= 3 {
        "number"
    } else if e.contains("integer") || e.starts_with('i') || e.starts_with('u') {
        "integer"
    } else if e.contains("struct") || e.contains("map") {
        "object"
    } else {
        "value"
    }
}

/// Deserialises JSON, reporting where and why it failed.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_json").with("reason", inner.to_string())
        } else {
            ApiError::invalid(vec![field_error(&path, &inner.to_string())])
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_json").with("reason", rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| {
            let path = e.path().to_string();
            ApiError::invalid(vec![field_error(&path, &e.into_inner().to_string())])
        })
    }
}

/// The client's address, for the audit log.
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The caller of an API endpoint, authenticated by `Authorization: Bearer`.
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        let principal = state
            .store
            .authenticate(token, TokenKind::Api, client_ip(parts))
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        i18n::set_user_lang(principal.locale);
        Ok(ApiUser(principal))
    }
}

/// The signed-in user of a page; anonymous visitors are sent to the login page.
pub struct WebUser(pub Principal);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = axum::response::Redirect;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let to_login =
            || axum::response::Redirect::to(&format!("/login?next={}", crate::core::http::layout::url_encode(next)));
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match state.store.authenticate(token, TokenKind::Web, client_ip(parts)).await {
            Ok(Some(principal)) => {
                i18n::set_user_lang(principal.locale);
                Ok(WebUser(principal))
            }
            _ => Err(to_login()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_field_errors() {
        let e = field_error("", "missing field `name` at line 1 column 2");
        assert_eq!((e.field.as_str(), e.code), ("name", "required"));
        let e = field_error(
            "kind",
            "unknown variant `shop`, expected one of `brand`, `region` at line 1 column 20",
        );
        assert_eq!((e.field.as_str(), e.code), ("kind", "unknown_value"));
        assert_eq!(e.params[0].1, "brand, region");
        let e = field_error(
            "parent_id",
            "invalid type: string \"x\", expected i64 at line 1 column 9",
        );
        assert_eq!((e.field.as_str(), e.code), ("parent_id", "wrong_type"));
        let e = field_error(".", "unknown field `nme`, expected `name`");
        assert_eq!((e.field.as_str(), e.code), ("nme", "unknown_field"));
    }
}
