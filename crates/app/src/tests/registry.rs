//! The registrations are complete and consistent: what a capability forgets to declare
//! makes one of these fail.

use crate::capabilities::ALL;
use crate::core::registry::Capability;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every source file and template under `dir`, with its text.
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// The capabilities a text names (`crate::capabilities::<name>`).
fn named_capabilities(text: &str) -> BTreeSet<String> {
    let needle = "capabilities::";
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(needle) {
        rest = &rest[i + needle.len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && name != "ALL" {
            out.insert(name);
        }
    }
    out
}

fn by_name() -> BTreeMap<&'static str, &'static Capability> {
    ALL.iter().map(|c| (c.name, *c)).collect()
}

#[test]
fn every_capability_folder_is_registered_once() {
    let folders: BTreeSet<String> = std::fs::read_dir(src().join("capabilities"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let registered: BTreeSet<String> = ALL.iter().map(|c| c.name.to_string()).collect();
    assert_eq!(
        folders, registered,
        "a capability folder without its line in capabilities::ALL (or the reverse)"
    );
    assert_eq!(registered.len(), ALL.len(), "a capability registered twice");
}

#[test]
fn the_core_knows_no_capability() {
    for (path, text) in files(&src().join("core")) {
        let named = named_capabilities(&text);
        assert!(named.is_empty(), "{} names capabilities {named:?}", path.display());
    }
}

/// The system's authority is handed out by the core (to jobs and periodic checks) and by
/// the operator's command line; a capability's own code never makes one, so it cannot
/// step out of its caller's scope (`Store.db` is private to the core, so the compiler
/// keeps everything else out).
#[test]
fn no_capability_makes_the_system_authority() {
    for (path, text) in files(&src().join("capabilities")) {
        if path.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        for forbidden in ["System::command_line", "System::new", "System::for_tests"] {
            assert!(!text.contains(forbidden), "{} calls {forbidden}", path.display());
        }
    }
}

/// A capability's code uses only the capabilities it declares it depends on, and the
/// declared graph has no cycle (so no capability can end up calling back into one that
/// calls it). Tests of a capability are held to the same rule.
#[test]
fn capabilities_depend_on_what_they_declare_and_never_in_a_cycle() {
    let caps = by_name();
    for c in ALL {
        for d in c.depends_on {
            assert!(caps.contains_key(d), "{} depends on unknown capability {d}", c.name);
        }
        for (path, text) in files(&src().join("capabilities").join(c.name)) {
            for used in named_capabilities(&text) {
                assert!(
                    used == c.name || c.depends_on.contains(&used.as_str()),
                    "{} uses capability {used} without declaring it in depends_on",
                    path.display()
                );
            }
        }
    }
    // Registration order is a topological order: each capability comes after everything
    // it depends on, which is only possible without a cycle.
    let mut seen = BTreeSet::new();
    for c in ALL {
        for d in c.depends_on {
            assert!(
                seen.contains(d),
                "{} is registered before {d}, which it depends on (or they form a cycle)",
                c.name
            );
        }
        seen.insert(c.name);
    }
}

#[test]
fn migration_versions_are_unique_and_both_backends_have_each() {
    let mut versions = BTreeSet::new();
    for m in crate::migrations() {
        assert!(versions.insert(m.version), "migration {} declared twice", m.version);
        assert!(
            !m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty(),
            "migration {} lacks a backend",
            m.version
        );
    }
}

/// Each strings file pair (the core's, each capability's) has the same keys in both
/// languages, and no key is defined twice across the catalogue.
#[test]
fn every_string_exists_in_both_languages_once() {
    let mut dirs = vec![src().join("core/http/strings")];
    dirs.extend(
        ALL.iter()
            .map(|c| src().join("capabilities").join(c.name).join("strings")),
    );
    let mut owner: BTreeMap<String, PathBuf> = BTreeMap::new();
    for dir in dirs {
        let keys = |lang: &str| -> BTreeSet<String> {
            std::fs::read_to_string(dir.join(format!("{lang}.txt")))
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
                .collect()
        };
        let (zh, en) = (keys("zh-CN"), keys("en"));
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "{}: only in zh-CN {only_zh:?}, only in en {only_en:?}",
            dir.display()
        );
        for k in zh {
            if let Some(other) = owner.insert(k.clone(), dir.clone()) {
                panic!("{k} is defined in {} and {}", other.display(), dir.display());
            }
        }
    }
}

/// Every navigation entry of every capability leads to a page that exists.
#[tokio::test]
async fn every_navigation_entry_points_at_a_route() {
    use crate::testing::web::pages::{get, web_login};
    use crate::testing::web::TestApp;
    use axum::http::StatusCode;
    let app = TestApp::all(false).await.remove(0);
    let cookie = web_login(&app, "root").await;
    for entry in crate::core::http::layout::nav_entries(ALL) {
        let r = get(&app, entry.href, &cookie).await;
        assert_ne!(
            r.status,
            StatusCode::NOT_FOUND,
            "{} → {} is no route",
            entry.key,
            entry.href
        );
        assert!(
            crate::core::http::i18n::has(dcrc_domain::Lang::En, entry.key),
            "{} has no label",
            entry.key
        );
    }
}

#[test]
fn every_table_header_in_a_template_says_what_it_heads() {
    let mut missing = Vec::new();
    for (path, text) in files(&src()) {
        if path.extension().is_none_or(|x| x != "html") {
            continue;
        }
        for (i, _) in text.match_indices("<th") {
            let tag: String = text[i..].chars().take_while(|c| *c != '>').collect();
            if (tag == "<th" || tag.starts_with("<th ")) && !tag.contains("scope=") {
                missing.push(format!("{}: {tag}>", path.display()));
            }
        }
    }
    assert!(missing.is_empty(), "table headers without scope: {missing:#?}");
}
