//! Stage 4, `check`: rules that read the linked corpus and return diagnostics. Each rule is a
//! function over one record (run in parallel) or, for rules about the whole corpus such as
//! duplicates and cycles, one linear pass; [`run`] calls them all. The rules themselves — ids,
//! severities, families — are listed in [`rules`]; the functions live in one file per family:
//!
//! - `references.rs`: `unknown-ref` (once for a record whose file could not be read), `self-ref`, `non-public-ref`, `relation-date`, `repeal-pending`,
//!   `cycle`;
//! - `dates.rs`: `date-order`;
//! - `kinds.rs`: `interpretation`, `interpretation-late`, `draft-comment`, `draft-adoption`,
//!   `registration-no-kind`, `disclosure-reason` and the gazette issue rules;
//! - `versions.rs`: `version`, `version-date`, and the text rules again on earlier texts;
//! - `files.rs`: `missing-file`, `outside`, `active-attachment`, `raw-html`, `raw-html-unclosed`,
//!   `empty-text`;
//! - `outputs.rs`: `output-clash`, `path-too-long`;
//! - `duplicates.rs`: `duplicate-id`, `duplicate-index-no`, `duplicate-doc-number`,
//!   `duplicate-title`.
//!
//! Rules about the shape of one value (dates, numbers, keys) are raised where the value is read,
//! in [`parse`](crate::source::parse); rules about reading files in [`load`](crate::source).

mod dates;
mod duplicates;
mod files;
pub(crate) use files::FileScans;
mod kinds;
mod outputs;
mod references;
mod versions;

use crate::corpus::Corpus;
use crate::model::diag::{Diagnostic, Msg, Pos};
use crate::model::rules::{self, Rule};
use crate::msg;
use crate::source::parse::Record;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Checks the site's `[rules]`: every id must be a rule, and the reading rules stay errors.
pub(crate) fn check_levels(
    levels: &BTreeMap<String, crate::model::diag::RuleLevel>,
    config_text: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (id, level) in levels {
        let pos = config_text.find(id.as_str()).map_or(Pos::new(1, 1), |o| Pos::of_offset(config_text, o));
        match rules::find(id) {
            None => out.push(
                Diagnostic::error(
                    &rules::CONFIG,
                    crate::config::FILE,
                    pos,
                    msg!("[rules] 中的 `{id}` 不是检查规则", "`{id}` in [rules] is not a rule"),
                )
                .help(msg!("规则名见手册“检查”一章", "the book's chapter on checks lists the rules")),
            ),
            Some(r) if !r.relaxable && *level != crate::model::diag::RuleLevel::Error => out.push(
                Diagnostic::error(
                    &rules::CONFIG,
                    crate::config::FILE,
                    pos,
                    msg!(
                        "规则 `{id}` 不能降级或关闭：无法读取的记录不能发布",
                        "rule `{id}` cannot be relaxed: a record that cannot be read cannot be published"
                    ),
                )
                .help(msg!("删除这一行", "remove this line")),
            ),
            Some(_) => {}
        }
    }
    out
}

/// `placeholder-setting`: values of the starter settings that a real site must replace before it
/// publishes: a reserved example domain in the addresses (RFC 2606: `example.*`, `*.example`,
/// `.test`, `.invalid`, `.localhost`) and an id code of one repeated character. Feeds, data and
/// packages carry these values, so they would reach every reader and archive.
pub(crate) fn placeholders(cfg: &crate::config::Config, config_text: &str) -> Vec<Diagnostic> {
    let reserved = |host: &str| {
        let labels: Vec<&str> = host.split('.').collect();
        labels.iter().any(|l| l.eq_ignore_ascii_case("example"))
            || labels
                .last()
                .is_some_and(|l| ["test", "invalid", "localhost"].contains(&l.to_ascii_lowercase().as_str()))
    };
    let host_of = |url: &str| {
        let rest = url.split_once("://").map_or("", |(_, r)| r);
        rest.split(['/', '?', '#'])
            .next()
            .unwrap_or("")
            .rsplit('@')
            .next()
            .unwrap_or("")
            .split(':')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let mut found: Vec<(&str, &str, String)> = Vec::new();
    if reserved(&host_of(&cfg.site.base_url)) {
        found.push(("site", "base_url", cfg.site.base_url.clone()));
    }
    let id = &cfg.site.id_code;
    if !id.is_empty() && id.chars().all(|c| id.starts_with(c)) {
        found.push(("site", "id_code", id.clone()));
    }
    let e = &cfg.package.contact_email;
    if e.rsplit_once('@').is_some_and(|(_, d)| reserved(d)) {
        found.push(("package", "contact_email", e.clone()));
    }
    found
        .into_iter()
        .map(|(section, key, value)| {
            let pos = crate::config::setting_pos(config_text, section, key).map_or(Pos::new(1, 1), |(key, _)| key);
            Diagnostic::warning(
                &rules::PLACEHOLDER_SETTING,
                crate::config::FILE,
                pos,
                msg!("{key} 还是示例值 `{value}`", "{key} is still the example value `{value}`"),
            )
            .help(msg!(
                "发布前改成本网站的真实值（见手册“站点设置”一章）：数据、订阅源和移交包都会带上它",
                "replace it with the site's own value before publishing (see the chapter on settings): data, feeds and packages carry it"
            ))
        })
        .collect()
}

/// Everything a rule may need besides the corpus.
pub(crate) struct Context<'a> {
    /// Every regular file under `content/`, relative to it.
    pub files: &'a BTreeSet<String>,
    /// The site root, for reading version files.
    pub root: &'a std::path::Path,
    /// The settings.
    pub cfg: &'a crate::config::Config,
    /// The holiday calendar, the site's years included.
    pub calendar: &'a crate::model::calendar::Calendar,
    /// What earlier rebuilds of `serve` found in text attachments.
    pub scans: Option<&'a files::FileScans>,
}

