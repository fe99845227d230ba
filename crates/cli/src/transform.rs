//! `solieu transform`: stage 2 alone, or the merge of shards.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use solieu_pipeline::{merge, transform_stage, Plan};

use crate::common::{overrides, Bar, DatasetArgs, FormatArgs};

pub const ABOUT: &str = "Stage 2: normalise staged mentions into SPEC tables; writes \
<out>.stage/transform/*.parquet.

With --merge, joins the datasets of `solieu run --shard K/N` instead into the one dataset a \
single run would write, at --out (in --format), with `deltas` across all of them.";

/// Options of `solieu transform`.
#[derive(Args, Debug, Clone)]
pub struct TransformArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Join the datasets of `run --shard` (each a folder) into one dataset, the one a single
    /// run would write, at --out.
    #[arg(long, value_name = "DATASET", num_args = 1..)]
    pub merge: Vec<PathBuf>,
    /// With --merge: replace the dataset even when the merge holds far fewer documents than
    /// it (see `run --allow-shrink`).
    #[arg(long)]
    pub allow_shrink: bool,
}

pub fn main(a: &TransformArgs) -> Result<()> {
    let mut o = overrides(&a.dataset, None, Some(&a.format), None);
    o.allow_shrink = a.allow_shrink;
    let plan = Plan::resolve(&a.dataset.pipeline, &o)?;
    let bar = Bar::new(a.dataset.quiet);
    let summary = if a.merge.is_empty() {
        transform_stage(&plan, &bar)?
    } else {
        merge(&plan, &a.merge, &bar)?
    };
    bar.dataset_summary(&summary);
    Ok(())
}
