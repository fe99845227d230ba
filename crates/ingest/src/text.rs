//! Text as it arrives, made into text that rules can read: decoding, Unicode NFC, whitespace,
//! leftover HTML, and the case- and tone-placement-insensitive `fold` that every lexicon match
//! goes through.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use crate::encoding::{decode_utf16, decode_windows_1258, BadUtf16, NotWindows1258, Utf16};

/// Why raw bytes could not become a document's text. Each reads as a `rejects` reason an
/// analyst can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeProblem {
    Empty,
    Binary,
    /// UTF-8 up to the very end, where a character is cut off: a truncated file.
    TruncatedUtf8 {
        at: usize,
    },
    /// A UTF-16 byte-order mark, but the rest is not UTF-16.
    BadUtf16(BadUtf16),
    /// Neither UTF-8, UTF-16 with a BOM, nor Vietnamese text in Windows-1258.
    UnknownEncoding {
        valid_up_to: usize,
        why_not_1258: NotWindows1258,
    },
}

impl std::fmt::Display for DecodeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeProblem::Empty => write!(f, "empty: no text after removing whitespace"),
            DecodeProblem::Binary => write!(
                f,
                "binary: contains NUL bytes (not text, or UTF-16 without a byte-order mark)"
            ),
            DecodeProblem::TruncatedUtf8 { at } => write!(
                f,
                "truncated: the file ends inside a UTF-8 character at byte {at} (cut off while written?)"
            ),
            DecodeProblem::BadUtf16(BadUtf16::OddLength) => write!(
                f,
                "truncated: UTF-16 (byte-order mark) with an odd number of bytes"
            ),
            DecodeProblem::BadUtf16(BadUtf16::UnpairedSurrogate { at }) => write!(
                f,
                "bad UTF-16: the byte-order mark says UTF-16, but byte {at} is half a character"
            ),
            DecodeProblem::UnknownEncoding {
                valid_up_to,
                why_not_1258,
            } => write!(
                f,
                "unknown encoding: not UTF-8 (invalid byte sequence at byte {valid_up_to}), no UTF-16 byte-order mark, and not Windows-1258 ({why_not_1258}); save it as UTF-8"
            ),
        }
    }
}

/// Decodes a document's raw bytes: UTF-8 (a leading BOM is dropped); UTF-16 when a byte-order
/// mark says so; Windows-1258 when the bytes are not UTF-8, hold no NUL and read as Vietnamese.
/// Anything else is a problem the caller turns into a `rejects` row: a wrong guess would
/// silently corrupt figures, so only encodings that can be told apart are decoded.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeProblem> {
    if let Some(order) = Utf16::from_bom(bytes) {
        let text = decode_utf16(bytes, order).map_err(DecodeProblem::BadUtf16)?;
        return checked(Cow::Owned(text));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Looked for in the bytes, once: neither UTF-8 nor Windows-1258 makes a NUL of others.
    if memchr::memchr(0, bytes).is_some() {
        return Err(DecodeProblem::Binary);
    }
    // Vectorised, with std's answer on failure (where the bad bytes start, whether cut short).
    let text = match simdutf8::compat::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        // Only the last character is cut off: a truncated UTF-8 file, not another encoding.
        Err(e) if e.error_len().is_none() => {
            return Err(DecodeProblem::TruncatedUtf8 {
                at: e.valid_up_to(),
            })
        }
        Err(e) => Cow::Owned(decode_windows_1258(bytes).map_err(|why_not_1258| {
            DecodeProblem::UnknownEncoding {
                valid_up_to: e.valid_up_to(),
                why_not_1258,
            }
        })?),
    };
    not_empty(text)
}

/// [`decode`] of text a corpus format has already decoded and checked as UTF-8: the same
/// answer, without validating it a second time.
pub fn decode_str(text: &str) -> Result<Cow<'_, str>, DecodeProblem> {
    // A UTF-16 BOM is no UTF-8 text's first bytes; a UTF-8 one is a character here.
    checked(Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text)))
}

/// What [`decode`] refuses of a text decoded from UTF-16, and [`decode_str`] of any.
fn checked(text: Cow<'_, str>) -> Result<Cow<'_, str>, DecodeProblem> {
    if text.contains('\0') {
        return Err(DecodeProblem::Binary);
    }
    not_empty(text)
}

fn not_empty(text: Cow<'_, str>) -> Result<Cow<'_, str>, DecodeProblem> {
    if text.trim().is_empty() {
        return Err(DecodeProblem::Empty);
    }
    Ok(text)
}

/// The normalised text every span points into: HTML entities decoded and tags removed, NFC,
/// line breaks as `\n`, every other kind of space as one ASCII space, zero-width characters
/// gone, lines trimmed, and at most one blank line in a row.
pub fn normalize(raw: &str) -> String {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    // Blank lines and spaces around the text are dropped whatever they are.
    let core = raw.trim_matches([' ', '\n']);
    if already_normal(core) {
        return core.to_string();
    }
    normalize_by_steps(raw)
}

/// [`normalize`] of a text the caller owns: one that is normal already, as most corpus texts
/// are, is handed back as it is instead of copied. (A byte-order mark is an invisible
/// character, which [`already_normal`] refuses, so it is dropped as [`normalize`] drops it.)
pub(crate) fn normalize_owned(raw: String) -> String {
    if already_normal(&raw) {
        return raw;
    }
    normalize(&raw)
}

/// `text.split('\n')`, each newline found by a vectorised search: every text is cut into
/// lines, at least twice.
pub(crate) fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain([text.len()])
        .map(move |end| {
            let line = &text[start..end];
            start = end + 1;
            line
        })
}

/// [`normalize`] for a text that needs some of it.
fn normalize_by_steps(raw: &str) -> String {
    let unhtml = strip_html(raw);
    // Most text arrives composed already: the quick check is a table lookup per character,
    // composing is a buffer and a sort per character.
    let composed = non_ascii_chars(&unhtml).all(composed_starter)
        || unicode_normalization::is_nfc_quick(unhtml.chars())
            == unicode_normalization::IsNormalized::Yes;
    let nfc: Cow<str> = if composed {
        Cow::Borrowed(&unhtml)
    } else {
        Cow::Owned(unhtml.nfc().collect())
    };
    let mut out = String::with_capacity(nfc.len());
    let mut blank_run = 0usize;
    for line in split_lines(&nfc) {
        let cleaned = clean_line(line);
        if cleaned.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_run > 0 {
                out.push('\n');
            }
        }
        blank_run = 0;
        out.push_str(&cleaned);
    }
    out
}

/// Whether [`normalize`] would give `text` back as it is: no markup, composed letters only,
/// single spaces inside lines, no other spacing or control characters, no blank line at either
/// end and none doubled. Most corpus texts are, and one pass tells it.
fn already_normal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let at_ends = |b: Option<&u8>| b.is_some_and(|&b| b == b'\n' || b == b' ');
    if at_ends(bytes.first()) || at_ends(bytes.last()) {
        return false;
    }
    // Whole-text searches, each a vectorised scan, rather than a state machine per byte.
    let controls = has_control(bytes, b'\n');
    let spacing = ["  ", " \n", "\n ", "\n\n\n"]
        .iter()
        .any(|p| memchr::memmem::find(bytes, p.as_bytes()).is_some());
    if controls || spacing || memchr::memchr2(b'<', b'&', bytes).is_some() {
        return false;
    }
    all_kept_as_they_are(text)
}

