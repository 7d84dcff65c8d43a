//! Callbacks (回访): task types, call outcomes and what each outcome causes, the answers a
//! call records, and when a task falls due. The policy values live in
//! [`crate::capabilities::callbacks::rules::policy`]; this module holds the rules that apply them.

pub mod policy;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use dcrc_domain::calendar::BusinessCalendar;
use dcrc_domain::validation::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// Why a customer is to be called.
    TaskType {
        /// 一级回访: after a vehicle is delivered.
        SalesFirst = "sales_first",
        /// 二级回访: a week after delivery.
        SalesSecond = "sales_second",
        /// 维修后回访: after a repair order is delivered.
        PostRepair = "post_repair",
        /// 战败回访: a prospect was lost.
        LostSale = "lost_sale",
        /// The customer confirms a complaint's resolution.
        ComplaintClosure = "complaint_closure",
        /// No workshop visit for the churn period.
        ChurnWinback = "churn_winback",
        MaintenanceReminder = "maintenance_reminder",
        InsuranceRenewal = "insurance_renewal",
        /// Birthdays, holidays, weather: care calls.
        Care = "care",
        /// An information maintainer corrects a wrong or empty number.
        InfoUpdate = "info_update",
        /// Someone other than the owner answered: check who owns the vehicle now.
        OwnershipCheck = "ownership_check",
        /// A dissatisfied customer: follow up (the complaints capability files a complaint).
        Dissatisfaction = "dissatisfaction",
    }
}

string_enum! {
    /// What happened on one call.
    Outcome {
        ReachedSatisfied = "reached_satisfied",
        ReachedDissatisfied = "reached_dissatisfied",
        NoAnswer = "no_answer",
        PoweredOff = "powered_off",
        Busy = "busy",
        WrongNumber = "wrong_number",
        EmptyNumber = "empty_number",
        NotOwner = "not_owner",
        Refused = "refused",
        CallBackLater = "call_back_later",
    }
}

string_enum! {
    /// Where a task is in its life.
    TaskState {
        /// Waiting to be worked (possibly for a retry or an agreed time).
        Open = "open",
        /// Closed by a call (the customer answered, refused, or the number proved bad).
        Done = "done",
        /// Closed after the policy's attempts without reaching anyone.
        Unreachable = "unreachable",
        /// Withdrawn: consent withdrawn, customer erased, or cancelled by a supervisor.
        Cancelled = "cancelled",
    }
}

string_enum! {
    /// Kinds of question a callback script asks.
    QuestionKind {
        /// 1–10.
        Score = "score",
        YesNo = "yes_no",
        Text = "text",
    }
}

impl TaskType {
    /// The consent purpose that must allow contact: win-back and care calls are marketing,
    /// the rest is service contact about the customer's own vehicle or case.
    pub fn purpose(self) -> &'static str {
        match self {
            TaskType::ChurnWinback | TaskType::Care => "marketing",
            _ => "service_contact",
        }
    }

    /// Follow-up work handled inside the dealer rather than a call made to the customer.
    pub fn is_follow_up(self) -> bool {
        matches!(
            self,
            TaskType::InfoUpdate | TaskType::OwnershipCheck | TaskType::Dissatisfaction
        )
    }
}

/// What a recorded outcome does to its task and the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consequence {
    pub next: Next,
    /// The phone's new validity status (`valid`, `wrong_number`, …), if the call showed it.
    pub phone_status: Option<&'static str>,
    /// Follow-up work the outcome creates.
    pub follow_up: Option<TaskType>,
    /// Whether the customer was reached (counts toward "customers called back").
    pub reached: bool,
}

/// What happens to the task after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The task is done.
    Close,
    /// Try again after the policy's retry interval, unless attempts are used up.
    Retry,
    /// Try again at the time the customer asked for.
    CallBackAt,
}

