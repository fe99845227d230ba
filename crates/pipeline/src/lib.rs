//! `solieu-pipeline`: solieu's pipeline as a library. A [`Plan`] is resolved from a pipeline
//! file and [`Overrides`]; [`run`] streams the inputs through ingest (`solieu-ingest`),
//! transform (`solieu-transform`) and sink (`solieu-sink`) into a dataset, incrementally; the
//! stages ([`ingest_stage`], [`transform_stage`], [`sink_stage`]) do the same one step at a
//! time, [`merge`] joins the datasets of shards, and [`explain`] shows one document for an
//! audit. A notebook, a scheduler or another program runs solieu through these without the
//! binary; the `solieu` CLI only turns flags into a plan and a [`Progress`] into a bar.
//!
//! ```no_run
//! use solieu_pipeline::{run, Overrides, Plan, Silent};
//! let overrides = Overrides {
//!     inputs: vec!["corpus/".into()],
//!     out: Some("data/out/corpus".into()),
//!     ..Overrides::default()
//! };
//! let plan = Plan::resolve("pipelines/default.toml".as_ref(), &overrides)?;
//! let summary = run(&plan, &Silent)?;
//! println!("{} observations", summary.rows_of(solieu_pipeline::tables::OBSERVATIONS));
//! # Ok::<(), solieu_pipeline::Error>(())
//! ```

mod error;
mod explain;
mod file;
mod ingest;
mod keyed;
mod plan;
mod progress;
mod stages;
mod state;
mod stream;

pub use error::{config, Error, Result};
pub use explain::{explain, ExplainRequest, Explained};
pub use file::{Pipeline, PipelineError};
pub use ingest::{quiet_document_panics, Ingestor, INTERNAL_ERROR};
pub use plan::{Overrides, Plan};
pub use progress::{Progress, Silent};
pub use solieu_sink::tables;
pub use stages::{ingest_stage, merge, run, sink_stage, transform_stage, validate, Summary};
pub use stream::Shard;
