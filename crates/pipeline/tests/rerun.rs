//! Reruns a user waits on: an unchanged rerun trusts inputs whose size and modification time
//! match the state (no hashing) and leaves the tables untouched; a touched file is hashed
//! again and still reused; a changed one is read again.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod common;

use solieu_pipeline::{run, tables, Overrides, Plan, Silent};

fn report(i: usize) -> String {
    let provinces = ["Lai Châu", "Nghệ An", "Cà Mau"];
    format!(
        "Năm {}, Công an tỉnh {} đã bắt giữ {} đối tượng, thu {} kg pháo nổ.\n",
        2020 + i % 4,
        provinces[i % 3],
        20 + i,
        3 + i % 5
    )
}

/// Sets a file's modification time `ago` in the past: a file written by the test a moment
/// ago is too recent for its time to be trusted.
fn age(path: &Path, ago: Duration) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - ago).unwrap();
}

fn plan(dir: &Path, input: &Path, format: &str, out: &Path, formats: &str) -> Plan {
    let file = common::pipeline_file(dir);
    let o = Overrides {
        inputs: vec![input.display().to_string()],
        input_format: Some(format.into()),
        out: Some(out.to_path_buf()),
        formats: Some(formats.split(',').map(String::from).collect()),
        ..Overrides::default()
    };
    Plan::resolve(&file, &o).unwrap()
}

/// Where the dataset's files really are and when each table was written: a rewrite changes
/// both.
fn tables_stamp(out: &Path) -> (PathBuf, Vec<SystemTime>) {
    let times = tables::ALL
        .iter()
        .map(|t| {
            fs::metadata(out.join(format!("{t}.csv")))
                .and_then(|m| m.modified())
                .unwrap()
        })
        .collect();
    (fs::canonicalize(out).unwrap(), times)
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn an_unchanged_folder_of_text_files_is_trusted_by_size_and_time_and_not_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    for i in 0..5 {
        let path = input.join(format!("r{i}.txt"));
        fs::write(&path, report(i)).unwrap();
        age(&path, Duration::from_secs(3600));
    }
    let p = plan(tmp.path(), &input, "txt", &out, "csv,parquet");
    let first = run(&p, &Silent).unwrap();
    assert_eq!(first.incremental.unwrap().trusted, 0, "no state yet");
    let before = tables_stamp(&out);
    let first_manifest = manifest(&out);

    let again = run(&p, &Silent).unwrap();
    let inc = again.incremental.clone().unwrap();
    assert_eq!((inc.processed, inc.reused, inc.removed), (0, 5, 0));
    assert_eq!(inc.trusted, 5, "every input trusted without hashing");
    assert!(inc.unchanged);
    assert_eq!(again.rows_of(tables::DOCUMENTS), 5);
    assert_eq!(
        tables_stamp(&out),
        before,
        "the tables are left as they were"
    );
    let m = manifest(&out);
    assert_eq!(m["incremental"]["unchanged"], true, "{m}");
    assert!(m["incremental"]["checked_at"].is_string(), "{m}");
    for field in ["pipeline", "inputs", "formats", "rows", "solieu_version"] {
        assert_eq!(m[field], first_manifest[field], "{field}");
    }

    // Touched, the same content: hashed again, still reused, tables still untouched; its
    // new time is kept, so the next rerun trusts it again.
    age(&input.join("r2.txt"), Duration::from_secs(60));
    let touched = run(&p, &Silent).unwrap().incremental.unwrap();
    assert_eq!((touched.processed, touched.reused), (0, 5));
    assert_eq!(touched.trusted, 4, "the touched file was hashed");
    assert!(touched.unchanged);
    assert_eq!(tables_stamp(&out), before);
    assert_eq!(run(&p, &Silent).unwrap().incremental.unwrap().trusted, 5);

    // Changed: read again, the tables rewritten as a full run writes them.
    let changed = input.join("r3.txt");
    fs::write(&changed, report(8)).unwrap();
    age(&changed, Duration::from_secs(60));
    let inc = run(&p, &Silent).unwrap().incremental.unwrap();
    assert_eq!((inc.processed, inc.reused, inc.trusted), (1, 4, 4));
    assert!(!inc.unchanged);
    assert_ne!(tables_stamp(&out).0, before.0, "a new dataset");
    let full = tmp.path().join("full");
    run(
        &plan(tmp.path(), &input, "txt", &full, "csv,parquet"),
        &Silent,
    )
    .unwrap();
    for t in tables::ALL {
        let csv = |o: &Path| fs::read_to_string(o.join(format!("{t}.csv"))).unwrap();
        assert_eq!(csv(&out), csv(&full), "{t}");
    }
}

#[test]
fn an_unchanged_jsonl_file_is_not_rehashed_nor_rewritten_but_a_same_size_edit_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("corpus.jsonl"), tmp.path().join("out"));
    let lines = |n: usize| -> String {
        (0..6)
            .map(|i| {
                let text = report(i + n);
                format!(
                    "{}\n",
                    serde_json::json!({"id": format!("d{i}"), "text": text})
                )
            })
            .collect()
    };
    fs::write(&input, lines(0)).unwrap();
    let old = Duration::from_secs(3600);
    age(&input, old);
    let p = plan(tmp.path(), &input, "jsonl", &out, "csv,parquet");
    run(&p, &Silent).unwrap();
    let before = tables_stamp(&out);
    let again = run(&p, &Silent).unwrap().incremental.unwrap();
    assert_eq!((again.reused, again.trusted), (1, 1));
    assert!(again.unchanged);
    assert_eq!(tables_stamp(&out), before);

    // Same size, other digits, another time: the time gives it away, and it is read.
    let edited = lines(0).replacen("21 đối tượng", "31 đối tượng", 1);
    assert_eq!(edited.len(), lines(0).len());
    fs::write(&input, edited).unwrap();
    age(&input, Duration::from_secs(60));
    let inc = run(&p, &Silent).unwrap().incremental.unwrap();
    assert_eq!((inc.processed, inc.reused, inc.trusted), (1, 0, 0));
    assert!(!inc.unchanged);
    let observations = fs::read_to_string(out.join("observations.csv")).unwrap();
    assert!(observations.contains("31 đối tượng"), "{observations}");
}

