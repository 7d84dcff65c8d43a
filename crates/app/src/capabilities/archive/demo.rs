//! A deterministic generator of lived-in archive data: Chinese names, valid-format
//! phones, VINs with correct check digits, plates of each dealer's city, and one to two
//! years of sales, maintenance and insurance history. Used by `dcrc demo` and, at large
//! scale, by the benchmarks.

use crate::capabilities::archive::data::customers::{
    insert_consents, insert_customer, replace_phones, ConsentInput, CustomerFields,
};
use crate::capabilities::archive::data::history::{
    insert_policy, insert_repair, insert_sale, InsurancePolicy, RepairOrder, Sale,
};
use crate::capabilities::archive::data::types::{ConsentPurpose, PhoneStatus};
use crate::capabilities::archive::data::vehicles::add_mileage;
use crate::core::access::Authority;
use crate::core::audit::{Actor, Event};
use crate::core::error::{Result, StoreError};
use crate::{stmt, Store};
use chrono::{Duration, NaiveDate};
use dcrc_domain::{Phone, Vin};

/// A small, fast, deterministic random source (SplitMix64): the same seed gives the same
/// data on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "梁", "郑", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹", "曾", "彭", "萧", "蔡", "潘", "田", "董", "袁",
    "于", "余", "叶", "蒋", "杜", "苏", "魏", "程", "吕", "丁", "沈", "任", "姚", "卢", "钟", "姜", "崔", "谭", "陆",
    "范", "汪", "廖", "石", "金", "韦", "贾", "夏", "付", "方", "邹", "熊", "白", "孟", "秦", "邱", "侯", "江", "尹",
    "薛", "闫", "段", "雷", "龙", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "华", "建华", "志强", "晓东", "海燕", "玉兰", "国平", "小红", "俊杰", "子轩", "浩然", "欣怡",
    "梓涵", "宇航", "思远", "佳怡", "文博", "嘉欣", "晨曦", "雨桐", "一鸣", "若曦", "天佑", "紫萱", "家豪", "婷婷",
    "建国", "淑珍", "永强", "春梅", "德华", "丽娟", "振宇", "慧敏", "博文", "梦琪", "立新", "卫东",
];
const MODELS: &[(&str, &str, i64)] = &[
    ("哈弗", "哈弗H6", 13_890_000),
    ("哈弗", "哈弗大狗", 15_490_000),
    ("哈弗", "哈弗H9", 21_490_000),
    ("坦克", "坦克300", 19_980_000),
    ("坦克", "坦克500", 33_500_000),
    ("魏牌", "魏牌蓝山", 26_980_000),
    ("欧拉", "欧拉好猫", 11_980_000),
    ("长城", "长城炮", 12_880_000),
];
const COLOURS: &[&str] = &["白色", "黑色", "灰色", "银色", "蓝色", "红色", "绿色"];
const INSURERS: &[&str] = &["中国人保", "平安保险", "太平洋保险", "中华联合", "大地保险"];
const FAULTS: &[&str] = &[
    "异响",
    "空调不制冷",
    "刹车片磨损",
    "发动机故障灯亮",
    "轮胎鼓包",
    "车窗升降异常",
    "蓄电池亏电",
    "雨刮器失效",
];
const PHONE_PREFIXES: &[&str] = &[
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177", "180", "181", "186",
    "187", "188", "189", "199",
];
const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

/// Where a dealer is: its plate prefix and region.
#[derive(Debug, Clone)]
pub struct DealerPlace {
    pub org_id: i64,
    /// e.g. `粤A` for Guangzhou.
    pub plate_prefix: String,
    pub province: String,
    pub city: String,
    pub districts: Vec<String>,
    /// Names used as sales consultants and service advisors.
    pub consultants: Vec<String>,
    pub advisors: Vec<String>,
}

