//! gongbao (公报) compiles a repository of gazette records — regulations, normative documents,
//! interpretations, drafts, gazette issues — into a static, checksummed archive site.
//!
//! Only the driver ([`cmd`]) and the vocabulary ([`model`]) are public.
//!
//! A record travels one way through the stages, one module each: `config` (settings) →
//! `source` (read `content/`, front matter into typed records, git history; `markdown` scans the
//! texts) → `corpus` (the linked model and validity) → `route` (every URL and output path) →
//! `check` (diagnostics) → `site` (pages and open data) → `emit` (files in a staging folder) →
//! `seal` (checksums, manifest, signature) → `package` (hand-off packages from a sealed tree) →
//! `deploy` (a sealed tree to object storage).
//! [`cmd`] wires the stages into the commands.

#![recursion_limit = "256"]
// The internals are documented too (`cargo doc --document-private-items`, as CI runs it), so a
// public item may link to the private one that explains it.
#![allow(rustdoc::private_intra_doc_links)]

// In the order of the flow (rustfmt.toml keeps it).
pub mod model;
pub(crate) mod config;
pub(crate) mod markdown;
pub(crate) mod source;
pub(crate) mod corpus;
pub(crate) mod route;
pub(crate) mod check;
pub(crate) mod site;
pub(crate) mod emit;
pub(crate) mod seal;
pub(crate) mod package;
pub(crate) mod deploy;
pub mod cmd;

/// What the crate's own integration tests, property tests and fuzzers call below the commands.
/// Not an interface: it changes with the stages.
#[doc(hidden)]
pub mod internals {
    pub use crate::config::Config;
    pub use crate::corpus::{Corpus, Inputs, resolve_file};
    pub use crate::emit::{Listed, Staging};
    pub use crate::markdown::clean::{LinkAction, clean};
    pub use crate::markdown::cmark::republish;
    pub use crate::seal::minisign::KeyPair;
    pub use crate::seal::seal;
    pub use crate::seal::verify::{Report, verify};
    pub use crate::site::theme::Theme;
    pub use crate::site::{Job, Renderer, plan};
    pub use crate::source::parse::parse;
    pub use crate::source::{Source, decode};
}