/// Whether every non-ASCII character of `text` is [`kept_as_it_is`]: the Vietnamese letters
/// among them are told from their UTF-8 bytes (see [`kept_letter_len`]), the rest decoded.
fn all_kept_as_they_are(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        i = next_flagged(bytes, i, false);
        if i >= bytes.len() {
            break;
        }
        if let Some(n) = kept_letter_len(&bytes[i..]) {
            i += n;
            continue;
        }
        match char_at(text, i) {
            Some(c) if kept_as_it_is(c) => i += c.len_utf8(),
            _ => return false,
        }
    }
    true
}

/// The byte length of the character `bytes` start with when [`kept_as_it_is`] answers it by
/// its range alone (U+00C0..U+017F, U+01A0..U+01B0, U+1EA0..U+1EF9), told from its UTF-8
/// bytes.
fn kept_letter_len(bytes: &[u8]) -> Option<usize> {
    match *bytes {
        [0xc3..=0xc5, _, ..] | [0xc6, 0xa0..=0xb0, ..] => Some(2),
        [0xe1, 0xba, 0xa0..=0xbf, ..] | [0xe1, 0xbb, 0x80..=0xb9, ..] => Some(3),
        _ => None,
    }
}

/// A non-ASCII character [`normalize`] keeps wherever it stands: a composed starter that is no
/// space, control or invisible character. Vietnamese letters, nearly every non-ASCII character
/// of a report, are answered by their range alone, without the Unicode tables.
fn kept_as_it_is(c: char) -> bool {
    match c {
        '\u{c0}'..='\u{17f}' | '\u{1a0}'..='\u{1b0}' | '\u{1ea0}'..='\u{1ef9}' => true,
        _ => composed_starter(c) && !spacing_or_control(c),
    }
}

/// The first byte of `bytes` from `i` on that is not ASCII, or, with `upper`, is an ASCII
/// capital: the only bytes [`all_kept_as_they_are`] and [`FoldedText::new`] have to look at.
/// Eight bytes are tested at a time, so a reader branches per such character instead of per
/// byte (Vietnamese text switches between ASCII and other characters every few bytes).
#[inline]
fn next_flagged(bytes: &[u8], mut i: usize, upper: bool) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    while let Some(word) = bytes
        .get(i..i + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    {
        let w = u64::from_le_bytes(word);
        let mut flagged = w & HIGH;
        if upper {
            // A byte's low seven bits plus 0x3f reach 0x80 from `A` (0x41) on, plus 0x25 from
            // past `Z` (0x5b) on; neither sum carries into the next byte.
            let low = w & !HIGH;
            let from_a = (low + 0x3f * ONES) & HIGH;
            let past_z = (low + 0x25 * ONES) & HIGH;
            flagged |= from_a & !past_z;
        }
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if !b.is_ascii() || (upper && b.is_ascii_uppercase()) {
            return i;
        }
        i += 1;
    }
    i
}

/// Whether `bytes` hold an ASCII control character other than `allowed`. No early exit
/// inside a block, so the compiler can vectorise it.
fn has_control(bytes: &[u8], allowed: u8) -> bool {
    bytes.chunks(64).any(|block| {
        block.iter().fold(false, |seen, &b| {
            seen | ((b < 0x20) & (b != allowed)) | (b == 0x7f)
        })
    })
}

/// The characters of `text` that are not ASCII, found by skipping ASCII runs byte-wise: a
/// report is mostly ASCII, and decoding it character by character is the slow part.
fn non_ascii_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        i += bytes.get(i..)?.iter().position(|&b| !b.is_ascii())?;
        let c = char_at(text, i)?;
        i += c.len_utf8();
        Some(c)
    })
}

/// A space, control or invisible character: what [`clean_line`] removes or turns into one
/// ASCII space.
fn spacing_or_control(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_invisible(c)
}

/// A character NFC keeps as it is whatever surrounds it (quick check yes, combining class 0):
/// ASCII, the precomposed Latin letters Vietnamese is written in, and the dashes and quotes of
/// General Punctuation. A text of these alone is NFC without the table lookups per character.
fn composed_starter(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{7f}' | '\u{a0}'..='\u{17f}' | '\u{1a0}'..='\u{1b0}' | '\u{1ea0}'..='\u{1ef9}' | '\u{2010}'..='\u{2027}')
}

/// Characters a line loses: zero-width spaces and joiners, the BOM, soft hyphens.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
    )
}

/// One line with invisible characters gone and every run of other spaces or control
/// characters as one ASCII space, none at either end. Most lines are clean already and are
/// returned as they are.
fn clean_line(line: &str) -> Cow<'_, str> {
    let clean = !line.starts_with(' ')
        && !line.ends_with(' ')
        && !line.contains("  ")
        && !has_control(line.as_bytes(), b' ')
        && !non_ascii_chars(line).any(spacing_or_control);
    if clean {
        return Cow::Borrowed(line);
    }
    let mut cleaned = String::with_capacity(line.len());
    let mut pending_space = false;
    for c in line.chars() {
        match c {
            c if is_invisible(c) => {}
            c if spacing_or_control(c) => pending_space = true,
            c => {
                if pending_space && !cleaned.is_empty() {
                    cleaned.push(' ');
                }
                pending_space = false;
                cleaned.push(c);
            }
        }
    }
    Cow::Owned(cleaned)
}

