//! Unattended nightly runs (issue 5): bad inputs become rejects and never stop the batch, a
//! killed run leaves the previous dataset whole, two runs never write one dataset at once,
//! reruns do only the new work and give the full run's dataset, and errors people must fix
//! exit 2 with one line saying what and where. Every text here is invented for these tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use polars::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn solieu(args: &[&str]) -> Output {
    run_as(Path::new(env!("CARGO_BIN_EXE_solieu")), args)
}

/// `program` (solieu or a copy of it) run with `args` from the project's root.
fn run_as(program: &Path, args: &[&str]) -> Output {
    // A copy this process has just written can be busy for a moment (ETXTBSY): a child that
    // another test thread forks meanwhile holds the copy's file open until it runs its own
    // program. It failed a clean-clone test run once; waiting it out is the usual remedy.
    for _ in 0..100 {
        match Command::new(program)
            .current_dir(root())
            .args(args)
            .output()
        {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(20));
            }
            started => return started.expect("the solieu binary starts"),
        }
    }
    panic!("{} stayed busy for 2 s", program.display())
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_solieu"))
        .current_dir(root())
        .args(args)
        .stdout(Stdio::null())
        // Never read: a pipe could fill and stall the child.
        .stderr(Stdio::null())
        .spawn()
        .expect("the solieu binary starts")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs solieu with `args` and checks that it succeeded, showing its stderr when not.
fn succeeds(args: &[&str]) -> Output {
    succeeds_as(Path::new(env!("CARGO_BIN_EXE_solieu")), args)
}

fn succeeds_as(program: &Path, args: &[&str]) -> Output {
    let o = run_as(program, args);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

fn p(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

const GOOD: &str = "Công an huyện Đồi Mây tổng kết năm 2024\n\nNăm 2024, Công an huyện đã phát hiện 14 vụ, bắt giữ 23 đối tượng về ma túy.\n";

/// A small report that differs by `i`, for corpora big enough that a run lasts a moment.
fn report(i: usize) -> String {
    let provinces = ["Hà Giang", "Cao Bằng", "Lào Cai", "Sơn La", "Nam Định"];
    let prov = provinces[i % provinces.len()];
    let year = 2016 + i % 9;
    format!(
        "Công an tỉnh {prov} tổng kết công tác năm {year}\n\nNăm {year}, Công an tỉnh {prov} đã phát hiện {} vụ, bắt giữ {} đối tượng về ma túy, thu giữ {},5 kg ma túy tổng hợp.\n\nTội phạm về trật tự xã hội giảm {},{}% so với cùng kỳ; khởi tố {} vụ, {} bị can.\n\nToàn tỉnh xảy ra {} vụ cháy, thiệt hại khoảng {} tỷ đồng.\n",
        i % 97 + 3,
        i % 131 + 5,
        i % 17 + 1,
        i % 9 + 1,
        i % 10,
        i % 53 + 2,
        i % 71 + 4,
        i % 29 + 1,
        i % 8 + 1
    )
}

fn write_corpus(dir: &Path, n: usize, salt: usize) {
    fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        fs::write(dir.join(format!("r{i:05}.txt")), report(i + salt)).unwrap();
    }
}

const TABLES: [&str; 4] = ["documents", "observations", "deltas", "rejects"];

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

fn strs(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect()
}

/// Every table of a dataset as Parquet rows and CSV bytes.
fn snapshot(out: &Path) -> Vec<(DataFrame, Vec<u8>)> {
    TABLES
        .iter()
        .map(|t| {
            (
                read(&out.join(format!("{t}.parquet"))),
                fs::read(out.join(format!("{t}.csv"))).unwrap(),
            )
        })
        .collect()
}

fn same(a: &[(DataFrame, Vec<u8>)], b: &[(DataFrame, Vec<u8>)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((da, ca), (db, cb))| da.equals_missing(db) && ca == cb)
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. Bad input never stops the batch.

/// Runs solieu on a folder holding `GOOD` and the given files; returns the run's output and
/// the rejects as (file name or `name:line`, reason).
/// Rejects as (file name or `name:line`, reason).
type Rejects = Vec<(String, String)>;

/// A temporary folder holding an empty input folder `in`, and where the run's output `out` goes.
fn in_and_out() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let out = tmp.path().join("out");
    (tmp, input, out)
}

fn run_with(files: &[(&str, &[u8])], extra: &[&str]) -> (Output, Rejects, tempfile::TempDir) {
    let (dir, input, out) = in_and_out();
    fs::write(input.join("good.txt"), GOOD).unwrap();
    for (name, bytes) in files {
        fs::write(input.join(name), bytes).unwrap();
    }
    let mut args = vec!["run", "-i", p(&input), "-o", p(&out)];
    args.extend_from_slice(extra);
    let o = solieu(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rejects = read(&out.join("rejects.parquet"));
    let rows = strs(&rejects, "source")
        .into_iter()
        .map(|s| s.rsplit('/').next().unwrap_or_default().to_string())
        .zip(strs(&rejects, "reason"))
        .collect();
    (o, rows, dir)
}

/// Exactly one reject, for `file`, whose reason starts with `reason`; the good file is kept.
fn rejected_once(name: &str, bytes: &[u8], reason: &str) {
    let (_, rows, tmp) = run_with(&[(name, bytes)], &[]);
    let out = tmp.path().join("out");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, name, "{rows:?}");
    assert!(rows[0].1.starts_with(reason), "{rows:?}");
    let docs = read(&out.join("documents.parquet"));
    assert_eq!(strs(&docs, "doc_id"), ["good"]);
}

#[test]
fn invalid_utf8_that_no_encoding_explains_is_rejected() {
    // Latin-1 German: not UTF-8, no BOM, and not Vietnamese read as Windows-1258.
    rejected_once("latin1.txt", b"Gr\xfc\xdfe aus K\xf6ln", "unknown encoding");
}

#[test]
fn a_utf8_file_cut_inside_a_character_is_rejected_as_truncated() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend_from_slice(&"Năm".as_bytes()[..2]); // `N` and half of `ă`: cut off there
    rejected_once("cut.txt", &bytes, "truncated");
}

