//! `dcrc-bench --callbacks`: a network of dealers with two years of callback history
//! (default 100 dealers, 5,000,000 tasks with their calls), then the operations the
//! agents and supervisors run every day — the day's obligations for the whole network,
//! an agent's queue, recording a call, one dealer's month and the network's month of
//! statistics — timed through the same store calls the server makes.

use crate::{open, percentile, Instant};
use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use dcrc_app::capabilities::accounts::data::orgs::NewOrg;
use dcrc_app::capabilities::accounts::data::users::NewUser;
use dcrc_app::capabilities::archive::demo::Rng;
use dcrc_app::capabilities::callbacks::data::stats::{By, Period, StatsQuery};
use dcrc_app::capabilities::callbacks::data::NewAttempt;
use dcrc_app::capabilities::callbacks::rules::Outcome;
use dcrc_app::{stmt, Principal, Store, System};
use dcrc_domain::calendar::at;
use dcrc_domain::{OrgKind, Role, TestClock};
use std::sync::Arc;

/// Customers per dealer (the tasks are spread over them).
const CUSTOMERS: u32 = 2_000;
const DAYS: i64 = 730;
const TYPES: [&str; 4] = ["sales_first", "sales_second", "post_repair", "insurance_renewal"];

struct Dealer {
    id: i64,
    agents: [Principal; 2],
    manager: Principal,
}

async fn network(store: &Store, dealers: u32) -> anyhow::Result<Vec<Dealer>> {
    let root = store.operator_as(&System::command_line(), "root").await?;
    let mut out = Vec::new();
    for d in 0..dealers {
        let org = store
            .create_org(
                &root,
                NewOrg {
                    name: format!("基准{d}店"),
                    kind: OrgKind::Dealer,
                    parent_id: Some(root.org_id),
                    code: None,
                },
            )
            .await?;
        let mut who = Vec::new();
        for (name, role) in [
            (format!("a{d}x"), Role::CallbackAgent),
            (format!("a{d}y"), Role::CallbackAgent),
            (format!("m{d}m"), Role::CustomerManager),
        ] {
            let user = NewUser {
                username: name.clone(),
                password: "bench-secret-2026".into(),
                display_name: name.clone(),
                org_id: org.id,
                roles: vec![role],
                locale: None,
            };
            store.create_user(&root, user).await?;
            who.push(store.operator_as(&System::command_line(), &name).await?);
        }
        let manager = who.pop().context("manager")?;
        let y = who.pop().context("agent")?;
        let x = who.pop().context("agent")?;
        out.push(Dealer {
            id: org.id,
            agents: [x, y],
            manager,
        });
    }
    Ok(out)
}

