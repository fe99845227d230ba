//! Ingest rows keyed by where they came from, the bookkeeping of incremental, streamed and
//! sharded runs: each row carries its input and record number, so rows cached by input,
//! read in batches or split across machines combine into the tables one run over everything
//! would give (input order; of a duplicated `doc_id` the first kept, each later one a reject).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use polars::prelude::{
    Column, DataFrame, IdxCa, IdxSize, NamedFrom, PolarsError, PolarsResult, Series,
};
#[cfg(doc)]
use solieu_ingest::to_frames;
use solieu_ingest::{to_frames_borrowed, IngestedDocument, Reject, Staged};

fn col<T, P: ?Sized>(name: &str, values: T) -> Column
where
    Series: NamedFrom<T, P>,
{
    Column::new(name.into(), values)
}

/// The column naming the input file a keyed row came from.
pub const INPUT: &str = "input";
/// The column numbering a document by its record in its input (from 0), on keyed documents
/// and mentions: two records of one input may share a `doc_id`, so `doc_id` alone cannot tie a
/// mention to its document before duplicates are removed.
pub const DOC_SEQ: &str = "doc_seq";
/// The column numbering a record among its input's records (from 0), on keyed documents and
/// rejects: rejects come out in record order, wherever a streamed run cut its batches.
pub const RECORD: &str = "record";

/// Some records of one input with their record numbers, as a streamed run reads them: a large
/// input comes in several parts, and a shard keeps only some of its records.
pub struct InputPart<'a> {
    pub input: &'a str,
    /// (record number in the input, result) in record order.
    pub results: &'a [(u32, Result<IngestedDocument, Reject>)],
}

/// Keyed frames of parts of inputs: [`to_frames`] of every record, duplicates included,
/// with an [`INPUT`] column on every table and [`DOC_SEQ`] on documents and mentions. These
/// rows are what an incremental run caches per input; [`combine`] turns any set of them into
/// [`Staged`], the same way whether they were cached or just read.
pub fn to_keyed_parts(parts: &[InputPart]) -> PolarsResult<Staged> {
    let mut docs = Vec::new();
    let mut rejects = Vec::new();
    let (mut doc_input, mut doc_seq, mut doc_record) = (Vec::new(), Vec::new(), Vec::new());
    let (mut mention_input, mut mention_seq) = (Vec::new(), Vec::new());
    let (mut reject_input, mut reject_record) = (Vec::new(), Vec::new());
    for part in parts {
        let input = part.input;
        for (record, r) in part.results {
            // A document is numbered by its record: unique in its input whichever part, batch
            // or shard it was read in.
            let (record, seq) = (*record, *record);
            match r {
                Ok(d) => {
                    doc_input.push(input);
                    doc_seq.push(seq);
                    doc_record.push(record);
                    mention_input.extend(std::iter::repeat_n(input, d.mentions.len()));
                    mention_seq.extend(std::iter::repeat_n(seq, d.mentions.len()));
                    docs.push(d);
                }
                Err(e) => {
                    reject_input.push(input);
                    reject_record.push(record);
                    rejects.push(e);
                }
            }
        }
    }
    let mut staged = to_frames_borrowed(&docs, &rejects)?;
    staged.documents.with_column(col(INPUT, doc_input))?;
    staged.documents.with_column(col(DOC_SEQ, doc_seq))?;
    staged.documents.with_column(col(RECORD, doc_record))?;
    staged.mentions.with_column(col(INPUT, mention_input))?;
    staged.mentions.with_column(col(DOC_SEQ, mention_seq))?;
    staged.rejects.with_column(col(INPUT, reject_input))?;
    staged.rejects.with_column(col(RECORD, reject_record))?;
    Ok(staged)
}

/// Appends keyed rows (same columns).
pub fn append(mut a: Staged, b: &Staged) -> PolarsResult<Staged> {
    a.documents.vstack_mut(&b.documents)?;
    a.mentions.vstack_mut(&b.mentions)?;
    a.rejects.vstack_mut(&b.rejects)?;
    Ok(a)
}

/// Keyed rows sorted by input (in `order`) and record, each input's rows together: the order a
/// streamed run writes its state in, whichever of its rows were read and which reused.
pub fn in_input_order(keyed: Staged, order: &[String]) -> PolarsResult<Staged> {
    let rank: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let sort = |df: DataFrame, record: &str| -> PolarsResult<DataFrame> {
        let inputs = df.column(INPUT)?.str()?;
        let records = df.column(record)?.u32()?;
        let mut rows: Vec<(usize, Option<u32>, IdxSize)> = inputs
            .iter()
            .zip(records.iter())
            .enumerate()
            .map(|(row, (i, r))| {
                let i = i.and_then(|i| rank.get(i)).copied().unwrap_or(usize::MAX);
                (i, r, row as IdxSize)
            })
            .collect();
        rows.sort_unstable();
        df.take(&IdxCa::from_vec(
            "idx".into(),
            rows.into_iter().map(|r| r.2).collect(),
        ))
    };
    Ok(Staged {
        documents: sort(keyed.documents, RECORD)?,
        mentions: sort(keyed.mentions, DOC_SEQ)?,
        rejects: sort(keyed.rejects, RECORD)?,
    })
}

