//! Options several subcommands share, the progress bar, and the summary line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use solieu_pipeline::tables::{DOCUMENTS, OBSERVATIONS, REJECTS};
use solieu_pipeline::{Overrides, Progress, Summary};

/// The pipeline file and the dataset a stage works on.
#[derive(Args, Debug, Clone)]
pub struct DatasetArgs {
    /// Pipeline file.
    #[arg(default_value = "pipelines/default.toml")]
    pub pipeline: PathBuf,
    /// Dataset folder to write; replaces output.dir (default data/out/<pipeline name>).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Where documents come from; each replaces the pipeline's `[input]` value.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Input files, folders or globs (repeatable); replaces the pipeline's input.paths.
    #[arg(long = "input", short = 'i', value_name = "PATH")]
    pub inputs: Vec<String>,
    /// Input format: auto (by extension), txt, jsonl, csv or parquet.
    #[arg(long = "input-format", value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Largest document in bytes (a .txt file, or one record's text); larger ones are
    /// rejected. Replaces input.max_document_bytes (default 16 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_document_bytes: Option<u64>,
}

/// The formats a dataset is written in.
#[derive(Args, Debug, Clone)]
pub struct FormatArgs {
    /// Output formats, comma separated: parquet, csv.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub format: Option<Vec<String>>,
}

/// The extraction pool's size.
#[derive(Args, Debug, Clone)]
pub struct ThreadArgs {
    /// Threads that extract (default: all cores). A reader thread (which also decodes and
    /// normalises each text when N is at most 4), the thread that gathers each batch's rows,
    /// the writer and polars' own threads run beside them, so a run uses more cores than this
    /// when it has them.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// The overrides of the pipeline file the given option groups set.
pub fn overrides(
    d: &DatasetArgs,
    input: Option<&InputArgs>,
    format: Option<&FormatArgs>,
    threads: Option<&ThreadArgs>,
) -> Overrides {
    Overrides {
        inputs: input.map(|i| i.inputs.clone()).unwrap_or_default(),
        input_format: input.and_then(|i| i.input_format.clone()),
        out: d.out.clone(),
        formats: format.and_then(|f| f.format.clone()),
        threads: threads.and_then(|t| t.threads),
        max_document_bytes: input.and_then(|i| i.max_document_bytes),
        ..Overrides::default()
    }
}

/// The terminal's progress bar (bytes, throughput, ETA), hidden when quiet or when stderr is
/// not a terminal; notes are shown unless quiet, warnings always.
pub struct Bar {
    bar: ProgressBar,
    quiet: bool,
    /// Rejects so far, for the message the next documents count draws.
    rejects: AtomicUsize,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let bar = ProgressBar::new(0);
        if quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar {
            bar,
            quiet,
            rejects: AtomicUsize::new(0),
        }
    }

    /// Prints the summary line of a stage unless quiet: `solieu: 12 documents, ...`.
    pub fn summary(&self, prefix: &str, s: &Summary, what: &[&str]) {
        if self.quiet {
            return;
        }
        let counts: Vec<String> = what
            .iter()
            .map(|t| format!("{} {t}", s.rows_of(t)))
            .collect();
        let inputs = s
            .incremental
            .as_ref()
            .map(|i| {
                let mut notes = String::new();
                if let Some(w) = &i.full_refresh {
                    notes.push_str(&format!("; full run: {w}"));
                }
                if i.trusted > 0 {
                    notes.push_str(&format!("; {} trusted by size and time", i.trusted));
                }
                if i.unchanged {
                    notes.push_str("; nothing changed, tables left as they were");
                }
                format!(
                    " ({} inputs read, {} reused, {} removed{notes})",
                    i.processed, i.reused, i.removed
                )
            })
            .unwrap_or_default();
        let internal = match s.internal_errors {
            0 => String::new(),
            n => format!(", {n} internal errors (rejects; please report them)"),
        };
        eprintln!(
            "{prefix}: {}{internal}{inputs} in {:.1} s -> {}",
            counts.join(", "),
            s.started.elapsed().as_secs_f64(),
            s.dest.display()
        );
    }

    /// The summary line of a stage that writes the four SPEC tables.
    pub fn dataset_summary(&self, s: &Summary) {
        self.summary("solieu", s, &[DOCUMENTS, OBSERVATIONS, REJECTS]);
    }
}

impl Progress for Bar {
    fn start(&self, total_bytes: u64) {
        self.bar.set_length(total_bytes);
        self.bar.reset();
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn documents(&self, documents: usize) {
        let secs = self.bar.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            format!(", {:.0} documents/s", documents as f64 / secs)
        } else {
            String::new()
        };
        let rejects = self.rejects.load(Ordering::Relaxed);
        self.bar
            .set_message(format!("{documents} documents{rate}, {rejects} rejects"));
    }

    fn rejects(&self, rejects: usize) {
        self.rejects.store(rejects, Ordering::Relaxed);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("solieu: {message}"));
        }
    }

    fn warn(&self, message: &str) {
        self.bar.suspend(|| eprintln!("solieu: warning: {message}"));
    }
}