/// Inserts rows of `columns` in multi-row statements of 400, in transactions of 40,000.
async fn insert_rows(
    db: &dcrc_app::Db,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<dcrc_app::Value>>,
) -> anyhow::Result<u64> {
    let mut rows = rows.peekable();
    let mut n = 0;
    while rows.peek().is_some() {
        let mut tx = db.begin().await?;
        for _ in 0..100 {
            let chunk: Vec<_> = rows.by_ref().take(400).collect();
            if chunk.is_empty() {
                break;
            }
            let mut sql = stmt(format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")));
            for (i, row) in chunk.iter().enumerate() {
                let ps: Vec<String> = row.iter().map(|v| sql.param(v.clone())).collect();
                sql.push_sql(&format!("{}({})", if i == 0 { "" } else { ", " }, ps.join(", ")));
            }
            tx.execute(&sql).await?;
            n += chunk.len() as u64;
        }
        tx.commit().await?;
    }
    Ok(n)
}

fn ms(d: NaiveDate, h: u32, m: u32) -> i64 {
    at(d, NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()).timestamp_millis()
}

pub async fn run(url: &str, dealers: u32, tasks: u32, samples: usize) -> anyhow::Result<()> {
    let db = open(url, ".callbacks").await?;
    dcrc_app::migrate(&db, 0).await?;
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 1, 30, 0).single().context("date")?;
    let store = Store::new(db.clone(), Arc::new(TestClock::new(now)));
    store
        .initialise(&System::command_line(), "长城汽车", "root", "bench-secret-2026")
        .await?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).context("date")?;
    let net = network(&store, dealers).await?;
    let backend = if matches!(db, dcrc_app::Db::Sqlite { .. }) {
        "SQLite"
    } else {
        "PostgreSQL"
    };

    // Customers: ids chosen here; one in a hundred lost (last visit a year ago) today.
    let started = Instant::now();
    let stamp = now.timestamp_millis();
    let customers = net.iter().flat_map(|d| {
        (0..CUSTOMERS).map(move |i| {
            let id = i64::from(i) + 1 + (d.id * i64::from(CUSTOMERS));
            let last = if i % 100 == 0 {
                today - Duration::days(366)
            } else {
                today - Duration::days(i64::from(i % 300))
            };
            vec![
                id.into(),
                d.id.into(),
                "person".into(),
                format!("客户{i}").into(),
                last.format("%Y-%m-%d").to_string().into(),
                stamp.into(),
                stamp.into(),
            ]
        })
    });
    insert_rows(
        &db,
        "customers",
        &[
            "id",
            "org_id",
            "kind",
            "name",
            "last_visit_date",
            "created_at",
            "updated_at",
        ],
        customers,
    )
    .await?;
    // A marketing consent for everyone, so lost customers may be won back.
    db.execute(&stmt(
        "INSERT INTO consents (customer_id, org_id, purpose, granted, source, recorded_by, at) \
             SELECT id, org_id, 'marketing', TRUE, 'bench', 'bench', 0 FROM customers",
    ))
    .await?;

    // Tasks: due dates spread over two years up to a week ahead; the past ones called.
    let mut rng = Rng::new(2026);
    let per_dealer = tasks / dealers.max(1);
    let generated = net.iter().flat_map(|d| (0..per_dealer).map(move |k| (d.id, k)));
    let mut n = 0u64;
    let mut task_rows = Vec::with_capacity(40_000);
    let columns = [
        "org_id",
        "customer_id",
        "task_type",
        "purpose",
        "source_kind",
        "event_date",
        "idempotency_key",
        "priority",
        "due_date",
        "workable_from",
        "due_at",
        "next_call_at",
        "state",
        "assignee_id",
        "attempts",
        "first_attempt_at",
        "closed_at",
        "outcome",
        "created_at",
        "updated_at",
    ];
    let agents: std::collections::HashMap<i64, [i64; 2]> = net
        .iter()
        .map(|d| (d.id, [d.agents[0].user_id, d.agents[1].user_id]))
        .collect();
    for (dealer, k) in generated {
        let due = today - Duration::days(DAYS) + Duration::days((i64::from(k) * (DAYS + 7)) / i64::from(per_dealer));
        let customer = 1 + dealer * i64::from(CUSTOMERS) + rng.below(u64::from(CUSTOMERS)) as i64;
        let due_at = ms(due, 17, 30);
        let (state, first, outcome): (&str, Option<i64>, Option<&str>) = if due >= today {
            ("open", None, None)
        } else {
            match rng.below(100) {
                0..=92 => (
                    "done",
                    Some(due_at - 3_600_000 * (1 + rng.below(6) as i64)),
                    Some("reached_satisfied"),
                ),
                93..=96 => ("done", Some(due_at + 7_200_000), Some("reached_dissatisfied")),
                97..=98 => ("done", Some(due_at - 3_600_000), Some("wrong_number")),
                _ => ("unreachable", Some(due_at - 3_600_000), Some("no_answer")),
            }
        };
        n += 1;
        let kind = TYPES[(k % 4) as usize];
        let assignee = agents.get(&dealer).map(|a| a[(k % 2) as usize]);
        task_rows.push(vec![
            dealer.into(),
            customer.into(),
            kind.into(),
            "service_contact".into(),
            "bench".into(),
            due.format("%Y-%m-%d").to_string().into(),
            format!("bench:{dealer}:{k}").into(),
            1i64.into(),
            due.format("%Y-%m-%d").to_string().into(),
            ms(due, 8, 30).into(),
            due_at.into(),
            ms(due, 8, 30).into(),
            state.into(),
            assignee.into(),
            i64::from(first.is_some()).into(),
            first.into(),
            first.into(),
            outcome.map(str::to_string).into(),
            stamp.into(),
            stamp.into(),
        ]);
        if task_rows.len() == 40_000 {
            insert_rows(&db, "callback_tasks", &columns, task_rows.drain(..)).await?;
        }
    }
    insert_rows(&db, "callback_tasks", &columns, task_rows.drain(..)).await?;
    db
        .execute(&stmt(
            "INSERT INTO callback_attempts (task_id, org_id, customer_id, agent_id, at, business_date, outcome, answers) \
             SELECT id, org_id, customer_id, assignee_id, first_attempt_at, due_date, outcome, '{}' FROM callback_tasks \
             WHERE first_attempt_at IS NOT NULL",
        ))
        .await?;
    if backend == "PostgreSQL" {
        db.execute(&stmt(
            "VACUUM (ANALYZE) customers, consents, callback_tasks, callback_attempts",
        ))
        .await?;
    } else {
        db.execute(&stmt("ANALYZE")).await?;
    }
    let load_secs = started.elapsed().as_secs_f64();

    println!("| {backend}, {dealers} dealers, {n} callbacks with their calls | value |");
    println!("|---|---|");
    println!("| loading the history (plain multi-row INSERTs) | {load_secs:.0} s |");

    let started = Instant::now();
    let created = store.generate_daily_obligations(&System::command_line()).await?;
    println!(
        "| the day's obligations for the whole network ({} customers, {created} newly lost → win-back tasks) | {:.0} ms |",
        u64::from(CUSTOMERS) * u64::from(dealers),
        started.elapsed().as_secs_f64() * 1000.0
    );

    let mut times = Vec::with_capacity(samples);
    let mut queued = Vec::new();
    for s in 0..samples {
        // Every agent once before any twice.
        let (d, a) = (s % net.len(), (s / net.len()) % 2);
        let t = Instant::now();
        let queue = store.my_queue(&net[d].agents[a]).await?;
        times.push(t.elapsed());
        if s < net.len() * 2 {
            queued.extend(queue.into_iter().map(|task| (d, a, task.id)));
        }
    }
    times.sort();
    println!(
        "| an agent's queue (≈{} tasks due today per agent) | p50 {:.2} ms, p99 {:.2} ms |",
        queued.len() / (net.len() * 2).max(1),
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );

    let mut times = Vec::with_capacity(samples);
    for (i, (d, a, task)) in queued.iter().take(samples).enumerate() {
        let outcome = if i % 2 == 0 {
            Outcome::NoAnswer
        } else {
            Outcome::WrongNumber
        };
        let attempt = NewAttempt {
            outcome,
            answers: Default::default(),
            note: None,
            phone_id: None,
            call_back_at: None,
        };
        let t = Instant::now();
        store.record_attempt(&net[*d].agents[*a], *task, attempt).await?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "| recording a call (no answer → retry; wrong number → follow-up task) | p50 {:.2} ms, p99 {:.2} ms |",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );

    let month = StatsQuery {
        from: today.with_day(1).context("day")?,
        to: today,
        period: Period::Day,
        by: By::Agent,
        org_id: None,
    };
    let mut times = Vec::new();
    for d in net.iter().take(samples.min(net.len())) {
        let t = Instant::now();
        let s = store.callback_stats(&d.manager, &month).await?;
        times.push(t.elapsed());
        anyhow::ensure!(s.total.due > 0, "the month has callbacks");
    }
    times.sort();
    println!(
        "| one dealer's month by agent and day | p50 {:.2} ms, p99 {:.2} ms |",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    let root = store.operator_as(&System::command_line(), "root").await?;
    let network_month = StatsQuery {
        by: By::Dealer,
        period: Period::Month,
        ..month
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        store.callback_stats(&root, &network_month).await?;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "| the network's month by dealer | p50 {:.0} ms, max {:.0} ms |",
        percentile(&times, 0.5),
        percentile(&times, 1.0)
    );
    if let dcrc_app::Db::Postgres(_) = db {
        let schema = format!("bench_{}_callbacks", std::process::id());
        db.execute(&stmt(format!("DROP SCHEMA {schema} CASCADE"))).await?;
    }
    Ok(())
}
