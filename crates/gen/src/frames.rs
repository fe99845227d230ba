//! The generator's data: sentence frames (`pipelines/gen/frames.toml`) and the vocabulary drawn
//! from the pipeline's lexicon, grouped by canonical value.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use solieu_ingest::{form_tokens, Lexicon, Position};

use crate::error::GenError;
use crate::furniture::{braced, Braced, Furniture};

/// One piece of a frame: text written as is, or a slot.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    Slot { kind: Slot, args: Vec<String> },
}

/// Where a verb slot's verb stands and which figures take its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerbPlace {
    /// `{A}`: before the figures; the figures after it take it.
    Before,
    /// `{AP}`: after the figures; the list right before it takes it.
    After,
    /// `{AV}`: after a passive word, in any position; the list before the passive takes it.
    Passive,
}

/// How a figure slot writes its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    /// `{F}`: digits in any vi-VN format.
    Digits,
    /// `{FW}`: number words.
    Words,
    /// `{FM}`: an amount with a multiplier.
    Multiplied,
    /// `{FD}`: a decimal amount.
    Decimal,
    /// `{R}`: a ratio, value and denominator.
    Ratio,
}

/// A slot's kind, read once when the frames load (see the slot list in `frames.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Verb(VerbPlace),
    /// `{AR:form}`: a verb written as given whose action the figures after it take by what
    /// they count (`action_readings.csv`: `có 41 vụ` occurred, `bắt giữ 12,4 kg` seized).
    Reading,
    Figure(Number),
    /// `{C}`: a change of the latest figure without one.
    Change,
    /// `{C+}`: the next figure of a change list.
    ChangeNext,
    /// `{CS}`: the last change again, in percent.
    ChangeShare,
    /// `{CP}`: a percent change of the figure right before.
    ChangePercent,
    /// `{CT}`: a change in times of the figure right before.
    ChangeTimes,
    /// `{CR}`: a change with no level, a row of its own.
    ChangeRow,
    /// `{B}`: a baseline phrase.
    Baseline,
    /// `{BY}`: a year one to five years before the report's, the baseline of the sentence's
    /// changes (`gấp 4 lần năm 2020`): a comparison, never the report's year.
    BaselineYear,
    /// `{T}`: one topic phrase of a group.
    Topic,
    /// `{TF}`: a topic phrase right after a figure: that figure's own field, which beats the
    /// group the sentence names (`30 vụ đánh bạc` in a `trật tự xã hội` list).
    FigureTopic,
    /// `{TT}`: two or three topics of a group joined.
    Topics,
    /// `{fill}`: a phrase from `[fill]`.
    Fill,
    /// `{Y}`, `{Y-1}`: the report's year, the year before.
    Year,
    YearBefore,
    /// `{n}`, `{m}`: a small number, a month.
    SmallNumber,
    Month,
    /// `{dm}`: a day/month date.
    DayMonth,
    /// `{province}`: the document's province.
    Province,
}

/// Each slot kind as frames.toml writes it.
const SLOTS: [(&str, Slot); 27] = [
    ("A", Slot::Verb(VerbPlace::Before)),
    ("AR", Slot::Reading),
    ("AP", Slot::Verb(VerbPlace::After)),
    ("AV", Slot::Verb(VerbPlace::Passive)),
    ("F", Slot::Figure(Number::Digits)),
    ("FW", Slot::Figure(Number::Words)),
    ("FM", Slot::Figure(Number::Multiplied)),
    ("FD", Slot::Figure(Number::Decimal)),
    ("R", Slot::Figure(Number::Ratio)),
    ("C", Slot::Change),
    ("C+", Slot::ChangeNext),
    ("CS", Slot::ChangeShare),
    ("CP", Slot::ChangePercent),
    ("CT", Slot::ChangeTimes),
    ("CR", Slot::ChangeRow),
    ("B", Slot::Baseline),
    ("BY", Slot::BaselineYear),
    ("T", Slot::Topic),
    ("TF", Slot::FigureTopic),
    ("TT", Slot::Topics),
    ("fill", Slot::Fill),
    ("Y", Slot::Year),
    ("Y-1", Slot::YearBefore),
    ("n", Slot::SmallNumber),
    ("m", Slot::Month),
    ("dm", Slot::DayMonth),
    ("province", Slot::Province),
];

