//! The caller's own account: language, password, API tokens.

use crate::capabilities::accounts::data::users::UserPatch;
use crate::core::http::error::ApiError;
use crate::core::http::extract::{WebUser, LANG_COOKIE};
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{local_time, render, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dcrc_domain::Lang;

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "capabilities/accounts/templates/account.html")]
struct AccountPage {
    l: Layout,
    csrf: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    password: FormView,
    token: FormView,
}

/// Which of the page's forms a refusal belongs to, with what to show in it again.
enum Refused {
    None,
    /// Passwords are never sent back: the form comes back empty with its errors.
    Password(ApiError),
    Token(FormView, ApiError),
}

async fn show(
    state: &AppState,
    me: &Principal,
    status: StatusCode,
    layout: Layout,
    new_token: Option<String>,
    refused: Refused,
) -> Response {
    let tokens = match state.store.list_tokens(me).await {
        Ok(t) => t,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let tokens = tokens
        .into_iter()
        .filter(|t| t.kind == "api")
        .map(|t| TokenRow {
            id: t.id,
            name: t.name.unwrap_or_default(),
            created: local_time(t.created_at),
            expires: local_time(t.expires_at),
        })
        .collect();
    let pw_labels: &[(&str, &str)] = &[
        ("current_password", "account.current_password"),
        ("new_password", "account.new_password"),
    ];
    let tk_labels: &[(&str, &str)] = &[
        ("name", "account.token_name"),
        ("expires_in_days", "account.token_days"),
    ];
    let mut password = FormView::new().labelled(&layout.t, pw_labels);
    let mut token = FormView::new()
        .set("expires_in_days", 90)
        .labelled(&layout.t, tk_labels);
    match refused {
        Refused::None => {}
        Refused::Password(e) => password = password.with_error(&e, |f| f.to_string()),
        Refused::Token(kept, e) => {
            token = kept.labelled(&layout.t, tk_labels).with_error(&e, |f| f.to_string());
        }
    }
    render(
        status,
        &AccountPage {
            l: layout,
            csrf: me.csrf_token.clone(),
            tokens,
            new_token,
            password,
            token,
        },
    )
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    show(
        &state,
        &me,
        StatusCode::OK,
        Layout::new(Some(&me), "/account"),
        None,
        Refused::None,
    )
    .await
}

pub async fn change_password(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let layout = Layout::new(Some(&me), "/account");
    match state
        .store
        .change_password(&me, &form.text("current_password"), &form.text("new_password"))
        .await
    {
        Ok(()) => {
            let text = layout.t.get("account.password_changed");
            show(
                &state,
                &me,
                StatusCode::OK,
                layout.notice("ok", text),
                None,
                Refused::None,
            )
            .await
        }
        Err(e) => {
            let api: ApiError = e.into();
            show(&state, &me, api.status, layout, None, Refused::Password(api)).await
        }
    }
}

pub async fn set_locale(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let lang = form.get("locale").and_then(Lang::from_tag).unwrap_or_default();
    if let Err(e) = state
        .store
        .update_user(
            &me,
            me.user_id,
            UserPatch {
                locale: Some(lang),
                ..UserPatch::default()
            },
        )
        .await
    {
        return crate::core::http::layout::error_page(Some(&me), e);
    }
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to("/account")).into_response()
}

pub async fn create_token(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let layout = Layout::new(Some(&me), "/account");
    let days = form
        .get("expires_in_days")
        .and_then(|d| d.trim().parse::<i64>().ok())
        .unwrap_or(0);
    match state.store.create_token(&me, &form.text("name"), days).await {
        Ok((token, _)) => show(&state, &me, StatusCode::OK, layout, Some(token), Refused::None).await,
        Err(e) => {
            let api: ApiError = e.into();
            let kept = FormView::submitted(&form);
            show(&state, &me, api.status, layout, None, Refused::Token(kept, api)).await
        }
    }
}

pub async fn revoke_token(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, _form): Posted) -> Response {
    match state.store.revoke_token(&me, id).await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(e) => crate::core::http::layout::error_page(Some(&me), e),
    }
}
