//! The `dcrc` binary's operator commands, run as a user would run them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::process::Command;

fn dcrc(db: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dcrc"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("DCRC_LOG", "info")
        .env("DCRC_LISTNE", "typo")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn init_creates_the_first_admin_once_and_user_commands_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a long password\n").unwrap();
    let (ok, text) = dcrc(
        &db,
        &[
            "init",
            "--admin-user",
            "Boss",
            "--admin-password-file",
            pw.to_str().unwrap(),
            "--brand",
            "长安汽车",
        ],
    );
    assert!(ok, "{text}");
    assert!(text.contains("administrator \"boss\""), "{text}");
    assert!(
        text.contains("unknown DCRC_* environment variable") && text.contains("DCRC_LISTNE"),
        "warns about typos: {text}"
    );
    let (ok, text) = dcrc(&db, &["init", "--admin-user", "other"]);
    assert!(!ok, "a second init is refused");
    assert!(text.contains("cannot be initialised again"), "{text}");
    let (ok, text) = dcrc(&db, &["user", "orgs"]);
    assert!(ok && text.contains("长安汽车"), "{text}");
    let (ok, text) = dcrc(
        &db,
        &[
            "user",
            "create",
            "--username",
            "ops",
            "--display-name",
            "运维",
            "--org-id",
            "1",
            "--role",
            "brand_staff",
        ],
    );
    assert!(ok, "{text}");
    assert!(text.contains("generated password (shown only now): "), "{text}");
    let (ok, text) = dcrc(
        &db,
        &[
            "user",
            "create",
            "--username",
            "x",
            "--display-name",
            "x",
            "--org-id",
            "1",
            "--role",
            "callback_agent",
        ],
    );
    assert!(!ok);
    assert!(
        text.contains("username: must be 3 to 32 characters long") && text.contains("roles: role callback_agent"),
        "{text}"
    );
    let (ok, text) = dcrc(&db, &["user", "deactivate", "--username", "ops"]);
    assert!(ok, "{text}");
    let (ok, text) = dcrc(&db, &["user", "list"]);
    assert!(ok && text.contains("ops") && text.contains("inactive"), "{text}");
    let (ok, text) = dcrc(&db, &["migrate"]);
    assert!(ok && text.contains("schema at version "), "{text}");
}

#[test]
fn database_passwords_never_appear_in_output() {
    let (ok, text) = dcrc("postgres://dcrc:hunter2secret@127.0.0.1:1/dcrc", &["migrate"]);
    assert!(!ok);
    assert!(text.contains("postgres://dcrc:***@127.0.0.1:1/dcrc"), "{text}");
    assert!(!text.contains("hunter2secret"), "{text}");
}

#[test]
fn a_bad_database_url_is_explained() {
    let (ok, text) = dcrc("mysql://x", &["migrate"]);
    assert!(!ok);
    assert!(text.contains("sqlite: or postgres://"), "{text}");
}

fn owner_csv(rows: u32) -> String {
    let mut s = String::from("客户姓名,手机号,车架号,车型,交车日期\n");
    for i in 1..=rows {
        let mut raw = [0u8; 17];
        raw.copy_from_slice(format!("LGWEF4A50K{i:07}").as_bytes());
        let vin = dcrc_domain::Vin::with_check_digit(raw).unwrap();
        s.push_str(&format!(
            "客户{i},{},{},哈弗H6,2024-0{}-1{}\n",
            13_600_000_000u64 + u64::from(i),
            vin.as_str(),
            1 + i % 9,
            i % 10
        ));
    }
    s
}

#[test]
fn an_import_killed_with_sigkill_can_be_run_again_to_completion() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a long password").unwrap();
    assert!(
        dcrc(
            &db,
            &[
                "init",
                "--admin-user",
                "boss",
                "--admin-password-file",
                pw.to_str().unwrap()
            ]
        )
        .0
    );
    let (_, orgs) = dcrc(&db, &["user", "orgs"]);
    assert!(orgs.contains("brand"));
    // A dealer to import into, created through the operator commands' store.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dealer = rt.block_on(async {
        let store = dcrc_app::Store::new(
            dcrc_app::Db::connect(&db, &Default::default()).await.unwrap(),
            std::sync::Arc::new(dcrc_domain::SystemClock),
        );
        let boss = store
            .operator_as(&dcrc_app::System::command_line(), "boss")
            .await
            .unwrap();
        let d = store
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
        store.close().await;
        d.id
    });
    let rows = 5 * dcrc_app::capabilities::archive::data::import::BATCH_ROWS as u32;
    let file = dir.path().join("owners.csv");
    std::fs::write(&file, owner_csv(rows)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dcrc"))
        .args([
            "--database",
            &db,
            "import",
            "--kind",
            "customers",
            "--dealer",
            &dealer.to_string(),
            file.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as the first batch is reported.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() == 0 || line.contains("rows") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let count = |sql: &str| {
        rt.block_on(async {
            let db = dcrc_app::Db::connect(&db, &Default::default()).await.unwrap();
            let n = db.fetch_one(&dcrc_app::stmt(sql)).await.unwrap().i64("n").unwrap();
            db.close().await;
            n
        })
    };
    let partial = count("SELECT COUNT(*) AS n FROM customers");
    assert!(
        partial % dcrc_app::capabilities::archive::data::import::BATCH_ROWS as i64 == 0 && partial < i64::from(rows),
        "whole batches only: {partial}"
    );
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM vehicles"),
        partial,
        "no half-written batch"
    );
    let (ok, text) = dcrc(
        &db,
        &[
            "import",
            "--kind",
            "customers",
            "--dealer",
            &dealer.to_string(),
            file.to_str().unwrap(),
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!(
            "rows read {rows} = inserted {} + updated 0 + unchanged {partial} + rejected 0",
            i64::from(rows) - partial
        )),
        "{text}"
    );
    assert_eq!(count("SELECT COUNT(*) AS n FROM customers"), i64::from(rows));
    assert_eq!(count("SELECT COUNT(*) AS n FROM ownerships"), i64::from(rows));
}

#[test]
fn demo_data_can_be_generated_at_a_chosen_size_without_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (ok, text) = dcrc(
        &db,
        &["demo", "--dealers", "5", "--customers-per-dealer", "20", "--no-serve"],
    );
    assert!(ok, "{text}");
    assert!(text.contains("demo data is in"), "{text}");
    let (ok, orgs) = dcrc(&db, &["user", "orgs"]);
    assert!(ok && orgs.matches("dealer").count() == 5, "{orgs}");
    // Running it again reuses the demo database; a real database is refused.
    assert!(dcrc(&db, &["demo", "--no-serve"]).0);
    let real = format!("sqlite://{}", dir.path().join("real.db").display());
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a long password").unwrap();
    assert!(
        dcrc(
            &real,
            &[
                "init",
                "--admin-user",
                "boss",
                "--admin-password-file",
                pw.to_str().unwrap()
            ]
        )
        .0
    );
    let (ok, text) = dcrc(&real, &["demo", "--no-serve"]);
    assert!(!ok && text.contains("already holds real data"), "{text}");
}
