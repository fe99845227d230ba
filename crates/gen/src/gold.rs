//! Gold rows: what SPEC says the pipeline must output for a generated document, and how a
//! pipeline's rows are compared with them.

use serde::Serialize;

/// One observation row: what the gold says and what the pipeline wrote, compared field by field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Obs {
    pub value: f64,
    pub unit: String,
    pub measure: String,
    pub denominator: Option<f64>,
    pub qualifier: String,
    pub topic: Option<String>,
    pub action: Option<String>,
    pub year: Option<i32>,
    pub period: Option<String>,
    pub change_direction: Option<String>,
    pub change_value: Option<f64>,
    pub change_unit: Option<String>,
    pub baseline: Option<String>,
    pub mention: String,
    pub span_start: usize,
    pub span_end: usize,
}

/// A document's gold: the row of `gold.jsonl` (`doc`, document fields, observations in text
/// order). Every attribute is written, `null` included, so `score.py` checks all of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldDoc {
    pub doc: String,
    pub province: String,
    pub report_year: i32,
    pub event_date: String,
    pub title: String,
    pub observations: Vec<Obs>,
}

impl GoldDoc {
    /// One line of gold JSONL (no newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn same_f64(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Every attribute of a row, in the order differences are reported.
const FIELDS: [&str; 16] = [
    "value",
    "unit",
    "measure",
    "denominator",
    "qualifier",
    "topic",
    "action",
    "year",
    "period",
    "change_direction",
    "change_value",
    "change_unit",
    "baseline",
    "mention",
    "span_start",
    "span_end",
];

/// The attributes of two rows that differ (numbers within a rounding), as `name: gold … got …`.
fn diff_fields(g: &Obs, o: &Obs) -> Vec<String> {
    let (Ok(gv), Ok(ov)) = (serde_json::to_value(g), serde_json::to_value(o)) else {
        return vec!["a row cannot be compared".into()];
    };
    FIELDS
        .iter()
        .filter_map(|name| {
            let (a, b) = (&gv[name], &ov[name]);
            let same = match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => same_f64(x, y),
                _ => a == b,
            };
            (!same).then(|| format!("{name}: gold {a} got {b}"))
        })
        .collect()
}

/// The differences between gold rows and the rows a pipeline wrote for one document, in text
/// order: empty when every row is found with every attribute and nothing else is found.
pub fn diff_rows(gold: &[Obs], got: &[Obs]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..gold.len().max(got.len()) {
        match (gold.get(i), got.get(i)) {
            (Some(g), Some(o)) => {
                let bad = diff_fields(g, o);
                if !bad.is_empty() {
                    out.push(format!("row {i} «{}»: {}", g.mention, bad.join("; ")));
                }
            }
            (Some(g), None) => out.push(format!("row {i} «{}»: missed", g.mention)),
            (None, Some(o)) => out.push(format!("row {i} «{}»: extra", o.mention)),
            (None, None) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(value: f64, topic: Option<&str>) -> Obs {
        Obs {
            value,
            unit: "case".into(),
            measure: "level".into(),
            denominator: None,
            qualifier: "exact".into(),
            topic: topic.map(String::from),
            action: Some("arrested".into()),
            year: Some(2023),
            period: None,
            change_direction: None,
            change_value: None,
            change_unit: None,
            baseline: None,
            mention: "12 vụ".into(),
            span_start: 4,
            span_end: 11,
        }
    }

    #[test]
    fn rows_differ_only_by_attributes_beyond_rounding() {
        let gold = [row(0.3, Some("drug_crime"))];
        assert!(diff_rows(&gold, &[row(0.1 + 0.2, Some("drug_crime"))]).is_empty());
        let diff = diff_rows(&gold, &[row(0.3, None)]);
        assert_eq!(diff, ["row 0 «12 vụ»: topic: gold \"drug_crime\" got null"]);
        assert_eq!(diff_rows(&gold, &[]), ["row 0 «12 vụ»: missed"]);
    }
}
