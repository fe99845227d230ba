//! The one way a record becomes an ingested document, whether a streamed run, the `ingest`
//! stage or `explain` asks.

use solieu_ingest::{
    ingest_keeping_text, DocDefaults, Gazetteer, IngestedDocument, Lexicon, Record, Reject,
};

/// A lexicon with what ingest builds from it once, and the document defaults.
pub struct Ingestor<'a> {
    pub lexicon: &'a Lexicon,
    gazetteer: Gazetteer,
    pub defaults: &'a DocDefaults,
}

impl<'a> Ingestor<'a> {
    pub fn new(lexicon: &'a Lexicon, defaults: &'a DocDefaults) -> Ingestor<'a> {
        Ingestor {
            lexicon,
            gazetteer: Gazetteer::new(lexicon),
            defaults,
        }
    }

    /// One record through ingest. A panic on odd text (a bug meeting a document nobody
    /// foresaw) becomes that document's reject, so one document never stops the batch.
    pub fn document(&self, rec: &Record) -> Result<IngestedDocument, Reject> {
        self.document_and_text(rec).map(|(doc, _)| doc)
    }

    /// [`Ingestor::document`] with the normalised text its spans point into.
    pub fn document_and_text(&self, rec: &Record) -> Result<(IngestedDocument, String), Reject> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ingest_keeping_text(rec, self.lexicon, &self.gazetteer, self.defaults)
        }))
        .unwrap_or_else(|_| {
            Err(Reject {
                source: rec.source.clone(),
                reason: "internal error: extraction failed on this document; please report it"
                    .into(),
            })
        })
    }
}
