//! `solieu-ingest`: raw text to rows. Reads inputs (text files, JSONL, CSV and Parquet corpora),
//! normalises the text, drops page furniture, splits paragraphs and sentences, and finds every
//! statistic with its raw parts ([`Mention`]). Mapping those words to canonical values is the
//! `transform` stage's job.
//!
//! The stage reads like the pipeline:
//! [`discover`] input files → [`read_records`] → [`ingest`] each record with a [`Lexicon`] →
//! [`to_frames`]. [`ingest`] is two steps a caller may run on different threads: [`prepare`]
//! (decoding and normalising the text) and [`ingest_prepared`] (extraction). Everything a
//! caller uses is named here; the modules are private, so how ingest works can change without
//! callers reaching past this list.

mod document;
mod encoding;
mod extract;
#[cfg(feature = "polars")]
mod frames;
mod hash;
mod lexicon;
mod source;
mod text;

pub use document::{
    ingest, ingest_keeping_text, ingest_prepared, prepare, Date, DocDefaults, Gazetteer,
    IngestedDocument, Prepared,
};
pub use extract::{extract, sentence_spans, ChangeParts, Extraction, Measure, Mention, SmallText};
#[cfg(feature = "polars")]
pub use frames::{to_frames, to_frames_borrowed, Staged};
pub use hash::{shard_key, word_key};
pub use lexicon::{Lexicon, LexiconError, Position};
pub use source::{
    discover, discover_with, parse_records, path_name, read_records, read_records_with,
    visit_records, visit_records_hashed, Compression, DiscoverOptions, FileDigest, InputFile,
    InputFormat, InputFormatKey, ReadLimits, Record, RecordText, Reject, SourceError,
    DEFAULT_MAX_DOCUMENT_BYTES, MAX_ID_BYTES, MAX_TITLE_BYTES,
};
pub use text::{
    decode, decode_str, fold, form_tokens, normalize, tokenize, DecodeProblem, Folded, Token,
    TokenFold, TokenKind,
};
