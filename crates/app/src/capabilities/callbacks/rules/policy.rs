//! Callback policy: for each task type, when it falls due, how far back events still create
//! it, who works it, how often an unanswered call is retried, and the script with its
//! questions. Presets per brand (`great-wall`, `changan`, `geely`, `generic`); a brand or
//! dealer overrides single values on top of its preset.

use crate::capabilities::callbacks::rules::{Due, Question, QuestionKind, TaskType};
use dcrc_domain::role::Role;
use dcrc_domain::validation::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The rules for one task type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TypeRule {
    pub enabled: bool,
    pub due: Due,
    /// Events whose task would have been due more than this many days ago create nothing
    /// (loading years of history does not flood the queue).
    pub window_days: u32,
    /// 1 (highest) to 3.
    pub priority: u8,
    /// Who works the task; assigned round-robin among the dealer's active holders.
    pub role: Role,
    /// `owner`: the customer's own sales consultant or service advisor named on the event
    /// (a sale's consultant, a repair order's advisor) works it when they are an active
    /// user of the dealer who may work callbacks; otherwise, and for `team`, the role's
    /// round-robin.
    #[serde(default)]
    pub assign: Assign,
    /// Calls before an unanswered task closes as unreachable.
    pub max_attempts: u32,
    /// Working days between unanswered calls.
    pub retry_after_working_days: u32,
    pub script_zh: String,
    pub script_en: String,
    #[serde(default)]
    pub questions: Vec<Question>,
}

/// How a task finds its agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assign {
    /// Round-robin among the dealer's active holders of the type's role. The default: a
    /// callback by someone other than the seller hears the customer out more honestly.
    #[default]
    Team,
    /// The consultant or advisor named on the event, falling back to the team.
    Owner,
}

impl Assign {
    pub fn as_str(self) -> &'static str {
        match self {
            Assign::Team => "team",
            Assign::Owner => "owner",
        }
    }
}

/// A whole policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallbackPolicy {
    pub preset: String,
    pub types: BTreeMap<TaskType, TypeRule>,
    /// A customer whose last workshop visit is this many months ago is lost (流失).
    pub churn_months: u32,
    /// The normative callback rate must be strictly above this percentage.
    pub compliance_threshold_pct: u32,
    /// The callback types whose normative rate is checked, each on its own (Great Wall:
    /// sales first-level, sales second-level and post-repair); a month at or below the
    /// threshold in any of them is non-compliant.
    #[serde(default = "checked_types")]
    pub compliance_types: Vec<TaskType>,
    /// What a non-compliant month costs the dealer, in fen (a penalty proposal the brand
    /// confirms or waives). Ours: 0, the brand sets its amount.
    #[serde(default)]
    pub noncompliance_penalty_fen: i64,
    /// Working hours, `HH:MM` Asia/Shanghai.
    pub opens: String,
    pub closes: String,
    /// Whether dealers may change values the brand set (brand staff always may).
    pub dealers_may_edit: bool,
}

fn checked_types() -> Vec<TaskType> {
    vec![TaskType::SalesFirst, TaskType::SalesSecond, TaskType::PostRepair]
}

use crate::core::policy::PRESETS;

fn stmt(key: &str, kind: QuestionKind, zh: &str, en: &str, required: bool) -> Question {
    Question {
        key: key.into(),
        kind,
        label_zh: zh.into(),
        label_en: en.into(),
        required,
    }
}

fn overall() -> Question {
    stmt(
        "overall",
        QuestionKind::Score,
        "总体满意度（1–10分）",
        "Overall satisfaction (1–10)",
        true,
    )
}

fn remarks() -> Question {
    stmt(
        "remarks",
        QuestionKind::Text,
        "客户意见或建议",
        "Customer's remarks",
        false,
    )
}

struct Defaults {
    due: Due,
    window: u32,
    priority: u8,
    role: Role,
    attempts: u32,
    zh: &'static str,
    en: &'static str,
    questions: Vec<Question>,
}

fn rule(d: Defaults) -> TypeRule {
    TypeRule {
        enabled: true,
        due: d.due,
        window_days: d.window,
        priority: d.priority,
        role: d.role,
        assign: Assign::Team,
        max_attempts: d.attempts,
        retry_after_working_days: 1,
        script_zh: d.zh.into(),
        script_en: d.en.into(),
        questions: d.questions,
    }
}

