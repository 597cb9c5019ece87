//! Themes: minijinja templates, static assets and UI strings per language. The default theme is
//! compiled into the binary so a site builds with nothing but `content/` and `gongbao.toml`; a
//! site that has `themes/<name>/` on disk uses that instead.

use std::collections::BTreeMap;
use std::path::Path;

/// A theme's files, by path inside the theme folder.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Where the theme's files come from, for messages: `themes/<name>/` or the built-in theme.
    pub origin: String,
    /// `templates/*.html`, by file name.
    pub templates: BTreeMap<String, String>,
    /// `static/**`, copied to `assets/` in the output.
    pub assets: BTreeMap<String, Vec<u8>>,
    /// `i18n/<lang>.toml`, by language.
    pub strings: BTreeMap<String, String>,
}

macro_rules! embedded {
    ($($kind:ident $name:literal),* $(,)?) => {
        &[$((stringify!($kind), $name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/", stringify!($kind), "/", $name)))),*]
    };
}

/// The default theme's files: (folder, name, bytes).
const DEFAULT: &[(&str, &str, &[u8])] = embedded![
    templates "base.html",
    templates "macros.html",
    templates "index.html",
    templates "doc.html",
    templates "issue.html",
    templates "issues.html",
    templates "list.html",
    templates "browse.html",
    templates "catalog.html",
    templates "404.html",
    templates "version.html",
    templates "diff.html",
    templates "versions.html",
    static "style.css",
    static "gongbao.js",
    i18n "zh-CN.toml",
    i18n "en.toml",
];

impl Theme {
    /// The built-in default theme.
    pub fn builtin() -> Theme {
        let mut t = Theme { origin: "(built-in theme) ".into(), templates: BTreeMap::new(), assets: BTreeMap::new(), strings: BTreeMap::new() };
        for (kind, name, bytes) in DEFAULT {
            t.add(kind, name, bytes.to_vec());
        }
        t
    }

    /// Loads `dir` (a theme folder, named `label` in messages) over the built-in theme, so a
    /// site's theme needs only the files it changes. `None` when the folder does not exist.
    pub fn from_dir(dir: &Path, label: &str) -> std::io::Result<Option<Theme>> {
        if !dir.is_dir() {
            return Ok(None);
        }
        let mut t = Theme::builtin();
        t.origin = label.to_string();
        for kind in ["templates", "static", "i18n"] {
            let base = dir.join(kind);
            if !base.is_dir() {
                continue;
            }
            for e in walkdir::WalkDir::new(&base).follow_links(false).sort_by_file_name() {
                let e = e.map_err(std::io::Error::other)?;
                if e.file_type().is_file() {
                    let name = crate::load::rel(&base, e.path());
                    t.add(kind, &name, std::fs::read(e.path())?);
                }
            }
        }
        Ok(Some(t))
    }

    fn add(&mut self, kind: &str, name: &str, bytes: Vec<u8>) {
        match kind {
            "templates" => {
                self.templates.insert(name.to_string(), String::from_utf8_lossy(&bytes).into_owned());
            }
            "i18n" => {
                self.strings.insert(name.trim_end_matches(".toml").to_string(), String::from_utf8_lossy(&bytes).into_owned());
            }
            _ => {
                self.assets.insert(name.to_string(), bytes);
            }
        }
    }
}
