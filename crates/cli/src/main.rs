//! `solieu`: turns Vietnamese public-security reports into a tidy dataset of every figure they
//! state. This binary only reads the command line and the pipeline file, then runs the stages
//! of `solieu-ingest`, `solieu-transform` and `solieu-sink`.

mod explain;
mod gen;
mod pipeline;
mod stages;
mod state;
mod stream;

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
  solieu validate pipelines/nightly.toml       check a pipeline file without running it
  solieu gen --docs 1000 --out /tmp/corpus --gold /tmp/gold.jsonl   a synthetic corpus with answers
  solieu explain data/samples/txt/bac-giang-2023.txt --html /tmp/audit.html";

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
    /// Generate a synthetic corpus of reports with known answers (gold JSONL).
    #[command(long_about = GEN_ABOUT, after_help = GEN_EXAMPLES)]
    Gen(GenArgs),
    /// Show one document's figures: the text with each mention highlighted and its row.
    #[command(long_about = EXPLAIN_ABOUT, after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
}

const EXPLAIN_ABOUT: &str = "Show what solieu reads in one document, for an audit.

Runs ingest and transform on one input (a .txt file, or one record of a JSONL/CSV/Parquet \
corpus chosen with --doc) and prints the text with each mention highlighted and numbered, each \
paragraph followed by the observation rows of its mentions (value, unit, measure, action, \
topic, year, period, qualifier, change). --html writes a self-contained page instead (inline \
CSS and JS, no network): hover or click a figure to see its row; a table of all rows follows \
the text.";

const EXPLAIN_EXAMPLES: &str = "Examples:
  solieu explain data/samples/txt/bac-giang-2023.txt
  solieu explain data/samples/corpus.jsonl --doc tn-2023-001 --color always | less -R
  solieu explain data/samples/txt/ca-mau-2024.txt --html /tmp/ca-mau.html";

/// Options of `solieu explain`.
#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// The input file: a .txt report, or a JSONL/CSV/Parquet corpus (with --doc).
    pub file: PathBuf,
    /// The id of the record to explain in a corpus file.
    #[arg(long, value_name = "DOC_ID")]
    pub doc: Option<String>,
    /// Input format: auto (by extension), txt, jsonl, csv or parquet.
    #[arg(long = "input-format", value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Pipeline file whose lexicon and defaults are used.
    #[arg(long, default_value = "pipelines/default.toml", value_name = "FILE")]
    pub pipeline: PathBuf,
    /// Colours on the terminal: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    pub color: String,
    /// Write a self-contained HTML page to this file instead of printing.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// No summary line (with --html).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

const GEN_ABOUT: &str =
    "Generate a synthetic corpus of Vietnamese public-security reports with known answers.

Each document is composed from the sentence frames of pipelines/gen/frames.toml, drawing every \
word from the lexicon (verbs, units, topics, qualifiers, changes, multipliers, number words, \
baselines), with random figures in every vi-VN number format and distractors that are not \
statistics (dates, decree numbers, ages, ordinals, page furniture). --gold writes the rows the \
pipeline must output, one JSON line per document in the shape of corpus/dev/gold.jsonl, so \
score.py can score a run on it. The same seed always gives the same corpus; document i does \
not depend on how many are asked for. --size streams to disk: use it for 100 MB or 1 GB \
benchmark corpora.";

const GEN_EXAMPLES: &str = "Examples:
  solieu gen --docs 1000 --out /tmp/gen/txt --gold /tmp/gen/gold.jsonl
  solieu gen --size 100MB --format jsonl --out /tmp/gen/100mb.jsonl --seed 7
  solieu gen --size 1GB --format parquet --out /tmp/gen/1gb.parquet
  solieu run -i /tmp/gen/txt -o /tmp/gen/out --input-format txt && \\
    python3 ../shared/eval/score.py /tmp/gen/out /tmp/gen/gold.jsonl";

/// Options of `solieu gen`.
#[derive(Args, Debug, Clone)]
pub struct GenArgs {
    /// Number of documents (default 100 when --size is not given).
    #[arg(long, value_name = "N")]
    pub docs: Option<u64>,
    /// Approximate total size of the texts instead of a count: 100MB, 1GB, 64KiB.
    #[arg(long, value_name = "SIZE")]
    pub size: Option<String>,
    /// Seed of the generator: the same seed gives the same corpus.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// txt (a folder of .txt files), jsonl (one file: id, title, url, date, province, text) or
    /// parquet (one file with the same columns).
    #[arg(long, default_value = "txt", value_name = "FORMAT")]
    pub format: String,
    /// The folder (txt) or file (jsonl, parquet) to write.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: PathBuf,
    /// Also write the gold rows, one JSON line per document (score.py's GOLD).
    #[arg(long, value_name = "FILE")]
    pub gold: Option<PathBuf>,
    /// Lexicon folder the vocabulary is drawn from.
    #[arg(long, default_value = "pipelines/lexicon", value_name = "DIR")]
    pub lexicon: PathBuf,
    /// Sentence frames file.
    #[arg(long, default_value = "pipelines/gen/frames.toml", value_name = "FILE")]
    pub frames: PathBuf,
    /// No summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    /// `run`: process only shard K of N (documents whose doc_id hashes to K), for running one
    /// corpus on N machines; join the parts with `solieu transform --merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// `transform`: join the datasets of `run --shard` (each a folder) into one dataset, the
    /// one a single run would write, at --out.
    #[arg(long, value_name = "DATASET", num_args = 1..)]
    pub merge: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(a) => stages::run(a),
        Command::Ingest(a) => stages::ingest_stage(a),
        Command::Transform(a) => stages::transform_stage(a),
        Command::Sink(a) => stages::sink_stage(a),
        Command::Validate(a) => stages::validate(a),
        Command::Gen(a) => gen::run(a),
        Command::Explain(a) => explain::run(a),
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
