//! The languages gongbao speaks to people: the messages of every command and the interface of
//! the site. A site's `[site] language` is a BCP 47 tag (it goes into every page's `lang`); what
//! the program decides from it is one of these.

use std::fmt;

/// A language of messages and of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Chinese in Simplified script (`zh-CN`, `zh-Hans`, `zh`): the default.
    ZhHans,
    /// Chinese in Traditional script (`zh-Hant`, `zh-TW`, `zh-HK`, `zh-MO`). Messages are written
    /// in Simplified script; until they are converted (the Traditional view of the site is its
    /// own work), a Traditional site reads them in Simplified script.
    ZhHant,
    /// English (`en`, `en-GB` …).
    En,
}

impl Lang {
    /// The language a tag asks for: English for `en…`, Traditional Chinese for the tags that
    /// name it, Simplified Chinese for everything else.
    pub fn from_tag(tag: &str) -> Lang {
        let t = tag.trim().to_ascii_lowercase();
        let primary = t.split(['-', '_']).next().unwrap_or("");
        if primary == "en" {
            return Lang::En;
        }
        let rest: Vec<&str> = t.split(['-', '_']).skip(1).collect();
        if primary == "zh" && rest.iter().any(|s| matches!(*s, "hant" | "tw" | "hk" | "mo")) {
            return Lang::ZhHant;
        }
        Lang::ZhHans
    }

    /// The tag written for it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhHans => "zh-CN",
            Lang::ZhHant => "zh-Hant",
            Lang::En => "en",
        }
    }

    /// Whether messages are read in English.
    pub fn is_english(self) -> bool {
        self == Lang::En
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_choose_the_language() {
        for (tag, lang) in [
            ("zh-CN", Lang::ZhHans),
            ("zh", Lang::ZhHans),
            ("zh-Hans-CN", Lang::ZhHans),
            ("zh-Hant", Lang::ZhHant),
            ("zh-TW", Lang::ZhHant),
            ("zh_HK", Lang::ZhHant),
            ("en", Lang::En),
            ("en-GB", Lang::En),
            ("EN", Lang::En),
            ("english", Lang::ZhHans),
            ("", Lang::ZhHans),
        ] {
            assert_eq!(Lang::from_tag(tag), lang, "{tag}");
        }
    }
}
