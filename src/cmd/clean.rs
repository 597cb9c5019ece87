//! `gongbao clean`: removes what `build` made — the output folder, its staging folder if a
//! build was stopped halfway, and the build cache in `.gongbao/`. An output folder is removed
//! only when it is what `build` would replace: a gongbao output (every file listed in its
//! manifest) or empty, and not the site or a part of it.

use super::{EXIT_FAILURE, Failure, report, site_language};
use crate::emit::{Cache, Staging};
use std::path::Path;

/// Cleans the site at `root`; `out` is the output folder when it is not the default. Returns the
/// exit code.
pub fn run(root: &Path, out: Option<&Path>, quiet: bool) -> u8 {
    let out = out.map_or_else(|| super::build::default_out(root), Path::to_path_buf);
    match clean(root, &out) {
        Ok(removed) => {
            if !quiet {
                let en = site_language(root).is_english();
                if removed.is_empty() {
                    eprintln!("{}", if en { "nothing to remove" } else { "没有需要删除的内容" });
                }
                for p in removed {
                    let p = p.display();
                    if en { eprintln!("removed {p}") } else { eprintln!("已删除 {p}") }
                }
            }
            0
        }
        Err(f) => report(&f, root),
    }
}

fn clean(root: &Path, out: &Path) -> Result<Vec<std::path::PathBuf>, Failure> {
    super::build::check_out(root, out).map_err(|d| Failure { diagnostic: d, code: EXIT_FAILURE })?;
    let out = &super::build::plain(out.to_path_buf());
    if crate::seal::is_output(out) {
        super::build::stranger_files(out, true)?;
    }
    let mut removed = Vec::new();
    for dir in [out.to_path_buf(), Staging::path(out), crate::emit::Spares::path(out), Cache::dir(root)] {
        // Only folders: a file of that name is not gongbao's.
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&dir).map_err(|e| {
                let shown = dir.display();
                Failure::io(crate::msg!("无法删除 {shown}：{e}", "cannot remove {shown}: {e}"))
            })?;
            removed.push(dir);
        }
    }
    Ok(removed)
}
