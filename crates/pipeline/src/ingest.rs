//! The one way a record becomes an ingested document, whether a streamed run, the `ingest`
//! stage or `explain` asks.

use std::cell::{Cell, RefCell};

use solieu_ingest::{
    ingest_keeping_text, ingest_prepared, prepare, DocDefaults, Gazetteer, IngestedDocument,
    Lexicon, Prepared, Record, Reject,
};

/// How the reason of a document's reject begins when extraction panicked on it.
pub const INTERNAL_ERROR: &str = "internal error";

thread_local! {
    /// Whether this thread is extracting a document inside the guard, and what its panic said.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the panic of a guarded document off stderr: it becomes one reject and one warning
/// line, where Rust's own message took several lines per document, even with `--quiet`. Any
/// other panic, and every panic when `RUST_BACKTRACE` is set, is shown as Rust shows it. Call
/// once, at the start of a program (the `solieu` binary does).
pub fn quiet_document_panics() {
    let shown = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let guarded = GUARDED.with(Cell::get);
        if !guarded || std::env::var_os("RUST_BACKTRACE").is_some() {
            shown(info);
        }
        if guarded {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
            PANIC.with(|p| *p.borrow_mut() = Some(format!("{one_line}{at}")));
        }
    }));
}

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

    /// A record's text decoded and normalised ([`prepare`]), the step before
    /// [`Ingestor::document`]; a streamed run takes it on the thread that reads the record. A
    /// panic on odd text (a bug meeting a document nobody foresaw) becomes that document's
    /// reject, here as in extraction.
    pub fn prepare(&self, rec: Record) -> Result<Prepared, Reject> {
        let source = rec.source.clone();
        guarded(&source, || prepare(rec))
    }

    /// One prepared record through extraction; a panic becomes the document's reject, so one
    /// document never stops the batch.
    pub fn document(&self, rec: &Prepared) -> Result<IngestedDocument, Reject> {
        guarded(&rec.source, || {
            ingest_prepared(rec, self.lexicon, &self.gazetteer, self.defaults)
        })
    }

    /// A record through both steps, with the normalised text its spans point into.
    pub fn document_and_text(&self, rec: &Record) -> Result<(IngestedDocument, String), Reject> {
        guarded(&rec.source, || {
            ingest_keeping_text(rec, self.lexicon, &self.gazetteer, self.defaults)
        })
    }
}

/// Runs `extract` for the document from `source`; a panic becomes that document's reject,
/// its reason carrying the panic's message on one line.
fn guarded<T>(source: &str, extract: impl FnOnce() -> Result<T, Reject>) -> Result<T, Reject> {
    GUARDED.with(|g| g.set(true));
    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(extract));
    GUARDED.with(|g| g.set(false));
    done.unwrap_or_else(|_| {
        let what = PANIC
            .with(|p| p.borrow_mut().take())
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        Err(Reject {
            source: source.to_string(),
            reason: format!(
                "{INTERNAL_ERROR}: extraction failed on this document{what}; please report it"
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_extraction_is_one_reject_with_its_message_on_one_line() {
        quiet_document_panics();
        let r: Result<(), Reject> = guarded("a.txt", || panic!("index 7\nout of range"));
        let Err(reject) = r else {
            panic!("a panic is a reject");
        };
        assert_eq!(reject.source, "a.txt");
        assert!(
            reject.reason.starts_with(
                "internal error: extraction failed on this document (index 7 out of range at "
            ),
            "{}",
            reject.reason
        );
        assert!(!reject.reason.contains('\n'));
        // The guard is left: a later panic on this thread is shown as Rust shows it.
        assert!(!GUARDED.with(Cell::get));
        assert_eq!(guarded("b.txt", || Ok(5)), Ok(5));
    }
}
