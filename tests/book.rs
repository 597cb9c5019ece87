//! The book's chapter on checks is the human-facing copy of the rule registry
//! (`gongbao::model::rules`): its tables must list exactly the registered rules, each under its
//! family's heading with its default severity, and its prose must name exactly the rules a site
//! may not relax. When a rule is added, this test says what the book is missing.

use gongbao::model::rules::{self, Family};
use std::collections::{BTreeMap, BTreeSet};

/// The chapter's text.
fn chapter() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/book/src/checks.md")).unwrap()
}

/// The cells of a Markdown table row, trimmed; `None` for a line that is not a row.
fn cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(str::trim).collect())
}

/// The words written in backticks in `text`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Every row of a table with a 默认 (default) column: rule id → (the `###` heading it is under,
/// the default as written). An id listed twice is an error of the book.
fn tables(text: &str) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let mut heading = String::new();
    let mut default_column = None;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(h) = line.strip_prefix("### ") {
            heading = h.trim().to_string();
            continue;
        }
        let Some(row) = cells(line) else {
            default_column = None;
            continue;
        };
        // A header row is the one followed by the |---| line.
        if lines.peek().is_some_and(|next| next.trim_start().starts_with("|---")) {
            default_column = row.iter().position(|c| *c == "默认");
            lines.next();
            continue;
        }
        let Some(k) = default_column else { continue };
        let [id] = quoted(row[0])[..] else { panic!("the first cell of a rule row names one id: {line}") };
        let before = out.insert(id.to_string(), (heading.clone(), row[k].to_string()));
        assert!(before.is_none(), "`{id}` is listed twice in the book's tables");
    }
    out
}

/// The rules the chapter says a site may not relax: the words in backticks of the sentence that
/// says so, under "调整严重程度 `[rules]`".
fn fixed_in_prose(text: &str) -> BTreeSet<String> {
    let section = &text[text.find("## 调整严重程度 `[rules]`").expect("the chapter has a section on [rules]")..];
    let marker = "**不能降级或关闭**：";
    let start = section.find(marker).expect("the section names the rules that cannot be relaxed") + marker.len();
    let sentence = &section[start..start + section[start..].find('。').expect("the sentence ends")];
    quoted(sentence).into_iter().map(String::from).collect()
}

#[test]
fn the_books_tables_list_every_rule_with_its_family_and_default() {
    let book = tables(&chapter());
    let registry: BTreeMap<String, (String, String)> = rules::ALL
        .iter()
        .map(|r| (r.id.to_string(), (r.family.heading().to_string(), r.level.short().to_string())))
        .collect();
    let missing: Vec<_> = registry.keys().filter(|id| !book.contains_key(*id)).collect();
    let unknown: Vec<_> = book.keys().filter(|id| !registry.contains_key(*id)).collect();
    assert!(missing.is_empty(), "rules missing from book/src/checks.md: {missing:?}");
    assert!(unknown.is_empty(), "book/src/checks.md lists rules that are not registered: {unknown:?}");
    for (id, (heading, level)) in &registry {
        assert_eq!(&book[id], &(heading.clone(), level.clone()), "`{id}`: (### heading, 默认) in the book");
    }
}

#[test]
fn the_book_names_every_rule_that_cannot_be_relaxed() {
    let prose = fixed_in_prose(&chapter());
    let registry: BTreeSet<String> = rules::ALL.iter().filter(|r| !r.relaxable).map(|r| r.id.to_string()).collect();
    assert_eq!(prose, registry, "the rules that the chapter says cannot be relaxed, against the registry");
}

#[test]
fn every_family_has_its_heading_in_the_book() {
    let text = chapter();
    for f in Family::ALL {
        assert!(text.lines().any(|l| l == format!("### {}", f.heading())), "no `### {}` in the book", f.heading());
    }
}

/// The reader of the test above must itself read tables, headings and prose as meant.
#[test]
fn the_reader_finds_rows_under_their_heading_and_the_fixed_list() {
    let text = "### 甲\n\n| 规则 id | 默认 | 说明 |\n|---|---|---|\n| `a-b` | E | x |\n| `c` | E / W | `d` |\n\n\
                | 字段 | 含义 |\n|---|---|\n| `e` | f |\n\n### 乙\n\n| id | 默认 |\n|---|---|\n| `g` | W |\n\n\
                ## 调整严重程度 `[rules]`\n\n- 这些**不能降级或关闭**：`a-b`、\n  `g`。设为 `\"off\"` 是错误。\n";
    let t = tables(text);
    let want = |h: &str, l: &str| (h.to_string(), l.to_string());
    assert_eq!(t.len(), 3, "{t:?}");
    assert_eq!(t["a-b"], want("甲", "E"));
    assert_eq!(t["c"], want("甲", "E / W"));
    assert_eq!(t["g"], want("乙", "W"));
    assert_eq!(fixed_in_prose(text), BTreeSet::from(["a-b".to_string(), "g".to_string()]));
}
