//! Diagnostics are data: every stage returns them, none prints. A diagnostic names the rule that
//! raised it, the file and position, and carries its message and help in both languages the tool
//! speaks, so the command can print it in the site's language, as text or as JSON.

use crate::model::lang::Lang;
use crate::model::rules::Rule;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How bad a finding is. Errors stop a build; warnings are printed and let it go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops `build`; `check` exits 1.
    Error,
    /// Printed only.
    Warning,
}

/// A text in Chinese and in English. Built with [`msg!`](crate::msg).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Msg {
    /// Simplified Chinese.
    pub zh: Cow<'static, str>,
    /// English.
    pub en: Cow<'static, str>,
}

/// A text of [`msg!`](crate::msg): borrowed when it has no arguments (most helps), so that a
/// run with a million findings does not hold a million copies of the same sentence.
pub fn text(a: std::fmt::Arguments<'_>) -> Cow<'static, str> {
    match a.as_str() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(a.to_string()),
    }
}

impl Msg {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        if lang.is_english() { &self.en } else { &self.zh }
    }
}

/// `msg!("中文 {x}", "English {x}")`: both texts, formatted with the same arguments in scope.
#[macro_export]
macro_rules! msg {
    ($zh:expr, $en:expr $(,)?) => {
        $crate::model::diag::Msg {
            zh: $crate::model::diag::text(format_args!($zh)),
            en: $crate::model::diag::text(format_args!($en)),
        }
    };
    ($zh:expr, $en:expr, $a:expr, $b:expr $(,)?) => {
        $crate::model::diag::Msg { zh: format!($zh, $a).into(), en: format!($en, $b).into() }
    };
}

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
}

impl Pos {
    /// A position; zeros are lifted to 1 so a printed location is always a real one.
    pub fn new(line: u64, column: u64) -> Pos {
        Pos { line: line.clamp(1, u64::from(u32::MAX)) as u32, column: column.clamp(1, u64::from(u32::MAX)) as u32 }
    }

    /// The line and column of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Pos::new(line as u64, column as u64)
    }
}

/// Positions of many offsets in one text, found in time linear in the text when the offsets come
/// in increasing order (as a parser's events do): each call goes on from the last one instead of
/// counting from the start again. An earlier offset starts over, so any order is still right.
pub struct Locator<'a> {
    text: &'a str,
    offset: usize,
    line: u64,
    column: u64,
}

