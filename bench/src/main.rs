//! `cargo run --release -p dcrc-bench -- --customers 100000 --database sqlite:///tmp/bench.db`
//!
//! Measures, on a fresh database: the import of an owner list (one customer with one
//! vehicle per row) in rows/s next to the database's raw insert ceiling measured in the
//! same run (SQLite: one prepared multi-row INSERT per 500 rows in one transaction;
//! PostgreSQL: COPY), search latency (p50/p99) for each kind of search, and the
//! process's peak memory. Prints a Markdown table for docs/benchmarks.md.

use anyhow::Context;
use chrono::{TimeZone, Utc};
use clap::Parser;
use dcrc_app::capabilities::accounts::data::orgs::NewOrg;
use dcrc_app::capabilities::accounts::data::users::NewUser;
use dcrc_app::capabilities::archive::data::customer_search::CustomerFilter;
use dcrc_app::capabilities::archive::data::import::{ImportKind, ImportOptions};
use dcrc_app::{stmt, Db, DbOptions, Store, System};
use dcrc_domain::{OrgKind, Role, TestClock, Vin};
use std::io::Write;

mod callbacks;
mod ceiling;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Customers in the owner list to import (every fifth owns a second vehicle: 1.2 rows per customer).
    #[arg(long, default_value_t = 100_000)]
    customers: u32,
    /// A fresh database: sqlite://FILE (deleted first) or a PostgreSQL URL (a new schema is used).
    #[arg(long, default_value = "sqlite:///tmp/dcrc-bench.db")]
    database: String,
    /// Searches per kind.
    #[arg(long, default_value_t = 200)]
    searches: usize,
    /// Keep the PostgreSQL schema afterwards (to inspect plans); dropped by default.
    #[arg(long)]
    keep: bool,
    /// Benchmark callbacks instead of the archive: a network with two years of callbacks.
    #[arg(long)]
    callbacks: bool,
    /// With --callbacks: dealers in the network.
    #[arg(long, default_value_t = 100)]
    dealers: u32,
    /// With --callbacks: historical callback tasks (each called once).
    #[arg(long, default_value_t = 5_000_000)]
    tasks: u32,
}

pub fn vin(i: u32) -> String {
    let mut raw = [0u8; 17];
    let body = format!(
        "LGWEF4A50{}{:07}",
        (b'A' + (i / 10_000_000) as u8) as char,
        i % 10_000_000
    );
    raw.copy_from_slice(body.as_bytes());
    Vin::with_check_digit(raw)
        .map(|v| v.as_str().to_string())
        .unwrap_or_default()
}

const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"];
const GIVEN: [&str; 12] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"];

pub fn name(i: u32) -> String {
    format!(
        "{}{}{}",
        SURNAMES[(i % 12) as usize],
        GIVEN[((i / 12) % 12) as usize],
        GIVEN[((i / 144) % 12) as usize]
    )
}

pub fn phone(i: u32) -> String {
    format!("13{}{:08}", 5 + i % 5, (u64::from(i) * 48_271 + 12_345) % 100_000_000)
}

pub fn plate(i: u32) -> String {
    format!("粤{}{:05}", (b'A' + (i % 20) as u8) as char, i % 100_000)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn open(url: &str, tag: &str) -> anyhow::Result<Db> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = format!("{path}{tag}");
        let url = format!("sqlite://{path}");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        return Ok(Db::connect(&url, &DbOptions::default()).await?);
    }
    let schema = format!("bench_{}{}", std::process::id(), tag.replace('.', "_"));
    let admin = Db::connect(
        url,
        &DbOptions {
            max_connections: 1,
            pg_schema: None,
        },
    )
    .await?;
    admin
        .execute(&stmt(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
        .await?;
    admin.execute(&stmt(format!("CREATE SCHEMA {schema}"))).await?;
    admin.close().await;
    Ok(Db::connect(
        url,
        &DbOptions {
            max_connections: 10,
            pg_schema: Some(schema),
        },
    )
    .await?)
}

/// One row of the generated owner list: a customer and one of their vehicles. Every fifth
/// customer has a second vehicle on the next row (1,000,000 customers → 1,200,000 rows).
pub struct FileRow {
    pub customer: u32,
    pub vehicle: u32,
    pub first_of_customer: bool,
}

fn file_rows(customers: u32) -> Vec<FileRow> {
    let mut rows = Vec::with_capacity(customers as usize * 6 / 5);
    for i in 1..=customers {
        rows.push(FileRow {
            customer: i,
            vehicle: i,
            first_of_customer: true,
        });
        if i % 5 == 0 {
            rows.push(FileRow {
                customer: i,
                vehicle: customers + i / 5,
                first_of_customer: false,
            });
        }
    }
    rows
}

/// A migrated database with one dealer under a brand; returns the store and the dealer's id.
async fn prepared(url: &str, tag: &str) -> anyhow::Result<(Store, Db, i64)> {
    let db = open(url, tag).await.context("opening the database")?;
    dcrc_app::migrate(&db, 0).await?;
    let store = Store::new(
        db.clone(),
        Arc::new(TestClock::new(
            Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).single().context("date")?,
        )),
    );
    store
        .initialise(&System::command_line(), "长城汽车", "root", "bench-secret-2026")
        .await?;
    let root = store.operator_as(&System::command_line(), "root").await?;
    let dealer = store
        .create_org(
            &root,
            NewOrg {
                name: "基准店".into(),
                kind: OrgKind::Dealer,
                parent_id: Some(root.org_id),
                code: None,
            },
        )
        .await?;
    Ok((store, db, dealer.id))
}

