//! The `observations` table (SPEC `observations`): staged mentions with their words looked up,
//! numbers scaled and changes resolved, one row per mention in arrival order.

use polars::prelude::*;

use crate::{changes, keys, schema};

/// Staged mentions in, `observations` out.
pub(crate) fn observations(
    mut mentions: DataFrame,
    lookups: &keys::Lookups,
) -> PolarsResult<DataFrame> {
    // Rows leave in the order they came (documents in input order, mentions in text order):
    // lookups keep the rows where they are, so a streamed run's batches lay end to end as one
    // run's rows.
    lookups.look_up(&mut mentions)?;
    resolve(mentions.lazy())
        .select(schema::select(schema::OBSERVATIONS))
        .collect()
}

/// Numbers scaled, qualifiers defaulted, changes resolved into baseline, delta and percent.
fn resolve(lf: LazyFrame) -> LazyFrame {
    lf.with_columns([
        changes::scaled("").alias("value"),
        changes::scaled("change_").alias("change_value_raw_scaled"),
        changes::change_unit().alias("change_unit"),
        col("qualifier").fill_null(lit("exact")),
        // A unit word the lexicon does not know still counts something.
        col("unit").fill_null(lit("item")),
    ])
    .with_columns([
        // A change row's own figure is its change.
        when(col("measure").eq(lit("change")))
            .then(col("value"))
            .otherwise(col("change_value_raw_scaled"))
            .alias("change_value"),
        // A baseline means nothing without a change to measure against it.
        when(col("change_direction").is_null())
            .then(lit(NULL).cast(DataType::String))
            .otherwise(col("baseline"))
            .alias("baseline"),
    ])
    .with_columns([changes::baseline_value().alias("baseline_value")])
    .with_columns([
        changes::delta().alias("delta"),
        changes::pct_change().alias("pct_change"),
    ])
}
