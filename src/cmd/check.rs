//! `gongbao check`: every problem in the site, as text or JSON.

use super::{EXIT_ERRORS, analyse, print, report, site_language, summary};
use crate::model::diag;
use std::path::Path;

/// Output format of findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: location, source line, help.
    Human,
    /// One JSON document on stdout, for pipelines.
    Json,
}

/// Runs the checks; returns the exit code.
/// With `quiet`, only errors are printed.
pub fn run(root: &Path, format: Format, as_of: Option<crate::model::date::Date>, quiet: bool) -> u8 {
    let a = match analyse(root, as_of) {
        Ok(a) => a,
        Err(f) if format == Format::Json => {
            let lang = site_language(root);
            println!("{}", diag::render_json(std::slice::from_ref(&f.diagnostic), lang));
            return f.code;
        }
        Err(f) => return report(&f, root),
    };
    let lang = a.cfg.lang();
    match format {
        Format::Json => println!("{}", diag::render_json(&a.diagnostics, lang)),
        Format::Human => {
            if quiet {
                let errors: Vec<_> =
                    a.diagnostics.iter().filter(|d| d.severity == diag::Severity::Error).cloned().collect();
                print(&errors, lang, &a.sources, None);
                return if errors.is_empty() { 0 } else { EXIT_ERRORS };
            }
            print(&a.diagnostics, lang, &a.sources, None);
            let n = a.corpus.records.len();
            let s = summary(&a.diagnostics, lang);
            if lang.is_english() {
                eprintln!("checked {n} record(s): {s}")
            } else {
                eprintln!("已检查 {n} 条记录：{s}")
            }
        }
    }
    if diag::error_count(&a.diagnostics) > 0 { EXIT_ERRORS } else { 0 }
}
