//! `[package]` in `gongbao.toml`: who hands packages over, and what archives and libraries
//! need to know to file them. Read with the other settings, checked when they are read, used by
//! `gongbao package`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `[package]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSettings {
    /// `Contact-Name` of every bag: the person or office archives ask about a transfer.
    #[serde(default)]
    pub contact_name: String,
    /// `Contact-Email` of every bag.
    #[serde(default)]
    pub contact_email: String,
    /// `[package.archive]`, needed by `--for archive`.
    #[serde(default)]
    pub archive: Option<ArchiveSettings>,
    /// `[package.library]`, needed by `--for library`.
    #[serde(default)]
    pub library: Option<OaiSettings>,
}

/// The record kinds a retention can be set for, with the default retention of each.
///
/// The defaults are a local policy, not a national rule: rules and normative documents, the
/// gazette itself, are kept permanently; policy documents, interpretations and annual reports
/// thirty years; notices, drafts for comment and catalogue entries ten years.
const DEFAULT_RETENTION: &[(&str, Retention)] = &[
    ("regulation", Retention::Permanent),
    ("normative", Retention::Permanent),
    ("gazette", Retention::Permanent),
    ("policy", Retention::Years30),
    ("interpretation", Retention::Years30),
    ("report", Retention::Years30),
    ("notice", Retention::Years10),
    ("draft", Retention::Years10),
    ("catalog", Retention::Years10),
];

/// 保管期限: how long the archive keeps a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Retention {
    /// 永久, code `Y`.
    Permanent,
    /// 定期30年, code `D30`.
    Years30,
    /// 定期10年, code `D10`.
    Years10,
}

impl Retention {
    /// The code in a 档号.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Retention::Permanent => "Y",
            Retention::Years30 => "D30",
            Retention::Years10 => "D10",
        }
    }

    /// The Chinese name.
    pub(crate) fn zh(self) -> &'static str {
        match self {
            Retention::Permanent => "永久",
            Retention::Years30 => "定期30年",
            Retention::Years10 => "定期10年",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Retention> {
        [Retention::Permanent, Retention::Years30, Retention::Years10]
            .into_iter()
            .find(|r| text == r.code() || text == r.zh())
    }
}

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Retention::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown retention {s:?}: use Y (永久), D30 (定期30年) or D10 (定期10年)"))
        })
    }
}

/// `[package.archive]` in `gongbao.toml`: what the archive assigned and how long each kind is
/// kept.
///
/// ```toml
/// [package.archive]
/// fonds = "Q001"              # 全宗号, assigned by the archive: required
/// category = "WS"             # 门类代码, optional: written `Q001-WS·2024-…`
/// retention = { notice = "D30" }          # overrides the defaults per record kind
/// organisations = { "青川市财政局" = "CZJ" } # 机构或问题代码 of the lead issuer
/// default_organisation = "BGS"            # for issuers not listed; none: the segment is left out
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveSettings {
    /// 全宗号: 1–8 upper-case ASCII letters or digits.
    pub fonds: String,
    /// 门类代码 (e.g. `WS` for 文书), written before the year with a middle dot.
    #[serde(default)]
    pub category: Option<String>,
    /// Retention per record kind id, over [`DEFAULT_RETENTION`].
    #[serde(default)]
    pub retention: BTreeMap<String, Retention>,
    /// 机构或问题代码 per issuer name (the lead issuer, the first listed, decides).
    #[serde(default)]
    pub organisations: BTreeMap<String, String>,
    /// 机构或问题代码 for issuers not in `organisations`.
    #[serde(default)]
    pub default_organisation: Option<String>,
}

/// A code segment: upper-case ASCII letters and digits, `1..=max` of them.
fn valid_segment(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl ArchiveSettings {
    /// Checks every field, reporting all problems at once.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if !valid_segment(&self.fonds, 8) {
            problems.push(format!("fonds {:?} (全宗号) must be 1–8 upper-case ASCII letters or digits", self.fonds));
        }
        if let Some(c) = &self.category
            && !valid_segment(c, 4)
        {
            problems.push(format!("category {c:?} (门类代码) must be 1–4 upper-case ASCII letters or digits"));
        }
        for kind in self.retention.keys() {
            if !DEFAULT_RETENTION.iter().any(|(k, _)| k == kind) {
                let known: Vec<_> = DEFAULT_RETENTION.iter().map(|(k, _)| *k).collect();
                problems.push(format!("retention names unknown record kind {kind:?}; known: {}", known.join(", ")));
            }
        }
        let orgs = self.organisations.iter().map(|(issuer, code)| (issuer.as_str(), code));
        let default = self.default_organisation.iter().map(|code| ("default_organisation", code));
        for (issuer, code) in orgs.chain(default) {
            if !valid_segment(code, 8) {
                problems.push(format!(
                    "organisation code {code:?} for {issuer} (机构或问题代码) must be 1–8 upper-case ASCII letters or digits"
                ));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }

    /// The retention of a record kind.
    pub(crate) fn retention_for(&self, kind: &str) -> Option<Retention> {
        self.retention
            .get(kind)
            .copied()
            .or_else(|| DEFAULT_RETENTION.iter().find(|(k, _)| *k == kind).map(|(_, r)| *r))
    }

    pub(crate) fn organisation_for(&self, issuers: &[String]) -> Option<&str> {
        let lead = issuers.first();
        lead.and_then(|i| self.organisations.get(i)).or(self.default_organisation.as_ref()).map(String::as_str)
    }
}

/// `[package.library]` in `gongbao.toml`: what the static repository says of itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OaiSettings {
    /// Where the static repository file will be published, e.g.
    /// `https://www.example.gov.cn/oai/static.xml`.
    pub repository_url: String,
    /// The gateway that serves it, if any; `baseURL` is then the gateway's address followed by
    /// the repository's without its scheme, as the guidelines say. Without one, `baseURL` is
    /// the file's own address.
    #[serde(default)]
    pub gateway_url: Option<String>,
    /// `adminEmail` (at least one).
    pub admin_emails: Vec<String>,
}
