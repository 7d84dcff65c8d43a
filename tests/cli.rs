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
