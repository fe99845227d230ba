//! What the transform tests share: the project's lexicon and reports ingested from text.
#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

use solieu_ingest::{ingest, DocDefaults, Gazetteer, IngestedDocument, Lexicon, Record};

pub fn lexicon() -> Lexicon {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
    Lexicon::load(&dir).expect("the project's lexicon loads")
}

/// A `.txt`-like record with no metadata.
pub fn record(id: &str, text: &str) -> Record {
    Record {
        doc_id: id.into(),
        source: format!("{id}.txt"),
        bytes: text.as_bytes().to_vec().into(),
        url: None,
        title: None,
        date: None,
        province: None,
    }
}

/// Each `(doc_id, text)` ingested with the pipeline's defaults.
pub fn documents(lex: &Lexicon, texts: &[(&str, &str)]) -> Vec<IngestedDocument> {
    let gaz = Gazetteer::new(lex);
    texts
        .iter()
        .map(|(id, text)| {
            ingest(&record(id, text), lex, &gaz, &DocDefaults::default()).expect("ingests")
        })
        .collect()
}
