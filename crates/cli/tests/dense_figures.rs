//! Figure-dense text end to end (issue 14 item 6): a 192 KB file of 16k figures, as one
//! verbless list and as a paragraph of short sentences, runs on one thread and gives one row per
//! figure, each row's evidence bounded so the output grows with the input, not its square.
//! (That extraction is linear is guarded by `solieu-ingest`'s `linear_extraction` test, whose
//! sizes a quadratic reading could not finish; time and memory here are checked by hand with
//! `/usr/bin/time -v`.)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIGURES: usize = 16_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `solieu run --threads 1` on `input` and returns observations.csv's records.
fn observations(input: &Path, out: &Path) -> Vec<csv::StringRecord> {
    let o = Command::new(env!("CARGO_BIN_EXE_solieu"))
        .current_dir(root())
        .args(["run", "--threads", "1", "--input-format", "txt", "-q", "-i"])
        .arg(input)
        .arg("-o")
        .arg(out)
        .output()
        .expect("the solieu binary starts");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv_path = out.join("observations.csv");
    let size = fs::metadata(&csv_path).expect("observations.csv").len();
    // At most one bounded sentence (400 characters, 3 bytes each at worst) per row.
    assert!(
        size < (FIGURES as u64) * 1_500,
        "observations.csv is {size} bytes"
    );
    csv::Reader::from_path(&csv_path)
        .expect("observations.csv opens")
        .records()
        .collect::<Result<_, _>>()
        .expect("observations.csv parses")
}

fn run_on(name: &str, body: &str) -> Vec<csv::StringRecord> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input = dir.path().join("in");
    fs::create_dir_all(&input).expect("input folder");
    fs::write(
        input.join(format!("{name}.txt")),
        format!("Báo cáo\n\n{body}\n"),
    )
    .expect("input file");
    observations(&input, &dir.path().join("out"))
}

#[test]
fn a_verbless_list_of_16k_figures_gives_16k_rows() {
    let body: Vec<String> = (0..FIGURES)
        .map(|i| format!("{} vụ", 1000 + i % 9000))
        .collect();
    let rows = run_on("list", &format!("{}.", body.join(", ")));
    assert_eq!(rows.len(), FIGURES);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(&r[4], format!("{} vụ", 1000 + i % 9000), "row {i}");
    }
}

#[test]
fn a_paragraph_of_16k_short_sentences_gives_16k_rows() {
    let body: String = (0..FIGURES)
        .map(|i| format!("Bắt {} vụ. ", 100 + i % 900))
        .collect();
    let rows = run_on("sentences", &body);
    assert_eq!(rows.len(), FIGURES);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(&r[4], format!("{} vụ", 100 + i % 900), "row {i}");
        assert_eq!(&r[5], format!("Bắt {} vụ.", 100 + i % 900), "row {i}");
    }
}
