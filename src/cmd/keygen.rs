//! `gongbao keygen`: an Ed25519 key pair for signing sites. The public key is in minisign's
//! format, so readers verify with the stock tool: `minisign -Vm SHA256SUMS -p gongbao.pub`.

use super::{EXIT_ERRORS, Failure, report, site_language};
use crate::model::rules;
use crate::msg;
use crate::seal::minisign::KeyPair;
use std::path::Path;

/// Writes `gongbao.key` and `gongbao.pub` into `dir`, never overwriting; messages are in the
/// language of the site at `site`, and only errors are printed when `quiet`. Returns the exit
/// code.
pub fn run(dir: &Path, site: &Path, quiet: bool) -> u8 {
    match keygen(dir) {
        Ok(_) if quiet => 0,
        Ok((sk, pk)) => {
            let (sk, pk) = (sk.display(), pk.display());
            if site_language(site).is_english() {
                eprintln!(
                    "made {sk} (the secret key: never commit it) and {pk} (the public key: publish it).\nAdd [signing] secret_key = \"{sk}\" (a path relative to the site's folder) to gongbao.toml, or set GONGBAO_SECRET_KEY."
                );
            } else {
                eprintln!(
                    "已生成 {sk} （私钥，勿提交到仓库）和 {pk} （公钥，可公开）。\n在 gongbao.toml 中加入 [signing] secret_key = \"{sk}\"（相对站点根目录的路径），或设置环境变量 GONGBAO_SECRET_KEY。"
                );
            }
            0
        }
        Err(f) => report(&f, site),
    }
}

/// Writes the pair; the paths of the secret and the public key.
fn keygen(dir: &Path) -> Result<(std::path::PathBuf, std::path::PathBuf), Failure> {
    let (sk, pk) = (dir.join("gongbao.key"), dir.join("gongbao.pub"));
    if sk.exists() || pk.exists() {
        let (s, p) = (sk.display(), pk.display());
        return Err(Failure::new(
            &rules::IO,
            EXIT_ERRORS,
            msg!("{s} 或 {p} 已存在，未覆盖", "{s} or {p} already exists; nothing was overwritten"),
        )
        .help(msg!(
            "用 --out 指定另一个目录，或先移走旧的密钥",
            "name another folder with --out, or move the old keys away"
        )));
    }
    committable(dir, &sk)?;
    let shown = dir.display();
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::io(msg!("无法建立目录 {shown}：{e}", "cannot make the folder {shown}: {e}")))?;
    let pair = KeyPair::generate().map_err(|e| {
        Failure::io(msg!("无法取得生成密钥所需的随机数：{e}", "cannot get random bytes for a key: {e}"))
    })?;
    let write = |path: &Path, text: &str, secret: bool| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if secret {
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        }
        let _ = secret;
        opts.open(path).and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes())).map_err(|e| {
            let p = path.display();
            Failure::io(msg!("无法写入 {p}：{e}", "cannot write {p}: {e}"))
        })
    };
    write(&sk, &pair.secret_file(), true)?;
    write(&pk, &pair.public().file(), false)?;
    Ok((sk, pk))
}

/// Refuses a secret key that the next `git add -A` would commit: `path` inside a git work tree
/// and not ignored there. Without git on the machine, or outside a work tree, there is nothing
/// to ask and nothing to refuse.
fn committable(dir: &Path, path: &Path) -> Result<(), Failure> {
    // The folder may not exist yet: ask git from the nearest one that does.
    let Some(existing) = dir.ancestors().find(|d| d.as_os_str().is_empty() || d.is_dir()) else { return Ok(()) };
    let existing = if existing.as_os_str().is_empty() { Path::new(".") } else { existing };
    let git = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(existing)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()
    };
    let inside = git(&["rev-parse".as_ref(), "--is-inside-work-tree".as_ref()]).is_some_and(|s| s.success());
    if !inside {
        return Ok(());
    }
    let Ok(abs) = std::path::absolute(path) else { return Ok(()) };
    // `check-ignore` exits 0 when the path is ignored, 1 when it is not.
    let ignored = git(&["check-ignore".as_ref(), "-q".as_ref(), "--no-index".as_ref(), abs.as_os_str()])
        .is_some_and(|s| s.success());
    if ignored {
        return Ok(());
    }
    let shown = path.display();
    Err(Failure::new(
        &rules::SIGNING_KEY,
        EXIT_ERRORS,
        msg!(
            "{shown} 位于 git 工作区中且未被忽略：私钥可能被提交到仓库，未生成密钥",
            "{shown} is inside a git work tree and not ignored: the secret key could be committed; no key was made"
        ),
    )
    .help(msg!(
        "在 .gitignore 中加入 gongbao.key（gongbao init 新建的站点已加入），或用 --out 指定仓库以外的目录",
        "add gongbao.key to .gitignore (sites made by gongbao init have it), or name a folder outside the repository with --out"
    )))
}
