//! The binary end to end: inputs in each of the four formats in a temporary folder, the dataset
//! it writes, the rejects, the Parquet column types, exit codes and determinism.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn solieu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_solieu"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("the solieu binary starts")
}

const REPORT_A: &str = "Công an tỉnh Bắc Giang tổng kết năm 2023\n\nNăm 2023, Công an tỉnh Bắc Giang đã khởi tố 120 vụ, 245 bị can về ma túy.\n";
const REPORT_B: &str =
    "Năm 2024, lực lượng chức năng phát hiện 36 vụ đánh bạc, giảm 4 vụ so với năm 2023.";

/// Writes the inputs into `root/in` and returns that folder.
fn write_inputs(root: &Path) -> PathBuf {
    let dir = root.join("in");
    fs::create_dir_all(dir.join("txt")).unwrap();
    fs::write(dir.join("txt/bac-giang.txt"), REPORT_A).unwrap();
    // Latin-1 German: not UTF-8, and not Vietnamese read as Windows-1258.
    fs::write(dir.join("txt/latin1.txt"), b"Gr\xfc\xdfe aus K\xf6ln").unwrap();
    let jsonl = format!(
        "{}\nthis is not json\n",
        serde_json::json!({"id": "j1", "text": REPORT_B, "province": "Thái Nguyên", "date": "2025-01-15"})
    );
    fs::write(dir.join("c.jsonl"), jsonl).unwrap();
    fs::write(
        dir.join("c.csv"),
        "id,title,text\nc1,Tin,\"Năm 2022, xảy ra 7 vụ cháy, thiệt hại khoảng 1,2 tỷ đồng.\"\n",
    )
    .unwrap();
    let mut df = df!(
        "id" => ["p1"],
        "text" => ["Năm 2023, thu giữ 2,5 kg ma túy tổng hợp."],
    )
    .unwrap();
    let f = fs::File::create(dir.join("c.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    dir
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name).unwrap().f64().unwrap().iter().collect()
}

#[test]
fn runs_every_input_format_and_writes_all_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write_inputs(tmp.path());
    let out = tmp.path().join("out");
    let o = solieu(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for t in ["documents", "observations", "deltas", "rejects"] {
        assert!(out.join(format!("{t}.parquet")).is_file(), "{t}.parquet");
        assert!(out.join(format!("{t}.csv")).is_file(), "{t}.csv");
    }
    assert!(out.join("manifest.json").is_file());

    // Rows come in input order: files by path, records in file order.
    let docs = read(&out.join("documents.parquet"));
    assert_eq!(
        strs(&docs, "doc_id"),
        ["c1", "j1", "p1", "bac-giang"].map(|s| Some(s.to_string()))
    );
    assert_eq!(
        strs(&docs, "province"),
        vec![
            None,
            Some("Thái Nguyên".into()),
            None,
            Some("Bắc Giang".into()),
        ]
    );

    let obs = read(&out.join("observations.parquet"));
    let got: Vec<(String, f64, String)> = strs(&obs, "doc_id")
        .into_iter()
        .zip(floats(&obs, "value"))
        .zip(strs(&obs, "unit"))
        .map(|((d, v), u)| (d.unwrap(), v.unwrap(), u.unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("c1".into(), 7.0, "case".into()),
            ("c1".into(), 1.2e9, "vnd".into()),
            ("j1".into(), 36.0, "case".into()),
            ("p1".into(), 2.5, "kg".into()),
            ("bac-giang".into(), 120.0, "case".into()),
            ("bac-giang".into(), 245.0, "accused".into()),
        ]
    );
    // 36 vụ, giảm 4 vụ so với năm 2023: baseline 40, delta -4, -10 %.
    assert_eq!(floats(&obs, "baseline_value")[2], Some(40.0));
    assert_eq!(floats(&obs, "delta")[2], Some(-4.0));
    assert_eq!(floats(&obs, "pct_change")[2], Some(-10.0));
    assert_eq!(strs(&obs, "baseline")[2].as_deref(), Some("year:2023"));

    let rejects = read(&out.join("rejects.parquet"));
    let reasons = strs(&rejects, "reason");
    let sources = strs(&rejects, "source");
    assert_eq!(rejects.height(), 2, "{rejects:?}");
    assert!(sources[0].as_deref().unwrap().ends_with("c.jsonl:2"));
    assert!(reasons[0].as_deref().unwrap().starts_with("bad JSON line"));
    assert!(sources[1].as_deref().unwrap().ends_with("latin1.txt"));
    assert!(reasons[1]
        .as_deref()
        .unwrap()
        .starts_with("unknown encoding"));
}

#[test]
fn parquet_columns_have_spec_types() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write_inputs(tmp.path());
    let out = tmp.path().join("out");
    let o = solieu(&[
        "run",
        "-i",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
        "--format",
        "parquet",
    ]);
    assert!(o.status.success());
    assert!(
        !out.join("documents.csv").exists(),
        "--format parquet writes no CSV"
    );
    // The one schema description: crates/transform/src/schema.rs, docs/DATA.md.
    for table in solieu_transform::schema::TABLES {
        let df = read(&out.join(format!("{}.parquet", table.name)));
        assert_eq!(**df.schema(), table.schema(), "{}", table.name);
    }
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write_inputs(tmp.path());
    // Many small files, with a doc_id repeated across them: which copy wins must not depend on
    // which thread finishes first.
    for i in 0..40 {
        let id = if i % 7 == 0 {
            "c1".to_string()
        } else {
            format!("r{i}")
        };
        fs::write(
            input.join(format!("more{i:02}.jsonl")),
            format!(
                "{}\n",
                serde_json::json!({"id": id, "text": REPORT_A.replace("120 vụ", &format!("{} vụ", 100 + i))})
            ),
        )
        .unwrap();
    }
    let mut outputs = Vec::new();
    for threads in ["1", "2", "8"] {
        let out = tmp.path().join(format!("out{threads}"));
        let o = solieu(&[
            "run",
            "-i",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-q",
            "--threads",
            threads,
        ]);
        assert!(o.status.success());
        let tables: Vec<(String, DataFrame)> = ["documents", "observations", "deltas", "rejects"]
            .iter()
            .map(|t| {
                (
                    fs::read_to_string(out.join(format!("{t}.csv"))).unwrap(),
                    read(&out.join(format!("{t}.parquet"))),
                )
            })
            .collect();
        outputs.push(tables);
    }
    assert!(outputs[0][3].1.height() >= 6, "duplicates were rejected");
    for other in &outputs[1..] {
        for ((csv_a, pq_a), (csv_b, pq_b)) in outputs[0].iter().zip(other) {
            assert_eq!(csv_a, csv_b, "CSV bytes");
            assert!(pq_a.equals_missing(pq_b), "Parquet rows");
        }
    }
}

