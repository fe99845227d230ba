//! One document through ingest and transform, shown for an audit (`solieu explain`): the
//! text ingest read with each mention highlighted and its observation row beside it, for the
//! terminal (ANSI colours) or as a self-contained HTML page.

use std::fmt::Write as _;
use std::path::PathBuf;

use polars::prelude::{DataFrame, DataType};
use solieu_ingest::{discover, read_records, to_frames, InputFormat};
use solieu_transform::transform;

use crate::error::{config, Context, Result};
use crate::file::Pipeline;
use crate::ingest::Ingestor;
use crate::plan::{defaults_of, lexicon_of};

/// Which document to explain, and with which pipeline's lexicon and defaults.
#[derive(Debug, Clone)]
pub struct ExplainRequest {
    /// A `.txt` report, or a JSONL/CSV/Parquet corpus (with `doc`).
    pub file: PathBuf,
    /// The id of the record to explain in a corpus file.
    pub doc: Option<String>,
    /// `auto` (by extension) when `None`, else `txt`, `jsonl`, `csv` or `parquet`.
    pub input_format: Option<String>,
    /// The pipeline file whose lexicon and defaults are used.
    pub pipeline: PathBuf,
}

/// One observation row as shown.
#[derive(Debug, Clone, Default)]
struct Row {
    idx: i64,
    start: usize,
    end: usize,
    mention: String,
    measure: String,
    value: Option<f64>,
    denominator: Option<f64>,
    unit: String,
    unit_raw: String,
    qualifier: String,
    topic: Option<String>,
    action: Option<String>,
    year: Option<i64>,
    period: Option<String>,
    change_direction: Option<String>,
    change_value: Option<f64>,
    change_unit: Option<String>,
    baseline: Option<String>,
}

/// The document shown: its fields, normalised text and rows.
pub struct Explained {
    pub doc_id: String,
    title: Option<String>,
    province: Option<String>,
    report_year: Option<i32>,
    event_date: Option<String>,
    text: String,
    rows: Vec<Row>,
}

