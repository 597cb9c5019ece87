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
    /// What it is.
    pub kind: PersonalKind,
    /// The number, masked (`110105********123X`).
    pub masked: String,
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

/// Every piece of personal data in `text`. A candidate is a run of digits (groups of them joined
/// by single hyphens or spaces count as one run, as numbers are written `138 1234 5678`), not
/// touching a further letter or digit; its length and checks decide what it is.
pub fn find(text: &str) -> Vec<Found> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i].1).is_none() || (i > 0 && word_char(chars[i - 1].1)) {
            i += 1;
            continue;
        }
        // The run: digits, with single separators between digits.
        let start = i;
        let mut digits: Vec<u8> = Vec::new();
        let mut separated = false;
        let mut j = i;
        while j < chars.len() {
            if let Some(d) = digit(chars[j].1) {
                digits.push(d);
                j += 1;
            } else if matches!(chars[j].1, '-' | ' ') && chars.get(j + 1).and_then(|c| digit(c.1)).is_some() {
                separated = true;
                j += 1;
            } else {
                break;
            }
        }
        // An identity number may end in X.
        let mut x_end = false;
        if digits.len() == 17 && !separated && matches!(chars.get(j).map(|c| c.1), Some('X' | 'x' | 'Ｘ')) {
            x_end = true;
            j += 1;
        }
        let touches = chars.get(j).is_some_and(|c| word_char(c.1));
        if !touches {
            if let Some(kind) = classify(&digits, x_end, separated) {
                let shown: String = chars[start..j].iter().map(|c| c.1).filter(|c| !matches!(c, '-' | ' ')).collect();
                out.push(Found { at: chars[start].0, kind, masked: mask(&shown, kind) });
            }
        }
        i = j.max(i + 1);
    }
    out
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
        // The number as written may hold separators; mask its digits one for one.
        let run: String = text[f.at..]
            .chars()
            .take_while(|c| digit(*c).is_some() || matches!(c, '-' | ' ' | 'X' | 'x' | 'Ｘ'))
            .collect();
        out.push_str(&text[from..f.at]);
        let mut masked = f.masked.chars();
        for c in run.chars() {
            out.push(if matches!(c, '-' | ' ') { c } else { masked.next().unwrap_or('*') });
        }
        from = f.at + run.len();
    }
    out.push_str(&text[from..]);
    std::borrow::Cow::Owned(out)
}

/// What a run of digits is, if it is personal data.
fn classify(d: &[u8], x_end: bool, separated: bool) -> Option<PersonalKind> {
    if (d.len() == 17 && x_end || d.len() == 18) && !separated && resident_id(d, x_end) {
        return Some(PersonalKind::ResidentId);
    }
    if d.len() == 11 && d[0] == 1 && (3..=9).contains(&d[1]) {
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
    sum % 10 == 0
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
        assert_eq!(find("13812345678")[0].masked, "138****5678");
        // Landlines, years, document numbers, numbers inside longer codes.
        for text in
            ["0571-87654321", "2024年1月2日", "青政发〔2024〕7号", "QCSP01-2024-0006", "12812345678", "A13812345678"]
        {
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