/// Removes tags left by scraping and decodes the common entities; block tags become line breaks
/// so paragraphs survive.
fn strip_html(raw: &str) -> String {
    if !raw.contains('<') && !raw.contains('&') {
        return raw.replace("\r\n", "\n").replace('\r', "\n");
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find(['<', '&', '\r']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix('\r') {
            out.push('\n');
            rest = after.strip_prefix('\n').unwrap_or(after);
        } else if let Some(after) = tail.strip_prefix('<') {
            match tag_len(tail) {
                Some((len, block)) => {
                    out.push(if block { '\n' } else { ' ' });
                    rest = &tail[len..];
                }
                None => {
                    out.push('<');
                    rest = after;
                }
            }
        } else {
            match entity(tail) {
                Some((len, c, mark)) => {
                    out.push(c);
                    out.extend(mark);
                    rest = &tail[len..];
                }
                None => {
                    out.push('&');
                    rest = &tail[1..];
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// Length of a tag at the start of `s` and whether it breaks a block; `None` when the `<` is text.
fn tag_len(s: &str) -> Option<(usize, bool)> {
    let body = s.get(1..)?;
    let first = body.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!') {
        return None;
    }
    let end = body.find('>')?;
    if body[..end].contains('<') || end > 2000 {
        return None;
    }
    let name: String = body
        .trim_start_matches(['/', '!'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let block = matches!(
        name.as_str(),
        "p" | "br" | "div" | "li" | "ul" | "ol" | "tr" | "table" | "h1" | "h2" | "h3" | "h4"
    );
    Some((end + 2, block))
}

/// A character entity at the start of `s`: its length, its character and, for an accented
/// Latin letter (`&uacute;`, `&ecirc;`), the combining mark that NFC then composes with it.
fn entity(s: &str) -> Option<(usize, char, Option<char>)> {
    // Bytes, not a str slice: the 12th byte may fall inside the next letter (`&uacute;y tổ`).
    let end = s.as_bytes().iter().take(12).position(|&b| b == b';')?;
    let name = s.get(1..end)?;
    let mut letter = name.chars();
    if let (Some(l), accent) = (letter.next(), letter.as_str()) {
        let mark = match accent {
            "grave" => Some('\u{300}'),
            "acute" => Some('\u{301}'),
            "circ" => Some('\u{302}'),
            "tilde" => Some('\u{303}'),
            "uml" => Some('\u{308}'),
            _ => None,
        };
        if let Some(mark) = mark.filter(|_| l.is_ascii_alphabetic()) {
            return Some((end + 1, l, Some(mark)));
        }
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "ldquo" => '“',
        "rdquo" => '”',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)?
        }
    };
    Some((end + 1, c, None))
}

/// The key two spellings of one word share: lower case, and the tone mark on the vowel a
/// traditional spelling puts it on (`tuý` and `túy`, `hoà` and `hòa` fold alike). Lexicon forms
/// and text are compared through it.
pub fn fold(word: &str) -> String {
    fold_word(word).into_string()
}

/// A folded word ([`fold`]). `compact_str` (polars' own small string) keeps up to 24 bytes
/// inline, which holds nearly every Vietnamese word: tokenising allocated a String per word.
pub type Folded = compact_str::CompactString;

/// [`fold`] into a [`Folded`]: lowered a character at a time, then each new-style tone pair
/// rewritten (see [`TONE_MOVES`]), in one pass.
pub fn fold_word(word: &str) -> Folded {
    if word.is_ascii() {
        let mut out = Folded::from(word);
        out.make_ascii_lowercase();
        return out;
    }
    if is_folded(word) {
        return Folded::from(word);
    }
    // Written on the stack, then copied once. Lowering at most doubles a character's bytes,
    // so a word of up to half the buffer always fits; longer ones (never Vietnamese words)
    // take the general road.
    let mut buf = [0u8; 96];
    if word.len() > buf.len() / 2 {
        return Folded::from(fold_by_chars(word));
    }
    let mut len = 0;
    let bytes = word.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            buf[len] = b.to_ascii_lowercase();
            len += 1;
            i += 1;
            continue;
        }
        let Some(c) = char_at(word, i) else {
            break;
        };
        i += c.len_utf8();
        let mut put = |l: char| {
            // A tone pair's second letter is never ASCII, and no pair ends in `o` or `u`: the
            // byte before is the pair's first letter exactly when it is an unpaired `o`/`u`.
            let moved = len
                .checked_sub(1)
                .filter(|&k| matches!(buf[k], b'o' | b'u'))
                .and_then(|k| tone_move(char::from(buf[k]), l));
            match moved {
                Some(traditional) => {
                    len -= 1;
                    buf[len..len + traditional.len()].copy_from_slice(traditional.as_bytes());
                    len += traditional.len();
                }
                None => len += l.encode_utf8(&mut buf[len..]).len(),
            }
        };
        match vietnamese_lower(c) {
            Some(l) => put(l),
            None => c.to_lowercase().for_each(put),
        }
    }
    // Whole characters only were written.
    Folded::from(std::str::from_utf8(&buf[..len]).unwrap_or_default())
}

/// Whether `word` is its own fold (most words of a text: lower case, traditional tones).
fn is_folded(word: &str) -> bool {
    let bytes = word.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            if b.is_ascii_uppercase() {
                return false;
            }
            i += 1;
            continue;
        }
        let pair = i > 0 && matches!(bytes[i - 1], b'o' | b'u');
        if !pair {
            if let Some(n) = lower_case_letter_len(&bytes[i..]) {
                i += n;
                continue;
            }
        }
        let Some(c) = char_at(word, i) else {
            return false;
        };
        if vietnamese_lower(c) != Some(c)
            || (pair && tone_move(char::from(bytes[i - 1]), c).is_some())
        {
            return false;
        }
        i += c.len_utf8();
    }
    true
}

/// [`fold_word`] for any length: the lowered characters, then the tone pairs moved.
fn fold_by_chars(word: &str) -> String {
    // `vietnamese_lower` is `to_lowercase` made fast for the common letters; a word this
    // long is off the common path, and the general one serves.
    let lowered: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(word.len());
    let mut k = 0;
    while let Some(&c) = lowered.get(k) {
        match lowered.get(k + 1).and_then(|&next| tone_move(c, next)) {
            Some(traditional) => {
                out.push_str(traditional);
                k += 2;
            }
            None => {
                out.push(c);
                k += 1;
            }
        }
    }
    out
}

/// The byte length of the lower-case Vietnamese letter `bytes` start with, told from its
/// UTF-8 bytes without decoding it (a folded text copies these as they are): the Vietnamese
/// block and Latin Extended-A's pairs, where lower case is the odd code point, and Latin-1's
/// `ß`..`ÿ` (see [`vietnamese_lower`]).
fn lower_case_letter_len(bytes: &[u8]) -> Option<usize> {
    match *bytes {
        // U+1EA0..=U+1EF9: E1 BA A0 ..= E1 BB B9.
        [0xe1, 0xba, b, ..] if b >= 0xa0 && b & 1 == 1 => Some(3),
        [0xe1, 0xbb, b, ..] if b <= 0xb9 && b & 1 == 1 => Some(3),
        // U+00DF..=U+00FF.
        [0xc3, b, ..] if b >= 0x9f => Some(2),
        // U+0100..=U+012F (đ, ă, ĩ): C4 80 ..= C4 AF.
        [0xc4, b, ..] if b <= 0xaf && b & 1 == 1 => Some(2),
        // ơ U+01A1, ư U+01B0.
        [0xc6, 0xa1 | 0xb0, ..] => Some(2),
        _ => None,
    }
}

/// The byte length of the letter `bytes` start with when it lies in the blocks Vietnamese is
/// written in (Latin-1 to Latin Extended-B, and Latin Extended Additional), told from its
/// UTF-8 bytes without decoding it: the tokeniser asks this of every non-ASCII character of
/// a word. `None` leaves the character to be decoded and asked [`is_letter`].
fn letter_len(bytes: &[u8]) -> Option<usize> {
    match *bytes {
        // U+1E00..=U+1EFF: E1 B8 80 ..= E1 BB BF.
        [0xe1, 0xb8..=0xbb, _, ..] => Some(3),
        // `×` and `÷` are no letters.
        [0xc3, 0x97 | 0xb7, ..] => None,
        // U+00C0..=U+023F: C3 80 ..= C8 BF.
        [0xc3..=0xc8, _, ..] => Some(2),
        // U+0240..=U+024F.
        [0xc9, 0x80..=0x8f, ..] => Some(2),
        _ => None,
    }
}

/// `char::to_lowercase` for the letters Vietnamese is written in, by arithmetic instead of the
/// Unicode table search (tokenising folds every word); `None` for any other character.
fn vietnamese_lower(c: char) -> Option<char> {
    let n = c as u32;
    let lower = match n {
        0x41..=0x5a => n + 0x20,
        0x00..=0x7f => n,
        // À..Þ (but ×) and their lower case à..ÿ (with ß and ÷, which stay).
        0xc0..=0xd6 | 0xd8..=0xde => n + 0x20,
        0xdf..=0xff => n,
        // Latin Extended-A pairs (Ă ă, Đ đ, Ĩ ĩ, Ũ ũ) and the Vietnamese block (Ạ ạ ... Ỹ ỹ):
        // upper case at even code points.
        0x100..=0x12f | 0x132..=0x137 | 0x14a..=0x177 | 0x1ea0..=0x1ef9 => n | 1,
        0x1a0 | 0x1af => n + 1,
        0x1a1 | 0x1b0 => n,
        _ => return None,
    };
    char::from_u32(lower)
}

/// The traditional spelling of `c` followed by `next`, when that pair is a new-style one.
#[inline]
fn tone_move(c: char, next: char) -> Option<&'static str> {
    // Two characters compared per pair: `str::starts_with(char)` encoded the character and
    // called `memcmp`, for every vowel after an `o` or `u` (`quốc`, `hoạt`, `thuộc`).
    if c != 'o' && c != 'u' {
        return None;
    }
    TONE_MOVES
        .iter()
        .find(|&&(first, second, _)| first == c && second == next)
        .map(|&(_, _, traditional)| traditional)
}

