//! `gongbao.toml`: the site's settings. Read once, before anything else, and immutable after.
//! Unknown keys are errors here too, for the same reason as in records: a misspelt setting that
//! silently does nothing is worse than a refusal.

pub(crate) mod package;

use crate::model::diag::{Diagnostic, Pos, RuleLevel};
use crate::model::rules;
use crate::msg;
use package::PackageSettings;
use regex_lite::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The settings file's name at the site root.
pub(crate) const FILE: &str = "gongbao.toml";

/// All settings, with defaults filled in.
#[derive(Debug, Clone)]
pub struct Config {
    /// `[site]`.
    pub site: Site,
    /// Compiled `[patterns]`.
    pub patterns: Patterns,
    /// `[rules]`: severity overrides by rule id.
    pub rules: BTreeMap<String, RuleLevel>,
    /// Record keys the site adds to the standard ones.
    pub extra_keys: Vec<String>,
    /// `[signing]`.
    pub signing: Signing,
    /// `[history]`.
    pub history: HistorySettings,
    /// `[personal_data]`.
    pub personal_data: PersonalDataSettings,
    /// `[publication]`.
    pub publication: PublicationSettings,
    /// `[package]`.
    pub package: PackageSettings,
    /// `[deploy]`.
    pub deploy: DeploySettings,
}

/// `[deploy]`: where `gongbao deploy` publishes. No secret belongs here: credentials come from
/// the environment only (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), and a key of another
/// name is refused like every unknown key.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploySettings {
    /// The target when the command line names none: `s3://bucket/prefix`.
    pub target: Option<String>,
    /// The store's address, `https://host[:port]`; `AWS_ENDPOINT_URL` overrides it.
    pub endpoint: Option<String>,
    /// The signing region; `AWS_REGION` overrides it.
    pub region: Option<String>,
    /// Name the bucket in the path rather than in the host name (most self-hosted stores).
    #[serde(default)]
    pub path_style: bool,
}

/// `[publication]`: the time limits of the rules of publication.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationSettings {
    /// Shortest comment period of a draft, in days (the rules on drafting normative documents
    /// ask for at least 30 as a rule).
    #[serde(default = "default_comment_days")]
    pub comment_days: u32,
    /// Most working days from signing to publication of a normative document (3 in the local
    /// rules the seeds quote).
    #[serde(default = "default_working_days")]
    pub working_days: u32,
    /// A holiday calendar of the site's own, relative to the site root, with the same shape as
    /// the shipped `data/holidays-cn.toml`; its years add to or replace the shipped ones.
    #[serde(default)]
    pub calendar: Option<String>,
    /// Documents signed before this day are not held to `working_days` (by default, the first
    /// day of the first year the calendar covers: an archive of older documents is not flagged).
    #[serde(default)]
    pub timely_since: Option<crate::model::date::Date>,
}

impl Default for PublicationSettings {
    fn default() -> Self {
        PublicationSettings {
            comment_days: default_comment_days(),
            working_days: default_working_days(),
            calendar: None,
            timely_since: None,
        }
    }
}

fn default_working_days() -> u32 {
    3
}

fn default_comment_days() -> u32 {
    30
}

/// `[personal_data]`: records whose text may name people's numbers. Administrative penalty
/// decisions and similar notices are published with the party's details (masked as the rules
/// require); listing them here keeps `personal-data` for every other record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataSettings {
    /// Record ids, or id prefixes ending in `/`, exempt from `personal-data`.
    #[serde(default)]
    pub allow: Vec<String>,
}

impl PersonalDataSettings {
    /// Whether record `id` is exempt.
    pub fn allows(&self, id: &str) -> bool {
        self.allow.iter().any(|a| if a.ends_with('/') { id.starts_with(a.as_str()) } else { id == a })
    }
}

/// `[history]`: what the editorial history from git publishes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySettings {
    /// Publish each commit's subject (first line of its message). Off by default: subjects are
    /// written for editors and may name a withheld document; without them a page shows the date,
    /// the short hash and the kind of change.
    #[serde(default)]
    pub subjects: bool,
}

/// `[signing]`: where the secret key for signing the site is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// Path of the secret key file, relative to the site root. The environment variable
    /// `GONGBAO_SECRET_KEY`, holding the key itself, takes precedence.
    pub secret_key: Option<String>,
}