#[test]
fn utf16_with_a_bom_and_windows_1258_are_decoded() {
    let utf16le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            GOOD.replace("Đồi Mây", "Suối Lặng")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let utf16be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(
            GOOD.replace("Đồi Mây", "Cầu Gỗ")
                .encode_utf16()
                .flat_map(u16::to_be_bytes),
        )
        .collect();
    // "Năm 2023, phát hiện 9 vụ trộm cắp tài sản." in Windows-1258: ă is 0xE3, tone marks
    // (acute 0xEC, grave 0xCC, hook 0xD2, dot below 0xF2) follow their vowels.
    let cp1258 =
        b"N\xE3m 2023, pha\xECt hi\xEA\xF2n 9 vu\xF2 tr\xF4\xF2m c\xE3\xECp ta\xCCi sa\xD2n.";
    let (_, rows, tmp) = run_with(
        &[
            ("le.txt", &utf16le),
            ("be.txt", &utf16be),
            ("vn.txt", cp1258),
        ],
        &[],
    );
    let out = tmp.path().join("out");
    assert!(rows.is_empty(), "{rows:?}");
    let obs = read(&out.join("observations.parquet"));
    let mentions: Vec<(String, String)> = strs(&obs, "doc_id")
        .into_iter()
        .zip(strs(&obs, "mention"))
        .filter(|(d, _)| d != "good")
        .collect();
    assert!(
        mentions.contains(&("vn".into(), "9 vụ".into())),
        "{mentions:?}"
    );
    assert!(
        mentions.contains(&("le".into(), "14 vụ".into())),
        "{mentions:?}"
    );
    assert!(
        mentions.contains(&("be".into(), "23 đối tượng".into())),
        "{mentions:?}"
    );
}

#[test]
fn an_empty_file_is_rejected() {
    rejected_once("empty.txt", b"", "empty");
    rejected_once("blank.txt", b" \n\t\r\n", "empty");
}