/// How much to generate.
#[derive(Debug, Clone)]
pub struct DemoScale {
    pub customers_per_dealer: usize,
    /// Days of history before today.
    pub history_days: i64,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoCounts {
    pub customers: usize,
    pub vehicles: usize,
    pub sales: usize,
    pub repair_orders: usize,
    pub insurance_policies: usize,
}

fn vin(rng: &mut Rng, serial: u64) -> Result<Vin> {
    let mut raw = *b"LGWEF4A50R0000000";
    for slot in raw.iter_mut().take(8).skip(3) {
        *slot = *rng.pick(VIN_CHARS);
    }
    raw[9] = *rng.pick(b"PRSTV");
    raw[10] = *rng.pick(b"ABCDEFGHJKLMNPRSTUVWXYZ");
    let digits = format!("{:06}", serial % 1_000_000);
    raw[11..].copy_from_slice(digits.as_bytes());
    // Above a million vehicles, the plant letter absorbs the overflow so VINs stay unique.
    raw[10] = VIN_CHARS[((serial / 1_000_000) as usize + usize::from(raw[10] % 7)) % VIN_CHARS.len()];
    Vin::with_check_digit(raw).ok_or_else(|| StoreError::Internal(format!("generated VIN {raw:?}")))
}

fn plate(rng: &mut Rng, prefix: &str) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"0123456789";
    let mut serial = String::new();
    if rng.chance(12) {
        // New-energy: D (pure electric) or F, then a letter or digit, then four digits.
        serial.push(if rng.chance(70) { 'D' } else { 'F' });
        let pool = if rng.chance(50) { LETTERS } else { DIGITS };
        serial.push(*rng.pick(pool) as char);
        for _ in 0..4 {
            serial.push(*rng.pick(DIGITS) as char);
        }
    } else {
        // Ordinary: five characters, mostly digits, at most two letters.
        let letters = rng.below(3);
        for i in 0..5 {
            let letter = (i as u64) < letters && rng.chance(60);
            let pool = if letter { LETTERS } else { DIGITS };
            serial.push(*rng.pick(pool) as char);
        }
    }
    format!("{prefix}{serial}")
}

fn phone(rng: &mut Rng, index: u64) -> Result<Phone> {
    let prefix = rng.pick(PHONE_PREFIXES);
    // The index is spread over the last eight digits so numbers within a dealer never repeat.
    // An affine map modulo 10^8 with a multiplier coprime to it is a bijection: no two
    // customers of a dealer share the last eight digits.
    let body = (index.wrapping_mul(48_271) + 31_234_567) % 100_000_000;
    let text = format!("{prefix}{body:08}");
    Phone::parse(&text).map_err(|_| StoreError::Internal(format!("generated phone {text}")))
}

