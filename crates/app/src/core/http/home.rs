//! The home page: what this person works on, by role.

use crate::core::http::extract::WebUser;
use crate::core::http::layout::{render, role_keys, Layout};
use crate::Principal;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use dcrc_domain::{Permission, Role};

pub struct Card {
    pub title: &'static str,
    pub text: &'static str,
    pub href: &'static str,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    display_name: String,
    org_name: String,
    org_kind_key: String,
    role_keys: Vec<String>,
    cards: Vec<Card>,
}

fn coming(title: &'static str, text: &'static str) -> Card {
    Card {
        title,
        text,
        href: "#",
        enabled: false,
    }
}

/// The cards a person sees, from their roles: the work they do every morning first.
pub fn cards_for(p: &Principal) -> Vec<Card> {
    let mut cards = Vec::new();
    let has = |r: Role| p.has_role(r);
    if has(Role::CallbackAgent) {
        cards.push(coming("nav.callbacks", "home.card.callbacks"));
    }
    if has(Role::ComplaintManager) || has(Role::GeneralManager) {
        cards.push(coming("nav.complaints", "home.card.complaints"));
    }
    if has(Role::SalesConsultant) {
        cards.push(coming("nav.customers", "home.card.sales"));
    }
    if has(Role::ServiceAdvisor) {
        cards.push(coming("nav.customers", "home.card.service"));
    }
    if has(Role::InfoMaintainer) {
        cards.push(Card {
            title: "nav.customers",
            text: "home.card.archive",
            href: "/customers",
            enabled: true,
        });
    }
    if has(Role::ProcessInspector) {
        cards.push(coming("nav.reports", "home.card.inspection"));
    }
    if has(Role::CustomerManager) || has(Role::GeneralManager) || has(Role::GroupStaff) || has(Role::BrandStaff) {
        cards.push(coming("nav.reports", "home.card.reports"));
    }
    if has(Role::BrandStaff) {
        cards.push(coming("nav.reports", "home.card.supervision"));
    }
    if p.can(Permission::ManageUsers) {
        cards.push(Card {
            title: "nav.users",
            text: "home.card.admin",
            href: "/admin/users",
            enabled: true,
        });
    }
    if p.can(Permission::ReadAudit) {
        cards.push(Card {
            title: "nav.audit",
            text: "home.card.audit",
            href: "/admin/audit",
            enabled: true,
        });
    }
    if p.can(Permission::ViewCustomers) {
        cards.push(Card {
            title: "nav.customers",
            text: "home.card.customers",
            href: "/customers",
            enabled: true,
        });
    }
    cards
}

pub async fn page(WebUser(me): WebUser) -> Response {
    let page = HomePage {
        l: Layout::new(Some(&me), "/"),
        display_name: me.display_name.clone(),
        org_name: me.org_name.clone(),
        org_kind_key: format!("kind.{}", me.org_kind.as_str()),
        role_keys: role_keys(me.roles()),
        cards: cards_for(&me),
    };
    render(StatusCode::OK, &page)
}
