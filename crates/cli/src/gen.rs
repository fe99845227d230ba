//! `solieu gen`: a synthetic corpus with known answers. The writer is `solieu-gen`'s; this
//! module reads the options and prints the summary.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use solieu_gen::corpus::{parse_size, write_corpus, CorpusFormat, Limit};
use solieu_gen::{Generator, Templates};
use solieu_ingest::Lexicon;
use solieu_pipeline::config;

pub const ABOUT: &str =
    "Generate a synthetic corpus of Vietnamese public-security reports with known answers.

Each document is composed from the sentence frames of pipelines/gen/frames.toml, drawing every \
word from the lexicon (verbs, units, topics, qualifiers, changes, multipliers, number words, \
baselines), with random figures in every vi-VN number format and distractors that are not \
statistics (dates, decree numbers, ages, ordinals, page furniture). --gold writes the rows the \
pipeline must output, one JSON line per document in the shape of corpus/dev/gold.jsonl, so \
score.py can score a run on it. The same seed always gives the same corpus; document i does \
not depend on how many are asked for. --size streams to disk: use it for 100 MB or 1 GB \
benchmark corpora.";

pub const EXAMPLES: &str = "Examples:
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
    /// What is written around the frames: headlines, datelines, periods, page furniture.
    #[arg(
        long,
        default_value = "pipelines/gen/furniture.toml",
        value_name = "FILE"
    )]
    pub furniture: PathBuf,
    /// No summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn main(args: &GenArgs) -> Result<()> {
    let started = Instant::now();
    let limit = match (&args.size, args.docs) {
        (Some(_), Some(_)) => return Err(config("give --docs or --size, not both").into()),
        (Some(s), None) => Limit::Bytes(parse_size(s).map_err(config)?),
        (None, n) => Limit::Docs(n.unwrap_or(100)),
    };
    let lexicon = Lexicon::load(&args.lexicon).map_err(config)?;
    let templates = Templates::load(&args.frames, &args.furniture, &lexicon).map_err(config)?;
    let format = args.format.parse::<CorpusFormat>().map_err(config)?;
    let generator = Generator::new(templates, args.seed);
    let w = write_corpus(&generator, limit, format, &args.out, args.gold.as_deref())?;
    if !args.quiet {
        eprintln!(
            "solieu gen: {} documents, {:.1} MB of text, {} gold rows (seed {}) in {:.1} s -> {}",
            w.documents,
            w.bytes as f64 / 1e6,
            w.gold_rows,
            args.seed,
            started.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    Ok(())
}
