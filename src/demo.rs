//! `dcrc demo`: a ready-to-explore installation on SQLite — a brand, a region, a dealer
//! group with three dealers, and one user for every role — then the server.

use crate::cli::DemoArgs;
use crate::config::Config;
use dcrc_app::capabilities::accounts::data::orgs::NewOrg;
use dcrc_app::capabilities::accounts::data::users::NewUser;
use dcrc_app::capabilities::archive::demo::{DealerPlace, DemoScale};
use dcrc_app::Store;
use dcrc_domain::{OrgKind, Role};

/// The password of every demo account (printed at start; demo data only).
pub const DEMO_PASSWORD: &str = "dcrc-demo-2026";
const DEMO_MARKER: &str = "demo_seeded";

/// (username, display name, role, which org: 0 brand, 1 region, 2 group, 3.. dealers)
const DEMO_USERS: &[(&str, &str, Role, usize)] = &[
    ("brand", "赵敏（厂家客户关系部）", Role::BrandStaff, 0),
    ("group", "钱进（集团客户管理）", Role::GroupStaff, 2),
    ("manager", "孙立（总经理）", Role::GeneralManager, 3),
    ("custmgr", "李娜（客户经理）", Role::CustomerManager, 3),
    ("agent", "周敏（回访员）", Role::CallbackAgent, 3),
    ("inspector", "吴刚（流程点检员）", Role::ProcessInspector, 3),
    ("info", "郑洁（信息维护员）", Role::InfoMaintainer, 3),
    ("complaint", "王强（投诉管理员）", Role::ComplaintManager, 3),
    ("sales", "冯磊（销售顾问）", Role::SalesConsultant, 3),
    ("advisor", "陈晨（服务顾问）", Role::ServiceAdvisor, 3),
    ("dealer.admin", "褚亮（天河店管理员）", Role::Admin, 3),
];

/// Seeds the demo organisation tree and users into an empty database.
/// How much demo data to make beyond the fixed tree and users.
pub struct DemoSize {
    pub dealers: usize,
    pub customers_per_dealer: usize,
}

pub async fn seed(store: &Store, extra: &DemoSize) -> anyhow::Result<()> {
    let customers_per_dealer = extra.customers_per_dealer;
    store
        .initialise(&dcrc_app::System::command_line(), "长城汽车", "admin", DEMO_PASSWORD)
        .await
        .map_err(crate::users::explain)?;
    let admin = store.operator_as(&dcrc_app::System::command_line(), "admin").await?;
    let mk = |name: &str, kind, parent, code: &str| NewOrg {
        name: name.into(),
        kind,
        parent_id: Some(parent),
        code: Some(code.into()),
    };
    let region = store
        .create_org(&admin, mk("华南大区", OrgKind::Region, admin.org_id, "R-SC"))
        .await
        .map_err(crate::users::explain)?;
    let group = store
        .create_org(&admin, mk("中汽南方", OrgKind::Group, region.id, "G-ZQNF"))
        .await
        .map_err(crate::users::explain)?;
    let mut orgs = vec![admin.org_id, region.id, group.id];
    for (name, code) in [
        ("广州天河店", "D-GZ01"),
        ("深圳南山店", "D-SZ01"),
        ("佛山禅城店", "D-FS01"),
    ] {
        orgs.push(
            store
                .create_org(&admin, mk(name, OrgKind::Dealer, group.id, code))
                .await
                .map_err(crate::users::explain)?
                .id,
        );
    }
    for (username, display, role, org) in DEMO_USERS {
        let input = NewUser {
            username: (*username).into(),
            password: DEMO_PASSWORD.into(),
            display_name: (*display).into(),
            org_id: orgs[*org],
            roles: vec![*role],
            locale: None,
        };
        store.create_user(&admin, input).await.map_err(crate::users::explain)?;
    }
    let place = |org_id: i64, plate: &str, city: &str, districts: &[&str]| DealerPlace {
        org_id,
        plate_prefix: plate.into(),
        province: "广东".into(),
        city: city.into(),
        districts: districts.iter().map(|d| d.to_string()).collect(),
        consultants: ["冯磊", "林晓", "何俊", "郭婷"].map(String::from).to_vec(),
        advisors: ["陈晨", "黄志强", "梁静"].map(String::from).to_vec(),
    };
    let mut places = vec![
        place(
            orgs[3],
            "粤A",
            "广州",
            &["天河区", "越秀区", "海珠区", "白云区", "番禺区"],
        ),
        place(orgs[4], "粤B", "深圳", &["南山区", "福田区", "宝安区", "龙岗区"]),
        place(orgs[5], "粤E", "佛山", &["禅城区", "南海区", "顺德区"]),
    ];
    // More dealers for benchmark-sized datasets: spread over Guangdong's cities.
    const CITIES: [(&str, &str, &str); 6] = [
        ("粤A", "广州", "增城区"),
        ("粤B", "深圳", "龙华区"),
        ("粤C", "珠海", "香洲区"),
        ("粤E", "佛山", "顺德区"),
        ("粤S", "东莞", "南城街道"),
        ("粤T", "中山", "石岐区"),
    ];
    for k in places.len()..extra.dealers {
        let (plate, city, district) = CITIES[k % CITIES.len()];
        let name = format!("{city}第{}店", k + 1);
        let org = store
            .create_org(
                &admin,
                mk(&name, OrgKind::Dealer, group.id, &format!("D-X{:04}", k + 1)),
            )
            .await
            .map_err(crate::users::explain)?;
        places.push(place(org.id, plate, city, &[district]));
    }
    let started = std::time::Instant::now();
    let scale = DemoScale {
        customers_per_dealer,
        history_days: 730,
        seed: 2026,
    };
    let counts = store.seed_archive(&admin, &places, &scale).await?;
    let calls = store.seed_callback_work(&admin, scale.seed).await?;
    let complaints = crate::demo_complaints::seed(store).await?;
    let appointments = crate::demo_workshop::seed(store).await?;
    tracing::info!(
        ?counts,
        calls,
        complaints,
        appointments,
        seconds = started.elapsed().as_secs_f64(),
        "demo archive generated"
    );
    store.set_setting(DEMO_MARKER, "1").await?;
    Ok(())
}

pub async fn run(config: &Config, args: &DemoArgs) -> anyhow::Result<()> {
    let store = crate::serve::open(config, true).await?;
    if !store.is_initialised(&dcrc_app::System::command_line()).await? {
        seed(
            &store,
            &DemoSize {
                dealers: args.dealers.max(3),
                customers_per_dealer: args.customers_per_dealer,
            },
        )
        .await?;
    } else if store.setting(DEMO_MARKER).await?.is_none() {
        anyhow::bail!(
            "{} already holds real data; `dcrc demo` only runs on an empty or demo database (use --database)",
            dcrc_app::core::db::redact_url(&config.database_url)
        );
    }
    store.close().await;
    if args.no_serve {
        println!(
            "demo data is in {}",
            dcrc_app::core::db::redact_url(&config.database_url)
        );
        return Ok(());
    }
    println!();
    println!("DCRC demo — 经销商客户关系中心演示");
    println!("  open  http://{}/", config.listen.replace("0.0.0.0", "127.0.0.1"));
    println!("  every account's password: {DEMO_PASSWORD}");
    println!("  admin (系统管理员, brand 长城汽车)");
    for (username, display, _, _) in DEMO_USERS {
        println!("  {username:<13} {display}");
    }
    println!();
    crate::serve::serve(config, &args.serve, false).await
}