#[test]
fn a_binary_file_is_rejected() {
    rejected_once("image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "binary");
}

#[test]
fn a_file_over_the_size_limit_is_rejected() {
    let big = GOOD.repeat(20);
    let (_, rows, _) = run_with(
        &[("big.txt", big.as_bytes())],
        &["--max-document-bytes", "1000"],
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].1.starts_with("too large") && rows[0].1.contains("1000 bytes"),
        "{rows:?}"
    );
    // The limit is a pipeline setting too.
    let tmp = tempfile::tempdir().unwrap();
    let pipeline = tmp.path().join("small.toml");
    fs::write(
        &pipeline,
        "[input]\npaths = [\"data/samples/txt\"]\nmax_document_bytes = 100\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    // No document at all: said to be intended.
    succeeds(&["run", p(&pipeline), "-o", p(&out), "-q", "--allow-shrink"]);
    let rejects = read(&out.join("rejects.parquet"));
    assert_eq!(rejects.height(), 6, "every sample report is over 100 bytes");
}

#[cfg(unix)]
#[test]
fn broken_and_unreadable_symlinks_are_rejected() {
    let (tmp, input, out) = in_and_out();
    fs::write(input.join("good.txt"), GOOD).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("moved-away.txt"), input.join("broken.txt"))
        .unwrap();
    // A link loop cannot be opened at all: the "unreadable file" a root-run test can make.
    std::os::unix::fs::symlink(input.join("loop-b.txt"), input.join("loop-a.txt")).unwrap();
    std::os::unix::fs::symlink(input.join("loop-a.txt"), input.join("loop-b.txt")).unwrap();
    let o = solieu(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rejects = read(&out.join("rejects.parquet"));
    let reasons = strs(&rejects, "reason");
    let sources = strs(&rejects, "source");
    assert_eq!(rejects.height(), 3, "{rejects:?}");
    assert!(sources[0].ends_with("broken.txt"));
    assert!(
        reasons[0].starts_with("broken symlink") && reasons[0].contains("moved-away.txt"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("cannot be opened"), "{reasons:?}");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_rejected_and_the_run_does_not_hang() {
    let (_tmp, input, out) = in_and_out();
    fs::write(input.join("good.txt"), GOOD).unwrap();
    let fifo = input.join("pipe.txt");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        return; // no mkfifo on this machine
    }
    let mut child = spawn(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.is_some_and(|s| s.success()),
        "the run hung or failed on a pipe"
    );
    let rejects = read(&out.join("rejects.parquet"));
    assert_eq!(
        strs(&rejects, "reason"),
        ["not a regular file (a named pipe, socket or device)"]
    );
}

#[test]
fn a_malformed_jsonl_line_is_rejected_and_the_others_kept() {
    let jsonl = format!(
        "{}\n{{\"id\": \"j2\", \"text\": \"Năm 2022 \n{}\n{{\"id\": \"j4\", \"te",
        serde_json::json!({"id": "j1", "text": GOOD.replace("14 vụ", "15 vụ")}),
        serde_json::json!({"id": "j3", "text": GOOD.replace("14 vụ", "16 vụ")}),
    );
    let (_, rows, tmp) = run_with(&[("feed.jsonl", jsonl.as_bytes())], &[]);
    let out = tmp.path().join("out");
    let lines: Vec<&str> = rows.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(lines, ["feed.jsonl:2", "feed.jsonl:4"], "{rows:?}");
    assert!(
        rows.iter().all(|(_, r)| r.starts_with("bad JSON line")),
        "{rows:?}"
    );
    let docs = read(&out.join("documents.parquet"));
    // Input order: feed.jsonl before good.txt.
    assert_eq!(strs(&docs, "doc_id"), ["j1", "j3", "good"]);
}

#[test]
fn a_csv_without_a_text_column_is_rejected() {
    rejected_once(
        "table.csv",
        "id,noi_dung\nx1,Bắt 3 đối tượng\n".as_bytes(),
        "CSV has no `text` column",
    );
}

#[test]
fn a_parquet_without_a_text_column_is_rejected() {
    let mut df = df!("id" => ["x1"], "noi_dung" => ["Bắt 3 đối tượng"]).unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
    rejected_once("table.parquet", &bytes, "Parquet file has no `text` column");
}

#[test]
fn a_corrupt_parquet_file_is_rejected() {
    let mut df = df!("id" => ["x1"], "text" => [GOOD]).unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
    let half = bytes.len() / 2;
    rejected_once("cut.parquet", &bytes[..half], "corrupt Parquet");
    rejected_once(
        "noise.parquet",
        b"PAR1\x15\x04garbage PAR1",
        "corrupt Parquet",
    );
}

#[test]
fn every_bad_input_at_once_exits_0_and_the_summary_counts_them() {
    let (o, rows, tmp) = run_with(
        &[
            ("latin1.txt", b"Gr\xfc\xdfe aus K\xf6ln"),
            ("empty.txt", b""),
            ("binary.txt", b"a\0b"),
            ("big.txt", GOOD.repeat(20).as_bytes()),
            ("feed.jsonl", b"{\"id\": \"j1\", \"text\": \"x\"}\n{oops\n"),
            ("table.csv", b"id,body\n1,x\n"),
            ("noise.parquet", b"not parquet at all"),
        ],
        &["--max-document-bytes", "1000"],
    );
    // Seven rejects; j1's text "x" is a document without figures.
    assert_eq!(rows.len(), 7, "{rows:?}");
    let out = tmp.path().join("out");
    let err = stderr(&o);
    assert!(err.contains(", 7 rejects"), "{err}");
    assert_eq!(manifest(&out)["rows"]["rejects"], 7);
}

// ---------------------------------------------------------------------------------------------
// 2. Crash safety and the lock.

/// Polls until `cond` holds or `limit` passes.
fn wait_for(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

fn has_temp_dir(parent: &Path) -> bool {
    fs::read_dir(parent).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".out.tmp-"))
    })
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_previous_dataset_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (old_in, new_in) = (tmp.path().join("old"), tmp.path().join("new"));
    write_corpus(&old_in, 2500, 0);
    write_corpus(&new_in, 2500, 7);
    let out = tmp.path().join("out");
    succeeds(&["run", "-i", p(&old_in), "-o", p(&out), "-q"]);
    let before = snapshot(&out);
    let reference = tmp.path().join("reference");
    succeeds(&["run", "-i", p(&new_in), "-o", p(&reference), "-q"]);
    let after = snapshot(&reference);
    assert!(!same(&before, &after));

    // Kill after fixed delays, and as soon as the new dataset is being written.
    let mut killed_while_writing = 0;
    for delay in [
        None,
        Some(0),
        Some(30),
        Some(100),
        Some(250),
        Some(500),
        Some(900),
    ] {
        let mut child = spawn(&[
            "run",
            "-i",
            p(&new_in),
            "-o",
            p(&out),
            "-q",
            "--threads",
            "2",
        ]);
        match delay {
            Some(ms) => std::thread::sleep(Duration::from_millis(ms)),
            None => {
                if wait_for(Duration::from_secs(20), || has_temp_dir(tmp.path())) {
                    killed_while_writing += 1;
                }
            }
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = snapshot(&out);
        assert!(
            same(&now, &before) || same(&now, &after),
            "after a kill at {delay:?} the dataset is neither the old nor the new one"
        );
        if same(&now, &after) {
            // The kill came after the swap: put the old dataset back for the next round.
            succeeds(&["run", "-i", p(&old_in), "-o", p(&out), "-q"]);
        }
    }
    assert_eq!(killed_while_writing, 1, "the run was seen writing");

    // The next run takes over the stale lock, cleans up and succeeds.
    succeeds(&["run", "-i", p(&new_in), "-o", p(&out), "-q"]);
    assert!(same(&snapshot(&out), &after));
    let left = beside_out(tmp.path());
    assert_eq!(
        left.len(),
        2,
        "the link and its one version, no lock: {left:?}"
    );
    assert!(
        left[0].starts_with(".out.v-") && left[1] == "out",
        "{left:?}"
    );
}

#[test]
fn a_second_run_on_the_same_output_stops_with_the_lock_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write_corpus(&input, 3000, 0);
    let out = tmp.path().join("out");
    let lock = tmp.path().join("out.lock");
    let mut first = spawn(&[
        "run",
        "-i",
        p(&input),
        "-o",
        p(&out),
        "-q",
        "--threads",
        "1",
    ]);
    assert!(wait_for(Duration::from_secs(20), || lock.exists()));
    let o = solieu(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(p(&lock)), "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let status = first.wait().unwrap();
    assert!(status.success(), "the first run is not disturbed");
    assert!(!lock.exists(), "a finished run removes its lock");
    assert_eq!(read(&out.join("documents.parquet")).height(), 3000);
}

