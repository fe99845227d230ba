//! `solieu validate`: check a pipeline without running it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use solieu_pipeline::{validate, Plan};

use crate::common::{overrides, DatasetArgs, FormatArgs, InputArgs};

pub const ABOUT: &str = "Check a pipeline file, its inputs and its lexicon without running \
anything; the options are those of `solieu run`, checked as it would use them.";

/// Options of `solieu validate`.
#[derive(Args, Debug, Clone)]
pub struct ValidateArgs {
    /// Pipeline file.
    #[arg(default_value = "pipelines/default.toml")]
    pub pipeline: PathBuf,
    /// Dataset folder the run would write; replaces output.dir.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub fn main(a: &ValidateArgs) -> Result<()> {
    let dataset = DatasetArgs {
        pipeline: a.pipeline.clone(),
        out: a.out.clone(),
        quiet: false,
    };
    let o = overrides(&dataset, Some(&a.input), Some(&a.format), None);
    let plan = Plan::resolve(&a.pipeline, &o)?;
    let files = validate(&plan)?;
    println!(
        "{}: ok (pipeline `{}`, {files} input files, lexicon {}, output {})",
        a.pipeline.display(),
        plan.name,
        plan.lexicon.dir.display(),
        plan.out.display()
    );
    Ok(())
}