/// The generic preset: the due offsets of the domain guide §5.
fn generic_rule(t: TaskType) -> TypeRule {
    use QuestionKind::*;
    let agent = Role::CallbackAgent;
    match t {
        TaskType::SalesFirst => rule(Defaults {
            due: Due::WithinWorkingDays(1),
            window: 14,
            priority: 1,
            role: agent,
            attempts: 3,
            zh: "您好，我是{dealer}客户关系部的回访专员。感谢您选择我们，您的新车已于{date}交付，想了解一下交车过程中您是否满意，占用您两分钟时间可以吗？",
            en: "Hello, this is the customer relations team of {dealer}. Thank you for buying your car from us on {date}; may I take two minutes to ask about your delivery?",
            questions: vec![
                overall(),
                stmt("consultant", Score, "对销售顾问的满意度（1–10分）", "Sales consultant (1–10)", true),
                stmt("features_explained", YesNo, "交车时是否讲解了车辆功能和使用注意事项", "Were the car's features explained at delivery?", false),
                remarks(),
            ],
        }),
        TaskType::SalesSecond => rule(Defaults {
            due: Due::OnDay(7),
            window: 14,
            priority: 2,
            role: agent,
            attempts: 3,
            zh: "您好，我是{dealer}的回访专员。您的爱车已经使用一周了，想了解一下用车是否顺利，有没有需要我们帮助的地方？",
            en: "Hello from {dealer}. You have had your car for a week now; is everything going well, and is there anything we can help with?",
            questions: vec![
                overall(),
                stmt("recommend", YesNo, "是否愿意向亲友推荐我店", "Would you recommend us to friends?", false),
                remarks(),
            ],
        }),
        TaskType::PostRepair => rule(Defaults {
            due: Due::WithinWorkingDays(3),
            window: 14,
            priority: 1,
            role: agent,
            attempts: 3,
            zh: "您好，我是{dealer}售后服务回访专员。您的车辆于{date}在我店完成维修保养，想了解一下车辆现在的情况以及您对本次服务是否满意。",
            en: "Hello from {dealer}'s service team. Your car was serviced with us on {date}; how is it running, and were you satisfied with the visit?",
            questions: vec![
                overall(),
                stmt("fixed_first_time", YesNo, "问题是否一次修好", "Was it fixed right the first time?", true),
                stmt("advisor", Score, "对服务顾问的满意度（1–10分）", "Service advisor (1–10)", false),
                remarks(),
            ],
        }),
        TaskType::LostSale => rule(Defaults {
            due: Due::WithinWorkingDays(2),
            window: 14,
            priority: 2,
            role: Role::InfoMaintainer,
            attempts: 2,
            zh: "您好，我是{dealer}的客服专员。之前您来店了解过车型，想请教一下您最终没有选择我们的原因，以便我们改进。",
            en: "Hello from {dealer}. You visited us about a car recently; may I ask what made you decide against buying from us, so we can improve?",
            questions: vec![
                stmt("reason", Text, "战败原因（价格/服务/竞品/其他）", "Reason (price, service, competitor, other)", true),
                remarks(),
            ],
        }),
        TaskType::ComplaintClosure => rule(Defaults {
            due: Due::WithinWorkingDays(1),
            window: 30,
            priority: 1,
            role: agent,
            attempts: 3,
            zh: "您好，我是{dealer}客户关系部。关于您反映的问题，我们已经处理完毕，想确认一下您对处理结果是否满意。",
            en: "Hello from {dealer}. We have dealt with the issue you raised; are you satisfied with how it was resolved?",
            questions: vec![
                stmt("resolved", YesNo, "问题是否已解决", "Is the issue resolved?", true),
                overall(),
                remarks(),
            ],
        }),
        TaskType::ChurnWinback => rule(Defaults {
            due: Due::WithinWorkingDays(10),
            window: 30,
            priority: 3,
            role: agent,
            attempts: 2,
            zh: "您好，我是{dealer}的服务专员。您的爱车已经有一段时间没有回店保养了，我们为老客户准备了保养优惠，想邀请您回店检查。",
            en: "Hello from {dealer}. We have not seen your car for a while; we would like to invite you for a check-up with our returning-customer offer.",
            questions: vec![
                stmt("reason", Text, "未回店原因", "Why they have not come back", false),
                stmt("will_visit", YesNo, "是否愿意预约回店", "Will they book a visit?", true),
            ],
        }),
        TaskType::MaintenanceReminder => rule(Defaults {
            due: Due::DaysBefore(7),
            window: 14,
            priority: 2,
            role: agent,
            attempts: 2,
            zh: "您好，我是{dealer}的服务专员。您的爱车即将到保养时间，需要为您预约保养吗？",
            en: "Hello from {dealer}. Your car's service is coming due; shall I book it for you?",
            questions: vec![stmt("booked", YesNo, "是否预约", "Booked?", true)],
        }),
        TaskType::InsuranceRenewal => rule(Defaults {
            due: Due::DaysBefore(30),
            window: 30,
            priority: 2,
            role: agent,
            attempts: 3,
            zh: "您好，我是{dealer}的保险专员。您爱车的保险将于{date}到期，我们可以为您提供续保报价。",
            en: "Hello from {dealer}. Your car's insurance expires on {date}; may we quote the renewal?",
            questions: vec![stmt("interested", YesNo, "是否需要续保报价", "Wants a renewal quote?", true), remarks()],
        }),
        TaskType::Care => rule(Defaults {
            due: Due::OnDay(0),
            window: 7,
            priority: 3,
            role: agent,
            attempts: 1,
            zh: "您好，我是{dealer}的客服专员，祝您生活愉快，用车有任何需要请随时联系我们。",
            en: "Hello from {dealer}; we wish you well — call us whenever your car needs anything.",
            questions: vec![remarks()],
        }),
        TaskType::InfoUpdate => rule(Defaults {
            due: Due::WithinWorkingDays(2),
            window: 30,
            priority: 2,
            role: Role::InfoMaintainer,
            attempts: 3,
            zh: "回访时发现号码错误或为空号：请通过销售/服务顾问、DMS 或其他渠道核实并更新客户联系方式。",
            en: "A callback found a wrong or empty number: find the right one through the consultant, the DMS or other records and update it.",
            questions: vec![remarks()],
        }),
        TaskType::OwnershipCheck => rule(Defaults {
            due: Due::WithinWorkingDays(2),
            window: 30,
            priority: 2,
            role: Role::InfoMaintainer,
            attempts: 3,
            zh: "接听人不是车主：请核实车辆当前车主（是否转卖、过户），并更新客户档案。",
            en: "The person who answered is not the owner: check who owns the vehicle now (sold, transferred) and update the archive.",
            questions: vec![remarks()],
        }),
        TaskType::Dissatisfaction => rule(Defaults {
            due: Due::WithinWorkingDays(1),
            window: 30,
            priority: 1,
            role: Role::ComplaintManager,
            attempts: 3,
            zh: "回访中客户表示不满意：请在当天联系客户了解详情，必要时登记为投诉并跟进处理。",
            en: "The customer was dissatisfied on a callback: contact them today, find out why, and file a complaint if needed.",
            questions: vec![remarks()],
        }),
    }
}