#[test]
fn a_lock_left_by_a_dead_run_is_taken_over_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    fs::write(
        tmp.path().join("out.lock"),
        format!(
            "pid={pid}\nhost={}\nstarted=2026-01-01T00:00:00Z\n",
            host.trim()
        ),
    )
    .unwrap();
    let o = succeeds(&["run", "-o", p(&out)]);
    let err = stderr(&o);
    assert!(
        err.contains("took over lock") && err.contains(&format!("pid {pid}")),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Incremental runs.

#[test]
fn a_rerun_reads_only_new_and_changed_inputs_and_equals_a_full_run() {
    let (tmp, input, out) = in_and_out();
    let line = |id: &str, i: usize| serde_json::json!({"id": id, "text": report(i)}).to_string();
    // A: a text file. B: JSONL whose second record repeats A's id (a duplicate, rejected).
    // C: a text file. D (later): CSV repeating an id of B.
    fs::write(input.join("a.txt"), report(1)).unwrap();
    fs::write(
        input.join("b.jsonl"),
        format!("{}\n{}\n", line("b1", 2), line("a", 3)),
    )
    .unwrap();
    fs::write(input.join("c.txt"), report(4)).unwrap();
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(manifest(&out)["incremental"]["processed"], 3);

    // B changes, C goes, D comes; A stays.
    fs::write(
        input.join("b.jsonl"),
        format!("{}\n{}\nnot json\n", line("b1", 5), line("a", 3)),
    )
    .unwrap();
    fs::remove_file(input.join("c.txt")).unwrap();
    fs::write(
        input.join("d.csv"),
        format!("id,text\nb1,\"{}\"\nd1,\"{}\"\n", report(6), report(7)),
    )
    .unwrap();
    let o = succeeds(&["run", "-i", p(&input), "-o", p(&out)]);
    let m = manifest(&out);
    assert_eq!(m["incremental"]["processed"], 2, "{m}");
    assert_eq!(m["incremental"]["reused"], 1, "{m}");
    assert_eq!(m["incremental"]["removed"], 1, "{m}");
    assert!(stderr(&o).contains("2 inputs read, 1 reused, 1 removed"));

    let full = tmp.path().join("full");
    succeeds(&["run", "-i", p(&input), "-o", p(&full), "-q"]);
    let (inc, whole) = (snapshot(&out), snapshot(&full));
    assert!(
        same(&inc, &whole),
        "the incremental run gives the full run's dataset"
    );
    let docs = read(&out.join("documents.parquet"));
    assert_eq!(strs(&docs, "doc_id"), ["a", "b1", "d1"]);
    assert_eq!(
        read(&out.join("rejects.parquet")).height(),
        3,
        "two duplicates, one bad line"
    );

    // Nothing changed: nothing is read.
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(manifest(&out)["incremental"]["processed"], 0);
    assert!(same(&snapshot(&out), &whole));

    // --full-refresh reads everything again, and so does a changed configuration.
    succeeds(&[
        "run",
        "-i",
        p(&input),
        "-o",
        p(&out),
        "-q",
        "--full-refresh",
    ]);
    let m = manifest(&out);
    assert_eq!(m["incremental"]["processed"], 3, "{m}");
    assert_eq!(m["incremental"]["full_refresh"], "--full-refresh", "{m}");
    assert!(same(&snapshot(&out), &whole));
    succeeds(&[
        "run",
        "-i",
        p(&input),
        "-o",
        p(&out),
        "-q",
        "--max-document-bytes",
        "100000",
    ]);
    let m = manifest(&out);
    assert_eq!(m["incremental"]["reused"], 0, "{m}");
}

#[test]
fn an_unreadable_state_means_a_full_run_not_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    succeeds(&["run", "-o", p(&out), "-q"]);
    fs::write(out.join(".state/mentions.parquet"), b"cut off").unwrap();
    succeeds(&["run", "-o", p(&out), "-q"]);
    let m = manifest(&out);
    let why = m["incremental"]["full_refresh"]
        .as_str()
        .unwrap_or_default();
    assert!(why.starts_with("the state is unreadable"), "{m}");
}

// ---------------------------------------------------------------------------------------------
// 6. Errors people can act on: exit 2, one line, what and where.

fn one_line_exit_2(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("solieu: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` missing from: {err}");
    }
}

#[test]
fn a_bad_pipeline_file_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("nightly.toml");
    fs::write(&bad, "[input]\npaths = [\"data/samples/txt\"\n").unwrap();
    one_line_exit_2(&solieu(&["run", p(&bad)]), &["nightly.toml:"]);
    let missing = tmp.path().join("absent.toml");
    one_line_exit_2(&solieu(&["run", p(&missing)]), &["absent.toml"]);
}

#[test]
fn a_missing_input_path_is_named() {
    one_line_exit_2(
        &solieu(&["run", "-i", "/no/such/corpus/*.jsonl", "-o", "/tmp/unused"]),
        &["/no/such/corpus/*.jsonl", "does not exist"],
    );
}

#[test]
fn an_unwritable_output_folder_is_named_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let under = file.join("out");
    one_line_exit_2(
        &solieu(&["run", "-o", p(&under)]),
        &[p(&under), "not writable"],
    );
    one_line_exit_2(
        &solieu(&["run", "-o", p(&file)]),
        &[p(&file), "not a folder"],
    );
}

#[test]
fn an_unknown_unit_in_a_lexicon_is_named_by_run_too() {
    let tmp = tempfile::tempdir().unwrap();
    let lex = tmp.path().join("lexicon");
    fs::create_dir_all(&lex).unwrap();
    for entry in fs::read_dir(root().join("pipelines/lexicon"))
        .unwrap()
        .flatten()
    {
        fs::copy(entry.path(), lex.join(entry.file_name())).unwrap();
    }
    let units = fs::read_to_string(lex.join("units.csv")).unwrap();
    fs::write(lex.join("units.csv"), units + "con lợn,pig,1\n").unwrap();
    let pipeline = tmp.path().join("p.toml");
    fs::write(
        &pipeline,
        format!(
            "[input]\npaths = [\"data/samples/txt\"]\n[lexicon]\ndir = {:?}\n",
            p(&lex)
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    one_line_exit_2(
        &solieu(&["run", p(&pipeline), "-o", p(&out)]),
        &["units.csv", "`pig`", "con lợn"],
    );
    assert!(!out.exists(), "nothing is written");
}

// ---------------------------------------------------------------------------------------------
// 7. No run destroys data, however it is called (issue 14).

/// The entries of `dir` whose names start with `out` or `.out.`, sorted.
fn beside_out(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out.") || n.starts_with("out"))
        .collect();
    names.sort();
    names
}

fn small_corpus(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    write_corpus(&input, 3, 0);
    input
}

/// A dataset `out` made from a small corpus `in`, both in a new temporary folder.
fn small_dataset() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let input = small_corpus(tmp.path());
    let out = tmp.path().join("out");
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    (tmp, input, out)
}

#[test]
fn a_plain_folder_at_out_is_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let input = small_corpus(tmp.path());
    let out = tmp.path().join("out");
    fs::create_dir_all(out.join("sub")).unwrap();
    fs::write(out.join("notes.txt"), "ghi chép của tôi").unwrap();
    fs::write(out.join("sub/data.csv"), "a,b\n1,2\n").unwrap();
    one_line_exit_2(
        &solieu(&["run", "-i", p(&input), "-o", p(&out)]),
        &[p(&out), "not a dataset solieu wrote"],
    );
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "ghi chép của tôi"
    );
    assert_eq!(
        fs::read_to_string(out.join("sub/data.csv")).unwrap(),
        "a,b\n1,2\n"
    );
    assert_eq!(beside_out(tmp.path()), ["out"], "no lock, no version left");

    // The input folder given as the output by mistake survives too.
    one_line_exit_2(
        &solieu(&["run", "-i", p(&input), "-o", p(&input)]),
        &[p(&input)],
    );
    assert_eq!(fs::read_dir(&input).unwrap().count(), 3);

    // A dataset an older solieu wrote as a plain folder is still taken: its manifest says so.
    let old = tmp.path().join("old");
    fs::create_dir_all(&old).unwrap();
    fs::write(
        old.join("manifest.json"),
        r#"{"pipeline": "default", "solieu_version": "0.1.0", "rows": {"documents": 1}}"#,
    )
    .unwrap();
    succeeds(&["run", "-i", p(&input), "-o", p(&old), "-q"]);
    assert_eq!(read(&old.join("documents.parquet")).height(), 3);
    assert_eq!(manifest(&old)["dataset_format"], 1);
}

