//! The transform stage on documents ingested from sentences written for the test.

use polars::prelude::*;
use solieu_ingest::{ingest, to_frames, DocDefaults, Gazetteer};
use solieu_transform::transform;

mod common;
use common::{lexicon, record};

fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name).unwrap().f64().unwrap().iter().collect()
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

#[test]
fn values_units_changes_and_deltas() {
    let lex = lexicon();
    let gaz = Gazetteer::new(&lex);
    let texts = [
        ("a", "Năm 2022, Công an tỉnh Lai Châu bắt giữ 120 đối tượng về ma túy, thu giữ 350 gam heroin và khoảng 1,5 tỷ đồng."),
        ("b", "Năm 2023, Công an tỉnh Lai Châu bắt giữ 150 đối tượng về ma túy, tăng 30 đối tượng so với năm 2022."),
        ("c", "Năm 2023, tội phạm về trật tự xã hội giảm 12,5% so với cùng kỳ."),
    ];
    let docs: Vec<_> = texts
        .iter()
        .map(|(id, t)| ingest(&record(id, t), &lex, &gaz, &DocDefaults::default()).unwrap())
        .collect();
    let data = transform(to_frames(&docs, &[]).unwrap(), &lex).unwrap();
    let obs = &data.observations;
    assert_eq!(
        floats(obs, "value"),
        vec![
            Some(120.0),
            Some(0.35),
            Some(1.5e9),
            Some(150.0),
            Some(12.5)
        ]
    );
    assert_eq!(
        strs(obs, "unit"),
        ["suspect", "kg", "vnd", "suspect", "percent"].map(|s| Some(s.to_string()))
    );
    assert_eq!(strs(obs, "qualifier")[2].as_deref(), Some("about"));
    // 150, tăng 30 so với năm 2022: baseline 120, +25 %.
    assert_eq!(floats(obs, "baseline_value")[3], Some(120.0));
    assert_eq!(floats(obs, "pct_change")[3], Some(25.0));
    // A change row: its value is the change, signed in pct_change.
    assert_eq!(strs(obs, "measure")[4].as_deref(), Some("change"));
    assert_eq!(floats(obs, "change_value")[4], Some(12.5));
    assert_eq!(floats(obs, "pct_change")[4], Some(-12.5));
    assert_eq!(strs(obs, "baseline")[4].as_deref(), Some("same_period"));

    let d = &data.deltas;
    let arrested: Vec<(Option<String>, Option<f64>, Option<bool>)> = strs(d, "doc_id")
        .into_iter()
        .zip(floats(d, "prev_value"))
        .zip(d.column("consistent").unwrap().bool().unwrap().iter())
        .filter(|((id, _), _)| id.as_deref() == Some("b"))
        .map(|((id, p), c)| (id, p, c))
        .collect();
    assert_eq!(arrested, vec![(Some("b".into()), Some(120.0), Some(true))]);
    assert_eq!(
        data.documents
            .column("n_observations")
            .unwrap()
            .i32()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(3), Some(1), Some(1)]
    );
}

#[test]
fn a_word_is_read_by_its_context() {
    let lex = lexicon();
    let gaz = Gazetteer::new(&lex);
    let text = "Năm 2023, người dân cung cấp 300 tin về tội phạm; báo đăng tải 120 tin bài. Lực lượng chức năng tạm giữ 113 xe, 5 đối tượng.";
    let doc = ingest(&record("a", text), &lex, &gaz, &DocDefaults::default()).unwrap();
    let data = transform(to_frames(&[doc], &[]).unwrap(), &lex).unwrap();
    let obs = &data.observations;
    assert_eq!(
        strs(obs, "unit"),
        ["tip", "document", "vehicle", "suspect"].map(|s| Some(s.to_string()))
    );
    assert_eq!(
        strs(obs, "action")[2..],
        ["seized", "arrested"].map(|s| Some(s.to_string()))
    );
}

#[test]
fn many_reports_of_one_year_give_one_point_each_year() {
    let lex = lexicon();
    let gaz = Gazetteer::new(&lex);
    let docs: Vec<_> = (0..6)
        .map(|i| {
            let year = 2022 + i / 3;
            let text = format!(
                "Năm {year}, Công an tỉnh Lai Châu bắt giữ {} đối tượng về ma túy.",
                100 + i
            );
            ingest(
                &record(&format!("d{i}"), &text),
                &lex,
                &gaz,
                &DocDefaults::default(),
            )
            .unwrap()
        })
        .collect();
    let data = transform(to_frames(&docs, &[]).unwrap(), &lex).unwrap();
    let d = &data.deltas;
    // Two points, not six rows (nor 3 × 3 joined): without dates, the last doc_id is the latest.
    assert_eq!(d.height(), 2, "{d:?}");
    assert_eq!(floats(d, "value"), [Some(102.0), Some(105.0)]);
    assert_eq!(strs(d, "doc_id"), [Some("d2".into()), Some("d5".into())]);
    assert_eq!(strs(d, "prev_doc_id"), [None, Some("d2".into())]);
    let n_values: Vec<_> = d
        .column("n_values")
        .unwrap()
        .i32()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(n_values, [Some(3), Some(3)]);
}

#[test]
fn documents_link_back_to_the_record_and_give_its_publication_date() {
    let lex = lexicon();
    let gaz = Gazetteer::new(&lex);
    let text = "Năm 2023, Công an tỉnh Lai Châu bắt giữ 150 đối tượng về ma túy.";
    let mut from_corpus = record("c1", text);
    from_corpus.url = Some("https://example.org/bai-viet/c1".into());
    from_corpus.date = Some("2024-01-15".into());
    let dated = format!("Thứ Sáu, 20/01/2023, 10:39 [GMT+7]\n{text}");
    let docs: Vec<_> = [
        from_corpus,
        record("plain", text),
        record("dateline", &dated),
    ]
    .iter()
    .map(|r| ingest(r, &lex, &gaz, &DocDefaults::default()).unwrap())
    .collect();
    let data = transform(to_frames(&docs, &[]).unwrap(), &lex).unwrap();
    let d = &data.documents;
    assert_eq!(
        strs(d, "url"),
        [Some("https://example.org/bai-viet/c1".into()), None, None]
    );
    let published = d
        .column("published")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    let published: Vec<_> = published.str().unwrap().iter().collect();
    // The record's date, else the dateline the text opens with.
    assert_eq!(published, [Some("2024-01-15"), None, Some("2023-01-20")]);
}
