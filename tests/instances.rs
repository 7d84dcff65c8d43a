//! Two real `dcrc serve` processes on one PostgreSQL database: the same event arriving at
//! both, concurrently and repeatedly, creates each callback task once with one assignee;
//! the daily job runs once per day; and two agents recording a call on the same task at
//! the same moment cannot both close it. Runs when `DCRC_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// A minimal HTTP/1.1 client (no dependency needed for a handful of JSON calls).
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = body.unwrap_or("");
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\n{auth}content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        rest.to_string()
    };
    (status, body)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_dcrc"))
        .args(["--database", url, "serve", "--test-clock", "--listen", "127.0.0.1:0"])
        .env("DCRC_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Owned by the guard at once, so the process is killed and reaped however this ends.
    let mut server = Server(child, String::new());
    let mut out = std::io::BufReader::new(server.0.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "dcrc serve exited");
        if let Some(rest) = line.trim().strip_prefix("DCRC is serving on http://") {
            server.1 = rest.trim_end_matches('/').to_string();
            return server;
        }
    }
}

fn login(addr: &str, user: &str) -> String {
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&format!(r#"{{"username":"{user}","password":"a long password"}}"#)),
    );
    assert_eq!(status, 200, "{body}");
    json(&body)["token"].as_str().unwrap().to_string()
}

