//! `dcrc serve`: open the database, migrate, run the scheduler and serve HTTP.

use crate::cli::ServeArgs;
use crate::config::Config;
use anyhow::Context;
use dcrc_app::{Db, DbOptions, Store, System};
use dcrc_domain::{Clock, SharedClock, SystemClock, TestClock};
use std::sync::Arc;

/// Connects (logging the URL without its password), migrates when asked, and returns a
/// store on the clock. The database handle stays here: the store keeps its own private.
pub async fn open_with_clock(config: &Config, clock: SharedClock, migrate: bool) -> anyhow::Result<Store> {
    let db = connect(config).await?;
    if migrate {
        dcrc_app::migrate(&db, clock.now().timestamp_millis()).await?;
    }
    Ok(Store::new(db, clock).with_files_dir(&config.files_dir))
}

/// Connects to the configured database, logging the URL without its password.
pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    let redacted = dcrc_app::core::db::redact_url(&config.database_url);
    tracing::info!(database = %redacted, "connecting");
    let db = Db::connect(
        &config.database_url,
        &DbOptions {
            max_connections: config.db_max_connections,
            pg_schema: None,
        },
    )
    .await
    .with_context(|| format!("cannot open database {redacted}"))?;
    Ok(db)
}

/// Opens the store on the system clock; migrates when asked.
pub async fn open(config: &Config, migrate: bool) -> anyhow::Result<Store> {
    open_with_clock(config, Arc::new(SystemClock), migrate).await
}

pub async fn serve(config: &Config, args: &ServeArgs, quiet_banner: bool) -> anyhow::Result<()> {
    let test_clock = args.test_clock.then(|| Arc::new(TestClock::new(SystemClock.now())));
    let clock: SharedClock = match &test_clock {
        Some(c) => {
            tracing::warn!("--test-clock is on: anyone can set this server's clock via PUT /api/v1/test/clock; never use it in production");
            c.clone()
        }
        None => Arc::new(SystemClock),
    };
    let store = open_with_clock(config, clock, true).await?;
    let system = System::command_line();
    if !store.is_initialised(&system).await? {
        tracing::warn!("the database has no organisations yet: run `dcrc init --admin-user NAME` to create the first administrator");
    }
    let interrupted = store.mark_interrupted_imports(&system).await?;
    if interrupted > 0 {
        tracing::warn!(
            imports = interrupted,
            "imports interrupted by a stop were marked failed; run them again to complete them"
        );
    }
    // Jobs that fell due while the server was down run now, once.
    let ran = dcrc_app::core::scheduler::run_due(&store).await?;
    if ran > 0 {
        tracing::info!(jobs = ran, "caught up on jobs due while stopped");
    }
    let scheduler = dcrc_app::core::scheduler::spawn_loop(store.clone(), std::time::Duration::from_secs(30));
    let app = dcrc_app::app(
        store.clone(),
        dcrc_app::AppOptions {
            test_clock,
            secure_cookies: config.secure_cookies,
            metrics_token: config.metrics_token.clone(),
            request_timeout: None,
            body_limit: None,
        },
    );
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "DCRC is serving");
    if !quiet_banner {
        println!("DCRC is serving on http://{addr}/");
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    scheduler.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
