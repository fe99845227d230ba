//! The stages as the CLI runs them: a plan from the pipeline file and flags, then ingest
//! (parallel over input files), transform and sink. `run` does all three in memory; the stage
//! commands stage their output as Parquet in `<out>.stage/` so each can be rerun alone.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use solieu_ingest::frames::{to_frames, Staged};
use solieu_ingest::{
    discover, ingest, read_records, DocDefaults, Gazetteer, IngestedDocument, InputFile,
    InputFormat, Lexicon, Reject,
};
use solieu_sink::{read_parquet, write_dataset, Format, Manifest};
use solieu_transform::{transform, validate_lexicon, Dataset};

use crate::pipeline::Pipeline;
use crate::RunArgs;

/// A usage or configuration problem: the run never started (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn config<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::Error::new(ConfigError(e.to_string()))
}

/// Everything a stage needs, from the pipeline file with the flags applied.
struct Plan {
    name: String,
    inputs: Vec<String>,
    input_format: InputFormat,
    out: PathBuf,
    formats: Vec<Format>,
    lexicon: Lexicon,
    defaults: DocDefaults,
    threads: Option<usize>,
    quiet: bool,
}

impl Plan {
    fn new(args: &RunArgs) -> Result<Plan> {
        let pipeline = Pipeline::load(&args.pipeline).map_err(config)?;
        let name = pipeline.name_or(&args.pipeline);
        let inputs = if args.inputs.is_empty() {
            pipeline.input.paths.clone()
        } else {
            args.inputs.clone()
        };
        let input_format = args
            .input_format
            .as_deref()
            .unwrap_or(&pipeline.input.format)
            .parse::<InputFormat>()
            .map_err(|e| config(format!("{}: input.format: {e}", args.pipeline.display())))?;
        let out = args
            .out
            .clone()
            .or(pipeline.output.dir.clone())
            .unwrap_or_else(|| PathBuf::from("data/out").join(&name));
        let formats = args
            .format
            .clone()
            .or(pipeline.output.formats.clone())
            .unwrap_or_else(|| vec!["parquet".into(), "csv".into()])
            .iter()
            .map(|f| f.trim().parse::<Format>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| config(format!("{}: output.formats: {e}", args.pipeline.display())))?;
        if formats.is_empty() {
            return Err(config("no output format: give parquet, csv or both"));
        }
        let lexicon = Lexicon::load(&pipeline.lexicon.dir).map_err(config)?;
        validate_lexicon(&lexicon).map_err(config)?;
        if args.threads == Some(0) {
            return Err(config("--threads must be at least 1"));
        }
        Ok(Plan {
            name,
            inputs,
            input_format,
            out,
            formats,
            lexicon,
            defaults: DocDefaults {
                province: pipeline.defaults.province,
                report_year: pipeline.defaults.report_year,
            },
            threads: args.threads,
            quiet: args.quiet,
        })
    }

    fn stage_dir(&self, stage: &str) -> PathBuf {
        let mut s = self.out.clone().into_os_string();
        s.push(".stage");
        PathBuf::from(s).join(stage)
    }

    fn files(&self) -> Result<Vec<InputFile>> {
        discover(&self.inputs, self.input_format).map_err(config)
    }
}

