//! The one description of the tables solieu writes: every column's name, type and meaning, and
//! the controlled vocabularies. `docs/DATA.md` is generated from it ([`data_dictionary`]), the
//! Parquet files carry it in their key-value metadata, and tests hold the written tables to it,
//! so the code, the files and the dictionary cannot drift apart.

use polars::prelude::{DataType, Expr, Schema};

/// The version of this description, written into every Parquet table (`solieu.schema_version`).
/// Raise it when a column is added, removed, retyped or changes meaning.
pub const SCHEMA_VERSION: &str = "2";

/// A column's type, as SPEC names it (and Arrow / Parquet readers see it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Int32,
    Int64,
    Float64,
    Date,
    Bool,
}

impl ColumnType {
    /// The polars type the tables hold.
    pub fn polars(self) -> DataType {
        match self {
            ColumnType::String => DataType::String,
            ColumnType::Int32 => DataType::Int32,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Date => DataType::Date,
            ColumnType::Bool => DataType::Boolean,
        }
    }

    /// The name in the dictionary (and in `pyarrow`, but for `date32`).
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Int32 => "int32",
            ColumnType::Int64 => "int64",
            ColumnType::Float64 => "float64",
            ColumnType::Date => "date",
            ColumnType::Bool => "bool",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    /// Whether the column may hold nulls.
    pub nullable: bool,
    pub meaning: &'static str,
    /// The vocabulary its values come from, when it has one.
    pub vocabulary: Option<&'static str>,
}

/// One table of a dataset.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub one_row_per: &'static str,
    pub key: &'static str,
    pub columns: &'static [Column],
}

