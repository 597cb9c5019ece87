//! The domain's vocabulary as types: record kinds, the fifteen genres, disclosure, validity
//! states, and document numbers. Each parses what editors write (English identifier or Chinese
//! term) and displays itself; nothing else in the program re-checks these strings.

pub mod calendar;
pub mod date;
pub mod diag;
pub mod label;
pub mod lang;
pub mod personal;
pub mod publication;
pub mod rules;
pub mod transfer;

/// A map keyed by what the records hold (ids, numbers, titles, list labels), hashed by
/// `foldhash` with a seed of the process's own rather than by the standard SipHash (in a profile
/// of `serve` rebuilding after a record was added at 50,000 records, SipHash took 4.9 % of the
/// CPU, 2.8 % in `check::duplicates`).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use serde::Serialize;
use std::fmt;

/// Declares an enum of domain terms, each with an English identifier and its Chinese names
/// (the first is the display name; further ones are accepted synonyms).
macro_rules! terms {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $id:literal [$($zh:literal),+]),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The English identifier used in URLs and data files.
            pub fn id(self) -> &'static str {
                match self { $($name::$v => $id),+ }
            }

            /// The Chinese name.
            pub fn zh(self) -> &'static str {
                match self { $($name::$v => [$($zh),+][0]),+ }
            }

            /// Accepts the English identifier or any of the Chinese names.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $(if s == $id $(|| s == $zh)+ { return Some($name::$v); })+
                None
            }

            /// The value an editor most likely meant by `s`, and the spelling of it closest
            /// to what was written: a few characters off an accepted spelling, or containing
            /// one (`规章制度`) or contained in one (`规范文件` in `行政规范性文件` is one off).
            pub fn nearest(s: &str) -> Option<($name, &'static str)> {
                let s = s.trim();
                let low = s.to_lowercase();
                let n = s.chars().count();
                let mut best: Option<(usize, $name, &'static str)> = None;
                $(for spelling in [$id $(, $zh)+] {
                    let d = edit_distance(&low, spelling);
                    let near = d <= 1.max(spelling.chars().count().min(n) / 3)
                        || (n >= 2 && (spelling.contains(s) || s.contains(spelling)));
                    if near && best.is_none_or(|b| d < b.0) {
                        best = Some((d, $name::$v, spelling));
                    }
                })+
                best.map(|(_, v, spelling)| (v, spelling))
            }

            /// The accepted spellings, for help texts.
            pub fn choices() -> String {
                let all: Vec<String> = Self::ALL.iter().map(|v| format!("{} ({})", v.id(), v.zh())).collect();
                all.join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.id())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.id())
            }
        }
    };
}

terms! {
    /// What a record is (SPEC §2).
    Kind {
        /// 规章.
        Regulation = "regulation" ["规章"],
        /// 行政规范性文件.
        Normative = "normative" ["行政规范性文件", "规范性文件"],
        /// 其他政策文件.
        Policy = "policy" ["其他政策文件", "政策文件"],
        /// 政策解读.
        Interpretation = "interpretation" ["政策解读"],
        /// 征求意见稿.
        Draft = "draft" ["征求意见稿"],
        /// 公告公示.
        Notice = "notice" ["公告公示"],
        /// 报告.
        Report = "report" ["报告"],
        /// 公报期.
        Gazette = "gazette" ["公报期", "政府公报"],
        /// 目录条目.
        Catalog = "catalog" ["目录条目", "主动公开基本目录"],
    }
}

impl Kind {
    /// Kinds that carry legal force and so have a validity timeline on their pages.
    pub fn has_legal_force(self) -> bool {
        matches!(self, Kind::Regulation | Kind::Normative | Kind::Policy)
    }
}

terms! {
    /// 文种: the fifteen official genres of documents.
    Genre {
        /// 决议.
        Resolution = "resolution" ["决议"],
        /// 决定.
        Decision = "decision" ["决定"],
        /// 命令(令).
        Order = "order" ["命令", "令", "命令(令)", "命令（令）"],
        /// 公报.
        Communique = "communique" ["公报"],
        /// 公告.
        Announcement = "announcement" ["公告"],
        /// 通告.
        Circular = "circular" ["通告"],
        /// 意见.
        Opinion = "opinion" ["意见"],
        /// 通知.
        Notice = "notice" ["通知"],
        /// 通报.
        Bulletin = "bulletin" ["通报"],
        /// 报告.
        Report = "report" ["报告"],
        /// 请示.
        Request = "request" ["请示"],
        /// 批复.
        Reply = "reply" ["批复"],
        /// 议案.
        Motion = "motion" ["议案"],
        /// 函.
        Letter = "letter" ["函"],
        /// 纪要.
        Minutes = "minutes" ["纪要"],
    }
}

