//! Personal data that a public text must not carry (the regulations on disclosure require it to
//! be removed or masked before publication): resident identity numbers with a valid check digit,
//! mainland mobile numbers, and bank card numbers that pass the Luhn check. Found in plain text,
//! with its position; never shown whole, only masked, since a message is an output too.

use std::fmt;

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PersonalKind {
    /// 居民身份证号码: 18 characters, a valid birth date and check digit.
    ResidentId,
    /// 手机号码: 11 digits starting 13–19.
    Mobile,
    /// 银行卡号: 16–19 digits of a card network's range that pass the Luhn check.
    BankCard,
}

impl PersonalKind {
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            PersonalKind::ResidentId => "居民身份证号码",
            PersonalKind::Mobile => "手机号码",
            PersonalKind::BankCard => "银行卡号",
        }
    }

    /// The English name.
    pub fn en(self) -> &'static str {
        match self {
            PersonalKind::ResidentId => "resident identity number",
            PersonalKind::Mobile => "mobile number",
            PersonalKind::BankCard => "bank card number",
        }
    }
}

/// One finding: where it starts (a byte offset into the text scanned), what it is, and the
/// number with all but its first and last few characters masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte offset of the first character.
    pub at: usize,
    /// Byte offset just after the last character.
    pub end: usize,
    /// What it is.
    pub kind: PersonalKind,
    /// The number, masked (`110105********123X`).
    pub masked: String,
}

impl Found {
    /// Whether `other` is the same number, found by another reading of the same text.
    pub fn same_number(&self, other: &Found) -> bool {
        self.kind == other.kind && self.masked == other.masked
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.zh(), self.masked)
    }
}

/// The value of a digit, ASCII or full-width.
fn digit(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => Some((c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// A character that would make a digit run part of a longer code: ASCII or full-width letters and
/// digits (Chinese characters around a number do not).
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || digit(c).is_some() || ('Ａ'..='Ｚ').contains(&c) || ('ａ'..='ｚ').contains(&c)
}

/// A character that shows nothing: soft hyphen, zero-width space and joiners, word joiner,
/// byte-order mark, Mongolian vowel separator.
fn invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// What a character reads as between digits: Unicode spaces as a space, dashes and minus signs as
/// a hyphen, and so do dots and underscores (`138.1234.5678`, `138_1234_5678`, which no number
/// of another kind is written as); any other as itself.
fn seen_as(c: char) -> char {
    match c {
        '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '.' | '_' | '\u{FF0E}' | '\u{FF3F}' => '-',
        c => c,
    }
}

/// Every piece of personal data in `text`. A candidate is a run of digits (groups of them joined
/// by single hyphens or spaces count as one run, as numbers are written `138 1234 5678`), not
/// touching a further letter or digit; its length and checks decide what it is. When the whole
/// run is nothing, the groups in it are tried, longest first, so that two numbers side by side
/// (`110105194912310011 13812345678`, or a number and a year) are each found, and so is a
/// mobile number after a country code (`+86 138 1234 5678`).
pub fn find(text: &str) -> Vec<Found> {
    // As a reader sees the text: characters that show nothing are not there, and the other
    // spaces and dashes (no-break, ideographic, thin; non-breaking hyphen, full-width minus)
    // separate groups as a space and a hyphen do.
    let chars: Vec<(usize, char)> =
        text.char_indices().filter(|(_, c)| !invisible(*c)).map(|(i, c)| (i, seen_as(c))).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i].1).is_none() || (i > 0 && word_char(chars[i - 1].1)) {
            i += 1;
            continue;
        }
        // The run: groups of digits, with single separators between them.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut j = i;
        let mut from = i;
        while j < chars.len() {
            if digit(chars[j].1).is_some() {
                j += 1;
            } else if matches!(chars[j].1, '-' | ' ') && chars.get(j + 1).and_then(|c| digit(c.1)).is_some() {
                groups.push((from, j));
                j += 1;
                from = j;
            } else {
                break;
            }
        }
        groups.push((from, j));
        // An identity number may end in X.
        let x_end = matches!(chars.get(j).map(|c| c.1), Some('X' | 'x' | 'Ｘ'));
        let end = if x_end { j + 1 } else { j };
        if chars.get(end).is_some_and(|c| word_char(c.1)) {
            i = end.max(i + 1);
            continue;
        }
        let digits = |a: usize, b: usize| -> Vec<u8> {
            groups[a..=b].iter().flat_map(|&(s, e)| chars[s..e].iter().filter_map(|c| digit(c.1))).collect()
        };
        let lens: Vec<usize> = groups.iter().map(|(s, e)| e - s).collect();
        let mut push = |a: usize, b: usize, kind: PersonalKind, x: bool| {
            let last = if x { groups[b].1 + 1 } else { groups[b].1 };
            let mut shown: String =
                chars[groups[a].0..last].iter().map(|c| c.1).filter(|c| !matches!(c, '-' | ' ')).collect();
            if kind == PersonalKind::Mobile {
                // Without the country code.
                shown = shown.chars().skip(shown.chars().count().saturating_sub(11)).collect();
            }
            let end = chars.get(last).map_or(text.len(), |c| c.0);
            out.push(Found { at: chars[groups[a].0].0, end, kind, masked: mask(&shown, kind) });
        };
        let n = groups.len();
        if let Some(kind) = classify(&digits(0, n - 1), x_end, &lens) {
            push(0, n - 1, kind, x_end);
        } else if n > 1 {
            let mut a = 0;
            while a < n {
                // Card numbers only as a whole run: amounts in a table (`45000000 31000000`)
                // pass the Luhn check one time in ten.
                let found = (a..n.min(a + 5)).rev().find_map(|b| {
                    let x = x_end && b == n - 1;
                    classify(&digits(a, b), x, &lens[a..=b]).filter(|k| *k != PersonalKind::BankCard).map(|k| (b, k, x))
                });
                match found {
                    Some((b, kind, x)) => {
                        push(a, b, kind, x);
                        a = b + 1;
                    }
                    None => a += 1,
                }
            }
        }
        i = end.max(i + 1);
    }
    out
}

