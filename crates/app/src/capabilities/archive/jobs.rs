//! The archive's durable jobs: imports run as jobs, so an instance that stops mid-file
//! leaves a job whose lease expires and which another instance (or this one, restarted)
//! runs again from the start of the kept file; rows the first attempt stored are then
//! found unchanged. An import whose attempts are used up is failed, and its file removed.
//! The job's lease is what says its worker lives (the interrupted-import check leaves an
//! import with a pending or running job alone), so the job needs no heartbeat of its own.

use crate::capabilities::archive::data::import::ImportOptions;
use crate::core::access::System;
use crate::core::db::stmt;
use crate::core::error::{Result, StoreError};
use crate::core::jobs::{Job, JobKind, Running};
use crate::Store;
use std::collections::HashMap;

/// Runs one uploaded import.
pub const IMPORT: JobKind = JobKind {
    name: "archive.import",
    run: run_import,
    max_attempts: 3,
    daily_at: None,
    catch_up_on_start: false,
    gave_up: Some(give_up),
};

/// What an import job carries.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ImportJob {
    pub import_id: i64,
    /// Who started it: the import runs with their scope.
    pub username: String,
    pub path: String,
    pub dry_run: bool,
    pub mapping: HashMap<String, String>,
}

impl ImportJob {
    pub fn key(&self) -> String {
        format!("{}:{}", IMPORT.name, self.import_id)
    }
}

fn payload(job: &Job) -> Result<ImportJob> {
    serde_json::from_value(job.payload.clone()).map_err(|e| StoreError::Internal(format!("import job payload: {e}")))
}

fn run_import<'a>(store: &'a Store, system: &'a System, job: &'a Job) -> Running<'a> {
    Box::pin(async move {
        let p = payload(job)?;
        let who = store.operator_as(system, &p.username).await?;
        let options = ImportOptions {
            dry_run: p.dry_run,
            mapping: p.mapping.clone(),
        };
        let result = store
            .run_import(&who, p.import_id, std::path::Path::new(&p.path), &options, &|_| {})
            .await;
        result?;
        let _ = tokio::fs::remove_file(&p.path).await;
        Ok(())
    })
}

fn give_up<'a>(store: &'a Store, system: &'a System, job: &'a Job, _error: &'a str) -> Running<'a> {
    Box::pin(async move {
        let p = payload(job)?;
        store
            .access(system)
            .execute(
                &stmt(
                    "UPDATE imports SET status = 'failed', message = 'import.interrupted', finished_at = $1 \
                    WHERE id = $2 AND status = 'running'",
                )
                .bind(store.now_ms())
                .bind(p.import_id),
            )
            .await?;
        let _ = tokio::fs::remove_file(&p.path).await;
        Ok(())
    })
}

/// Imports whose worker stopped without a job to carry them on (an interrupted command
/// line import) are failed, and staged uploads never confirmed are removed; run on every
/// tick.
pub fn interrupted_imports<'a>(store: &'a Store, system: &'a System) -> Running<'a> {
    Box::pin(async move {
        let n = store.mark_interrupted_imports(system).await?;
        if n > 0 {
            tracing::warn!(imports = n, "imports whose worker stopped were marked failed");
        }
        // File ages are the machine's, not business time: no clock of the rules here.
        let stale = crate::capabilities::archive::api::imports::remove_stale_uploads(
            crate::capabilities::archive::api::imports::STAGED_FOR,
        );
        if stale > 0 {
            tracing::info!(files = stale, "staged uploads never confirmed were removed");
        }
        Ok(())
    })
}
