//! Encodings other than UTF-8 that Vietnamese text still arrives in: UTF-16 with a byte-order
//! mark (saved from Windows tools) and Windows-1258 (older Vietnamese web pages and Office files).
//! No encoding crate: UTF-16 is in `std`, and Windows-1258 is one 128-entry table.

use unicode_normalization::UnicodeNormalization;

/// Microsoft code page 1258 (Vietnamese), bytes 0x80–0xFF; bytes below 0x80 are ASCII. `None`
/// marks the nine bytes the code page leaves undefined. Source: the Unicode Consortium's mapping
/// file `MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1258.TXT`. Five bytes are combining tone marks
/// (0xCC grave, 0xD2 hook above, 0xDE tilde, 0xEC acute, 0xF2 dot below) that follow their
/// vowel, so decoded text is put into NFC afterwards.
#[rustfmt::skip]
const WINDOWS_1258: [Option<char>; 128] = [
    // 0x80
    Some('\u{20ac}'), None, Some('\u{201a}'), Some('\u{0192}'), Some('\u{201e}'), Some('\u{2026}'), Some('\u{2020}'), Some('\u{2021}'),
    // 0x88
    Some('\u{02c6}'), Some('\u{2030}'), None, Some('\u{2039}'), Some('\u{0152}'), None, None, None,
    // 0x90
    None, Some('\u{2018}'), Some('\u{2019}'), Some('\u{201c}'), Some('\u{201d}'), Some('\u{2022}'), Some('\u{2013}'), Some('\u{2014}'),
    // 0x98
    Some('\u{02dc}'), Some('\u{2122}'), None, Some('\u{203a}'), Some('\u{0153}'), None, None, Some('\u{0178}'),
    // 0xA0
    Some('\u{00a0}'), Some('\u{00a1}'), Some('\u{00a2}'), Some('\u{00a3}'), Some('\u{00a4}'), Some('\u{00a5}'), Some('\u{00a6}'), Some('\u{00a7}'),
    // 0xA8
    Some('\u{00a8}'), Some('\u{00a9}'), Some('\u{00aa}'), Some('\u{00ab}'), Some('\u{00ac}'), Some('\u{00ad}'), Some('\u{00ae}'), Some('\u{00af}'),
    // 0xB0
    Some('\u{00b0}'), Some('\u{00b1}'), Some('\u{00b2}'), Some('\u{00b3}'), Some('\u{00b4}'), Some('\u{00b5}'), Some('\u{00b6}'), Some('\u{00b7}'),
    // 0xB8
    Some('\u{00b8}'), Some('\u{00b9}'), Some('\u{00ba}'), Some('\u{00bb}'), Some('\u{00bc}'), Some('\u{00bd}'), Some('\u{00be}'), Some('\u{00bf}'),
    // 0xC0
    Some('\u{00c0}'), Some('\u{00c1}'), Some('\u{00c2}'), Some('\u{0102}'), Some('\u{00c4}'), Some('\u{00c5}'), Some('\u{00c6}'), Some('\u{00c7}'),
    // 0xC8
    Some('\u{00c8}'), Some('\u{00c9}'), Some('\u{00ca}'), Some('\u{00cb}'), Some('\u{0300}'), Some('\u{00cd}'), Some('\u{00ce}'), Some('\u{00cf}'),
    // 0xD0
    Some('\u{0110}'), Some('\u{00d1}'), Some('\u{0309}'), Some('\u{00d3}'), Some('\u{00d4}'), Some('\u{01a0}'), Some('\u{00d6}'), Some('\u{00d7}'),
    // 0xD8
    Some('\u{00d8}'), Some('\u{00d9}'), Some('\u{00da}'), Some('\u{00db}'), Some('\u{00dc}'), Some('\u{01af}'), Some('\u{0303}'), Some('\u{00df}'),
    // 0xE0
    Some('\u{00e0}'), Some('\u{00e1}'), Some('\u{00e2}'), Some('\u{0103}'), Some('\u{00e4}'), Some('\u{00e5}'), Some('\u{00e6}'), Some('\u{00e7}'),
    // 0xE8
    Some('\u{00e8}'), Some('\u{00e9}'), Some('\u{00ea}'), Some('\u{00eb}'), Some('\u{0301}'), Some('\u{00ed}'), Some('\u{00ee}'), Some('\u{00ef}'),
    // 0xF0
    Some('\u{0111}'), Some('\u{00f1}'), Some('\u{0323}'), Some('\u{00f3}'), Some('\u{00f4}'), Some('\u{01a1}'), Some('\u{00f6}'), Some('\u{00f7}'),
    // 0xF8
    Some('\u{00f8}'), Some('\u{00f9}'), Some('\u{00fa}'), Some('\u{00fb}'), Some('\u{00fc}'), Some('\u{01b0}'), Some('\u{20ab}'), Some('\u{00ff}'),
];