/// `text` with every digit masked (same length in characters).
pub fn mask_digits(text: &str) -> String {
    text.chars().map(|c| if digit(c).is_some() { '*' } else { c }).collect()
}

/// `text` with every piece of personal data in it masked (same length in characters, so a
/// caret under a quoted line still points at its column).
pub fn mask_all(text: &str) -> std::borrow::Cow<'_, str> {
    let found = find(text);
    if found.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for f in found {
        // The number as written may hold separators and a country code before it; its own
        // characters are masked one for one.
        let run = &text[f.at..f.end];
        out.push_str(&text[from..f.at]);
        let own = run.chars().filter(|c| !matches!(c, '-' | ' ')).count();
        let mut skip = own.saturating_sub(f.masked.chars().count());
        let mut masked = f.masked.chars();
        for c in run.chars() {
            if matches!(c, '-' | ' ') {
                out.push(c);
            } else if skip > 0 {
                skip -= 1;
                out.push(c);
            } else {
                out.push(masked.next().unwrap_or('*'));
            }
        }
        from = f.end;
    }
    out.push_str(&text[from..]);
    std::borrow::Cow::Owned(out)
}

/// What a run of digits is, if it is personal data; `groups` are the lengths of the groups it
/// was written in. An identity number is written whole, or as area, birth date and the rest
/// (`110105 19491231 0011`).
fn classify(d: &[u8], x_end: bool, groups: &[usize]) -> Option<PersonalKind> {
    let id_shape = matches!(groups, [_]) || matches!(groups, [6, 8, 4]) || (x_end && matches!(groups, [6, 8, 3]));
    if (d.len() == 17 && x_end || d.len() == 18 && !x_end) && id_shape && resident_id(d, x_end) {
        return Some(PersonalKind::ResidentId);
    }
    if x_end {
        return None;
    }
    let mobile = |d: &[u8]| d.len() == 11 && d[0] == 1 && (3..=9).contains(&d[1]);
    // With the country code written as digits: 86 or 0086 before the number.
    if mobile(d) || (d.starts_with(&[8, 6]) && mobile(&d[2..])) || (d.starts_with(&[0, 0, 8, 6]) && mobile(&d[4..])) {
        return Some(PersonalKind::Mobile);
    }
    let network = matches!(d.first(), Some(4 | 5)) || d.starts_with(&[6, 2]);
    if (16..=19).contains(&d.len()) && network && luhn(d) {
        return Some(PersonalKind::BankCard);
    }
    None
}

/// GB 11643: a birth date at positions 7–14 and the check character over the first 17 digits.
fn resident_id(d: &[u8], x_end: bool) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [u8; 11] = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2];
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |n, &x| n * 10 + u32::from(x));
    let (y, m, day) = (num(6..10), num(10..12), num(12..14));
    let valid_date = (1900..=2099).contains(&y)
        && crate::model::date::Date::new(y as i32, m as u8, day as u8).is_some()
        && m <= 12
        && day <= 31;
    if !valid_date {
        return false;
    }
    let sum: u32 = d[..17].iter().zip(WEIGHTS).map(|(&x, w)| u32::from(x) * w).sum();
    let expected = CHECK[(sum % 11) as usize];
    if x_end { expected == 10 } else { d.len() == 18 && expected == d[17] }
}

