//! The pipeline's one error type. A scheduler acts on two kinds: a run that never started
//! because a person must fix something ([`Error::Config`], exit status 2 at the CLI), and a
//! run that failed while working (everything else, exit status 1).

use polars::prelude::PolarsError;
use solieu_sink::SinkError;
use solieu_transform::TransformError;

/// Boxed cause of a failure, kept for its message chain.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A usage or configuration problem: the run never started.
    #[error("{0}")]
    Config(String),
    /// What was being done when `source` failed; shown as `what: source`, as a chain.
    #[error("{what}")]
    Context {
        what: String,
        #[source]
        source: Cause,
    },
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Polars(#[from] PolarsError),
    #[error(transparent)]
    Transform(#[from] TransformError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A failure with nothing beneath it.
    #[error("{0}")]
    Failed(String),
    /// The last run's state could not be read back while it was being reused: the run is
    /// done again in full rather than fail every night until someone deletes the state.
    #[error("the last run's state is unreadable: {0}")]
    State(String),
}

impl Error {
    /// Whether a person must fix the input or configuration (exit status 2).
    pub fn is_config(&self) -> bool {
        matches!(self, Error::Config(_))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A configuration error from anything that displays.
pub fn config<E: std::fmt::Display>(e: E) -> Error {
    Error::Config(e.to_string())
}

/// Says what was being done when an error happened, as anyhow's `context` does.
pub trait Context<T>: Sized {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.with_context(|| what)
    }
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for Result<T, E> {
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::Context {
            what: what().into(),
            source: Box::new(e),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.ok_or_else(|| Error::Failed(what().into()))
    }
}
