//! `solieu sink`: stage 3 alone.

use anyhow::Result;
use clap::Args;
use solieu_pipeline::{sink_stage, Plan};

use crate::common::{overrides, Bar, DatasetArgs, FormatArgs};

pub const ABOUT: &str = "Stage 3: write the staged tables as the dataset (Parquet and/or CSV, \
with a manifest).";

/// Options of `solieu sink`.
#[derive(Args, Debug, Clone)]
pub struct SinkArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub fn main(a: &SinkArgs) -> Result<()> {
    let o = overrides(&a.dataset, None, Some(&a.format), None);
    let plan = Plan::resolve(&a.dataset.pipeline, &o)?;
    let bar = Bar::new(a.dataset.quiet);
    let summary = sink_stage(&plan, &bar)?;
    bar.dataset_summary(&summary);
    Ok(())
}