/// Why bytes that are not UTF-8 were not taken as Windows-1258 either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotWindows1258 {
    /// A byte the code page does not define (0x81, 0x8A, 0x8D–0x90, 0x9A, 0x9D, 0x9E).
    UndefinedByte { at: usize, byte: u8 },
    /// A control character other than tab, line and page breaks: not text.
    ControlByte { at: usize, byte: u8 },
    /// Too few of the accented characters would be Vietnamese letters: some other encoding.
    NotVietnamese { percent: u32 },
}

impl std::fmt::Display for NotWindows1258 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotWindows1258::UndefinedByte { at, byte } => {
                write!(f, "byte 0x{byte:02X} at {at} is not used by Windows-1258")
            }
            NotWindows1258::ControlByte { at, byte } => {
                write!(f, "control byte 0x{byte:02X} at {at}")
            }
            NotWindows1258::NotVietnamese { percent } => write!(
                f,
                "read as Windows-1258 only {percent}% of its accented characters are Vietnamese letters"
            ),
        }
    }
}

/// The share of accented (non-ASCII) characters that must be Vietnamese letters before bytes are
/// taken as Windows-1258. UTF-8 with a stray byte, read as Windows-1258, turns its multi-byte
/// characters into symbols (`Ã¡`, `â€œ`) and stays far below this.
const MIN_VIETNAMESE_SHARE: usize = 80;

/// Decodes bytes as Windows-1258 (then NFC) when they read as Vietnamese text; otherwise says
/// why not. Meant for bytes that are not valid UTF-8 and hold no NUL.
pub fn decode_windows_1258(bytes: &[u8]) -> Result<String, NotWindows1258> {
    let mut decomposed = String::with_capacity(bytes.len() + bytes.len() / 2);
    for (at, &byte) in bytes.iter().enumerate() {
        if byte < 0x80 {
            if byte.is_ascii_control() && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0C) {
                return Err(NotWindows1258::ControlByte { at, byte });
            }
            decomposed.push(char::from(byte));
        } else {
            match WINDOWS_1258[usize::from(byte - 0x80)] {
                Some(c) => decomposed.push(c),
                None => return Err(NotWindows1258::UndefinedByte { at, byte }),
            }
        }
    }
    let text: String = decomposed.nfc().collect();
    let (mut accented, mut vietnamese) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        accented += 1;
        if is_vietnamese_letter(c) {
            vietnamese += 1;
        }
    }
    if accented > 0 && vietnamese * 100 < accented * MIN_VIETNAMESE_SHARE {
        let percent = u32::try_from(vietnamese * 100 / accented).unwrap_or(0);
        return Err(NotWindows1258::NotVietnamese { percent });
    }
    Ok(text)
}

/// A letter of the Vietnamese alphabet that is not ASCII: `đ`, or a vowel with a circumflex,
/// breve or horn and/or one tone mark (`ấ`, `ữ`, `ỵ`).
pub fn is_vietnamese_letter(c: char) -> bool {
    if matches!(c, 'đ' | 'Đ') {
        return true;
    }
    let mut parts = std::iter::once(c).nfd();
    let Some(base) = parts.next() else {
        return false;
    };
    let mut marks = 0;
    for m in parts {
        // circumflex, breve, horn; grave, acute, tilde, hook above, dot below
        if !matches!(
            m,
            '\u{302}'
                | '\u{306}'
                | '\u{31b}'
                | '\u{300}'
                | '\u{301}'
                | '\u{303}'
                | '\u{309}'
                | '\u{323}'
        ) {
            return false;
        }
        marks += 1;
    }
    marks > 0 && "aeiouyAEIOUY".contains(base)
}

