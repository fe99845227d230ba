//! `solieu-ingest`: raw text to rows. Reads inputs (text files, JSONL, CSV and Parquet corpora),
//! normalises the text, drops page furniture, splits paragraphs and sentences, and finds every
//! statistic with its raw parts ([`Mention`]). Mapping those words to canonical values is the
//! `transform` stage's job.
//!
//! The stage reads like the pipeline:
//! [`discover`] input files → [`read_records`] → [`ingest`] each record with a [`Lexicon`].

pub mod document;
pub mod encoding;
pub mod extract;
#[cfg(feature = "polars")]
pub mod frames;
pub mod lexicon;
pub mod source;
pub mod text;

pub use document::{ingest, ingest_keeping_text, Date, DocDefaults, Gazetteer, IngestedDocument};
pub use extract::{ChangeParts, Measure, Mention};
pub use lexicon::{Lexicon, LexiconError};
pub use source::{
    discover, read_records, read_records_with, visit_records, InputFile, InputFormat, ReadLimits,
    Record, Reject, SourceError, DEFAULT_MAX_DOCUMENT_BYTES,
};
pub use text::fold;