/// A whole text folded as [`fold`] folds words, with the way back to the text's offsets: a
/// folded text is not the same length as its source (`Quỳnh` folds to `qùynh`, a byte
/// shorter; `İ` lowers to two characters), so its offsets are mapped, never assumed.
#[derive(Debug, Clone)]
pub struct FoldedText {
    pub folded: String,
    /// The units that do not fold byte for byte in place, in order: a rewritten tone pair, or
    /// a character whose lower case has another length. Between them a character folds to
    /// one of its own length, so an offset moves only by what the units before it changed.
    irregular: Vec<Irregular>,
}

#[derive(Debug, Clone)]
struct Irregular {
    folded: (usize, usize),
    source: (usize, usize),
    /// Source length minus folded length of this unit and every one before it.
    shift: isize,
}

impl FoldedText {
    pub fn new(text: &str) -> FoldedText {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(bytes.len());
        let mut irregular: Vec<Irregular> = Vec::new();
        let mut shift = 0isize;
        // Most of a text folds to itself (lower-case letters, spaces, punctuation): it is
        // copied in runs, from `kept` up to the next character that changes.
        let mut kept = 0;
        let mut i = 0;
        loop {
            i = next_flagged(bytes, i, true);
            let Some(&b) = bytes.get(i) else {
                break;
            };
            if b.is_ascii() {
                // A capital.
                out.push_str(&text[kept..i]);
                out.push(char::from(b.to_ascii_lowercase()));
                i += 1;
                kept = i;
                continue;
            }
            // A tone pair starts with an ASCII `o` or `u` (every pair's second letter is
            // non-ASCII, and only `O`/`o`/`U`/`u` lower to `o`/`u`).
            let pair_start = i
                .checked_sub(1)
                .map(|k| bytes[k].to_ascii_lowercase())
                .filter(|&l| l == b'o' || l == b'u')
                .map(char::from);
            if pair_start.is_none() {
                if let Some(n) = lower_case_letter_len(&bytes[i..]) {
                    i += n;
                    continue;
                }
            }
            let Some(c) = char_at(text, i) else {
                break;
            };
            // The run before is written out: this character changes, or may rewrite the
            // `o`/`u` that ends the run.
            out.push_str(&text[kept..i]);
            let single = vietnamese_lower(c).or_else(|| {
                let mut lower = c.to_lowercase();
                lower.next().filter(|_| lower.len() == 0)
            });
            let moved = single.and_then(|l| pair_start.and_then(|p| tone_move(p, l)));
            match (single, moved) {
                (_, Some(traditional)) => {
                    // The `o`/`u` just written and this vowel become the traditional pair.
                    let at = out.len() - 1;
                    out.truncate(at);
                    out.push_str(traditional);
                    shift += (1 + c.len_utf8()) as isize - traditional.len() as isize;
                    irregular.push(Irregular {
                        folded: (at, out.len()),
                        source: (i - 1, i + c.len_utf8()),
                        shift,
                    });
                }
                (Some(l), None) if l.len_utf8() == c.len_utf8() => out.push(l),
                _ => {
                    let at = out.len();
                    out.extend(c.to_lowercase());
                    shift += c.len_utf8() as isize - (out.len() - at) as isize;
                    irregular.push(Irregular {
                        folded: (at, out.len()),
                        source: (i, i + c.len_utf8()),
                        shift,
                    });
                }
            }
            i += c.len_utf8();
            kept = i;
        }
        out.push_str(&text[kept..i]);
        FoldedText {
            folded: out,
            irregular,
        }
    }

    /// What the source's `start..end` (a word, a number or a mark) folds to, read from the
    /// folded text: exactly what [`fold_word`] makes of it, since the text is folded a
    /// character at a time and a tone pair never spans two tokens (both its letters are
    /// letters). Between irregular units a text folds in place, byte for byte, so the span
    /// only moves by what the units before it changed, and shrinks or grows by those inside.
    ///
    /// `passed` is how many units end at or before `start`, at least: tokens are read in text
    /// order, so the units behind one are walked past once, not searched for again.
    pub(crate) fn fold_of(&self, passed: &mut usize, start: usize, end: usize) -> Option<&str> {
        let units = &self.irregular;
        let mut k = *passed;
        while units.get(k).is_some_and(|u| u.source.1 <= start) {
            k += 1;
        }
        *passed = k;
        let before = k.checked_sub(1).map_or(0, |j| units[j].shift);
        let mut through = before;
        while let Some(u) = units.get(k).filter(|u| u.source.0 < end) {
            if u.source.0 < start || u.source.1 > end {
                return None;
            }
            through = u.shift;
            k += 1;
        }
        let from = start.checked_add_signed(-before)?;
        let to = end.checked_add_signed(-through)?;
        self.folded.get(from..to)
    }

    /// Where the source offset `at` lands in the fold; `None` inside a unit folded as a whole
    /// (a rewritten tone pair).
    pub(crate) fn folded_offset(&self, at: usize) -> Option<usize> {
        let k = self.units_before(at);
        if self.irregular.get(k).is_some_and(|u| u.source.0 < at) {
            return None;
        }
        let shift = k.checked_sub(1).map_or(0, |j| self.irregular[j].shift);
        at.checked_add_signed(-shift)
    }

    /// Where `part`, a slice of the fold (a token's [`TokenFold::Read`]), starts in it.
    #[inline]
    pub(crate) fn offset_of(&self, part: &str) -> Option<usize> {
        // Two live strings never overlap: a slice whose bytes lie within the fold's is of it.
        let at = (part.as_ptr() as usize).checked_sub(self.folded.as_ptr() as usize)?;
        (part.len() <= self.folded.len().checked_sub(at)?).then_some(at)
    }

    /// How many irregular units end at or before `at`: where [`FoldedText::fold_of`] starts
    /// walking for a line that starts at `at`.
    fn units_before(&self, at: usize) -> usize {
        self.irregular.partition_point(|u| u.source.1 <= at)
    }

