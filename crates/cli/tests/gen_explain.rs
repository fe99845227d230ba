//! `solieu gen` and `solieu explain` end to end.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

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

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn gen_is_deterministic_and_its_gold_matches_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_string_lossy().into_owned();
    for (out, gold) in [("a.jsonl", "a.gold"), ("b.jsonl", "b.gold")] {
        ok(&solieu(&[
            "gen",
            "--docs",
            "40",
            "--seed",
            "5",
            "--format",
            "jsonl",
            "--out",
            &p(out),
            "--gold",
            &p(gold),
            "--quiet",
        ]));
    }
    assert_eq!(
        fs::read(p("a.jsonl")).unwrap(),
        fs::read(p("b.jsonl")).unwrap()
    );
    assert_eq!(
        fs::read(p("a.gold")).unwrap(),
        fs::read(p("b.gold")).unwrap()
    );
    let gold = fs::read_to_string(p("a.gold")).unwrap();
    assert_eq!(gold.lines().count(), 40);
    let gold_rows: usize = gold
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["observations"].as_array().unwrap().len()
        })
        .sum();
    ok(&solieu(&[
        "run",
        "-i",
        &p("a.jsonl"),
        "-o",
        &p("out"),
        "--format",
        "csv",
        "--quiet",
    ]));
    let csv = fs::read_to_string(tmp.path().join("out/observations.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(rdr.records().count(), gold_rows, "one row per gold row");

    // Other formats and the size mode.
    ok(&solieu(&[
        "gen",
        "--docs",
        "5",
        "--format",
        "txt",
        "--out",
        &p("txt"),
        "--quiet",
    ]));
    assert_eq!(fs::read_dir(p("txt")).unwrap().count(), 5);
    ok(&solieu(&[
        "gen",
        "--size",
        "50kB",
        "--format",
        "parquet",
        "--out",
        &p("c.parquet"),
        "--quiet",
    ]));
    assert!(fs::metadata(p("c.parquet")).unwrap().len() > 1000);
    let bad = solieu(&["gen", "--docs", "1", "--format", "xml", "--out", &p("x")]);
    assert_eq!(bad.status.code(), Some(2));
}
