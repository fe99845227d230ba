//! Arbitrary bytes through ingest: decoding, normalising, JSONL/CSV record parsing and
//! extraction must never panic, and every mention's span must be the mention in the
//! normalised text. The first byte picks how the rest is read.
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
    let format = match mode % 3 {
        0 => InputFormatKey::Text,
        1 => InputFormatKey::Jsonl,
        _ => InputFormatKey::Csv,
    };
    for record in parse_records(format, rest, "fuzz").into_iter().flatten() {
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
