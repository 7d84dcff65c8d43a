//! A test application on a fresh database, driven through its HTTP front door.
#![allow(dead_code)]

pub mod live;
pub mod pages;

use crate::capabilities::accounts::data::orgs::NewOrg;
use crate::capabilities::accounts::data::users::NewUser;
use crate::test_db::{test_databases, TestDb};
use crate::{Principal, Store};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chrono::{TimeZone, Utc};
use dcrc_domain::{OrgKind, Role, TestClock};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const PW: &str = "test-password-1";

/// Ids of the standard fixture: brand → region → group → dealers A and B.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub brand: i64,
    pub region: i64,
    pub group: i64,
    pub dealer_a: i64,
    pub dealer_b: i64,
    pub user_b: i64,
    /// Dealer B's archive records (all carry the marker `SECRET`).
    pub customer_b: i64,
    pub phone_b: i64,
    pub vehicle_b: i64,
    /// A customer and vehicle of dealer A.
    pub customer_a: i64,
    pub vehicle_a: i64,
    /// An import of dealer B.
    pub import_b: i64,
    /// A segment of dealer B.
    pub segment_b: i64,
    /// A callback task of dealer B (post-repair).
    pub callback_b: i64,
    /// A callback task of dealer A, assigned to `a.agent`.
    pub callback_a: i64,
    /// Dealer A's callback agent.
    pub agent_a: i64,
    /// A complaint of dealer B, and the penalty it proposed.
    pub complaint_b: i64,
    pub penalty_b: i64,
    pub attachment_b: i64,
    /// An appointment at dealer B (its workshop has one bay and one technician).
    pub appointment_b: i64,
}

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub clock: Arc<TestClock>,
    pub db_name: &'static str,
    pub fx: Fixture,
    db: Option<TestDb>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

impl TestApp {
    /// One app per database under test, each with the standard fixture:
    /// `root` (brand admin), `brand.staff`, `a.admin` and `a.agent` at dealer A, `b.admin` at dealer B
    /// (whose records carry the marker `SECRET`).
    pub async fn all(test_clock: bool) -> Vec<TestApp> {
        let mut apps = Vec::new();
        for db in test_databases().await.expect("test databases") {
            apps.push(Self::on(db, test_clock).await);
        }
        apps
    }

