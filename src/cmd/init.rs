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

/// Writes the starter site into `dir`, which must not be a site yet; returns the exit code. A
/// failure is told in the language of the site already there, else in Chinese, the starter
/// site's language (as is the line that says what to do next).
pub fn run(dir: &Path) -> u8 {
    match init(dir) {
        Ok(()) => {
            eprintln!("已在 {} 新建站点。运行：cd {} && gongbao build", dir.display(), dir.display());
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
    for (path, text) in FILES {
        let p = dir.join(path);
        p.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&p, text)).map_err(|e| {
            let shown = p.display();
            Failure::io(msg!("无法写入 {shown}：{e}", "cannot write {shown}: {e}"))
        })?;
    }
    Ok(())
}
