//! Why the generator's data cannot be used.

use std::path::PathBuf;

/// The generator's data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Frames { path: PathBuf, message: String },
}