#[test]
fn a_run_asking_for_other_output_formats_rewrites_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let path = input.join("r.txt");
    fs::write(&path, report(1)).unwrap();
    age(&path, Duration::from_secs(3600));
    run(&plan(tmp.path(), &input, "txt", &out, "csv"), &Silent).unwrap();
    let both = plan(tmp.path(), &input, "txt", &out, "csv,parquet");
    let inc = run(&both, &Silent).unwrap().incremental.unwrap();
    assert_eq!((inc.reused, inc.trusted), (1, 1));
    assert!(!inc.unchanged, "the Parquet tables are missing");
    assert!(out.join("documents.parquet").is_file());
    assert!(run(&both, &Silent).unwrap().incremental.unwrap().unchanged);
}

/// The state keeps an input under its name, where a byte that is not UTF-8 is written `\xNN`;
/// the rerun must look it up under that same name, or such a file is hashed on every run.
#[cfg(unix)]
#[test]
fn an_unchanged_file_whose_name_is_not_utf8_is_trusted_by_size_and_time() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    // "bài" in Latin-1: the 0xE0 byte alone is not UTF-8.
    let path = input.join(OsStr::from_bytes(b"b\xE0i.txt"));
    fs::write(&path, report(2)).unwrap();
    age(&path, Duration::from_secs(3600));
    let p = plan(tmp.path(), &input, "txt", &out, "csv");
    run(&p, &Silent).unwrap();
    let again = run(&p, &Silent).unwrap().incremental.unwrap();
    assert_eq!((again.reused, again.trusted), (1, 1), "{again:?}");
    assert!(again.unchanged);
}

/// What the state holds for each input: its name, size and sha256, read back from the
/// dataset's `.state/inputs.parquet`.
fn state_keys(out: &Path) -> Vec<(String, u64, String)> {
    use polars::prelude::{ParquetReader, SerReader};
    let file = fs::File::open(out.join(".state/inputs.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let names = df.column("input").unwrap().str().unwrap().clone();
    let sizes = df.column("size").unwrap().i64().unwrap().clone();
    let hashes = df.column("sha256").unwrap().str().unwrap().clone();
    (0..df.height())
        .map(|i| {
            let name = names.get(i).unwrap();
            let name = Path::new(name).file_name().unwrap().to_string_lossy();
            (
                name.into_owned(),
                u64::try_from(sizes.get(i).unwrap()).unwrap(),
                hashes.get(i).unwrap().to_string(),
            )
        })
        .collect()
}

/// The key a file's bytes give it: its name, size and sha256.
fn key_of(path: &Path) -> (String, u64, String) {
    use sha2::{Digest, Sha256};
    let bytes = fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    (
        name,
        bytes.len() as u64,
        format!("{:x}", Sha256::digest(&bytes)),
    )
}

#[test]
fn inputs_read_in_full_are_keyed_by_what_their_reading_saw_and_trusted_next_time() {
    use polars::prelude::{df, ParquetWriter};
    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let jsonl = |n: usize| -> String {
        (0..n)
            .map(|i| {
                format!(
                    "{}\n",
                    serde_json::json!({"id": format!("d{i}"), "text": report(i)})
                )
            })
            .collect()
    };
    fs::write(input.join("a.jsonl"), jsonl(3)).unwrap();
    fs::write(input.join("b.txt"), report(4)).unwrap();
    // Polars reads a Parquet file by seeking: it is hashed before the run, not as it is read.
    let mut frame = df!("id" => ["p1"], "text" => [report(5)]).unwrap();
    let parquet = fs::File::create(input.join("c.parquet")).unwrap();
    ParquetWriter::new(parquet).finish(&mut frame).unwrap();
    let names = ["a.jsonl", "b.txt", "c.parquet"];
    for name in names {
        age(&input.join(name), Duration::from_secs(3600));
    }
    let keys = || names.map(|n| key_of(&input.join(n))).to_vec();
    let p = plan(tmp.path(), &input, "auto", &out, "csv");
    let first = run(&p, &Silent).unwrap();
    assert_eq!(first.rows_of(tables::DOCUMENTS), 5);
    assert_eq!(state_keys(&out), keys());
    let again = run(&p, &Silent).unwrap().incremental.unwrap();
    assert_eq!((again.processed, again.trusted), (0, 3), "{again:?}");
    assert!(again.unchanged);

    // Grown: read whatever its hash, and keyed by its new bytes.
    fs::write(input.join("a.jsonl"), jsonl(4)).unwrap();
    age(&input.join("a.jsonl"), Duration::from_secs(60));
    let grown = run(&p, &Silent).unwrap();
    let inc = grown.incremental.clone().unwrap();
    assert_eq!((inc.processed, inc.reused, inc.trusted), (1, 2, 2));
    assert_eq!(grown.rows_of(tables::DOCUMENTS), 6);
    assert_eq!(state_keys(&out), keys());
    assert!(run(&p, &Silent).unwrap().incremental.unwrap().unchanged);
}
