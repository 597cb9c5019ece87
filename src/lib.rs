//! gongbao (公报) compiles a repository of gazette records — regulations, normative documents,
//! interpretations, drafts, gazette issues — into a static, checksummed archive site.
//!
//! A record travels one way through the stages, one module each:
//! [`load`] (read `content/`) → [`parse`] (typed records) → [`corpus`] (the linked model and
//! validity) → [`check`] (diagnostics) → [`render`] (pages) → [`emit`] (files in a staging folder)
//! → [`seal`] (checksums and manifest). [`cmd`] wires the stages into the commands.

#![recursion_limit = "256"]

pub mod check;
pub mod cmd;
pub mod config;
pub mod corpus;
pub mod date;
pub mod diag;
pub mod emit;
pub mod history;
pub mod load;
pub mod model;
mod package;
pub mod parse;
pub mod render;
pub mod route;
pub mod rules;
pub mod seal;