impl Outcome {
    pub fn consequence(self) -> Consequence {
        let c = |next, phone_status, follow_up, reached| Consequence {
            next,
            phone_status,
            follow_up,
            reached,
        };
        match self {
            Outcome::ReachedSatisfied => c(Next::Close, Some("valid"), None, true),
            Outcome::ReachedDissatisfied => c(Next::Close, Some("valid"), Some(TaskType::Dissatisfaction), true),
            Outcome::NoAnswer | Outcome::Busy => c(Next::Retry, None, None, false),
            Outcome::PoweredOff => c(Next::Retry, Some("powered_off"), None, false),
            Outcome::WrongNumber => c(Next::Close, Some("wrong_number"), Some(TaskType::InfoUpdate), false),
            Outcome::EmptyNumber => c(Next::Close, Some("empty_number"), Some(TaskType::InfoUpdate), false),
            Outcome::NotOwner => c(Next::Close, Some("not_owner"), Some(TaskType::OwnershipCheck), false),
            Outcome::Refused => c(Next::Close, Some("valid"), None, true),
            Outcome::CallBackLater => c(Next::CallBackAt, Some("valid"), None, true),
        }
    }

    /// The outcomes counted every day as invalid contact information (Great Wall).
    pub fn is_invalid_contact(self) -> bool {
        matches!(
            self,
            Outcome::WrongNumber | Outcome::EmptyNumber | Outcome::NotOwner | Outcome::PoweredOff
        )
    }
}

/// One question of a callback script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    pub key: String,
    pub kind: QuestionKind,
    pub label_zh: String,
    pub label_en: String,
    #[serde(default)]
    pub required: bool,
}

/// An answer: a score, yes/no, or text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Answer {
    YesNo(bool),
    Score(i64),
    Text(String),
}

/// Checks answers against the questions: every answer belongs to a question and has its
/// kind, scores are 1–10, required questions are answered when the customer was reached.
pub fn validate_answers(
    questions: &[Question],
    answers: &BTreeMap<String, Answer>,
    reached: bool,
    errors: &mut Invalid,
) {
    for (key, answer) in answers {
        let field = format!("answers.{key}");
        let Some(q) = questions.iter().find(|q| &q.key == key) else {
            errors.push(FieldError::new(field, "unknown_field"));
            continue;
        };
        match (q.kind, answer) {
            (QuestionKind::Score, Answer::Score(n)) if !(1..=10).contains(n) => {
                errors.push(FieldError::new(field, "range").with("min", 1).with("max", 10));
            }
            (QuestionKind::Score, Answer::Score(_)) | (QuestionKind::YesNo, Answer::YesNo(_)) => {}
            (QuestionKind::Text, Answer::Text(t)) if t.chars().count() > 1000 => {
                errors.push(FieldError::new(field, "length").with("min", 0).with("max", 1000));
            }
            (QuestionKind::Text, Answer::Text(_)) => {}
            (kind, _) => errors.push(FieldError::new(field, "wrong_type").with("expected", kind.as_str())),
        }
    }
    if reached {
        for q in questions.iter().filter(|q| q.required) {
            if !answers.contains_key(&q.key) {
                errors.push(FieldError::new(format!("answers.{}", q.key), "required"));
            }
        }
    }
}

/// When a task derived from an event falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// By the close of the n-th working day after the event; workable at once
    /// (一级回访 "within 1 day").
    WithinWorkingDays(u32),
    /// On the n-th day after the event, moved to the next working day; workable from that
    /// day's opening (二级回访 "day 7", Geely's "交车3天后").
    OnDay(u32),
    /// n days before the event date (an expiry, a due service), moved back to a working
    /// day; workable from that day's opening.
    DaysBefore(u32),
}

/// A task's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueTimes {
    /// The business date it is due.
    pub due_date: NaiveDate,
    /// When it may first be worked.
    pub workable_from: DateTime<Utc>,
    /// The deadline: the close of the due date's working day.
    pub due_at: DateTime<Utc>,
}

