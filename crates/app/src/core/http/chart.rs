//! Charts drawn on the server as SVG: readable at the page's width (they scale with it),
//! with axis labels, a legend, the target line, an accessible title and the data as a
//! table beside them, so every figure can be read without seeing the picture.

use crate::core::http::form_view::esc;
use std::fmt::Write;

/// One series of values (basis points for rates, plain numbers for counts); `None` is
/// "nothing to measure" and draws no bar.
pub struct Series {
    pub name: String,
    /// A CSS class giving its colour (`s0` … `s5`).
    pub class: &'static str,
    pub values: Vec<Option<i64>>,
}

/// What the values are.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Basis points, shown as `93.75%` on a 0–100 % axis.
    Rate,
    Count,
}

/// A chart: categories (dealers, months, callback types) and one or more series.
pub struct Chart {
    pub id: String,
    pub title: String,
    pub unit: Unit,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// The target line (basis points for rates) and its label.
    pub target: Option<(i64, String)>,
    /// Heading of the category column in the data table.
    pub category_heading: String,
}

const LABEL_W: i64 = 200;
const PLOT_W: i64 = 520;
const ROW_H: i64 = 22;

fn show(unit: Unit, v: Option<i64>) -> String {
    match (unit, v) {
        (_, None) => "—".into(),
        (Unit::Rate, Some(bp)) => format!("{}.{:02}%", bp / 100, bp % 100),
        (Unit::Count, Some(n)) => n.to_string(),
    }
}

impl Chart {
    fn max(&self) -> i64 {
        match self.unit {
            Unit::Rate => 10_000,
            Unit::Count => self
                .series
                .iter()
                .flat_map(|s| s.values.iter().flatten())
                .copied()
                .max()
                .unwrap_or(0)
                .max(1),
        }
    }

    /// The axis ticks: quarters of the axis, without repeats (a count of 1 has 0 and 1).
    fn ticks(&self) -> Vec<i64> {
        let mut ticks: Vec<i64> = (0..=4).map(|q| self.max() * q / 4).collect();
        ticks.dedup();
        ticks
    }

    fn x(&self, v: i64) -> i64 {
        LABEL_W + v.clamp(0, self.max()) * PLOT_W / self.max()
    }

