//! `solieu explain`: one document shown for an audit; the rendering is the library's.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use solieu_pipeline::{config, explain, ExplainRequest};

pub const ABOUT: &str = "Show what solieu reads in one document, for an audit.

Runs ingest and transform on one input (a .txt file, or one record of a JSONL/CSV/Parquet \
corpus chosen with --doc) and prints the text with each mention highlighted and numbered, each \
paragraph followed by the observation rows of its mentions (value, unit, measure, action, \
topic, year, period, qualifier, change). --html writes a self-contained page instead (inline \
CSS and JS, no network): hover or click a figure to see its row; a table of all rows follows \
the text.";

pub const EXAMPLES: &str = "Examples:
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

pub fn main(args: &ExplainArgs) -> Result<()> {
    let e = explain(&ExplainRequest {
        file: args.file.clone(),
        doc: args.doc.clone(),
        input_format: args.input_format.clone(),
        pipeline: args.pipeline.clone(),
    })?;
    if let Some(out) = &args.html {
        write_file(out, &e.html())?;
        if !args.quiet {
            eprintln!(
                "solieu explain: {} observations of {} -> {}",
                e.observations(),
                e.doc_id,
                out.display()
            );
        }
        return Ok(());
    }
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        "auto" => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        other => {
            return Err(config(format!(
                "unknown --color `{other}` (expected auto, always or never)"
            ))
            .into())
        }
    };
    print!("{}", e.terminal(color));
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