impl std::str::FromStr for Slot {
    type Err = ();

    fn from_str(kind: &str) -> Result<Slot, ()> {
        SLOTS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, slot)| *slot)
            .ok_or(())
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = SLOTS
            .iter()
            .find(|(_, s)| s == self)
            .map_or("?", |(k, _)| k);
        write!(f, "{{{token}}}")
    }
}

impl Slot {
    /// Slots that draw from their arguments and so need at least one.
    fn needs_args(self) -> bool {
        matches!(self, Slot::Verb(_) | Slot::Reading | Slot::Figure(_))
    }
}

/// A sentence frame: its pieces and how often it is drawn.
#[derive(Debug, Clone)]
pub struct Frame {
    pub id: String,
    pub weight: u32,
    /// Written as a paragraph of its own (a change that must not meet an earlier level).
    pub alone: bool,
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameRow {
    id: String,
    #[serde(default = "one")]
    weight: u32,
    #[serde(default)]
    alone: bool,
    text: String,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DistractorRow {
    text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Exclude {
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    number_words: Vec<String>,
    #[serde(default)]
    qualifiers: Vec<String>,
    #[serde(default)]
    changes: Vec<String>,
    #[serde(default)]
    baselines: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FramesFile {
    #[serde(default)]
    exclude: Exclude,
    topic_groups: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    fill: BTreeMap<String, Vec<String>>,
    frame: Vec<FrameRow>,
    #[serde(default)]
    distractor: Vec<DistractorRow>,
    #[serde(default)]
    headline: Vec<DistractorRow>,
}

/// A verb form with its canonical action and where it stands.
#[derive(Debug, Clone)]
pub struct VerbForm {
    pub form: String,
    pub position: Position,
}

/// Everything generation draws from: frames, fills and the lexicon's forms by canonical value.
#[derive(Debug, Clone)]
pub struct Templates {
    pub frames: Vec<Frame>,
    pub distractors: Vec<Vec<Piece>>,
    /// Headlines that state figures (`{province}` is the document's province).
    pub headlines: Vec<Vec<Piece>>,
    pub fill: BTreeMap<String, Vec<String>>,
    pub topic_groups: BTreeMap<String, Vec<String>>,
    /// action → verb forms.
    pub verbs: BTreeMap<String, Vec<VerbForm>>,
    /// (verb form, unit) → the action the form takes for that unit (`action_readings.csv`).
    pub readings: BTreeMap<(String, String), String>,
    /// unit → (form, factor).
    pub units: BTreeMap<String, Vec<(String, f64)>>,
    /// topic → forms usable as a topic phrase.
    pub topics: BTreeMap<String, Vec<String>>,
    /// Every topic form of the lexicon (also excluded ones), folded tokens → (topic, rank): to
    /// tell the topic a unit or verb names by itself.
    pub topic_phrases: Vec<(Vec<String>, String, i32)>,
    /// Indexes into `topic_phrases` by first folded token.
    topic_by_first: std::collections::HashMap<String, Vec<usize>>,
    pub qualifiers: Vec<(String, String)>,
    /// Every qualifier form of the lexicon, excluded ones too.
    pub qualifier_forms: Vec<String>,
    /// (form, direction), word forms only.
    pub changes: Vec<(String, String)>,
    pub multipliers: Vec<(String, f64)>,
    pub number_words: Vec<(String, f64)>,
    /// (pattern, baseline) from baselines.csv.
    pub baselines: Vec<(String, String)>,
    pub provinces: Vec<String>,
    /// What is written around the frames.
    pub furniture: Furniture,
}

/// Splits a frame text into text and `{kind:args}` slots.
pub fn parse_pieces(text: &str) -> Result<Vec<Piece>, String> {
    braced(text)?
        .into_iter()
        .map(|b| {
            let inner = match b {
                Braced::Text(t) => return Ok(Piece::Text(t.to_string())),
                Braced::Inside(inner) => inner,
            };
            let (kind, args) = match inner.split_once(':') {
                Some((k, a)) => (
                    k.trim(),
                    a.split(',').map(|s| s.trim().to_string()).collect(),
                ),
                None => (inner.trim(), Vec::new()),
            };
            let kind = kind
                .parse::<Slot>()
                .map_err(|_| format!("slot {{{kind}}}: unknown slot kind in `{text}`"))?;
            Ok(Piece::Slot { kind, args })
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct BaselineRow {
    pattern: String,
    baseline: String,
}

impl Templates {
    /// Reads the frames file and the furniture file and draws the vocabulary from `lex` (and
    /// `baselines.csv` of its folder). A slot naming an action, unit or topic group with no
    /// usable form is an error.
    pub fn load(
        frames_path: &Path,
        furniture_path: &Path,
        lex: &Lexicon,
    ) -> Result<Templates, GenError> {
        let furniture = Furniture::load(furniture_path)?;
        let text = std::fs::read_to_string(frames_path).map_err(|source| GenError::Read {
            path: frames_path.to_path_buf(),
            source,
        })?;
        let file: FramesFile = toml::from_str(&text).map_err(|e| GenError::Frames {
            path: frames_path.to_path_buf(),
            message: e.to_string(),
        })?;
        let bad = |message: String| GenError::Frames {
            path: frames_path.to_path_buf(),
            message,
        };
        let ex = &file.exclude;
        let keep = |list: &[String], form: &str| !list.iter().any(|x| x == form);

        let mut verbs: BTreeMap<String, Vec<VerbForm>> = BTreeMap::new();
        for r in &lex.action_rows {
            if keep(&ex.actions, &r.form) {
                verbs.entry(r.action.clone()).or_default().push(VerbForm {
                    form: r.form.clone(),
                    position: r.position,
                });
            }
        }
        let readings = lex
            .action_reading_rows
            .iter()
            .map(|r| ((r.form.clone(), r.unit.clone()), r.action.clone()))
            .collect();
        let mut units: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
        for r in &lex.unit_rows {
            if keep(&ex.units, &r.form) {
                units
                    .entry(r.unit.clone())
                    .or_default()
                    .push((r.form.clone(), r.factor));
            }
        }
        let mut topics: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in &lex.topic_rows {
            if keep(&ex.topics, &r.form) && r.rank >= 1 {
                topics
                    .entry(r.topic.clone())
                    .or_default()
                    .push(r.form.clone());
            }
        }
        let topic_phrases: Vec<(Vec<String>, String, i32)> = lex
            .topic_rows
            .iter()
            .map(|r| (form_tokens(&r.form), r.topic.clone(), r.rank))
            .collect();
        let qualifiers = lex
            .qualifier_rows
            .iter()
            .filter(|r| keep(&ex.qualifiers, &r.form))
            .map(|r| (r.form.clone(), r.qualifier.clone()))
            .collect();
        let mut topic_by_first: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, (form, _, _)) in topic_phrases.iter().enumerate() {
            if let Some(first) = form.first() {
                topic_by_first.entry(first.clone()).or_default().push(i);
            }
        }
        let qualifier_forms = lex.qualifier_rows.iter().map(|r| r.form.clone()).collect();
        let changes = lex
            .change_rows
            .iter()
            .filter(|r| keep(&ex.changes, &r.form))
            .filter(|r| r.direction == "increase" || r.direction == "decrease")
            .map(|r| (r.form.clone(), r.direction.clone()))
            .collect();
        let multipliers = lex
            .multiplier_rows
            .iter()
            .map(|r| (r.form.clone(), r.factor))
            .collect();
        let number_words = lex
            .number_word_rows
            .iter()
            .filter(|r| keep(&ex.number_words, &r.form))
            .map(|r| (r.form.clone(), r.value))
            .collect();
        let baselines_path = lex.dir.join("baselines.csv");
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(&baselines_path)
            .map_err(|e| GenError::Frames {
                path: baselines_path.clone(),
                message: e.to_string(),
            })?;
        let mut baselines = Vec::new();
        for row in reader.deserialize::<BaselineRow>() {
            let row = row.map_err(|e| GenError::Frames {
                path: baselines_path.clone(),
                message: e.to_string(),
            })?;
            if keep(&ex.baselines, &row.pattern) {
                baselines.push((row.pattern, row.baseline));
            }
        }
        let mut provinces: Vec<String> = lex
            .province_rows
            .iter()
            .filter(|r| r.form == r.province)
            .map(|r| r.province.clone())
            .collect();
        provinces.dedup();

        let mut frames = Vec::new();
        for row in &file.frame {
            let pieces = parse_pieces(&row.text).map_err(&bad)?;
            frames.push(Frame {
                id: row.id.clone(),
                weight: row.weight,
                alone: row.alone,
                pieces,
            });
        }
        let distractors = file
            .distractor
            .iter()
            .map(|d| parse_pieces(&d.text))
            .collect::<Result<Vec<_>, _>>()
            .map_err(&bad)?;
        let headlines = file
            .headline
            .iter()
            .map(|d| parse_pieces(&d.text))
            .collect::<Result<Vec<_>, _>>()
            .map_err(&bad)?;
        let t = Templates {
            frames,
            distractors,
            headlines,
            fill: file.fill,
            topic_groups: file.topic_groups,
            verbs,
            readings,
            units,
            topics,
            topic_phrases,
            topic_by_first,
            qualifiers,
            qualifier_forms,
            changes,
            multipliers,
            number_words,
            baselines,
            provinces,
            furniture,
        };
        t.check().map_err(bad)?;
        Ok(t)
    }

    /// Every slot of every frame can be filled.
    fn check(&self) -> Result<(), String> {
        if self.frames.is_empty() {
            return Err("no [[frame]]".into());
        }
        if self.provinces.is_empty() || self.changes.is_empty() || self.baselines.is_empty() {
            return Err("the lexicon has no provinces, change words or baselines".into());
        }
        let all = self
            .frames
            .iter()
            .map(|f| (f.id.as_str(), &f.pieces))
            .chain(self.distractors.iter().map(|d| ("distractor", d)))
            .chain(self.headlines.iter().map(|d| ("headline", d)));
        for (id, pieces) in all {
            for p in pieces {
                let Piece::Slot { kind, args } = p else {
                    continue;
                };
                let fail = |what: &str| Err(format!("frame `{id}`: slot {kind}: {what}"));
                match kind {
                    Slot::Verb(place) => {
                        for a in args {
                            if self.verbs_at(a, *place).is_empty() {
                                return fail(&format!("no usable verb form for action `{a}`"));
                            }
                        }
                    }
                    Slot::Reading => {
                        for a in args {
                            if self.action_of_form(a).is_none() {
                                return fail(&format!("`{a}` is no verb form of the lexicon"));
                            }
                        }
                    }
                    Slot::Figure(_) | Slot::ChangeRow => {
                        for u in args {
                            if self.units.get(u).is_none_or(|v| v.is_empty()) {
                                return fail(&format!("no usable unit form for `{u}`"));
                            }
                        }
                    }
                    Slot::Topic | Slot::Topics | Slot::FigureTopic => {
                        let group = args.first().map(String::as_str).unwrap_or("");
                        let Some(topics) = self.topic_groups.get(group) else {
                            return fail(&format!("no topic group `{group}`"));
                        };
                        if let Some(t) = topics
                            .iter()
                            .find(|t| self.topics.get(*t).is_none_or(|v| v.is_empty()))
                        {
                            return fail(&format!("no usable topic form for `{t}`"));
                        }
                    }
                    Slot::Fill => {
                        let name = args.first().map(String::as_str).unwrap_or("");
                        if self.fill.get(name).is_none_or(|v| v.is_empty()) {
                            return fail(&format!("no [fill] list `{name}`"));
                        }
                    }
                    _ => {}
                }
                if kind.needs_args() && args.is_empty() {
                    return fail("needs at least one argument");
                }
                let empty = match kind {
                    Slot::Figure(Number::Words) => self.number_words.is_empty(),
                    Slot::Figure(Number::Multiplied) => self.multipliers.is_empty(),
                    Slot::ChangeTimes => self.units.get("times").is_none_or(|v| v.is_empty()),
                    _ => false,
                };
                if empty {
                    return fail("the lexicon has no form for it");
                }
            }
        }
        Ok(())
    }

    /// The action a verb form names by itself (weak forms too: `có`).
    pub fn action_of_form(&self, form: &str) -> Option<&str> {
        self.verbs
            .iter()
            .find(|(_, forms)| forms.iter().any(|f| f.form == form))
            .map(|(action, _)| action.as_str())
    }

    /// The action verb `form` takes for figures of `unit`, when what they count decides it.
    pub fn reading(&self, form: &str, unit: &str) -> Option<&str> {
        self.readings
            .get(&(form.to_string(), unit.to_string()))
            .map(String::as_str)
    }

    /// Verb forms of an action usable in a verb slot of `place`.
    pub fn verbs_at(&self, action: &str, place: VerbPlace) -> Vec<&VerbForm> {
        match place {
            VerbPlace::Before => self.verbs_for(action, false),
            VerbPlace::After => self.verbs_for(action, true),
            VerbPlace::Passive => self.verbs_any(action),
        }
    }

    /// Verb forms of an action that stand before the figure (`after` false) or after it.
    pub fn verbs_for(&self, action: &str, after: bool) -> Vec<&VerbForm> {
        self.verbs
            .get(action)
            .map(|v| {
                v.iter()
                    .filter(|f| match f.position {
                        Position::Either => true,
                        Position::Before => !after,
                        Position::After => after,
                        Position::Weak => false,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Verb forms of an action in any position but weak: the verb after a passive word
    /// (`12 đối tượng bị khởi tố`), which may stand before or after.
    pub fn verbs_any(&self, action: &str) -> Vec<&VerbForm> {
        self.verbs
            .get(action)
            .map(|v| v.iter().filter(|f| f.position != Position::Weak).collect())
            .unwrap_or_default()
    }

    /// The topic a stretch of text names by itself when read from its start (`khẩu súng` →
    /// weapons), as the longest topic phrase of rank ≥ `min_rank` found scanning left to right.
    pub fn topic_named_in(&self, tokens: &[String], min_rank: i32) -> Option<(usize, &str, i32)> {
        let mut i = 0;
        while i < tokens.len() {
            let candidates = self.topic_by_first.get(&tokens[i]);
            let best = candidates
                .into_iter()
                .flatten()
                .map(|&k| &self.topic_phrases[k])
                .filter(|(form, _, _)| {
                    !form.is_empty()
                        && i + form.len() <= tokens.len()
                        && form.iter().zip(&tokens[i..]).all(|(a, b)| a == b)
                })
                .max_by_key(|(form, _, _)| form.len());
            match best {
                Some((form, topic, rank)) => {
                    if *rank >= min_rank {
                        return Some((i, topic.as_str(), *rank));
                    }
                    i += form.len();
                }
                None => i += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_split_text_and_slots() {
        let p = parse_pieces("đã {A:prosecuted,arrested} {F:case}, {C+}.").unwrap_or_default();
        assert_eq!(
            p,
            vec![
                Piece::Text("đã ".into()),
                Piece::Slot {
                    kind: Slot::Verb(VerbPlace::Before),
                    args: vec!["prosecuted".into(), "arrested".into()]
                },
                Piece::Text(" ".into()),
                Piece::Slot {
                    kind: Slot::Figure(Number::Digits),
                    args: vec!["case".into()]
                },
                Piece::Text(", ".into()),
                Piece::Slot {
                    kind: Slot::ChangeNext,
                    args: vec![]
                },
                Piece::Text(".".into()),
            ]
        );
        assert!(parse_pieces("{F:case").is_err());
        // A misspelt kind fails as the frames load, not when a document first draws it.
        assert!(parse_pieces("đã bắt {Fx:case}").is_err());
    }

    #[test]
    fn the_slots_of_the_new_constructions_parse() {
        let kinds = |text: &str| -> Vec<Slot> {
            parse_pieces(text)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Slot { kind, .. } => Some(kind),
                    Piece::Text(_) => None,
                })
                .collect()
        };
        assert_eq!(
            kinds("Trên địa bàn {AR:có} {F:case} {TF:offences}, {C:percent} năm {BY}."),
            vec![
                Slot::Reading,
                Slot::Figure(Number::Digits),
                Slot::FigureTopic,
                Slot::Change,
                Slot::BaselineYear
            ]
        );
        assert!(Slot::Reading.needs_args());
        assert_eq!(Slot::FigureTopic.to_string(), "{TF}");
    }
}