    /// Horizontal bars, one group per category: long labels (dealer names) stay readable.
    pub fn bars_svg(&self) -> String {
        let n = self.series.len().max(1) as i64;
        let group_h = ROW_H * n + 8;
        let height = 30 + group_h * self.categories.len() as i64 + 24;
        let width = LABEL_W + PLOT_W + 70;
        let mut svg = format!(
            r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-t" preserveAspectRatio="xMinYMin meet"><title id="{id}-t">{title}</title>"#,
            id = esc(&self.id),
            title = esc(&self.title)
        );
        // Axis ticks: 0, 25, 50, 75, 100 % (or quarters of the largest count, each once).
        for v in self.ticks() {
            let x = self.x(v);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{x}" y1="24" x2="{x}" y2="{}"/><text class="tick" x="{x}" y="16" text-anchor="middle">{}</text>"#,
                height - 20,
                esc(&match self.unit {
                    Unit::Rate => format!("{}%", v / 100),
                    Unit::Count => v.to_string(),
                })
            );
        }
        for (i, cat) in self.categories.iter().enumerate() {
            let top = 30 + group_h * i as i64;
            let _ = write!(
                svg,
                r#"<text class="cat" x="{}" y="{}" text-anchor="end">{}</text>"#,
                LABEL_W - 8,
                top + group_h / 2 + 2,
                esc(&truncate(cat, 22))
            );
            for (j, s) in self.series.iter().enumerate() {
                let y = top + ROW_H * j as i64;
                let Some(v) = s.values.get(i).copied().flatten() else {
                    continue;
                };
                let w = (self.x(v) - LABEL_W).max(1);
                let _ = write!(
                    svg,
                    r#"<rect class="bar {}" x="{LABEL_W}" y="{y}" width="{w}" height="{}"><title>{} · {} · {}</title></rect><text class="val" x="{}" y="{}">{}</text>"#,
                    s.class,
                    ROW_H - 6,
                    esc(cat),
                    esc(&s.name),
                    esc(&show(self.unit, Some(v))),
                    LABEL_W + w + 4,
                    y + ROW_H - 10,
                    esc(&show(self.unit, Some(v)))
                );
            }
        }
        if let Some((t, label)) = &self.target {
            let x = self.x(*t);
            let _ = write!(
                svg,
                r#"<line class="target" x1="{x}" y1="22" x2="{x}" y2="{}"/><text class="target-label" x="{}" y="{}">{}</text>"#,
                height - 18,
                x + 4,
                height - 6,
                esc(label)
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// Lines over the categories (months), one per series, on the same axes.
    pub fn lines_svg(&self) -> String {
        let (w, h, left, top, plot_h) = (LABEL_W + PLOT_W, 240_i64, 48_i64, 16_i64, 180_i64);
        let plot_w = w - left - 20;
        let n = self.categories.len().max(1) as i64;
        let step = if n > 1 { plot_w / (n - 1) } else { 0 };
        let y = |v: i64| top + plot_h - v.clamp(0, self.max()) * plot_h / self.max();
        let mut svg = format!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t" preserveAspectRatio="xMinYMin meet"><title id="{id}-t">{title}</title>"#,
            id = esc(&self.id),
            title = esc(&self.title)
        );
        for v in self.ticks() {
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{left}" y1="{yy}" x2="{}" y2="{yy}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
                left + plot_w,
                left - 6,
                y(v) + 4,
                esc(&match self.unit {
                    Unit::Rate => format!("{}%", v / 100),
                    Unit::Count => v.to_string(),
                }),
                yy = y(v)
            );
        }
        for (i, cat) in self.categories.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<text class="cat" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                left + step * i as i64,
                top + plot_h + 20,
                esc(cat)
            );
        }
        if let Some((t, label)) = &self.target {
            let _ = write!(
                svg,
                r#"<line class="target" x1="{left}" y1="{yy}" x2="{}" y2="{yy}"/><text class="target-label" x="{}" y="{}">{}</text>"#,
                left + plot_w,
                left + 4,
                y(*t) - 4,
                esc(label),
                yy = y(*t)
            );
        }
        for s in &self.series {
            let points: Vec<String> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| format!("{},{}", left + step * i as i64, y(v))))
                .collect();
            let _ = write!(
                svg,
                r#"<polyline class="line {}" points="{}"/>"#,
                s.class,
                points.join(" ")
            );
            for (i, v) in s.values.iter().enumerate() {
                if let Some(v) = v {
                    let _ = write!(
                        svg,
                        r#"<circle class="dot {}" cx="{}" cy="{}" r="4"><title>{} · {} · {}</title></circle>"#,
                        s.class,
                        left + step * i as i64,
                        y(*v),
                        esc(&self.categories[i]),
                        esc(&s.name),
                        esc(&show(self.unit, Some(*v)))
                    );
                }
            }
        }
        svg.push_str("</svg>");
        svg
    }

    /// The legend and the data table under a chart.
    pub fn legend_and_table(&self) -> String {
        let mut html = String::from(r#"<p class="legend">"#);
        for s in &self.series {
            let _ = write!(html, r#"<span class="swatch {}"></span>{} "#, s.class, esc(&s.name));
        }
        if let Some((_, label)) = &self.target {
            let _ = write!(html, r#"<span class="swatch target"></span>{}"#, esc(label));
        }
        let _ = write!(
            html,
            r#"</p><div class="table-wrap"><table class="compact chart-data" id="{}-data"><caption>{}</caption><thead><tr><th scope="col">{}</th>"#,
            esc(&self.id),
            esc(&self.title),
            esc(&self.category_heading)
        );
        for s in &self.series {
            let _ = write!(html, r#"<th scope="col">{}</th>"#, esc(&s.name));
        }
        html.push_str("</tr></thead><tbody>");
        for (i, cat) in self.categories.iter().enumerate() {
            let _ = write!(html, r#"<tr><th scope="row">{}</th>"#, esc(cat));
            for s in &self.series {
                let v = s.values.get(i).copied().flatten();
                let _ = write!(html, "<td>{}</td>", esc(&show(self.unit, v)));
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody></table></div>");
        html
    }

    /// The figure: bars, legend and data table.
    pub fn bars(&self) -> String {
        format!(
            r#"<figure class="chart-figure">{}{}</figure>"#,
            self.bars_svg(),
            self.legend_and_table()
        )
    }

    /// The figure: lines, legend and data table.
    pub fn lines(&self) -> String {
        format!(
            r#"<figure class="chart-figure">{}{}</figure>"#,
            self.lines_svg(),
            self.legend_and_table()
        )
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            id: "c".into(),
            title: "规范回访率 <各店>".into(),
            unit: Unit::Rate,
            categories: vec!["吉利4S店（杭州）".into(), "B".into()],
            series: vec![Series {
                name: "11月".into(),
                class: "s0",
                values: vec![Some(9_375), None],
            }],
            target: Some((9_000, "目标 90%".into())),
            category_heading: "经销商".into(),
        }
    }

    #[test]
    fn bars_scale_to_the_rate_axis_and_the_target_line_sits_at_90_percent() {
        let svg = chart().bars_svg();
        // 93.75 % of the 520-px plot after the 200-px label column.
        assert!(svg.contains(r#"width="487""#), "{svg}");
        assert!(svg.contains(r#"x1="668""#), "the target at 90 %: {svg}");
        assert!(svg.contains("&lt;各店&gt;"));
        // A category with nothing to measure draws no bar but stays in the table as —.
        assert_eq!(svg.matches("<rect").count(), 1);
        let table = chart().legend_and_table();
        assert!(
            table.contains("<td>93.75%</td>") && table.contains("<td>—</td>"),
            "{table}"
        );
        assert!(table.contains(r#"<th scope="row">B</th>"#));
    }

    #[test]
    fn lines_draw_a_point_per_known_value() {
        let svg = chart().lines_svg();
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(svg.contains("target"));
    }
}
