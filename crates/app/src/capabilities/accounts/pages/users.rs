//! The user admin page.

use crate::capabilities::accounts::data::users::{NewUser, UserFilter, UserPatch};
use crate::capabilities::accounts::pages::orgs::org_rows;
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{render, role_keys, Layout};
use crate::core::http::paging::At;
use crate::AppState;
use crate::{Principal, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dcrc_domain::{FieldError, Invalid, Permission, Role};

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org_name: String,
    pub role_keys: Vec<String>,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "capabilities/accounts/templates/users.html")]
struct UsersPage {
    l: Layout,
    csrf: String,
    can_manage: bool,
    open_form: bool,
    roles: Vec<(&'static str, String)>,
    users: Vec<UserRow>,
    pager: crate::core::http::paging::Pager,
    form: crate::core::http::form_view::FormView,
    org_options: Vec<(String, String)>,
}

async fn show(
    state: &AppState,
    me: &Principal,
    at: &At,
    status: StatusCode,
    error: Option<(crate::core::http::form_view::FormView, ApiError)>,
) -> Response {
    let orgs = match state.store.org_tree(me).await {
        Ok(o) => o,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let page = match state
        .store
        .list_users(
            me,
            &UserFilter {
                cursor: at.cursor.clone(),
                limit: Some(100),
                ..UserFilter::default()
            },
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let org_name = |id: i64| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let users: Vec<UserRow> = page
        .items
        .iter()
        .map(|u| UserRow {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            org_name: org_name(u.org_id),
            role_keys: role_keys(&u.roles),
            active: u.active,
        })
        .collect();
    let layout = Layout::new(Some(me), "/admin/users");
    let labels: &[(&str, &str)] = &[
        ("username", "users.username"),
        ("display_name", "users.display_name"),
        ("password", "users.password"),
        ("org_id", "users.org"),
        ("roles", "users.roles"),
    ];
    let open_form = error.is_some();
    // The password is never sent back.
    let form = match error {
        Some((f, e)) => f.set("password", "").labelled(&layout.t, labels).with_error(&e, |f| {
            if f.starts_with("roles") {
                "roles".into()
            } else {
                f.to_string()
            }
        }),
        None => crate::core::http::form_view::FormView::new().labelled(&layout.t, labels),
    };
    let base = orgs.first().map(|o| o.depth).unwrap_or(0);
    let view = UsersPage {
        l: layout,
        csrf: me.csrf_token.clone(),
        can_manage: me.can(Permission::ManageUsers),
        open_form,
        org_options: org_rows(&orgs, base)
            .iter()
            .filter(|o| o.active)
            .map(|o| (o.id.to_string(), format!("{}{}", o.indent, o.name)))
            .collect(),
        form,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), format!("role.{}", r.as_str())))
            .collect(),
        pager: {
            let pager = at.pager("/admin/users", page.next_cursor.as_deref(), users.len(), 100);
            match state.store.count_users(me).await {
                Ok(n) => pager.with_total(n),
                Err(_) => pager,
            }
        },
        users,
    };
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser, Query(at): Query<At>) -> Response {
    show(&state, &me, &at, StatusCode::OK, None).await
}