/// `[site]`: identity and presentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Site name (`SiteName`), e.g. 青川市人民政府.
    pub name: String,
    /// Public address of the site root, ending in `/`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// `zh-CN` (default) or `en`: messages and UI strings.
    #[serde(default = "default_language")]
    pub language: String,
    /// 网站标识码 (`SiteIDCode`), ten characters.
    #[serde(default)]
    pub id_code: String,
    /// ICP record number shown in the footer.
    #[serde(default)]
    pub icp: String,
    /// Public-security record number shown in the footer.
    #[serde(default)]
    pub police_record: String,
    /// 主办单位.
    #[serde(default)]
    pub sponsor: String,
    /// 承办单位.
    #[serde(default)]
    pub host: String,
    /// The gazette's name, e.g. 青川市人民政府公报.
    #[serde(default)]
    pub gazette_name: String,
    /// Offset of the site's time zone from UTC, `+08:00` by default; decides what "today" is.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Theme folder under `themes/`; `default` is built in.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Entries per page in browse lists.
    #[serde(default = "default_per_page")]
    pub per_page: usize,
    /// What the site publishes, in a sentence: the home page's `Description` and the
    /// `ColumnDescription` of columns without their own.
    #[serde(default)]
    pub description: String,
    /// Keywords of the site, as written (`政府公报,政府信息公开`): the home page's `Keywords` and
    /// the `ColumnKeywords` of columns without their own.
    #[serde(default)]
    pub keywords: String,
    /// Description and keywords of single columns, by column name (`规章`, `政府公报` …).
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSettings>,
}

/// `[site.columns."<name>"]`: the `ColumnDescription` and `ColumnKeywords` of one column.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSettings {
    /// `ColumnDescription`.
    #[serde(default)]
    pub description: String,
    /// `ColumnKeywords`, as written.
    #[serde(default)]
    pub keywords: String,
}

