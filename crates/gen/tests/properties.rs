//! Property tests: generated documents go through the real pipeline (ingest → frames →
//! transform), and every gold row must come out with all its attributes, in text order, with
//! nothing else; spans must sit on char boundaries and cut out the mention.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::*;
use solieu_gen::{diff_rows, GenDoc, Generator, Obs, Templates};
use solieu_ingest::{ingest, to_frames, DocDefaults, Gazetteer, Lexicon, Record};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn setup(seed: u64) -> (Generator, Lexicon) {
    let lex = Lexicon::load(&root().join("pipelines/lexicon")).expect("lexicon loads");
    // SOLIEU_GEN_FRAMES tries another frames file (an analyst's draft) against the pipeline.
    let frames = std::env::var_os("SOLIEU_GEN_FRAMES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("pipelines/gen/frames.toml"));
    let furniture = root().join("pipelines/gen/furniture.toml");
    let t = Templates::load(&frames, &furniture, &lex).expect("frames load");
    (Generator::new(t, seed), lex)
}

/// A document's province, report_year, event_date (days) and title as the pipeline wrote them.
type DocFields = (Option<String>, Option<i32>, Option<i32>, Option<String>);

/// What the pipeline made of a batch: per doc_id, its document fields and rows.
struct Out {
    docs: HashMap<String, DocFields>,
    rows: HashMap<String, Vec<Obs>>,
}

fn s(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c)
        .expect("column")
        .str()
        .expect("string column")
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn f(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    df.column(c)
        .expect("column")
        .f64()
        .expect("f64")
        .iter()
        .collect()
}

fn i(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
    let col = df
        .column(c)
        .expect("column")
        .cast(&DataType::Int64)
        .expect("int");
    col.i64().expect("i64").iter().collect()
}

fn run_pipeline(docs: &[GenDoc], lex: &Lexicon) -> Out {
    let gaz = Gazetteer::new(lex);
    let ingested: Vec<_> = docs
        .iter()
        .map(|d| {
            let record = Record {
                doc_id: d.doc_id.clone(),
                source: format!("{}.txt", d.doc_id),
                bytes: d.text.as_bytes().to_vec().into(),
                url: None,
                title: None,
                date: None,
                province: None,
            };
            ingest(&record, lex, &gaz, &DocDefaults::default())
                .expect("a generated document ingests")
        })
        .collect();
    let staged = to_frames(&ingested, &[]).expect("frames");
    let data = solieu_transform::transform(staged, lex).expect("transform");
    let d = &data.documents;
    let event: Vec<Option<i32>> = d
        .column("event_date")
        .expect("event_date")
        .cast(&DataType::Int32)
        .expect("days")
        .i32()
        .expect("i32")
        .iter()
        .collect();
    let mut out_docs = HashMap::new();
    for (k, id) in s(d, "doc_id").into_iter().enumerate() {
        out_docs.insert(
            id.unwrap_or_default(),
            (
                s(d, "province")[k].clone(),
                i(d, "report_year")[k].map(|y| y as i32),
                event[k],
                s(d, "title")[k].clone(),
            ),
        );
    }
    let o = &data.observations;
    let (ids, mention, measure, unit, qualifier, topic, action, period, dir, cunit, baseline) = (
        s(o, "doc_id"),
        s(o, "mention"),
        s(o, "measure"),
        s(o, "unit"),
        s(o, "qualifier"),
        s(o, "topic"),
        s(o, "action"),
        s(o, "period"),
        s(o, "change_direction"),
        s(o, "change_unit"),
        s(o, "baseline"),
    );
    let (value, denominator, cvalue) = (f(o, "value"), f(o, "denominator"), f(o, "change_value"));
    let (year, start, end) = (i(o, "year"), i(o, "span_start"), i(o, "span_end"));
    let mut rows: HashMap<String, Vec<Obs>> = HashMap::new();
    for (k, id) in ids.iter().enumerate() {
        rows.entry(id.clone().unwrap_or_default())
            .or_default()
            .push(Obs {
                value: value[k].unwrap_or(f64::NAN),
                unit: unit[k].clone().unwrap_or_default(),
                measure: measure[k].clone().unwrap_or_default(),
                denominator: denominator[k],
                qualifier: qualifier[k].clone().unwrap_or_default(),
                topic: topic[k].clone(),
                action: action[k].clone(),
                year: year[k].map(|y| y as i32),
                period: period[k].clone(),
                change_direction: dir[k].clone(),
                change_value: cvalue[k],
                change_unit: cunit[k].clone(),
                baseline: baseline[k].clone(),
                mention: mention[k].clone().unwrap_or_default(),
                span_start: start[k].unwrap_or(-1) as usize,
                span_end: end[k].unwrap_or(-1) as usize,
            });
    }
    Out {
        docs: out_docs,
        rows,
    }
}

/// The paragraph around a byte offset, to show what failed.
fn paragraph_at(text: &str, at: usize) -> &str {
    let start = text[..at.min(text.len())]
        .rfind("\n\n")
        .map_or(0, |p| p + 2);
    let end = text[at.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |p| at + p);
    &text[start..end]
}

/// Checks one generated document against the pipeline's output; returns what differs.
fn check_doc(d: &GenDoc, out: &Out) -> Vec<String> {
    let mut problems = Vec::new();
    let g = &d.gold;
    assert_eq!(
        solieu_ingest::normalize(&d.text),
        d.text.trim_end(),
        "generated text is already normalised, so gold spans are spans of the normalised text"
    );
    for o in &g.observations {
        assert!(
            d.text.is_char_boundary(o.span_start) && d.text.is_char_boundary(o.span_end),
            "{}: gold span {}..{} not on char boundaries",
            d.doc_id,
            o.span_start,
            o.span_end
        );
        assert_eq!(
            &d.text[o.span_start..o.span_end],
            o.mention,
            "{}: gold span",
            d.doc_id
        );
    }
    let got = out.rows.get(&d.doc_id).cloned().unwrap_or_default();
    for o in &got {
        let ok = d.text.is_char_boundary(o.span_start)
            && d.text.is_char_boundary(o.span_end)
            && d.text.get(o.span_start..o.span_end) == Some(o.mention.as_str());
        assert!(
            ok,
            "{}: output span {}..{} does not cut out «{}»",
            d.doc_id, o.span_start, o.span_end, o.mention
        );
    }
    for diff in diff_rows(&g.observations, &got) {
        let at = diff
            .split('«')
            .nth(1)
            .and_then(|m| m.split('»').next())
            .and_then(|m| d.text.find(m))
            .unwrap_or(0);
        problems.push(format!(
            "{}: {diff}\n    ¶ {}",
            d.doc_id,
            paragraph_at(&d.text, at)
        ));
    }
    let (province, year, event, title) = out.docs.get(&d.doc_id).cloned().unwrap_or_default();
    let days = solieu_ingest::Date::parse_iso(&g.event_date).map(|x| x.days_since_epoch());
    if province.as_deref() != Some(g.province.as_str())
        || year != Some(g.report_year)
        || event != days
        || title.as_deref() != Some(g.title.as_str())
    {
        problems.push(format!(
            "{}: document fields: gold ({}, {}, {}, {}) got ({province:?}, {year:?}, {event:?}, {title:?})",
            d.doc_id, g.province, g.report_year, g.event_date, g.title
        ));
    }
    problems
}

fn check_many(seed: u64, n: u64, batch: u64) -> (Vec<String>, usize) {
    let (gen, lex) = setup(seed);
    let mut problems = Vec::new();
    let mut rows = 0;
    let mut at = 0;
    while at < n {
        let docs: Vec<GenDoc> = (at..(at + batch).min(n)).map(|k| gen.doc(k)).collect();
        let out = run_pipeline(&docs, &lex);
        for d in &docs {
            rows += d.gold.observations.len();
            problems.extend(check_doc(d, &out));
        }
        at += batch;
    }
    (problems, rows)
}

#[test]
fn ten_thousand_documents_come_out_exactly_as_generated() {
    let started = Instant::now();
    let n = std::env::var("SOLIEU_GEN_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed = std::env::var("SOLIEU_GEN_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_240_101);
    let (problems, rows) = check_many(seed, n, 1000);
    eprintln!(
        "{n} documents, {rows} gold rows, {} problems in {:.1} s",
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    let shown = std::env::var("SOLIEU_GEN_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for p in problems.iter().take(shown) {
        eprintln!("{p}");
    }
    assert!(
        rows >= 5 * n as usize,
        "documents should hold several figures each"
    );
    assert!(
        problems.is_empty(),
        "{} rows differ from the gold",
        problems.len()
    );
}

#[test]
fn the_same_seed_gives_the_same_documents() {
    let (a, _) = setup(7);
    let (b, _) = setup(7);
    let (c, _) = setup(8);
    for k in [0, 1, 99] {
        assert_eq!(a.doc(k).text, b.doc(k).text);
        assert_eq!(a.doc(k).gold, b.doc(k).gold);
    }
    assert_ne!(a.doc(0).text, c.doc(0).text);
}

#[test]
fn a_wrong_gold_is_caught() {
    let (gen, lex) = setup(3);
    let docs: Vec<GenDoc> = (0..20).map(|k| gen.doc(k)).collect();
    let out = run_pipeline(&docs, &lex);
    let mut d = docs[0].clone();
    assert!(check_doc(&d, &out).is_empty(), "the true gold passes");
    let mut wrong = d.clone();
    wrong.gold.observations[0].value += 1.0;
    assert!(
        !check_doc(&wrong, &out).is_empty(),
        "a wrong value is caught"
    );
    let mut wrong = d.clone();
    wrong.gold.observations[0].topic = Some("fire".into());
    wrong.gold.observations[0].action = None;
    assert!(
        !check_doc(&wrong, &out).is_empty(),
        "a wrong topic is caught"
    );
    let mut wrong = d.clone();
    wrong.gold.observations.pop();
    assert!(
        !check_doc(&wrong, &out).is_empty(),
        "an extra row is caught"
    );
    d.gold.observations[0].year = Some(1999);
    assert!(!check_doc(&d, &out).is_empty(), "a wrong year is caught");
}

#[test]
fn undated_documents_open_with_a_page_dateline_that_decides_their_year() {
    let (gen, _) = setup(11);
    let weekdays = &gen.templates().furniture.undated.weekdays;
    let mut seen = (0, 0);
    for k in 0..400 {
        let d = gen.doc(k);
        let first = d.text.lines().next().unwrap_or_default();
        // `date 2023-06` or `Thứ Sáu, 20/01/2023, 10:39 [GMT+7]`.
        let (year, month, weekday_ok) = if let Some(rest) = first.strip_prefix("date ") {
            let (y, m) = rest.split_once('-').expect("date YYYY-MM");
            (y.parse::<i32>().ok(), m.parse::<u32>().ok(), true)
        } else if first.ends_with("[GMT+7]") {
            let (weekday, rest) = first.split_once(", ").expect("weekday, date");
            let mut dmy = rest.split(',').next().unwrap_or_default().split('/');
            let (day, month, year) = (
                dmy.next().and_then(|x| x.parse::<u32>().ok()),
                dmy.next().and_then(|x| x.parse::<u32>().ok()),
                dmy.next().and_then(|x| x.parse::<i32>().ok()),
            );
            let date = solieu_ingest::Date::new(
                year.unwrap_or_default(),
                month.unwrap_or_default(),
                day.unwrap_or_default(),
            )
            .expect("a real date");
            let k = date.days_since_epoch().rem_euclid(7) as usize;
            (year, month, weekdays[k] == weekday)
        } else {
            continue;
        };
        let (year, month) = (year.expect("year"), month.expect("month"));
        assert!(weekday_ok, "{}: weekday of «{first}»", d.doc_id);
        // An annual review in January or February speaks of the year just past.
        let review = month <= 2;
        assert_eq!(
            d.gold.report_year,
            if review { year - 1 } else { year },
            "{}",
            d.doc_id
        );
        assert_eq!(d.text.contains("năm qua"), review, "{}", d.doc_id);
        if review {
            seen.0 += 1;
        } else {
            seen.1 += 1;
        }
    }
    assert!(seen.0 > 10 && seen.1 > 10, "both kinds are drawn: {seen:?}");
}
