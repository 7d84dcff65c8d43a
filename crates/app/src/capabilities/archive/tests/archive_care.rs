//! Duplicates and merging, PIPL requests, segments — on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::test_db::test_databases;
use crate::StoreError;
use common::{customer, world};

#[tokio::test]
async fn segments_count_live_in_the_readers_scope() {
    for t in test_databases().await.unwrap() {
        let w = world(t.db.clone()).await;
        let filter = crate::capabilities::archive::data::segments::SegmentFilter {
            city: Some("广州".into()),
            ..Default::default()
        };
        let s = w
            .store
            .create_segment(
                &w.staff,
                crate::capabilities::archive::data::segments::NewSegment {
                    name: "广州客户".into(),
                    filter,
                },
            )
            .await
            .unwrap();
        assert_eq!(s.count, 0);
        w.store
            .create_customer(&w.agent, customer("甲", "13800000011"))
            .await
            .unwrap();
        w.store
            .create_customer(&w.other, customer("乙", "13800000012"))
            .await
            .unwrap();
        assert_eq!(
            w.store.get_segment(&w.staff, s.id).await.unwrap().count,
            2,
            "{}",
            t.name
        );
        // A dealer sees the brand's segment, counted over its own customers only.
        let seen = w.store.list_segments(&w.agent).await.unwrap();
        assert_eq!((seen.len(), seen[0].count), (1, 1));
        assert!(
            matches!(w.store.delete_segment(&w.agent, s.id).await, Err(StoreError::NotFound)),
            "only the owner org deletes"
        );
        t.cleanup().await;
    }
}
