//! The command line.

use crate::config::Config;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "dcrc",
    version,
    about = "DCRC — Dealer Customer Relation Center (经销商客户关系中心)"
)]
pub struct Cli {
    /// Database URL: sqlite://FILE (default sqlite://dcrc.db) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "DCRC_DATABASE_URL", global = true, hide_env_values = true)]
    pub database: Option<String>,
    /// TOML configuration file; command-line flags and DCRC_* variables override it.
    #[arg(long, env = "DCRC_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web UI and API (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the root brand and the first administrator in an empty database.
    Init {
        /// Username of the first administrator.
        #[arg(long)]
        admin_user: String,
        /// File holding the administrator's password; generated and printed once if absent.
        #[arg(long)]
        admin_password_file: Option<PathBuf>,
        /// Name of the root brand (car maker).
        #[arg(long, default_value = "品牌")]
        brand: String,
    },
    /// Start a demonstration: a SQLite database (default sqlite://dcrc-demo.db) with a small
    /// dealer group, one user per role and a lived-in customer archive, then serve it.
    Demo(DemoArgs),
    /// Import customers, vehicles, sales, repair orders or insurance policies from CSV or XLSX.
    Import(crate::import::ImportArgs),
    /// Manage users from the command line.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "DCRC_LISTEN")]
    pub listen: Option<String>,
    /// Enable PUT /api/v1/test/clock for automated tests. Never use in production.
    #[arg(long)]
    pub test_clock: bool,
    /// Mark cookies Secure (serve behind HTTPS).
    #[arg(long, env = "DCRC_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Customers generated for each of the three demo dealers (with one to two years of
    /// sales, service and insurance history).
    #[arg(long, default_value_t = 1_667)]
    pub customers_per_dealer: usize,
    /// Dealers in the demo group (at least 3); more make benchmark-sized datasets, e.g.
    /// `--dealers 100 --customers-per-dealer 10000 --no-serve` for a million customers.
    #[arg(long, default_value_t = 3)]
    pub dealers: usize,
    /// Generate the data and exit instead of serving it.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// Organisation id (see `dcrc user orgs`).
        #[arg(long)]
        org_id: i64,
        /// Role, repeatable: admin, brand_staff, group_staff, general_manager, customer_manager,
        /// callback_agent, process_inspector, info_maintainer, complaint_manager, sales_consultant,
        /// service_advisor.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// File holding the password; generated and printed once if absent.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List users.
    List,
    /// List organisations with their ids.
    Orgs,
    /// Set a user's password (ends their sessions).
    Passwd {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Deactivate a user (ends their sessions).
    Deactivate {
        #[arg(long)]
        username: String,
    },
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => crate::serve::serve(&config, &args, false).await,
        Command::Demo(args) => crate::demo::run(&config, &args).await,
        Command::Migrate => {
            let db = crate::serve::connect(&config).await?;
            let applied = dcrc_app::migrate(
                &db,
                dcrc_domain::Clock::now(&dcrc_domain::SystemClock).timestamp_millis(),
            )
            .await?;
            db.close().await;
            println!(
                "schema at version {} ({} migration(s) applied)",
                dcrc_app::latest_migration(),
                applied.len()
            );
            Ok(())
        }
        Command::Init {
            admin_user,
            admin_password_file,
            brand,
        } => crate::users::init(&config, &admin_user, admin_password_file.as_deref(), &brand).await,
        Command::User(cmd) => crate::users::run(&config, cmd).await,
        Command::Import(args) => crate::import::run(&config, args).await,
    }
}