fn strs(df: &DataFrame, c: &str) -> Result<Vec<Option<String>>> {
    Ok(df
        .column(c)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

fn floats(df: &DataFrame, c: &str) -> Result<Vec<Option<f64>>> {
    Ok(df.column(c)?.f64()?.iter().collect())
}

fn ints(df: &DataFrame, c: &str) -> Result<Vec<Option<i64>>> {
    let col = df.column(c)?.cast(&DataType::Int64)?;
    Ok(col.i64()?.iter().collect())
}

fn rows_of(o: &DataFrame) -> Result<Vec<Row>> {
    let (idx, start, end, year) = (
        ints(o, "obs_idx")?,
        ints(o, "span_start")?,
        ints(o, "span_end")?,
        ints(o, "year")?,
    );
    let (mention, measure, unit, unit_raw, qualifier) = (
        strs(o, "mention")?,
        strs(o, "measure")?,
        strs(o, "unit")?,
        strs(o, "unit_raw")?,
        strs(o, "qualifier")?,
    );
    let (topic, action, period, dir, cunit, baseline) = (
        strs(o, "topic")?,
        strs(o, "action")?,
        strs(o, "period")?,
        strs(o, "change_direction")?,
        strs(o, "change_unit")?,
        strs(o, "baseline")?,
    );
    let (value, denominator, cvalue) = (
        floats(o, "value")?,
        floats(o, "denominator")?,
        floats(o, "change_value")?,
    );
    Ok((0..o.height())
        .map(|k| Row {
            idx: idx[k].unwrap_or(k as i64),
            start: start[k].unwrap_or(0).max(0) as usize,
            end: end[k].unwrap_or(0).max(0) as usize,
            mention: mention[k].clone().unwrap_or_default(),
            measure: measure[k].clone().unwrap_or_default(),
            value: value[k],
            denominator: denominator[k],
            unit: unit[k].clone().unwrap_or_default(),
            unit_raw: unit_raw[k].clone().unwrap_or_default(),
            qualifier: qualifier[k].clone().unwrap_or_default(),
            topic: topic[k].clone(),
            action: action[k].clone(),
            year: year[k],
            period: period[k].clone(),
            change_direction: dir[k].clone(),
            change_value: cvalue[k],
            change_unit: cunit[k].clone(),
            baseline: baseline[k].clone(),
        })
        .collect())
}

/// Reads the one document to explain and runs it through ingest and transform.
pub fn explain(args: &ExplainRequest) -> Result<Explained> {
    let pipeline = Pipeline::load(&args.pipeline).map_err(config)?;
    let lexicon = lexicon_of(&pipeline)?;
    let format = args
        .input_format
        .as_deref()
        .unwrap_or("auto")
        .parse::<InputFormat>()
        .map_err(config)?;
    let input = args.file.display().to_string();
    let files = discover(std::slice::from_ref(&input), format).map_err(config)?;
    let mut records = Vec::new();
    for f in &files {
        for r in read_records(f) {
            match r {
                Ok(rec) => records.push(rec),
                Err(rej) if args.doc.is_none() => {
                    return Err(config(format!("{}: {}", rej.source, rej.reason)))
                }
                Err(_) => {}
            }
        }
    }
    let record = match &args.doc {
        Some(id) => records
            .into_iter()
            .find(|r| &r.doc_id == id)
            .ok_or_else(|| config(format!("{input} has no document with id `{id}`")))?,
        None if records.len() == 1 => records.remove(0),
        None => {
            let ids: Vec<&str> = records.iter().take(5).map(|r| r.doc_id.as_str()).collect();
            return Err(config(format!(
                "{input} holds {} documents: pick one with --doc ID (for instance {})",
                records.len(),
                ids.join(", ")
            )));
        }
    };
    let defaults = defaults_of(&pipeline, &args.pipeline, &lexicon)?;
    let (doc, text) = Ingestor::new(&lexicon, &defaults)
        .document_and_text(&record)
        .map_err(|r| config(format!("{}: {}", r.source, r.reason)))?;
    let event_date = doc
        .event_date
        .map(|d| format!("{}-{:02}-{:02}", d.year, d.month, d.day));
    let fields = (
        doc.doc_id.clone(),
        doc.title.clone(),
        doc.province.clone(),
        doc.report_year,
    );
    let staged = to_frames(&[doc], &[]).context("cannot build ingest tables")?;
    let data = transform(staged, &lexicon)?;
    Ok(Explained {
        doc_id: fields.0,
        title: fields.1,
        province: fields.2,
        report_year: fields.3,
        event_date,
        text,
        rows: rows_of(&data.observations)?,
    })
}

fn num(v: f64) -> String {
    format!("{v}")
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "–".to_string(), |x| x.to_string())
}

/// The change of a row in words: `decrease 9 count vs year:2022`.
fn change_text(r: &Row) -> String {
    match (&r.change_direction, r.change_value) {
        (Some(d), Some(v)) => format!(
            "{d} {} {}{}",
            num(v),
            opt(&r.change_unit),
            r.baseline
                .as_ref()
                .map_or(String::new(), |b| format!(" vs {b}"))
        ),
        _ => "–".into(),
    }
}

fn value_text(r: &Row) -> String {
    let v = r.value.map_or_else(|| "?".into(), num);
    match r.denominator {
        Some(d) => format!("{v}/{}", num(d)),
        None => v,
    }
}

/// One line per row for the terminal.
fn row_line(r: &Row) -> String {
    format!(
        "{} {} | {} | action {} | topic {} | year {}{} | {} | change {}",
        value_text(r),
        r.unit,
        r.measure,
        opt(&r.action),
        opt(&r.topic),
        opt(&r.year),
        r.period
            .as_ref()
            .map_or(String::new(), |p| format!(" ({p})")),
        r.qualifier,
        change_text(r)
    )
}

/// Paragraphs (byte ranges) of the normalised text.
fn paragraphs(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in text.split("\n\n") {
        out.push((start, start + part.len()));
        start += part.len() + 2;
    }
    out
}

/// Rows whose span is usable in `text` (on char boundaries, in order, not overlapping).
fn spans<'a>(text: &str, rows: &'a [Row]) -> Vec<&'a Row> {
    let mut out: Vec<&Row> = Vec::new();
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    for r in sorted {
        let fits = r.start < r.end
            && r.end <= text.len()
            && text.is_char_boundary(r.start)
            && text.is_char_boundary(r.end)
            && out.last().is_none_or(|l| l.end <= r.start);
        if fits {
            out.push(r);
        }
    }
    out
}

