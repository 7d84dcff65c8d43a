//! Complaint attachments on both databases: typed by content, limited in size, stored once
//! by hash, served only in scope.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::complaints::rules::Tier;
use crate::test_db::test_databases;
use crate::StoreError;
use common::callbacks::sh;
use common::complaints::{complaint, desk};
use common::world;

#[tokio::test]
async fn attachments_are_typed_by_content_limited_in_size_and_served_in_scope() {
    for t in test_databases().await.unwrap() {
        let mut w = world(t.db.clone()).await;
        let dir = std::env::temp_dir().join(format!("dcrc-test-files-{}-{}", std::process::id(), t.name));
        w.store = w.store.clone().with_files_dir(&dir);
        w.clock.set(sh(2026, 3, 2, 10, 0));
        let d = desk(&w, "长安店", "changan").await;
        let c = w
            .store
            .file_complaint(&d.manager, complaint(&d, Tier::General, "repair_quality"))
            .await
            .unwrap();
        let photo = b"\xFF\xD8\xFF\xE0 a photo of the scratch".to_vec();
        let a = w
            .store
            .attach_to_complaint(&d.agent, c.id, "../划痕.jpg", &photo)
            .await
            .unwrap();
        assert_eq!(
            (a.content_type.as_str(), a.file_name.as_str()),
            ("image/jpeg", "划痕.jpg"),
            "{}",
            t.name
        );
        let (meta, bytes) = w.store.complaint_attachment_file(&d.manager, c.id, a.id).await.unwrap();
        assert_eq!((meta.size_bytes, bytes), (photo.len() as i64, photo.clone()));
        // The same file twice is stored once on disk.
        w.store
            .attach_to_complaint(&d.manager, c.id, "again.jpg", &photo)
            .await
            .unwrap();
        let stored = std::fs::read_dir(dir.join("complaints").join(&a.sha256[..2]))
            .unwrap()
            .count();
        assert_eq!(stored, 1);
        let detail = w.store.get_complaint(&d.manager, c.id).await.unwrap();
        assert_eq!(detail.attachments.len(), 2);
        assert!(detail.events.iter().any(|e| e.kind == "attachment"));

        // An executable named .jpg, and a PDF over 20 MB, are refused naming the file.
        let e = w
            .store
            .attach_to_complaint(&d.agent, c.id, "photo.jpg", b"MZ\x90\0exe")
            .await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].field == "file" && e.0[0].code == "file_type"));
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(20 * 1024 * 1024 + 1, b' ');
        let e = w.store.attach_to_complaint(&d.agent, c.id, "scan.pdf", &big).await;
        assert!(matches!(e, Err(StoreError::Invalid(ref e)) if e.0[0].code == "file_too_large"));
        // Another dealer neither sees nor adds.
        assert!(matches!(
            w.store.complaint_attachment_file(&w.other, c.id, a.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            w.store.attach_to_complaint(&w.other, c.id, "x.jpg", &photo).await,
            Err(StoreError::NotFound)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        t.cleanup().await;
    }
}