/// Runs every rule.
pub(crate) fn run(c: &Corpus, cx: &Context<'_>) -> Vec<Diagnostic> {
    // The rules over each record are run in parallel; each rule across records is a pass over
    // the whole corpus, mostly on one thread, so those passes are run at once (one after the
    // other they took 0.35 s of a 50,000-record build's 0.42 s of checks). The findings keep
    // one order whatever thread made them.
    let (((mut out, duplicates), outputs), (cycles, (targets, rest))) = rayon::join(
        || {
            rayon::join(
                || {
                    rayon::join(
                        || -> Vec<Diagnostic> {
                            (0..c.records.len()).into_par_iter().flat_map_iter(|i| per_record(c, cx, i)).collect()
                        },
                        || duplicates::duplicates(c),
                    )
                },
                || outputs::outputs(c),
            )
        },
        || {
            rayon::join(
                || references::cycles(c),
                || {
                    rayon::join(
                        || references::broken_targets(c, cx.files),
                        || {
                            let mut rest = kinds::gazette_issues(c);
                            rest.extend(kinds::inside_private(c));
                            rest.extend(versions::orphans(c));
                            rest.extend(files::not_records(c, cx));
                            rest
                        },
                    )
                },
            )
        },
    );
    for found in [duplicates, outputs, cycles, targets, rest] {
        out.extend(found);
    }
    out
}

fn err(r: &Record, rule: &'static Rule, pos: Pos, m: Msg, help: Msg) -> Diagnostic {
    Diagnostic::error(rule, &r.file, pos, m).help(help)
}

fn warn(r: &Record, rule: &'static Rule, pos: Pos, m: Msg, help: Msg) -> Diagnostic {
    Diagnostic::warning(rule, &r.file, pos, m).help(help)
}

/// The rules over one record, in a fixed order. No other record's findings read what only this
/// one's checks read (see [`crate::corpus::Corpus::restate`]).
pub(crate) fn per_record(c: &Corpus, cx: &Context<'_>, i: usize) -> Vec<Diagnostic> {
    let r = &c.records[i];
    let mut d = Vec::new();
    references::references(c, cx.files, r, &mut d);
    dates::dates(r, &mut d);
    dates::held_back(c, r, &mut d);
    dates::timely(cx, r, &mut d);
    kinds::kind_rules(c, cx.cfg, r, &mut d);
    files::files(c, cx, r, &mut d);
    versions::versions(c, cx, i, &mut d);
    references::repeal_pending(c, r, &mut d);
    kinds::disclosure(r, &mut d);
    files::text(c, r, cx.cfg, &mut d);
    list_values(r, &mut d);
    d
}

/// Values of a list that hold `;`: `documents.csv` joins a list's values with it, so `甲;乙`
/// as one keyword would read back as two (a list written as one string, most likely).
fn list_values(r: &Record, d: &mut Vec<Diagnostic>) {
    let topics = r.topics.iter().flat_map(|t| t.iter());
    for (key, values) in [
        ("keywords", r.keywords.iter().collect::<Vec<_>>()),
        ("issuer", r.issuers.iter().collect()),
        ("topic", topics.collect()),
    ] {
        if let Some(v) = values.iter().find(|v| v.contains(';')) {
            let v: &str = v;
            d.push(err(
                r,
                &rules::LIST_VALUE,
                r.pos(key),
                msg!("`{key}` 的值 `{v}` 中有英文分号 `;`", "the value `{v}` of `{key}` holds `;`"),
                msg!(
                    "几项就写成列表：[甲, 乙]；一项之内的分号改为中文分号“；”",
                    "write several values as a list, [a, b]; inside one value use the full-width “；”"
                ),
            ));
        }
    }
}