/// Whether `url` can stand before every link of the site: an absolute `http(s)://` address
/// with a host, or a path from the root (`/preview/`); nothing a page would have to escape.
fn base_url_ok(url: &str) -> bool {
    let shape = (url.starts_with('/') && !url.starts_with("//"))
        || ["http://", "https://"]
            .iter()
            .any(|s| url.strip_prefix(s).is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/')));
    shape
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'))
        // Every link is the address followed by a path: a query or a fragment would end up
        // before the path (`https://x/?q=1/docs/…`).
        && !url.contains(['?', '#'])
}

fn default_base_url() -> String {
    "/".into()
}
fn default_language() -> String {
    "zh-CN".into()
}
fn default_timezone() -> String {
    "+08:00".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_per_page() -> usize {
    20
}

/// Number shapes that differ between provinces, as regular expressions.
#[derive(Debug, Clone)]
pub struct Patterns {
    /// 索引号.
    pub index_no: Option<Regex>,
    /// 统一编号.
    pub registration_no: Option<Regex>,
    /// 索引号 as a structured pattern (`index_no_format`), which also allocates numbers.
    pub index_format: Option<crate::model::IndexFormat>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    site: Site,
    #[serde(default)]
    patterns: RawPatterns,
    #[serde(default)]
    rules: BTreeMap<String, RuleLevel>,
    #[serde(default)]
    extra_keys: Vec<String>,
    #[serde(default)]
    signing: Signing,
    #[serde(default)]
    history: HistorySettings,
    #[serde(default)]
    personal_data: PersonalDataSettings,
    #[serde(default)]
    publication: PublicationSettings,
    #[serde(default)]
    package: PackageSettings,
    #[serde(default)]
    deploy: DeploySettings,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPatterns {
    index_no: Option<String>,
    index_no_format: Option<String>,
    registration_no: Option<String>,
}

/// What the TOML reader says of a line it cannot read, in Chinese.
fn toml_zh(en: &str) -> String {
    let known: &[(&str, &str)] = &[
        ("unclosed table", "表头的方括号没有闭合（`[site]`）"),
        ("unclosed array", "列表的方括号没有闭合"),
        ("invalid inline table", "花括号中的键值表写得不对"),
        ("expected `=`", "键的后面要有 `=`（`键 = 值`）"),
        ("invalid string", "文字要加引号，引号要成对"),
        ("invalid basic string", "文字要加引号，引号要成对"),
        ("invalid key", "键名无效：只能用字母、数字、`-` 和 `_`，否则加引号"),
        ("invalid unquoted key", "键名无效：只能用字母、数字、`-` 和 `_`，否则加引号"),
        ("unexpected content", "这一行多了内容：一行只写一个 `键 = 值`"),
        ("invalid table header", "表头写得不对（`[site]`）"),
        ("duplicate key", "有字段写了两次"),
        ("invalid number", "数字写得不对"),
        ("invalid integer", "整数写得不对"),
        ("invalid boolean", "布尔值只能是 true 或 false"),
    ];
    match known.iter().find(|(k, _)| en.contains(k)) {
        Some((_, zh)) => (*zh).to_string(),
        None => format!("TOML 语法错误（{en}）"),
    }
}

/// What the regular-expression parser says of a pattern, in Chinese.
fn regex_zh(en: &str) -> String {
    let known: &[(&str, &str)] = &[
        ("unclosed group", "左圆括号 `(` 没有闭合"),
        ("open group without closing", "左圆括号 `(` 没有闭合"),
        ("unopened group", "右圆括号 `)` 多余"),
        ("unclosed character class", "方括号 `[` 没有闭合"),
        ("repetition operator missing expression", "重复符号（`*`、`+`、`?`、`{n}`）前面没有内容"),
        ("repetition quantifier", "重复次数 `{m,n}` 写得不对"),
        ("invalid escape", "转义写得不对（反斜杠后面的字符无效）"),
        ("unrecognized escape", "转义写得不对（反斜杠后面的字符无效）"),
        ("invalid character class range", "方括号中的范围写反了（应是 `[0-9]` 这样从小到大）"),
        ("exceeds size limit", "表达式太大"),
    ];
    match known.iter().find(|(k, _)| en.contains(k)) {
        Some((_, zh)) => (*zh).to_string(),
        None => format!("语法错误（{}）", en.lines().last().unwrap_or(en).trim()),
    }
}

/// Where `key` of the table `[section]` is set in the settings' `text`: the place of the key
/// and of its value (the first character after `=` and blanks), on the first line of that table
/// that sets it, bare or quoted. A comment after a table's name or a value is not part of it.
pub(crate) fn setting_pos(text: &str, section: &str, key: &str) -> Option<(Pos, Pos)> {
    let bare = |k: &str| k.trim().trim_matches('"').trim_matches('\'').to_string();
    let mut current = String::new();
    for (n, line) in (1u64..).zip(text.lines()) {
        let t = line.split_once(" #").map_or(line, |(before, _)| before).trim();
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if current == section && t.split_once('=').is_some_and(|(k, _)| bare(k) == key) {
            let chars: Vec<char> = line.chars().collect();
            let key_at = chars.iter().position(|c| !c.is_whitespace()).unwrap_or(0);
            let eq = chars.iter().position(|&c| c == '=').unwrap_or(0);
            let value_at = (eq + 1..chars.len()).find(|&k| chars[k] != ' ' && chars[k] != '\t').unwrap_or(eq);
            return Some((Pos::new(n, key_at as u64 + 1), Pos::new(n, value_at as u64 + 1)));
        }
    }
    None
}

impl Config {
    /// Parses the text of `gongbao.toml`.
    pub fn parse(text: &str) -> Result<Config, Diagnostic> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let pos = e.span().map_or(Pos::new(1, 1), |s| Pos::of_offset(text, s.start));
            let raw = e.message().trim();
            let zh = crate::model::diag::serde_zh(raw).unwrap_or_else(|| toml_zh(raw));
            let m = crate::model::diag::serde_en(raw);
            Diagnostic::error(
                &rules::CONFIG,
                FILE,
                pos,
                msg!("站点配置无法解析：{zh}", "the site settings cannot be read: {m}"),
            )
            .help(msg!("对照手册“站点配置”一章检查该行", "compare this line with the book's chapter on settings"))
        })?;
        // A `config` error at the first place `key` is written.
        let wrong = |key: &str, m: crate::model::diag::Msg| {
            let pos = text.find(key).map_or(Pos::new(1, 1), |o| Pos::of_offset(text, o));
            Diagnostic::error(&rules::CONFIG, FILE, pos, m)
        };
        let compile = |key: &str, p: Option<String>| -> Result<Option<Regex>, Diagnostic> {
            p.map(|p| {
                Regex::new(&p).map_err(|e| {
                    let pos = text.find(key).map_or(Pos::new(1, 1), |o| Pos::of_offset(text, o));
                    Diagnostic::error(&rules::CONFIG, FILE, pos, {
                        let zh = regex_zh(&e.to_string());
                        msg!(
                            "[patterns] {key} 不是有效的正则表达式：{zh}",
                            "[patterns] {key} is not a valid regular expression: {e}"
                        )
                    })
                })
            })
            .transpose()
        };
        let index_format = match raw.patterns.index_no_format.as_deref().map(crate::model::IndexFormat::parse) {
            None => None,
            Some(Ok(f)) => Some(f),
            Some(Err((en, zh))) => {
                return Err(wrong(
                    "index_no_format",
                    msg!("[patterns] index_no_format 无效：{zh}", "[patterns] index_no_format is not valid: {en}"),
                )
                .help(msg!("例如 \"{{org}}/{{year}}-{{seq:05}}\"", "for example \"{{org}}/{{year}}-{{seq:05}}\"")));
            }
        };
        let index_no = compile("index_no", raw.patterns.index_no)?;
        let patterns = Patterns {
            // The structured pattern checks numbers too, unless a regular expression is given.
            index_no: index_no.or_else(|| index_format.as_ref().map(|f| f.regex().clone())),
            registration_no: compile("registration_no", raw.patterns.registration_no)?,
            index_format,
        };
        let mut site = raw.site;
        if !base_url_ok(&site.base_url) {
            let url = &site.base_url;
            return Err(wrong(
                "base_url",
                msg!("[site] base_url 的值 `{url}` 不是网址", "[site] base_url `{url}` is not an address"),
            )
            .help(msg!(
                "写成 https://example.gov.cn/gazette/ 这样的完整网址，或以 / 开头的路径",
                "write a full address such as https://example.gov.cn/gazette/, or a path starting with /"
            )));
        }
        if !site.base_url.ends_with('/') {
            site.base_url.push('/');
        }
        // Written once in the form feeds and pages need (`+8:0` becomes `+08:00`).
        if let Some(m) = tz_minutes(&site.timezone) {
            site.timezone = tz_text(m);
        } else {
            let tz = &site.timezone;
            return Err(wrong("timezone", msg!("时区 `{tz}` 无效", "time zone `{tz}` is not valid"))
                .help(msg!("写成 +08:00 这样的 UTC 偏移", "write an offset from UTC such as +08:00")));
        }
        // A language the site cannot be written in would silently be Simplified Chinese.
        let primary = site.language.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        if primary != "zh" && primary != "en" {
            let l = &site.language;
            return Err(wrong(
                "language",
                msg!(
                    "[site] language 的值 `{l}` 不是可用的语言",
                    "[site] language `{l}` is not a language gongbao writes"
                ),
            )
            .help(msg!(
                "写 zh-CN（简体中文，默认）、zh-Hant（繁体中文）或 en",
                "write zh-CN (Simplified Chinese, the default), zh-Hant (Traditional Chinese) or en"
            )));
        }
        if !(1..=1000).contains(&site.per_page) {
            let n = site.per_page;
            return Err(wrong(
                "per_page",
                msg!("[site] per_page 的值 {n} 不合理", "[site] per_page {n} is out of range"),
            )
            .help(msg!(
                "每页条目数写 1 到 1000 之间的整数，默认 20",
                "write a whole number from 1 to 1000; the default is 20"
            )));
        }
        if let Some(k) = raw.extra_keys.iter().find(|k| crate::model::guards_publication(k, None)) {
            let pos = text.find(k.as_str()).map_or(Pos::new(1, 1), |o| Pos::of_offset(text, o));
            return Err(Diagnostic::error(
                &rules::CONFIG,
                FILE,
                pos,
                msg!(
                    "extra_keys 中的 `{k}` 与决定能否公开的字段（disclosure、review）相近",
                    "`{k}` in extra_keys is close to a key that decides publication (disclosure, review)"
                ),
            )
            .help(msg!(
                "删除它：相近的名字会让写错的公开属性悄悄通过",
                "remove it: a name this close would let a misspelt disclosure pass"
            )));
        }
        if let Some(problems) = raw.package.archive.as_ref().and_then(|a| a.validate().err()) {
            return Err(wrong(
                "[package.archive]",
                msg!("[package.archive] 有误：{problems}", "[package.archive] is not valid: {problems}"),
            )
            .help(msg!("对照手册“移交与归档”一章", "compare with the book's chapter on packages")));
        }
        if !plain_folder_name(&site.theme) {
            let pos = setting_pos(text, "site", "theme").map_or(Pos::new(1, 1), |(key, _)| key);
            let theme = &site.theme;
            return Err(Diagnostic::error(
                &rules::CONFIG,
                FILE,
                pos,
                msg!(
                    "主题 `{theme}` 不是 themes/ 下的文件夹名",
                    "theme `{theme}` is not the name of a folder in themes/"
                ),
            )
            .help(msg!(
                "只写文件夹名，如 theme = \"gov\"：不含 /、\\、..，不以 . 开头",
                "write the folder's name alone, such as theme = \"gov\": no /, \\ or .., not starting with a dot"
            )));
        }
        Ok(Config {
            site,
            patterns,
            rules: raw.rules,
            extra_keys: raw.extra_keys,
            signing: raw.signing,
            history: raw.history,
            personal_data: raw.personal_data,
            publication: raw.publication,
            package: raw.package,
            deploy: raw.deploy,
        })
    }

    /// Replaces `[site] base_url` for one build (`build --base-url`): an absolute `http(s)://`
    /// address or a path starting with `/`; a missing final `/` is added.
    pub fn set_base_url(&mut self, url: &str) -> Result<(), Diagnostic> {
        let url = url.trim();
        if !base_url_ok(url) {
            return Err(Diagnostic::error(
                &rules::CONFIG,
                "",
                Pos::new(1, 1),
                msg!("--base-url 的值 `{url}` 不是网址", "`{url}` given to --base-url is not an address"),
            )
            .help(msg!(
                "写成 https://example.gov.cn/gazette/ 或以 / 开头的路径，如 /preview/",
                "write https://example.gov.cn/gazette/ or a path starting with /, such as /preview/"
            )));
        }
        self.site.base_url = url.to_string();
        if !self.site.base_url.ends_with('/') {
            self.site.base_url.push('/');
        }
        Ok(())
    }

    /// The language of messages and of the interface.
    pub fn lang(&self) -> crate::model::lang::Lang {
        crate::model::lang::Lang::from_tag(&self.site.language)
    }

    /// The time zone's offset from UTC in minutes.
    pub fn tz_minutes(&self) -> i32 {
        tz_minutes(&self.site.timezone).unwrap_or(480)
    }

    /// The path part of the base URL (`/` or `/gazette/`): every internal link starts with it,
    /// so the site works when deployed below a folder.
    pub fn base_path(&self) -> &str {
        let u = &self.site.base_url;
        match u.find("://") {
            Some(i) => u[i + 3..].find('/').map_or("/", |j| &u[i + 3 + j..]),
            None => u,
        }
    }

    /// The host of the base URL (`SiteDomain`), empty when the base URL has none.
    pub fn domain(&self) -> &str {
        let u = &self.site.base_url;
        match u.find("://") {
            Some(i) => {
                let rest = &u[i + 3..];
                &rest[..rest.find('/').unwrap_or(rest.len())]
            }
            None => "",
        }
    }
}

