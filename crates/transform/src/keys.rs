//! Lexicon lookups: every raw word of a mention is looked up by its folded form (case and tone
//! placement ignored) in the lexicon's tables; numbers are parsed as vi-VN.
//!
//! A lookup gives each mention what a left join on the folded form would: the values of the
//! table's row for that form, or nulls. It is done in Rust rather than as polars joins: a batch
//! has few distinct words per column (a hundred units among tens of thousands of mentions), so
//! each distinct word is folded and looked up once, and the values gathered by row, where each
//! join re-gathered every column of the batch.

use std::collections::HashMap;

use polars::prelude::*;
use solieu_ingest::{fold, Lexicon};

use crate::number::parse_number;

/// The raw number columns of a mention and the parsed column each becomes.
const NUMBERS: [(&str, &str); 3] = [
    ("number_raw", "number"),
    ("denominator_raw", "denominator"),
    ("change_number_raw", "change_number"),
];

/// The number words of the lexicon by folded form (`hai mươi` → 20).
fn number_words(lex: &Lexicon) -> HashMap<String, f64> {
    lex.number_word_rows
        .iter()
        .map(|r| (fold(&r.form), r.value))
        .collect()
}

/// Adds the parsed numbers, each distinct raw number parsed once.
fn with_numbers(mentions: &mut DataFrame, words: &HashMap<String, f64>) -> PolarsResult<()> {
    for (raw, out) in NUMBERS {
        let numbers: Float64Chunked = once_per_key(mentions.column(raw)?.str()?.iter(), |v| {
            parse_number(v, words)
        })
        .collect();
        mentions.with_column(numbers.with_name(out.into()).into_column())?;
    }
    Ok(())
}

/// One lexicon table: the mention column it reads, its forms' rows (folded; the first row of
/// a form wins, so an analyst's earlier row takes precedence over a later duplicate) and the
/// values of each row.
struct Table {
    raw: &'static str,
    rows: PlHashMap<String, IdxSize>,
    values: DataFrame,
}

impl Table {
    /// A table of `forms` with `values` (one column per value, a row per form).
    fn new(raw: &'static str, forms: &[&str], values: Vec<Column>) -> PolarsResult<Table> {
        let mut rows = PlHashMap::new();
        for (i, form) in forms.iter().enumerate() {
            rows.entry(fold(form)).or_insert(i as IdxSize);
        }
        Ok(Table {
            raw,
            rows,
            values: DataFrame::new(forms.len(), values)?,
        })
    }

    /// The values of each mention's row, null where its word is null or not in the table.
    fn values_of(&self, mentions: &DataFrame) -> PolarsResult<DataFrame> {
        let idx: IdxCa = once_per_key(mentions.column(self.raw)?.str()?.iter(), |v| {
            self.rows.get(fold(v).as_str()).copied()
        })
        .collect();
        self.values.take(&idx)
    }
}

/// The lexicon's lookup tables, built once per run and looked up for every batch.
pub(crate) struct Lookups {
    /// The number words by folded form, for numbers written in words.
    number_words: HashMap<String, f64>,
    /// Each table, in lookup order.
    tables: Vec<Table>,
    /// The words read by their context (`unit_readings.csv`): folded unit form → action → unit.
    unit_readings: Readings,
    /// (`action_readings.csv`): folded verb form → unit → action.
    action_readings: Readings,
}

/// A two-key lookup: folded form → other key → value.
type Readings = PlHashMap<String, PlHashMap<String, String>>;

impl Lookups {
    pub(crate) fn new(lex: &Lexicon) -> PolarsResult<Lookups> {
        Ok(Lookups {
            number_words: number_words(lex),
            tables: tables(lex)?,
            unit_readings: readings(
                lex.unit_reading_rows
                    .iter()
                    .map(|r| (&r.form, &r.action, &r.unit)),
            ),
            action_readings: readings(
                lex.action_reading_rows
                    .iter()
                    .map(|r| (&r.form, &r.unit, &r.action)),
            ),
        })
    }

    /// Adds the parsed numbers and every table's values: canonical units (also of the
    /// change), multipliers, qualifiers, actions, topics and change directions; then the words
    /// read by their context.
    pub(crate) fn look_up(&self, mentions: &mut DataFrame) -> PolarsResult<()> {
        with_numbers(mentions, &self.number_words)?;
        for table in &self.tables {
            let values = table.values_of(mentions)?;
            for c in values.columns() {
                mentions.with_column(c.clone())?;
            }
        }
        self.apply_readings(mentions)
    }

