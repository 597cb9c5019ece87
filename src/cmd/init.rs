//! `gongbao init DIR`: a new site that builds at once — settings and a few example records. The
//! theme is built in, so the new site has no `themes/` until its owners want their own.

use super::{EXIT_ERRORS, Failure, report};
use crate::model::rules;
use crate::msg;
use std::path::Path;

/// The starter site, from `examples/init/`: (path, text).
const FILES: &[(&str, &str)] = &[
    ("gongbao.toml", include_str!("../../examples/init/gongbao.toml")),
    ("content/normative/2025-example.md", include_str!("../../examples/init/content/normative/2025-example.md")),
    (
        "content/interpretations/2025-example-jd.md",
        include_str!("../../examples/init/content/interpretations/2025-example-jd.md"),
    ),
    ("content/notices/2025-notice.md", include_str!("../../examples/init/content/notices/2025-notice.md")),
    ("content/gazette/2025-01.md", include_str!("../../examples/init/content/gazette/2025-01.md")),
];

/// What a site's repository should not hold: the output, gongbao's own folder (the build cache)
/// and a secret key made in the site's folder by `gongbao keygen`.
const IGNORED: &[&str] =
    &["/public/", "/.gongbao/", "/gongbao.key", "/.public.gongbao-staging/", "/.public.gongbao-spare/"];

/// Writes the starter site into `dir`, which must not be a site yet; returns the exit code. A
/// failure is told in the language of the site already there, else in Chinese, the starter
/// site's language (as is the line that says what to do next, left out when `quiet`).
pub fn run(dir: &Path, quiet: bool) -> u8 {
    match init(dir) {
        Ok(()) => {
            if !quiet {
                eprintln!("已在 {} 新建站点。运行：cd {} && gongbao build", dir.display(), dir.display());
            }
            0
        }
        Err(f) => report(&f, dir),
    }
}

fn init(dir: &Path) -> Result<(), Failure> {
    if dir.join(crate::config::FILE).exists() || dir.join("content").exists() {
        let shown = dir.display();
        return Err(Failure::new(
            &rules::IO,
            EXIT_ERRORS,
            msg!(
                "{shown} 已经是一个站点（已有 gongbao.toml 或 content/），未做任何改动",
                "{shown} is already a site (it has gongbao.toml or content/); nothing was changed"
            ),
        )
        .help(msg!("在新的或空的目录中新建站点", "make the new site in a new or empty folder")));
    }
    // A `.gitignore` already there (the folder may be a fresh clone) keeps its lines; the ones
    // gongbao needs are added after them.
    let ignore = dir.join(".gitignore");
    let had = std::fs::read_to_string(&ignore).unwrap_or_default();
    let mut text = had.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for line in IGNORED.iter().filter(|l| !had.lines().any(|h| h.trim() == **l)) {
        text.push_str(line);
        text.push('\n');
    }
    let gitignore = (".gitignore", text.as_str());
    for (path, text) in FILES.iter().chain([&gitignore]) {
        let p = dir.join(path);
        p.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&p, text)).map_err(|e| {
            let shown = p.display();
            Failure::io(msg!("无法写入 {shown}：{e}", "cannot write {shown}: {e}"))
        })?;
    }
    Ok(())
}
