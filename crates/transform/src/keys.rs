//! Lexicon joins: every raw word of a mention gets a folded key (case and tone placement
//! ignored) and is looked up by a left join on it; numbers are parsed as vi-VN.

use std::collections::{HashMap, HashSet};

use polars::prelude::*;
use solieu_ingest::{fold, Lexicon};

use crate::number::parse_number;

/// The raw columns of a mention and the folded key each is joined on.
const KEYED: [(&str, &str); 8] = [
    ("unit_raw", "unit_key"),
    ("multiplier_raw", "multiplier_key"),
    ("qualifier_raw", "qualifier_key"),
    ("action_raw", "action_key"),
    ("topic_raw", "topic_key"),
    ("change_raw", "change_key"),
    ("change_unit_raw", "change_unit_key"),
    ("change_multiplier_raw", "change_multiplier_key"),
];

/// The raw number columns of a mention and the parsed column each becomes.
const NUMBERS: [(&str, &str); 3] = [
    ("number_raw", "number"),
    ("denominator_raw", "denominator"),
    ("change_number_raw", "change_number"),
];

/// The number words of the lexicon by folded form (`hai mươi` → 20).
pub(crate) fn number_words(lex: &Lexicon) -> HashMap<String, f64> {
    lex.number_word_rows
        .iter()
        .map(|r| (fold(&r.form), r.value))
        .collect()
}

/// Adds the folded keys and parsed numbers the lexicon joins read.
pub(crate) fn with_keys_and_numbers(
    mentions: &mut DataFrame,
    words: &HashMap<String, f64>,
) -> PolarsResult<()> {
    for (raw, key) in KEYED {
        with_key(mentions, raw, key)?;
    }
    for (raw, out) in NUMBERS {
        with_number(mentions, raw, out, words)?;
    }
    Ok(())
}

/// Adds `key` = fold(`raw`) so lexicon joins ignore case and tone placement.
fn with_key(df: &mut DataFrame, raw: &str, key: &str) -> PolarsResult<()> {
    let folded: StringChunked = df.column(raw)?.str()?.iter().map(|v| v.map(fold)).collect();
    df.with_column(folded.with_name(key.into()).into_column())?;
    Ok(())
}

/// Adds `out` = the parsed number of `raw` (digits in vi-VN style or number words).
fn with_number(
    df: &mut DataFrame,
    raw: &str,
    out: &str,
    words: &HashMap<String, f64>,
) -> PolarsResult<()> {
    let parsed: Float64Chunked = df
        .column(raw)?
        .str()?
        .iter()
        .map(|v| v.and_then(|s| parse_number(s, words)))
        .collect();
    df.with_column(parsed.with_name(out.into()).into_column())?;
    Ok(())
}

/// The lexicon's lookup tables, built once per run and joined onto every batch.
pub(crate) struct Lookups {
    /// Each table with the key it joins on, in join order.
    tables: Vec<(LazyFrame, &'static str)>,
    unit_readings: LazyFrame,
    action_readings: LazyFrame,
}

impl Lookups {
    pub(crate) fn new(lex: &Lexicon) -> PolarsResult<Lookups> {
        let (unit_readings, action_readings) = readings(lex)?;
        Ok(Lookups {
            tables: lookups(lex)?,
            unit_readings,
            action_readings,
        })
    }