    /// The words read by their context: the unit first (by the unit word and the action),
    /// then the verb by that unit.
    fn apply_readings(&self, mentions: &mut DataFrame) -> PolarsResult<()> {
        // (the readings, the word read, the key beside it, the plain value, the column the
        // reading goes to): the unit is the canonical unit unless read otherwise.
        let steps = [
            (
                &self.unit_readings,
                "unit_raw",
                "action",
                "unit_canonical",
                "unit",
            ),
            (
                &self.action_readings,
                "action_raw",
                "unit",
                "action",
                "action",
            ),
        ];
        for (readings, raw, other, plain, out) in steps {
            let column = |name: &str| mentions.column(name).and_then(|c| c.str());
            let read = read(readings, column(raw)?, column(other)?, column(plain)?);
            mentions.with_column(read.with_name(out.into()).into_column())?;
        }
        Ok(())
    }
}

/// Each row's reading of its `raw` word (folded) beside `other`, or `plain` where there is
/// none (a null word or other key matches nothing).
fn read(
    readings: &Readings,
    raw: &StringChunked,
    other: &StringChunked,
    plain: &StringChunked,
) -> StringChunked {
    let pairs = raw.iter().zip(other.iter()).map(|(r, o)| r.zip(o));
    once_per_key(pairs, |(r, o)| {
        Some(readings.get(fold(r).as_str())?.get(o)?.as_str())
    })
    .zip(plain.iter())
    .map(|(reading, plain)| reading.or(plain))
    .collect()
}

/// `answer` of each key (none for a null), asked once per distinct key: a batch repeats a few
/// words across thousands of mentions, and an answer folds its word.
fn once_per_key<K: std::hash::Hash + Eq + Copy, V: Copy>(
    keys: impl Iterator<Item = Option<K>>,
    mut answer: impl FnMut(K) -> Option<V>,
) -> impl Iterator<Item = Option<V>> {
    let mut known: PlHashMap<K, Option<V>> = PlHashMap::new();
    keys.map(move |key| {
        let key = key?;
        *known.entry(key).or_insert_with(|| answer(key))
    })
}

/// The (form, value) rows of a lexicon file a word lookup is built from.
type Entries<'a> = Vec<(&'a str, AnyValue<'a>)>;

