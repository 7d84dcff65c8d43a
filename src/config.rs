//! Configuration: command-line flags and `DCRC_*` variables override an optional TOML
//! file, which overrides the defaults.

use crate::cli::{Cli, Command};
use anyhow::Context;
use serde::Deserialize;

/// Every `DCRC_*` variable DCRC reads; others get a warning (likely a typo).
pub const KNOWN_ENV: &[&str] = &[
    "DCRC_DATABASE_URL",
    "DCRC_LISTEN",
    "DCRC_CONFIG",
    "DCRC_LOG",
    "DCRC_SECURE_COOKIES",
    "DCRC_DB_MAX_CONNECTIONS",
    "DCRC_TEST_POSTGRES_URL",
    "DCRC_FILES_DIR",
    "DCRC_METRICS_TOKEN",
];

/// The TOML file's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub log: Option<String>,
    pub secure_cookies: Option<bool>,
    pub db_max_connections: Option<u32>,
    pub files_dir: Option<String>,
    pub metrics_token: Option<String>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    pub log: String,
    pub secure_cookies: bool,
    pub db_max_connections: u32,
    /// Where uploaded files (complaint attachments) are kept.
    pub files_dir: String,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`; otherwise only
    /// clients on the loopback address.
    pub metrics_token: Option<String>,
}

/// Files live next to a SQLite database (`dcrc.db` → `dcrc-files`); with PostgreSQL in
/// `dcrc-files` in the working directory unless configured (servers sharing one database
/// must share this directory too).
pub fn default_files_dir(database_url: &str) -> String {
    match database_url.strip_prefix("sqlite://") {
        Some(path) => {
            let path = path.split('?').next().unwrap_or(path);
            let stem = path.strip_suffix(".db").unwrap_or(path);
            format!("{stem}-files")
        }
        None => "dcrc-files".into(),
    }
}

impl Config {
    pub fn load(cli: &Cli) -> anyhow::Result<Config> {
        let file = match &cli.config {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<FileConfig>(&text).with_context(|| format!("config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let default_db = match cli.command {
            Command::Demo(_) => "sqlite://dcrc-demo.db",
            _ => "sqlite://dcrc.db",
        };
        let serve_args = match &cli.command {
            Command::Serve(a) => Some(a),
            Command::Demo(d) => Some(&d.serve),
            _ => None,
        };
        let max_conn = match std::env::var("DCRC_DB_MAX_CONNECTIONS") {
            Ok(v) => Some(
                v.parse::<u32>()
                    .context("DCRC_DB_MAX_CONNECTIONS must be a whole number")?,
            ),
            Err(_) => file.db_max_connections,
        };
        let database_url = cli
            .database
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| default_db.to_string());
        Ok(Config {
            files_dir: std::env::var("DCRC_FILES_DIR")
                .ok()
                .or(file.files_dir)
                .unwrap_or_else(|| default_files_dir(&database_url)),
            database_url,
            listen: serve_args
                .and_then(|a| a.listen.clone())
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            log: std::env::var("DCRC_LOG")
                .ok()
                .or(file.log)
                .unwrap_or_else(|| "info,sqlx=warn,tower_http=warn".into()),
            secure_cookies: serve_args.is_some_and(|a| a.secure_cookies) || file.secure_cookies.unwrap_or(false),
            db_max_connections: max_conn.unwrap_or(10),
            metrics_token: std::env::var("DCRC_METRICS_TOKEN")
                .ok()
                .or(file.metrics_token)
                .filter(|t| !t.is_empty()),
        })
    }
}

/// The `DCRC_*` variables that DCRC does not know.
pub fn unknown_env_vars(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut unknown: Vec<String> = names
        .filter(|n| n.starts_with("DCRC_") && !KNOWN_ENV.contains(&n.as_str()))
        .collect();
    unknown.sort();
    unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_dcrc_variables_are_reported() {
        let names = ["PATH", "DCRC_LISTEN", "DCRC_DATABSE_URL", "DCRC_LOG"].map(String::from);
        assert_eq!(
            unknown_env_vars(names.into_iter()),
            vec!["DCRC_DATABSE_URL".to_string()]
        );
    }

    #[test]
    fn files_live_next_to_the_sqlite_database() {
        assert_eq!(default_files_dir("sqlite://dcrc-demo.db"), "dcrc-demo-files");
        assert_eq!(
            default_files_dir("sqlite:///var/lib/dcrc/x.db?mode=rwc"),
            "/var/lib/dcrc/x-files"
        );
        assert_eq!(default_files_dir("postgres://u@h/db"), "dcrc-files");
    }

    #[test]
    fn config_file_keys_are_checked() {
        assert!(toml::from_str::<FileConfig>("listen = \"0.0.0.0:80\"\n").is_ok());
        assert!(toml::from_str::<FileConfig>("listne = \"0.0.0.0:80\"\n").is_err());
    }
}
