//! sortes — civic lotteries that anyone can verify.
//!
//! The pipeline, in module order: `register` (read the extract) → `draw`
//! (stage 1: eligibility, allocation, seeded sample, application codes) →
//! `select` (stage 2: quotas and LEXIMIN) → `lottery` (stage 3: public
//! lottery, reserves, replacements) — with `journal` (hash-chained audit
//! record) and `verify` beside them. `spec` owns all randomness; `fsio` owns
//! atomic writes and hashing.

pub mod bundle;
pub mod cli;
pub mod draw;
pub mod error;
pub mod fsio;
pub mod intake;
pub mod journal;
pub mod letters;
pub mod lottery;
pub mod process;
pub mod quotas;
pub mod register;
pub mod report;
pub mod select;
pub mod spec;
pub mod timing;
pub mod verify;