#[test]
fn out_with_a_trailing_slash_or_dots_is_the_same_dataset() {
    let (tmp, input, out) = small_dataset();
    let before = snapshot(&out);
    let spellings = [
        format!("{}/", p(&out)),
        format!("{}/.", p(&out)),
        format!("{}/in/../out//", p(tmp.path())),
    ];
    for spelled in &spellings {
        let o = solieu(&["run", "-i", p(&input), "-o", spelled, "-q"]);
        assert!(o.status.success(), "{spelled}: {}", stderr(&o));
        assert!(same(&snapshot(&out), &before), "{spelled}");
        assert_eq!(
            manifest(&out)["incremental"]["reused"],
            3,
            "{spelled}: the same state"
        );
        let left = beside_out(tmp.path());
        assert!(
            left.len() == 2 && left[0].starts_with(".out.v-") && left[1] == "out",
            "{spelled}: the link and its one version, nothing inside: {left:?}"
        );
        assert!(fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
        assert!(!out.join(".lock").exists() && !out.join("..lock").exists());
    }

    // `out/` takes the lock `out` takes: a live holder of out.lock stops it.
    let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let lock = tmp.path().join("out.lock");
    fs::write(
        &lock,
        format!("pid={}\nhost={}\n", std::process::id(), host.trim()),
    )
    .unwrap();
    let o = solieu(&["run", "-i", p(&input), "-o", &spellings[0], "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(p(&lock)), "{}", stderr(&o));
    fs::remove_file(&lock).unwrap();
    assert!(same(&snapshot(&out), &before), "the live dataset is kept");
}

#[test]
fn deleting_the_output_link_starts_afresh_not_from_a_hidden_version() {
    let (tmp, input, out) = small_dataset();
    // What `rm -rf out` does to the link: the link goes, the version it named stays.
    fs::remove_file(&out).unwrap();
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    let m = manifest(&out);
    assert_eq!(m["incremental"]["reused"], 0, "{m}");
    assert_eq!(m["incremental"]["processed"], 3, "{m}");
    assert_eq!(beside_out(tmp.path()).len(), 2, "the old version is gone");
}

#[test]
fn a_lock_file_that_is_not_utf8_does_not_block_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let lock = tmp.path().join("out.lock");
    fs::write(&lock, b"\xff\xfe\x00p\x00i\x00d\x00\xc3\x28").unwrap();
    // Old enough that no run can still be filling it in.
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&lock)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let o = succeeds(&["run", "-o", p(&out)]);
    assert!(stderr(&o).contains("took over lock"), "{}", stderr(&o));
    assert!(!lock.exists());
}

#[test]
fn csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised_parquet_keeps_them() {
    let (_tmp, input, out) = in_and_out();
    let text = "Năm 2024, Công an huyện phát hiện 14 vụ, giảm 9 vụ so với năm 2023.\n\n-Năm 2024, bắt giữ 23 đối tượng về ma túy.\n\n+Thu giữ 5 kg ma túy.\n";
    let record = serde_json::json!({"id": "=2+5", "title": "@SUM(A1:A9)", "province": "Sơn La", "text": text});
    fs::write(input.join("f.jsonl"), format!("{record}\n")).unwrap();
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    let risky = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let mut neutralised = 0;
    for table in ["documents", "observations"] {
        let df = read(&out.join(format!("{table}.parquet")));
        let mut csv = csv::Reader::from_path(out.join(format!("{table}.csv"))).unwrap();
        let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), df.height());
        for (i, name) in header.iter().enumerate() {
            let column = df.column(name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                let cell = &row[i];
                match column.str() {
                    Ok(text) => {
                        let Some(value) = text.get(r) else { continue };
                        if risky(value) {
                            neutralised += 1;
                            assert_eq!(cell, format!("'{value}"), "{table}.{name}");
                        } else {
                            assert_eq!(cell, value, "{table}.{name}");
                        }
                    }
                    // Numbers stay numbers: a negative delta is not a formula.
                    Err(_) => assert!(!cell.starts_with('\''), "{table}.{name}: {cell}"),
                }
            }
        }
    }
    let docs = read(&out.join("documents.parquet"));
    assert_eq!(strs(&docs, "doc_id"), ["=2+5"], "Parquet keeps the text");
    assert_eq!(strs(&docs, "title"), ["@SUM(A1:A9)"]);
    // The deltas points spilled to disk come back as they were, not neutralised.
    let deltas = read(&out.join("deltas.parquet"));
    assert!(deltas.height() > 0);
    assert!(
        strs(&deltas, "doc_id").iter().all(|d| d == "=2+5"),
        "{deltas}"
    );
    let obs = fs::read_to_string(out.join("observations.csv")).unwrap();
    assert!(obs.contains(",-9.0,") || obs.contains(",-9,"), "{obs}");
    // The id and title, the id on every observation, and the sentences that begin with a sign.
    assert!(neutralised >= 6, "{neutralised}");
}

