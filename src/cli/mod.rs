//! Command-line parsing and printing. Each subcommand lives in its own file and
//! calls the library; nothing here decides anything about a draw.

mod applications;
mod audit_bundle;
mod check;
mod commit;
mod demo;
mod draw;
mod generate;
mod intake;
mod letters;
mod lottery;
mod quotas;
mod replace;
mod report;
mod retention;
mod select;
mod serve;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sortes",
    version,
    about = "Civic lotteries that anyone can verify"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole example on a synthetic Dortmund register (generate, commit, draw, verify).
    Demo(demo::Args),
    /// Write a synthetic Dortmund register extract (CSV Windows-1252 and Parquet).
    GenerateRegister(generate::Args),
    /// Read the register and show eligibility and allocation, without journaling anything.
    Check(check::Args),
    /// Fix the inputs of a draw before the seed exists (seed-grinding guard).
    Commit(commit::Args),
    /// Draw the invitees with the public seed, replaying the commitment.
    Draw(draw::Args),
    /// Check the journal, every recorded output, and replay the draws.
    Verify(verify::Args),
    /// Write synthetic applications from the drawn invitees (for the demo and tests).
    GenerateApplications(applications::Args),
    /// Take in the applications: link codes to invitees, check answers, write the pseudonymous pool.
    Intake(intake::Args),
    /// Quota files: check against a pool, derive from the register or statistics.
    #[command(subcommand)]
    Quotas(quotas::Command),
    /// Select the panel distribution (LEXIMIN by default) from a pool and a quota file.
    Select(select::Args),
    /// The public lottery: round the selection to m numbered panels, commit, draw.
    #[command(subcommand)]
    Lottery(lottery::Command),
    /// Replace members who dropped out, from the published reserve order, keeping every quota.
    Replace(replace::Args),
    /// Write what an external auditor needs, and nothing personal, into one folder.
    AuditBundle(audit_bundle::Args),
    /// The public report: one self-contained HTML page (German, and English beside it).
    Report(report::Args),
    /// Letters ready to print: invitations, then selected / reserve / thank-you letters.
    #[command(subcommand)]
    Letters(letters::Command),
    /// Delete the personal data after its retention period, and journal what was deleted.
    Retention(retention::Args),
    /// The coordinators' workbench: the whole process in a local web page.
    Serve(serve::Args),
}

/// Runs the CLI and returns the process exit code. Errors are printed as one
/// sentence; no panic or backtrace reaches the user for bad input.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let r = match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::GenerateRegister(a) => generate::run(a),
        Command::Check(a) => check::run(a),
        Command::Commit(a) => commit::run(a),
        Command::Draw(a) => draw::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Quotas(c) => quotas::run(c),
        Command::GenerateApplications(a) => applications::run(a),
        Command::Intake(a) => intake::run(a),
        Command::Select(a) => select::run(a),
        Command::Lottery(c) => lottery::run(c),
        Command::Replace(a) => replace::run(a),
        Command::AuditBundle(a) => audit_bundle::run(a),
        Command::Report(a) => report::run(a),
        Command::Letters(c) => letters::run(c),
        Command::Retention(a) => retention::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match r {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// A spinner on stderr for long steps (hidden when stderr is not a terminal).
pub(crate) fn spinner(msg: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

pub(crate) fn default_process() -> PathBuf {
    PathBuf::from("forum.toml")
}

/// Prints how many residents had a partial birth date, and for how many the rule
/// of spec §6.5 decided eligibility or the age band (counts only).
pub(crate) fn print_partial_dates(reg: &crate::register::Register) {
    if reg.partial_dates > 0 {
        println!(
            "  partial birth dates: {} residents (day or month unknown), all kept; the rule of spec §6.5 decided eligibility or age band for {}",
            reg.partial_dates, reg.partial_decided
        );
    }
}

/// Prints the plan: per stratum counts and exclusions (aggregates only).
pub(crate) fn print_plan(plan: &crate::draw::Plan, drawn: Option<&crate::draw::Drawn>) {
    let w = plan
        .strata
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    println!(
        "  {:<w$} {:>10} {:>10} {:>7} {:>10} {:>7}",
        "stratum", "residents", "eligible", "factor", "allocated", "drawn"
    );
    let mut tot = [0u64; 4];
    for (i, s) in plan.strata.iter().enumerate() {
        let d = drawn.map(|d| d.per_stratum[i].len() as u64);
        println!(
            "  {:<w$} {:>10} {:>10} {:>7} {:>10} {:>7}",
            s.label,
            s.residents,
            s.eligible,
            crate::draw::factor_text(s.factor_milli, s.key.len()),
            s.allocated,
            d.map_or("-".into(), |x| x.to_string())
        );
        tot[0] += s.residents;
        tot[1] += s.eligible;
        tot[2] += s.allocated;
        tot[3] += d.unwrap_or(0);
    }
    println!(
        "  {:<w$} {:>10} {:>10} {:>7} {:>10} {:>7}",
        "total",
        tot[0],
        tot[1],
        "",
        tot[2],
        if drawn.is_some() {
            tot[3].to_string()
        } else {
            "-".into()
        }
    );
    let ex: Vec<String> = plan
        .eligibility
        .excluded
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!("  excluded: {}", ex.join(", "));
    if plan.eligibility.list_ids_not_in_register > 0 {
        println!(
            "  note: {} ids on exclusion lists are not in the register",
            plan.eligibility.list_ids_not_in_register
        );
    }
}
