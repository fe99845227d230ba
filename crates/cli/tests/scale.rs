//! Corpus scale (issue 4): a streamed run cut into many small batches gives the rows of the
//! in-memory stages, and N shards merged give exactly the rows of one run. The corpus is
//! written by the test from invented sentences, with duplicates and bad records placed across
//! batch and shard boundaries.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

const TABLES: [&str; 4] = ["documents", "observations", "deltas", "rejects"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn solieu(args: &[&str], batch: Option<usize>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_solieu"));
    cmd.current_dir(root()).args(args);
    if let Some(n) = batch {
        cmd.env("SOLIEU_BATCH_DOCUMENTS", n.to_string());
    }
    let o = cmd.output().expect("the solieu binary starts");
    assert!(
        o.status.success(),
        "solieu {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `solieu run -i input -o out -q` with `extra` arguments, in batches of `batch` documents.
fn run_into(input: &Path, out: &Path, extra: &[&str], batch: Option<usize>) {
    let (input, out) = (input.to_str().unwrap(), out.to_str().unwrap());
    let mut args = vec!["run", "-i", input, "-o", out, "-q"];
    args.extend_from_slice(extra);
    solieu(&args, batch);
}

const PROVINCES: [&str; 3] = ["Lai Châu", "Nghệ An", "Cà Mau"];

fn report(i: usize) -> String {
    let province = PROVINCES[i % 3];
    let year = 2021 + (i % 3);
    format!(
        "Năm {year}, Công an tỉnh {province} đã khởi tố {} vụ, {} bị can về ma túy, giảm {} vụ so với năm {}.",
        100 + i,
        150 + 2 * i,
        i % 7 + 1,
        year - 1
    )
}

/// A folder of text reports, a JSONL corpus with a duplicate id and a bad line, and a CSV.
fn write_corpus(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    fs::create_dir_all(input.join("txt")).unwrap();
    for i in 0..40 {
        fs::write(input.join(format!("txt/r{i:03}.txt")), report(i)).unwrap();
    }
    let mut jsonl = String::new();
    for i in 40..160 {
        // The same id twice, far apart: the first wins, the second is a reject.
        let id = if i == 150 {
            "j-45".to_string()
        } else {
            format!("j-{i}")
        };
        if i == 100 {
            jsonl.push_str("{\"id\": \"broken\", \"text\": \n");
        }
        jsonl.push_str(&serde_json::json!({"id": id, "text": report(i)}).to_string());
        jsonl.push('\n');
    }
    fs::write(input.join("corpus.jsonl"), jsonl).unwrap();
    let mut csv = String::from("id,text\n");
    for i in 160..200 {
        csv.push_str(&format!("c-{i},\"{}\"\n", report(i)));
    }
    fs::write(input.join("corpus.csv"), csv).unwrap();
    input
}

fn csv_tables(out: &Path) -> Vec<(String, String)> {
    TABLES
        .iter()
        .map(|t| {
            let path = out.join(format!("{t}.csv"));
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            (t.to_string(), text)
        })
        .collect()
}

fn parquet(out: &Path, table: &str) -> DataFrame {
    let file = fs::File::open(out.join(format!("{table}.parquet"))).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

#[test]
fn a_run_in_small_batches_gives_the_rows_of_the_in_memory_stages() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write_corpus(tmp.path());
    let streamed = tmp.path().join("streamed");
    // 7 documents a batch: batches end inside the JSONL corpus, between the duplicate ids.
    run_into(&input, &streamed, &[], Some(7));
    let staged = tmp.path().join("staged");
    let input = input.to_str().unwrap();
    // Only ingest reads inputs; the later stages read the stage before.
    for stage in [vec!["ingest", "-i", input], vec!["transform"], vec!["sink"]] {
        solieu(
            &[&stage[..], &["-o", staged.to_str().unwrap(), "-q"]].concat(),
            None,
        );
    }
    let a = csv_tables(&streamed);
    assert_eq!(a, csv_tables(&staged));
    let docs = parquet(&streamed, "documents");
    assert_eq!(docs.height(), 199, "200 records, one duplicate id");
    let rejects = parquet(&streamed, "rejects");
    assert_eq!(
        rejects.height(),
        2,
        "the duplicate and the broken line: {rejects:?}"
    );
    assert!(parquet(&streamed, "deltas").height() > 0);
    // Parquet holds one row group per batch, and the same rows as the CSV.
    let obs = parquet(&streamed, "observations");
    assert_eq!(obs.height() + 1, a[1].1.lines().count());
}

#[test]
fn shards_merged_give_exactly_the_rows_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write_corpus(tmp.path());
    let whole = tmp.path().join("whole");
    run_into(&input, &whole, &[], None);

    let n = 3;
    let mut parts = Vec::new();
    for k in 0..n {
        let part = tmp.path().join(format!("part-{k}"));
        run_into(&input, &part, &["--shard", &format!("{k}/{n}")], Some(5));
        parts.push(part);
    }
    // Every document is in exactly one part.
    let sizes: Vec<usize> = parts
        .iter()
        .map(|p| parquet(p, "documents").height())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 199, "{sizes:?}");
    assert!(sizes.iter().all(|&s| s > 0), "{sizes:?}");

    let merged = tmp.path().join("merged");
    let mut args = vec!["transform", "-o", merged.to_str().unwrap(), "-q", "--merge"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    solieu(&args, None);
    assert_eq!(csv_tables(&merged), csv_tables(&whole));
    for t in TABLES {
        assert!(
            parquet(&merged, t).equals_missing(&parquet(&whole, t)),
            "{t}.parquet differs"
        );
    }
}

#[test]
fn merging_the_same_shard_twice_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write_corpus(tmp.path());
    let part = tmp.path().join("part-0");
    run_into(&input, &part, &["--shard", "0/2"], None);
    let merged = tmp.path().join("merged");
    let o = Command::new(env!("CARGO_BIN_EXE_solieu"))
        .current_dir(root())
        .args([
            "transform",
            "-o",
            merged.to_str().unwrap(),
            "--merge",
            part.to_str().unwrap(),
            part.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("given twice"));
}

fn incremental(out: &Path) -> serde_json::Value {
    let text = fs::read_to_string(out.join("manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    m["incremental"].clone()
}

#[test]
fn an_incremental_run_in_small_batches_reads_the_state_back_in_chunks() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write_corpus(tmp.path());
    let out = tmp.path().join("out");
    let run = |batch: usize| run_into(&input, &out, &[], Some(batch));
    run(7);
    // One report changed and one added: the 121-record JSONL corpus is reused, read back 7
    // documents at a time, and its last chunk shares a batch with the changed report after it.
    fs::write(input.join("txt/r000.txt"), report(210)).unwrap();
    fs::write(input.join("txt/r500.txt"), report(211)).unwrap();
    run(7);
    let inc = incremental(&out);
    assert_eq!(inc["processed"], 2, "{inc}");
    assert_eq!(inc["reused"], 41, "{inc}");
    let incremental_rows = csv_tables(&out);

    let full = tmp.path().join("full");
    run_into(&input, &full, &[], Some(7));
    assert_eq!(incremental_rows, csv_tables(&full));

    // The state that run wrote, half read and half reused, is whole again: nothing is read.
    run(5);
    let inc = incremental(&out);
    assert_eq!(inc["processed"], 0, "{inc}");
    assert!(inc["full_refresh"].is_null(), "{inc}");
    assert_eq!(csv_tables(&out), incremental_rows);
}