    /// The source span of a span of `folded`, widened to whole source characters when an end
    /// falls inside a character or a rewritten pair; always on character boundaries of the
    /// source.
    pub fn source_span(&self, start: usize, end: usize) -> (usize, usize) {
        let f = &self.folded;
        // Units ending at or before an offset, and the shift they add up to.
        let before = |at: usize| {
            let k = self.irregular.partition_point(|u| u.folded.1 <= at);
            let shift = k.checked_sub(1).map_or(0, |j| self.irregular[j].shift);
            (k, shift)
        };
        let moved = |at: usize, shift: isize| at.saturating_add_signed(shift);
        let start = start.min(f.len());
        let (k, shift) = before(start);
        let source_start = match self.irregular.get(k) {
            Some(u) if u.folded.0 < start => u.source.0,
            _ => moved(floor_char_boundary(f, start), shift),
        };
        let end = end.min(f.len());
        let (k, _) = before(end);
        let source_end = match self.irregular.get(k) {
            Some(u) if u.folded.0 < end => u.source.1,
            _ => {
                let ceil = ceil_char_boundary(f, end);
                moved(ceil, before(ceil).1)
            }
        };
        (source_start, source_end.max(source_start))
    }
}

/// New-style tone placement → traditional placement (the convention SPEC names use).
const TONE_MOVES: [(char, char, &str); 15] = [
    ('o', 'à', "òa"),
    ('o', 'á', "óa"),
    ('o', 'ả', "ỏa"),
    ('o', 'ã', "õa"),
    ('o', 'ạ', "ọa"),
    ('o', 'è', "òe"),
    ('o', 'é', "óe"),
    ('o', 'ẻ', "ỏe"),
    ('o', 'ẽ', "õe"),
    ('o', 'ẹ', "ọe"),
    ('u', 'ỳ', "ùy"),
    ('u', 'ý', "úy"),
    ('u', 'ỷ', "ủy"),
    ('u', 'ỹ', "ũy"),
    ('u', 'ỵ', "ụy"),
];

/// `char::is_alphabetic`, with the Vietnamese alphabet answered without the Unicode tables:
/// tokenising spends most of its time asking this.
pub(crate) fn is_letter(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' => true,
        '\u{0}'..='\u{7f}' => false,
        // Latin-1 letters, Latin Extended-A/B, and Latin Extended Additional (ạ ả ấ ... ỹ).
        '\u{c0}'..='\u{24f}' => c != '\u{d7}' && c != '\u{f7}',
        '\u{1e00}'..='\u{1eff}' => true,
        _ => c.is_alphabetic(),
    }
}

/// What a token is; numbers never swallow letters and words never start with a digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Number,
    Word,
    Punct,
}

/// One token of normalised text, with its byte span and its folded form.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    pub folded: TokenFold<'a>,
    /// [`crate::hash::word_key`] of `folded`.
    pub key: u64,
}

/// A token's folded form: read from the document's folded text (see [`tokenize_folded`]),
/// which is every token of a body, or folded on its own. The body's tokens borrow their
/// fold: a copy per word was a fifth of tokenising.
#[derive(Debug, Clone)]
pub enum TokenFold<'a> {
    Read(&'a str),
    Made(Folded),
}

impl std::ops::Deref for TokenFold<'_> {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        match self {
            TokenFold::Read(s) => s,
            TokenFold::Made(f) => f.as_str(),
        }
    }
}

impl TokenFold<'_> {
    pub fn as_str(&self) -> &str {
        self
    }
}

/// Two folds are equal when they spell the same, however each was made.
impl PartialEq for TokenFold<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        same_word(self, other)
    }
}

impl PartialEq<str> for TokenFold<'_> {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        same_word(self, other)
    }
}

impl PartialEq<&str> for TokenFold<'_> {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        same_word(self, other)
    }
}

/// `a == b` for words, compared in place: the lexicon's tables compare a token's fold with a
/// form's word after their keys agree, so nearly every comparison is of two equal words of a
/// few bytes, where the library call `==` makes costs more than the bytes.
#[inline]
fn same_word(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Splits text into numbers (`1.213`, `17,3`: a separator is part of a number only between
/// digits), words (letters, digits after a letter, inner hyphens and apostrophes) and single
/// punctuation marks. Offsets are relative to `text` plus `base`.
pub fn tokenize(text: &str, base: usize) -> Vec<Token<'_>> {
    collect_tokens(Tokens::new(text, base), text.len())
}

/// [`tokenize`] for a line of a text already folded whole (`folded` is the fold of the text
/// `base` counts from, at least up to the line's end): each word's fold is read from it
/// instead of folded again. Gives the same tokens as [`tokenize`].
pub(crate) fn tokenize_folded<'a>(
    text: &'a str,
    base: usize,
    folded: &'a FoldedText,
) -> Vec<Token<'a>> {
    collect_tokens(tokens_folded(text, base, folded), text.len())
}

/// [`tokenize_folded`], one token at a time.
pub(crate) fn tokens_folded<'a>(text: &'a str, base: usize, folded: &'a FoldedText) -> Tokens<'a> {
    let mut tokens = Tokens::new(text, base);
    tokens.folded = Some((folded, folded.units_before(base)));
    tokens
}

/// Fewer bytes than a token of Vietnamese prose takes, spaces included: a buffer of one token
/// per this many bytes holds a text's tokens without growing. Reports average five (a word's
/// letters and marks, a space, some numbers and punctuation); the densest run to four, and a
/// buffer that grows copies every token it holds.
pub(crate) const TOKEN_BYTES: usize = 4;

fn collect_tokens(tokens: Tokens, len: usize) -> Vec<Token> {
    let mut out = Vec::with_capacity(len / TOKEN_BYTES + 4);
    out.extend(tokens);
    out
}

/// [`tokenize`], one token at a time: a reader that needs only a line's first tokens (a
/// dateline) does not fold the rest of it.
pub(crate) struct Tokens<'a> {
    text: &'a str,
    base: usize,
    /// Where the next token is looked for (a character boundary).
    at: usize,
    /// The whole text folded, when the caller has it (see [`tokenize_folded`]), with how many
    /// of its irregular units lie before the next token (see [`FoldedText::fold_of`]).
    folded: Option<(&'a FoldedText, usize)>,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str, base: usize) -> Tokens<'a> {
        Tokens {
            text,
            base,
            at: 0,
            folded: None,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let text = self.text;
        let bytes = text.as_bytes();
        // Bytes are read directly where they are ASCII (most of every text); other
        // characters are decoded one at a time.
        let (i, c) = loop {
            let b = *bytes.get(self.at)?;
            if b.is_ascii() {
                if b.is_ascii_whitespace() || b == 0x0b {
                    self.at += 1;
                    continue;
                }
                break (self.at, char::from(b));
            }
            let c = char_at(self.text, self.at)?;
            if !c.is_whitespace() {
                break (self.at, c);
            }
            self.at += c.len_utf8();
        };
        let digit = |k: usize| bytes.get(k).is_some_and(u8::is_ascii_digit);
        let (kind, end) = if c.is_ascii_digit() {
            let mut end = i + 1;
            // A separator belongs to the number only between digits (`1.213`, `17,3`).
            while digit(end) || (matches!(bytes.get(end), Some(b'.' | b',')) && digit(end + 1)) {
                end += 1;
            }
            (TokenKind::Number, end)
        } else if is_letter(c) {
            let mut end = i + c.len_utf8();
            while let Some(&b) = bytes.get(end) {
                if ASCII_ALNUM[usize::from(b)] {
                    end += 1;
                    continue;
                }
                if b.is_ascii() {
                    let joins = (b == b'-' || b == b'\'')
                        && char_at(self.text, end + 1).is_some_and(is_letter);
                    if !joins {
                        break;
                    }
                    end += 1;
                    continue;
                }
                if let Some(n) = letter_len(&bytes[end..]) {
                    end += n;
                    continue;
                }
                match char_at(self.text, end) {
                    Some(d) if is_letter(d) || d.is_alphanumeric() || is_mark(d) => {
                        end += d.len_utf8();
                    }
                    _ => break,
                }
            }
            (TokenKind::Word, end)
        } else {
            (TokenKind::Punct, i + c.len_utf8())
        };
        self.at = end;
        let (from, to) = (self.base + i, self.base + end);
        let folded = match self
            .folded
            .as_mut()
            .and_then(|(f, passed)| f.fold_of(passed, from, to))
        {
            Some(done) => TokenFold::Read(done),
            None => TokenFold::Made(fold_word(&text[i..end])),
        };
        Some(Token {
            kind,
            start: from,
            end: to,
            key: crate::hash::word_key(&folded),
            folded,
        })
    }
}

/// `u8::is_ascii_alphanumeric` as a table: the tokeniser asks it of every ASCII byte of every
/// word, and one load answers what three range tests did.
static ASCII_ALNUM: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// The character of `text` starting at byte `i`, if one starts there.
fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// The last character boundary of `s` at or before `i`.
pub(crate) fn floor_char_boundary(s: &str, i: usize) -> usize {
    (0..=i.min(s.len()))
        .rev()
        .find(|&k| s.is_char_boundary(k))
        .unwrap_or(0)
}

/// The first character boundary of `s` at or after `i`.
fn ceil_char_boundary(s: &str, i: usize) -> usize {
    (i.min(s.len())..=s.len())
        .find(|&k| s.is_char_boundary(k))
        .unwrap_or(s.len())
}

/// A combining tone or vowel mark, as NFD writes them apart from their letter.
pub(crate) fn is_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}')
}

