//! sortes — civic lotteries that anyone can verify.
//!
//! The modules follow the pipeline; each depends only on those above it
//! (`tests/layout.rs` checks it):
//!
//! ```text
//! base       foundations: errors, text, apportionment, atomic I/O and hashing, the CSV
//!            table reader, the randomness of the spec, the process file, the typed
//!            journal and its lock, the run handle
//! register   stage 1: reading and canonicalising the register extract
//! draw       stage 1: eligibility, allocation, the seeded draw, application codes
//! intake     stage 2: applications linked to invitees, the pseudonymous pool
//! quotas     stage 2: quota files, pools, derived targets
//! select     stage 2: LEXIMIN / maximin / legacy distributions over panels
//! lottery    stage 3: m numbered panels, the public draw, reserves, replacements
//! letters    letters to invitees and applicants
//! report     the public report
//! retention  deleting the personal data after its retention period
//! synth      synthetic registers, applications and instances (demo, tests)
//! bundle     the audit bundle
//! verify     every check of a process folder or an audit bundle
//! serve      the coordinators' workbench (local web pages), a thin layer like the CLI
//! cli        the command line, a thin layer over the above
//! ```

pub mod base;
pub mod register;
pub mod draw;
pub mod intake;
pub mod quotas;
pub mod select;
pub mod lottery;
pub mod letters;
pub mod report;
pub mod retention;
pub mod synth;
pub mod bundle;
pub mod verify;
pub mod serve;
pub mod cli;