/// Keyed rows to the staged tables `transform` reads: rows in input order (`order` lists the
/// inputs), and of documents sharing a `doc_id` the first in that order is kept; each later one
/// becomes a reject, never an overwrite. Rows of inputs not in `order` are dropped.
pub fn combine(keyed: &Staged, order: &[String]) -> PolarsResult<Staged> {
    combine_after(keyed, order, &mut SeenIds::default())
}

/// The `doc_id`s a run has kept, each with where it was first: a 128-bit hash of the id and
/// the first source as an input number and line, about 40 bytes a document instead of the id
/// and source strings (150 and more), since a streamed run keeps them for the whole corpus.
/// Two ids share a hash with odds near 2^-128 · n², nil for any corpus.
#[derive(Debug, Default)]
pub struct SeenIds {
    first: HashMap<u128, FirstSource>,
    inputs: Vec<String>,
    input_index: HashMap<String, u32>,
    /// Sources that are not `input` or `input:line` (none from solieu's own readers).
    other: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum FirstSource {
    Input(u32),
    Line(u32, u32),
    Other(u32),
}

impl SeenIds {
    /// Ids kept so far.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.first.len()
    }

    fn key(id: &str) -> u128 {
        use std::hash::{Hash, Hasher};
        // Two SipHash passes, the second salted, make the 128 bits.
        let mut a = std::hash::DefaultHasher::new();
        id.hash(&mut a);
        let mut b = std::hash::DefaultHasher::new();
        0x5eed_u16.hash(&mut b);
        id.hash(&mut b);
        (u128::from(a.finish()) << 64) | u128::from(b.finish())
    }

    /// Where `id` was first, if it was seen; otherwise records it as first in `source`, read
    /// from `input`.
    fn first_or_insert(&mut self, id: &str, input: &str, source: &str) -> Option<String> {
        let key = Self::key(id);
        if let Some(place) = self.first.get(&key) {
            return Some(match *place {
                FirstSource::Input(i) => self.inputs[i as usize].clone(),
                FirstSource::Line(i, line) => format!("{}:{line}", self.inputs[i as usize]),
                FirstSource::Other(k) => self.other[k as usize].clone(),
            });
        }
        let i = match self.input_index.get(input) {
            Some(&i) => i,
            None => {
                let i = self.inputs.len() as u32;
                self.inputs.push(input.to_string());
                self.input_index.insert(input.to_string(), i);
                i
            }
        };
        // A line is kept as a number only when the number spells it back (no sign, no
        // leading zero), since the source is rebuilt from it; checked on the digits, not by
        // formatting a string for every document.
        let line = source
            .strip_prefix(input)
            .and_then(|rest| rest.strip_prefix(':'))
            .filter(|n| {
                n.bytes().all(|b| b.is_ascii_digit()) && !(n.len() > 1 && n.starts_with('0'))
            })
            .and_then(|n| n.parse::<u32>().ok());
        let place = if source == input {
            FirstSource::Input(i)
        } else if let Some(line) = line {
            FirstSource::Line(i, line)
        } else {
            self.other.push(source.to_string());
            FirstSource::Other(self.other.len() as u32 - 1)
        };
        self.first.insert(key, place);
        None
    }
}