/// Tokenises a lexicon form or pattern the way text is tokenised, keeping only folded strings.
pub fn form_tokens(form: &str) -> Vec<String> {
    let nfc: String = form.nfc().collect();
    tokenize(&nfc, 0)
        .into_iter()
        .map(|t| t.folded.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owned_text_is_normalised_as_a_borrowed_one_and_kept_when_normal() {
        let normal = "Bắt 3 vụ.\n\nThu giữ 2,5 kg.";
        let kept = normal.to_string();
        let at = kept.as_ptr();
        let owned = normalize_owned(kept);
        assert_eq!(owned, normal);
        assert_eq!(
            owned.as_ptr(),
            at,
            "a normal text is handed back, not copied"
        );
        for raw in [
            "\u{feff}Bắt 3 vụ.",
            " Bắt 3 vụ.\n",
            "Bắt  3 vụ.",
            "Bắt 3 vu\u{323}.",
            "<p>Bắt 3 vụ.</p>",
            "Bắt 3\u{200b} vụ.",
        ] {
            assert_eq!(normalize_owned(raw.to_string()), normalize(raw), "{raw:?}");
            assert_ne!(normalize(raw), raw, "{raw:?} is not normal");
        }
    }

    #[test]
    fn vietnamese_lower_case_is_the_unicode_lower_case() {
        let ranges = [0..0x250, 0x1e00..0x1f00];
        let mut checked = 0;
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            if let Some(l) = vietnamese_lower(c) {
                assert_eq!(c.to_lowercase().collect::<String>(), l.to_string(), "{c:?}");
                assert_eq!(c.len_utf8(), l.len_utf8(), "{c:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 385, "the fast ranges changed");
    }

    #[test]
    fn folds_compare_as_the_words_they_spell() {
        let words = [
            "",
            "a",
            "b",
            "vụ",
            "vũ",
            "đối",
            "tượng",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "ma túy",
            "ma tuý",
        ];
        for a in words {
            for b in words {
                assert_eq!(TokenFold::Read(a) == b, a == b, "{a:?} {b:?}");
                let folded = fold_word(b);
                assert_eq!(
                    TokenFold::Read(a) == TokenFold::Made(folded.clone()),
                    a == folded
                );
            }
        }
    }

    #[test]
    fn decode_rejects_what_is_not_text() {
        assert_eq!(decode(b"\xEF\xBB\xBFabc").as_deref(), Ok("abc"));
        assert_eq!(decode(b"  \n "), Err(DecodeProblem::Empty));
        assert_eq!(decode(b""), Err(DecodeProblem::Empty));
        assert_eq!(decode(b"a\0b"), Err(DecodeProblem::Binary));
        assert!(matches!(
            decode(b"ab\xffc"),
            Err(DecodeProblem::UnknownEncoding { valid_up_to: 2, .. })
        ));
        // A UTF-16 file without a BOM has NULs between its ASCII letters.
        assert_eq!(decode(b"M\0a\0"), Err(DecodeProblem::Binary));
    }

    proptest::proptest! {
        #[test]
        fn lines_are_split_as_split_cuts_them(text in "[a\n đ\u{1ea0}]{0,40}") {
            let lines: Vec<&str> = split_lines(&text).collect();
            proptest::prop_assert_eq!(lines, text.split('\n').collect::<Vec<_>>());
        }
    }

    proptest::proptest! {
        #[test]
        fn text_known_to_be_utf8_decodes_as_its_bytes_do(
            text in "[a b\n\u{0}\u{feff}\u{fffe}àĐ\u{301}“]{0,12}"
        ) {
            proptest::prop_assert_eq!(decode_str(&text), decode(text.as_bytes()));
        }
    }

    #[test]
    fn decode_tells_a_truncated_utf8_file() {
        let cut = &"Bắt 1.213 đối tượng".as_bytes()[..3]; // cut inside `ắ`
        assert_eq!(decode(cut), Err(DecodeProblem::TruncatedUtf8 { at: 1 }));
        let msg = DecodeProblem::TruncatedUtf8 { at: 2 }.to_string();
        assert!(msg.starts_with("truncated"), "{msg}");
    }

    #[test]
    fn decode_reads_utf16_with_a_bom_and_windows_1258() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Khởi tố 12 vụ".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).as_deref(), Ok("Khởi tố 12 vụ"));
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Khởi tố".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be).as_deref(), Ok("Khởi tố"));
        // "Khởi tố 12 vụ" in Windows-1258: ơ is 0xF5, tone marks follow their vowel.
        assert_eq!(
            decode(b"Kh\xF5\xD2i t\xF4\xEC 12 vu\xF2").as_deref(),
            Ok("Khởi tố 12 vụ")
        );
        // A UTF-16 file whose text holds NUL characters is binary all the same.
        assert_eq!(
            decode(&[0xFF, 0xFE, 0x41, 0x00, 0x00, 0x00]),
            Err(DecodeProblem::Binary)
        );
        assert_eq!(
            decode(&[0xFF, 0xFE, 0x41]),
            Err(DecodeProblem::BadUtf16(BadUtf16::OddLength))
        );
    }

    #[test]
    fn normalize_makes_nfc_and_plain_spaces() {
        let nfd = "Ma tu\u{0301}y\u{00a0}va\u{0300}\u{200b} heroin\r\n\r\n\r\n\r\nDòng  hai ";
        assert_eq!(normalize(nfd), "Ma túy và heroin\n\nDòng hai");
    }

    #[test]
    fn normalize_removes_tags_and_entities() {
        let html = "<p>Bắt giữ 12&nbsp;đối tượng &amp; 3 vụ</p><p>Hết&#46;</p>";
        assert_eq!(normalize(html), "Bắt giữ 12 đối tượng & 3 vụ\n\nHết.");
        assert_eq!(normalize("a < b và c<d"), "a < b và c<d");
        assert_eq!(
            normalize("ma t&uacute;y, &Ecirc; k&iacute;p"),
            "ma túy, Ê kíp"
        );
        assert_eq!(normalize("t&uacute;y tổng"), "túy tổng");
    }

    #[test]
    fn folded_text_maps_its_spans_back_to_the_source() {
        let text = "CÔNG AN TỈNH KHÁNH HOÀ, Đắk Lắk";
        let f = FoldedText::new(text);
        assert_eq!(f.folded, "công an tỉnh khánh hòa, đắk lắk");
        let at = f.folded.find("đắk lắk").expect("found");
        assert_eq!(f.source_span(at, f.folded.len()), (at, text.len()));
        // `uỳ` → `ùy` and `oẽ` → `õe` are a byte shorter: every later offset moves.
        let text = "xã Quỳnh Lưu, khoẽ, tỉnh Nghệ An";
        let f = FoldedText::new(text);
        assert_ne!(f.folded.len(), text.len());
        let at = f.folded.find("nghệ an").expect("found");
        let (s, e) = f.source_span(at, at + "nghệ an".len());
        assert_eq!(&text[s..e], "Nghệ An");
        // An end inside a rewritten pair takes the whole pair.
        let (s, e) = f.source_span(5, 6);
        assert_eq!(&text[s..e], "uỳ");
        assert_eq!(FoldedText::new("İa").source_span(0, 3), (0, 2));
    }

    #[test]
    fn a_character_told_kept_from_its_bytes_is_kept() {
        let mut told = 0;
        for c in ('\u{80}'..='\u{2100}').filter(|c| !c.is_ascii()) {
            let mut buf = [0u8; 4];
            if let Some(n) = kept_letter_len(c.encode_utf8(&mut buf).as_bytes()) {
                assert!(kept_as_it_is(c), "{c:?}");
                assert_eq!(n, c.len_utf8(), "{c:?}");
                told += 1;
            }
        }
        assert_eq!(
            told,
            (0x17f - 0xc0 + 1) + (0x1b0 - 0x1a0 + 1) + (0x1ef9 - 0x1ea0 + 1)
        );
    }

    #[test]
    fn a_letter_is_kept_as_it_is_and_a_space_is_not() {
        for c in ['à', 'Đ', 'ơ', 'Ư', 'ỹ', 'ß', '–', '“'] {
            assert!(kept_as_it_is(c), "{c}");
        }
        for c in [
            '\u{a0}', '\u{ad}', '\u{200b}', '\u{2028}', '\u{301}', '\u{85}',
        ] {
            assert!(!kept_as_it_is(c), "{c:?}");
        }
        // The ranges answered alone hold no character the Unicode tables call spacing.
        for c in ('\u{c0}'..='\u{17f}')
            .chain('\u{1a0}'..='\u{1b0}')
            .chain('\u{1ea0}'..='\u{1ef9}')
        {
            assert_eq!(
                kept_as_it_is(c),
                composed_starter(c) && !spacing_or_control(c),
                "{c}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn a_text_taken_as_already_normal_is_what_normalizing_gives(
            text in "[ab \n\t\r<>&;àạ\u{a0}\u{ad}\u{301}\u{2013}\u{200b}]{0,30}"
        ) {
            let core = text.trim_matches([' ', '\n']);
            if already_normal(core) {
                proptest::prop_assert_eq!(normalize_by_steps(&text), core);
            }
        }
    }

    #[test]
    fn text_that_needs_work_is_not_taken_as_normal() {
        for text in [
            "a  b",
            " a",
            "a\n",
            "a \nb",
            "a\n\n\nb",
            "a&amp;b",
            "a<b>",
            "a\tb",
            "Ho\u{300}a",
            "a\u{a0}b",
        ] {
            assert!(!already_normal(text), "{text:?}");
        }
        assert!(already_normal(
            "Công an tỉnh – 12 vụ.\n\nNgày 5/2 “bắt” 3 đối tượng"
        ));
    }

    #[test]
    fn composed_starters_are_what_nfc_keeps_as_they_are() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{is_nfc_quick, IsNormalized};
        let all = (0..=0x10ffff_u32).filter_map(char::from_u32);
        for c in all.filter(|&c| composed_starter(c)) {
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
        }
        assert!(!composed_starter('\u{301}'));
        assert_eq!(normalize("Ho\u{300}a"), "Hòa");
    }

    #[test]
    fn letters_told_lower_case_by_their_bytes_are() {
        let ranges = [
            '\u{c0}'..='\u{17f}',
            '\u{1a0}'..='\u{1b0}',
            '\u{1e00}'..='\u{1eff}',
        ];
        for c in ranges.into_iter().flatten() {
            let mut buf = [0; 4];
            if let Some(n) = lower_case_letter_len(c.encode_utf8(&mut buf).as_bytes()) {
                assert_eq!(n, c.len_utf8(), "{c}");
                assert_eq!(vietnamese_lower(c), Some(c), "{c}");
            }
        }
        assert_eq!(lower_case_letter_len("ế".as_bytes()), Some(3));
        assert_eq!(lower_case_letter_len("Ế".as_bytes()), None);
    }

    #[test]
    fn a_text_folded_in_place_maps_spans_to_themselves() {
        // No tone pair to move, every letter lowers to one of its byte length.
        let text = "Công an TP. Hồ Chí Minh bắt 12 đối tượng";
        let f = FoldedText::new(text);
        assert!(f.irregular.is_empty());
        assert_eq!(f.folded, "công an tp. hồ chí minh bắt 12 đối tượng");
        let at = f.folded.find("hồ chí minh").expect("found");
        let (s, e) = f.source_span(at, at + "hồ chí minh".len());
        assert_eq!((s, &text[s..e]), (at, "Hồ Chí Minh"));
        // Offsets inside a character widen to the whole character.
        assert_eq!(f.source_span(2, 3), (1, 3));
    }

    /// How a folded text was mapped before: one entry per source character. Kept as the
    /// reference the sparse map must agree with.
    struct MappedByUnit {
        folded: String,
        /// (offset in `folded`, offset in the source) at the start of each unit: a source
        /// character, or the pair of characters a tone move rewrote; then (folded.len(), text.len()).
        units: Vec<(usize, usize)>,
    }

    impl MappedByUnit {
        fn new(text: &str) -> MappedByUnit {
            let mut lowered: Vec<(usize, char)> = Vec::with_capacity(text.len());
            for (i, c) in text.char_indices() {
                match vietnamese_lower(c) {
                    Some(l) => lowered.push((i, l)),
                    None => lowered.extend(c.to_lowercase().map(|l| (i, l))),
                }
            }
            let mut folded = String::with_capacity(text.len());
            let mut units: Vec<(usize, usize)> = Vec::with_capacity(lowered.len() + 1);
            let mut k = 0;
            while let Some(&(i, c)) = lowered.get(k) {
                if units.last().is_none_or(|&(_, o)| o != i) {
                    units.push((folded.len(), i));
                }
                match lowered.get(k + 1).and_then(|&(_, next)| tone_move(c, next)) {
                    Some(traditional) => {
                        folded.push_str(traditional);
                        k += 2;
                    }
                    None => {
                        folded.push(c);
                        k += 1;
                    }
                }
            }
            units.push((folded.len(), text.len()));
            MappedByUnit { folded, units }
        }

        fn source_span(&self, start: usize, end: usize) -> (usize, usize) {
            // The unit holding `start`, and the first unit starting at or after `end`.
            let s = self.units.partition_point(|&(f, _)| f <= start);
            let e = self.units.partition_point(|&(f, _)| f < end);
            let source_start = self.units[s.saturating_sub(1)].1;
            let source_end = self.units[e.min(self.units.len() - 1)].1;
            (source_start, source_end.max(source_start))
        }
    }

    proptest::proptest! {
        #[test]
        fn eight_bytes_at_a_time_find_what_one_at_a_time_finds(
            text in "[ -~àáạĐđÀẢỒơƯ\u{7f}@\\[`{]{0,40}",
            from in 0usize..45,
            upper: bool,
        ) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let one_by_one = (from..bytes.len())
                .find(|&k| !bytes[k].is_ascii() || (upper && bytes[k].is_ascii_uppercase()))
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(next_flagged(bytes, from, upper), one_by_one);
        }
    }

    proptest::proptest! {
        #[test]
        fn the_sparse_map_agrees_with_one_entry_per_character(
            text in "[a-zA-Z .,àáạòóỏõọOoUuÒÓÙÚỦŨỤùúủũụỳýỷỹỵYyĐđİẞßÀẢΣẠẾỒếồơưƠƯăĂĩĨÿÝĹĺ]{0,40}",
            a in 0usize..80,
            b in 0usize..80,
        ) {
            let sparse = FoldedText::new(&text);
            let full = MappedByUnit::new(&text);
            proptest::prop_assert_eq!(&sparse.folded, &full.folded);
            let (a, b) = (a.min(full.folded.len()), b.min(full.folded.len()));
            let (a, b) = (a.min(b), a.max(b));
            proptest::prop_assert_eq!(sparse.source_span(a, b), full.source_span(a, b));
        }
    }

    #[test]
    fn long_words_fold_like_short_ones() {
        for word in [
            "HOÀ",
            "Thuỷ",
            "Ka-li-phoóc-ni-a",
            "KHOẺKHOẺKHOẺKHOẺKHOẺKHOẺ",
            "İa",
            "a".repeat(40).as_str(),
        ] {
            assert_eq!(fold_word(word).as_str(), fold_by_chars(word), "{word}");
        }
        assert_eq!(fold_word("ĐẮK LẮK"), "đắk lắk");
    }

    proptest::proptest! {
        #[test]
        fn folding_writes_what_lowering_and_moving_tones_give(
            word in "[a-zA-ZàáảãạòóỏõọOoUuÒÓÙÚỦŨỤùúủũụỳýỷỹỵYyĐđİÀẢ\\-]{0,30}"
        ) {
            let folded = fold_word(&word);
            proptest::prop_assert_eq!(folded.as_str(), fold_by_chars(&word));
        }
    }

    proptest::proptest! {
        #[test]
        fn tokens_read_from_the_folded_text_are_the_tokens_folded_one_by_one(
            text in "[a-zA-Z0-9 .,:'\\-\nàáạòóỏõọOoUuÒÓÙÚỦŨỤùúủũụỳýỷỹỵYyĐđİẞßÀẢΣẾỒơƯ\u{301}]{0,60}",
            cut in 0usize..60,
        ) {
            // A line starting anywhere in the text, as the document reader tokenises its lines.
            let start = floor_char_boundary(&text, cut);
            let folded = FoldedText::new(&text);
            proptest::prop_assert_eq!(
                tokenize_folded(&text[start..], start, &folded),
                tokenize(&text[start..], start)
            );
        }
    }

    #[test]
    fn a_word_next_to_a_moved_tone_pair_is_read_from_the_folded_text() {
        let text = "Thuỷ Hoà Đức";
        let folded = FoldedText::new(text);
        let tokens = tokenize_folded(text, 0, &folded);
        let words: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(words, ["thủy", "hòa", "đức"]);
        assert_eq!(tokens, tokenize(text, 0));
        // `Đức` lies after two moved pairs: read in place, shifted by what they changed.
        let (s, e) = (tokens[2].start, tokens[2].end);
        assert_eq!(folded.fold_of(&mut 0, s, e), Some("đức"));
        // A word holding a moved pair is read with the pair as it was rewritten.
        assert_eq!(
            folded.fold_of(&mut 0, tokens[0].start, tokens[0].end),
            Some("thủy")
        );
        // A span cutting a unit in two has no fold of its own.
        assert_eq!(folded.fold_of(&mut 0, 0, 4), None);
    }

    #[test]
    fn a_letter_is_what_unicode_calls_alphabetic() {
        for c in ('\u{0}'..='\u{3000}').chain(['\u{1e9e}', '\u{10400}', '\u{1f600}']) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
        }
    }

    #[test]
    fn a_letter_told_from_its_bytes_is_a_letter() {
        let mut told = 0;
        for c in ('\u{80}'..='\u{3000}').filter(|c| !c.is_ascii()) {
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            if let Some(n) = letter_len(bytes) {
                assert!(is_letter(c), "{c:?}");
                assert_eq!(n, c.len_utf8(), "{c:?}");
                told += 1;
            } else {
                // Every letter of the blocks Vietnamese is written in is told without decoding.
                let vietnamese = matches!(c, '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}');
                assert!(!(vietnamese && is_letter(c)), "{c:?}");
            }
        }
        assert_eq!(told, (0x24f - 0xc0 + 1 - 2) + 0x100);
    }

    #[test]
    fn fold_unifies_case_and_tone_placement() {
        assert_eq!(fold("Ma Tuý"), "ma túy");
        assert_eq!(fold("HOÀ"), "hòa");
        assert_eq!(fold("khoẻ"), fold("khỏe"));
    }

    #[test]
    fn tokenize_keeps_vietnamese_numbers_whole() {
        let toks = tokenize("Bắt 1.213 đối tượng, giảm 17,3%; 1,4kg. Năm 2022.", 0);
        let shown: Vec<(&str, TokenKind)> =
            toks.iter().map(|t| (t.folded.as_str(), t.kind)).collect();
        use TokenKind::*;
        assert_eq!(
            shown,
            vec![
                ("bắt", Word),
                ("1.213", Number),
                ("đối", Word),
                ("tượng", Word),
                (",", Punct),
                ("giảm", Word),
                ("17,3", Number),
                ("%", Punct),
                (";", Punct),
                ("1,4", Number),
                ("kg", Word),
                (".", Punct),
                ("năm", Word),
                ("2022", Number),
                (".", Punct),
            ]
        );
    }

    #[test]
    fn tokenize_keeps_codes_as_words() {
        let toks = tokenize("PC04 héc-ta 222L", 10);
        assert_eq!(toks[0].folded, "pc04");
        assert_eq!(toks[1].folded, "héc-ta");
        assert_eq!((toks[2].kind, toks[2].start), (TokenKind::Number, 23));
        assert_eq!(toks[3].folded, "l");
    }
}
