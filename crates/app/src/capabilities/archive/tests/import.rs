//! Imports on both databases: encodings and formats, header recognition, reconciliation,
//! idempotency, dry runs, row errors, and recovery from an interrupted import.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::store as common;

use crate::capabilities::archive::data::import::{ImportKind, ImportOptions, BATCH_ROWS};
use crate::stmt;
use crate::test_db::test_databases;
use common::imports::*;

#[tokio::test]
async fn owner_lists_create_customers_vehicles_and_ownership_idempotently() {
    for t in test_databases().await.unwrap() {
        let (store, who, dealer) = setup(t.db.clone()).await;
        let text = owner_list(30);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let path = file("owners.csv", &gbk);
        let dry = run(&store, &who, dealer, ImportKind::Customers, &path, true).await;
        assert_eq!(
            (dry.rows_read, dry.rows_inserted, dry.status.as_str()),
            (30, 30, "done"),
            "{}",
            t.name
        );
        assert_eq!(count(&store, "customers").await, 0, "a dry run writes nothing");
        let first = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!((first.rows_read, first.rows_inserted, first.rows_rejected), (30, 30, 0));
        assert!(reconciles(&first));
        assert_eq!(
            (
                count(&store, "customers").await,
                count(&store, "vehicles").await,
                count(&store, "ownerships").await
            ),
            (30, 30, 30)
        );
        let again = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(
            (again.rows_read, again.rows_unchanged),
            (30, 30),
            "re-importing changes nothing ({})",
            t.name
        );
        assert_eq!(count(&store, "customers").await, 30);
        let c = store
            .search_customers(
                &who,
                &crate::capabilities::archive::data::customer_search::CustomerFilter {
                    q: Some("13700000007".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let c = store.get_customer(&who, c.items[0].id).await.unwrap();
        assert_eq!(
            (
                c.name.as_str(),
                c.source_record_id.as_deref(),
                c.vehicles[0].plate.as_deref()
            ),
            ("客户7", Some("C00007"), Some("粤A00007"))
        );
        assert_eq!(
            c.vehicles[0].start_date.to_string(),
            "2023-05-08",
            "ownership from the delivery date"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bad_rows_are_rejected_with_row_column_value_and_reason() {
    for t in test_databases().await.unwrap() {
        let (store, who, dealer) = setup(t.db.clone()).await;
        let csv = format!(
            "\u{feff}Name,Mobile,VIN,Plate,Purchase Date\n好客户,13811112222,{},粤A12345,2024-01-02\n坏电话,12345,,,\n坏车架,13811113333,LGWEF4A5XP0000001,粤A1,2024-13-01\n,13811114444,,,\n",
            vin(1)
        );
        let path = file("mixed.csv", csv.as_bytes());
        let r = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(
            (r.rows_read, r.rows_inserted, r.rows_rejected),
            (4, 1, 3),
            "{}: {r:?}",
            t.name
        );
        assert!(reconciles(&r));
        let errors = store.import_errors(&who, r.id).await.unwrap();
        let summary: Vec<_> = errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (3, "Mobile", "phone_format"),
                (4, "VIN", "vin_check_digit"),
                (4, "Plate", "plate_format"),
                (4, "Purchase Date", "date_format"),
                (5, "Name", "required")
            ]
        );
        assert_eq!(errors[0].value, "12345");
        assert_eq!(count(&store, "customers").await, 1, "rejected rows wrote nothing");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn history_files_attach_to_the_right_customer_and_vehicle() {
    for t in test_databases().await.unwrap() {
        let (store, who, dealer) = setup(t.db.clone()).await;
        run(
            &store,
            &who,
            dealer,
            ImportKind::Customers,
            &file("o.csv", owner_list(3).as_bytes()),
            false,
        )
        .await;
        let repairs = format!(
            "工单号,车架号,进厂日期,维修类型,进厂里程,工时费,材料费,服务顾问,故障描述\nRO1,{v1},2024-03-01,首保,3000,0,380.00,陈晨,\nRO2,{v1},2024-09-01,一般维修,\"12,000\",\"1,200.50\",99.5,陈晨,异响\nRO3,{v9},2024-09-01,保养,5000,100,100,陈晨,\n",
            v1 = vin(1),
            v9 = vin(9)
        );
        let r = run(
            &store,
            &who,
            dealer,
            ImportKind::RepairOrders,
            &file("ro.csv", repairs.as_bytes()),
            false,
        )
        .await;
        // The unknown vehicle has no owner on file: rejected, naming why.
        assert_eq!((r.rows_inserted, r.rows_rejected), (2, 1), "{}: {r:?}", t.name);
        assert_eq!(store.import_errors(&who, r.id).await.unwrap()[0].code, "no_customer");
        let again = run(
            &store,
            &who,
            dealer,
            ImportKind::RepairOrders,
            &file("ro.csv", repairs.as_bytes()),
            false,
        )
        .await;
        assert_eq!(again.rows_unchanged, 2);
        let total: i64 = store
            .raw_db()
            .fetch_one(&stmt("SELECT total_fen FROM repair_orders WHERE ro_number = 'RO2'"))
            .await
            .unwrap()
            .i64("total_fen")
            .unwrap();
        assert_eq!(total, 130_000, "1,200.50 + 99.50 yuan in fen");
        let ins = format!(
            "车架号,保险公司,险种,起保日期,到期日期,保费\n{},平安保险,商业险,2024-05-08,2025-05-07,4500\n",
            vin(2)
        );
        let r = run(
            &store,
            &who,
            dealer,
            ImportKind::Insurance,
            &file("ins.csv", ins.as_bytes()),
            false,
        )
        .await;
        assert_eq!(r.rows_inserted, 1, "{r:?}");
        let sales = format!(
            "客户姓名,手机,车架号,交车日期,成交价,销售顾问\n新客户,13900009999,{},2025-01-05,\"138,900\",冯磊\n",
            vin(50)
        );
        let r = run(
            &store,
            &who,
            dealer,
            ImportKind::Sales,
            &file("sales.csv", sales.as_bytes()),
            false,
        )
        .await;
        assert_eq!(r.rows_inserted, 1, "{r:?}");
        assert_eq!(
            store
                .raw_db()
                .fetch_one(&stmt("SELECT amount_fen FROM sales"))
                .await
                .unwrap()
                .i64("amount_fen")
                .unwrap(),
            13_890_000
        );
        // A file without a required column fails as a whole, saying which.
        let r = run(
            &store,
            &who,
            dealer,
            ImportKind::Insurance,
            &file("bad.csv", "车架号,保费\nX,1\n".as_bytes()),
            false,
        )
        .await;
        assert_eq!(r.status, "failed");
        assert_eq!(r.message_code.as_deref(), Some("file.missing_columns"));
        assert!(r.message_params["columns"].contains("insurer"));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn xlsx_files_import_like_csv() {
    for t in test_databases().await.unwrap() {
        let (store, who, dealer) = setup(t.db.clone()).await;
        let mut sheet = dcrc_io::write::XlsxSheet::new("客户", &["姓名", "联系电话", "VIN码", "车型"]).unwrap();
        sheet
            .push(&["王五".into(), "139 0000 5555".into(), vin(5), "坦克300".into()])
            .unwrap();
        let path = file("owners.xlsx", &sheet.finish().unwrap());
        let r = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!((r.rows_read, r.rows_inserted), (1, 1), "{}: {r:?}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_interrupted_import_leaves_whole_batches_and_can_be_run_again() {
    for t in test_databases().await.unwrap() {
        let ((store, who, dealer), clock) = setup_with_clock(t.db.clone()).await;
        let total = BATCH_ROWS as i64 * 2 + 200;
        let path = file("big.csv", owner_list(total as u32).as_bytes());
        let import = store
            .start_import(&who, ImportKind::Customers, dealer, "big.csv", false)
            .await
            .unwrap();
        // The worker dies as soon as the first batch is committed, as a crash would. (It
        // panics at the batch boundary: aborting the task at an arbitrary await left sqlx
        // with a half-sent query whose transaction sometimes outlived the test's rerun,
        // which then waited on its row locks. A real mid-batch SIGKILL is tests/cli.rs.)
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<i64>();
        let (s2, w2, p2) = (store.clone(), who.clone(), path.clone());
        let task = tokio::spawn(async move {
            let _ = s2
                .run_import(&w2, import.id, &p2, &ImportOptions::default(), &move |n| {
                    let _ = tx.send(n);
                    panic!("the import worker crashes after its first batch");
                })
                .await;
        });
        assert_eq!(rx.recv().await, Some(BATCH_ROWS as i64));
        assert!(task.await.unwrap_err().is_panic());
        let stored = count(&store, "customers").await;
        assert_eq!(
            stored % BATCH_ROWS as i64,
            0,
            "only whole batches are stored ({})",
            t.name
        );
        clock.advance(chrono::Duration::minutes(11));
        assert_eq!(
            store.mark_interrupted_imports(&crate::testing::system()).await.unwrap(),
            1
        );
        assert_eq!(
            store.get_import(&who, import.id).await.unwrap().message_code.as_deref(),
            Some("import.interrupted")
        );
        let rerun = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(rerun.rows_unchanged, stored);
        assert_eq!(rerun.rows_inserted, total - stored);
        assert_eq!(count(&store, "customers").await, total);
        t.cleanup().await;
    }
}

/// New rows take the batch fast path, rows that repeat a phone, a VIN or a source id of an
/// earlier row take the row path; the result must be what applying the rows one by one gives.
#[tokio::test]
async fn rows_repeating_earlier_rows_of_the_same_batch_are_applied_in_file_order() {
    for t in test_databases().await.unwrap() {
        let (store, who, dealer) = setup(t.db.clone()).await;
        let text = format!(
            "客户编号,客户姓名,手机号,车架号,交车日期\n\
             C1,张三,13800000001,{v1},2023-01-01\n\
             C1,张三,13800000001,{v7},2023-01-15\n\
             ,李四,13800000002,{v2},2023-02-01\n\
             ,张三,13800000001,{v3},2023-03-01\n\
             ,王五,13800000004,{v2},2024-04-01\n\
             ,,13800000005,{v5},2024-05-01\n\
             C1,张三,13800000006,,\n",
            v1 = vin(1),
            v2 = vin(2),
            v3 = vin(3),
            v5 = vin(5),
            v7 = vin(7)
        );
        let path = file("mixed.csv", text.as_bytes());
        let r = run(&store, &who, dealer, ImportKind::Customers, &path, false).await;
        assert_eq!(
            (r.rows_read, r.rows_inserted, r.rows_updated, r.rows_rejected),
            (7, 3, 3, 1),
            "{}",
            t.name
        );
        let errors = store.import_errors(&who, r.id).await.unwrap();
        assert_eq!((errors[0].row, errors[0].code.as_str()), (7, "required"));
        assert_eq!(
            (
                count(&store, "customers").await,
                count(&store, "vehicles").await,
                count(&store, "ownerships").await
            ),
            (3, 4, 5),
            "{}",
            t.name
        );
        let find = |q: &str| crate::capabilities::archive::data::customer_search::CustomerFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let zhang = store.search_customers(&who, &find("13800000006")).await.unwrap().items;
        let zhang = store.get_customer(&who, zhang[0].id).await.unwrap();
        assert_eq!(zhang.name, "张三");
        assert_eq!(zhang.phones.len(), 2, "{}", t.name);
        let mut vins: Vec<String> = zhang.vehicles.iter().map(|v| v.vin.clone()).collect();
        vins.sort();
        let mut want = vec![vin(1), vin(3), vin(7)];
        want.sort();
        assert_eq!(vins, want, "{}", t.name);
        let wang = store.search_customers(&who, &find("13800000004")).await.unwrap().items;
        let wang = store.get_customer(&who, wang[0].id).await.unwrap();
        assert_eq!(wang.vehicles[0].vin, vin(2), "the second owner has the car now");
        let li = store.search_customers(&who, &find("13800000002")).await.unwrap().items;
        let li = store.get_customer(&who, li[0].id).await.unwrap();
        assert!(
            li.vehicles.iter().all(|v| v.vin != vin(2) || v.end_date.is_some()),
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}
