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

fn same_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_f64(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The differences between gold rows and the rows a pipeline wrote for one document, in text
/// order: empty when every row is found with every attribute and nothing else is found.
pub fn diff_rows(gold: &[Obs], got: &[Obs]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..gold.len().max(got.len()) {
        match (gold.get(i), got.get(i)) {
            (Some(g), Some(o)) => {
                let mut bad = Vec::new();
                let mut check = |name: &str, ok: bool, g: String, o: String| {
                    if !ok {
                        bad.push(format!("{name}: gold {g} got {o}"));
                    }
                };
                check(
                    "value",
                    same_f64(g.value, o.value),
                    g.value.to_string(),
                    o.value.to_string(),
                );
                check("unit", g.unit == o.unit, g.unit.clone(), o.unit.clone());
                check(
                    "measure",
                    g.measure == o.measure,
                    g.measure.clone(),
                    o.measure.clone(),
                );
                check(
                    "denominator",
                    same_opt(g.denominator, o.denominator),
                    format!("{:?}", g.denominator),
                    format!("{:?}", o.denominator),
                );
                check(
                    "qualifier",
                    g.qualifier == o.qualifier,
                    g.qualifier.clone(),
                    o.qualifier.clone(),
                );
                check(
                    "topic",
                    g.topic == o.topic,
                    format!("{:?}", g.topic),
                    format!("{:?}", o.topic),
                );
                check(
                    "action",
                    g.action == o.action,
                    format!("{:?}", g.action),
                    format!("{:?}", o.action),
                );
                check(
                    "year",
                    g.year == o.year,
                    format!("{:?}", g.year),
                    format!("{:?}", o.year),
                );
                check(
                    "period",
                    g.period == o.period,
                    format!("{:?}", g.period),
                    format!("{:?}", o.period),
                );
                check(
                    "change_direction",
                    g.change_direction == o.change_direction,
                    format!("{:?}", g.change_direction),
                    format!("{:?}", o.change_direction),
                );
                check(
                    "change_value",
                    same_opt(g.change_value, o.change_value),
                    format!("{:?}", g.change_value),
                    format!("{:?}", o.change_value),
                );
                check(
                    "change_unit",
                    g.change_unit == o.change_unit,
                    format!("{:?}", g.change_unit),
                    format!("{:?}", o.change_unit),
                );
                check(
                    "baseline",
                    g.baseline == o.baseline,
                    format!("{:?}", g.baseline),
                    format!("{:?}", o.baseline),
                );
                check(
                    "mention",
                    g.mention == o.mention,
                    g.mention.clone(),
                    o.mention.clone(),
                );
                check(
                    "span",
                    (g.span_start, g.span_end) == (o.span_start, o.span_end),
                    format!("{}..{}", g.span_start, g.span_end),
                    format!("{}..{}", o.span_start, o.span_end),
                );
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
