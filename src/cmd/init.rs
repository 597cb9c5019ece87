//! `gongbao init DIR`: a new site that builds at once — settings and a few example records. The
//! theme is built in, so the new site has no `themes/` until its owners want their own.

use super::{EXIT_ERRORS, EXIT_FAILURE};
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

/// Writes the starter site into `dir`, which must be empty or absent.
pub fn run(dir: &Path) -> u8 {
    if dir.join(crate::config::FILE).exists() || dir.join("content").exists() {
        eprintln!(
            "{} 已经是一个站点（已有 gongbao.toml 或 content/），未做任何改动\n{} is already a site; nothing was changed",
            dir.display(),
            dir.display()
        );
        return EXIT_ERRORS;
    }
    for (path, text) in FILES {
        let p = dir.join(path);
        if let Err(e) = p.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&p, text)) {
            eprintln!("{}: {e}", p.display());
            return EXIT_FAILURE;
        }
    }
    eprintln!("已在 {} 新建站点。运行：cd {} && gongbao build", dir.display(), dir.display());
    0
}