    /// Joins every lexicon table on its key: canonical units (also of the change),
    /// multipliers, qualifiers, actions, topics and change directions; then the words read by
    /// their context.
    pub(crate) fn join(&self, mut lf: LazyFrame) -> LazyFrame {
        for (table, key) in &self.tables {
            lf = lf.left_join(table.clone(), col(*key), col(*key));
        }
        lf = lf.with_columns([col("unit_canonical").alias("unit")]);
        apply_readings(lf, self.unit_readings.clone(), self.action_readings.clone())
    }
}

/// The (form, value) rows of a lexicon file a word lookup is built from.
type Entries<'a> = Vec<(&'a str, AnyValue<'a>)>;

/// Each lexicon lookup table with the key it joins on, in join order.
fn lookups(lex: &Lexicon) -> PolarsResult<Vec<(LazyFrame, &'static str)>> {
    let multipliers = || {
        lex.multiplier_rows
            .iter()
            .map(|r| (r.form.as_str(), AnyValue::Float64(r.factor)))
            .collect()
    };
    let words: [(&str, &str, Entries); 6] = [
        ("multiplier_key", "multiplier", multipliers()),
        ("change_multiplier_key", "change_multiplier", multipliers()),
        (
            "qualifier_key",
            "qualifier",
            labels(&lex.qualifier_rows, |r| (&r.form, &r.qualifier)),
        ),
        (
            "action_key",
            "action",
            labels(&lex.action_rows, |r| (&r.form, &r.action)),
        ),
        (
            "topic_key",
            "topic",
            labels(&lex.topic_rows, |r| (&r.form, &r.topic)),
        ),
        (
            "change_key",
            "change_direction",
            labels(&lex.change_rows, |r| (&r.form, &r.direction)),
        ),
    ];
    let mut tables = vec![
        (unit_lookup(lex, "unit_key", "")?, "unit_key"),
        (
            unit_lookup(lex, "change_unit_key", "change_")?,
            "change_unit_key",
        ),
    ];
    for (key, column, entries) in words {
        tables.push((word_lookup(key, column, &entries)?, key));
    }
    Ok(tables)
}

/// A lookup table: `key` (the folded form) and one column per value; the first row of a key
/// wins, so an analyst's earlier row takes precedence over a later duplicate.
fn lookup(key: &str, forms: &[&str], values: Vec<Column>) -> PolarsResult<LazyFrame> {
    let keys: Vec<String> = forms.iter().map(|f| fold(f)).collect();
    let keep: Vec<bool> = {
        let mut seen = HashSet::new();
        keys.iter().map(|k| seen.insert(k.as_str())).collect()
    };
    let mut columns = vec![Column::new(key.into(), keys)];
    columns.extend(values);
    let df = DataFrame::new(forms.len(), columns)?;
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    Ok(df.filter(&mask)?.lazy())
}

/// The (form, label) pairs of a lexicon file whose value is a label.
fn labels<'a, R>(rows: &'a [R], pair: impl Fn(&'a R) -> (&'a String, &'a String)) -> Entries<'a> {
    (rows.iter().map(pair))
        .map(|(form, label)| (form.as_str(), AnyValue::String(label)))
        .collect()
}

/// A lookup from one lexicon file: the folded form under `key`, one value under `column`.
fn word_lookup(key: &str, column: &str, entries: &[(&str, AnyValue)]) -> PolarsResult<LazyFrame> {
    let (forms, values): (Vec<&str>, Vec<AnyValue>) = entries.iter().cloned().unzip();
    let series = Series::from_any_values(column.into(), &values, true)?;
    lookup(key, &forms, vec![series.into_column()])
}

/// Canonical unit, factor and divisor for each unit form, under the given column prefix.
fn unit_lookup(lex: &Lexicon, key: &str, prefix: &str) -> PolarsResult<LazyFrame> {
    let forms: Vec<&str> = lex.unit_rows.iter().map(|r| r.form.as_str()).collect();
    let rows = || lex.unit_rows.iter();
    let units: Vec<String> = rows().map(|r| r.unit.clone()).collect();
    let factors: Vec<f64> = rows().map(|r| scale(r.factor)).collect();
    let divisors: Vec<f64> = rows().map(|r| divisor(r.factor)).collect();
    lookup(
        key,
        &forms,
        vec![
            Column::new(format!("{prefix}unit_canonical").into(), units),
            Column::new(format!("{prefix}unit_factor").into(), factors),
            Column::new(format!("{prefix}unit_divisor").into(), divisors),
        ],
    )
}

/// A factor below 1 (`gam` → kg × 0.001) is applied as a division by its whole reciprocal, so
/// 350 gam is 0.35 kg and not 0.35000000000000003. Returns the divisor; the factor column
/// then carries 1.
fn divisor(factor: f64) -> f64 {
    let reciprocal = 1.0 / factor;
    if factor < 1.0 && (reciprocal - reciprocal.round()).abs() < 1e-9 {
        reciprocal.round()
    } else {
        1.0
    }
}

fn scale(factor: f64) -> f64 {
    if divisor(factor) > 1.0 {
        1.0
    } else {
        factor
    }
}

/// A two-key lookup (`form`, `key`) → `value`; the first row of a key pair wins, as in
/// [`lookup`].
fn pair_lookup(
    rows: impl Iterator<Item = (String, String, String)>,
    names: [&str; 3],
) -> PolarsResult<LazyFrame> {
    let mut seen = HashSet::new();
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for (form, key, value) in rows {
        let form = fold(&form);
        if seen.insert((form.clone(), key.clone())) {
            a.push(form);
            b.push(key);
            c.push(value);
        }
    }
    let df = DataFrame::new(
        a.len(),
        vec![
            Column::new(names[0].into(), a),
            Column::new(names[1].into(), b),
            Column::new(names[2].into(), c),
        ],
    )?;
    Ok(df.lazy())
}

/// The tables of the words read by their context (`unit_readings.csv`,
/// `action_readings.csv`): a unit form whose unit depends on the action, a verb whose action
/// depends on the unit.
fn readings(lex: &Lexicon) -> PolarsResult<(LazyFrame, LazyFrame)> {
    let units = pair_lookup(
        lex.unit_reading_rows
            .iter()
            .map(|r| (r.form.clone(), r.action.clone(), r.unit.clone())),
        ["unit_key", "action", "unit_reading"],
    )?;
    let actions = pair_lookup(
        lex.action_reading_rows
            .iter()
            .map(|r| (r.form.clone(), r.unit.clone(), r.action.clone())),
        ["action_key", "unit", "action_reading"],
    )?;
    Ok((units, actions))
}

/// The words read by their context: the unit first, then the verb by that unit. Each is a
/// left join on two keys.
fn apply_readings(lf: LazyFrame, units: LazyFrame, actions: LazyFrame) -> LazyFrame {
    let left = || JoinArgs::new(JoinType::Left);
    let read = |reading: &str, plain: &str| {
        when(col(reading).is_not_null())
            .then(col(reading))
            .otherwise(col(plain))
            .alias(plain)
    };
    lf.join(
        units,
        [col("unit_key"), col("action")],
        [col("unit_key"), col("action")],
        left(),
    )
    .with_columns([read("unit_reading", "unit")])
    .join(
        actions,
        [col("action_key"), col("unit")],
        [col("action_key"), col("unit")],
        left(),
    )
    .with_columns([read("action_reading", "action")])
}
