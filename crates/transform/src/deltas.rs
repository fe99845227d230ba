//! The `deltas` table (SPEC `deltas`): the year-on-year series an analyst charts. A series is
//! (`province`, `topic`, `action`, `unit`), a point one `year` of it, in three steps:
//! [`series_points`] keeps the observation rows that can be points, [`document_points`] gives
//! each document one value per point (its largest mention) and [`deltas_of_points`] picks the
//! latest document's value for each point and lines it up with the year before.
//!
//! A streamed run keeps each batch's [`document_points`] (a document lives in one batch) and
//! calls [`deltas_of_points`] once per province at the end: a series never spans provinces.

use polars::prelude::*;

use crate::changes::absolute;
use crate::schema::{self, AMOUNT_UNITS};
use crate::ARRIVAL;

/// A point's key: its series and its year.
const POINT: [&str; 5] = ["province", "topic", "action", "unit", "year"];

/// The series key: a point's key but its year.
const SERIES: &[&str] = POINT.split_at(4).0;

/// The `documents` columns that tell which of two reports is the later, most significant
/// first; a report without one counts as the older. `doc_id` breaks the last tie.
const RECENCY: [&str; 2] = ["published", "event_date"];

/// The observation rows `deltas` reads (SPEC `deltas`): whole-year levels, not `less_than`,
/// with a topic, an action and a unit, and the columns it needs of them. Applying it twice
/// keeps the same rows, so its output may be passed back to [`deltas`] as observations.
pub fn series_points(observations: LazyFrame) -> LazyFrame {
    observations
        .filter(
            col("measure")
                .eq(lit("level"))
                .and(col("qualifier").neq_missing(lit("less_than")))
                .and(col("period").is_null())
                .and(col("year").is_not_null())
                .and(col("topic").is_not_null())
                .and(col("action").is_not_null())
                .and(col("unit").is_not_null()),
        )
        .select(
            [
                "doc_id",
                "obs_idx",
                "measure",
                "qualifier",
                "period",
                "year",
                "topic",
                "action",
                "unit",
                "value",
                "change_direction",
                "change_unit",
                "baseline",
                "baseline_value",
            ]
            .map(col),
        )
}

/// Series across documents (SPEC `deltas`) from `observations` and `documents` (at least
/// `doc_id` and `province`; a missing date column orders reports by `doc_id` alone).
pub fn deltas(observations: &DataFrame, documents: &DataFrame) -> PolarsResult<DataFrame> {
    deltas_of_points(&document_points(observations, documents)?)
}

