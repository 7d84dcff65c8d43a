//! Demo complaints for the first dealer, so the complaint board opens with work in every
//! state: just filed, running out, breached and escalated, paused for parts, and a major
//! one for the general manager.

use chrono::Duration;
use dcrc_app::capabilities::archive::data::customer_search::CustomerFilter;
use dcrc_app::capabilities::complaints::data::flow::{PauseInput, TransitionInput};
use dcrc_app::capabilities::complaints::data::intake::NewComplaint;
use dcrc_app::capabilities::complaints::data::HandlingForm;
use dcrc_app::capabilities::complaints::rules::{Channel, State, Tier};
use dcrc_app::Store;

/// (hours ago, tier, category, channel, title, how far it got)
const CASES: &[(i64, Tier, &str, Channel, &str, State)] = &[
    (
        2,
        Tier::General,
        "waiting_time",
        Channel::Phone,
        "保养等待超过三小时",
        State::New,
    ),
    (
        20,
        Tier::General,
        "price_billing",
        Channel::WalkIn,
        "结算金额与报价不符",
        State::Acknowledged,
    ),
    (
        120,
        Tier::General,
        "repair_quality",
        Channel::BrandHotline,
        "空调维修后仍不制冷",
        State::InProgress,
    ),
    (
        30,
        Tier::Major,
        "product_quality",
        Channel::SocialMedia,
        "新车变速箱异响，要求换车",
        State::InProgress,
    ),
    (
        6,
        Tier::General,
        "service_attitude",
        Channel::ConsumerAssociation,
        "前台接待态度冷淡",
        State::Acknowledged,
    ),
];

pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let manager = store
        .operator_as(&dcrc_app::System::command_line(), "complaint")
        .await?;
    let filter = CustomerFilter {
        limit: Some(CASES.len() as i64),
        ..CustomerFilter::default()
    };
    let customers = store.search_customers(&manager, &filter).await?.items;
    let now = store.clock.now();
    for ((hours, tier, category, channel, title, reached), customer) in CASES.iter().zip(&customers) {
        let c = store
            .file_complaint(
                &manager,
                NewComplaint {
                    customer_id: customer.id,
                    vehicle_id: None,
                    sale_id: None,
                    repair_order_id: None,
                    callback_task_id: None,
                    channel: *channel,
                    category: (*category).into(),
                    tier: *tier,
                    title: (*title).into(),
                    description: format!("{}：{}", customer.name, title),
                    staff_name: None,
                    filed_at: Some(now - Duration::hours(*hours)),
                },
            )
            .await?;
        let go = |to: State| TransitionInput { to, note: None };
        if matches!(reached, State::Acknowledged | State::InProgress) {
            store
                .transition_complaint(&manager, c.id, go(State::Acknowledged))
                .await?;
        }
        if *reached == State::InProgress {
            store
                .transition_complaint(&manager, c.id, go(State::InProgress))
                .await?;
            let form = HandlingForm {
                responsible: Some("售后经理".into()),
                root_cause: None,
                measures: Some("已安排技师复检".into()),
                customer_agreement: None,
            };
            store.save_complaint_form(&manager, c.id, form, false).await?;
        }
        if *tier == Tier::Major {
            let parts = PauseInput {
                reason: "waiting_for_parts".into(),
                note: Some("变速箱总成已向厂家订货".into()),
            };
            store.pause_complaint(&manager, c.id, parts).await?;
        }
    }
    store.sweep_complaints(&dcrc_app::System::command_line()).await?;
    Ok(customers.len().min(CASES.len()))
}
