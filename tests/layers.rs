//! The layout shows the data flow, and this test keeps it so: a module may name modules of its
//! own layer or of earlier ones, never a later stage. Every `crate::<module>` in `src/` (in `use`
//! lines and in paths written inline) is read and checked against the order below, which is the
//! order of the stages in the book's architecture chapter.

use std::path::Path;

/// The layers, first to last. Modules in one layer may name each other.
const LAYERS: &[&[&str]] = &[
    // The vocabulary: no I/O, used by everyone (`msg!` is the model's macro).
    &["model", "msg"],
    &["config"],
    // Markdown scanning, rendering and sanitising, shared by reading, checks and pages.
    &["markdown"],
    // Reading the site: files, front matter, history.
    &["source"],
    &["corpus"],
    &["route"],
    &["check"],
    // Pages and open data.
    &["site"],
    &["emit"],
    &["seal"],
    // Hand-off packages, made from a sealed tree.
    &["package"],
    // Publishing a sealed tree to object storage (the network code is in crates/s3).
    &["deploy"],
    // The driver: the commands wire the stages together.
    &["cmd"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a source file belongs to (`src/site/data/row.rs` → `site`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// Every module named as `crate::<name>` in `text`.
fn named(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[test]
fn no_module_names_a_later_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut back_edges = Vec::new();
    let mut unknown = Vec::new();
    let files: Vec<_> = walk(&src);
    assert!(files.len() > 20, "found only {} source files", files.len());
    for file in files {
        let module = module_of(&src, &file);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer(&module) else {
            unknown.push(module);
            continue;
        };
        // Only code: `crate::` in a doc comment is a link in the text, not a dependency.
        let text: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        for used in named(&text) {
            match layer(&used) {
                Some(l) if l > own => back_edges.push(format!("{} names crate::{used}", file.display())),
                Some(_) => {}
                None => unknown.push(used),
            }
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(unknown.is_empty(), "modules missing from LAYERS (add them where they belong in the flow): {unknown:?}");
    assert!(back_edges.is_empty(), "back-edges, a stage naming a later one:\n{}", back_edges.join("\n"));
}

#[test]
fn the_check_itself_sees_a_back_edge() {
    assert_eq!(named("use crate::site::views;\nlet x = crate::seal::SUMS;"), ["site", "seal"]);
    assert!(layer("site") > layer("corpus"));
    assert!(layer("markdown") < layer("source"));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}