    async fn on(db: TestDb, test_clock: bool) -> TestApp {
        let clock = Arc::new(TestClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()));
        let store = Store::new(db.db.clone(), clock.clone());
        store
            .initialise(&crate::testing::system(), "长城汽车", "root", PW)
            .await
            .unwrap();
        let root = store.test_user("root").await.unwrap();
        let org = |name: &str, kind, parent| NewOrg {
            name: name.into(),
            kind,
            parent_id: Some(parent),
            code: None,
        };
        let region = store
            .create_org(&root, org("华南大区", OrgKind::Region, root.org_id))
            .await
            .unwrap();
        let group = store
            .create_org(&root, org("中汽南方", OrgKind::Group, region.id))
            .await
            .unwrap();
        let a = store
            .create_org(&root, org("A店", OrgKind::Dealer, group.id))
            .await
            .unwrap();
        let b = store
            .create_org(&root, org("B店 SECRET", OrgKind::Dealer, group.id))
            .await
            .unwrap();
        let user = |username: &str, name: &str, org_id, role| NewUser {
            username: username.into(),
            password: PW.into(),
            display_name: name.into(),
            org_id,
            roles: vec![role],
            locale: None,
        };
        store
            .create_user(&root, user("brand.staff", "厂家", root.org_id, Role::BrandStaff))
            .await
            .unwrap();
        store
            .create_user(&root, user("a.admin", "A管理员", a.id, Role::Admin))
            .await
            .unwrap();
        let agent_a = store
            .create_user(&root, user("a.agent", "A回访员", a.id, Role::CallbackAgent))
            .await
            .unwrap()
            .id;
        let user_b = store
            .create_user(&root, user("b.admin", "B SECRET", b.id, Role::Admin))
            .await
            .unwrap();
        let b_admin = store.test_user("b.admin").await.unwrap();
        let (customer_b, phone_b, vehicle_b) = archive_records(
            &store,
            &b_admin,
            "SECRET客户",
            "13911112222",
            "LGWEF4A50B0000001",
            "SECRET车型",
        )
        .await;
        let import_b = store
            .start_import(
                &b_admin,
                crate::capabilities::archive::data::import::ImportKind::Customers,
                b.id,
                "SECRET.csv",
                true,
            )
            .await
            .unwrap()
            .id;
        let segment = crate::capabilities::archive::data::segments::NewSegment {
            name: "SECRET分类".into(),
            filter: Default::default(),
        };
        let segment_b = store.create_segment(&b_admin, segment).await.unwrap().id;
        let a_maint = store.test_user("root").await.unwrap();
        let (customer_a, _, vehicle_a) =
            archive_records(&store, &a_maint, "A客户", "13933334444", "LGWEF4A50A0000001", "哈弗H6").await;
        let task_of = |who: Principal, customer_id: i64| {
            let store = store.clone();
            async move {
                let f = crate::capabilities::callbacks::data::work::TaskFilter {
                    customer_id: Some(customer_id),
                    ..Default::default()
                };
                store.list_callbacks(&who, &f).await.unwrap().items[0].id
            }
        };
        let callback_b = task_of(b_admin.clone(), customer_b).await;
        let callback_a = task_of(store.test_user("root").await.unwrap(), customer_a).await;
        store
            .create_user(&root, user("b.cm", "B投诉经理", b.id, Role::ComplaintManager))
            .await
            .unwrap();
        let b_cm = store.test_user("b.cm").await.unwrap();
        // Changan's rules: a service-attitude complaint proposes a penalty.
        let changan = crate::core::policy::PolicySetting {
            preset: Some("changan".into()),
            overrides: serde_json::json!({}),
        };
        store.set_policy(&root, b.id, changan).await.unwrap();
        let complaint = crate::capabilities::complaints::data::intake::NewComplaint {
            customer_id: customer_b,
            vehicle_id: Some(vehicle_b),
            sale_id: None,
            repair_order_id: None,
            callback_task_id: None,
            channel: crate::capabilities::complaints::rules::Channel::Phone,
            category: "service_attitude".into(),
            tier: crate::capabilities::complaints::rules::Tier::General,
            title: "SECRET投诉".into(),
            description: "SECRET".into(),
            staff_name: None,
            filed_at: None,
        };
        let complaint_b = store.file_complaint(&b_cm, complaint).await.unwrap().id;
        let penalty_b = store.list_penalties(&b_cm, None).await.unwrap()[0].id;
        let attachment_b = store
            .attach_to_complaint(&b_cm, complaint_b, "SECRET.pdf", b"%PDF-1.4 SECRET")
            .await
            .unwrap()
            .id;
        let appointment_b = crate::testing::workshop::appointment_for(&store, &b_admin, customer_b).await;
        let router = crate::app(
            store.clone(),
            crate::AppOptions {
                test_clock: test_clock.then(|| clock.clone()),
                secure_cookies: false,
                metrics_token: None,
                request_timeout: None,
                body_limit: Some(64 * 1024),
            },
        );
        let fx = Fixture {
            brand: root.org_id,
            region: region.id,
            group: group.id,
            dealer_a: a.id,
            dealer_b: b.id,
            user_b: user_b.id,
            customer_b,
            phone_b,
            vehicle_b,
            customer_a,
            vehicle_a,
            import_b,
            segment_b,
            callback_b,
            callback_a,
            agent_a,
            complaint_b,
            penalty_b,
            attachment_b,
            appointment_b,
        };
        TestApp {
            router,
            store,
            clock,
            db_name: db.name,
            fx,
            db: Some(db),
        }
    }

    pub async fn cleanup(mut self) {
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// A JSON API call; `body` is sent as JSON when present.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.send(req.expect("request")).await
    }

    pub async fn login(&self, username: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"username": username, "password": PW})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text);
        r.json()["token"].as_str().expect("token").to_string()
    }
}

