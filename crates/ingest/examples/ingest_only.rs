//! Ingest alone over one input (no polars, no writing): the time extraction takes, and a
//! digest of every document's rows, so a change meant to be output-neutral can be checked.
//! The rows name their input as given, so compare digests of one path spelt the same way
//! (`data/x.jsonl` and `/work/data/x.jsonl` digest differently).
//!
//!     cargo run --release -p solieu-ingest --no-default-features --example ingest_only -- FILE [--digest]
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::Instant;

use solieu_ingest::{
    discover, ingest_prepared, prepare, read_records, DocDefaults, Gazetteer, InputFormat, Lexicon,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let input = args.first().ok_or("usage: ingest_only FILE [--digest]")?;
    let digest = args.iter().any(|a| a == "--digest");
    let lex =
        Lexicon::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon"))?;
    let gazetteer = Gazetteer::new(&lex);
    let defaults = DocDefaults::default();
    let files = discover(std::slice::from_ref(input), InputFormat::Auto)?;
    let start = Instant::now();
    let (mut docs, mut mentions, mut rejects, mut bytes) = (0usize, 0usize, 0usize, 0usize);
    // Std's hasher: a digest compares two builds made by one toolchain, never across them.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in &files {
        for record in read_records(file) {
            let Ok(record) = record else {
                rejects += 1;
                continue;
            };
            bytes += record.bytes.len();
            let doc =
                prepare(record).and_then(|p| ingest_prepared(&p, &lex, &gazetteer, &defaults));
            match doc {
                Ok(doc) => {
                    docs += 1;
                    mentions += doc.mentions.len();
                    if digest {
                        format!("{doc:?}").hash(&mut hasher);
                    }
                }
                Err(r) => {
                    rejects += 1;
                    if digest {
                        format!("{r:?}").hash(&mut hasher);
                    }
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{docs} documents, {mentions} mentions, {rejects} rejects, {:.2} s, {:.1} MB/s{}",
        secs,
        bytes as f64 / 1e6 / secs,
        if digest {
            format!(", digest {:016x}", hasher.finish())
        } else {
            String::new()
        }
    );
    Ok(())
}