/// The Luhn check of card numbers.
fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &x)| {
            let x = u32::from(x);
            if k % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Keeps the first and last characters that identify nothing alone (an identity number's area
/// code and check digit, a mobile number's network and last four) and masks the rest.
fn mask(s: &str, kind: PersonalKind) -> String {
    let c: Vec<char> = s.chars().collect();
    let (head, tail) = match kind {
        PersonalKind::ResidentId => (6, 4),
        PersonalKind::Mobile => (3, 4),
        PersonalKind::BankCard => (4, 4),
    };
    c.iter().enumerate().map(|(k, ch)| if k < head || k + tail >= c.len() { *ch } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up identity number with a valid check digit (area 110105, born 1949-12-31).
    const ID: &str = "11010519491231002X";

    fn kinds(text: &str) -> Vec<PersonalKind> {
        find(text).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn identity_numbers_need_a_date_and_their_check_digit() {
        assert_eq!(kinds(&format!("身份证号{ID}。")), [PersonalKind::ResidentId]);
        assert_eq!(kinds("11010519491231002x"), [PersonalKind::ResidentId]);
        // A wrong check digit, an impossible date: not an identity number.
        assert!(kinds("110105194912310012").is_empty());
        assert_eq!(kinds("110105194912310011"), [PersonalKind::ResidentId]);
        assert!(kinds("110105194913310028").is_empty());
        assert_eq!(find(ID)[0].masked, "110105********002X");
        assert_eq!(find(&format!("号码：{ID}"))[0].at, "号码：".len());
    }

    #[test]
    fn mobile_numbers_written_whole_or_in_groups() {
        assert_eq!(kinds("联系电话13812345678。"), [PersonalKind::Mobile]);
        assert_eq!(kinds("电话 138-1234-5678"), [PersonalKind::Mobile]);
        assert_eq!(kinds("电话 138 1234 5678，"), [PersonalKind::Mobile]);
        assert_eq!(kinds("１３８１２３４５６７８"), [PersonalKind::Mobile]);
        assert_eq!(kinds("电话 138.1234.5678"), [PersonalKind::Mobile]);
        assert_eq!(kinds("电话 138_1234_5678"), [PersonalKind::Mobile]);
        assert_eq!(find("13812345678")[0].masked, "138****5678");
        // Landlines, years, document numbers, numbers inside longer codes, dates and decimals
        // written with dots.
        for text in [
            "0571-87654321",
            "2024年1月2日",
            "青政发〔2024〕7号",
            "QCSP01-2024-0006",
            "12812345678",
            "A13812345678",
            "2024.01.02",
            "192.168.1.1",
            "3.1415926",
            "第1.3.8条",
        ] {
            assert!(kinds(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn numbers_side_by_side_grouped_or_after_a_country_code() {
        use PersonalKind::{Mobile, ResidentId};
        assert_eq!(kinds("当事人 110105194912310011 13812345678"), [ResidentId, Mobile]);
        assert_eq!(kinds("电话 13812345678 2024"), [Mobile]);
        assert_eq!(kinds("2024 13812345678"), [Mobile]);
        assert_eq!(kinds("+86 138 1234 5678"), [Mobile]);
        assert_eq!(kinds("+8613812345678"), [Mobile]);
        assert_eq!(kinds("008613812345678"), [Mobile]);
        assert_eq!(kinds("110105 19491231 0011"), [ResidentId]);
        assert_eq!(kinds("110105 19491231 002X"), [ResidentId]);
        assert_eq!(find("+86 138 1234 5678")[0].masked, "138****5678");
        assert_eq!(mask_all("当事人 110105194912310011 13812345678。"), "当事人 110105********0011 138****5678。");
        assert_eq!(mask_all("+86 138 1234 5678"), "+86 138 **** 5678");
        // Grouped otherwise, or a landline beside a year, it is no identity number or mobile.
        for text in [
            "1101 0519 4912 3100 11",
            "0571 87654321",
            "2023 2024 2025",
            "8612812345678",
            "2024 45000000 31000000 12000000",
        ] {
            assert!(kinds(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn quoted_lines_are_masked_in_place() {
        assert_eq!(
            mask_all("电话 138-1234-5678，号11010519491231002X。"),
            "电话 138-****-5678，号110105********002X。"
        );
        assert_eq!(mask_all("没有号码"), "没有号码");
    }

    #[test]
    fn card_numbers_pass_luhn_and_belong_to_a_network() {
        assert_eq!(kinds("账号 6222 0202 0000 0000 006"), [PersonalKind::BankCard]);
        assert_eq!(kinds("4111111111111111"), [PersonalKind::BankCard]);
        // Luhn fails; a 16-digit serial outside the card ranges.
        assert!(kinds("4111111111111112").is_empty());
        assert!(kinds("1000000000000009").is_empty());
    }
}
