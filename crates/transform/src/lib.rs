//! `solieu-transform`: the `transform` stage. Takes the staged mentions with their raw parts and
//! makes the tables of SPEC: numbers parsed as vi-VN, unit words mapped to canonical units by
//! joining the lexicon, mass and money normalised, changes resolved into `baseline_value`,
//! `delta` and `pct_change`, and `deltas` lined up across documents.
//!
//! Written as polars queries, except the lexicon lookups: each mention's words are looked up
//! by their folded form in tables built once per run, as a left join on the folded key would
//! give (see `keys`). One module per concern: keys (the lexicon lookups), changes,
//! observations, documents, deltas, and [`schema`], the one description of the
//! tables that the data dictionary and the Parquet metadata come from.

mod changes;
mod deltas;
mod documents;
mod keys;
mod number;
mod observations;
pub mod schema;

use polars::prelude::*;
use solieu_ingest::{Lexicon, Staged};

pub use deltas::{deltas, deltas_of_points, document_points, series_points};
pub use number::parse_number;

/// The four tables of a dataset (SPEC "Tables").
#[derive(Debug, Clone)]
pub struct Dataset {
    pub documents: DataFrame,
    pub observations: DataFrame,
    pub deltas: DataFrame,
    pub rejects: DataFrame,
}

/// One batch of a streamed run, transformed: its rows of three tables, and the points it
/// gives `deltas` ([`document_points`]), which are computed once every batch is in with
/// [`deltas_of_points`].
#[derive(Debug, Clone)]
pub struct Batch {
    pub documents: DataFrame,
    pub observations: DataFrame,
    pub rejects: DataFrame,
    pub points: DataFrame,
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

/// The column holding each row's arrival order while a table is built.
const ARRIVAL: &str = "__arrival";

/// Checks that every canonical unit the lexicon writes is one SPEC lists ([`schema`]'s `unit`
/// vocabulary): a lexicon that maps a form elsewhere is a configuration error, not a silent
/// new category.
pub fn validate_lexicon(lex: &Lexicon) -> Result<(), TransformError> {
    let Some(allowed) = schema::vocabulary("unit") else {
        return Ok(());
    };
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
        if !allowed.contains(unit) {
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

/// The transform of a run: the lexicon checked once, then any number of batches. It copies
/// what it needs of the lexicon, so it does not borrow it.
pub struct Transformer {
    /// The lexicon's number words and tables, built once rather than per batch.
    lookups: keys::Lookups,
}

impl Transformer {
    /// Checks the lexicon ([`validate_lexicon`]) and prepares its number words and lookup
    /// tables.
    pub fn new(lex: &Lexicon) -> Result<Self, TransformError> {
        validate_lexicon(lex)?;
        Ok(Transformer {
            lookups: keys::Lookups::new(lex)?,
        })
    }

    /// One batch's tables and its `deltas` points; no `deltas` of its own.
    pub fn batch(&self, staged: Staged) -> Result<Batch, TransformError> {
        let observations = observations::observations(staged.mentions, &self.lookups)?;
        let documents = documents::documents(&staged.documents, &observations)?;
        let points = document_points(&observations, &documents)?;
        Ok(Batch {
            documents,
            observations,
            // Rejects keep the order ingest gave them: record order within input order.
            rejects: staged.rejects,
            points,
        })
    }
}

/// The `transform` stage: staged ingest frames in, SPEC tables out.
pub fn transform(staged: Staged, lex: &Lexicon) -> Result<Dataset, TransformError> {
    let batch = Transformer::new(lex)?.batch(staged)?;
    let deltas = deltas_of_points(&batch.points)?;
    Ok(Dataset {
        documents: batch.documents,
        observations: batch.observations,
        deltas,
        rejects: batch.rejects,
    })
}
