//! `solieu`: turns Vietnamese public-security reports into a tidy dataset of every figure they
//! state. This binary only reads the command line: each subcommand's module owns its options,
//! usage text and the call into `solieu-pipeline`, which does the work.

mod common;
mod explain;
mod gen;
mod ingest;
mod run;
mod schema;
mod sink;
mod transform;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
  solieu validate pipelines/nightly.toml       check a pipeline file without running it
  solieu gen --docs 1000 --out /tmp/corpus --gold /tmp/gold.jsonl   a synthetic corpus with answers
  solieu explain data/samples/txt/bac-giang-2023.txt --html /tmp/audit.html
  solieu schema > DATA.md                      the data dictionary of the tables";

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
    #[command(long_about = run::ABOUT, after_help = run::EXAMPLES)]
    Run(run::RunArgs),
    /// Stage 1: read inputs and find mentions; writes <out>.stage/ingest/*.parquet.
    #[command(long_about = ingest::ABOUT)]
    Ingest(ingest::IngestArgs),
    /// Stage 2: normalise staged mentions into SPEC tables; writes <out>.stage/transform/*.parquet.
    #[command(long_about = transform::ABOUT)]
    Transform(transform::TransformArgs),
    /// Stage 3: write the staged tables as the dataset (Parquet and/or CSV, with a manifest).
    #[command(long_about = sink::ABOUT)]
    Sink(sink::SinkArgs),
    /// Check a pipeline file, its inputs and its lexicon without running anything.
    #[command(long_about = validate::ABOUT)]
    Validate(validate::ValidateArgs),
    /// Generate a synthetic corpus of reports with known answers (gold JSONL).
    #[command(long_about = gen::ABOUT, after_help = gen::EXAMPLES)]
    Gen(gen::GenArgs),
    /// Show one document's figures: the text with each mention highlighted and its row.
    #[command(long_about = explain::ABOUT, after_help = explain::EXAMPLES)]
    Explain(explain::ExplainArgs),
    /// Print the data dictionary: every table, column, type, meaning and vocabulary.
    #[command(long_about = schema::ABOUT)]
    Schema(schema::SchemaArgs),
}

/// jemalloc, as polars' own Python package links it on Linux: a run allocates and frees a
/// batch's tokens, mentions and frames on one thread and another, where glibc's malloc cost a
/// 1-thread run 8–14 % more time (BENCHMARKS.md, eleventh session). Elsewhere the system's.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    solieu_pipeline::quiet_document_panics();
    // A panic outside the per-document guard is a failure like any other (exit 1, one line):
    // a scheduler acts on 0, 1 and 2 only, and 101 is none of them.
    let result = std::panic::catch_unwind(|| match &cli.command {
        Command::Run(a) => run::main(a),
        Command::Ingest(a) => ingest::main(a),
        Command::Transform(a) => transform::main(a),
        Command::Sink(a) => sink::main(a),
        Command::Validate(a) => validate::main(a),
        Command::Gen(a) => gen::main(a),
        Command::Explain(a) => explain::main(a),
        Command::Schema(a) => schema::main(a),
    })
    .unwrap_or_else(|_| {
        Err(anyhow::anyhow!(
            "internal error: solieu stopped on a bug (the message is above); please report it"
        ))
    });
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
            let config = e
                .downcast_ref::<solieu_pipeline::Error>()
                .is_some_and(solieu_pipeline::Error::is_config);
            if config {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