/// Makes the search text for customer number `i`.
type QueryMaker = Box<dyn Fn(u32) -> String>;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.callbacks {
        return callbacks::run(&args.database, args.dealers, args.tasks, args.searches).await;
    }
    let (store, db, dealer) = prepared(&args.database, "").await?;
    let backend = if matches!(db, Db::Sqlite { .. }) {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let root = store.operator_as(&System::command_line(), "root").await?;
    let user = NewUser {
        username: "agent".into(),
        password: "bench-secret-2026".into(),
        display_name: "回访员".into(),
        org_id: dealer,
        roles: vec![Role::CallbackAgent],
        locale: None,
    };
    store.create_user(&root, user).await?;
    let agent = store.operator_as(&System::command_line(), "agent").await?;

    let rows = file_rows(args.customers);
    let path = std::env::temp_dir().join(format!("dcrc-bench-{}.csv", std::process::id()));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        writeln!(f, "客户姓名,手机号,车架号,车牌号,车型,交车日期")?;
        for r in &rows {
            writeln!(
                f,
                "{},{},{},{},哈弗H6,2024-05-{:02}",
                name(r.customer),
                phone(r.customer),
                vin(r.vehicle),
                plate(r.vehicle),
                1 + r.vehicle % 28
            )?;
        }
    }
    let import = store
        .start_import(&root, ImportKind::Customers, dealer, "bench.csv", false)
        .await?;
    let started = Instant::now();
    let done = store
        .run_import(&root, import.id, &path, &ImportOptions::default(), &|_| {})
        .await?;
    let import_secs = started.elapsed().as_secs_f64();
    let import_peak = peak_rss_mib();
    let _ = std::fs::remove_file(&path);
    anyhow::ensure!(
        done.rows_inserted + done.rows_updated == rows.len() as i64 && done.rows_rejected == 0,
        "import stored {} + {} of {} rows",
        done.rows_inserted,
        done.rows_updated,
        rows.len()
    );
    let import_rate = rows.len() as f64 / import_secs;
    let ceiling_rate = {
        let (_twin, twin_db, twin_dealer) = prepared(&args.database, ".ceiling").await?;
        let rate = ceiling::measure(&twin_db, twin_dealer, &rows).await?;
        if let Db::Postgres(_) = twin_db {
            let schema = format!("bench_{}_ceiling", std::process::id());
            twin_db.execute(&stmt(format!("DROP SCHEMA {schema} CASCADE"))).await?;
        } else if let Some(p) = args.database.strip_prefix("sqlite://") {
            twin_db.close().await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{p}.ceiling{suffix}"));
            }
        }
        rate
    };

    println!(
        "| {backend}, {} customers, {} vehicles (rows) | value |",
        args.customers,
        rows.len()
    );
    println!("|---|---|");
    println!("| import (owner list, CSV) | {import_rate:.0} rows/s ({import_secs:.1} s) |");
    println!("| raw insert ceiling, same rows and tables | {ceiling_rate:.0} rows/s |");
    println!("| import ÷ ceiling | {:.1}% |", 100.0 * import_rate / ceiling_rate);
    // Searches are timed in steady state: on PostgreSQL the ceiling's million-row COPY
    // leaves minutes of background checkpoint writes that otherwise land in the first
    // kinds' p99.
    if backend == "PostgreSQL" {
        db.execute(&stmt("CHECKPOINT")).await?;
    }
    let kinds: Vec<(&str, QueryMaker)> = vec![
        ("name fragment", Box::new(|i| name(i).chars().skip(1).collect())),
        ("full phone", Box::new(phone)),
        ("last 4 digits", Box::new(|i| phone(i)[7..].to_string())),
        ("plate fragment", Box::new(|i| plate(i)[4..].to_string())),
        ("VIN prefix (10)", Box::new(|i| vin(i)[..10].to_string())),
        ("VIN last 6", Box::new(|i| vin(i)[11..].to_string())),
    ];
    for (label, make) in kinds {
        let mut times = Vec::with_capacity(args.searches);
        for k in 0..args.searches {
            let i = 1 + (k as u32 * 7_919) % args.customers;
            let f = CustomerFilter {
                q: Some(make(i)),
                limit: Some(20),
                ..CustomerFilter::default()
            };
            let t = Instant::now();
            let page = store.search_customers(&agent, &f).await?;
            times.push(t.elapsed());
            anyhow::ensure!(!page.items.is_empty(), "{label} found nothing for {:?}", f.q);
        }
        times.sort();
        println!(
            "| search: {label} | p50 {:.2} ms, p99 {:.2} ms |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    // The customer list's total: counted up to 10,000 beside every page it shows.
    for (label, q) in [
        ("no filter (whole scope)", None),
        ("name fragment", Some(name(4_242).chars().skip(1).collect::<String>())),
    ] {
        let f = CustomerFilter {
            q,
            ..CustomerFilter::default()
        };
        let mut times = Vec::with_capacity(args.searches);
        for _ in 0..args.searches.min(200) {
            let t = Instant::now();
            store.count_customers_up_to(&agent, &f, 10_000).await?;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "| list total up to 10,000: {label} | p50 {:.2} ms, p99 {:.2} ms |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    println!("| peak memory of the process after the import (VmHWM) | {import_peak:.0} MiB |");
    if !args.keep && db.backend() == dcrc_app::Backend::Postgres {
        let schema = format!("bench_{}", std::process::id());
        db.execute(&stmt(format!("DROP SCHEMA {schema} CASCADE"))).await?;
    }
    Ok(())
}
