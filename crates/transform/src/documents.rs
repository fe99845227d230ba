//! The `documents` table (SPEC `documents`): the staged documents in input order, typed, with
//! how many observations each gave.

use polars::prelude::*;

use crate::{schema, ARRIVAL};

/// Staged documents and their observations in, `documents` out.
pub(crate) fn documents(staged: &DataFrame, observations: &DataFrame) -> PolarsResult<DataFrame> {
    let counts = observations
        .clone()
        .lazy()
        .group_by([col("doc_id")])
        .agg([len().cast(DataType::Int32).alias("n_observations")]);
    staged
        .clone()
        .with_row_index(ARRIVAL.into(), None)?
        .lazy()
        .left_join(counts, col("doc_id"), col("doc_id"))
        .with_columns([col("n_observations").fill_null(lit(0i32))])
        .sort([ARRIVAL], SortMultipleOptions::default())
        .select(schema::select(schema::DOCUMENTS))
        .collect()
}
