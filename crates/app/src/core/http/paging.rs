//! Paging both ways over keyset-paged lists: the way back is the trail of cursors that led
//! here, carried in the links (`trail=~,c1,c2`, `~` for the first page), so 上一页 needs
//! no offset query and no server state.

use crate::core::http::layout::url_encode;

/// The links and position of one page of a list.
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    /// 1-based number of the first row shown.
    pub first_row: usize,
    pub last_row: usize,
    /// How many rows the whole list has, where counting them is cheap.
    pub total: Option<i64>,
    /// The total is a lower bound: counting stopped there.
    pub more_than_total: bool,
}

/// Where a list page is: the cursor of the page and the trail that led to it (the
/// query of every paged list page).
#[derive(serde::Deserialize, Default, Clone)]
pub struct At {
    pub cursor: Option<String>,
    #[serde(default)]
    pub trail: String,
}

impl At {
    /// The pager of the page at this place.
    pub fn pager(&self, base: &str, next_cursor: Option<&str>, shown: usize, per_page: usize) -> Pager {
        Pager::new(base, self.cursor.as_deref(), &self.trail, next_cursor, shown, per_page)
    }
}

const FIRST: &str = "~";
/// A trail longer than this is cut at its start (the way back then ends there).
const MAX_TRAIL: usize = 200;

impl Pager {
    /// `base` is the list's address with its filters (`/customers?q=王`), `cursor` and
    /// `trail` the current page's, `next_cursor` the store's, `shown` the rows on the page
    /// and `per_page` the page size.
    pub fn new(
        base: &str,
        cursor: Option<&str>,
        trail: &str,
        next_cursor: Option<&str>,
        shown: usize,
        per_page: usize,
    ) -> Pager {
        let mut steps: Vec<&str> = trail.split(',').filter(|s| !s.is_empty()).collect();
        if steps.len() > MAX_TRAIL {
            steps.drain(..steps.len() - MAX_TRAIL);
        }
        let sep = if base.contains('?') { "&" } else { "?" };
        let link = |cursor: Option<&str>, steps: &[&str]| {
            let mut url = base.to_string();
            let mut first = true;
            let mut add = |k: &str, v: &str| {
                url.push_str(if first { sep } else { "&" });
                first = false;
                url.push_str(&format!("{k}={}", url_encode(v)));
            };
            if let Some(c) = cursor.filter(|c| *c != FIRST) {
                add("cursor", c);
            }
            if !steps.is_empty() {
                add("trail", &steps.join(","));
            }
            url
        };
        let prev = steps.split_last().map(|(last, rest)| link(Some(last), rest));
        let next = next_cursor.map(|n| {
            let mut more = steps.clone();
            more.push(cursor.filter(|c| !c.is_empty()).unwrap_or(FIRST));
            link(Some(n), &more)
        });
        let first_row = steps.len() * per_page + 1;
        Pager {
            prev,
            next,
            first_row: if shown == 0 { 0 } else { first_row },
            last_row: if shown == 0 { 0 } else { first_row + shown - 1 },
            total: None,
            more_than_total: false,
        }
    }

    /// Shows the list's total beside the rows on the page ("第 51–100 条，共 1,234 条").
    pub fn with_total(mut self, total: i64) -> Self {
        self.total = Some(total);
        self
    }

    /// The total as counted up to `cap`: `None` shows "more than cap".
    pub fn with_total_up_to(mut self, total: Option<i64>, cap: i64) -> Self {
        self.total = Some(total.unwrap_or(cap));
        self.more_than_total = total.is_none();
        self
    }
}

impl Pager {
    /// The 上一页 / rows / 下一页 bar under a list.
    pub fn html(&self, t: &crate::core::http::i18n::Tr) -> String {
        use crate::core::http::form_view::esc;
        let mut out = format!(
            r#"<nav class="row pager" aria-label="{}">"#,
            esc(&t.get("common.pages"))
        );
        if let Some(p) = &self.prev {
            out.push_str(&format!(
                r#"<a class="button" href="{}" rel="prev" id="page-prev">← {}</a>"#,
                esc(p),
                esc(&t.get("common.prev"))
            ));
        }
        if self.last_row > 0 || self.total.is_some() {
            out.push_str(&format!(r#"<span id="page-rows">{}</span>"#, esc(&self.rows_text(t))));
        }
        if let Some(n) = &self.next {
            out.push_str(&format!(
                r#"<a class="button" href="{}" rel="next" id="page-next">{} →</a>"#,
                esc(n),
                esc(&t.get("common.next"))
            ));
        }
        out.push_str("</nav>");
        out
    }

    /// "第 51–100 条" (with the total: "第 51–100 条，共 1,234 条") in the reader's language.
    pub fn rows_text(&self, t: &crate::core::http::i18n::Tr) -> String {
        let rows = [("from", self.first_row.to_string()), ("to", self.last_row.to_string())];
        match self.total {
            Some(0) => t.get("common.no_rows"),
            Some(n) => {
                let total = crate::core::http::layout::grouped(u64::try_from(n).unwrap_or(0));
                let mut params = rows.to_vec();
                params.push(("total", total));
                let key = if self.more_than_total {
                    "common.rows_of_more"
                } else {
                    "common.rows_of_total"
                };
                crate::core::http::i18n::tf(t.0, key, &params)
            }
            None => crate::core::http::i18n::tf(t.0, "common.rows_shown", &rows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pager;

    #[test]
    fn forward_and_back_again() {
        let p1 = Pager::new("/customers?q=x", None, "", Some("c1"), 50, 50);
        assert_eq!(p1.prev, None);
        assert_eq!(p1.next.as_deref(), Some("/customers?q=x&cursor=c1&trail=%7E"));
        assert_eq!((p1.first_row, p1.last_row), (1, 50));
        let p2 = Pager::new("/customers?q=x", Some("c1"), "~", Some("c2"), 50, 50);
        assert_eq!(p2.prev.as_deref(), Some("/customers?q=x"), "back to the first page");
        assert_eq!(p2.next.as_deref(), Some("/customers?q=x&cursor=c2&trail=%7E%2Cc1"));
        assert_eq!((p2.first_row, p2.last_row), (51, 100));
        let p3 = Pager::new("/customers", Some("c2"), "~,c1", None, 7, 50);
        assert_eq!(p3.prev.as_deref(), Some("/customers?cursor=c1&trail=%7E"));
        assert_eq!(p3.next, None);
        assert_eq!((p3.first_row, p3.last_row), (101, 107));
        let t = crate::core::http::i18n::Tr(dcrc_domain::Lang::ZhCn);
        assert_eq!(p3.with_total(1107).rows_text(&t), "第 101–107 条，共 1,107 条");
        let none = Pager::new("/customers", None, "", None, 0, 50).with_total(0);
        assert_eq!(none.rows_text(&t), "没有符合条件的记录");
        let broad = Pager::new("/customers", None, "", Some("c1"), 50, 50).with_total_up_to(None, 10_000);
        assert_eq!(broad.rows_text(&t), "第 1–50 条，超过 10,000 条");
    }
}
