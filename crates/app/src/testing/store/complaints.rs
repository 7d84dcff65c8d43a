//! Fixtures of the complaint tests: a brand → region → dealer tree with a complaint
//! manager, a general manager and a callback agent, and complaints to file.

use super::callbacks::{add_user, owner};
use super::World;
use crate::capabilities::accounts::data::orgs::NewOrg;
use crate::capabilities::complaints::data::flow::TransitionInput;
use crate::capabilities::complaints::data::intake::NewComplaint;
use crate::capabilities::complaints::rules::{Channel, State, Tier};
use crate::core::policy::PolicySetting;
use crate::Principal;
use dcrc_domain::{OrgKind, Role};

/// People of a dealer under a region, under the brand.
pub struct Desk {
    pub region_id: i64,
    pub dealer_id: i64,
    pub manager: Principal,
    pub gm: Principal,
    pub agent: Principal,
    pub region_staff: Principal,
    pub brand_staff: Principal,
    pub customer_id: i64,
    pub vehicle_id: i64,
}

/// A region with a dealer (`name`) and its people; the dealer's policy uses `preset`.
pub async fn desk(w: &World, name: &str, preset: &str) -> Desk {
    let root = w.store.test_user("root").await.unwrap();
    let org = |n: &str, kind, parent| NewOrg {
        name: n.into(),
        kind,
        parent_id: Some(parent),
        code: None,
    };
    let region = w
        .store
        .create_org(&root, org(&format!("{name}大区"), OrgKind::Region, root.org_id))
        .await
        .unwrap();
    let dealer = w
        .store
        .create_org(&root, org(name, OrgKind::Dealer, region.id))
        .await
        .unwrap();
    let setting = PolicySetting {
        preset: Some(preset.into()),
        overrides: serde_json::json!({}),
    };
    w.store.set_policy(&w.staff, dealer.id, setting).await.unwrap();
    let manager = add_user(w, &format!("{preset}-cm"), dealer.id, Role::ComplaintManager).await;
    let gm = add_user(w, &format!("{preset}-gm"), dealer.id, Role::GeneralManager).await;
    let agent = add_user(w, &format!("{preset}-agent"), dealer.id, Role::CallbackAgent).await;
    let region_staff = add_user(w, &format!("{preset}-region"), region.id, Role::BrandStaff).await;
    // The shared fixtures create customers as the World's agent; these belong to this dealer.
    let shop = World {
        store: w.store.clone(),
        agent: agent.clone(),
        other: w.other.clone(),
        staff: w.staff.clone(),
        clock: w.clock.clone(),
    };
    let (customer_id, vehicle_id) = owner(&shop, 500 + region.id as u32).await;
    Desk {
        region_id: region.id,
        dealer_id: dealer.id,
        manager,
        gm,
        agent,
        region_staff,
        brand_staff: w.staff.clone(),
        customer_id,
        vehicle_id,
    }
}

pub fn complaint(d: &Desk, tier: Tier, category: &str) -> NewComplaint {
    NewComplaint {
        customer_id: d.customer_id,
        vehicle_id: Some(d.vehicle_id),
        sale_id: None,
        repair_order_id: None,
        callback_task_id: None,
        channel: Channel::Phone,
        category: category.into(),
        tier,
        title: "保养后异响".into(),
        description: "客户反映保养后底盘异响，要求返修。".into(),
        staff_name: Some("王顾问".into()),
        filed_at: None,
    }
}

/// A move to `state` without a note.
pub fn to(state: State) -> TransitionInput {
    TransitionInput { to: state, note: None }
}
