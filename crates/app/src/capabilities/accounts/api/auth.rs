//! Logging in and out, the caller's own account, and personal API tokens.

use crate::core::auth::{LoginError, TokenInfo, TokenKind};
use crate::core::http::error::{ApiError, ApiResult};
use crate::core::http::extract::{ApiJson, ApiUser};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use dcrc_domain::{Lang, OrgKind, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Turns a failed login into the problem the client sees: wrong user and wrong password
/// look the same; a locked account says until when.
pub fn login_error(e: LoginError) -> ApiError {
    match e {
        LoginError::BadCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials"),
        LoginError::Locked(until) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
            .with("until", crate::core::http::layout::local_time(until)),
        LoginError::Store(e) => e.into(),
    }
}

/// Logs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::core::http::error::Problem), (status = 429, body = crate::core::http::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let ip = crate::core::http::extract::client_ip(&parts);
    let login = state
        .store
        .login(&body.username, &body.password, TokenKind::Api, ip)
        .await
        .map_err(login_error)?;
    Ok(Json(LoginResponse {
        token: login.token,
        expires_at: login.expires_at,
    }))
}

/// Ends the token used for this call.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = crate::core::http::error::Problem)))]
pub async fn logout(State(state): State<AppState>, ApiUser(me): ApiUser) -> ApiResult<StatusCode> {
    state.store.logout(&me).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
    pub locale: Option<Lang>,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = crate::core::http::error::Problem)))]
pub async fn me(ApiUser(me): ApiUser) -> Json<Me> {
    Json(Me {
        roles: me.roles().to_vec(),
        id: me.user_id,
        username: me.username,
        display_name: me.display_name,
        org_id: me.org_id,
        org_name: me.org_name,
        org_kind: me.org_kind,
        locale: me.locale,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password; every other session and token of theirs ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    state
        .store
        .change_password(&me, &body.current_password, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenInfo>,
    pub next_cursor: Option<String>,
}

/// The caller's live sessions and tokens.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", responses((status = 200, body = TokenList)))]
pub async fn list_tokens(State(state): State<AppState>, ApiUser(me): ApiUser) -> ApiResult<Json<TokenList>> {
    Ok(Json(TokenList {
        items: state.store.list_tokens(&me).await?,
        next_cursor: None,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// 1 to 365 days.
    pub expires_in_days: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, shown only in this response.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Creates a named API token for scripts and integrations.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::core::http::error::Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let (token, info) = state.store.create_token(&me, &body.name, body.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, info })))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::core::http::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.store.revoke_token(&me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
