//! Keyset pagination: lists answer `{items, next_cursor}`; the cursor is opaque to clients.

use serde::Serialize;

/// One page of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The largest page a client may ask for.
pub const MAX_LIMIT: i64 = 200;
pub const DEFAULT_LIMIT: i64 = 50;

/// Clamps a requested page size.
pub fn limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// Decodes a cursor into the last id seen; a malformed cursor is a validation error.
pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, dcrc_domain::Invalid> {
    match cursor {
        None | Some("") => Ok(None),
        Some(c) => c
            .strip_prefix('i')
            .and_then(|n| n.parse::<i64>().ok())
            .map(Some)
            .ok_or_else(|| dcrc_domain::Invalid(vec![dcrc_domain::FieldError::new("cursor", "invalid_cursor")])),
    }
}

/// Builds a page from `limit + 1` fetched rows, using `id` of the last kept row as cursor.
pub fn paginate<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| format!("i{}", id(r)))
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_paging() {
        let p = paginate(vec![1, 2, 3], 2, |x| *x);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(p.next_cursor.as_deref(), Some("i2"));
        assert_eq!(decode_cursor(p.next_cursor.as_deref()).unwrap(), Some(2));
        assert!(paginate(vec![1], 2, |x| *x).next_cursor.is_none());
        assert!(decode_cursor(Some("zz")).is_err());
        assert_eq!(limit(Some(10_000)), MAX_LIMIT);
        assert_eq!(limit(Some(0)), 1);
    }
}