terms! {
    /// 公开属性: only `Public` may reach any output.
    Disclosure {
        /// 主动公开.
        Public = "public" ["主动公开"],
        /// 依申请公开.
        OnRequest = "on_request" ["依申请公开"],
        /// 不予公开.
        Withheld = "withheld" ["不予公开"],
    }
}

terms! {
    /// 有效性: the state of a document on a date. Lapsed (expired) and repealed stay apart.
    ///
    /// An amendment is no state: as in the national law database, the consolidated text of an
    /// amended document is 有效 (in force, as amended), and only its earlier texts are the
    /// amended ones (已被修改). Amendments are entries of the timeline (see
    /// `corpus::Change::amendment`); a record states one outside the corpus as
    /// [`Statement::Amended`].
    State {
        /// 尚未生效.
        NotYetInForce = "not_yet_in_force" ["尚未生效"],
        /// 有效.
        InForce = "in_force" ["有效"],
        /// 部分失效.
        PartlyLapsed = "partly_lapsed" ["部分失效"],
        /// 失效.
        Lapsed = "lapsed" ["失效"],
        /// 已废止.
        Repealed = "repealed" ["已废止"],
    }
}

impl State {
    /// schema.org `legislationLegalForce`.
    pub fn schema_org(self) -> &'static str {
        match self {
            State::InForce => "InForce",
            State::PartlyLapsed => "PartiallyInForce",
            State::NotYetInForce | State::Lapsed | State::Repealed => "NotInForce",
        }
    }
}

terms! {
    /// What a record's `validity.state` may state, when the basis lies outside the corpus: a
    /// state from `since`, or `amended` (已修改): the text was amended on `since`, which dates the
    /// current text and joins the timeline as an amendment but leaves the state as it was.
    Statement {
        /// 尚未生效.
        NotYetInForce = "not_yet_in_force" ["尚未生效"],
        /// 有效.
        InForce = "in_force" ["有效"],
        /// 已修改: an amendment, not a state.
        Amended = "amended" ["已修改"],
        /// 部分失效.
        PartlyLapsed = "partly_lapsed" ["部分失效"],
        /// 失效.
        Lapsed = "lapsed" ["失效"],
        /// 已废止.
        Repealed = "repealed" ["已废止"],
    }
}

impl Statement {
    /// The state stated; `None` for an amendment.
    pub fn state(self) -> Option<State> {
        match self {
            Statement::NotYetInForce => Some(State::NotYetInForce),
            Statement::InForce => Some(State::InForce),
            Statement::Amended => None,
            Statement::PartlyLapsed => Some(State::PartlyLapsed),
            Statement::Lapsed => Some(State::Lapsed),
            Statement::Repealed => Some(State::Repealed),
        }
    }
}

/// 发文字号, parsed: agency code, year and sequence (`杭政办函〔2018〕84号`), or the order form
/// of regulations (`…令第12号`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocNumber {
    /// The agency code before the year (`杭政办函`), or the whole prefix of an order number.
    pub agency: String,
    /// The year in brackets; none for order numbers.
    pub year: Option<i32>,
    /// The running number.
    pub seq: u32,
}

/// Something off about a document number that can be mended automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocNumberQuirk {
    /// The year is in `[ ]`, `［ ］`, `( )` or `【 】` instead of `〔 〕`.
    Brackets,
    /// The sequence has leading zeros (`〔2018〕084号`).
    LeadingZeros,
}

