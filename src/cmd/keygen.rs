//! `gongbao keygen`: an Ed25519 key pair for signing sites. The public key is in minisign's
//! format, so readers verify with the stock tool: `minisign -Vm SHA256SUMS -p gongbao.pub`.

use super::{EXIT_ERRORS, EXIT_FAILURE};
use crate::seal::minisign::KeyPair;
use std::path::Path;

/// Writes `gongbao.key` and `gongbao.pub` into `dir`; never overwrites.
pub fn run(dir: &Path) -> u8 {
    let (sk, pk) = (dir.join("gongbao.key"), dir.join("gongbao.pub"));
    if sk.exists() || pk.exists() {
        eprintln!("{} 或 {} 已存在，未覆盖 / already exists; nothing was overwritten", sk.display(), pk.display());
        return EXIT_ERRORS;
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("{}: {e}", dir.display());
        return EXIT_FAILURE;
    }
    let pair = match KeyPair::generate() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("random source: {e}");
            return EXIT_FAILURE;
        }
    };
    let write = |path: &Path, text: &str, secret: bool| -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if secret {
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        }
        let _ = secret;
        std::io::Write::write_all(&mut opts.open(path)?, text.as_bytes())
    };
    if let Err(e) = write(&sk, &pair.secret_file(), true).and_then(|()| write(&pk, &pair.public().file(), false)) {
        eprintln!("{e}");
        return EXIT_FAILURE;
    }
    eprintln!(
        "已生成 {} （私钥，勿提交到仓库）和 {} （公钥，可公开）。\n在 gongbao.toml 中加入 [signing] secret_key = \"{}\"（相对站点根目录的路径），或设置环境变量 GONGBAO_SECRET_KEY。",
        sk.display(),
        pk.display(),
        sk.display()
    );
    0
}
