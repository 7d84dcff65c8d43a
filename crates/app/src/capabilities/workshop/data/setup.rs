//! A dealer's workshop set-up: bays by kind and technicians with their skills.

use crate::capabilities::workshop::rules::capacity::BayKind;
use crate::core::audit::{self, Actor, Event};
use crate::core::db::stmt;
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use dcrc_domain::{validation, FieldError, Invalid, OrgKind, Permission};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bay {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub kind: BayKind,
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBay {
    /// The dealer; the caller's own when omitted.
    #[serde(default)]
    pub org_id: Option<i64>,
    pub name: String,
    pub kind: BayKind,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Technician {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// The bay kinds the technician works.
    pub skills: Vec<BayKind>,
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTechnician {
    #[serde(default)]
    pub org_id: Option<i64>,
    pub name: String,
    pub skills: Vec<BayKind>,
}

pub(crate) fn skills_of(text: &str) -> Vec<BayKind> {
    text.split(',').filter_map(|s| BayKind::parse(s.trim())).collect()
}

/// Inserts a bay or technician (`table`) with its one extra column; a name the dealer
/// already uses is refused by the table's unique constraint, so two people adding the
/// same name at once get one row and one `name_taken`.
async fn insert_named(
    tx: &mut crate::core::db::Tx,
    table: &str,
    org_id: i64,
    name: &str,
    (column, value): (&str, &str),
    now: i64,
) -> Result<i64> {
    let sql = format!(
        "INSERT INTO {table} (org_id, name, {column}, active, created_at, updated_at) VALUES ($1, $2, $3, TRUE, $4, $4) \
         ON CONFLICT (org_id, name) DO NOTHING RETURNING id"
    );
    let row = tx
        .fetch_optional(&stmt(sql).bind(org_id).bind(name).bind(value).bind(now))
        .await?;
    match row {
        Some(r) => r.i64("id"),
        None => Err(StoreError::Conflict {
            code: "name_taken",
            field: Some("name"),
        }),
    }
}

impl Store {
    /// The dealer a workshop record belongs to: `org_id` (in scope, a dealer) or the
    /// caller's own.
    pub(crate) async fn workshop_dealer(&self, who: &Principal, org_id: Option<i64>) -> Result<i64> {
        let org = self.get_org(who.scope(), org_id.unwrap_or(who.org_id)).await?;
        if org.kind != OrgKind::Dealer {
            return Err(Invalid(vec![FieldError::new("org_id", "must_be_dealer")]).into());
        }
        Ok(org.id)
    }

    /// The bays of a dealer in scope.
    pub async fn list_bays(&self, who: &Principal, org_id: Option<i64>) -> Result<Vec<Bay>> {
        self.authorize(who, Permission::ViewCustomers, "workshop_bay").await?;
        let org_id = self.workshop_dealer(who, org_id).await?;
        let rows = self
            .access(who)
            .fetch_all(
                &stmt("SELECT id, org_id, name, kind, active FROM workshop_bays WHERE org_id = $1 ORDER BY id")
                    .bind(org_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Bay {
                    id: r.i64("id")?,
                    org_id: r.i64("org_id")?,
                    name: r.text("name")?,
                    kind: BayKind::parse(&r.text("kind")?).unwrap_or(BayKind::Mechanical),
                    active: r.bool("active")?,
                })
            })
            .collect()
    }

    /// Adds a bay to a dealer's workshop.
    pub async fn create_bay(&self, who: &Principal, input: NewBay) -> Result<Bay> {
        self.authorize(who, Permission::ManageWorkshop, "workshop_bay").await?;
        let org_id = self.workshop_dealer(who, input.org_id).await?;
        let mut errors = Invalid::default();
        let name = validation::text("name", &input.name, 40, &mut errors);
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let id = insert_named(
            &mut tx,
            "workshop_bays",
            org_id,
            &name,
            ("kind", input.kind.as_str()),
            now,
        )
        .await?;
        let detail = serde_json::json!({ "name": name, "kind": input.kind.as_str() });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("create", "workshop_bay", id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(Bay {
            id,
            org_id,
            name,
            kind: input.kind,
            active: true,
        })
    }

    /// The technicians of a dealer in scope.
    pub async fn list_technicians(&self, who: &Principal, org_id: Option<i64>) -> Result<Vec<Technician>> {
        self.authorize(who, Permission::ViewCustomers, "workshop_technician")
            .await?;
        let org_id = self.workshop_dealer(who, org_id).await?;
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(
                    "SELECT id, org_id, name, skills, active FROM workshop_technicians WHERE org_id = $1 ORDER BY id",
                )
                .bind(org_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Technician {
                    id: r.i64("id")?,
                    org_id: r.i64("org_id")?,
                    name: r.text("name")?,
                    skills: skills_of(&r.text("skills")?),
                    active: r.bool("active")?,
                })
            })
            .collect()
    }

    /// Adds a technician to a dealer's workshop.
    pub async fn create_technician(&self, who: &Principal, input: NewTechnician) -> Result<Technician> {
        self.authorize(who, Permission::ManageWorkshop, "workshop_technician")
            .await?;
        let org_id = self.workshop_dealer(who, input.org_id).await?;
        let mut errors = Invalid::default();
        let name = validation::text("name", &input.name, 40, &mut errors);
        let mut skills = input.skills.clone();
        skills.dedup();
        if skills.is_empty() {
            errors.push(FieldError::new("skills", "required"));
        }
        errors.finish()?;
        let now = self.now_ms();
        let mut tx = self.access(who).begin().await?;
        let text: Vec<&str> = skills.iter().map(|k| k.as_str()).collect();
        let id = insert_named(
            &mut tx,
            "workshop_technicians",
            org_id,
            &name,
            ("skills", &text.join(",")),
            now,
        )
        .await?;
        let detail = serde_json::json!({ "name": name, "skills": text });
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("create", "workshop_technician", id, org_id, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(Technician {
            id,
            org_id,
            name,
            skills,
            active: true,
        })
    }
}