#[test]
fn stages_run_alone_and_give_the_same_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let input_dir = write_inputs(tmp.path());
    let input = input_dir.to_str().unwrap();
    let whole = tmp.path().join("whole");
    let staged = tmp.path().join("staged");
    assert!(
        solieu(&["run", "-i", input, "-o", whole.to_str().unwrap(), "-q"])
            .status
            .success()
    );
    // Only ingest reads inputs; the later stages read the stage before.
    for stage in [vec!["ingest", "-i", input], vec!["transform"], vec!["sink"]] {
        let o = solieu(&[&stage[..], &["-o", staged.to_str().unwrap(), "-q"]].concat());
        let stage = stage[0];
        assert!(
            o.status.success(),
            "{stage}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for t in ["documents", "observations", "deltas", "rejects"] {
        let a = fs::read_to_string(whole.join(format!("{t}.csv"))).unwrap();
        let b = fs::read_to_string(staged.join(format!("{t}.csv"))).unwrap();
        assert_eq!(a, b, "{t}.csv");
    }
}

#[test]
fn config_errors_exit_2_and_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    fs::write(
        &bad,
        "name = \"x\"\n\n[input]\npaths = [\"data/samples/txt\"]\nformt = \"txt\"\n",
    )
    .unwrap();
    let o = solieu(&["run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:5"), "{err}");
    assert!(err.contains("formt"), "{err}");

    let o = solieu(&["run", "--input", "/no/such/input", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/input"));

    let o = solieu(&["run", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));

    // A lexicon that maps a form to a unit SPEC does not list.
    let lex = tmp.path().join("lexicon");
    fs::create_dir_all(&lex).unwrap();
    for entry in fs::read_dir(root().join("pipelines/lexicon"))
        .unwrap()
        .flatten()
    {
        fs::copy(entry.path(), lex.join(entry.file_name())).unwrap();
    }
    let units = fs::read_to_string(lex.join("units.csv")).unwrap();
    fs::write(
        lex.join("units.csv"),
        units.replace("\nvụ,case,1\n", "\nvụ,cases,1\n"),
    )
    .unwrap();
    let pipeline = tmp.path().join("p.toml");
    fs::write(
        &pipeline,
        format!(
            "[input]\npaths = [\"data/samples/txt\"]\n[lexicon]\ndir = {:?}\n",
            lex.display().to_string()
        ),
    )
    .unwrap();
    let o = solieu(&["validate", pipeline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("units.csv") && err.contains("`cases`"),
        "{err}"
    );
}
