pub(crate) mod meta;