/// Each document's value for each point it gives: its largest mention (a total outweighs the
/// parts and the single cases listed after it), with `n_mentions`, the previous value that
/// mention states (`stated_prev_value`), the document's province and its date columns.
pub fn document_points(observations: &DataFrame, documents: &DataFrame) -> PolarsResult<DataFrame> {
    let mut mentions = series_points(observations.clone().lazy())
        .join(
            located(documents),
            [col("doc_id")],
            [col("doc_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("province").is_not_null())
        .collect()?;
    with_stated_previous(&mut mentions)?;
    let point: Vec<Expr> = ["doc_id"].iter().chain(&POINT).map(|k| col(*k)).collect();
    // The mention that gives the value: the largest, then one that states its previous value,
    // then the first in text order. The mentions are sorted so once, and each point takes its
    // first row: a sort inside every group cost polars a sort per group, a twentieth of a run.
    // A point is one document's, whose `obs_idx` are distinct, so the order within a point is
    // total. The points keep the order their first mentions arrived in.
    let mut aggregates = vec![
        col("value").first(),
        len().cast(DataType::Int32).alias("n_mentions"),
        col("stated_prev_value").first(),
    ];
    aggregates.extend(RECENCY.iter().map(|c| col(*c).first()));
    aggregates.push(col(ARRIVAL).min());
    mentions
        .with_row_index(ARRIVAL.into(), None)?
        .lazy()
        .sort_by_exprs(
            [
                col("value"),
                col("stated_prev_value").is_not_null(),
                col("obs_idx"),
            ],
            SortMultipleOptions::default().with_order_descending_multi([true, true, false]),
        )
        .group_by(point)
        .agg(aggregates)
        .sort([ARRIVAL], SortMultipleOptions::default())
        .collect()?
        .drop(ARRIVAL)
}

/// `doc_id`, `province` and the recency columns of the documents (null where a column is
/// missing, so callers that know only the province keep working).
fn located(documents: &DataFrame) -> LazyFrame {
    let mut columns = vec![col("doc_id"), col("province")];
    columns.extend(RECENCY.iter().map(|c| {
        if documents.schema().contains(c) {
            col(*c).cast(DataType::Date)
        } else {
            lit(NULL).cast(DataType::Date).alias(*c)
        }
    }));
    documents.clone().lazy().select(columns)
}

/// Adds `stated_prev_value`: a mention's `baseline_value` when it compares with the year
/// before its own (`year:<year − 1>`, `same_period`, `previous_period`) by a count or a
/// percent, or says it is unchanged. A multiple (`tăng gần 2 lần`) is too rough to check.
fn with_stated_previous(mentions: &mut DataFrame) -> PolarsResult<()> {
    let year = mentions.column("year")?.cast(&DataType::Int32)?;
    let year = year.i32()?;
    let baseline = mentions.column("baseline")?.str()?;
    let unit = mentions.column("change_unit")?.str()?;
    let direction = mentions.column("change_direction")?.str()?;
    let value = mentions
        .column("baseline_value")?
        .cast(&DataType::Float64)?;
    let value = value.f64()?;
    let stated: Float64Chunked = year
        .iter()
        .zip(baseline.iter())
        .zip(unit.iter().zip(direction.iter()))
        .zip(value.iter())
        .map(|(((year, baseline), (unit, direction)), value)| {
            let year = year?;
            let previous_year = match baseline? {
                "same_period" | "previous_period" => true,
                other => {
                    other
                        .strip_prefix("year:")
                        .and_then(|y| y.parse::<i32>().ok())
                        == Some(year - 1)
                }
            };
            let sized = matches!(unit, Some("count" | "percent")) || direction == Some("unchanged");
            if previous_year && sized {
                value
            } else {
                None
            }
        })
        .collect();
    mentions.with_column(stated.with_name("stated_prev_value".into()).into_column())?;
    Ok(())
}

/// `deltas` from [`document_points`] (of all documents, or of all documents of some
/// provinces): one row per point, the latest document's, with the year before.
pub fn deltas_of_points(points: &DataFrame) -> PolarsResult<DataFrame> {
    let key: Vec<Expr> = POINT.map(col).to_vec();
    let chosen = latest(points.clone().lazy(), &key);
    let previous = chosen.clone().select(
        SERIES
            .iter()
            .map(|k| col(*k))
            .chain([
                (col("year") + lit(1i32)).alias("year"),
                col("year").alias("prev_year"),
                col("value").alias("prev_value"),
                col("doc_id").alias("prev_doc_id"),
            ])
            .collect::<Vec<_>>(),
    );
    chosen
        .join(previous, key.clone(), key, JoinArgs::new(JoinType::Left))
        .with_columns([
            (col("value") - col("prev_value")).alias("delta"),
            when(col("prev_value").neq(lit(0.0)))
                .then(lit(100.0) * (col("value") - col("prev_value")) / col("prev_value"))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("pct_change"),
            consistent().alias("consistent"),
        ])
        .sort(POINT, SortMultipleOptions::default())
        .select(schema::select(schema::DELTAS))
        .collect()
}

/// One row per point: the value of the latest document giving it, how many documents give it
/// and how many distinct values they give.
fn latest(points: LazyFrame, key: &[Expr]) -> LazyFrame {
    let order: Vec<&str> = POINT
        .iter()
        .chain(&RECENCY)
        .chain(&["doc_id"])
        .copied()
        .collect();
    // Sorted with undated reports first, each point's last row is its latest report.
    points
        .sort(order, SortMultipleOptions::default().with_nulls_last(false))
        .group_by(key)
        .agg([
            col("value").last(),
            col("doc_id").last(),
            col("n_mentions").last(),
            col("stated_prev_value").last(),
            len().cast(DataType::Int32).alias("n_documents"),
            col("value")
                .n_unique()
                .cast(DataType::Int32)
                .alias("n_values"),
        ])
}

/// Whether the stated previous value agrees with the previous point: within 1 %, or 1 unit
/// for a count under 100 (a count is whole: 1 % of 40 would demand an exact match).
fn consistent() -> Expr {
    let prev = col("prev_value");
    let is_count = AMOUNT_UNITS
        .iter()
        .fold(lit(true), |acc, u| acc.and(col("unit").neq(lit(*u))));
    let tolerance = when(is_count.and(absolute(prev.clone()).lt(lit(100.0))))
        .then(lit(1.0))
        .otherwise(lit(0.01) * absolute(prev.clone()));
    // Percent baselines come back through a division: allow for its rounding.
    let tolerance = tolerance + lit(1e-9) * (lit(1.0) + absolute(prev.clone()));
    when(
        col("stated_prev_value")
            .is_null()
            .or(prev.clone().is_null()),
    )
    .then(lit(NULL).cast(DataType::Boolean))
    .otherwise(absolute(col("stated_prev_value") - prev).lt_eq(tolerance))
}