/// A preset by name; `None` for an unknown name.
pub fn preset(name: &str) -> Option<CallbackPolicy> {
    if !PRESETS.contains(&name) {
        return None;
    }
    let mut types: BTreeMap<TaskType, TypeRule> = TaskType::ALL.iter().map(|t| (*t, generic_rule(*t))).collect();
    let mut churn_months = 12;
    match name {
        // Geely: the post-repair call is made three days after the car is handed back
        // ("交车3天后", seed 003); lost customers after 12 months without a visit.
        "geely" => {
            if let Some(r) = types.get_mut(&TaskType::PostRepair) {
                r.due = Due::OnDay(3);
            }
        }
        // Great Wall: the rules of seed 001 (90% normative rate, daily invalid-contact
        // counts) use the generic offsets; retention is analysed on 12 months as well.
        "great-wall" => {}
        // Changan: its published rules (seed 002) concern complaints; callbacks follow
        // the generic offsets, with win-back after 6 months as its service network counts.
        "changan" => churn_months = 6,
        _ => {}
    }
    Some(CallbackPolicy {
        preset: name.to_string(),
        types,
        churn_months,
        compliance_threshold_pct: 90,
        compliance_types: checked_types(),
        noncompliance_penalty_fen: 0,
        opens: "08:30".into(),
        closes: "17:30".into(),
        dealers_may_edit: false,
    })
}

