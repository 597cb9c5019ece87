//! `gongbao keygen`: an Ed25519 key pair for signing sites. The public key is in minisign's
//! format, so readers verify with the stock tool: `minisign -Vm SHA256SUMS -p gongbao.pub`.

use super::{EXIT_ERRORS, Failure, report, site_language};
use crate::model::rules;
use crate::msg;
use crate::seal::minisign::KeyPair;
use std::path::Path;

/// Writes `gongbao.key` and `gongbao.pub` into `dir`, never overwriting; messages are in the
/// language of the site at `site`. Returns the exit code.
pub fn run(dir: &Path, site: &Path) -> u8 {
    match keygen(dir) {
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