impl Table {
    /// The polars schema of the table, in column order.
    pub fn schema(&self) -> Schema {
        self.columns
            .iter()
            .map(|c| (c.name.into(), c.ty.polars()))
            .collect()
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A controlled vocabulary: the values a column may take and what each means.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary {
    pub name: &'static str,
    pub about: &'static str,
    pub values: &'static [(&'static str, &'static str)],
}

impl Vocabulary {
    pub fn contains(&self, value: &str) -> bool {
        self.values.iter().any(|(v, _)| *v == value)
    }
}

const fn col(name: &'static str, ty: ColumnType, meaning: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        meaning,
        vocabulary: None,
    }
}

const fn opt(name: &'static str, ty: ColumnType, meaning: &'static str) -> Column {
    Column {
        nullable: true,
        ..col(name, ty, meaning)
    }
}

const fn vocab(column: Column, vocabulary: &'static str) -> Column {
    Column {
        vocabulary: Some(vocabulary),
        ..column
    }
}

use ColumnType::{Bool, Date, Float64, Int32, Int64, String as Str};

pub(crate) const DOCUMENTS: &[Column] = &[
    col("doc_id", Str, "the file stem for a `.txt` input; the record's `id` for a JSONL, CSV or Parquet corpus. Read it as text: ids such as `0000236` are not numbers"),
    col("source", Str, "the input path, with the record index for a multi-record input"),
    col("sha256", Str, "SHA-256 of the raw bytes of the document text"),
    opt("title", Str, "the headline, when one can be told apart from the text"),
    opt("url", Str, "the record's `url` (JSONL, CSV or Parquet corpora); null for a `.txt` file: the link back to the article"),
    opt("published", Date, "the publication date: the record's `date`, else a dateline the text opens with (` date 2019-12` → 2019-12-01, `Thứ Sáu, 20/01/2023` → 2023-01-20)"),
    opt("event_date", Date, "the date of the reported event or conference, when the text states it (never the date of a cited decree or plan)"),
    opt("report_year", Int32, "the year the document's figures are mainly about: the year of its own period phrase, else of its publication date"),
    opt("province", Str, "canonical province name (official name without `tỉnh`/`thành phố`), from the text, the record's metadata or the pipeline's default"),
    col("n_chars", Int64, "characters of the text after normalisation (NFC)"),
    col("n_observations", Int32, "rows in `observations` for this document"),
];

pub(crate) const OBSERVATIONS: &[Column] = &[
    col("doc_id", Str, "the document (`documents.doc_id`)"),
    col("obs_idx", Int32, "the mention's rank in its document, from 0 in text order"),
    col("span_start", Int64, "byte offset where the mention starts in the normalised text (NFC, UTF-8)"),
    col("span_end", Int64, "byte offset where the mention ends"),
    col("mention", Str, "the text of the mention, e.g. `1.213 đối tượng`"),
    col("sentence", Str, "the sentence the mention stands in: the evidence to read, cut to at most 400 characters around the mention (`…` marks a cut)"),
    vocab(col("measure", Str, "`level` (a count or amount) or `change` (only a change is stated)"), "measure"),
    col("value", Float64, "the number, normalised: `1.213` → 1213, `17,3%` → 17.3, `1,5 tỷ đồng` → 1500000000, `350 gam` → 0.35 (kg); for a `change` row, the size of the change"),
    opt("denominator", Float64, "for a ratio such as `217/220 xã`, the 220 (`value` is 217)"),
    vocab(col("unit", Str, "canonical unit of `value`"), "unit"),
    col("unit_raw", Str, "the unit words as written (`bị can`, `tố giác, tin báo`)"),
    vocab(col("qualifier", Str, "how exact the number is, from the word before it"), "qualifier"),
    vocab(opt("topic", Str, "what domain the figure is about"), "topic"),
    vocab(opt("action", Str, "what was done or happened"), "action"),
    opt("year", Int32, "the calendar year the figure falls in; null when its period spans years or is unknown"),
    opt("period", Str, "the period as written when it is not one whole calendar year (`6 tháng đầu năm 2024`); null for a whole year"),
    vocab(opt("change_direction", Str, "the direction of a stated change"), "change_direction"),
    opt("change_value", Float64, "the size of the change, never negative: `giảm 9 vụ` → 9, `tăng 20,4%` → 20.4"),
    vocab(opt("change_unit", Str, "what `change_value` counts"), "change_unit"),
    vocab(opt("baseline", Str, "what the change compares with"), "baseline"),
    opt("baseline_value", Float64, "the compared value the change implies: `324 vụ, giảm 9 vụ` → 333; `x, tăng 20,4%` → x / 1.204"),
    opt("delta", Float64, "`value − baseline_value`, signed (or the signed change of a `change` row in the same unit)"),
    opt("pct_change", Float64, "signed percent change against `baseline_value` (or the signed percent of a `change` row)"),
];

pub(crate) const DELTAS: &[Column] = &[
    col("province", Str, "the series' province (`documents.province`)"),
    vocab(col("topic", Str, "the series' topic"), "topic"),
    vocab(col("action", Str, "the series' action"), "action"),
    vocab(col("unit", Str, "the series' unit"), "unit"),
    col("year", Int32, "the point's year"),
    col("value", Float64, "the point's value: the largest mention of the chosen document (a total outweighs the parts and single cases listed after it)"),
    col("doc_id", Str, "the chosen document: of the documents giving this point, the latest (by `published`, then `event_date`, then `doc_id`; a document without a date counts as the oldest)"),
    col("n_mentions", Int32, "the chosen document's mentions of this point"),
    col("n_documents", Int32, "documents giving this point"),
    col("n_values", Int32, "distinct values those documents give: more than 1 means reports disagree"),
    opt("prev_year", Int32, "`year − 1`, when the series has a point for it"),
    opt("prev_value", Float64, "the series' value for `prev_year`"),
    opt("prev_doc_id", Str, "the document chosen for `prev_year`"),
    opt("delta", Float64, "`value − prev_value`"),
    opt("pct_change", Float64, "`100 × delta / prev_value`; null when `prev_value` is 0"),
    opt("stated_prev_value", Float64, "the previous year's value the chosen document itself implies: the `baseline_value` of its mention, when the mention compares with `year:<year − 1>`, `same_period` or `previous_period` by a count or percent change (or states it unchanged)"),
    opt("consistent", Bool, "whether `stated_prev_value` agrees with `prev_value` within 1 % (1 unit for counts under 100); null when either is missing. False marks reports that contradict each other"),
];

const REJECTS: &[Column] = &[
    col("source", Str, "the input (path, and record index for a multi-record input)"),
    col("reason", Str, "why it could not be read: not UTF-8, empty, binary, too large, bad JSON line, missing text field, duplicate doc_id…"),
];

/// The four tables, in the order a dataset lists them.
pub const TABLES: &[Table] = &[
    Table {
        name: "documents",
        one_row_per: "input document",
        key: "`doc_id`",
        columns: DOCUMENTS,
    },
    Table {
        name: "observations",
        one_row_per: "statistic stated in a document",
        key: "`doc_id`, `obs_idx`",
        columns: OBSERVATIONS,
    },
    Table {
        name: "deltas",
        one_row_per: "series point: (`province`, `topic`, `action`, `unit`) and a `year`, with the series' previous year",
        key: "`province`, `topic`, `action`, `unit`, `year`",
        columns: DELTAS,
    },
    Table {
        name: "rejects",
        one_row_per: "input that could not be read or parsed",
        key: "`source`, `reason`",
        columns: REJECTS,
    },
];

/// The select that gives a frame a table's `columns`, in order, each cast to its type.
pub(crate) fn select(columns: &[Column]) -> Vec<Expr> {
    (columns.iter())
        .map(|c| polars::prelude::col(c.name).cast(c.ty.polars()))
        .collect()
}

/// The table called `name`.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// Units that measure an amount rather than count things: `consistent` allows them 1 % only,
/// never the 1 unit a small count gets.
pub const AMOUNT_UNITS: &[&str] = &["kg", "vnd", "usd", "hectare", "percent", "times"];

/// The controlled vocabularies (SPEC "Controlled vocabularies"). The Vietnamese words for each
/// value live in the pipeline's lexicon files, never here.
pub const VOCABULARIES: &[Vocabulary] = &[
    Vocabulary {
        name: "measure",
        about: "what an observation states",
        values: &[
            ("level", "a count or an amount"),
            ("change", "only a change is stated; `value` is its size"),
        ],
    },
    Vocabulary {
        name: "unit",
        about: "canonical units (`units.csv`)",
        values: &[
            ("case", "cases, criminal cases, incidents"),
            ("accused", "accused persons (prosecuted)"),
            ("defendant", "defendants (tried)"),
            ("suspect", "suspects, offenders"),
            ("person", "people"),
            ("person_time", "person-times (attendances)"),
            ("collective", "collectives (awarded units)"),
            ("individual", "individuals (awarded persons)"),
            ("session", "sessions, meetings"),
            ("house", "houses"),
            ("gift", "gifts"),
            ("tip", "tips and denunciations"),
            ("model", "self-management models"),
            ("organization", "organisations, teams"),
            ("commune", "communes, wards, towns"),
            ("residential_area", "residential areas, hamlets"),
            ("agency", "agencies, enterprises, schools"),
            ("gang", "gangs"),
            ("ring", "rings, networks"),
            ("campaign", "campaigns, drives"),
            ("site", "sites, spots"),
            ("household", "households"),
            ("instance", "instances, cases of a kind"),
            ("vehicle", "vehicles"),
            ("weapon", "weapons, explosives, detonators"),
            ("round", "rounds of ammunition"),
            ("pill", "pills of drugs"),
            ("block", "blocks (of heroin)"),
            ("packet", "packets, sachets"),
            ("plant", "opium or cannabis plants"),
            ("document", "documents, articles, leaflets, decisions"),
            ("target", "targets (quotas)"),
            ("locality", "provinces, districts, localities counted as results"),
            ("hectare", "hectares (m² converted)"),
            ("item", "any other countable thing or volume; `unit_raw` keeps the word"),
            ("kg", "kilograms (grams and tonnes converted)"),
            ("vnd", "Vietnamese đồng, multipliers applied"),
            ("usd", "US dollars"),
            ("percent", "percent"),
            ("times", "times (a multiple)"),
        ],
    },
    Vocabulary {
        name: "qualifier",
        about: "how exact a number is (`qualifiers.csv`)",
        values: &[
            ("exact", "no qualifying word"),
            ("more_than", "more than, over"),
            ("less_than", "under, fewer than"),
            ("nearly", "nearly, almost"),
            ("about", "about, roughly, an estimate"),
        ],
    },
    Vocabulary {
        name: "topic",
        about: "the domain a figure is about (`topics.csv`); the most specific wins",
        values: &[
            ("social_order_crime", "crimes against social order"),
            ("drug_crime", "drug crime"),
            ("economic_crime", "economic crime, smuggling, trade fraud"),
            ("corruption", "corruption, abuse of office"),
            ("environment_crime", "environmental offences"),
            ("high_tech_crime", "offences defined by the technology (high-tech, cyberspace)"),
            ("fraud", "fraud, whatever its channel"),
            ("black_credit", "loan sharking, black credit"),
            ("gambling", "gambling"),
            ("property_crime", "theft, snatching, robbery"),
            ("organized_crime", "gangs, organised crime"),
            ("weapons", "weapons, explosives"),
            ("juvenile_crime", "offences by minors"),
            ("traffic_accident", "traffic accidents"),
            ("fire", "fires and explosions"),
            ("crime_general", "crime in general, not narrower"),
            ("administrative_violation", "administrative violations with no field named, traffic violations, fines"),
            ("human_trafficking", "human trafficking"),
            ("social_evils", "social evils (prostitution and the like), not narrower"),
            ("movement", "the All People Protect National Security movement: models, mass organisations, tips, safety standards"),
            ("award", "awards, certificates of merit, emulation flags"),
            ("welfare", "charity houses, gifts"),
            ("civil_registry", "citizen identity cards, population data"),
        ],
    },
    Vocabulary {
        name: "action",
        about: "what was done or happened (`actions.csv`, `action_readings.csv`)",
        values: &[
            ("occurred", "occurred, arose"),
            ("detected", "detected, discovered"),
            ("arrested", "arrested, apprehended (people)"),
            ("prosecuted", "prosecuted (criminal proceedings opened)"),
            ("solved", "investigated and solved"),
            ("handled", "handled, dealt with"),
            ("fined", "fined"),
            ("received", "received (reports, tips)"),
            ("recovered", "recovered (assets)"),
            ("dismantled", "dismantled (gangs, rings)"),
            ("seized", "seized (goods, drugs, money)"),
            ("indicted", "indicted"),
            ("tried", "tried in court"),
            ("awarded", "awarded, commended"),
            ("organized", "organised, launched"),
            ("attended", "attended, took part"),
            ("provided", "provided"),
            ("built", "built"),
            ("given", "given (gifts)"),
            ("maintained", "maintained, in place"),
            ("achieved_standard", "met a standard"),
            ("killed", "people killed"),
            ("injured", "people injured"),
            ("damaged", "damage caused"),
            ("appropriated", "appropriated, embezzled"),
            ("campaigned", "campaigns carried out"),
        ],
    },
    Vocabulary {
        name: "change_direction",
        about: "the direction of a change (`changes.csv`)",
        values: &[
            ("increase", "went up"),
            ("decrease", "went down"),
            ("unchanged", "stayed the same (`change_value` 0)"),
        ],
    },
    Vocabulary {
        name: "change_unit",
        about: "what a change's size counts",
        values: &[
            ("count", "the same unit as `value`"),
            ("percent", "percent of the baseline"),
            ("times", "a multiple of the baseline"),
        ],
    },
    Vocabulary {
        name: "baseline",
        about: "what a change compares with (`baselines.csv`)",
        values: &[
            ("year:<year>", "a named year, e.g. `year:2022`"),
            ("same_period", "the same period of the year before"),
            ("previous_period", "the period just before, or the year before"),
        ],
    },
];

/// The vocabulary called `name`.
pub fn vocabulary(name: &str) -> Option<&'static Vocabulary> {
    VOCABULARIES.iter().find(|v| v.name == name)
}