impl CallbackPolicy {
    pub fn rule(&self, t: TaskType) -> Option<&TypeRule> {
        self.types.get(&t).filter(|r| r.enabled)
    }

    /// Checks every value; problems name the field (`types.sales_first.window_days`).
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errors = Invalid::default();
        for (t, r) in &self.types {
            let f = |name: &str| format!("types.{}.{name}", t.as_str());
            let mut range = |name: &str, v: i64, min: i64, max: i64| {
                if !(min..=max).contains(&v) {
                    errors.push(FieldError::new(f(name), "range").with("min", min).with("max", max));
                }
            };
            range("due", i64::from(r.due.days()), 0, 366);
            range("window_days", i64::from(r.window_days), 0, 366);
            range("priority", i64::from(r.priority), 1, 3);
            range("max_attempts", i64::from(r.max_attempts), 1, 10);
            range("retry_after_working_days", i64::from(r.retry_after_working_days), 1, 30);
            if r.script_zh.chars().count() > 2000 || r.script_en.chars().count() > 2000 {
                errors.push(
                    FieldError::new(f("script_zh"), "length")
                        .with("min", 0)
                        .with("max", 2000),
                );
            }
            if !r.role.fits_org(dcrc_domain::OrgKind::Dealer) || r.role == Role::Admin {
                errors.push(FieldError::new(f("role"), "role_not_at_dealer"));
            }
        }
        if !(1..=60).contains(&self.churn_months) {
            errors.push(FieldError::new("churn_months", "range").with("min", 1).with("max", 60));
        }
        if !(1..=100).contains(&self.compliance_threshold_pct) {
            errors.push(
                FieldError::new("compliance_threshold_pct", "range")
                    .with("min", 1)
                    .with("max", 100),
            );
        }
        match (parse_hm(&self.opens), parse_hm(&self.closes)) {
            (Some(o), Some(c)) if o < c => {}
            (None, _) => errors.push(FieldError::new("opens", "time_format")),
            (_, None) => errors.push(FieldError::new("closes", "time_format")),
            _ => errors.push(FieldError::new("closes", "before_opens")),
        }
        errors.finish()
    }

    pub fn hours(&self) -> (chrono::NaiveTime, chrono::NaiveTime) {
        let d = dcrc_domain::calendar::BusinessCalendar::default();
        (
            parse_hm(&self.opens).unwrap_or(d.opens),
            parse_hm(&self.closes).unwrap_or(d.closes),
        )
    }
}

fn parse_hm(s: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_covers_every_type() {
        for name in PRESETS {
            let p = preset(name).unwrap();
            assert_eq!(p.types.len(), TaskType::ALL.len(), "{name}");
            p.validate().unwrap();
        }
        assert!(preset("tesla").is_none());
    }

    #[test]
    fn presets_differ_where_the_brands_rules_do() {
        let geely = preset("geely").unwrap();
        let generic = preset("generic").unwrap();
        assert_eq!(geely.types[&TaskType::PostRepair].due, Due::OnDay(3));
        assert_eq!(generic.types[&TaskType::PostRepair].due, Due::WithinWorkingDays(3));
        assert_eq!(generic.types[&TaskType::SalesFirst].due, Due::WithinWorkingDays(1));
        assert_eq!(generic.types[&TaskType::SalesSecond].due, Due::OnDay(7));
        assert_eq!(preset("great-wall").unwrap().compliance_threshold_pct, 90);
    }

    #[test]
    fn bad_values_are_named() {
        let mut p = preset("generic").unwrap();
        if let Some(r) = p.types.get_mut(&TaskType::SalesFirst) {
            r.window_days = 400;
            r.max_attempts = 0;
        }
        p.closes = "25:00".into();
        let e = p.validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "types.sales_first.window_days",
                "types.sales_first.max_attempts",
                "closes"
            ]
        );
    }
}
