//! The `ingest` stage's rows as polars DataFrames: what is staged to Parquet between stages and
//! what `transform` reads. Mentions keep their raw parts; nothing is normalised here.

use polars::prelude::{
    Column, DataFrame, DataType, IntoColumn, NamedFrom, PlSmallStr, PolarsResult, Series,
};

use crate::document::{Date, IngestedDocument};
use crate::source::Reject;

/// What the `ingest` stage hands on: documents, their mentions with raw parts, and rejects.
#[derive(Debug, Clone)]
pub struct Staged {
    pub documents: DataFrame,
    pub mentions: DataFrame,
    pub rejects: DataFrame,
}

fn col<T, P: ?Sized>(name: &str, values: T) -> Column
where
    Series: NamedFrom<T, P>,
{
    Column::new(name.into(), values)
}

/// Builds the staged frames. Rows keep input order; `obs_idx` counts from 0 per document.
pub fn to_frames(docs: &[IngestedDocument], rejects: &[Reject]) -> PolarsResult<Staged> {
    let docs: Vec<&IngestedDocument> = docs.iter().collect();
    let rejects: Vec<&Reject> = rejects.iter().collect();
    to_frames_borrowed(&docs, &rejects)
}

/// [`to_frames`] of borrowed rows: a streamed run builds a batch's frames without copying
/// its documents.
pub fn to_frames_borrowed(docs: &[&IngestedDocument], rejects: &[&Reject]) -> PolarsResult<Staged> {
    let days = |date: fn(&IngestedDocument) -> Option<Date>| -> PolarsResult<Column> {
        let days: Vec<Option<i32>> = docs
            .iter()
            .map(|d| date(d).map(|e| e.days_since_epoch()))
            .collect();
        Ok(Series::new(PlSmallStr::EMPTY, days)
            .cast(&DataType::Date)?
            .into_column())
    };
    let documents = DataFrame::new(
        docs.len(),
        vec![
            col(
                "doc_id",
                docs.iter().map(|d| d.doc_id.as_str()).collect::<Vec<_>>(),
            ),
            col(
                "source",
                docs.iter().map(|d| d.source.as_str()).collect::<Vec<_>>(),
            ),
            col(
                "sha256",
                docs.iter().map(|d| d.sha256.as_str()).collect::<Vec<_>>(),
            ),
            col(
                "title",
                docs.iter().map(|d| d.title.as_deref()).collect::<Vec<_>>(),
            ),
            col(
                "url",
                docs.iter().map(|d| d.url.as_deref()).collect::<Vec<_>>(),
            ),
            days(|d| d.published)?.with_name("published".into()),
            days(|d| d.event_date)?.with_name("event_date".into()),
            col(
                "report_year",
                docs.iter().map(|d| d.report_year).collect::<Vec<_>>(),
            ),
            col(
                "province",
                docs.iter()
                    .map(|d| d.province.as_deref())
                    .collect::<Vec<_>>(),
            ),
            col(
                "n_chars",
                docs.iter().map(|d| d.n_chars).collect::<Vec<_>>(),
            ),
        ],
    )?;

    let rows: Vec<(&IngestedDocument, usize, &crate::extract::Mention)> = docs
        .iter()
        .flat_map(|d| d.mentions.iter().enumerate().map(move |(i, m)| (*d, i, m)))
        .collect();
    let s = |f: fn(&crate::extract::Mention) -> &str| -> Vec<&str> {
        rows.iter().map(|(_, _, m)| f(m)).collect()
    };
    let o = |f: fn(&crate::extract::Mention) -> Option<&str>| -> Vec<Option<&str>> {
        rows.iter().map(|(_, _, m)| f(m)).collect()
    };
    let mentions = DataFrame::new(
        rows.len(),
        vec![
            col(
                "doc_id",
                rows.iter()
                    .map(|(d, _, _)| d.doc_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            col(
                "obs_idx",
                rows.iter().map(|(_, i, _)| *i as i32).collect::<Vec<_>>(),
            ),
            col(
                "span_start",
                rows.iter()
                    .map(|(_, _, m)| m.span_start as i64)
                    .collect::<Vec<_>>(),
            ),
            col(
                "span_end",
                rows.iter()
                    .map(|(_, _, m)| m.span_end as i64)
                    .collect::<Vec<_>>(),
            ),
            col("mention", s(|m| &m.mention)),
            col("sentence", s(|m| &m.sentence)),
            col("measure", s(|m| m.measure.as_str())),
            col("number_raw", s(|m| &m.number_raw)),
            col("denominator_raw", o(|m| m.denominator_raw.as_deref())),
            col("multiplier_raw", o(|m| m.multiplier_raw.as_deref())),
            col("unit_raw", s(|m| &m.unit_raw)),
            col("qualifier_raw", o(|m| m.qualifier_raw.as_deref())),
            col("action_raw", o(|m| m.action_raw.as_deref())),
            col("topic_raw", o(|m| m.topic_raw.as_deref())),
            col(
                "year",
                rows.iter().map(|(_, _, m)| m.year).collect::<Vec<_>>(),
            ),
            col("period", o(|m| m.period.as_deref())),
            col(
                "change_raw",
                o(|m| m.change.as_ref().map(|c| c.direction_raw.as_str())),
            ),
            col(
                "change_number_raw",
                o(|m| m.change.as_ref().map(|c| c.number_raw.as_str())),
            ),
            col(
                "change_multiplier_raw",
                o(|m| m.change.as_ref().and_then(|c| c.multiplier_raw.as_deref())),
            ),
            col(
                "change_unit_raw",
                o(|m| m.change.as_ref().map(|c| c.unit_raw.as_str())),
            ),
            col(
                "baseline",
                o(|m| m.change.as_ref().and_then(|c| c.baseline.as_deref())),
            ),
        ],
    )?;

    let rejects = DataFrame::new(
        rejects.len(),
        vec![
            col(
                "source",
                rejects
                    .iter()
                    .map(|r| r.source.as_str())
                    .collect::<Vec<_>>(),
            ),
            col(
                "reason",
                rejects
                    .iter()
                    .map(|r| r.reason.as_str())
                    .collect::<Vec<_>>(),
            ),
        ],
    )?;
    Ok(Staged {
        documents,
        mentions,
        rejects,
    })
}
