//! The archive on the home page: for whoever keeps the customer data (information
//! maintainers, customer managers, GMs), the numbers known to be wrong or empty, the
//! customers without a number, and the latest imports.

use crate::core::http::home::{Panel, PanelLine};
use crate::core::http::i18n::{self, Tr};
use crate::AppState;
use crate::Principal;
use dcrc_domain::Permission;
use std::future::Future;
use std::pin::Pin;

pub fn panels<'a>(state: &'a AppState, me: &'a Principal) -> Pin<Box<dyn Future<Output = Vec<Panel>> + Send + 'a>> {
    Box::pin(async move {
        let t = Tr(i18n::current());
        if !(me.can(Permission::EditCustomers) && me.can(Permission::ImportData)) {
            return Vec::new();
        }
        let Ok(q) = state.store.data_quality(me).await else {
            return Vec::new();
        };
        let tone = |n: i64| if n > 0 { "warn" } else { "ok" };
        let mut p = Panel::new(30, "home-data-quality", t.get("home.quality.title"))
            .figure(
                "quality-wrong",
                t.get("status.wrong_number"),
                q.wrong_numbers,
                "/customers?phone_status=wrong_number".into(),
                tone(q.wrong_numbers),
            )
            .figure(
                "quality-empty",
                t.get("status.empty_number"),
                q.empty_numbers,
                "/customers?phone_status=empty_number".into(),
                tone(q.empty_numbers),
            )
            .figure(
                "quality-not-owner",
                t.get("status.not_owner"),
                q.not_owner,
                "/customers?phone_status=not_owner".into(),
                tone(q.not_owner),
            )
            .figure(
                "quality-no-phone",
                t.get("home.quality.no_phone"),
                q.without_phone,
                "/customers".into(),
                tone(q.without_phone),
            );
        for (id, file, status, read, rejected) in &q.imports {
            p.lines.push(PanelLine {
                text: file.clone(),
                href: format!("/imports/{id}"),
                note: format!(
                    "{} · {}",
                    t.get(&format!("import.status.{status}")),
                    crate::core::http::i18n::tf(
                        t.0,
                        "home.quality.import_rows",
                        &[("read", read.to_string()), ("rejected", rejected.to_string())]
                    )
                ),
                tone: if *rejected > 0 { "warn" } else { "" },
            });
        }
        p.empty = t.get("home.quality.no_imports");
        vec![p
            .link(t.get("nav.imports"), "/imports")
            .link(t.get("nav.customers"), "/customers")]
    })
}