/// [`combine`] for one batch of a streamed run: `seen` holds the `doc_id`s of earlier batches
/// (with the source that had each first) and learns this batch's. Rejects come out in record
/// order, a duplicate where its record stood, so the batches' rows laid end to end are
/// [`combine`]'s rows of everything at once.
pub fn combine_after(keyed: &Staged, order: &[String], seen: &mut SeenIds) -> PolarsResult<Staged> {
    let rank: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let key_of = |df: &DataFrame| -> PolarsResult<Vec<Option<(usize, u32)>>> {
        let inputs = df.column(INPUT)?.str()?;
        let seqs = df.column(DOC_SEQ)?.u32()?;
        Ok(inputs
            .iter()
            .zip(seqs.iter())
            .map(|(i, s)| Some((*rank.get(i?)?, s?)))
            .collect())
    };
    let missing =
        |what: &str| PolarsError::ComputeError(format!("keyed {what} without key").into());

    let doc_keys = key_of(&keyed.documents)?;
    let mut doc_rows: Vec<(usize, u32, usize)> = doc_keys
        .iter()
        .enumerate()
        .filter_map(|(row, k)| k.map(|(i, s)| (i, s, row)))
        .collect();
    doc_rows.sort_unstable();
    let ids = keyed.documents.column("doc_id")?.str()?;
    let sources = keyed.documents.column("source")?.str()?;
    let inputs = keyed.documents.column(INPUT)?.str()?;
    let records = keyed.documents.column(RECORD)?.u32()?;
    let mut kept_rows = Vec::new();
    let mut kept_keys = HashSet::new();
    // (input rank, record, source, reason) of each duplicate; sources and read reasons are
    // borrowed from the keyed frames, not copied.
    let mut dups: Vec<(usize, u32, &str, Cow<str>)> = Vec::new();
    for (i, s, row) in doc_rows {
        let id = ids.get(row).ok_or_else(|| missing("doc_id"))?;
        let source = sources.get(row).ok_or_else(|| missing("source"))?;
        let input = inputs.get(row).ok_or_else(|| missing("input"))?;
        if let Some(first_source) = seen.first_or_insert(id, input, source) {
            let record = records.get(row).ok_or_else(|| missing("record"))?;
            dups.push((
                i,
                record,
                source,
                Cow::Owned(format!("duplicate doc_id `{id}` (first in {first_source})")),
            ));
        } else {
            kept_rows.push(row as IdxSize);
            kept_keys.insert((i, s));
        }
    }
    let documents = keyed
        .documents
        .take(&IdxCa::from_vec("idx".into(), kept_rows))?
        .drop_many([INPUT, DOC_SEQ, RECORD]);

    let mention_keys = key_of(&keyed.mentions)?;
    let obs_idx = keyed.mentions.column("obs_idx")?.i32()?;
    let mut mention_rows: Vec<(usize, u32, i32, usize)> = mention_keys
        .iter()
        .zip(obs_idx.iter())
        .enumerate()
        .filter_map(|(row, (k, o))| {
            let (i, s) = (*k)?;
            kept_keys
                .contains(&(i, s))
                .then_some((i, s, o.unwrap_or(0), row))
        })
        .collect();
    mention_rows.sort_unstable();
    let mentions = keyed
        .mentions
        .take(&IdxCa::from_vec(
            "idx".into(),
            mention_rows.iter().map(|r| r.3 as IdxSize).collect(),
        ))?
        .drop_many([INPUT, DOC_SEQ]);

    // Read rejects and duplicates together, in (input, record) order.
    let reject_inputs = keyed.rejects.column(INPUT)?.str()?;
    let reject_records = keyed.rejects.column(RECORD)?.u32()?;
    let reject_sources = keyed.rejects.column("source")?.str()?;
    let reject_reasons = keyed.rejects.column("reason")?.str()?;
    let mut all = dups;
    for row in 0..keyed.rejects.height() {
        let Some(&i) = reject_inputs.get(row).and_then(|i| rank.get(i)) else {
            continue;
        };
        all.push((
            i,
            reject_records.get(row).ok_or_else(|| missing("record"))?,
            reject_sources.get(row).unwrap_or_default(),
            Cow::Borrowed(reject_reasons.get(row).unwrap_or_default()),
        ));
    }
    all.sort_by_key(|a| (a.0, a.1));
    let rejects = DataFrame::new(
        all.len(),
        vec![
            col("source", all.iter().map(|r| r.2).collect::<Vec<_>>()),
            col(
                "reason",
                all.iter().map(|r| r.3.as_ref()).collect::<Vec<_>>(),
            ),
        ],
    )?;
    Ok(Staged {
        documents,
        mentions,
        rejects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use solieu_ingest::to_frames;

    /// One input file's results in record order, as `read_records` and
    /// `ingest` give them.
    type InputResults = (String, Vec<Result<IngestedDocument, Reject>>);

    /// Staged frames keyed by input: [`to_frames`] of every record, duplicates included, with an
    /// [`INPUT`] column on every table and [`DOC_SEQ`] on documents and mentions. These rows are
    /// what an incremental run caches per input; [`combine`] turns any set of them into
    /// [`Staged`], the same way whether they were cached or just read.
    fn to_keyed_frames(per_input: &[InputResults]) -> PolarsResult<Staged> {
        let numbered: Vec<Vec<(u32, Result<IngestedDocument, Reject>)>> = per_input
            .iter()
            .map(|(_, results)| {
                results
                    .iter()
                    .enumerate()
                    .map(|(k, r)| (k as u32, r.clone()))
                    .collect()
            })
            .collect();
        let parts: Vec<InputPart> = per_input
            .iter()
            .zip(&numbered)
            .map(|((input, _), results)| InputPart {
                input: input.as_str(),
                results,
            })
            .collect();
        to_keyed_parts(&parts)
    }

    fn doc(id: &str, source: &str) -> IngestedDocument {
        IngestedDocument {
            published_in_text: None,
            doc_id: id.into(),
            source: source.into(),
            sha256: String::new(),
            title: None,
            event_date: None,
            report_year: Some(2024),
            province: None,
            n_chars: 1,
            url: None,
            published: None,
            mentions: Vec::new(),
        }
    }

    #[test]
    fn the_first_document_of_an_id_in_input_order_wins() {
        let a: InputResults = (
            "a.jsonl".into(),
            vec![Ok(doc("x", "a.jsonl:1")), Ok(doc("x", "a.jsonl:2"))],
        );
        let b: InputResults = ("b.txt".into(), vec![Ok(doc("y", "b.txt"))]);
        let c: InputResults = (
            "c.jsonl".into(),
            vec![
                Err(Reject {
                    source: "c.jsonl:1".into(),
                    reason: "bad JSON line".into(),
                }),
                Ok(doc("y", "c.jsonl:2")),
            ],
        );
        // Keyed rows arrive in any order (cached inputs first): the order list decides.
        let keyed = to_keyed_frames(&[c, b, a]).unwrap();
        let order = ["a.jsonl".to_string(), "b.txt".into(), "c.jsonl".into()];
        let staged = combine(&keyed, &order).unwrap();
        let ids = strings(&staged.documents, "doc_id");
        let sources = strings(&staged.documents, "source");
        assert_eq!(ids, ["x", "y"]);
        assert_eq!(sources, ["a.jsonl:1", "b.txt"]);
        let reasons = strings(&staged.rejects, "reason");
        assert_eq!(
            reasons,
            [
                "duplicate doc_id `x` (first in a.jsonl:1)",
                "bad JSON line",
                "duplicate doc_id `y` (first in b.txt)"
            ]
        );
        assert_eq!(
            staged.documents.get_column_names(),
            to_frames(&[], &[]).unwrap().documents.get_column_names()
        );
        // An input no longer listed is dropped with all its rows.
        let staged = combine(&keyed, &order[..2]).unwrap();
        assert_eq!(staged.rejects.height(), 1);
    }

    /// A string column's values.
    fn strings(df: &DataFrame, column: &str) -> Vec<String> {
        let values = df.column(column).unwrap().str().unwrap();
        values.iter().flatten().map(String::from).collect()
    }

    #[test]
    fn a_later_batch_names_where_an_id_was_first_in_an_earlier_one() {
        let mut seen = SeenIds::default();
        let first: InputResults = (
            "in/x.csv".into(),
            vec![
                Ok(doc("a", "in/x.csv:7")),
                Ok(doc("b", "mirror of in/x.csv")),
            ],
        );
        let keyed = to_keyed_frames(&[first]).unwrap();
        let staged = combine_after(&keyed, &["in/x.csv".to_string()], &mut seen).unwrap();
        assert_eq!(staged.documents.height(), 2);
        assert_eq!(seen.len(), 2);

        let later: InputResults = (
            "in/y.txt".into(),
            vec![Ok(doc("b", "in/y.txt")), Ok(doc("a", "in/y.txt"))],
        );
        let keyed = to_keyed_frames(&[later]).unwrap();
        let staged = combine_after(&keyed, &["in/y.txt".to_string()], &mut seen).unwrap();
        assert_eq!(staged.documents.height(), 0);
        assert_eq!(
            strings(&staged.rejects, "reason"),
            [
                "duplicate doc_id `b` (first in mirror of in/x.csv)",
                "duplicate doc_id `a` (first in in/x.csv:7)",
            ]
        );
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn a_source_is_given_back_as_written_even_when_it_looks_like_a_line() {
        let mut seen = SeenIds::default();
        let sources = [
            "f.csv:0",
            "f.csv:12",
            "f.csv:012",
            "f.csv:+3",
            "f.csv:",
            "f.csv:99999999999",
        ];
        for (k, source) in sources.iter().enumerate() {
            assert_eq!(
                seen.first_or_insert(&format!("id{k}"), "f.csv", source),
                None
            );
        }
        for (k, source) in sources.iter().enumerate() {
            let first = seen.first_or_insert(&format!("id{k}"), "f.csv", "f.csv:1");
            assert_eq!(first.as_deref(), Some(*source));
        }
    }
}