/// The data dictionary (`docs/DATA.md`, `solieu schema`) as Markdown.
pub fn data_dictionary() -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# solieu data dictionary (schema version {SCHEMA_VERSION})\n\n\
         `solieu schema` prints it. Generated from `crates/transform/src/schema.rs`; a test \
         fails when this file and the code differ.\nRegenerate it with `SOLIEU_WRITE_DATA_MD=1 \
         cargo test --release -p solieu-transform --test schema`.\n\n\
         A run writes one folder with these tables, each as Parquet and CSV (UTF-8, header row, \
         `,` separator, RFC 4180 quoting). Every Parquet file carries `solieu.schema_version`, \
         `solieu.table` and one `solieu.column.<name>` description per column in its key-value \
         metadata; text columns are plain Arrow `large_string` (no string views), readable by \
         pyarrow 12 and later, polars, pandas and DuckDB (CI reads every table with each).\n\n\
         Read `doc_id` as text in CSV (`dtype={{\"doc_id\": str}}` in pandas): ids such as \
         `0000236` are not numbers.\n\n"
    ));
    out.push_str("| table | one row per | key |\n|---|---|---|\n");
    for t in TABLES {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            t.name, t.one_row_per, t.key
        ));
    }
    for t in TABLES {
        out.push_str(&format!(
            "\n## `{}`\n\nOne row per {}; key {}.\n\n",
            t.name, t.one_row_per, t.key
        ));
        out.push_str("| column | type | null | meaning |\n|---|---|---|---|\n");
        for c in t.columns {
            let vocabulary = c
                .vocabulary
                .map(|v| format!(" (values: [{v}](#{v}))"))
                .unwrap_or_default();
            out.push_str(&format!(
                "| `{}` | {} | {} | {}{} |\n",
                c.name,
                c.ty.name(),
                if c.nullable { "yes" } else { "no" },
                c.meaning,
                vocabulary
            ));
        }
        if t.name == "deltas" {
            out.push_str(DELTAS_NOTES);
        }
    }
    out.push_str("\n## Vocabularies\n");
    for v in VOCABULARIES {
        out.push_str(&format!(
            "\n### {}\n\n{}.\n\n| value | meaning |\n|---|---|\n",
            v.name, v.about
        ));
        for (value, meaning) in v.values {
            out.push_str(&format!("| `{value}` | {meaning} |\n"));
        }
    }
    out
}

/// How `deltas` is built, below its column table.
const DELTAS_NOTES: &str = "
Points come from `observations` rows with `measure = 'level'`, `qualifier` not `less_than`, a
whole-year `year` (`period` null), a `topic` and an `action`, in a document with a `province`.
A document's value for a point is its largest such mention; of several documents the latest
wins. A series is charted by filtering one (`province`, `topic`, `action`, `unit`) and ordering
by `year`; `consistent = false` marks a year whose report states a previous value that the
previous year's report contradicts.
";