impl Store {
    /// Fills each dealer with customers, vehicles and history, one transaction per 500
    /// customers; ends with one audit entry per dealer.
    pub async fn seed_archive(
        &self,
        who: &impl Authority,
        places: &[DealerPlace],
        scale: &DemoScale,
    ) -> Result<DemoCounts> {
        let mut rng = Rng::new(scale.seed);
        let today = self.clock.today();
        let mut counts = DemoCounts::default();
        let mut vin_serial: u64 = self
            .access(who)
            .fetch_one(&stmt("SELECT COUNT(*) AS n FROM vehicles"))
            .await?
            .i64("n")?
            .unsigned_abs();
        for place in places {
            let mut done = 0;
            while done < scale.customers_per_dealer {
                let batch = (scale.customers_per_dealer - done).min(500);
                let mut tx = self.access(who).begin().await?;
                let now = self.now_ms();
                for i in done..done + batch {
                    let index = i as u64;
                    let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
                    let company = rng.chance(4);
                    let fields = CustomerFields {
                        kind: if company {
                            crate::capabilities::archive::data::types::CustomerKind::Company
                        } else {
                            crate::capabilities::archive::data::types::CustomerKind::Person
                        },
                        name: if company {
                            format!(
                                "{}{}",
                                place.city,
                                rng.pick(&["物流有限公司", "出租汽车公司", "建材有限公司", "贸易有限公司"])
                            )
                        } else {
                            name
                        },
                        gender: None,
                        id_number: None,
                        province: Some(place.province.clone()),
                        city: Some(place.city.clone()),
                        district: Some(rng.pick(&place.districts).clone()),
                        address: None,
                        attributes: if company {
                            "company".into()
                        } else if rng.chance(5) {
                            "taxi".into()
                        } else {
                            "private".into()
                        },
                        tags: if rng.chance(10) { "VIP".into() } else { String::new() },
                        membership_level: rng
                            .chance(40)
                            .then(|| rng.pick(&["普卡", "银卡", "金卡", "钻石卡"]).to_string()),
                        referred_by: None,
                    };
                    let id = insert_customer(&mut tx, now, place.org_id, &fields, None).await?;
                    let mut phones = vec![(phone(&mut rng, index)?, PhoneStatus::Valid)];
                    if rng.chance(3) {
                        phones[0].1 = *rng.pick(&[
                            PhoneStatus::WrongNumber,
                            PhoneStatus::EmptyNumber,
                            PhoneStatus::PoweredOff,
                        ]);
                    }
                    replace_phones(&mut tx, now, id, place.org_id, &phones, false).await?;
                    let consents = [
                        ConsentInput {
                            purpose: ConsentPurpose::ServiceContact,
                            granted: !rng.chance(3),
                            source: Some("in_store".into()),
                        },
                        ConsentInput {
                            purpose: ConsentPurpose::Marketing,
                            granted: rng.chance(60),
                            source: Some("in_store".into()),
                        },
                    ];
                    insert_consents(&mut tx, now, id, place.org_id, &consents, "demo").await?;
                    counts.customers += 1;
                    let vehicles = if company {
                        2 + rng.below(3)
                    } else if rng.chance(8) {
                        2
                    } else {
                        1
                    };
                    for _ in 0..vehicles {
                        counts = self
                            .seed_vehicle(
                                &mut tx,
                                &mut rng,
                                place,
                                id,
                                today,
                                scale.history_days,
                                &mut vin_serial,
                                counts,
                            )
                            .await?;
                    }
                    // A customer is filed (建档) when they buy: date the record by its first
                    // vehicle, so per-period figures (the callback rate) read as a dealer's.
                    let first = tx
                        .fetch_one(&stmt("SELECT MIN(start_date) AS d FROM ownerships WHERE customer_id = $1").bind(id))
                        .await?
                        .opt_text("d")?
                        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                        .and_then(|d| d.and_hms_opt(2, 0, 0))
                        .map(|t| t.and_utc().timestamp_millis());
                    if let Some(filed) = first.filter(|f| *f < now) {
                        tx.execute(
                            &stmt("UPDATE customers SET created_at = $1 WHERE id = $2")
                                .bind(filed)
                                .bind(id),
                        )
                        .await?;
                    }
                }
                tx.commit().await?;
                done += batch;
            }
            let detail = serde_json::json!({ "customers": scale.customers_per_dealer, "seed": scale.seed });
            self.audit(
                &Actor::system("dcrc demo"),
                Event {
                    action: "import",
                    entity: "demo_data",
                    entity_id: None,
                    org_id: Some(place.org_id),
                    detail,
                },
            )
            .await?;
        }
        Ok(counts)
    }