impl DocNumber {
    /// Parses a document number, returning the normalised number and what had to be mended.
    /// `None` when it has no recognisable shape at all.
    pub fn parse(s: &str) -> Option<(DocNumber, Vec<DocNumberQuirk>)> {
        let s = s.trim();
        let body = s.strip_suffix('号')?;
        let mut quirks = Vec::new();
        let digits_at_end = body.len() - body.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits_at_end == 0 {
            return None;
        }
        let (head, seq_text) = body.split_at(body.len() - digits_at_end);
        if seq_text.len() > 1 && seq_text.starts_with('0') {
            quirks.push(DocNumberQuirk::LeadingZeros);
        }
        let seq: u32 = seq_text.parse().ok()?;
        if seq == 0 {
            return None;
        }
        if let Some(prefix) = head.strip_suffix('第') {
            return (!prefix.is_empty()).then(|| (DocNumber { agency: prefix.to_string(), year: None, seq }, quirks));
        }
        for (open, close, odd) in [
            ('〔', '〕', false),
            ('[', ']', true),
            ('［', '］', true),
            ('(', ')', true),
            ('（', '）', true),
            ('【', '】', true),
        ] {
            let Some(rest) = head.strip_suffix(close) else { continue };
            let Some((agency, year)) = rest.rsplit_once(open) else { continue };
            if agency.is_empty() || year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if odd {
                quirks.push(DocNumberQuirk::Brackets);
            }
            return Some((DocNumber { agency: agency.to_string(), year: year.parse().ok(), seq }, quirks));
        }
        None
    }
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(y) => write!(f, "{}〔{}〕{}号", self.agency, y, self.seq),
            None => write!(f, "{}第{}号", self.agency, self.seq),
        }
    }
}

/// Whether an unknown key (with its value, when known) could be a mistyped disclosure or review:
/// close to one of those keys once case, width and punctuation are set aside, written in
/// Chinese, a YAML merge key (which could bring either in), or holding a value that reads as a
/// disclosure other than public. Such a key stays an error whatever `[rules]` says.
pub fn guards_publication(key: &str, value: Option<&serde_json::Value>) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = key.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect();
    if key.trim() == "<<" || ["disclos", "公开", "审查", "保密"].iter().any(|w| folded.contains(w)) {
        return true;
    }
    if ["disclosure", "disclosurereason", "review"].iter().any(|g| edit_distance(&folded, g) <= 2) {
        return true;
    }
    value.and_then(serde_json::Value::as_str).and_then(Disclosure::parse).is_some_and(|d| d != Disclosure::Public)
}

/// Levenshtein distance in characters, for telling a typo from another word.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// 索引号, the index number of the disclosure catalogue: as written, and its parts when it has
/// the usual shape `<organisation code>/<year>-<serial>` (`113300000/2024-00012`), from which the
/// next number of an issuer's year can be allocated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexNo {
    /// The number as written (trimmed).
    pub text: String,
    /// Where it is in the record.
    pub pos: diag::Pos,
    /// Its parts, when it has the usual shape.
    pub parts: Option<IndexParts>,
}

/// The parts of an index number of the usual shape.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexParts {
    /// The organisation code before the slash.
    pub org: String,
    /// The year.
    pub year: u16,
    /// The serial number within the organisation's year.
    pub serial: u32,
    /// Digits the serial is written with (leading zeros kept).
    pub width: usize,
}

impl IndexNo {
    /// Reads an index number; `parts` is `None` when it does not have the usual shape.
    pub fn parse(text: &str, pos: diag::Pos) -> IndexNo {
        IndexNo::parse_as(text, pos, None)
    }

    /// Reads an index number of the site's pattern, or of the usual shape when it has none.
    pub fn parse_as(text: &str, pos: diag::Pos, format: Option<&IndexFormat>) -> IndexNo {
        let text = text.trim().to_string();
        let parts = match format {
            Some(f) => f.read(&text),
            None => IndexParts::parse(&text),
        };
        IndexNo { text, pos, parts }
    }
}

impl IndexParts {
    /// `<org>/<year>-<serial>`: a non-empty organisation code without `/`, four digits, and a
    /// serial of digits only.
    pub fn parse(text: &str) -> Option<IndexParts> {
        let (org, rest) = text.rsplit_once('/')?;
        let (year, serial) = rest.split_once('-')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if org.is_empty() || org.contains(char::is_whitespace) || year.len() != 4 || !digits(year) || !digits(serial) {
            return None;
        }
        Some(IndexParts {
            org: org.to_string(),
            year: year.parse().ok()?,
            serial: serial.parse().ok()?,
            width: serial.len(),
        })
    }

    /// The number after this one in the same organisation's year, written as wide.
    pub fn next(&self) -> Option<IndexParts> {
        Some(IndexParts { serial: self.serial.checked_add(1)?, ..self.clone() })
    }
}

