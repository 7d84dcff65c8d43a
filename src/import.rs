//! `dcrc import`: load a CSV or XLSX file from the command line, with progress and the
//! reconciliation at the end.

use crate::config::Config;
use anyhow::{anyhow, bail, Context};
use dcrc_app::capabilities::archive::data::import::{parse_kind, ImportOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// customers, vehicles, sales, repair-orders or insurance.
    #[arg(long)]
    pub kind: String,
    /// The CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX file.
    pub file: PathBuf,
    /// The dealer (organisation id) the records belong to.
    #[arg(long)]
    pub dealer: i64,
    /// Show what would happen without storing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// A JSON file mapping headers (as written) to field names, e.g. {"车主名": "name"}.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Act as this user (default: the first administrator of the brand).
    #[arg(long = "as")]
    pub as_user: Option<String>,
}

fn mapping(path: Option<&Path>) -> anyhow::Result<HashMap<String, String>> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading mapping file {}", p.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} must be a JSON object of header → field", p.display()))
        }
        None => Ok(HashMap::new()),
    }
}

pub async fn run(config: &Config, args: ImportArgs) -> anyhow::Result<()> {
    let kind = parse_kind(&args.kind)
        .map_err(|_| anyhow!("--kind must be customers, vehicles, sales, repair-orders or insurance"))?;
    if !args.file.is_file() {
        bail!("no such file: {}", args.file.display());
    }
    let options = ImportOptions {
        dry_run: args.dry_run,
        mapping: mapping(args.mapping.as_deref())?,
    };
    let store = crate::serve::open(config, true).await?;
    store
        .mark_interrupted_imports(&dcrc_app::System::command_line())
        .await?;
    let username = match args.as_user {
        Some(u) => u,
        None => store
            .root_admin_username(&dcrc_app::System::command_line())
            .await
            .map_err(crate::users::explain)?,
    };
    let who = store
        .operator_as(&dcrc_app::System::command_line(), &username)
        .await
        .map_err(crate::users::explain)?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let import = store
        .start_import(&who, kind, args.dealer, &file_name, args.dry_run)
        .await
        .map_err(crate::users::explain)?;
    let started = std::time::Instant::now();
    let progress = |rows: i64| eprintln!("  … {rows} rows");
    let done = store
        .run_import(&who, import.id, &args.file, &options, &progress)
        .await
        .map_err(crate::users::explain)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "import {} ({}{}) {}: {}",
        done.id,
        kind.as_str(),
        if done.dry_run { ", dry run" } else { "" },
        done.status,
        file_name
    );
    println!(
        "  rows read {} = inserted {} + updated {} + unchanged {} + rejected {}   ({:.1} s, {:.0} rows/s)",
        done.rows_read,
        done.rows_inserted,
        done.rows_updated,
        done.rows_unchanged,
        done.rows_rejected,
        secs,
        done.rows_read as f64 / secs.max(0.001)
    );
    let errors = store.import_errors(&who, done.id).await?;
    for e in errors.iter().take(20) {
        let reason = dcrc_app::core::http::i18n::translate(dcrc_domain::Lang::En, &format!("field.{}", e.code));
        println!("  row {}, {} = {:?}: {}", e.row, e.column, e.value, reason);
    }
    if errors.len() > 20 {
        println!(
            "  … {} more problems (see the import page or GET /api/v1/imports/{}/errors.xlsx)",
            errors.len() - 20,
            done.id
        );
    }
    if let Some(m) = &done.message {
        println!("  {m}");
    }
    if done.status != "done" {
        bail!("the import did not finish");
    }
    Ok(())
}