/// A customer with a phone, a vehicle they own, and one sale, repair order and insurance
/// policy, in the dealer of `who` (dealer A when `who` sits above the dealers). Names carry
/// the given marker so a leak is easy to spot.
async fn archive_records(
    store: &Store,
    who: &crate::Principal,
    name: &str,
    phone: &str,
    vin_base: &str,
    model: &str,
) -> (i64, i64, i64) {
    use crate::capabilities::archive::data::customers::{NewCustomer, PhoneInput};
    use crate::capabilities::archive::data::history::{InsurancePolicy, RepairOrder, Sale};
    use crate::capabilities::archive::data::vehicles::NewVehicle;
    let org_id = if who.org_kind == OrgKind::Dealer {
        who.org_id
    } else {
        store.test_user("a.admin").await.unwrap().org_id
    };
    let c = store
        .create_customer(
            who,
            NewCustomer {
                org_id: Some(org_id),
                name: name.into(),
                phones: vec![PhoneInput {
                    number: phone.into(),
                    status: None,
                }],
                ..NewCustomer::default()
            },
        )
        .await
        .unwrap();
    let mut raw = [0u8; 17];
    raw.copy_from_slice(vin_base.as_bytes());
    let vin = dcrc_domain::Vin::with_check_digit(raw).unwrap();
    let v = store
        .create_vehicle(
            who,
            NewVehicle {
                org_id: Some(org_id),
                vin: vin.as_str().into(),
                model: Some(model.into()),
                plate: Some("粤A12345".into()),
                ..NewVehicle::default()
            },
        )
        .await
        .unwrap();
    let ymd = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let marker = format!("{name} notes");
    let sale = Sale {
        id: 0,
        org_id: 0,
        customer_id: c.id,
        vehicle_id: v.id,
        consultant_name: Some(marker.clone()),
        contract_date: None,
        delivery_date: Some(ymd("2025-06-01")),
        amount_fen: Some(1),
        source_record_id: None,
    };
    store.create_sale(who, sale).await.unwrap();
    let ro = RepairOrder {
        id: 0,
        org_id: 0,
        customer_id: c.id,
        vehicle_id: v.id,
        ro_number: None,
        opened_on: ymd("2025-09-01"),
        // Delivered on the fixture's "today", so it is owed a post-repair callback.
        delivered_on: Some(ymd("2026-03-02")),
        kind: "maintenance".into(),
        mileage_km: Some(5000),
        labour_fen: None,
        parts_fen: None,
        total_fen: None,
        advisor_name: None,
        fault_description: Some(marker.clone()),
        fault_code: None,
        source_record_id: None,
    };
    store.create_repair_order(who, ro).await.unwrap();
    let p = InsurancePolicy {
        id: 0,
        org_id: 0,
        customer_id: c.id,
        vehicle_id: v.id,
        insurer: marker,
        kind: "commercial".into(),
        policy_number: None,
        start_date: ymd("2025-06-01"),
        expiry_date: ymd("2026-05-31"),
        premium_fen: None,
        source_record_id: None,
    };
    store.create_insurance_policy(who, p).await.unwrap();
    (c.id, c.phones[0].id, v.id)
}

impl TestApp {
    /// A multipart upload to `/api/v1/imports`.
    pub async fn upload(&self, token: &str, fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Resp {
        self.upload_to("/api/v1/imports", token, fields, file_name, file).await
    }

    /// A multipart POST with text fields and one `file`.
    pub async fn upload_to(
        &self,
        uri: &str,
        token: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> Resp {
        self.multipart(
            uri,
            (header::AUTHORIZATION, format!("Bearer {token}")),
            fields,
            file_name,
            file,
        )
        .await
    }

    /// A page's multipart form, sent with the session cookies.
    pub async fn upload_page(
        &self,
        uri: &str,
        cookies: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> Resp {
        self.multipart(uri, (header::COOKIE, cookies.to_string()), fields, file_name, file)
            .await
    }

    async fn multipart(
        &self,
        uri: &str,
        auth: (header::HeaderName, String),
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> Resp {
        let boundary = "dcrc-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(auth.0, auth.1)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }
}