pub async fn create(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let mut errors = Invalid::default();
    let roles: Vec<Role> = form.all("roles").into_iter().filter_map(Role::parse).collect();
    let org_id = form.get("org_id").and_then(|v| v.parse::<i64>().ok());
    if org_id.is_none() {
        errors.push(FieldError::new("org_id", "required"));
    }
    let Some(org_id) = org_id else {
        let kept = crate::core::http::form_view::FormView::submitted(&form);
        return show(
            &state,
            &me,
            &At::default(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((kept, errors.into())),
        )
        .await;
    };
    let input = NewUser {
        username: form.text("username"),
        password: form.text("password"),
        display_name: form.text("display_name"),
        org_id,
        roles,
        locale: None,
    };
    match state.store.create_user(&me, input).await {
        Ok(u) => crate::core::http::flash::redirect(
            "/admin/users",
            crate::core::http::flash::Flash::new("done.user.created").with("name", u.display_name),
        ),
        Err(e) => {
            let api: ApiError = e.into();
            let kept = crate::core::http::form_view::FormView::submitted(&form);
            show(&state, &me, &At::default(), api.status, Some((kept, api))).await
        }
    }
}

pub async fn set_active(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let active = form.get("active") == Some("true");
    match state
        .store
        .update_user(
            &me,
            id,
            UserPatch {
                active: Some(active),
                ..UserPatch::default()
            },
        )
        .await
    {
        Ok(_) => Redirect::to("/admin/users").into_response(),
        Err(StoreError::NotFound) => crate::core::http::layout::error_page(Some(&me), StoreError::NotFound),
        Err(e) => {
            let api: ApiError = e.into();
            show(
                &state,
                &me,
                &At::default(),
                api.status,
                Some((crate::core::http::form_view::FormView::new(), api)),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "capabilities/accounts/templates/user_edit.html")]
struct UserEditPage {
    l: Layout,
    csrf: String,
    id: i64,
    username: String,
    org_options: Vec<(String, String)>,
    /// (code, label key)
    roles: Vec<(&'static str, String)>,
    form: FormView,
}

async fn show_edit(state: &AppState, me: &Principal, id: i64, status: StatusCode, error: Option<ApiError>) -> Response {
    show_edit_form(state, me, id, status, error.map(|e| (FormView::new(), e))).await
}

/// The edit form, from the user's record or from a refused submission.
async fn show_edit_form(
    state: &AppState,
    me: &Principal,
    id: i64,
    status: StatusCode,
    refused: Option<(FormView, ApiError)>,
) -> Response {
    let user = match state.store.get_user(me, id).await {
        Ok(u) => u,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let orgs = match state.store.org_tree(me).await {
        Ok(o) => o,
        Err(e) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let layout = Layout::new(Some(me), "/admin/users");
    let labels: &[(&str, &str)] = &[
        ("display_name", "users.display_name"),
        ("org_id", "users.org"),
        ("password", "users.reset_password"),
        ("roles", "users.roles"),
    ];
    let roles_field = |f: &str| {
        if f.starts_with("roles") {
            "roles".to_string()
        } else {
            f.to_string()
        }
    };
    let form = match refused {
        // What was typed, the password excepted.
        Some((f, e)) => f
            .set("password", "")
            .labelled(&layout.t, labels)
            .with_error(&e, roles_field),
        None => {
            let mut record = FormView::new()
                .set("display_name", &user.display_name)
                .set("org_id", user.org_id);
            for r in &user.roles {
                record = record.add("roles", r.as_str());
            }
            record.labelled(&layout.t, labels)
        }
    };
    let base = orgs.first().map(|o| o.depth).unwrap_or(0);
    let page = UserEditPage {
        csrf: me.csrf_token.clone(),
        id,
        username: user.username,
        org_options: org_rows(&orgs, base)
            .iter()
            .filter(|o| o.active)
            .map(|o| (o.id.to_string(), format!("{}{}", o.indent, o.name)))
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), format!("role.{}", r.as_str())))
            .collect(),
        form,
        l: layout,
    };
    render(status, &page)
}

pub async fn edit_page(State(state): State<AppState>, WebUser(me): WebUser, Path(id): Path<i64>) -> Response {
    show_edit(&state, &me, id, StatusCode::OK, None).await
}

pub async fn save(State(state): State<AppState>, Path(id): Path<i64>, Posted(me, form): Posted) -> Response {
    let password = form.get("password").filter(|p| !p.is_empty()).map(str::to_string);
    let patch = UserPatch {
        display_name: Some(form.text("display_name")),
        org_id: form.get("org_id").and_then(|v| v.parse().ok()),
        roles: Some(form.all("roles").into_iter().filter_map(Role::parse).collect()),
        password,
        ..UserPatch::default()
    };
    match state.store.update_user(&me, id, patch).await {
        Ok(u) => crate::core::http::flash::redirect(
            "/admin/users",
            crate::core::http::flash::Flash::new("done.user.saved").with("name", u.display_name),
        ),
        Err(StoreError::NotFound) => crate::core::http::layout::error_page(Some(&me), StoreError::NotFound),
        Err(e) => {
            let api: ApiError = e.into();
            show_edit_form(&state, &me, id, api.status, Some((FormView::submitted(&form), api))).await
        }
    }
}
