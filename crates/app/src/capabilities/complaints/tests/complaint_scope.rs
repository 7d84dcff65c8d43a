//! Complaints across organisations: other dealers see nothing, agents file but do not
//! handle or read managers' notices, the tree above is notified, penalties are decided by
//! the brand once.

use crate::capabilities::complaints::data::intake::ComplaintFilter;
use crate::capabilities::complaints::data::penalties::PenaltyDecision;
use crate::capabilities::complaints::rules::{State, Tier};
use crate::test_db::test_databases;
use crate::testing::store::callbacks::sh;
use crate::testing::store::complaints::{complaint, desk, to};
use crate::testing::store::world;
use crate::StoreError;

#[tokio::test]
async fn other_dealers_see_nothing_and_agents_cannot_handle() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        w.clock.set(sh(2026, 3, 2, 10, 0));
        let d = desk(&w, "长安店", "changan").await;
        let c = w
            .store
            .file_complaint(&d.agent, complaint(&d, Tier::Major, "service_attitude"))
            .await
            .unwrap();
        assert!(
            matches!(w.store.get_complaint(&w.other, c.id).await, Err(StoreError::NotFound)),
            "{}",
            t.name
        );
        assert!(w
            .store
            .list_complaints(&w.other, &ComplaintFilter::default())
            .await
            .unwrap()
            .items
            .is_empty());
        assert!(matches!(
            w.store
                .transition_complaint(&w.other, c.id, to(State::Acknowledged))
                .await,
            Err(StoreError::Forbidden) | Err(StoreError::NotFound)
        ));
        assert!(matches!(
            w.store
                .transition_complaint(&d.agent, c.id, to(State::Acknowledged))
                .await,
            Err(StoreError::Forbidden)
        ));
        // Filing for another dealer's customer names the field.
        let mut foreign = complaint(&d, Tier::General, "other");
        foreign.customer_id = c.customer_id;
        let e = w.store.file_complaint(&w.other, foreign).await;
        assert!(matches!(e, Err(StoreError::Forbidden) | Err(StoreError::Invalid(_))));
        // The region and the brand see it (a major complaint is notified up the tree).
        assert_eq!(
            w.store
                .list_complaints(&d.region_staff, &ComplaintFilter::default())
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        let up = w.store.complaint_notifications(&d.region_staff).await.unwrap();
        assert_eq!(up[0].kind, "major_complaint");
        assert_eq!(w.store.complaint_notifications(&d.brand_staff).await.unwrap().len(), 1);
        // An agent files complaints but does not read the notices meant for managers.
        assert!(matches!(
            w.store.complaint_notifications(&d.agent).await,
            Err(StoreError::Forbidden)
        ));

        // Changan: a service-attitude complaint proposes 5,000 yuan for the brand to decide.
        let penalties = w.store.list_penalties(&d.gm, None).await.unwrap();
        assert_eq!(penalties.len(), 1);
        let p = &penalties[0];
        assert_eq!(
            (p.amount_fen, p.state.as_str(), p.complaint_id),
            (500_000, "proposed", Some(c.id))
        );
        assert!(w.store.list_penalties(&w.other, None).await.unwrap().is_empty());
        let decide = |state: &str, note: Option<&str>| PenaltyDecision {
            state: state.into(),
            note: note.map(str::to_string),
        };
        assert!(matches!(
            w.store.decide_penalty(&d.gm, p.id, decide("waived", Some("x"))).await,
            Err(StoreError::Forbidden)
        ));
        let e = w
            .store
            .decide_penalty(&d.brand_staff, p.id, decide("waived", None))
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].field == "note"));
        let done = w
            .store
            .decide_penalty(&d.brand_staff, p.id, decide("confirmed", None))
            .await
            .unwrap();
        assert_eq!(done.state, "confirmed");
        assert!(matches!(
            w.store
                .decide_penalty(&d.brand_staff, p.id, decide("waived", Some("改判")))
                .await,
            Err(StoreError::Conflict {
                code: "penalty_decided",
                ..
            })
        ));
        t.cleanup().await;
    }
}