impl<'a> Locator<'a> {
    /// A locator over `text`.
    pub fn new(text: &'a str) -> Locator<'a> {
        Locator { text, offset: 0, line: 1, column: 1 }
    }

    /// The position of byte `offset`, as [`Pos::of_offset`] gives it.
    pub fn at(&mut self, offset: usize) -> Pos {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        if offset < self.offset {
            *self = Locator::new(self.text);
        }
        for c in self.text[self.offset..offset].chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset = offset;
        Pos::new(self.line, self.column)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// What a log shows in place of the file of a finding in a record that is not public
/// ([`Diagnostic::hide_file`]).
pub const HIDDEN_FILE: &str = "（不公开的记录 / a record that is not public）";

/// One finding.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    /// Error or warning, after the site's overrides.
    pub severity: Severity,
    /// The rule, from the registry in [`rules`](crate::model::rules); its id (e.g.
    /// `unknown-key`) is the key for severity overrides in `gongbao.toml`.
    pub rule: &'static Rule,
    /// Path relative to the site root, with `/` separators; empty for site-wide findings.
    pub file: String,
    /// Where in the file.
    pub pos: Pos,
    /// What is wrong.
    pub message: Msg,
    /// How to fix it.
    pub help: Option<Msg>,
    /// Whether the file belongs to a record that is not publicly disclosed: its lines are
    /// never printed and the values its message quotes are left out (see [`Diagnostic::redact`]),
    /// since logs of a publishing pipeline are often public too.
    #[serde(skip)]
    pub private: bool,
}

impl Diagnostic {
    /// An error of `rule` at `file:pos`.
    pub fn error(rule: &'static Rule, file: &str, pos: Pos, message: Msg) -> Diagnostic {
        Diagnostic::new(Severity::Error, rule, file, pos, message)
    }

    /// A warning of `rule` at `file:pos`.
    pub fn warning(rule: &'static Rule, file: &str, pos: Pos, message: Msg) -> Diagnostic {
        Diagnostic::new(Severity::Warning, rule, file, pos, message)
    }

    fn new(severity: Severity, rule: &'static Rule, file: &str, pos: Pos, message: Msg) -> Diagnostic {
        // The registry's default severity is what the book documents; a rule raised otherwise is
        // a mistake in the code, caught by the tests (which run debug builds), not by users.
        debug_assert!(rule.level.allows(severity), "rule `{rule}` is registered as {:?}", rule.level);
        Diagnostic { severity, rule, file: file.to_string(), pos, message, help: None, private: false }
    }

    /// Marks the finding as one about a record that is not public: its message and help become
    /// the rule's own description, which quotes nothing, and no line of the file is shown. The
    /// file, line, column and rule remain, which is enough to find the place. (Blanking only the
    /// values a message quotes between backticks left its dates, paths and other records' ids,
    /// which a message writes without them.)
    pub fn redact(&mut self) {
        let (zh, en) = (self.rule.zh, self.rule.en);
        self.message = crate::msg!(
            "{zh}（涉及不公开的记录，详情不显示）",
            "{en} (this concerns a record that is not public, so the details are not shown)"
        );
        self.help = Some(crate::msg!(
            "打开文件中标出的位置查看；不公开记录的内容不会写进任何输出和日志",
            "open the file at the place shown; nothing of a record that is not public is written to any output or log"
        ));
        self.private = true;
    }

    /// Leaves out which file a [`Diagnostic::redact`]ed finding is in, for a log: the name of
    /// a record that is not public, or of its files, may say what it is. Its line and column
    /// stay; running `check` at a terminal shows the file.
    pub fn hide_file(&mut self) {
        self.file = HIDDEN_FILE.to_string();
        self.help = Some(crate::msg!(
            "在终端中运行 gongbao check 可看到是哪个文件；不公开记录的内容和文件名不会写进任何输出和日志",
            "run gongbao check at a terminal to see which file; nothing of a record that is not public, its file names included, is written to any output or log"
        ));
    }

    /// [`Diagnostic::redact`]s the finding when `private`: for a finding in one record's file
    /// that quotes another record (its id, dates, numbers or file), when that one is not public.
    pub fn redacted_if(mut self, private: bool) -> Diagnostic {
        if private {
            self.redact();
        }
        self
    }

    /// Adds the advice on how to fix it.
    pub fn help(mut self, help: Msg) -> Diagnostic {
        self.help = Some(help);
        self
    }
}

/// What the site says about a rule in `[rules]` of `gongbao.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// Make it an error.
    Error,
    /// Make it a warning.
    Warning,
    /// Drop it.
    Off,
}

/// Applies the site's severity overrides and sorts findings by file, position and rule, so the
/// output does not depend on the order in which parallel work finished.
pub fn finish(mut diags: Vec<Diagnostic>, levels: &BTreeMap<String, RuleLevel>) -> Vec<Diagnostic> {
    diags.retain_mut(|d| match levels.get(d.rule.id) {
        Some(RuleLevel::Off) => false,
        Some(RuleLevel::Error) => {
            d.severity = Severity::Error;
            true
        }
        Some(RuleLevel::Warning) => {
            d.severity = Severity::Warning;
            true
        }
        None => true,
    });
    diags.sort_by(|a, b| (&a.file, a.pos, a.rule.id, &a.message.en).cmp(&(&b.file, b.pos, b.rule.id, &b.message.en)));
    diags.dedup_by(|a, b| a.file == b.file && a.pos == b.pos && a.rule == b.rule && a.message == b.message);
    diags
}

/// Counts errors.
pub fn error_count(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.severity == Severity::Error).count()
}

/// Renders findings for a person: the message, the location, the offending source line with
/// the column marked, and the help. `source` gives the text of a file when it is at hand.
///
/// The excerpt is laid out by `annotate-snippets`, which measures East Asian wide characters
/// as two cells, so the mark lines up under a Chinese text, and cuts a long line around the
/// column instead of showing its start. Lines of records that are not public are never shown.
pub fn render_human<'a>(diags: &[Diagnostic], lang: Lang, source: impl Fn(&str, u32) -> Option<&'a str>) -> String {
    render_human_with(diags, lang, source, &personal_lines(diags))
}