/// A site's structured index-number pattern (`[patterns] index_no_format`), such as
/// `{org}/{year}-{seq:05}`: literal text with the placeholders `{org}` (the organisation code,
/// any run of characters without white space), `{year}` (four digits) and `{seq}` or `{seq:0N}`
/// (the serial, N digits with leading zeros). One pattern both checks a number (through
/// [`IndexFormat::regex`]) and writes the next one ([`IndexFormat::write`]).
#[derive(Clone, Debug)]
pub struct IndexFormat {
    pieces: Vec<Piece>,
    regex: regex_lite::Regex,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Org,
    Year,
    Seq(usize),
}

impl IndexFormat {
    /// Reads a pattern; `Err` says what is wrong, in English and Chinese.
    pub fn parse(pattern: &str) -> Result<IndexFormat, (String, String)> {
        let mut pieces = Vec::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let end = rest
                        .find('}')
                        .ok_or_else(|| ("a `{` without its `}`".to_string(), "`{` 没有配对的 `}`".to_string()))?;
                    let name = &rest[1..end];
                    pieces.push(match name {
                        "org" => Piece::Org,
                        "year" => Piece::Year,
                        "seq" => Piece::Seq(0),
                        _ => match name.strip_prefix("seq:0").and_then(|w| w.parse::<usize>().ok()) {
                            Some(w) if (1..=12).contains(&w) => Piece::Seq(w),
                            _ => {
                                return Err((
                                    format!("`{{{name}}}` is not a placeholder: use {{org}}, {{year}}, {{seq}} or {{seq:05}}"),
                                    format!("`{{{name}}}` 不是占位符：可用 {{org}}、{{year}}、{{seq}} 或 {{seq:05}}"),
                                ));
                            }
                        },
                    });
                    rest = &rest[end + 1..];
                }
                Some(k) => {
                    pieces.push(Piece::Text(rest[..k].to_string()));
                    rest = &rest[k..];
                }
                None => {
                    pieces.push(Piece::Text(rest.to_string()));
                    rest = "";
                }
            }
        }
        for (p, name) in [(Piece::Year, "{year}"), (Piece::Seq(0), "{seq}")] {
            let n = pieces.iter().filter(|q| std::mem::discriminant(*q) == std::mem::discriminant(&p)).count();
            if n != 1 {
                return Err((
                    format!("the pattern needs {name} exactly once"),
                    format!("格式中 {name} 必须出现且只出现一次"),
                ));
            }
        }
        if pieces.iter().filter(|q| **q == Piece::Org).count() > 1 {
            return Err(("{org} may appear once".into(), "{org} 最多出现一次".into()));
        }
        let mut source = String::from("^");
        for p in &pieces {
            match p {
                Piece::Text(t) => source.push_str(&regex_lite::escape(t)),
                Piece::Org => source.push_str(r"(?<org>\S+?)"),
                Piece::Year => source.push_str(r"(?<year>\d{4})"),
                Piece::Seq(0) => source.push_str(r"(?<seq>\d+)"),
                Piece::Seq(w) => source.push_str(&format!(r"(?<seq>\d{{{w}}})")),
            }
        }
        source.push('$');
        let regex = regex_lite::Regex::new(&source).map_err(|e| (e.to_string(), e.to_string()))?;
        Ok(IndexFormat { pieces, regex })
    }

    /// The regular expression that a number of this pattern matches.
    pub fn regex(&self) -> &regex_lite::Regex {
        &self.regex
    }

    /// The parts of `text`, when it has this pattern.
    pub fn read(&self, text: &str) -> Option<IndexParts> {
        let c = self.regex.captures(text)?;
        let seq = c.name("seq")?.as_str();
        Some(IndexParts {
            org: c.name("org").map_or("", |m| m.as_str()).to_string(),
            year: c.name("year")?.as_str().parse().ok()?,
            serial: seq.parse().ok()?,
            width: seq.len(),
        })
    }

    /// `parts` written in this pattern.
    pub fn write(&self, parts: &IndexParts) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Org => out.push_str(&parts.org),
                Piece::Year => out.push_str(&parts.year.to_string()),
                Piece::Seq(w) => out.push_str(&format!("{:0w$}", parts.serial, w = *w.max(&parts.width))),
            }
        }
        out
    }
}