    #[allow(clippy::too_many_arguments)]
    async fn seed_vehicle(
        &self,
        tx: &mut crate::Tx,
        rng: &mut Rng,
        place: &DealerPlace,
        customer_id: i64,
        today: NaiveDate,
        history_days: i64,
        vin_serial: &mut u64,
        mut counts: DemoCounts,
    ) -> Result<DemoCounts> {
        let now = self.now_ms();
        *vin_serial += 1;
        let vin = vin(rng, *vin_serial)?;
        let (brand, model, price) = *rng.pick(MODELS);
        let delivered = today - Duration::days(1 + rng.below(history_days.max(1) as u64) as i64);
        let row = tx
            .fetch_one(
                &stmt("INSERT INTO vehicles (org_id, vin, vin_rev, vin_check_overridden, plate, brand, model, trim_level, colour, purchase_date, delivery_date, created_at, updated_at) \
                    VALUES ($1, $2, $3, FALSE, $4, $5, $6, $7, $8, $9, $9, $10, $10) RETURNING id")
                .bind(place.org_id)
                .bind(vin.as_str())
                .bind(vin.as_str().chars().rev().collect::<String>())
                .bind(plate(rng, &place.plate_prefix))
                .bind(brand)
                .bind(model)
                .bind(*rng.pick(&["两驱精英版", "四驱豪华版", "旗舰版", "标准版"]))
                .bind(*rng.pick(COLOURS))
                .bind(delivered.format("%Y-%m-%d").to_string())
                .bind(now),
            )
            .await?;
        let vehicle_id = row.i64("id")?;
        counts.vehicles += 1;
        let amount = price - (rng.below(20) as i64) * 100_000;
        let sale = Sale {
            id: 0,
            org_id: place.org_id,
            customer_id,
            vehicle_id,
            consultant_name: Some(rng.pick(&place.consultants).clone()),
            contract_date: Some(delivered - Duration::days(3 + rng.below(20) as i64)),
            delivery_date: Some(delivered),
            amount_fen: Some(amount),
            source_record_id: None,
        };
        insert_sale(tx, now, &sale).await?;
        counts.sales += 1;
        let mut visit = delivered + Duration::days(80 + rng.below(40) as i64);
        let mut km = 0;
        let mut first = true;
        while visit < today {
            km += 3_000 + rng.below(5_000) as i64;
            let repair = rng.chance(20);
            let labour = if repair {
                20_000 + rng.below(80_000) as i64
            } else {
                15_000 + rng.below(10_000) as i64
            };
            let parts = if repair {
                rng.below(300_000) as i64
            } else {
                25_000 + rng.below(20_000) as i64
            };
            let ro = RepairOrder {
                id: 0,
                org_id: place.org_id,
                customer_id,
                vehicle_id,
                ro_number: Some(format!("RO{}{:06}", visit.format("%y%m"), rng.below(1_000_000))),
                opened_on: visit,
                delivered_on: Some(visit + Duration::days(i64::from(repair))),
                kind: if first {
                    "first_maintenance".into()
                } else if repair {
                    "repair".into()
                } else {
                    "maintenance".into()
                },
                mileage_km: Some(km),
                labour_fen: Some(labour),
                parts_fen: Some(parts),
                total_fen: Some(labour + parts),
                advisor_name: Some(rng.pick(&place.advisors).clone()),
                fault_description: repair.then(|| rng.pick(FAULTS).to_string()),
                fault_code: None,
                source_record_id: None,
            };
            insert_repair(tx, now, &ro).await?;
            counts.repair_orders += 1;
            first = false;
            visit += Duration::days(150 + rng.below(60) as i64);
        }
        let mut start = delivered;
        while start <= today {
            let policy = InsurancePolicy {
                id: 0,
                org_id: place.org_id,
                customer_id,
                vehicle_id,
                insurer: rng.pick(INSURERS).to_string(),
                kind: "commercial".into(),
                policy_number: None,
                start_date: start,
                expiry_date: start + Duration::days(364),
                premium_fen: Some(300_000 + rng.below(400_000) as i64),
                source_record_id: None,
            };
            insert_policy(tx, now, &policy).await?;
            counts.insurance_policies += 1;
            start += Duration::days(365);
        }
        if km > 0 {
            add_mileage(
                tx,
                vehicle_id,
                place.org_id,
                today,
                km + rng.below(2_000) as i64,
                "estimate",
            )
            .await?;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identifiers_are_valid() {
        let mut rng = Rng::new(7);
        for i in 1..2_000 {
            let v = vin(&mut rng, i).unwrap();
            assert!(Vin::parse(v.as_str()).unwrap().1.is_none());
            let p = plate(&mut rng, "粤A");
            assert!(dcrc_domain::Plate::parse(&p).is_ok(), "{p}");
            phone(&mut rng, i).unwrap();
        }
        assert_eq!(Rng::new(1).next_u64(), Rng::new(1).next_u64(), "deterministic");
    }
}