fn progress(total_bytes: u64, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(total_bytes);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Reads and ingests every input file, in parallel across files; output order is input
/// order whatever the thread count. A doc_id seen before is a reject, never an overwrite.
fn ingest_all(plan: &Plan, files: &[InputFile]) -> Result<(Vec<IngestedDocument>, Vec<Reject>)> {
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .sum();
    let bar = progress(total, plan.quiet);
    let gazetteer = Gazetteer::new(&plan.lexicon);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    let docs_done = std::sync::atomic::AtomicUsize::new(0);
    let per_file: Vec<Vec<Result<IngestedDocument, Reject>>> = pool.install(|| {
        files
            .par_iter()
            .map(|file| {
                let out: Vec<_> = read_records(file)
                    .into_iter()
                    .map(|rec| {
                        rec.and_then(|r| ingest(&r, &plan.lexicon, &gazetteer, &plan.defaults))
                    })
                    .collect();
                let n = docs_done.fetch_add(out.len(), std::sync::atomic::Ordering::Relaxed);
                bar.set_message(format!("{} documents", n + out.len()));
                bar.inc(std::fs::metadata(&file.path).map_or(0, |m| m.len()));
                out
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut docs = Vec::new();
    let mut rejects = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for result in per_file.into_iter().flatten() {
        match result {
            Ok(doc) => {
                if let Some(first) = seen.get(&doc.doc_id) {
                    rejects.push(Reject {
                        source: doc.source.clone(),
                        reason: format!("duplicate doc_id `{}` (first in {first})", doc.doc_id),
                    });
                } else {
                    seen.insert(doc.doc_id.clone(), doc.source.clone());
                    docs.push(doc);
                }
            }
            Err(r) => rejects.push(r),
        }
    }
    Ok((docs, rejects))
}

fn summary(plan: &Plan, data: &Dataset, started: Instant, to: &Path) {
    if !plan.quiet {
        eprintln!(
            "solieu: {} documents, {} observations, {} rejects in {:.1} s -> {}",
            data.documents.height(),
            data.observations.height(),
            data.rejects.height(),
            started.elapsed().as_secs_f64(),
            to.display()
        );
    }
}

fn manifest(
    plan: &Plan,
    inputs: &[String],
    formats: &[Format],
    rows: &[(&str, usize)],
    started: Instant,
) -> Manifest {
    Manifest {
        pipeline: plan.name.clone(),
        solieu_version: env!("CARGO_PKG_VERSION").into(),
        inputs: inputs.to_vec(),
        formats: formats.to_vec(),
        rows: rows.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    }
}

fn dataset_manifest(plan: &Plan, inputs: &[String], data: &Dataset, started: Instant) -> Manifest {
    let rows = [
        ("documents", data.documents.height()),
        ("observations", data.observations.height()),
        ("deltas", data.deltas.height()),
        ("rejects", data.rejects.height()),
    ];
    manifest(plan, inputs, &plan.formats, &rows, started)
}

fn write(plan: &Plan, mut data: Dataset, manifest: &Manifest) -> Result<()> {
    let mut tables = [
        ("documents", &mut data.documents),
        ("observations", &mut data.observations),
        ("deltas", &mut data.deltas),
        ("rejects", &mut data.rejects),
    ];
    write_dataset(&plan.out, &mut tables, &plan.formats, Some(manifest))
        .with_context(|| format!("cannot write dataset {}", plan.out.display()))
}

/// `solieu run`: all stages in memory.
pub fn run(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let files = plan.files()?;
    let (docs, rejects) = ingest_all(&plan, &files)?;
    let staged = to_frames(&docs, &rejects).context("cannot build ingest tables")?;
    let data = transform(staged, &plan.lexicon)?;
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    let m = dataset_manifest(&plan, &names, &data, started);
    summary(&plan, &data, started, &plan.out);
    write(&plan, data, &m)
}

const STAGED_INGEST: [&str; 3] = ["documents", "mentions", "rejects"];
const STAGED_TRANSFORM: [&str; 4] = ["documents", "observations", "deltas", "rejects"];

fn read_stage(dir: &Path, names: &[&str]) -> Result<Vec<polars::prelude::DataFrame>> {
    names
        .iter()
        .map(|n| {
            let path = dir.join(format!("{n}.parquet"));
            if !path.exists() {
                return Err(config(format!(
                    "{} is missing: run the previous stage first",
                    path.display()
                )));
            }
            read_parquet(&path).map_err(anyhow::Error::from)
        })
        .collect()
}

/// `solieu ingest`: inputs to staged mentions.
pub fn ingest_stage(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let files = plan.files()?;
    let (docs, rejects) = ingest_all(&plan, &files)?;
    let mut staged = to_frames(&docs, &rejects).context("cannot build ingest tables")?;
    let dir = plan.stage_dir("ingest");
    let inputs: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    let rows = [
        ("documents", staged.documents.height()),
        ("mentions", staged.mentions.height()),
        ("rejects", staged.rejects.height()),
    ];
    let m = manifest(&plan, &inputs, &[Format::Parquet], &rows, started);
    let mut tables = [
        ("documents", &mut staged.documents),
        ("mentions", &mut staged.mentions),
        ("rejects", &mut staged.rejects),
    ];
    write_dataset(&dir, &mut tables, &[Format::Parquet], Some(&m))?;
    if !plan.quiet {
        eprintln!(
            "solieu ingest: {} documents, {} mentions, {} rejects in {:.1} s -> {}",
            docs.len(),
            staged.mentions.height(),
            rejects.len(),
            started.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    Ok(())
}

/// `solieu transform`: staged mentions to staged SPEC tables.
pub fn transform_stage(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let mut frames = read_stage(&plan.stage_dir("ingest"), &STAGED_INGEST)?.into_iter();
    let (Some(documents), Some(mentions), Some(rejects)) =
        (frames.next(), frames.next(), frames.next())
    else {
        anyhow::bail!("staged ingest output is incomplete");
    };
    let mut data = transform(
        Staged {
            documents,
            mentions,
            rejects,
        },
        &plan.lexicon,
    )?;
    let dir = plan.stage_dir("transform");
    summary(&plan, &data, started, &dir);
    let mut tables = [
        ("documents", &mut data.documents),
        ("observations", &mut data.observations),
        ("deltas", &mut data.deltas),
        ("rejects", &mut data.rejects),
    ];
    write_dataset(&dir, &mut tables, &[Format::Parquet], None)?;
    Ok(())
}

/// `solieu sink`: staged SPEC tables to the dataset.
pub fn sink_stage(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let mut frames = read_stage(&plan.stage_dir("transform"), &STAGED_TRANSFORM)?.into_iter();
    let (Some(documents), Some(observations), Some(deltas), Some(rejects)) =
        (frames.next(), frames.next(), frames.next(), frames.next())
    else {
        anyhow::bail!("staged transform output is incomplete");
    };
    let data = Dataset {
        documents,
        observations,
        deltas,
        rejects,
    };
    // The inputs are those the ingest stage read, from its manifest.
    let inputs: Vec<String> =
        std::fs::read_to_string(plan.stage_dir("ingest").join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| {
                v.get("inputs")?.as_array().map(|a| {
                    a.iter()
                        .filter_map(|i| i.as_str().map(String::from))
                        .collect()
                })
            })
            .unwrap_or_default();
    let m = dataset_manifest(&plan, &inputs, &data, started);
    summary(&plan, &data, started, &plan.out);
    write(&plan, data, &m)
}

/// `solieu validate`: the pipeline file, its lexicon and its inputs, without running.
pub fn validate(args: &RunArgs) -> Result<()> {
    let plan = Plan::new(args)?;
    let files = plan.files()?;
    println!(
        "{}: ok (pipeline `{}`, {} input files, lexicon {}, output {})",
        args.pipeline.display(),
        plan.name,
        files.len(),
        plan.lexicon.dir.display(),
        plan.out.display()
    );
    Ok(())
}
