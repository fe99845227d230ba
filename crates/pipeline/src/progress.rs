//! What a run tells the person watching it. The library never draws: the CLI implements
//! [`Progress`] with a terminal bar, a notebook or another program with whatever it likes, and
//! [`Silent`] shows nothing.

/// Progress of a run over its input bytes, and the lines it has for a person. Called from the
/// worker and writer threads, hence `Sync`.
pub trait Progress: Sync {
    /// The run is about to read `total_bytes` of inputs.
    fn start(&self, _total_bytes: u64) {}
    /// `bytes` more of the inputs are done. Within a JSONL or CSV corpus the bytes are
    /// estimated from each record's fields as it is read (never past the file's size); the
    /// file's end makes the count exact, so the calls of a run add up to the inputs' size.
    fn advance(&self, _bytes: u64) {}
    /// `documents` documents (records, rejected ones included) are done so far.
    fn documents(&self, _documents: usize) {}
    /// `rejects` of those documents were rejected so far; called before [`Progress::documents`]
    /// for the same batch.
    fn rejects(&self, _rejects: usize) {}
    /// Reading is over (the bar, if any, goes away).
    fn finish(&self) {}
    /// Something a person should know even when nothing else is shown: a lock taken over, a
    /// state that could not be reused.
    fn warn(&self, message: &str) {
        eprintln!("solieu: warning: {message}");
    }
    /// Housekeeping worth a line when the person asked for output.
    fn note(&self, _message: &str) {}
}

/// Shows nothing but warnings.
pub struct Silent;

impl Progress for Silent {}
