//! Races, with real parallel clients: 20 requests at once against a real server on each
//! database and, on PostgreSQL, spread over two instances sharing the database. Each
//! scenario states the one outcome the rules allow, and checks the data afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::testing::web as common;

use common::live::{burst, request, tally};
use common::{TestApp, PW};
use serde_json::{json, Value};

const CLIENTS: usize = 20;

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    app.store
        .raw_db()
        .fetch_one(&crate::stmt(sql).bind(id))
        .await
        .unwrap()
        .i64("n")
        .unwrap()
}

fn ok(answers: &[(u16, Value)]) -> usize {
    answers.iter().filter(|(s, _)| (200..300).contains(s)).count()
}

fn no_server_errors(what: &str, answers: &[(u16, Value)]) {
    assert!(
        answers.iter().all(|(s, _)| *s < 500),
        "{what}: {:?}",
        answers.iter().filter(|(s, _)| *s >= 500).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_clients_at_once_change_each_thing_once() {
    for app in TestApp::all(false).await {
        let srv = app.servers().await;
        let db = app.db_name;
        let root = app.login("root").await;

        // 1. The same new number posted 20 times: one customer, 19 duplicates.
        let body = json!({"org_id": app.fx.dealer_a, "name": "并发客户", "kind": "person", "phones": [{"number": "137 0000 9999"}]});
        let r = burst(&srv, CLIENTS, "POST", "/api/v1/customers", &root, Some(body)).await;
        no_server_errors("same phone", &r);
        assert_eq!(tally(&r), vec![(201, 1), (409, CLIENTS - 1)], "{db}: same phone");
        assert!(r.iter().all(|(s, b)| *s == 201 || b["code"] == "duplicate_customer"));
        let live = app
            .store
            .raw_db()
            .fetch_one(&crate::stmt(
                "SELECT COUNT(*) AS n FROM customer_phones p JOIN customers c ON c.id = p.customer_id \
                 WHERE p.digits = '13700009999' AND c.merged_into IS NULL",
            ))
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(live, 1, "{db}: one customer has the number");

        // 2. Opposite merges at once (x←y and y←x): exactly one happens, one survivor.
        let twin = |name: &str| json!({"org_id": app.fx.dealer_a, "name": name, "kind": "person", "allow_duplicate": true, "phones": [{"number": "13700008888"}]});
        let (_, x) = request(srv[0], "POST", "/api/v1/customers", Some(&root), Some(&twin("甲"))).await;
        let (_, y) = request(srv[0], "POST", "/api/v1/customers", Some(&root), Some(&twin("乙"))).await;
        let (x, y) = (x["id"].as_i64().unwrap(), y["id"].as_i64().unwrap());
        let merge_paths: Vec<(String, i64)> = (0..CLIENTS)
            .map(|i| {
                if i % 2 == 0 {
                    (format!("/api/v1/customers/{x}/merge"), y)
                } else {
                    (format!("/api/v1/customers/{y}/merge"), x)
                }
            })
            .collect();
        let mut tasks = Vec::new();
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
        for (i, (path, from)) in merge_paths.into_iter().enumerate() {
            let (addr, token, start) = (srv[i % srv.len()], root.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                request(addr, "POST", &path, Some(&token), Some(&json!({ "from": from }))).await
            }));
        }
        let mut r = Vec::new();
        for t in tasks {
            r.push(t.await.unwrap());
        }
        no_server_errors("opposite merges", &r);
        assert_eq!(ok(&r), 1, "{db}: one merge: {:?}", tally(&r));
        let (sx, _) = request(srv[0], "GET", &format!("/api/v1/customers/{x}"), Some(&root), None).await;
        let (sy, _) = request(srv[0], "GET", &format!("/api/v1/customers/{y}"), Some(&root), None).await;
        assert_eq!(
            [sx, sy].iter().filter(|s| **s == 200).count(),
            1,
            "{db}: exactly one survivor ({sx}, {sy})"
        );
        let survivor = if sx == 200 { x } else { y };
        let phones = count(
            &app,
            "SELECT COUNT(*) AS n FROM customer_phones WHERE customer_id = $1",
            survivor,
        )
        .await;
        assert_eq!(phones, 1, "{db}: the survivor keeps the number");

        // 3. A customer's numbers replaced by 20 clients at once: one of the lists wins whole.
        let mut tasks = Vec::new();
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
        for i in 0..CLIENTS {
            let (addr, token, start) = (srv[i % srv.len()], root.clone(), start.clone());
            let path = format!("/api/v1/customers/{survivor}");
            let body = json!({"phones": [{"number": format!("1360000{:04}", i * 2)}, {"number": format!("1360000{:04}", i * 2 + 1)}]});
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                request(addr, "PATCH", &path, Some(&token), Some(&body)).await
            }));
        }
        let mut r = Vec::new();
        for t in tasks {
            r.push(t.await.unwrap());
        }
        no_server_errors("phone lists", &r);
        assert!(ok(&r) >= 1, "{db}: {:?}", tally(&r));
        let phones = count(
            &app,
            "SELECT COUNT(*) AS n FROM customer_phones WHERE customer_id = $1",
            survivor,
        )
        .await;
        assert_eq!(phones, 2, "{db}: one list of two numbers, not a mixture");

        // 4. Twenty "no answer" calls on one task: never more attempts than the policy allows.
        let agent = app.login("a.agent").await;
        let task = app.fx.callback_a;
        let path = format!("/api/v1/callbacks/{task}/attempts");
        let r = burst(
            &srv,
            CLIENTS,
            "POST",
            &path,
            &agent,
            Some(json!({"outcome": "no_answer"})),
        )
        .await;
        no_server_errors("attempts", &r);
        let (_, detail) = request(srv[0], "GET", &format!("/api/v1/callbacks/{task}"), Some(&agent), None).await;
        let max = detail["max_attempts"].as_i64().unwrap_or(3);
        let recorded = count(
            &app,
            "SELECT COUNT(*) AS n FROM callback_attempts WHERE task_id = $1",
            task,
        )
        .await;
        assert_eq!(ok(&r) as i64, recorded, "{db}: one attempt per success");
        assert!(recorded <= max, "{db}: {recorded} attempts, at most {max}");
        let attempts = count(&app, "SELECT attempts AS n FROM callback_tasks WHERE id = $1", task).await;
        assert_eq!(attempts, recorded, "{db}: the counter agrees");
        assert!(r
            .iter()
            .all(|(s, b)| (200..300).contains(s) || b["code"] == "task_closed" || b["code"] == "concurrent_update"));

        // 5. A complaint acknowledged by 20 clients: one transition.
        let cm = app.login("b.cm").await;
        let complaint = app.fx.complaint_b;
        let path = format!("/api/v1/complaints/{complaint}/transitions");
        let r = burst(&srv, CLIENTS, "POST", &path, &cm, Some(json!({"to": "acknowledged"}))).await;
        no_server_errors("acknowledge", &r);
        assert_eq!(ok(&r), 1, "{db}: one acknowledgement: {:?}", tally(&r));
        let moves = count(
            &app,
            "SELECT COUNT(*) AS n FROM complaint_events WHERE complaint_id = $1 AND to_state = 'acknowledged'",
            complaint,
        )
        .await;
        assert_eq!(moves, 1, "{db}: one transition recorded");

        // 6. Paused by 20 clients: one open pause.
        let path = format!("/api/v1/complaints/{complaint}/pause");
        let r = burst(
            &srv,
            CLIENTS,
            "POST",
            &path,
            &cm,
            Some(json!({"reason": "waiting_for_parts"})),
        )
        .await;
        no_server_errors("pause", &r);
        assert_eq!(ok(&r), 1, "{db}: one pause: {:?}", tally(&r));
        let open = count(
            &app,
            "SELECT COUNT(*) AS n FROM complaint_pauses WHERE complaint_id = $1 AND until_at IS NULL",
            complaint,
        )
        .await;
        assert_eq!(open, 1, "{db}: one open pause");

        // 7. Twenty wrong passwords at once: at most five are checked, the rest throttled,
        //    and the right password after them is refused too.
        let wrong = json!({"username": "a.admin", "password": "not-the-password"});
        let r = burst(&srv, CLIENTS, "POST", "/api/v1/auth/login", "", Some(wrong)).await;
        no_server_errors("logins", &r);
        let checked = r.iter().filter(|(s, _)| *s == 401).count();
        assert!(checked <= 5, "{db}: {checked} passwords checked: {:?}", tally(&r));
        assert_eq!(checked + r.iter().filter(|(s, _)| *s == 429).count(), CLIENTS);
        let right = json!({"username": "a.admin", "password": PW});
        let (s, b) = request(srv[0], "POST", "/api/v1/auth/login", None, Some(&right)).await;
        assert_eq!((s, b["code"].as_str()), (429, Some("too_many_attempts")), "{db}");
        // A name nobody has is throttled the same way: the answers do not tell.
        let ghost = json!({"username": "ghost.user", "password": "not-the-password"});
        let r = burst(&srv, CLIENTS, "POST", "/api/v1/auth/login", "", Some(ghost)).await;
        assert!(
            r.iter().filter(|(s, _)| *s == 401).count() <= 5,
            "{db}: {:?}",
            tally(&r)
        );
        assert!(
            r.iter().any(|(s, _)| *s == 429),
            "{db}: unknown names are throttled too"
        );

        app.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_brand_administrators_demoting_each_other_leave_one() {
    for app in TestApp::all(false).await {
        let srv = app.servers().await;
        let root = app.login("root").await;
        let body = json!({"username": "root2", "password": PW, "display_name": "第二管理员", "org_id": app.fx.brand, "roles": ["admin"]});
        let (s, created) = request(srv[0], "POST", "/api/v1/users", Some(&root), Some(&body)).await;
        assert_eq!(s, 201, "{created}");
        let root2 = app.login("root2").await;
        let root_id = app.store.test_user("root").await.unwrap().user_id;
        let root2_id = created["id"].as_i64().unwrap();
        let demote = json!({"roles": ["brand_staff"]});
        let a = {
            let (addr, t, d) = (srv[0], root.clone(), demote.clone());
            tokio::spawn(async move {
                request(addr, "PATCH", &format!("/api/v1/users/{root2_id}"), Some(&t), Some(&d)).await
            })
        };
        let b = {
            let (addr, t, d) = (srv[srv.len() - 1], root2.clone(), demote.clone());
            tokio::spawn(async move {
                request(addr, "PATCH", &format!("/api/v1/users/{root_id}"), Some(&t), Some(&d)).await
            })
        };
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert!(a.0 < 500 && b.0 < 500, "{a:?} {b:?}");
        let admins = app
            .store
            .raw_db()
            .fetch_one(
                &crate::stmt(
                    "SELECT COUNT(*) AS n FROM users u JOIN user_roles r ON r.user_id = u.id WHERE u.org_id = $1 AND r.role = 'admin' AND u.active = TRUE",
                )
                .bind(app.fx.brand),
            )
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(admins, 1, "{}: {a:?} {b:?}", app.db_name);
        app.cleanup().await;
    }
}