#[test]
fn compressed_inputs_are_read_as_what_they_hold() {
    let (_tmp, input, out) = in_and_out();
    fs::write(input.join("z.txt"), GOOD.replace("Đồi Mây", "Suối Lặng")).unwrap();
    let gzip = Command::new("gzip").arg(input.join("z.txt")).status();
    assert!(
        gzip.is_ok_and(|s| s.success()),
        "gzip (Debian's essential set) packs z.txt"
    );
    fs::write(input.join("bad.txt.zst"), b"(\xb5/\xfd not really zstd").unwrap();
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(strs(&read(&out.join("documents.parquet")), "doc_id"), ["z"]);
    let rejects = read(&out.join("rejects.parquet"));
    let reasons = strs(&rejects, "reason");
    assert!(
        reasons.len() == 1 && reasons[0].starts_with("unreadable: corrupt zstd data"),
        "{reasons:?}"
    );
}

#[test]
fn every_file_an_input_folder_holds_is_a_document_or_a_reject() {
    let (_, rows, _) = run_with(
        &[
            ("notes.md", "# ghi chú".as_bytes()),
            ("data.bin.gz", b"\x1f\x8b"),
        ],
        &[],
    );
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["data.bin.gz", "notes.md"], "{rows:?}");
    assert!(
        rows.iter().all(|(_, why)| why.starts_with("not an input")),
        "{rows:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_input_folder_is_a_reject_and_not_read() {
    let (tmp, input, out) = in_and_out();
    fs::write(input.join("good.txt"), GOOD).unwrap();
    let secret = tmp.path().join("secret.txt");
    fs::write(&secret, "Bí mật: phát hiện 99 vụ.").unwrap();
    std::os::unix::fs::symlink(&secret, input.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(input.join("good.txt"), input.join("same.txt")).unwrap();
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    let docs = read(&out.join("documents.parquet"));
    assert_eq!(
        strs(&docs, "doc_id"),
        ["good", "same"],
        "a link within the folder is read"
    );
    let rejects = read(&out.join("rejects.parquet"));
    assert!(strs(&rejects, "source")[0].ends_with("leak.txt"));
    assert!(strs(&rejects, "reason")[0].starts_with("symlink leaves the input folder"));
}

#[test]
fn an_unclosed_csv_quote_is_a_reject_not_a_swallowed_record() {
    let csv = "id,text\nq1,\"Bắt 5 vụ, ngoặc chưa đóng\nq2,Bắt 7 vụ\n";
    let (_, rows, tmp) = run_with(&[("q.csv", csv.as_bytes())], &[]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "q.csv:1");
    assert!(
        rows[0]
            .1
            .starts_with("bad CSV record: a quoted field is never closed"),
        "{rows:?}"
    );
    let docs = read(&tmp.path().join("out/documents.parquet"));
    assert_eq!(
        strs(&docs, "doc_id"),
        ["good"],
        "q1 did not swallow q2 silently"
    );
}

#[test]
fn a_jsonl_line_too_long_for_any_record_is_a_reject_not_an_abort() {
    let huge = format!(
        "{{\"id\":\"h\",\"text\":\"{}\"}}\n{{\"id\":\"ok\",\"text\":\"Bắt 5 vụ.\"}}\n",
        "x".repeat(3 << 20)
    );
    let (_, rows, tmp) = run_with(
        &[("big.jsonl", huge.as_bytes())],
        &["--max-document-bytes", "1000"],
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "big.jsonl:1");
    assert!(rows[0].1.starts_with("too large: a line of"), "{rows:?}");
    let docs = read(&tmp.path().join("out/documents.parquet"));
    assert_eq!(strs(&docs, "doc_id"), ["ok", "good"]);
}

#[test]
fn an_overlong_id_or_title_is_a_reject_not_cut() {
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "i".repeat(100_000), "text": GOOD}),
        serde_json::json!({"id": "t", "title": "T".repeat(100_000), "text": GOOD}),
    );
    let (_, rows, _) = run_with(&[("long.jsonl", lines.as_bytes())], &[]);
    let reasons: Vec<&str> = rows.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{rows:?}");
    assert!(
        reasons[0].starts_with("id too long: 100000 bytes"),
        "{rows:?}"
    );
    assert!(
        reasons[1].starts_with("title too long: 100000 bytes"),
        "{rows:?}"
    );
}

#[test]
fn an_empty_input_folder_exits_2_and_keeps_the_dataset() {
    let (tmp, _, out) = small_dataset();
    let before = snapshot(&out);
    // An unmounted bucket: the folder is there, empty.
    let empty = tmp.path().join("bucket");
    fs::create_dir_all(&empty).unwrap();
    one_line_exit_2(
        &solieu(&["run", "-i", p(&empty), "-o", p(&out)]),
        &["found 0 documents", "--allow-shrink"],
    );
    assert!(same(&snapshot(&out), &before), "the dataset is kept");
    assert_eq!(beside_out(tmp.path()).len(), 2, "no version left behind");
    // Said on purpose, the drop goes through.
    succeeds(&[
        "run",
        "-i",
        p(&empty),
        "-o",
        p(&out),
        "-q",
        "--allow-shrink",
    ]);
    assert_eq!(read(&out.join("documents.parquet")).height(), 0);
}