impl fmt::Display for IndexParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}-{:0w$}", self.org, self.year, self.serial, w = self.width)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn index_numbers_of_the_usual_shape_have_parts_and_a_next() {
        let n = IndexNo::parse(" 113300000/2024-00012 ", diag::Pos::new(1, 1));
        assert_eq!(n.text, "113300000/2024-00012");
        let p = n.parts.unwrap();
        assert_eq!((p.org.as_str(), p.year, p.serial, p.width), ("113300000", 2024, 12, 5));
        assert_eq!(p.next().unwrap().to_string(), "113300000/2024-00013");
        assert_eq!(IndexParts::parse("A/B/2024-9").unwrap().to_string(), "A/B/2024-9");
        for bad in ["113300000-2024-00012", "/2024-1", "x/24-1", "x/2024-", "x/2024-1a", "x y/2024-1"] {
            assert_eq!(IndexParts::parse(bad), None, "{bad}");
        }
        assert_eq!(IndexParts::parse("x/2024-99999").unwrap().next().unwrap().to_string(), "x/2024-100000");
    }

    use super::*;

    #[test]
    fn an_index_pattern_checks_reads_and_writes_numbers() {
        let f = IndexFormat::parse("QC-{org}-{year}/{seq:04}").unwrap();
        assert!(f.regex().is_match("QC-BGT-2025/0007"));
        assert!(!f.regex().is_match("QC-BGT-2025/7"));
        let p = f.read("QC-BGT-2025/0007").unwrap();
        assert_eq!((p.org.as_str(), p.year, p.serial), ("BGT", 2025, 7));
        assert_eq!(f.write(&p.next().unwrap()), "QC-BGT-2025/0008");
        let n = IndexNo::parse_as("QC-BGT-2025/0007", diag::Pos::new(1, 1), Some(&f));
        assert_eq!(n.parts, Some(p));
        let usual = IndexFormat::parse("{org}/{year}-{seq:05}").unwrap();
        assert_eq!(usual.write(&IndexParts::parse("113300000/2024-00012").unwrap()), "113300000/2024-00012");
        for bad in ["{org}/{seq}", "{year}-{seq}-{seq}", "{org}/{year}-{n}", "{org/{year}-{seq}", "{year}{seq:0x}"] {
            assert!(IndexFormat::parse(bad).is_err(), "{bad}");
        }
        // Literal text is literal, not a regular expression.
        let dots = IndexFormat::parse("{year}.{seq}").unwrap();
        assert!(!dots.regex().is_match("2025x1"));
    }

    #[test]
    fn terms_accept_english_and_chinese() {
        assert_eq!(Kind::parse("normative"), Some(Kind::Normative));
        assert_eq!(Kind::parse("行政规范性文件"), Some(Kind::Normative));
        assert_eq!(Genre::parse("令"), Some(Genre::Order));
        assert_eq!(State::parse("已废止"), Some(State::Repealed));
        // 已修改 is stated as an amendment, never computed as a state.
        assert_eq!(State::parse("amended"), None);
        assert_eq!(Statement::parse("已修改"), Some(Statement::Amended));
        assert_eq!(Statement::Amended.state(), None);
        for s in State::ALL {
            assert_eq!(Statement::parse(s.id()).and_then(Statement::state), Some(*s), "{s}");
            assert_eq!(Statement::parse(s.zh()).and_then(Statement::state), Some(*s), "{s}");
        }
        assert_eq!(Disclosure::parse("secret"), None);
        assert_eq!(Genre::ALL.len(), 15);
    }

    #[test]
    fn document_numbers_parse_and_normalise() {
        let (n, q) = DocNumber::parse("杭政办函〔2018〕84号").unwrap();
        assert_eq!((n.agency.as_str(), n.year, n.seq), ("杭政办函", Some(2018), 84));
        assert!(q.is_empty());
        let (n, q) = DocNumber::parse("杭政办函[2018]084号").unwrap();
        assert_eq!(n.to_string(), "杭政办函〔2018〕84号");
        assert_eq!(q, vec![DocNumberQuirk::LeadingZeros, DocNumberQuirk::Brackets]);
        let (n, _) = DocNumber::parse("青川市人民政府令第12号").unwrap();
        assert_eq!(n.to_string(), "青川市人民政府令第12号");
        assert!(DocNumber::parse("杭政办函〔18〕84号").is_none());
        assert!(DocNumber::parse("第三号").is_none());
        assert!(DocNumber::parse("〔2018〕84号").is_none());
        assert!(DocNumber::parse("杭政办函〔2018〕0号").is_none());
    }
}