const BOLD_LEVEL: &str = "\x1b[1;30;43m";
const BOLD_CHANGE: &str = "\x1b[1;30;46m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// `s` with every control character but line breaks and tabs replaced by one of the same
/// UTF-8 length (`?` or `¿`), so byte spans into it stay right. Ids, titles and texts come from
/// inputs, and a terminal acts on escape sequences in them (OSC 52 writes the clipboard).
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() && c.len_utf8() == 1 => '?',
            c if c.is_control() => '¿',
            c => c,
        })
        .collect()
}

/// [`printable`] of an optional field.
fn printable_opt(o: &Option<String>) -> Option<String> {
    o.as_deref().map(printable)
}

impl Row {
    fn printable(&self) -> Row {
        Row {
            mention: printable(&self.mention),
            measure: printable(&self.measure),
            unit: printable(&self.unit),
            unit_raw: printable(&self.unit_raw),
            qualifier: printable(&self.qualifier),
            topic: printable_opt(&self.topic),
            action: printable_opt(&self.action),
            period: printable_opt(&self.period),
            change_direction: printable_opt(&self.change_direction),
            change_unit: printable_opt(&self.change_unit),
            baseline: printable_opt(&self.baseline),
            ..self.clone()
        }
    }
}

/// The terminal view: each paragraph with its mentions highlighted and numbered, then the rows
/// of those mentions.
fn terminal(e: &Explained, color: bool) -> String {
    let e = &Explained {
        doc_id: printable(&e.doc_id),
        title: printable_opt(&e.title),
        province: printable_opt(&e.province),
        report_year: e.report_year,
        event_date: printable_opt(&e.event_date),
        text: printable(&e.text),
        rows: e.rows.iter().map(Row::printable).collect(),
    };
    let mut out = String::new();
    let paint = |s: &str, code: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    let _ = writeln!(
        out,
        "{}",
        paint(
            &format!(
                "{} | title {} | province {} | report_year {} | event_date {} | {} observations",
                e.doc_id,
                opt(&e.title),
                opt(&e.province),
                opt(&e.report_year),
                opt(&e.event_date),
                e.rows.len()
            ),
            DIM
        )
    );
    let shown = spans(&e.text, &e.rows);
    for (ps, pe) in paragraphs(&e.text) {
        let inside: Vec<&&Row> = shown
            .iter()
            .filter(|r| r.start >= ps && r.end <= pe)
            .collect();
        let mut at = ps;
        let mut line = String::new();
        for r in &inside {
            line.push_str(&e.text[at..r.start]);
            let code = if r.measure == "change" {
                BOLD_CHANGE
            } else {
                BOLD_LEVEL
            };
            let mark = if color {
                format!(
                    "{code}{}{RESET}{DIM}[{}]{RESET}",
                    &e.text[r.start..r.end],
                    r.idx
                )
            } else {
                format!("[[{}]]{{{}}}", &e.text[r.start..r.end], r.idx)
            };
            line.push_str(&mark);
            at = r.end;
        }
        line.push_str(&e.text[at..pe]);
        let _ = writeln!(out, "\n{line}");
        for r in inside {
            let _ = writeln!(
                out,
                "  {} {}",
                paint(&format!("[{}]", r.idx), DIM),
                row_line(r)
            );
        }
    }
    let missing: Vec<&Row> = e
        .rows
        .iter()
        .filter(|r| !shown.iter().any(|s| s.idx == r.idx))
        .collect();
    for r in missing {
        let _ = writeln!(
            out,
            "  [{}] «{}» (span not shown) {}",
            r.idx,
            r.mention,
            row_line(r)
        );
    }
    out
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:12px 24px;background:#263238;color:#eceff1}
header h1{font-size:18px;margin:0 0 4px}
header .meta{font-size:13px;opacity:.85}
main{display:flex;gap:24px;padding:16px 24px;align-items:flex-start}
#text{flex:3;background:#fff;padding:8px 20px;border:1px solid #ddd;border-radius:6px}
#text p{margin:10px 0}
aside{flex:2;position:sticky;top:12px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;font-size:14px;min-height:80px}
aside dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
aside dt{color:#666}
mark{padding:0 2px;border-radius:3px;cursor:pointer;background:#ffe082}
mark.change{background:#80deea}
mark sup{font-size:10px;color:#555;margin-left:1px}
mark.active,tr.active{outline:2px solid #d84315}
table{border-collapse:collapse;margin:0 24px 32px;font-size:13px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eceff1;position:sticky;top:0}
tr.obs{cursor:pointer}
tr.obs:hover{background:#fff8e1}
h2{margin:8px 24px;font-size:16px}
"#;

const JS: &str = r#"
(function(){
  var rows = JSON.parse(document.getElementById('rows').textContent);
  var panel = document.getElementById('panel');
  var names = ['mention','value','denominator','unit','unit_raw','measure','qualifier','action','topic','year','period','change_direction','change_value','change_unit','baseline'];
  function show(i){
    document.querySelectorAll('.active').forEach(function(e){e.classList.remove('active');});
    var r = rows[i]; if(!r) return;
    var dl = '<dl><dt>obs_idx</dt><dd>' + i + '</dd>';
    names.forEach(function(n){
      var v = r[n]; if (v === null || v === undefined || v === '') v = '–';
      var d = document.createElement('span'); d.textContent = String(v);
      dl += '<dt>' + n + '</dt><dd>' + d.innerHTML + '</dd>';
    });
    panel.innerHTML = dl + '</dl>';
    document.querySelectorAll('[data-i="' + i + '"]').forEach(function(e){e.classList.add('active');});
  }
  document.addEventListener('click', function(ev){
    var t = ev.target.closest('[data-i]'); if(!t) return;
    show(t.getAttribute('data-i'));
    var other = t.tagName === 'TR' ? document.querySelector('mark[data-i="' + t.getAttribute('data-i') + '"]')
                                   : document.querySelector('tr[data-i="' + t.getAttribute('data-i') + '"]');
    if (other) other.scrollIntoView({block:'nearest'});
  });
  document.addEventListener('mouseover', function(ev){
    var t = ev.target.closest('mark[data-i]'); if(t) show(t.getAttribute('data-i'));
  });
})();
"#;

fn json_row(r: &Row) -> serde_json::Value {
    serde_json::json!({
        "mention": r.mention, "value": r.value, "denominator": r.denominator, "unit": r.unit,
        "unit_raw": r.unit_raw, "measure": r.measure, "qualifier": r.qualifier,
        "action": r.action, "topic": r.topic, "year": r.year, "period": r.period,
        "change_direction": r.change_direction, "change_value": r.change_value,
        "change_unit": r.change_unit, "baseline": r.baseline,
    })
}

/// The audit page: inline CSS and JS, no network. Hovering or clicking a mention shows its
/// row; the table lists every row.
fn html(e: &Explained) -> String {
    let mut rows_by_idx: Vec<serde_json::Value> = Vec::new();
    let max = e.rows.iter().map(|r| r.idx).max().unwrap_or(-1);
    rows_by_idx.resize((max + 1).max(0) as usize, serde_json::Value::Null);
    for r in &e.rows {
        if let Some(slot) = rows_by_idx.get_mut(r.idx.max(0) as usize) {
            *slot = json_row(r);
        }
    }
    // Inside <script>, `</` must not appear: escape it in the JSON.
    let data = serde_json::Value::Array(rows_by_idx)
        .to_string()
        .replace("</", "<\\/");
    let mut body = String::new();
    let shown = spans(&e.text, &e.rows);
    for (ps, pe) in paragraphs(&e.text) {
        let mut at = ps;
        body.push_str("<p>");
        for r in shown.iter().filter(|r| r.start >= ps && r.end <= pe) {
            body.push_str(&esc(&e.text[at..r.start]).replace('\n', "<br>"));
            let _ = write!(
                body,
                "<mark class=\"{}\" data-i=\"{}\" title=\"{}\">{}<sup>{}</sup></mark>",
                esc(&r.measure),
                r.idx,
                esc(&row_line(r)),
                esc(&e.text[r.start..r.end]),
                r.idx
            );
            at = r.end;
        }
        body.push_str(&esc(&e.text[at..pe]).replace('\n', "<br>"));
        body.push_str("</p>\n");
    }
    let mut table = String::new();
    for r in &e.rows {
        let _ = writeln!(
            table,
            "<tr class=\"obs\" data-i=\"{i}\" data-value=\"{v}\"><td>{i}</td><td class=\"m\">{m}</td><td>{val}</td><td>{u}</td><td>{me}</td><td>{a}</td><td>{t}</td><td>{y}</td><td>{p}</td><td>{q}</td><td>{c}</td></tr>",
            i = r.idx,
            v = r.value.map_or_else(String::new, num),
            m = esc(&r.mention),
            val = esc(&value_text(r)),
            u = esc(&r.unit),
            me = esc(&r.measure),
            a = esc(&opt(&r.action)),
            t = esc(&opt(&r.topic)),
            y = esc(&opt(&r.year)),
            p = esc(&opt(&r.period)),
            q = esc(&r.qualifier),
            c = esc(&change_text(r)),
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\n<title>solieu explain: {id}</title>\n<style>{CSS}</style></head>\n<body>\n<header><h1>{title}</h1><div class=\"meta\">{id} · province {prov} · report_year {year} · event_date {date} · {n} observations</div></header>\n<main><div id=\"text\">\n{body}</div>\n<aside id=\"panel\">Hover or click a highlighted figure to see its row.</aside></main>\n<h2>Observations</h2>\n<table><thead><tr><th>obs_idx</th><th>mention</th><th>value</th><th>unit</th><th>measure</th><th>action</th><th>topic</th><th>year</th><th>period</th><th>qualifier</th><th>change</th></tr></thead><tbody>\n{table}</tbody></table>\n<script type=\"application/json\" id=\"rows\">{data}</script>\n<script>{JS}</script>\n</body></html>\n",
        id = esc(&e.doc_id),
        title = esc(e.title.as_deref().unwrap_or(&e.doc_id)),
        prov = esc(&opt(&e.province)),
        year = esc(&opt(&e.report_year)),
        date = esc(&opt(&e.event_date)),
        n = e.rows.len(),
    )
}

impl Explained {
    /// Observation rows found.
    pub fn observations(&self) -> usize {
        self.rows.len()
    }

    /// The terminal view, with ANSI colours when `color`.
    pub fn terminal(&self, color: bool) -> String {
        terminal(self, color)
    }

    /// The self-contained HTML page.
    pub fn html(&self) -> String {
        html(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_markup() {
        assert_eq!(
            esc("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn overlapping_or_broken_spans_are_skipped() {
        let text = "Bắt 12 vụ.";
        // `12 vụ` is bytes 6..13 (`ắ` and `ụ` take three bytes each).
        let a = Row {
            idx: 0,
            start: 6,
            end: 13,
            ..Row::default()
        };
        let b = Row {
            idx: 1,
            start: 7,
            end: 13,
            ..Row::default()
        };
        let c = Row {
            idx: 2,
            start: 2,
            end: 4, // inside `ắ`
            ..Row::default()
        };
        let rows = [a, b, c];
        assert_eq!(&text[6..13], "12 vụ");
        let shown: Vec<i64> = spans(text, &rows).iter().map(|r| r.idx).collect();
        assert_eq!(shown, vec![0]);
    }

    #[test]
    fn control_characters_in_ids_and_text_never_reach_the_terminal() {
        let text = "Bắt \u{1b}]52;c;ZWNobw==\u{7}5 vụ\u{9b}31m.\nDòng hai";
        let e = Explained {
            doc_id: "a\u{1b}[2J".into(),
            title: Some("t\u{1b}]0;x\u{7}".into()),
            province: None,
            report_year: None,
            event_date: None,
            text: text.into(),
            rows: vec![Row {
                start: text.find('5').unwrap_or(0),
                end: text.find('5').unwrap_or(0) + 1,
                mention: "5 vụ".into(),
                ..Row::default()
            }],
        };
        let shown = e.terminal(false);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert!(shown.contains("[[5]]{0}"), "spans still land: {shown}");
        assert!(shown.contains("Dòng hai"));
    }
}
