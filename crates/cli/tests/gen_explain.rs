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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn explain_html_lists_every_row_of_a_run_and_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = "data/samples/txt/ca-mau-2024.txt";
    let page = tmp.path().join("audit/ca-mau.html");
    ok(&solieu(&[
        "explain",
        sample,
        "--html",
        page.to_str().unwrap(),
        "--quiet",
    ]));
    let out = tmp.path().join("out");
    ok(&solieu(&[
        "run",
        "-i",
        sample,
        "-o",
        out.to_str().unwrap(),
        "--format",
        "csv",
        "--quiet",
    ]));
    let html = fs::read_to_string(&page).unwrap();
    let mut rdr = csv::Reader::from_path(out.join("observations.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut n = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        n += 1;
        let idx = &rec[col("obs_idx")];
        let value: f64 = rec[col("value")].parse().unwrap();
        let row_start = format!("<tr class=\"obs\" data-i=\"{idx}\" data-value=\"{value}\">");
        let at = html
            .find(&row_start)
            .unwrap_or_else(|| panic!("no table row for obs {idx}: {row_start}"));
        let row = &html[at..at + html[at..].find("</tr>").unwrap()];
        for field in ["mention", "unit", "measure", "qualifier"] {
            let cell = format!(">{}</td>", esc(&rec[col(field)]));
            assert!(
                row.contains(&cell),
                "obs {idx}: {field} {cell} not in {row}"
            );
        }
        for field in ["action", "topic", "year"] {
            let v = &rec[col(field)];
            let shown = if v.is_empty() { "–" } else { v };
            assert!(
                row.contains(&format!("<td>{}</td>", esc(shown))),
                "obs {idx}: {field} {shown} not in {row}"
            );
        }
        // The mention is highlighted in the text too.
        assert!(html.contains(&format!(
            "<mark class=\"{}\" data-i=\"{idx}\"",
            &rec[col("measure")]
        )));
    }
    assert!(n > 10, "the sample has many rows");
    assert_eq!(
        html.matches("<tr class=\"obs\"").count(),
        n,
        "no extra rows"
    );
    // Self-contained: nothing fetched from the network.
    for bad in [
        "src=\"http",
        "href=\"http",
        "<link",
        "@import",
        "src='http",
        "url(http",
    ] {
        assert!(!html.contains(bad), "page loads {bad}");
    }
    assert!(html.contains("<style>") && html.contains("<script>"));
}

#[test]
fn explain_prints_rows_and_picks_a_corpus_record() {
    let o = solieu(&[
        "explain",
        "data/samples/corpus.jsonl",
        "--doc",
        "tn-2023-001",
        "--color",
        "never",
    ]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("tn-2023-001"));
    assert!(text.contains("[[287 vụ]]{0}"), "{text}");
    assert!(!text.contains('\x1b'), "no colour codes with --color never");
    let coloured = solieu(&[
        "explain",
        "data/samples/corpus.jsonl",
        "--doc",
        "tn-2023-001",
        "--color",
        "always",
    ]);
    assert!(String::from_utf8_lossy(&coloured.stdout).contains('\x1b'));
    let many = solieu(&["explain", "data/samples/corpus.jsonl"]);
    assert_eq!(many.status.code(), Some(2), "a corpus needs --doc");
    let missing = solieu(&["explain", "data/samples/corpus.jsonl", "--doc", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
}
