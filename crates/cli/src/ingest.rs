//! `solieu ingest`: stage 1 alone.

use anyhow::Result;
use clap::Args;
use solieu_pipeline::tables::STAGED_INGEST;
use solieu_pipeline::{ingest_stage, Plan};

use crate::common::{overrides, Bar, DatasetArgs, InputArgs, ThreadArgs};

pub const ABOUT: &str =
    "Stage 1: read inputs and find mentions; writes <out>.stage/ingest/*.parquet.

Reads every input (no incremental reuse) and stages the raw parts of each mention with the \
documents and rejects, for `solieu transform`. The stages hold their whole table in memory: \
use `solieu run` on corpora that do not fit.";

/// Options of `solieu ingest`.
#[derive(Args, Debug, Clone)]
pub struct IngestArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

pub fn main(a: &IngestArgs) -> Result<()> {
    let o = overrides(&a.dataset, Some(&a.input), None, Some(&a.threads));
    let plan = Plan::resolve(&a.dataset.pipeline, &o)?;
    let bar = Bar::new(a.dataset.quiet);
    let summary = ingest_stage(&plan, &bar)?;
    bar.summary("solieu ingest", &summary, &STAGED_INGEST);
    Ok(())
}