/// The lines (file, line) where personal data was found. A number written with entities or
/// escapes (`1381234&#53;678`) is found in the text as read, not in the line as written, so
/// every digit of such a line is masked when it is quoted, under any finding.
pub fn personal_lines(diags: &[Diagnostic]) -> std::collections::HashSet<(&str, u32)> {
    diags
        .iter()
        .filter(|d| *d.rule == crate::model::rules::PERSONAL_DATA)
        .map(|d| (d.file.as_str(), d.pos.line))
        .collect()
}

/// [`render_human`] for some of the findings of a run, with the lines where any of them found
/// personal data ([`personal_lines`] of all of them).
pub fn render_human_with<'a>(
    diags: &[Diagnostic],
    lang: Lang,
    source: impl Fn(&str, u32) -> Option<&'a str>,
    personal: &std::collections::HashSet<(&str, u32)>,
) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
    let en = lang.is_english();
    let renderer = Renderer::plain();
    let mut out = String::new();
    for d in diags {
        let level = match (d.severity, en) {
            (Severity::Error, true) => Level::ERROR,
            (Severity::Warning, true) => Level::WARNING,
            (Severity::Error, false) => Level::ERROR.with_name("错误"),
            (Severity::Warning, false) => Level::WARNING.with_name("警告"),
        };
        let help_level = if en { Level::HELP } else { Level::HELP.with_name("提示") };
        let mut group = Group::with_title(level.primary_title(d.message.get(lang)).id(d.rule.id));
        // A quoted line never shows personal data whole, whatever the finding is about.
        let line = (!d.file.is_empty() && !d.private).then(|| source(&d.file, d.pos.line)).flatten().map(|l| {
            if personal.contains(&(d.file.as_str(), d.pos.line)) {
                crate::model::personal::mask_digits(l)
            } else {
                crate::model::personal::mask_all(l).into_owned()
            }
        });
        match &line {
            Some(text) => {
                let at = text.char_indices().nth(d.pos.column as usize - 1).map_or(text.len(), |(i, _)| i);
                let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                group = group.element(
                    Snippet::source(&text[..])
                        .line_start(d.pos.line as usize)
                        .path(d.file.as_str())
                        .annotation(AnnotationKind::Primary.span(at..end)),
                );
            }
            None if !d.file.is_empty() => {
                group = group.element(
                    Origin::path(d.file.as_str()).line(d.pos.line as usize).char_column(d.pos.column as usize),
                );
            }
            None => {}
        }
        if let Some(h) = &d.help {
            group = group.element(help_level.message(h.get(lang)));
        }
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    out
}

