//! `solieu-gen`: synthetic Vietnamese public-security reports with known answers.
//!
//! A [`Generator`] composes report paragraphs from the sentence frames of
//! `pipelines/gen/frames.toml`, drawing every word from the pipeline's lexicon, and writes for
//! each document the exact rows SPEC says the pipeline must output ([`GoldDoc`], the shape of
//! `corpus/dev/gold.jsonl`). The same seed gives the same documents: a small in-crate PRNG,
//! one stream per document, so document `i` never depends on how many are asked for.

pub mod compose;
pub mod corpus;
mod error;
pub mod format;
pub mod frames;
pub mod furniture;
mod gold;
pub mod rng;

pub use compose::{GenDoc, Generator};
pub use error::GenError;
pub use frames::Templates;
pub use gold::{diff_rows, GoldDoc, Obs};
