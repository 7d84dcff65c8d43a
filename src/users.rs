//! `dcrc init` and `dcrc user …`: operator commands that work without a web session.

use crate::cli::UserCommand;
use crate::config::Config;
use anyhow::{anyhow, Context};
use dcrc_app::capabilities::accounts::data::orgs::OrgFilter;
use dcrc_app::capabilities::accounts::data::users::{NewUser, UserFilter, UserPatch};
use dcrc_app::{Store, StoreError};
use dcrc_domain::Role;
use std::path::Path;

/// A password from a file (trailing newline dropped), or a new random one that is printed.
fn password_from(file: Option<&Path>) -> anyhow::Result<(String, bool)> {
    match file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("reading password file {}", path.display()))?;
            Ok((text.trim_end_matches(['\r', '\n']).to_string(), false))
        }
        None => Ok((dcrc_app::core::secret::new_password()?, true)),
    }
}

/// Explains a store error on the command line.
pub fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(inv) => {
            let fields: Vec<String> = inv
                .0
                .iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        f.field,
                        dcrc_app::core::http::i18n::tf(dcrc_domain::Lang::En, &format!("field.{}", f.code), &f.params)
                    )
                })
                .collect();
            anyhow!("invalid input — {}", fields.join("; "))
        }
        StoreError::Conflict { code, .. } => anyhow!(
            "{}",
            dcrc_app::core::http::i18n::translate(dcrc_domain::Lang::En, &format!("problem.{code}.detail"))
        ),
        StoreError::NotFound => anyhow!("not found"),
        other => anyhow!(other),
    }
}

pub async fn init(config: &Config, admin_user: &str, password_file: Option<&Path>, brand: &str) -> anyhow::Result<()> {
    let store = crate::serve::open(config, true).await?;
    let (password, generated) = password_from(password_file)?;
    let (org, _) = store
        .initialise(&dcrc_app::System::command_line(), brand, admin_user, &password)
        .await
        .map_err(explain)?;
    println!(
        "initialised: brand \"{}\" (org {}) with administrator \"{}\"",
        org.name,
        org.id,
        admin_user.trim().to_ascii_lowercase()
    );
    if generated {
        println!("generated password (shown only now): {password}");
    }
    Ok(())
}

async fn operator(store: &Store) -> anyhow::Result<dcrc_app::Principal> {
    let name = store
        .root_admin_username(&dcrc_app::System::command_line())
        .await
        .map_err(explain)?;
    store
        .operator_as(&dcrc_app::System::command_line(), &name)
        .await
        .map_err(explain)
}

async fn find_user(store: &Store, who: &dcrc_app::Principal, username: &str) -> anyhow::Result<i64> {
    let wanted = username.trim().to_ascii_lowercase();
    let page = store
        .list_users(
            who,
            &UserFilter {
                q: Some(wanted.clone()),
                limit: Some(200),
                ..UserFilter::default()
            },
        )
        .await
        .map_err(explain)?;
    page.items
        .iter()
        .find(|u| u.username == wanted)
        .map(|u| u.id)
        .ok_or_else(|| anyhow!("no user named {wanted}"))
}

pub async fn run(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    let store = crate::serve::open(config, true).await?;
    let who = operator(&store).await?;
    match cmd {
        UserCommand::Create {
            username,
            display_name,
            org_id,
            roles,
            password_file,
        } => {
            let roles = roles
                .iter()
                .map(|r| Role::parse(r).ok_or_else(|| anyhow!("unknown role {r}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (password, generated) = password_from(password_file.as_deref())?;
            let user = store
                .create_user(
                    &who,
                    NewUser {
                        username,
                        password: password.clone(),
                        display_name,
                        org_id,
                        roles,
                        locale: None,
                    },
                )
                .await
                .map_err(explain)?;
            println!("created user {} (id {})", user.username, user.id);
            if generated {
                println!("generated password (shown only now): {password}");
            }
        }
        UserCommand::List => {
            let mut cursor = None;
            loop {
                let page = store
                    .list_users(
                        &who,
                        &UserFilter {
                            cursor,
                            limit: Some(200),
                            ..UserFilter::default()
                        },
                    )
                    .await
                    .map_err(explain)?;
                for u in &page.items {
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "{:>6}  {:<20} {:<16} org {:<6} {:<8} {}",
                        u.id,
                        u.username,
                        u.display_name,
                        u.org_id,
                        if u.active { "active" } else { "inactive" },
                        roles.join(",")
                    );
                }
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
        }
        UserCommand::Orgs => {
            let page = store
                .list_orgs(
                    &who,
                    &OrgFilter {
                        limit: Some(200),
                        ..OrgFilter::default()
                    },
                )
                .await
                .map_err(explain)?;
            for o in page.items {
                println!(
                    "{:>6}  {:<8} parent {:<6} {}",
                    o.id,
                    o.kind.as_str(),
                    o.parent_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    o.name
                );
            }
        }
        UserCommand::Passwd {
            username,
            password_file,
        } => {
            let id = find_user(&store, &who, &username).await?;
            let (password, generated) = password_from(password_file.as_deref())?;
            store
                .update_user(
                    &who,
                    id,
                    UserPatch {
                        password: Some(password.clone()),
                        ..UserPatch::default()
                    },
                )
                .await
                .map_err(explain)?;
            println!("password of {username} changed; their sessions have ended");
            if generated {
                println!("generated password (shown only now): {password}");
            }
        }
        UserCommand::Deactivate { username } => {
            let id = find_user(&store, &who, &username).await?;
            store
                .update_user(
                    &who,
                    id,
                    UserPatch {
                        active: Some(false),
                        ..UserPatch::default()
                    },
                )
                .await
                .map_err(explain)?;
            println!("deactivated {username}");
        }
    }
    Ok(())
}
