//! Small key–value facts about the installation (e.g. that it holds demo data).

use crate::core::db::stmt;
use crate::core::error::Result;
use crate::Store;

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            match self
                .db
                .fetch_optional(&stmt("SELECT value FROM settings WHERE key = $1").bind(key))
                .await?
            {
                Some(row) => Some(row.text("value")?),
                None => None,
            },
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.db
            .execute(&stmt("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value").bind(key).bind(value))
            .await?;
        Ok(())
    }
}
