//! `solieu-transform`: the `transform` stage. Takes the staged mentions with their raw parts and
//! makes the tables of SPEC: numbers parsed as vi-VN, unit words mapped to canonical units by
//! joining the lexicon, mass and money normalised, changes resolved into `baseline_value`,
//! `delta` and `pct_change`, and `deltas` lined up across documents.
//!
//! One entry point, [`transform`], written as polars lazy queries in the manner of polars'
//! own examples: every lexicon lookup is a left join on a folded key.

mod number;

use std::collections::HashMap;

use polars::prelude::*;
use solieu_ingest::{fold, Lexicon, Staged};

pub use number::parse_number;

/// The four tables of a dataset (SPEC "Tables").
#[derive(Debug, Clone)]
pub struct Dataset {
    pub documents: DataFrame,
    pub observations: DataFrame,
    pub deltas: DataFrame,
    pub rejects: DataFrame,
}

/// A transform that could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    #[error("transform: {0}")]
    Polars(#[from] PolarsError),
    #[error("lexicon {file}: form `{form}` maps to `{value}`, which is not in SPEC's vocabulary for {what}")]
    Vocabulary {
        file: &'static str,
        form: String,
        value: String,
        what: &'static str,
    },
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

/// A lookup table: `key` (the folded form) and one column per value; the first row of a key
/// wins, so an analyst's earlier row takes precedence over a later duplicate.
fn lookup(key: &str, forms: &[&str], values: Vec<Column>) -> PolarsResult<LazyFrame> {
    let mut seen = std::collections::HashSet::new();
    let keep: Vec<bool> = forms.iter().map(|f| seen.insert(fold(f))).collect();
    let keys: Vec<String> = forms.iter().map(|f| fold(f)).collect();
    let mut columns = vec![Column::new(key.into(), keys)];
    columns.extend(values);
    let df = DataFrame::new(forms.len(), columns)?;
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    Ok(df.filter(&mask)?.lazy())
}

/// A lookup from one lexicon file: the folded form under `key`, one value under `column`.
fn word_lookup<'a, R>(
    key: &str,
    column: &str,
    rows: &'a [R],
    form: impl Fn(&'a R) -> &'a String,
    value: impl Fn(&'a R) -> AnyValue<'a>,
) -> PolarsResult<LazyFrame> {
    let forms: Vec<&str> = rows.iter().map(|r| form(r).as_str()).collect();
    let values: Vec<AnyValue> = rows.iter().map(value).collect();
    let series = Series::from_any_values(column.into(), &values, true)?;
    lookup(key, &forms, vec![series.into_column()])
}

fn texts(name: &str, values: impl Iterator<Item = String>) -> Column {
    Column::new(name.into(), values.collect::<Vec<_>>())
}

fn numbers(name: &str, values: impl Iterator<Item = f64>) -> Column {
    Column::new(name.into(), values.collect::<Vec<_>>())
}

/// Words read by their context (`unit_readings.csv`, `action_readings.csv`): a unit form whose
/// unit depends on the action, then a verb whose action depends on the unit. Each is a left
/// join on two keys; the first row of a key pair wins, as in [`lookup`].
fn apply_readings(lf: LazyFrame, lex: &Lexicon) -> PolarsResult<LazyFrame> {
    fn pairs(
        rows: impl Iterator<Item = (String, String, String)>,
        names: [&str; 3],
    ) -> PolarsResult<LazyFrame> {
        let mut seen = std::collections::HashSet::new();
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for (form, key, value) in rows {
            if seen.insert((fold(&form), key.clone())) {
                a.push(fold(&form));
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
    let units = pairs(
        lex.unit_reading_rows
            .iter()
            .map(|r| (r.form.clone(), r.action.clone(), r.unit.clone())),
        ["unit_key", "action", "unit_reading"],
    )?;
    let actions = pairs(
        lex.action_reading_rows
            .iter()
            .map(|r| (r.form.clone(), r.unit.clone(), r.action.clone())),
        ["action_key", "unit", "action_reading"],
    )?;
    let left = || JoinArgs::new(JoinType::Left);
    let read = |reading: &str, plain: &str| {
        when(col(reading).is_not_null())
            .then(col(reading))
            .otherwise(col(plain))
            .alias(plain)
    };
    Ok(lf
        .join(
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
        .with_columns([read("action_reading", "action")]))
}

/// Canonical unit, factor and divisor for each unit form, under the given column prefix.
fn unit_lookup(lex: &Lexicon, key: &str, prefix: &str) -> PolarsResult<LazyFrame> {
    let forms: Vec<&str> = lex.unit_rows.iter().map(|r| r.form.as_str()).collect();
    let rows = || lex.unit_rows.iter();
    lookup(
        key,
        &forms,
        vec![
            texts(
                &format!("{prefix}unit_canonical"),
                rows().map(|r| r.unit.clone()),
            ),
            numbers(
                &format!("{prefix}unit_factor"),
                rows().map(|r| scale(r.factor)),
            ),
            numbers(
                &format!("{prefix}unit_divisor"),
                rows().map(|r| divisor(r.factor)),
            ),
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

fn absolute(e: Expr) -> Expr {
    when(e.clone().lt(lit(0.0)))
        .then(lit(0.0) - e.clone())
        .otherwise(e)
}

/// Allowed canonical values (SPEC "Controlled vocabularies"); a lexicon that maps a form
/// elsewhere is a configuration error, not a silent new category.
const UNITS: &[&str] = &[
    "case",
    "accused",
    "defendant",
    "suspect",
    "person",
    "person_time",
    "collective",
    "individual",
    "session",
    "house",
    "gift",
    "tip",
    "model",
    "organization",
    "commune",
    "residential_area",
    "agency",
    "gang",
    "ring",
    "campaign",
    "site",
    "household",
    "instance",
    "vehicle",
    "weapon",
    "round",
    "pill",
    "block",
    "packet",
    "plant",
    "document",
    "target",
    "locality",
    "hectare",
    "item",
    "kg",
    "vnd",
    "usd",
    "percent",
    "times",
];

/// Checks that every canonical value the lexicon writes is one SPEC lists, or one the
/// analyst extended SPEC with in the same lexicon (`extra_*` are not supported yet: extend
/// this list in code and SPEC together).
pub fn validate_lexicon(lex: &Lexicon) -> Result<(), TransformError> {
    let units = lex
        .unit_rows
        .iter()
        .map(|r| ("units.csv", &r.form, &r.unit))
        .chain(
            lex.unit_reading_rows
                .iter()
                .map(|r| ("unit_readings.csv", &r.form, &r.unit)),
        )
        .chain(
            lex.action_reading_rows
                .iter()
                .map(|r| ("action_readings.csv", &r.form, &r.unit)),
        );
    for (file, form, unit) in units {
        if !UNITS.contains(&unit.as_str()) {
            return Err(TransformError::Vocabulary {
                file,
                form: form.clone(),
                value: unit.clone(),
                what: "unit",
            });
        }
    }
    Ok(())
}

/// The column holding each row's arrival order inside [`transform`].
const ARRIVAL: &str = "__arrival";

/// The `transform` stage: staged ingest frames in, SPEC tables out.
pub fn transform(staged: Staged, lex: &Lexicon) -> Result<Dataset, TransformError> {
    validate_lexicon(lex)?;
    let words: HashMap<String, f64> = lex
        .number_word_rows
        .iter()
        .map(|r| (fold(&r.form), r.value))
        .collect();

    let mut m = staged.mentions;
    for (raw, key) in [
        ("unit_raw", "unit_key"),
        ("multiplier_raw", "multiplier_key"),
        ("qualifier_raw", "qualifier_key"),
        ("action_raw", "action_key"),
        ("topic_raw", "topic_key"),
        ("change_raw", "change_key"),
        ("change_unit_raw", "change_unit_key"),
        ("change_multiplier_raw", "change_multiplier_key"),
    ] {
        with_key(&mut m, raw, key)?;
    }
    with_number(&mut m, "number_raw", "number", &words)?;
    with_number(&mut m, "denominator_raw", "denominator", &words)?;
    with_number(&mut m, "change_number_raw", "change_number", &words)?;

    let multipliers = word_lookup(
        "multiplier_key",
        "multiplier",
        &lex.multiplier_rows,
        |r| &r.form,
        |r| AnyValue::Float64(r.factor),
    )?;
    let change_multipliers = word_lookup(
        "change_multiplier_key",
        "change_multiplier",
        &lex.multiplier_rows,
        |r| &r.form,
        |r| AnyValue::Float64(r.factor),
    )?;
    let qualifiers = word_lookup(
        "qualifier_key",
        "qualifier",
        &lex.qualifier_rows,
        |r| &r.form,
        |r| AnyValue::String(&r.qualifier),
    )?;
    let actions = word_lookup(
        "action_key",
        "action",
        &lex.action_rows,
        |r| &r.form,
        |r| AnyValue::String(&r.action),
    )?;
    let topics = word_lookup(
        "topic_key",
        "topic",
        &lex.topic_rows,
        |r| &r.form,
        |r| AnyValue::String(&r.topic),
    )?;
    let changes = word_lookup(
        "change_key",
        "change_direction",
        &lex.change_rows,
        |r| &r.form,
        |r| AnyValue::String(&r.direction),
    )?;

    // Rows leave in the order they came (documents in input order, mentions in text order):
    // joins may reorder, so the arrival order is kept as a column and restored at the end. A
    // streamed run's batches then lay end to end as one run's rows.
    let mut lf = m.with_row_index(ARRIVAL.into(), None)?.lazy();
    for (table, key) in [
        (unit_lookup(lex, "unit_key", "")?, "unit_key"),
        (
            unit_lookup(lex, "change_unit_key", "change_")?,
            "change_unit_key",
        ),
        (multipliers, "multiplier_key"),
        (change_multipliers, "change_multiplier_key"),
        (qualifiers, "qualifier_key"),
        (actions, "action_key"),
        (topics, "topic_key"),
        (changes, "change_key"),
    ] {
        lf = lf.left_join(table, col(key), col(key));
    }
    lf = lf.with_columns([col("unit_canonical").alias("unit")]);
    lf = apply_readings(lf, lex)?;

    let scaled = col("number")
        * col("multiplier").fill_null(lit(1.0))
        * col("unit_factor").fill_null(lit(1.0))
        / col("unit_divisor").fill_null(lit(1.0));
    let change_scaled = col("change_number")
        * col("change_multiplier").fill_null(lit(1.0))
        * col("change_unit_factor").fill_null(lit(1.0))
        / col("change_unit_divisor").fill_null(lit(1.0));
    let change_unit = when(col("change_unit_canonical").eq(lit("percent")))
        .then(lit("percent"))
        .when(col("change_unit_canonical").eq(lit("times")))
        .then(lit("times"))
        .when(col("change_unit_canonical").is_not_null())
        .then(lit("count"))
        .otherwise(lit(NULL).cast(DataType::String));
    let is_level = col("measure").eq(lit("level"));
    let up = col("change_direction").eq(lit("increase"));
    let down = col("change_direction").eq(lit("decrease"));
    let cu = col("change_unit");
    let cv = col("change_value");
    let v = col("value");
    let baseline_value = when(
        is_level
            .clone()
            .and(cu.clone().eq(lit("count")))
            .and(up.clone()),
    )
    .then(v.clone() - cv.clone())
    .when(
        is_level
            .clone()
            .and(cu.clone().eq(lit("count")))
            .and(down.clone()),
    )
    .then(v.clone() + cv.clone())
    .when(
        is_level
            .clone()
            .and(cu.clone().eq(lit("percent")))
            .and(up.clone()),
    )
    .then(v.clone() / (lit(1.0) + cv.clone() / lit(100.0)))
    .when(
        is_level
            .clone()
            .and(cu.clone().eq(lit("percent")))
            .and(down.clone()),
    )
    .then(v.clone() / (lit(1.0) - cv.clone() / lit(100.0)))
    .when(
        is_level
            .clone()
            .and(cu.clone().eq(lit("times")))
            .and(up.clone()),
    )
    .then(v.clone() / cv.clone())
    .when(
        is_level
            .clone()
            .and(col("change_direction").eq(lit("unchanged"))),
    )
    .then(v.clone())
    .otherwise(lit(NULL).cast(DataType::Float64));
    let signed_change = when(down.clone())
        .then(lit(-1.0) * cv.clone())
        .otherwise(cv.clone());
    let delta = when(col("baseline_value").is_not_null())
        .then(v.clone() - col("baseline_value"))
        .when(is_level.clone().not().and(cu.clone().eq(lit("count"))))
        .then(signed_change.clone())
        .otherwise(lit(NULL).cast(DataType::Float64));
    let pct_change = when(
        col("baseline_value")
            .is_not_null()
            .and(col("baseline_value").neq(lit(0.0))),
    )
    .then(lit(100.0) * (v.clone() - col("baseline_value")) / col("baseline_value"))
    .when(is_level.clone().not().and(cu.clone().eq(lit("percent"))))
    .then(signed_change)
    .otherwise(lit(NULL).cast(DataType::Float64));

    let observations = lf
        .with_columns([
            scaled.alias("value"),
            change_scaled.alias("change_value_raw_scaled"),
            change_unit.alias("change_unit"),
            col("qualifier").fill_null(lit("exact")),
            col("period").alias("period"),
        ])
        .with_columns([
            // A change row's own figure is its change.
            when(col("measure").eq(lit("change")))
                .then(col("value"))
                .otherwise(col("change_value_raw_scaled"))
                .alias("change_value"),
            when(col("change_direction").is_null())
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col("baseline"))
                .alias("baseline"),
        ])
        .with_columns([baseline_value.alias("baseline_value")])
        .with_columns([delta.alias("delta"), pct_change.alias("pct_change")])
        .sort([ARRIVAL], SortMultipleOptions::default())
        .select([
            col("doc_id"),
            col("obs_idx").cast(DataType::Int32),
            col("span_start").cast(DataType::Int64),
            col("span_end").cast(DataType::Int64),
            col("mention"),
            col("sentence"),
            col("measure"),
            col("value").cast(DataType::Float64),
            col("denominator").cast(DataType::Float64),
            col("unit").fill_null(lit("item")),
            col("unit_raw"),
            col("qualifier"),
            col("topic"),
            col("action"),
            col("year").cast(DataType::Int32),
            col("period"),
            col("change_direction"),
            col("change_value").cast(DataType::Float64),
            col("change_unit"),
            col("baseline"),
            col("baseline_value").cast(DataType::Float64),
            col("delta").cast(DataType::Float64),
            col("pct_change").cast(DataType::Float64),
        ])
        .collect()?;

    let counts = observations
        .clone()
        .lazy()
        .group_by([col("doc_id")])
        .agg([len().cast(DataType::Int32).alias("n_observations")]);
    let documents = staged
        .documents
        .clone()
        .with_row_index(ARRIVAL.into(), None)?
        .lazy()
        .left_join(counts, col("doc_id"), col("doc_id"))
        .with_columns([col("n_observations").fill_null(lit(0i32))])
        .sort([ARRIVAL], SortMultipleOptions::default())
        .select([
            col("doc_id"),
            col("source"),
            col("sha256"),
            col("title"),
            col("event_date").cast(DataType::Date),
            col("report_year").cast(DataType::Int32),
            col("province"),
            col("n_chars").cast(DataType::Int64),
            col("n_observations").cast(DataType::Int32),
        ])
        .collect()?;

    let deltas = deltas(&observations, &documents)?;
    // Rejects keep the order ingest gave them: record order within input order.
    let rejects = staged.rejects;
    Ok(Dataset {
        documents,
        observations,
        deltas,
        rejects,
    })
}

/// The observation rows `deltas` reads (SPEC `deltas`: whole-year levels with a topic and an
/// action), with only the columns it needs. A streamed run keeps these of each batch.
pub fn series_points(observations: LazyFrame) -> LazyFrame {
    observations
        .filter(
            col("measure")
                .eq(lit("level"))
                .and(col("period").is_null())
                .and(col("year").is_not_null())
                .and(col("topic").is_not_null())
                .and(col("action").is_not_null()),
        )
        .select(
            [
                "doc_id",
                "obs_idx",
                "measure",
                "period",
                "year",
                "topic",
                "action",
                "unit",
                "value",
                "baseline_value",
            ]
            .map(col),
        )
}

/// Series across documents (SPEC `deltas`): one point per document and key, each joined to the
/// previous year's points of the same province, topic, action and unit.
pub fn deltas(observations: &DataFrame, documents: &DataFrame) -> PolarsResult<DataFrame> {
    let keys = ["province", "topic", "action", "unit"];
    // A series point: its key and year.
    let on: Vec<Expr> = keys.iter().map(|k| col(*k)).chain([col("year")]).collect();
    let points = series_points(observations.clone().lazy())
        .join(
            documents
                .clone()
                .lazy()
                .select([col("doc_id"), col("province")]),
            [col("doc_id")],
            [col("doc_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("province").is_not_null())
        // One value per document and key: the first the document states.
        .sort(
            ["doc_id", "obs_idx"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .group_by_stable([
            col("doc_id"),
            col("province"),
            col("topic"),
            col("action"),
            col("unit"),
            col("year"),
        ])
        .agg([col("value").first(), col("baseline_value").first()]);
    // One previous point per key and year, the first document's by doc_id: when many reports
    // state one series' year, each point still meets one previous point (a join with all of
    // them grows with the square of the reports: gigabytes on a national corpus).
    let previous = points
        .clone()
        .group_by_stable(on.clone())
        .agg([col("value").first(), col("doc_id").first()])
        .select(
            keys.iter()
                .map(|k| col(*k))
                .chain([
                    (col("year") + lit(1i32)).alias("year"),
                    col("year").alias("prev_year"),
                    col("value").alias("prev_value"),
                    col("doc_id").alias("prev_doc_id"),
                ])
                .collect::<Vec<_>>(),
        );
    let tolerance = lit(0.005) * absolute(col("prev_value")) + lit(0.5);
    points
        .join(previous, on.clone(), on, JoinArgs::new(JoinType::Left))
        .with_columns([
            (col("value") - col("prev_value")).alias("delta"),
            when(col("prev_value").neq(lit(0.0)))
                .then(lit(100.0) * (col("value") - col("prev_value")) / col("prev_value"))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("pct_change"),
            when(
                col("baseline_value")
                    .is_null()
                    .or(col("prev_value").is_null()),
            )
            .then(lit(NULL).cast(DataType::Boolean))
            .otherwise(absolute(col("baseline_value") - col("prev_value")).lt_eq(tolerance))
            .alias("consistent"),
        ])
        .sort(
            [
                "province",
                "topic",
                "action",
                "unit",
                "year",
                "doc_id",
                "prev_doc_id",
            ],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .select([
            col("province"),
            col("topic"),
            col("action"),
            col("unit"),
            col("year").cast(DataType::Int32),
            col("value").cast(DataType::Float64),
            col("doc_id"),
            col("prev_year").cast(DataType::Int32),
            col("prev_value").cast(DataType::Float64),
            col("prev_doc_id"),
            col("delta").cast(DataType::Float64),
            col("pct_change").cast(DataType::Float64),
            col("consistent"),
        ])
        .collect()
}