/// Each lexicon lookup table, in lookup order.
fn tables(lex: &Lexicon) -> PolarsResult<Vec<Table>> {
    let multipliers = || {
        lex.multiplier_rows
            .iter()
            .map(|r| (r.form.as_str(), AnyValue::Float64(r.factor)))
            .collect()
    };
    let words: [(&'static str, &str, Entries); 6] = [
        ("multiplier_raw", "multiplier", multipliers()),
        ("change_multiplier_raw", "change_multiplier", multipliers()),
        (
            "qualifier_raw",
            "qualifier",
            labels(&lex.qualifier_rows, |r| (&r.form, &r.qualifier)),
        ),
        (
            "action_raw",
            "action",
            labels(&lex.action_rows, |r| (&r.form, &r.action)),
        ),
        (
            "topic_raw",
            "topic",
            labels(&lex.topic_rows, |r| (&r.form, &r.topic)),
        ),
        (
            "change_raw",
            "change_direction",
            labels(&lex.change_rows, |r| (&r.form, &r.direction)),
        ),
    ];
    let mut tables = vec![
        unit_table(lex, "unit_raw", "")?,
        unit_table(lex, "change_unit_raw", "change_")?,
    ];
    for (raw, column, entries) in words {
        tables.push(word_table(raw, column, &entries)?);
    }
    Ok(tables)
}

/// The (form, label) pairs of a lexicon file whose value is a label.
fn labels<'a, R>(rows: &'a [R], pair: impl Fn(&'a R) -> (&'a String, &'a String)) -> Entries<'a> {
    (rows.iter().map(pair))
        .map(|(form, label)| (form.as_str(), AnyValue::String(label)))
        .collect()
}

/// A table from one lexicon file: one value under `column`.
fn word_table(
    raw: &'static str,
    column: &str,
    entries: &[(&str, AnyValue)],
) -> PolarsResult<Table> {
    let (forms, values): (Vec<&str>, Vec<AnyValue>) = entries.iter().cloned().unzip();
    let series = Series::from_any_values(column.into(), &values, true)?;
    Table::new(raw, &forms, vec![series.into_column()])
}

/// Canonical unit, factor and divisor for each unit form, under the given column prefix.
fn unit_table(lex: &Lexicon, raw: &'static str, prefix: &str) -> PolarsResult<Table> {
    let forms: Vec<&str> = lex.unit_rows.iter().map(|r| r.form.as_str()).collect();
    let rows = || lex.unit_rows.iter();
    let units: Vec<String> = rows().map(|r| r.unit.clone()).collect();
    let factors: Vec<f64> = rows().map(|r| scale(r.factor)).collect();
    let divisors: Vec<f64> = rows().map(|r| divisor(r.factor)).collect();
    Table::new(
        raw,
        &forms,
        vec![
            Column::new(format!("{prefix}unit_canonical").into(), units),
            Column::new(format!("{prefix}unit_factor").into(), factors),
            Column::new(format!("{prefix}unit_divisor").into(), divisors),
        ],
    )
}

/// A factor below 1 (`gam` → kg × 0.001) is applied as a division by its whole reciprocal, so
/// 350 gam is 0.35 kg and not 0.35000000000000003. Returns the divisor; the factor column
/// then carries 1.
fn divisor(factor: f64) -> f64 {
    let reciprocal = 1.0 / factor;
    if factor < 1.0 && (reciprocal - reciprocal.round()).abs() < 1e-9 {
        reciprocal.round()
    } else {
        1.0
    }
}

fn scale(factor: f64) -> f64 {
    if divisor(factor) > 1.0 {
        1.0
    } else {
        factor
    }
}

/// A two-key lookup (folded form, other key) → value; the first row of a key pair wins, as in
/// [`Table::new`].
fn readings<'a>(rows: impl Iterator<Item = (&'a String, &'a String, &'a String)>) -> Readings {
    let mut out = Readings::new();
    for (form, key, value) in rows {
        out.entry(fold(form))
            .or_default()
            .entry(key.clone())
            .or_insert_with(|| value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
        Lexicon::load(&dir).expect("the project's lexicon loads")
    }

    fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
        let column = df.column(name).unwrap().str().unwrap();
        column.iter().map(|s| s.map(str::to_string)).collect()
    }

    #[test]
    fn words_are_looked_up_folded_and_read_by_their_context_row_by_row() {
        let lex = lexicon();
        let lookups = Lookups::new(&lex).unwrap();
        fn raw(v: [Option<&str>; 5]) -> Vec<Option<&str>> {
            v.to_vec()
        }
        let none = raw([None; 5]);
        let mut mentions = df!(
            "unit_raw" => raw([Some("Tin"), Some("tin"), Some("kg"), Some("vụ"), Some("chữ lạ")]),
            "action_raw" => raw([Some("Tiếp nhận"), None, Some("tạm giữ"), Some("tạm giữ"), None]),
            "multiplier_raw" => raw([None, Some("nghìn"), None, None, Some("triệu")]),
            "qualifier_raw" => raw([Some("khoảng"), None, None, None, None]),
            "topic_raw" => none.clone(),
            "change_raw" => none.clone(),
            "change_unit_raw" => none.clone(),
            "change_multiplier_raw" => none.clone(),
            "number_raw" => raw([Some("1.213"), Some("hai mươi"), Some("17,3"), None, Some("07")]),
            "denominator_raw" => none.clone(),
            "change_number_raw" => none,
        )
        .unwrap();
        lookups.look_up(&mut mentions).unwrap();
        let text = |v: [Option<&str>; 5]| v.map(|s| s.map(str::to_string)).to_vec();
        // `tin` is a document, but a tip once received; what is held in kg is seized, and a
        // case held is an arrest.
        assert_eq!(
            strs(&mentions, "unit"),
            text([
                Some("tip"),
                Some("document"),
                Some("kg"),
                Some("case"),
                None
            ])
        );
        assert_eq!(
            strs(&mentions, "action"),
            text([
                Some("received"),
                None,
                Some("seized"),
                Some("arrested"),
                None
            ])
        );
        assert_eq!(
            strs(&mentions, "qualifier")[..2],
            [Some("about".into()), None]
        );
        let floats = |name: &str| -> Vec<Option<f64>> {
            mentions
                .column(name)
                .unwrap()
                .f64()
                .unwrap()
                .iter()
                .collect()
        };
        assert_eq!(
            floats("multiplier"),
            [None, Some(1000.0), None, None, Some(1e6)]
        );
        assert_eq!(
            floats("number"),
            [Some(1213.0), Some(20.0), Some(17.3), None, Some(7.0)]
        );
    }
}
