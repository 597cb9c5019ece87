//! Themes: minijinja templates, static assets and UI strings per language. The default theme is
//! compiled into the binary so a site builds with nothing but `content/` and `gongbao.toml`; a
//! site that has `themes/<name>/` on disk uses that instead.

use crate::model::diag::{Diagnostic, Pos};
use crate::model::rules;
use crate::msg;
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
    templates "transfers.html",
    templates "publications.html",
    templates "404.html",
    templates "search.html",
    templates "version.html",
    templates "diff.html",
    templates "versions.html",
    templates "sitemap.html",
    templates "cite.html",
    static "style.css",
    static "gongbao.js",
    static "favicon.ico",
    static "search.js",
    i18n "zh-CN.toml",
    i18n "en.toml",
];

/// The built-in theme's UI strings for `lang`, or its Chinese ones for a language it has none
/// for: what a site's own `i18n/<lang>.toml` is laid over, key by key, so that a copy made before
/// a key was added still has it.
pub(crate) fn builtin_strings(lang: &str) -> &'static [u8] {
    let file = |name: &str| DEFAULT.iter().find(|(kind, n, _)| *kind == "i18n" && *n == name).map(|f| f.2);
    file(&format!("{lang}.toml")).or_else(|| file("zh-CN.toml")).unwrap_or_default()
}

/// `over` laid over `base`: a table in both is merged, key by key; any other value of `over`
/// replaces `base`'s.
pub(crate) fn overlay(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => overlay(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

impl Theme {
    /// The built-in default theme.
    pub fn builtin() -> Theme {
        let mut t = Theme {
            origin: "(built-in theme) ".into(),
            templates: BTreeMap::new(),
            assets: BTreeMap::new(),
            strings: BTreeMap::new(),
        };
        for (kind, name, bytes) in DEFAULT {
            t.add(kind, name, bytes.to_vec());
        }
        t
    }

    /// Loads the theme folder `themes/<name>` of the site at `root` over the built-in theme, so a
    /// site's theme needs only the files it changes. `None` when the folder does not exist. A
    /// link anywhere on the way (`themes/`, the theme folder, a folder or file inside it) is an
    /// error naming it, never followed: a theme's files are published, so a link could publish
    /// files from outside the repository. Files are read with [`crate::source::read_regular`].
    pub fn from_dir(root: &Path, name: &str) -> Result<Option<Theme>, Diagnostic> {
        let label = format!("themes/{name}/");
        for top in [root.join("themes"), root.join("themes").join(name)] {
            match std::fs::symlink_metadata(&top) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(crate::source::ReadError::Link.diagnostic(&crate::source::rel(root, &top)));
                }
                Ok(_) => return Err(crate::source::ReadError::NotRegular.diagnostic(&crate::source::rel(root, &top))),
                Err(_) => return Ok(None),
            }
        }
        let dir = root.join("themes").join(name);
        let mut t = Theme::builtin();
        t.origin = label;
        for kind in ["templates", "static", "i18n"] {
            let base = dir.join(kind);
            if std::fs::symlink_metadata(&base).is_err() {
                continue;
            }
            for e in walkdir::WalkDir::new(&base).follow_links(false).follow_root_links(false).sort_by_file_name() {
                let e = e.map_err(|e| {
                    let file = e
                        .path()
                        .map(|p| crate::source::rel(root, p))
                        .unwrap_or_else(|| crate::source::rel(root, &base));
                    Diagnostic::error(
                        &rules::THEME,
                        &file,
                        Pos::new(1, 1),
                        msg!("主题文件无法读取：{e}", "a theme file cannot be read: {e}"),
                    )
                })?;
                let file = crate::source::rel(root, e.path());
                if e.path_is_symlink() {
                    return Err(crate::source::ReadError::Link.diagnostic(&file));
                }
                if e.file_type().is_dir() {
                    continue;
                }
                let bytes = crate::source::read_regular(e.path(), crate::source::MAX_RECORD_BYTES)
                    .map_err(|err| err.diagnostic(&file))?;
                t.add(kind, &crate::source::rel(&base, e.path()), bytes);
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
                self.strings
                    .insert(name.trim_end_matches(".toml").to_string(), String::from_utf8_lossy(&bytes).into_owned());
            }
            _ => {
                self.assets.insert(name.to_string(), bytes);
            }
        }
    }
}
