//! `/workshop/setup`: the dealer's bays and technicians, and the forms that add them.

use crate::capabilities::workshop::data::setup::{NewBay, NewTechnician};
use crate::capabilities::workshop::rules::capacity::BayKind;
use crate::core::http::error::ApiError;
use crate::core::http::extract::WebUser;
use crate::core::http::flash::{self, Flash};
use crate::core::http::form::Posted;
use crate::core::http::form_view::FormView;
use crate::core::http::layout::{render, Layout};
use crate::AppState;
use crate::Principal;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "capabilities/workshop/templates/setup.html")]
struct SetupPage {
    l: Layout,
    csrf: String,
    /// (name, kind label)
    bays: Vec<(String, String)>,
    /// (name, skill labels)
    technicians: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    bay: FormView,
    technician: FormView,
}

/// Which form a refusal belongs to.
enum Refused {
    Bay(FormView, ApiError),
    Technician(FormView, ApiError),
}

fn kind_label(l: &Layout, k: BayKind) -> String {
    l.t.get(&format!("bay.{}", k.as_str()))
}

async fn draw(state: &AppState, me: &Principal, refused: Option<Refused>) -> Response {
    let (bays, techs) = match (
        state.store.list_bays(me, None).await,
        state.store.list_technicians(me, None).await,
    ) {
        (Ok(b), Ok(t)) => (b, t),
        (Err(e), _) | (_, Err(e)) => return crate::core::http::layout::error_page(Some(me), e),
    };
    let l = Layout::new(Some(me), "/workshop");
    let bay_labels: &[(&str, &str)] = &[("name", "setup.bay_name"), ("kind", "setup.bay_kind")];
    let tech_labels: &[(&str, &str)] = &[("name", "setup.technician_name"), ("skills", "setup.skills")];
    let mut bay = FormView::new().labelled(&l.t, bay_labels).ids("bay");
    let mut technician = FormView::new().labelled(&l.t, tech_labels).ids("technician");
    let status = match &refused {
        Some(Refused::Bay(_, e) | Refused::Technician(_, e)) => e.status,
        None => StatusCode::OK,
    };
    match refused {
        Some(Refused::Bay(kept, e)) => {
            bay = kept
                .labelled(&l.t, bay_labels)
                .ids("bay")
                .with_error(&e, |f| f.to_string())
        }
        Some(Refused::Technician(kept, e)) => {
            technician = kept.labelled(&l.t, tech_labels).ids("technician").with_error(&e, |f| {
                if f.starts_with("skills") {
                    "skills".into()
                } else {
                    f.to_string()
                }
            });
        }
        None => {}
    }
    let view = SetupPage {
        csrf: me.csrf_token.clone(),
        bays: bays.iter().map(|b| (b.name.clone(), kind_label(&l, b.kind))).collect(),
        technicians: techs
            .iter()
            .map(|t| {
                let skills: Vec<String> = t.skills.iter().map(|k| kind_label(&l, *k)).collect();
                (t.name.clone(), skills.join("、"))
            })
            .collect(),
        kinds: BayKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), kind_label(&l, *k)))
            .collect(),
        bay,
        technician,
        l,
    };
    render(status, &view)
}

pub async fn page(State(state): State<AppState>, WebUser(me): WebUser) -> Response {
    draw(&state, &me, None).await
}

pub async fn add_bay(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let kept = FormView::submitted(&form);
    let Some(kind) = BayKind::parse(form.get("kind").unwrap_or("")) else {
        return draw(
            &state,
            &me,
            Some(Refused::Bay(kept, ApiError::field("kind", "required"))),
        )
        .await;
    };
    let input = NewBay {
        org_id: None,
        name: form.text("name"),
        kind,
    };
    match state.store.create_bay(&me, input).await {
        Ok(b) => flash::redirect("/workshop/setup", Flash::new("done.bay.created").with("name", b.name)),
        Err(e) => draw(&state, &me, Some(Refused::Bay(kept, e.into()))).await,
    }
}

pub async fn add_technician(State(state): State<AppState>, Posted(me, form): Posted) -> Response {
    let kept = FormView::submitted(&form);
    let input = NewTechnician {
        org_id: None,
        name: form.text("name"),
        skills: form.all("skills").into_iter().filter_map(BayKind::parse).collect(),
    };
    match state.store.create_technician(&me, input).await {
        Ok(t) => flash::redirect(
            "/workshop/setup",
            Flash::new("done.technician.created").with("name", t.name),
        ),
        Err(e) => draw(&state, &me, Some(Refused::Technician(kept, e.into()))).await,
    }
}
