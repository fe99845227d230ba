//! Arbitrary bytes through ingest: decoding, normalising, JSONL/CSV record parsing and
//! extraction must never panic, and every mention's span must be the mention in the
//! normalised text. The first byte picks how the rest is read: as a text file, a JSONL or CSV
//! corpus, or as a string of pieces reports are made of (province names and spellings that fold
//! to another length, datelines, page headers, headings, figures), one piece per byte, which
//! reaches the document fields that random bytes seldom do.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use solieu_ingest::{
    decode, ingest, normalize, parse_records, DocDefaults, Gazetteer, InputFormatKey, Lexicon,
};

fn lexicon() -> &'static (Lexicon, Gazetteer, DocDefaults) {
    static LEX: OnceLock<(Lexicon, Gazetteer, DocDefaults)> = OnceLock::new();
    LEX.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../pipelines/lexicon");
        let lex = Lexicon::load(&dir).expect("the bundled lexicon loads");
        let gaz = Gazetteer::new(&lex);
        let defaults = DocDefaults {
            province: None,
            report_year: Some(2023),
        };
        (lex, gaz, defaults)
    })
}

fuzz_target!(|data: &[u8]| {
    let (lex, gaz, defaults) = lexicon();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (format, bytes) = match mode % 4 {
        0 => (InputFormatKey::Text, rest.to_vec()),
        1 => (InputFormatKey::Jsonl, rest.to_vec()),
        2 => (InputFormatKey::Csv, rest.to_vec()),
        _ => (InputFormatKey::Text, pieces(rest).into_bytes()),
    };
    for record in parse_records(format, &bytes, "fuzz").into_iter().flatten() {
        let Ok(doc) = ingest(&record, lex, gaz, defaults) else {
            continue;
        };
        let text = normalize(&decode(&record.bytes).expect("ingest decoded it"));
        for m in &doc.mentions {
            assert_eq!(
                text.get(m.span_start..m.span_end),
                Some(m.mention.as_str()),
                "span of {m:?}"
            );
        }
    }
});

/// Pieces of report text: province names and spellings whose folded form is not the length of
/// the text (`Quỳnh`, `khoẽ`, `İ`), datelines, page headers, headings and figures.
const PIECES: &[&str] = &[
    "Công an tỉnh ",
    "Thừa Thiên Huế",
    "HUẾ",
    "Quỳnh",
    "khoẽ",
    "İ",
    "Hoà Bình",
    "TP.HCM",
    "Bà Rịa - Vũng Tàu",
    "ĐẮK LẮK",
    "Hà Giang",
    " date 2019-12",
    "Thứ Sáu, 20/01/2023, 10:39 [GMT+7]",
    "image banner",
    "Sáng 18/1",
    "II. Kết quả",
    "Số vụ phạm tội về ma túy:",
    "Năm 2023",
    "năm qua",
    "so với cùng kỳ năm 2022",
    "khởi tố 12 vụ",
    "bắt giữ 1.213 đối tượng",
    "giảm 17,3%",
    "(tăng 20%)",
    ", ",
    ". ",
    "\n",
    "\n\n",
];

/// Text made of [`PIECES`], one per byte.
fn pieces(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| PIECES[usize::from(b) % PIECES.len()])
        .collect()
}
