//! What every ingest test needs: the project's lexicon and a record through `ingest`.
#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

use solieu_ingest::{ingest, DocDefaults, Gazetteer, IngestedDocument, Lexicon, Record};

pub fn lexicon() -> Lexicon {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
    Lexicon::load(&dir).expect("the project's lexicon loads")
}

/// A `.txt`-like record of these bytes, with no metadata.
pub fn record_bytes(bytes: &[u8]) -> Record {
    Record {
        doc_id: "t".into(),
        source: "t.txt".into(),
        bytes: bytes.to_vec().into(),
        url: None,
        title: None,
        date: None,
        province: None,
    }
}

pub fn record(text: &str) -> Record {
    record_bytes(text.as_bytes())
}

pub fn ingest_with(record: &Record, defaults: &DocDefaults) -> IngestedDocument {
    let lex = lexicon();
    ingest(record, &lex, &Gazetteer::new(&lex), defaults).expect("ingests")
}

pub fn doc_bytes(bytes: &[u8]) -> IngestedDocument {
    ingest_with(&record_bytes(bytes), &DocDefaults::default())
}

pub fn doc(text: &str) -> IngestedDocument {
    doc_bytes(text.as_bytes())
}