#[test]
fn a_run_finding_far_fewer_documents_exits_2_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write_corpus(&input, 10, 0);
    let out = tmp.path().join("out");
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    let before = snapshot(&out);
    // A wrong --input-format: every file is a reject, no document.
    one_line_exit_2(
        &solieu(&[
            "run",
            "-i",
            p(&input),
            "--input-format",
            "jsonl",
            "-o",
            p(&out),
        ]),
        &["found 0 documents where the dataset it would replace has 10"],
    );
    // Four of ten: under half.
    for i in 4..10 {
        fs::remove_file(input.join(format!("r{i:05}.txt"))).unwrap();
    }
    one_line_exit_2(
        &solieu(&["run", "-i", p(&input), "-o", p(&out)]),
        &["found 4 documents where the dataset it would replace has 10"],
    );
    assert!(same(&snapshot(&out), &before));
    // The share is the pipeline's to set.
    let pipeline = tmp.path().join("p.toml");
    fs::write(
        &pipeline,
        "[input]\npaths = [\"in\"]\n[output]\nmin_document_share = 0.3\n",
    )
    .unwrap();
    succeeds(&["run", p(&pipeline), "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(read(&out.join("documents.parquet")).height(), 4);
}

#[test]
fn a_merge_missing_a_shard_or_mixing_splits_or_inputs_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write_corpus(&input, 12, 0);
    let part = |name: &str, shard: &str| {
        let out = tmp.path().join(name);
        succeeds(&[
            "run",
            "-i",
            p(&input),
            "-o",
            p(&out),
            "-q",
            "--shard",
            shard,
        ]);
        out
    };
    let parts: Vec<PathBuf> = (0..3)
        .map(|k| part(&format!("part-{k}"), &format!("{k}/3")))
        .collect();
    let merged = tmp.path().join("merged");
    let merge = |parts: &[&Path]| {
        let mut args = vec!["transform", "-o", p(&merged), "-q", "--merge"];
        args.extend(parts.iter().map(|x| p(x)));
        solieu(&args)
    };
    // One pod failed: its part is missing from the glob.
    one_line_exit_2(
        &merge(&[&parts[0], &parts[1]]),
        &["incomplete", "2/3 missing"],
    );
    assert!(!merged.exists(), "nothing is written");
    // A part of another split.
    let other = part("other", "1/4");
    one_line_exit_2(&merge(&[&parts[0], &other, &parts[2]]), &["of 3 shards"]);
    // A plain dataset is not a part.
    let whole = tmp.path().join("whole");
    succeeds(&["run", "-i", p(&input), "-o", p(&whole), "-q"]);
    one_line_exit_2(&merge(&[&parts[0], &whole]), &["names no shard"]);
    // The corpus changed between the shard runs.
    fs::write(input.join("r00000.txt"), report(99)).unwrap();
    let late = part("late-1", "1/3");
    one_line_exit_2(
        &merge(&[&parts[0], &late, &parts[2]]),
        &["contents differ", "run every shard again"],
    );
    // The whole set merges.
    let o = merge(&[&parts[0], &parts[1], &parts[2]]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Where the program's GNU build ID starts: after its note's header (name size 4, a
/// description size, type 3 `NT_GNU_BUILD_ID`) and name `GNU\0`.
fn build_id_at(program: &[u8]) -> Option<usize> {
    program
        .windows(16)
        .position(|w| {
            w[..4] == [4, 0, 0, 0] && w[4] > 0 && w[8..12] == [3, 0, 0, 0] && &w[12..] == b"GNU\0"
        })
        .map(|at| at + 16)
}

/// `bytes` as an executable program at `path`.
fn write_program(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_program_with_its_build_id_unchanged_is_the_same_build() {
    let bytes = fs::read(env!("CARGO_BIN_EXE_solieu")).unwrap();
    // A program linked without a build ID is known by all its bytes (the test above).
    if build_id_at(&bytes).is_none() {
        return;
    }
    let (tmp, input, out) = small_dataset();
    // One more byte after the program's end: not a rebuild, and not hashed whole.
    let copy = tmp.path().join("solieu-copy");
    write_program(&copy, &[bytes.as_slice(), &[0]].concat());
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    succeeds_as(&copy, &["run", "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(manifest(&out)["incremental"]["reused"], 3);
}

#[test]
fn a_rebuilt_binary_re_extracts_unchanged_inputs() {
    let (tmp, input, out) = small_dataset();
    // Another build: the same program with another build ID, as the linker gives a rebuild
    // with new rules (the ID hashes the linked program); a program without one is known by
    // the hash of its bytes, so one more byte makes it another.
    let rebuilt = tmp.path().join("solieu-rebuilt");
    let mut bytes = fs::read(env!("CARGO_BIN_EXE_solieu")).unwrap();
    match build_id_at(&bytes) {
        Some(at) => bytes[at] ^= 0xff,
        None => bytes.push(0),
    }
    write_program(&rebuilt, &bytes);
    succeeds_as(&rebuilt, &["run", "-i", p(&input), "-o", p(&out), "-q"]);
    let m = manifest(&out);
    assert_eq!(m["incremental"]["reused"], 0, "{m}");
    assert!(
        m["incremental"]["full_refresh"]
            .as_str()
            .is_some_and(|w| w.contains("build changed")),
        "{m}"
    );
    // The same build again reuses its own rows.
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    assert_eq!(manifest(&out)["incremental"]["reused"], 3);
}

#[test]
fn a_damaged_block_inside_the_state_means_a_full_run_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write_corpus(&input, 400, 0);
    let out = tmp.path().join("out");
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    // A flipped block in the middle of the mentions: the footer still reads.
    let state = out.join(".state/mentions.parquet");
    let mut bytes = fs::read(&state).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 256] {
        *b ^= 0xA5;
    }
    fs::write(&state, bytes).unwrap();
    // One input changes, so the run reuses the others' rows (an unchanged rerun reads none).
    fs::write(input.join("r00000.txt"), report(999)).unwrap();
    let reference = tmp.path().join("reference");
    succeeds(&["run", "-i", p(&input), "-o", p(&reference), "-q"]);
    let whole = snapshot(&reference);
    for round in 0..2 {
        let o = succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
        assert!(same(&snapshot(&out), &whole), "the full run's dataset");
        if round == 0 {
            assert!(
                stderr(&o).contains("cannot reuse the last run's rows"),
                "{}",
                stderr(&o)
            );
            let m = manifest(&out);
            let why = m["incremental"]["full_refresh"]
                .as_str()
                .unwrap_or_default();
            assert!(why.starts_with("the state is unreadable"), "{m}");
        }
    }
    // The second run found the state the first one rewrote, whole.
    assert_eq!(manifest(&out)["incremental"]["reused"], 400);
}

#[cfg(unix)]
#[test]
fn two_file_names_that_fold_to_one_doc_id_keep_only_the_first_files_rows() {
    use std::os::unix::ffi::OsStrExt;
    let (_tmp, input, out) = in_and_out();
    // Two names that differ only in bytes that are not UTF-8: both read `b�` as text.
    for (name, i) in [(&b"b\xfe.txt"[..], 1), (&b"b\xff.txt"[..], 2)] {
        let path = input.join(std::ffi::OsStr::from_bytes(name));
        fs::write(path, report(i)).unwrap();
    }
    succeeds(&["run", "-i", p(&input), "-o", p(&out), "-q"]);
    let docs = read(&out.join("documents.parquet"));
    assert_eq!(docs.height(), 1);
    let rejects = read(&out.join("rejects.parquet"));
    assert!(strs(&rejects, "reason")[0].starts_with("duplicate doc_id"));
    let obs = read(&out.join("observations.parquet"));
    let idx: Vec<i32> = obs
        .column("obs_idx")
        .unwrap()
        .i32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let first = read(&out.join("documents.parquet"));
    let n = first
        .column("n_observations")
        .unwrap()
        .i32()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(idx, (0..n).collect::<Vec<_>>(), "one document's rows, once");
    // The reject names the file apart from the first.
    assert!(
        strs(&rejects, "source")[0].ends_with("b\\xFF.txt"),
        "{rejects}"
    );
}

#[cfg(unix)]
#[test]
fn the_deltas_spill_holds_few_files_open_whatever_the_provinces() {
    let (_tmp, input, out) = in_and_out();
    // 300 distinct provinces in the records' metadata, under a limit of 64 open files.
    let lines: String = (0..300)
        .map(|i| {
            let record = serde_json::json!({"id": format!("d{i}"), "province": format!("Miền {i}"), "text": GOOD});
            format!("{record}\n")
        })
        .collect();
    fs::write(input.join("c.jsonl"), lines).unwrap();
    let o = Command::new("sh")
        .current_dir(root())
        .args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_solieu"))
        .args([
            "run",
            "-i",
            p(&input),
            "-o",
            p(&out),
            "-q",
            "--threads",
            "1",
        ])
        .env("SOLIEU_BATCH_DOCUMENTS", "50")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let deltas = read(&out.join("deltas.parquet"));
    let mut provinces = strs(&deltas, "province");
    provinces.dedup();
    assert!(provinces.len() >= 250, "{}", provinces.len());
}

/// A name glued to a province name (`ThuỳBình Định`) made extraction panic before main's
/// rules changed; the test checks what a run says either way, and the pipeline's own unit
/// test (`ingest::tests`) drives a panic through the guard.
const GLUED: &str = "Chị ThuỳBình Định báo tin: bắt 5 vụ.\n";

#[test]
fn a_panic_is_one_warning_line_per_document_and_counted() {
    let (_tmp, input, out) = in_and_out();
    fs::write(input.join("good.txt"), GOOD).unwrap();
    fs::write(input.join("glued.txt"), GLUED).unwrap();
    for quiet in [true, false] {
        let mut args = vec!["run", "-i", p(&input), "-o", p(&out), "--allow-shrink"];
        if quiet {
            args.push("-q");
        }
        let o = Command::new(env!("CARGO_BIN_EXE_solieu"))
            .current_dir(root())
            .args(&args)
            .args(["--full-refresh"])
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        let rejects = read(&out.join("rejects.parquet"));
        let internal = strs(&rejects, "reason")
            .iter()
            .filter(|r| r.starts_with("internal error"))
            .count();
        let warnings: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("internal error:"))
            .collect();
        assert_eq!(warnings.len(), internal, "{err}");
        assert!(warnings
            .iter()
            .all(|w| w.starts_with("solieu: warning: ") && w.contains("glued.txt")));
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{err}"
        );
        let lines = err.lines().count();
        if quiet {
            assert_eq!(lines, internal, "only the warnings: {err}");
        } else if internal > 0 {
            assert!(
                err.contains(&format!("{internal} internal errors")),
                "{err}"
            );
        }
    }
}

#[test]
fn explain_exits_0_1_or_2_and_prints_no_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let glued = tmp.path().join("glued.txt");
    fs::write(&glued, GLUED).unwrap();
    let o = solieu(&["explain", p(&glued), "--color", "never"]);
    assert!(matches!(o.status.code(), Some(0..=2)), "{:?}", o.status);
    // An id and a text with terminal escapes: an OSC 52 clipboard write and a screen clear.
    let jsonl = tmp.path().join("c.jsonl");
    let record = serde_json::json!({
        "id": "x\u{1b}]52;c;ZWNobyBoaQ==\u{7}",
        "title": "\u{1b}[2JTin",
        "text": "Năm 2024, Công an huyện\u{9b}31m đã phát hiện 14 vụ.",
    });
    fs::write(&jsonl, format!("{record}\n")).unwrap();
    let o = solieu(&[
        "explain",
        p(&jsonl),
        "--doc",
        "x\u{1b}]52;c;ZWNobyBoaQ==\u{7}",
        "--color",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains("14 vụ"), "{shown}");
    assert!(
        !shown.chars().any(|c| c.is_control() && c != '\n'),
        "{shown:?}"
    );
}

#[test]
fn a_wrong_format_flag_is_blamed_on_the_flag_and_points_to_input_format() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = solieu(&["run", "-o", p(&out), "--format", "jsonl"]);
    one_line_exit_2(&o, &["--format", "`jsonl`", "--input-format"]);
    assert!(!stderr(&o).contains("default.toml"), "{}", stderr(&o));
}