/// Renders findings as one JSON document for pipelines.
pub fn render_json(diags: &[Diagnostic], lang: Lang) -> String {
    let items: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            serde_json::json!({
                "severity": d.severity,
                "rule": d.rule.id,
                "file": d.file,
                "line": d.pos.line,
                "column": d.pos.column,
                "message": d.message.get(lang),
                "help": d.help.as_ref().map(|h| h.get(lang)),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "errors": error_count(diags),
        "warnings": diags.len() - error_count(diags),
        "diagnostics": items,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// What `serde` says, in English as an editor reads it: a number too large for any type the
/// reader has is said to be out of range, without the type it was read as (`as i128`).
pub(crate) fn serde_en(en: &str) -> String {
    let wide = ["` as i128", "` as u128"].iter().any(|t| en.contains(t));
    let en = en.replace("` as i128", "`").replace("` as u128", "`");
    if wide { en.replacen("invalid type: integer", "out of range: integer", 1) } else { en }
}

/// What `serde` says of a value of the wrong shape (`unknown field`, `missing field`, `invalid
/// type`, `invalid value`, `duplicate key`), in Chinese; `None` for anything else. Settings and
/// front matter are read through `serde`, and a message in a Chinese site speaks Chinese.
pub(crate) fn serde_zh(en: &str) -> Option<String> {
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_string).unwrap_or_default();
    // What a value should have been, as `serde` names the type it expected.
    let expected = |what: &str| -> String {
        let what = what.trim().trim_start_matches("a ").trim_start_matches("an ");
        let zh = match what {
            "usize" | "u8" | "u16" | "u32" | "u64" | "nonzero usize" => "不小于零的整数",
            "i8" | "i16" | "i32" | "i64" | "integer" => "整数",
            "f32" | "f64" | "float" => "数字",
            "string" | "str" | "char" | "borrowed string" => "文字（加引号）",
            "boolean" | "bool" => "true 或 false",
            "sequence" | "array" | "list" => "列表（`[甲, 乙]`）",
            "map" | "table" => "键值表",
            w if w.starts_with("struct ") || w.starts_with("map") => "键值表",
            w if w.starts_with("one of") || w.starts_with("variant") => {
                return format!("以下之一：{}", w.trim_start_matches("one of "));
            }
            w => return w.to_string(),
        };
        zh.to_string()
    };
    if en.starts_with("missing field") {
        return Some(format!("缺少字段 `{}`", quoted(en)));
    }
    if en.starts_with("unknown field") || en.starts_with("unknown variant") {
        let what = if en.starts_with("unknown field") { "未知字段" } else { "无效的取值" };
        let known = en
            .split_once("expected one of ")
            .or_else(|| en.split_once("expected "))
            .map_or(String::new(), |(_, k)| format!("，可用的是 {k}"));
        return Some(format!("{what} `{}`{known}", quoted(en)));
    }
    if let Some(rest) = en.strip_prefix("duplicate key") {
        let key = quoted(rest);
        return Some(if key.is_empty() {
            "有字段写了两次".into()
        } else {
            format!("字段 `{key}` 写了两次")
        });
    }
    for (prefix, zh) in [("invalid type: ", "类型不对"), ("invalid value: ", "值无效"), ("invalid length ", "长度不对")]
    {
        if let Some(rest) = en.strip_prefix(prefix) {
            let (found, wanted) = rest.split_once(", expected ").unwrap_or((rest, ""));
            // A number too large for any type the reader has is reported as one of a wider type
            // (`integer `99…` as i128`): the type is the reader's, the trouble is the range.
            let (found, wide) = match found.strip_suffix("` as i128").or_else(|| found.strip_suffix("` as u128")) {
                Some(f) if f.starts_with("integer `") => (&found[..f.len() + 1], true),
                _ => (found, false),
            };
            // A whole number where one was wanted is wrong only by its size, unless it is below
            // zero where none may be.
            let kind = wanted.trim().trim_start_matches("a ").trim_start_matches("an ");
            let whole = ["usize", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "integer"].contains(&kind);
            let below_zero = found.starts_with("integer `-") && kind.starts_with('u');
            let zh =
                if wide || (found.starts_with("integer ") && whole && !below_zero) { "数值超出范围" } else { zh };
            // Only the kind that leads the part is named in Chinese, never the value written.
            let found = [("integer ", "整数 "), ("string ", "文字 "), ("sequence", "列表"), ("map", "键值表")]
                .iter()
                .find_map(|(en, zh)| found.strip_prefix(en).map(|rest| format!("{zh}{rest}")))
                .unwrap_or_else(|| found.to_string());
            let wanted = if wanted.is_empty() { String::new() } else { format!("，应是{}", expected(wanted)) };
            return Some(format!("{zh}：写的是 {found}{wanted}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules;

    /// The lines of one file's text, as [`render_human`] asks for them.
    fn in_text<'a>(text: &'a str) -> impl Fn(&str, u32) -> Option<&'a str> + 'a {
        move |_, n| text.lines().nth(n as usize - 1)
    }

    #[test]
    fn offsets_become_character_columns() {
        let t = "---\ntitle: 青川\nkind: x\n";
        let p = Pos::of_offset(t, t.find('x').unwrap());
        assert_eq!((p.line, p.column), (3, 7));
        let p = Pos::of_offset(t, t.find('川').unwrap());
        assert_eq!((p.line, p.column), (2, 9));
    }

    #[test]
    fn private_findings_quote_nothing() {
        let mut d = Diagnostic::error(
            &rules::DOC_NUMBER,
            "a.md",
            Pos::new(2, 1),
            msg!("值 `秘密` 无效", "value `secret` is bad"),
        )
        .help(msg!("改为 `秘`", "write `sec`"));
        d.redact();
        let s = render_human(&[d], Lang::En, in_text("---\nsecret line\n"));
        assert!(!s.contains("secret") && !s.contains("sec`"), "{s}");
        assert!(s.contains("a.md:2:1") && s.contains(rules::DOC_NUMBER.en), "{s}");
        // Values written without backticks (dates, paths) are not quoted either.
        let mut d = Diagnostic::error(
            &rules::DATE_ORDER,
            "a.md",
            Pos::new(2, 1),
            msg!("有效期至 2020-01-01 早于 content/秘.md", "expires 2020-01-01 before content/secret.md"),
        );
        d.redact();
        let s = render_human(&[d], Lang::ZhHans, in_text("---\nsecret line\n"));
        assert!(!s.contains("2020") && !s.contains("秘") && s.contains(rules::DATE_ORDER.zh), "{s}");
    }

    #[test]
    fn the_locator_agrees_with_counting_from_the_start() {
        let t = "第一行\nab青c\n\n末";
        let mut l = Locator::new(t);
        let offsets: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len(), 3, 0, t.len()]).collect();
        for o in offsets {
            assert_eq!(l.at(o), Pos::of_offset(t, o), "offset {o}");
        }
    }

    #[test]
    fn overrides_change_and_drop_findings() {
        let d = vec![
            Diagnostic::warning(&rules::EMPTY_TEXT, "f", Pos::new(1, 1), msg!("甲", "a")),
            Diagnostic::error(&rules::CYCLE, "f", Pos::new(2, 1), msg!("乙", "b")),
        ];
        let levels =
            BTreeMap::from([("empty-text".to_string(), RuleLevel::Error), ("cycle".to_string(), RuleLevel::Off)]);
        let out = finish(d, &levels);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Error);
    }

    /// Terminal cells of a text: CJK characters take two.
    fn cells(s: &str) -> usize {
        s.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum()
    }

    #[test]
    fn the_mark_lines_up_under_a_wide_character_far_along_a_line() {
        let mut line: String = "青".repeat(199);
        line.insert(179 * "青".len(), 'X');
        let text = format!("---\n{line}\n");
        let d = vec![Diagnostic::error(&rules::DATE, "a.md", Pos::new(2, 180), msg!("坏", "bad"))];
        let s = render_human(&d, Lang::ZhHans, in_text(&text));
        let lines: Vec<&str> = s.lines().collect();
        let shown = lines.iter().position(|l| l.contains('X')).unwrap_or_else(|| panic!("X not shown:\n{s}"));
        let mark = lines[shown + 1];
        let x_at = cells(&lines[shown][..lines[shown].find('X').unwrap()]);
        let caret_at = cells(&mark[..mark.find('^').unwrap_or_else(|| panic!("no mark:\n{s}"))]);
        assert_eq!(x_at, caret_at, "\n{s}");
        // A wide character gets a mark two cells wide.
        let d = vec![Diagnostic::error(&rules::DATE, "a.md", Pos::new(2, 3), msg!("坏", "bad"))];
        let s = render_human(&d, Lang::ZhHans, in_text("---\nab青c\n"));
        assert!(s.contains("ab青c\n  |   ^^\n"), "{s}");
        // The line is cut around the column rather than shown from its start only.
        assert!(cells(lines[shown]) < 200, "{s}");
    }

    #[test]
    fn human_output_points_at_the_column() {
        let d =
            vec![Diagnostic::error(&rules::DATE, "a.md", Pos::new(2, 4), msg!("坏", "bad")).help(msg!("修", "fix"))];
        let s = render_human(&d, Lang::En, in_text("---\n青川市x\n"));
        assert!(s.contains("a.md:2:4"), "{s}");
        assert!(s.contains("  |       ^"), "{s}");
        assert!(s.contains("help: fix"), "{s}");
    }
}
