//! Saved segments (客户分类): a named customer filter of an organisation, counted live in
//! the reader's own scope.

use crate::capabilities::archive::data::customer_search::CustomerFilter;
use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, NaiveDate, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{validation, Invalid, Permission};
use serde::{Deserialize, Serialize};

/// The filter a segment stands for (the same fields as the customer search).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentFilter {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub attribute: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub membership_level: Option<String>,
    #[serde(default)]
    pub last_visit_from: Option<NaiveDate>,
    #[serde(default)]
    pub last_visit_to: Option<NaiveDate>,
}

impl SegmentFilter {
    pub fn to_filter(&self) -> CustomerFilter {
        CustomerFilter {
            q: self.q.clone(),
            province: self.province.clone(),
            city: self.city.clone(),
            model: self.model.clone(),
            attribute: self.attribute.clone(),
            tag: self.tag.clone(),
            membership_level: self.membership_level.clone(),
            last_visit_from: self.last_visit_from,
            last_visit_to: self.last_visit_to,
            ..CustomerFilter::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Segment {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub filter: SegmentFilter,
    /// Customers matching now, in the reader's scope.
    pub count: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSegment {
    pub name: String,
    pub filter: SegmentFilter,
}

impl Store {
    async fn segment_from_row(&self, who: &Principal, r: &Row) -> Result<Segment> {
        let filter: SegmentFilter = serde_json::from_str(&r.text("filter")?).unwrap_or_default();
        Ok(Segment {
            id: r.i64("id")?,
            org_id: r.i64("org_id")?,
            name: r.text("name")?,
            count: self.count_customers(who, &filter.to_filter()).await?,
            filter,
            created_by: r.text("created_by")?,
            created_at: ms_to_time(r.i64("created_at")?),
        })
    }

    pub async fn create_segment(&self, who: &Principal, input: NewSegment) -> Result<Segment> {
        self.authorize(who, Permission::ViewCustomers, "segment").await?;
        let mut errors = Invalid::default();
        let name = validation::text("name", &input.name, 60, &mut errors);
        errors.finish()?;
        let filter = serde_json::to_string(&input.filter).map_err(|e| StoreError::Internal(e.to_string()))?;
        let rows = self
            .access(who)
            .write_returning(
                &stmt("INSERT INTO segments (org_id, name, filter, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                    .bind(who.org_id)
                    .bind(&name)
                    .bind(filter)
                    .bind(&who.username)
                    .bind(self.now_ms()),
            )
            .await?;
        self.get_segment(who, rows.first().ok_or(StoreError::NotFound)?.i64("id")?)
            .await
    }

    /// Segments of the caller's organisation and the ones above it (a brand's segments are shared down).
    pub async fn list_segments(&self, who: &Principal) -> Result<Vec<Segment>> {
        self.authorize(who, Permission::ViewCustomers, "segment").await?;
        let rows = self
            .access(who)
            .fetch_all(&stmt("SELECT s.* FROM segments s JOIN orgs o ON o.id = s.org_id WHERE $1 LIKE o.path || '%' ORDER BY s.id").bind(who.scope().like_pattern()))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.segment_from_row(who, r).await?);
        }
        Ok(out)
    }

    pub async fn get_segment(&self, who: &Principal, id: i64) -> Result<Segment> {
        self.authorize(who, Permission::ViewCustomers, "segment").await?;
        let row = self
            .access(who)
            .fetch_optional(&stmt("SELECT s.* FROM segments s JOIN orgs o ON o.id = s.org_id WHERE s.id = $1 AND $2 LIKE o.path || '%'").bind(id).bind(who.scope().like_pattern()))
            .await?
            .ok_or(StoreError::NotFound)?;
        self.segment_from_row(who, &row).await
    }

    /// Deletes a segment of the caller's own organisation.
    pub async fn delete_segment(&self, who: &Principal, id: i64) -> Result<()> {
        let owned = self
            .access(who)
            .fetch_optional(
                &stmt("SELECT name FROM segments WHERE id = $1 AND org_id = $2")
                    .bind(id)
                    .bind(who.org_id),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        self.authorize(who, Permission::DeleteSegments, "segment").await?;
        let mut tx = self.access(who).begin().await?;
        let n = tx
            .execute(
                &stmt("DELETE FROM segments WHERE id = $1 AND org_id = $2")
                    .bind(id)
                    .bind(who.org_id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let detail = serde_json::json!({ "name": owned.text("name")? });
        crate::core::audit::record(
            &mut tx,
            self.now_ms(),
            &crate::core::audit::Actor::from(who),
            crate::core::audit::Event::on("delete", "segment", id, who.org_id, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