/// Which UTF-16 byte order a byte-order mark announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// `FF FE`
    Le,
    /// `FE FF`
    Be,
}

impl Utf16 {
    /// The byte order announced by a leading BOM, if any.
    pub fn from_bom(bytes: &[u8]) -> Option<Utf16> {
        match bytes {
            [0xFF, 0xFE, ..] => Some(Utf16::Le),
            [0xFE, 0xFF, ..] => Some(Utf16::Be),
            _ => None,
        }
    }
}

/// Why bytes announced as UTF-16 by their BOM could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadUtf16 {
    /// An odd number of bytes: the file was cut off.
    OddLength,
    /// Half of a surrogate pair without the other half, at this byte offset.
    UnpairedSurrogate { at: usize },
}

/// Decodes UTF-16 after its BOM (the BOM itself is dropped).
pub fn decode_utf16(bytes: &[u8], order: Utf16) -> Result<String, BadUtf16> {
    let body = bytes.get(2..).unwrap_or_default();
    if body.len() % 2 != 0 {
        return Err(BadUtf16::OddLength);
    }
    let units = body.chunks_exact(2).map(|p| match order {
        Utf16::Le => u16::from_le_bytes([p[0], p[1]]),
        Utf16::Be => u16::from_be_bytes([p[0], p[1]]),
    });
    let mut out = String::with_capacity(body.len() / 2);
    let mut at = 2;
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => {
                at += c.len_utf16() * 2;
                out.push(c);
            }
            Err(_) => return Err(BadUtf16::UnpairedSurrogate { at }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1258_tone_marks_compose() {
        // "Công an tỉnh bắt 5 đối tượng" with the tone of "tỉnh" as a separate mark (0xD2) and
        // "đối" as đ (0xF0) + ô (0xF4) + acute (0xEC).
        let bytes = b"C\xF4ng an ti\xD2nh b\xE3\xECt 5 \xF0\xF4\xECi t\xFD\xF5\xF2ng";
        assert_eq!(
            decode_windows_1258(bytes).as_deref(),
            Ok("Công an tỉnh bắt 5 đối tượng")
        );
    }

    #[test]
    fn windows_1258_refuses_what_is_not_vietnamese() {
        assert_eq!(
            decode_windows_1258(b"ab\x81c"),
            Err(NotWindows1258::UndefinedByte { at: 2, byte: 0x81 })
        );
        assert_eq!(
            decode_windows_1258(b"a\x01\xE1"),
            Err(NotWindows1258::ControlByte { at: 1, byte: 0x01 })
        );
        // UTF-8 "Công an tỉnh" with one stray byte: mojibake, not Vietnamese.
        let mut mixed = "Công an tỉnh đã".as_bytes().to_vec();
        mixed.push(0xA0);
        assert!(matches!(
            decode_windows_1258(&mixed),
            Err(NotWindows1258::NotVietnamese { .. })
        ));
    }

    #[test]
    fn every_defined_byte_decodes_to_one_character() {
        let defined = WINDOWS_1258.iter().filter(|c| c.is_some()).count();
        assert_eq!(defined, 128 - 9);
        assert_eq!(WINDOWS_1258[0xFE - 0x80], Some('₫'));
    }

    #[test]
    fn utf16_both_byte_orders() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Ma túy 𝟙".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_utf16(&le, Utf16::Le).as_deref(), Ok("Ma túy 𝟙"));
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("vụ án".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_utf16(&be, Utf16::Be).as_deref(), Ok("vụ án"));
        assert_eq!(decode_utf16(&le[..5], Utf16::Le), Err(BadUtf16::OddLength));
        assert_eq!(
            decode_utf16(&[0xFF, 0xFE, 0x41, 0x00, 0x00, 0xD8, 0x41, 0x00], Utf16::Le),
            Err(BadUtf16::UnpairedSurrogate { at: 4 })
        );
    }
}