/// A name that stays one folder below `themes/`: not empty, no separators, no control
/// characters, not starting with a dot (so neither `..` nor a hidden folder), not a drive.
fn plain_folder_name(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('.') && !s.chars().any(|c| matches!(c, '/' | '\\' | ':') || c.is_control())
}

/// Minutes east of UTC of an offset written `+08:00`, `+8:0`, `+0800` or `+8`.
fn tz_minutes(s: &str) -> Option<i32> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let (h, m) = match rest.split_once(':') {
        Some(hm) => hm,
        None if rest.len() == 4 => rest.split_at(2),
        None if rest.len() <= 2 => (rest, "0"),
        None => return None,
    };
    if h.is_empty() || m.is_empty() || h.len() > 2 || m.len() > 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(sign * (h * 60 + m))
}

/// An offset in the one form written out: sign, two-digit hours, colon, two-digit minutes.
fn tz_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_written_one_way() {
        for (written, wanted) in
            [("+8:0", "+08:00"), ("+08:00", "+08:00"), ("+0800", "+08:00"), ("+8", "+08:00"), ("-3:30", "-03:30")]
        {
            let c = Config::parse(&format!("[site]\nname = \"x\"\ntimezone = \"{written}\"\n")).unwrap();
            assert_eq!(c.site.timezone, wanted, "{written}");
        }
        for bad in ["8:00", "+8:", "+08:0:0", "+25:00", "+08:60", "+123"] {
            assert!(tz_minutes(bad).is_none(), "{bad}");
        }
    }

    fn toml_quote(s: &str) -> String {
        format!("'{s}'")
    }

    #[test]
    fn a_base_url_given_on_the_command_line_is_checked() {
        let mut c = Config::parse("[site]\nname = \"x\"\n").unwrap();
        c.set_base_url("https://example.gov.cn/gb").unwrap();
        assert_eq!(c.site.base_url, "https://example.gov.cn/gb/");
        assert_eq!(c.base_path(), "/gb/");
        for bad in [
            "example.gov.cn",
            "//x",
            "https://",
            "/a b",
            "javascript:alert(1)",
            "not a url",
            "https://x/\"a",
            "https://x.gov.cn/?q=1",
            "/gb/#top",
        ] {
            assert!(c.set_base_url(bad).is_err(), "{bad}");
            let toml = format!("[site]\nname = \"x\"\nbase_url = {}\n", toml_quote(bad));
            let e = Config::parse(&toml).unwrap_err();
            assert_eq!((e.pos.line, e.pos.column), (3, 1), "{bad}");
        }
    }

    #[test]
    fn what_the_readers_say_is_said_in_chinese_too() {
        for (toml, zh) in [
            ("[site]\nname = \"x\"\nper_page = -5\n", "不小于零的整数"),
            ("[site]\nnmae = \"x\"\n", "未知字段 `nmae`"),
            ("[site\nname = \"x\"\n", "方括号没有闭合"),
            ("[site]\nname = \"x\"\nname = \"y\"\n", "写了两次"),
            ("[site]\nname = \"x\"\n[patterns]\nindex_no = '(x'\n", "左圆括号 `(` 没有闭合"),
        ] {
            let e = Config::parse(toml).unwrap_err();
            assert!(e.message.zh.contains(zh), "{toml:?}: {}", e.message.zh);
            assert!(!e.message.zh.contains("expected"), "{toml:?}: {}", e.message.zh);
        }
    }

    #[test]
    fn reads_minimal_settings_with_defaults() {
        let c = Config::parse("[site]\nname = \"青川市\"\nbase_url = \"https://example.gov.cn/gb\"\n").unwrap();
        assert_eq!(c.base_path(), "/gb/");
        assert_eq!(c.domain(), "example.gov.cn");
        assert_eq!(c.tz_minutes(), 480);
        assert_eq!(c.site.per_page, 20);
    }

    #[test]
    fn unknown_setting_is_an_error_with_position() {
        let e = Config::parse("[site]\nname = \"x\"\nnmae = \"y\"\n").unwrap_err();
        assert_eq!(e.pos.line, 3);
    }

    #[test]
    fn theme_is_a_plain_folder_name() {
        for bad in ["../x", "/abs", "a/b", "a\\\\b", ".hidden", "..", "", "c:x"] {
            let e = Config::parse(&format!("[site]\nname = \"x\"\ntheme = \"{bad}\"\n")).unwrap_err();
            assert_eq!((e.rule, e.pos.line), (&rules::CONFIG, 3), "{bad}");
        }
        assert_eq!(Config::parse("[site]\nname = \"x\"\ntheme = \"gov-2\"\n").unwrap().site.theme, "gov-2");
    }

    #[test]
    fn language_and_page_size_are_ones_a_site_can_have() {
        for bad in ["language = \"xx-YY\"", "language = \"\"", "per_page = 0", "per_page = 100000"] {
            let e = Config::parse(&format!("[site]\nname = \"x\"\n{bad}\n")).unwrap_err();
            assert_eq!((e.rule, e.pos.line), (&rules::CONFIG, 3), "{bad}");
        }
        for good in ["language = \"zh-Hant\"", "language = \"en\"", "language = \"zh_CN\"", "per_page = 1"] {
            assert!(Config::parse(&format!("[site]\nname = \"x\"\n{good}\n")).is_ok(), "{good}");
        }
    }

    #[test]
    fn history_subjects_are_off_unless_asked_for() {
        assert!(!Config::parse("[site]\nname = \"x\"\n").unwrap().history.subjects);
        assert!(Config::parse("[site]\nname = \"x\"\n[history]\nsubjects = true\n").unwrap().history.subjects);
        assert_eq!(Config::parse("[site]\nname = \"x\"\n[history]\nsubject = true\n").unwrap_err().pos.line, 4);
    }

    #[test]
    fn bad_pattern_is_reported() {
        let e = Config::parse("[site]\nname = \"x\"\n[patterns]\nindex_no = \"(\"\n").unwrap_err();
        assert!(e.message.en.contains("index_no"));
    }
}
