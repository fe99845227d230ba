//! `solieu run`: the whole pipeline in one streamed pass.

use anyhow::Result;
use clap::Args;
use solieu_pipeline::{run, Plan};

use crate::common::{overrides, Bar, DatasetArgs, FormatArgs, InputArgs, ThreadArgs};

pub const ABOUT: &str = "Run the whole pipeline: ingest, transform and sink in one streamed pass.

Reads the inputs a batch at a time, extracts every figure and writes the tables documents, \
observations, deltas and rejects (Parquet and/or CSV, with manifest.json) into the dataset \
folder, swapped into place only when complete. Inputs unchanged since the last run are not \
read again: their rows are reused from the dataset's state (--full-refresh reads everything).";

pub const EXAMPLES: &str = "Examples:
  solieu run                                   the default pipeline on the bundled samples
  solieu run -i corpus/ -o data/out/corpus     every .txt/.jsonl/.csv/.parquet under corpus/
  solieu run -i 'news/*.jsonl' --format parquet --threads 2
  solieu run pipelines/nightly.toml --shard 0/8 -o parts/part-0 --quiet";

/// Options of `solieu run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Read every input again, ignoring the last run's state.
    #[arg(long)]
    pub full_refresh: bool,
    /// Process only shard K of N (documents whose doc_id hashes to K), for running one corpus
    /// on N machines; join the parts with `solieu transform --merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Replace the dataset even when this run finds no documents, or under
    /// output.min_document_share (default half) of those it holds: the drop is intended.
    #[arg(long)]
    pub allow_shrink: bool,
}

pub fn main(a: &RunArgs) -> Result<()> {
    let mut o = overrides(
        &a.dataset,
        Some(&a.input),
        Some(&a.format),
        Some(&a.threads),
    );
    o.full_refresh = a.full_refresh;
    o.shard = a.shard.clone();
    o.allow_shrink = a.allow_shrink;
    let plan = Plan::resolve(&a.dataset.pipeline, &o)?;
    let bar = Bar::new(a.dataset.quiet);
    let summary = run(&plan, &bar)?;
    bar.dataset_summary(&summary);
    Ok(())
}
