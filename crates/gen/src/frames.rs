//! The generator's data: sentence frames (`pipelines/gen/frames.toml`) and the vocabulary drawn
//! from the pipeline's lexicon, grouped by canonical value.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use solieu_ingest::lexicon::Position;
use solieu_ingest::text::form_tokens;
use solieu_ingest::Lexicon;

use crate::GenError;

/// One piece of a frame: text written as is, or a slot.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    Slot { kind: String, args: Vec<String> },
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
}

/// Splits a frame text into text and `{kind:args}` slots.
pub fn parse_pieces(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed slot in `{text}`"))?;
        let inner = &after[..close];
        let (kind, args) = match inner.split_once(':') {
            Some((k, a)) => (
                k.trim().to_string(),
                a.split(',').map(|s| s.trim().to_string()).collect(),
            ),
            None => (inner.trim().to_string(), Vec::new()),
        };
        pieces.push(Piece::Slot { kind, args });
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

const SLOT_KINDS: &[&str] = &[
    "A", "AP", "AV", "F", "FW", "FM", "FD", "R", "C", "C+", "CS", "CP", "CT", "CR", "B", "T", "TT",
    "fill", "Y", "Y-1", "n", "m", "dm", "province",
];

#[derive(Debug, Deserialize)]
struct BaselineRow {
    pattern: String,
    baseline: String,
}

impl Templates {
    /// Reads the frames file and draws the vocabulary from `lex` (and `baselines.csv` of its
    /// folder). A slot naming an action, unit or topic group with no usable form is an error.
    pub fn load(frames_path: &Path, lex: &Lexicon) -> Result<Templates, GenError> {
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
                let fail = |what: &str| Err(format!("frame `{id}`: slot {{{kind}}}: {what}"));
                if !SLOT_KINDS.contains(&kind.as_str()) {
                    return fail("unknown slot kind");
                }
                match kind.as_str() {
                    "A" | "AP" | "AV" => {
                        for a in args {
                            let forms = match kind.as_str() {
                                "AV" => self.verbs_any(a),
                                _ => self.verbs_for(a, kind == "AP"),
                            };
                            if forms.is_empty() {
                                return fail(&format!("no usable verb form for action `{a}`"));
                            }
                        }
                    }
                    "F" | "FW" | "FM" | "FD" | "R" | "CR" => {
                        for u in args {
                            if self.units.get(u).is_none_or(|v| v.is_empty()) {
                                return fail(&format!("no usable unit form for `{u}`"));
                            }
                        }
                    }
                    "T" | "TT" => {
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
                    "fill" => {
                        let name = args.first().map(String::as_str).unwrap_or("");
                        if self.fill.get(name).is_none_or(|v| v.is_empty()) {
                            return fail(&format!("no [fill] list `{name}`"));
                        }
                    }
                    _ => {}
                }
                if matches!(
                    kind.as_str(),
                    "A" | "AP" | "AV" | "F" | "FW" | "FM" | "FD" | "R"
                ) && args.is_empty()
                {
                    return fail("needs at least one argument");
                }
            }
        }
        Ok(())
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
                    kind: "A".into(),
                    args: vec!["prosecuted".into(), "arrested".into()]
                },
                Piece::Text(" ".into()),
                Piece::Slot {
                    kind: "F".into(),
                    args: vec!["case".into()]
                },
                Piece::Text(", ".into()),
                Piece::Slot {
                    kind: "C+".into(),
                    args: vec![]
                },
                Piece::Text(".".into()),
            ]
        );
        assert!(parse_pieces("{F:case").is_err());
    }
}
