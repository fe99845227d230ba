//! `solieu`: turns Vietnamese public-security reports into a tidy dataset of every figure they
//! state. This binary only reads the command line and the pipeline file, then runs the stages
//! of `solieu-ingest`, `solieu-transform` and `solieu-sink`.

mod pipeline;
mod stages;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

const ABOUT: &str = "Turn Vietnamese public-security news reports into tidy tables of figures.

solieu reads reports (text files, or JSONL/CSV/Parquet corpora), finds every statistic with \
what it counts, the action, topic, year and stated change, and writes the tables documents, \
observations, deltas and rejects as Parquet and CSV (see SPEC.md).

Exit status: 0 when the run completes (rejected inputs included, see the rejects table), \
2 for usage or configuration errors, 1 for failures.";

const EXAMPLES: &str = "Examples:
  solieu run                                   the default pipeline on the bundled samples
  solieu run -i corpus/ -o data/out/corpus     every .txt/.jsonl/.csv/.parquet under corpus/
  solieu run -i 'news/*.jsonl' --format parquet --threads 2
  solieu ingest && solieu transform && solieu sink   the same, stage by stage
  solieu validate pipelines/nightly.toml       check a pipeline file without running it";

#[derive(Parser, Debug)]
#[command(
    name = "solieu",
    version,
    about = "Turn Vietnamese public-security news reports into tidy tables of figures.",
    long_about = ABOUT,
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the whole pipeline: ingest, transform and sink in one pass (no staging).
    Run(RunArgs),
    /// Stage 1: read inputs and find mentions; writes <out>.stage/ingest/*.parquet.
    Ingest(RunArgs),
    /// Stage 2: normalise staged mentions into SPEC tables; writes <out>.stage/transform/*.parquet.
    Transform(RunArgs),
    /// Stage 3: write the staged tables as the dataset (Parquet and/or CSV, with a manifest).
    Sink(RunArgs),
    /// Check a pipeline file, its inputs and its lexicon without running anything.
    Validate(RunArgs),
}

/// Options shared by every stage; each overrides the pipeline file.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Pipeline file.
    #[arg(default_value = "pipelines/default.toml")]
    pub pipeline: PathBuf,
    /// Input files, folders or globs (repeatable); replaces the pipeline's input.paths.
    #[arg(long = "input", short = 'i', value_name = "PATH")]
    pub inputs: Vec<String>,
    /// Input format: auto (by extension), txt, jsonl, csv or parquet.
    #[arg(long = "input-format", value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Dataset folder to write; replaces output.dir (default data/out/<pipeline name>).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output formats, comma separated: parquet, csv.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub format: Option<Vec<String>>,
    /// Worker threads for reading and extraction (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Largest document in bytes (a .txt file, or one record's text); larger ones are
    /// rejected. Replaces input.max_document_bytes (default 16 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_document_bytes: Option<u64>,
    /// `run`: read every input again, ignoring the last run's state.
    #[arg(long)]
    pub full_refresh: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(a) => stages::run(a),
        Command::Ingest(a) => stages::ingest_stage(a),
        Command::Transform(a) => stages::transform_stage(a),
        Command::Sink(a) => stages::sink_stage(a),
        Command::Validate(a) => stages::validate(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, so a scheduler's log or mail shows the whole message: what and where.
            let message = format!("{e:#}");
            let one_line: Vec<&str> = message
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("solieu: {}", one_line.join(": "));
            if e.downcast_ref::<stages::ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
