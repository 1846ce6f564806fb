//! Foundations every stage stands on, and that depend on nothing else in sortes:
//!
//! * [`error`] — the one error type (kind, file/line/column, a sentence for a clerk);
//! * [`text`] — canonical and comparison forms, the one edit distance, CSV/HTML
//!   quoting, exact decimals;
//! * [`apportion`] — the one largest-remainder apportionment;
//! * [`fsio`] — atomic writes (0600/0700 for personal data) and SHA-256;
//! * [`table`] — the one CSV table reader (encoding, byte order mark, delimiter);
//! * [`spec`] — all randomness of the draw specification;
//! * [`process`] — the process file, with the settings of every stage;
//! * [`journal`] — the typed, hash-chained journal and its lock;
//! * [`run`] — the run handle: output layout and checked reading of recorded files;
//! * [`timing`] — phase timings for benchmarks.

pub mod apportion;
pub mod error;
pub mod fsio;
pub mod journal;
pub mod process;
pub mod run;
pub mod spec;
pub mod table;
pub mod text;
pub mod timing;
