//! Property tests: `ingest` never panics on any text, and every mention's span lies on
//! character boundaries of the normalised text and is exactly the mention. Two generators: any
//! Unicode string, and text assembled from the pieces reports are made of (Vietnamese numbers,
//! unit words, verbs, changes, HTML leftovers, combining marks), which reaches deep into the
//! extraction rules.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use solieu_ingest::{
    decode, ingest, ingest_prepared, normalize, prepare, DocDefaults, Gazetteer, Lexicon, Record,
    RecordText,
};

fn lexicon() -> &'static (Lexicon, Gazetteer) {
    static LEX: OnceLock<(Lexicon, Gazetteer)> = OnceLock::new();
    LEX.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
        let lex = Lexicon::load(&dir).expect("the bundled lexicon loads");
        let gaz = Gazetteer::new(&lex);
        (lex, gaz)
    })
}

fn record(bytes: Vec<u8>) -> Record {
    Record {
        doc_id: "p".into(),
        source: "prop".into(),
        bytes: bytes.into(),
        url: None,
        title: None,
        date: Some("2024-02-30".into()),
        province: None,
    }
}

/// Ingests `text` and checks every span; proptest reports the input if anything panics.
fn check(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let (lex, gaz) = lexicon();
    let defaults = DocDefaults {
        province: Some("Bắc Giang".into()),
        report_year: Some(2023),
    };
    let rec = record(bytes);
    let ingested = ingest(&rec, lex, gaz, &defaults);
    // The two steps a streamed run may take on two threads give what `ingest` gives.
    let in_steps = prepare(rec.clone()).and_then(|p| ingest_prepared(&p, lex, gaz, &defaults));
    prop_assert_eq!(&in_steps, &ingested);
    // And so does a corpus string of the same text, prepared in place.
    if let Ok(text) = std::str::from_utf8(&rec.bytes) {
        let mut from_corpus = rec.clone();
        from_corpus.bytes = RecordText::Utf8(text.to_string());
        let in_steps = prepare(from_corpus).and_then(|p| ingest_prepared(&p, lex, gaz, &defaults));
        prop_assert_eq!(&in_steps, &ingested);
    }
    let Ok(doc) = ingested else {
        return Ok(()); // a reject is a fine answer; a panic is not
    };
    let text = normalize(&decode(&rec.bytes).map_err(|e| TestCaseError::fail(e.to_string()))?);
    for m in &doc.mentions {
        prop_assert!(
            m.span_start <= m.span_end && m.span_end <= text.len(),
            "{m:?}"
        );
        prop_assert!(text.is_char_boundary(m.span_start), "{m:?}");
        prop_assert!(text.is_char_boundary(m.span_end), "{m:?}");
        prop_assert_eq!(&text[m.span_start..m.span_end], m.mention.as_str());
    }
    Ok(())
}

/// A text a corpus format has decoded already is prepared exactly as the same bytes read from
/// a file: its string kept when it is normal, normalised when it is not, rejected alike.
fn same_prepared(text: String) -> Result<(), TestCaseError> {
    let from_file = prepare(record(text.clone().into_bytes()));
    let mut from_corpus = record(Vec::new());
    from_corpus.bytes = RecordText::Utf8(text);
    prop_assert_eq!(prepare(from_corpus), from_file);
    Ok(())
}

/// Pieces of report text, odd ones included.
const PIECES: &[&str] = &[
    "1.213",
    "17,3",
    "07",
    "2023",
    "2.446",
    "0",
    "1,5",
    "10/02/2023",
    "217/220",
    "9.999.999",
    "99999999999999999999",
    "vụ",
    "vụ án",
    "đối tượng",
    "bị can",
    "người",
    "xã",
    "kg",
    "gam",
    "tỷ đồng",
    "triệu",
    "nghìn",
    "%",
    "lần",
    "ha",
    "khởi tố",
    "bắt giữ",
    "phát hiện",
    "xử lý",
    "thu giữ",
    "được",
    "tặng",
    "Bằng khen",
    "giảm",
    "tăng",
    "hơn",
    "gần",
    "khoảng",
    "trên",
    "so với năm 2022",
    "so với cùng kỳ",
    "(",
    ")",
    "-",
    "/",
    ",",
    ".",
    ";",
    ":",
    "\n",
    "\n\n",
    "năm",
    "Năm 2024",
    "6 tháng đầu năm 2023",
    "quý I/2025",
    "từ tháng 10/2022 đến tháng 9/2023",
    "ma túy",
    "trật tự xã hội",
    "tội phạm",
    "Chỉ thị 09-CT/TW",
    "Ban Chỉ đạo 138",
    "tuổi",
    "Công an tỉnh",
    "Thanh Hóa",
    // Province names and the spellings around them whose folded form is not the length of the
    // text (`uỳ` → `ùy`, `oẽ` → `õe`, `İ`), which once put the gazetteer off its offsets.
    "Quỳnh",
    "khoẽ",
    "Thừa Thiên Huế",
    "HUẾ",
    "Hoà Bình",
    "TP.HCM",
    "Bà Rịa - Vũng Tàu",
    "ĐẮK LẮK",
    "tỉnh",
    // Datelines, page headers and headings, which the document fields read.
    " date 2019-12",
    "Thứ Sáu, 20/01/2023, 10:39 [GMT+7]",
    "image banner",
    "II.",
    "Số vụ phạm tội về ma túy:",
    "Sáng 18/1",
    "hai mươi",
    "một",
    "<p>",
    "</p>",
    "&nbsp;",
    "&#8203;",
    "&#",
    "\u{301}",
    "\u{323}",
    "\u{200b}",
    "\u{feff}",
    "\0",
    "\u{a0}",
    "\r\n",
    "\t",
    "tu\u{301}y",
    "Ư",
    "𝟙",
    "١٢",
    "²",
    "½",
    "ǅ",
    "İ",
    "ß",
    "ﬁ",
];

fn report_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(PIECES),
            prop::sample::select(&[" ", "", " ", "  "][..]),
        ),
        0..80,
    )
    .prop_map(|parts| parts.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_unicode_text(text in any::<String>()) {
        check(text.into_bytes())?;
    }

    #[test]
    fn report_like_text(text in report_like()) {
        check(text.into_bytes())?;
    }

    #[test]
    fn corpus_text_prepared_as_file_bytes(text in report_like()) {
        same_prepared(text)?;
    }

    #[test]
    fn any_corpus_text_prepared_as_file_bytes(text in any::<String>()) {
        same_prepared(text)?;
    }

    #[test]
    fn any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(bytes)?;
    }
}