impl Due {
    pub fn times(self, event_date: NaiveDate, cal: &BusinessCalendar) -> DueTimes {
        let (due_date, workable_day) = match self {
            Due::WithinWorkingDays(n) => (
                cal.add_working_days(event_date, n),
                cal.working_day_on_or_after(event_date),
            ),
            Due::OnDay(n) => {
                let d = cal.working_day_on_or_after(event_date + Duration::days(i64::from(n)));
                (d, d)
            }
            Due::DaysBefore(n) => {
                let d = cal.working_day_on_or_before(event_date - Duration::days(i64::from(n)));
                (d, d)
            }
        };
        DueTimes {
            due_date,
            workable_from: cal.opening(workable_day),
            due_at: cal.closing(due_date),
        }
    }

    /// The largest day count a policy may set.
    pub fn days(self) -> u32 {
        match self {
            Due::WithinWorkingDays(n) | Due::OnDay(n) | Due::DaysBefore(n) => n,
        }
    }
}

/// The retry after an unanswered call: the opening of the n-th working day after today.
pub fn retry_at(today: NaiveDate, after_working_days: u32, cal: &BusinessCalendar) -> DateTime<Utc> {
    cal.opening(cal.add_working_days(today, after_working_days.max(1)))
}

/// The normative callback rate (规范回访率) in basis points (1/100 %), and whether it
/// passes: it must be strictly above the threshold — exactly the threshold fails.
pub fn compliance(done_on_time: i64, due: i64, threshold_pct: u32) -> (Option<i64>, bool) {
    if due == 0 {
        return (None, true);
    }
    let bp = done_on_time * 10_000 / due;
    // Compare exactly in integers: on_time / due > threshold / 100.
    let passes = done_on_time * 100 > i64::from(threshold_pct) * due;
    (Some(bp), passes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone};
    use dcrc_domain::calendar::DayKind;

    fn ymd(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn spring_2026() -> BusinessCalendar {
        let mut e: Vec<_> = ymd(2026, 2, 15)
            .iter_days()
            .take(9)
            .map(|x| (x, DayKind::Holiday))
            .collect();
        e.extend([
            (ymd(2026, 2, 14), DayKind::Workday),
            (ymd(2026, 2, 28), DayKind::Workday),
        ]);
        BusinessCalendar::new(e)
    }

    #[test]
    fn enums_round_trip() {
        for t in TaskType::ALL {
            assert_eq!(TaskType::parse(t.as_str()), Some(*t));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(*o));
        }
        assert_eq!(Outcome::ALL.len(), 10);
        assert_eq!(TaskType::parse("nope"), None);
    }

    #[test]
    fn due_times_across_the_spring_festival() {
        let cal = spring_2026();
        // Delivered Thursday 2/12: first-level callback due by the close of Friday 2/13.
        let t = Due::WithinWorkingDays(1).times(ymd(2026, 2, 12), &cal);
        assert_eq!(t.due_date, ymd(2026, 2, 13));
        assert_eq!(t.due_at, Utc.with_ymd_and_hms(2026, 2, 13, 9, 30, 0).unwrap());
        // Delivered on the make-up Saturday 2/14: due on Tuesday 2/24, after the break.
        let t = Due::WithinWorkingDays(1).times(ymd(2026, 2, 14), &cal);
        assert_eq!(t.due_date, ymd(2026, 2, 24));
        assert_eq!(t.workable_from, cal.opening(ymd(2026, 2, 14)));
        // Second-level on day 7 from 2/10 is 2/17, inside the break: moved to 2/24.
        assert_eq!(Due::OnDay(7).times(ymd(2026, 2, 10), &cal).due_date, ymd(2026, 2, 24));
        // Day 7 from 2/21 is the make-up Saturday 2/28: a working day.
        assert_eq!(Due::OnDay(7).times(ymd(2026, 2, 21), &cal).due_date, ymd(2026, 2, 28));
        // 30 days before an expiry on 3/19 is 2/17: moved back to the make-up Saturday.
        let t = Due::DaysBefore(30).times(ymd(2026, 3, 19), &cal);
        assert_eq!(t.due_date, ymd(2026, 2, 14));
        assert_eq!(t.workable_from, cal.opening(ymd(2026, 2, 14)));
    }

    #[test]
    fn retries_go_to_the_next_working_day_opening() {
        let cal = spring_2026();
        assert_eq!(retry_at(ymd(2026, 2, 13), 1, &cal), cal.opening(ymd(2026, 2, 14)));
        assert_eq!(retry_at(ymd(2026, 2, 14), 1, &cal), cal.opening(ymd(2026, 2, 24)));
        assert_eq!(
            retry_at(ymd(2026, 2, 14), 0, &cal),
            cal.opening(ymd(2026, 2, 24)),
            "at least one day"
        );
        assert_eq!(
            cal.opening(ymd(2026, 2, 24))
                .with_timezone(&dcrc_domain::clock::shanghai())
                .time(),
            NaiveTime::from_hms_opt(8, 30, 0).unwrap()
        );
    }

    #[test]
    fn ninety_percent_exactly_fails_and_above_passes() {
        assert_eq!(compliance(90, 100, 90), (Some(9000), false));
        assert_eq!(compliance(91, 100, 90), (Some(9100), true));
        assert_eq!(compliance(9, 10, 90), (Some(9000), false));
        // 901/1000 = 90.1 %: passes although it rounds to 90.1 and not to 90.
        assert_eq!(compliance(901, 1000, 90), (Some(9010), true));
        // 8999/9999 = 89.999…: fails, and must not round up to 90 %.
        assert!(!compliance(8999, 9999, 90).1);
        assert_eq!(compliance(0, 0, 90), (None, true));
    }

    #[test]
    fn outcomes_have_their_consequences() {
        assert_eq!(Outcome::NoAnswer.consequence().next, Next::Retry);
        assert_eq!(Outcome::PoweredOff.consequence().phone_status, Some("powered_off"));
        let w = Outcome::WrongNumber.consequence();
        assert_eq!((w.next, w.follow_up), (Next::Close, Some(TaskType::InfoUpdate)));
        assert_eq!(Outcome::EmptyNumber.consequence().follow_up, Some(TaskType::InfoUpdate));
        assert_eq!(
            Outcome::NotOwner.consequence().follow_up,
            Some(TaskType::OwnershipCheck)
        );
        assert_eq!(
            Outcome::ReachedDissatisfied.consequence().follow_up,
            Some(TaskType::Dissatisfaction)
        );
        assert_eq!(Outcome::CallBackLater.consequence().next, Next::CallBackAt);
        let invalid: Vec<_> = Outcome::ALL.iter().filter(|o| o.is_invalid_contact()).collect();
        assert_eq!(invalid.len(), 4);
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let qs = vec![
            Question {
                key: "overall".into(),
                kind: QuestionKind::Score,
                label_zh: "总体满意度".into(),
                label_en: "Overall".into(),
                required: true,
            },
            Question {
                key: "explained".into(),
                kind: QuestionKind::YesNo,
                label_zh: "是否讲解".into(),
                label_en: "Explained".into(),
                required: false,
            },
        ];
        let mut ok = BTreeMap::new();
        ok.insert("overall".to_string(), Answer::Score(9));
        let mut errors = Invalid::default();
        validate_answers(&qs, &ok, true, &mut errors);
        assert!(errors.is_empty());

        let answers: BTreeMap<String, Answer> = serde_json_like(&[
            ("overall", Answer::Score(11)),
            ("explained", Answer::Text("y".into())),
            ("x", Answer::YesNo(true)),
        ]);
        let mut errors = Invalid::default();
        validate_answers(&qs, &answers, true, &mut errors);
        let codes: Vec<_> = errors.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("answers.explained", "wrong_type"),
                ("answers.overall", "range"),
                ("answers.x", "unknown_field")
            ]
        );
        let mut errors = Invalid::default();
        validate_answers(&qs, &BTreeMap::new(), true, &mut errors);
        assert_eq!(errors.0[0].code, "required");
        let mut errors = Invalid::default();
        validate_answers(&qs, &BTreeMap::new(), false, &mut errors);
        assert!(errors.is_empty(), "nothing is required when nobody answered");
    }

    fn serde_json_like(items: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }
}