#[test]
fn two_servers_on_one_postgres_create_and_hand_out_each_task_once() {
    let Ok(base) = std::env::var("DCRC_TEST_POSTGRES_URL") else {
        eprintln!("skipped: set DCRC_TEST_POSTGRES_URL to run the two-instance test");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let schema = format!("instances_{}", std::process::id());
    rt.block_on(async {
        let admin = dcrc_app::Db::connect(&base, &Default::default()).await.unwrap();
        admin
            .execute(&dcrc_app::stmt(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
            .await
            .unwrap();
        admin
            .execute(&dcrc_app::stmt(format!("CREATE SCHEMA {schema}")))
            .await
            .unwrap();
        admin.close().await;
    });
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a long password").unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_dcrc"))
        .args([
            "--database",
            &url,
            "init",
            "--admin-user",
            "boss",
            "--admin-password-file",
        ])
        .arg(&pw)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));

    // A dealer with two callback agents, and a customer with a car.
    let (customer, vehicle) = rt.block_on(async {
        let db = dcrc_app::Db::connect(&url, &Default::default()).await.unwrap();
        let store = dcrc_app::Store::new(db, std::sync::Arc::new(dcrc_domain::SystemClock));
        let boss = store
            .operator_as(&dcrc_app::System::command_line(), "boss")
            .await
            .unwrap();
        let dealer = store
            .create_org(
                &boss,
                dcrc_app::capabilities::accounts::data::orgs::NewOrg {
                    name: "A店".into(),
                    kind: dcrc_domain::OrgKind::Dealer,
                    parent_id: Some(boss.org_id),
                    code: None,
                },
            )
            .await
            .unwrap();
        for name in ["agent1", "agent2"] {
            let u = dcrc_app::capabilities::accounts::data::users::NewUser {
                username: name.into(),
                password: "a long password".into(),
                display_name: name.into(),
                org_id: dealer.id,
                roles: vec![dcrc_domain::Role::CallbackAgent],
                locale: None,
            };
            store.create_user(&boss, u).await.unwrap();
        }
        let mut c = dcrc_app::capabilities::archive::data::customers::NewCustomer {
            name: "双实例".into(),
            org_id: Some(dealer.id),
            ..Default::default()
        };
        c.phones
            .push(dcrc_app::capabilities::archive::data::customers::PhoneInput {
                number: "13900009999".into(),
                status: None,
            });
        let c = store.create_customer(&boss, c).await.unwrap();
        let mut raw = [0u8; 17];
        raw.copy_from_slice(b"LGWEF4A5000000077");
        let vin = dcrc_domain::Vin::with_check_digit(raw).unwrap();
        let v = store
            .create_vehicle(
                &boss,
                dcrc_app::capabilities::archive::data::vehicles::NewVehicle {
                    org_id: Some(dealer.id),
                    vin: vin.as_str().into(),
                    owner_id: Some(c.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        store.close().await;
        (c.id, v.id)
    });

    let a = serve(&url);
    let b = serve(&url);
    let (ta, tb) = (login(&a.1, "boss"), login(&b.1, "boss"));
    // Both clocks to the same morning: both run the day's jobs at once.
    let now = r#"{"now":"2026-11-23T09:00:00+08:00"}"#;
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(http(&a.1, "PUT", "/api/v1/test/clock", None, Some(now)).0, 200));
        s.spawn(|| assert_eq!(http(&b.1, "PUT", "/api/v1/test/clock", None, Some(now)).0, 200));
    });
    // The same delivery posted eight times, four to each server, all at once.
    let sale = format!(r#"{{"customer_id":{customer},"vehicle_id":{vehicle},"delivery_date":"2026-11-23"}}"#);
    std::thread::scope(|s| {
        for i in 0..8 {
            let (addr, token, sale) = if i % 2 == 0 {
                (&a.1, &ta, &sale)
            } else {
                (&b.1, &tb, &sale)
            };
            s.spawn(move || {
                let (status, body) = http(addr, "POST", "/api/v1/sales", Some(token), Some(sale));
                assert_eq!(status, 201, "{body}");
            });
        }
    });
    let (status, body) = http(
        &a.1,
        "GET",
        &format!("/api/v1/callbacks?customer_id={customer}"),
        Some(&ta),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let tasks = json(&body)["items"].as_array().cloned().unwrap();
    let kinds: Vec<_> = tasks
        .iter()
        .map(|t| t["task_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, vec!["sales_first", "sales_second"], "each task once: {body}");
    let assignees: Vec<_> = tasks.iter().map(|t| t["assignee_id"].as_i64()).collect();
    assert!(assignees.iter().all(Option::is_some), "{body}");
    assert_ne!(assignees[0], assignees[1], "round-robin across the two agents");

    // The first task's agent calls from both servers at the same moment: one call closes
    // it, the other is told it is closed.
    let first = tasks[0]["id"].as_i64().unwrap();
    // Display names equal usernames here.
    let agent = tasks[0]["assignee_name"].as_str().unwrap();
    let (aa, ab) = (login(&a.1, agent), login(&b.1, agent));
    let call = r#"{"outcome":"refused"}"#;
    let path = format!("/api/v1/callbacks/{first}/attempts");
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let x = s.spawn(|| http(&a.1, "POST", &path, Some(&aa), Some(call)).0);
        let y = s.spawn(|| http(&b.1, "POST", &path, Some(&ab), Some(call)).0);
        vec![x.join().unwrap(), y.join().unwrap()]
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![201, 409], "{statuses:?}");
    let (_, body) = http(&b.1, "GET", &format!("/api/v1/callbacks/{first}"), Some(&ab), None);
    assert_eq!(json(&body)["attempts"].as_array().map(Vec::len), Some(1), "{body}");

    // Each day's job ran once although both servers were up.
    let per_key = rt.block_on(async {
        let db = dcrc_app::Db::connect(&url, &Default::default()).await.unwrap();
        let rows = db
            .fetch_all(&dcrc_app::stmt(
                "SELECT idempotency_key, COUNT(*) AS n FROM jobs WHERE kind = 'callbacks_daily' AND state = 'done' GROUP BY idempotency_key",
            ))
            .await
            .unwrap();
        db.close().await;
        rows.iter().map(|r| r.i64("n").unwrap()).collect::<Vec<_>>()
    });
    assert!(!per_key.is_empty() && per_key.iter().all(|n| *n == 1), "{per_key:?}");
    drop((a, b));
    rt.block_on(async {
        let admin = dcrc_app::Db::connect(&base, &Default::default()).await.unwrap();
        admin
            .execute(&dcrc_app::stmt(format!("DROP SCHEMA {schema} CASCADE")))
            .await
            .unwrap();
        admin.close().await;
    });
}
