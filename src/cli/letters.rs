use crate::base::error::Result;
use crate::base::process::Process;
use crate::letters::step;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Invitation letters to the drawn invitees of a wave (PDF, HTML, mail-merge CSV).
    Invitations(InvitationArgs),
    /// After the lottery: selected, reserve and thank-you letters.
    Panel(PanelArgs),
}

#[derive(clap::Args)]
pub struct InvitationArgs {
    /// The process file (reads [letters]).
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// The wave whose invitees get letters.
    #[arg(long, default_value_t = 1)]
    wave: u32,
    /// Also write one PDF per letter.
    #[arg(long)]
    singles: bool,
    /// Replace existing letter files.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct PanelArgs {
    /// The process file (reads [letters]).
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// How many people from the top of the reserve order get a reserve letter (the rest a thank-you letter).
    #[arg(long, default_value_t = 20)]
    reserves: usize,
    /// Also write one PDF per letter.
    #[arg(long)]
    singles: bool,
    /// Replace existing letter files.
    #[arg(long)]
    force: bool,
}

pub fn run(c: Command) -> Result<i32> {
    match c {
        Command::Invitations(a) => {
            let p = Process::load(&a.process)?;
            let pb = super::spinner("laying out the invitation letters");
            let w = step::invitations(&p, a.wave, a.singles, a.force);
            pb.finish_and_clear();
            print(&w?);
        }
        Command::Panel(a) => {
            let p = Process::load(&a.process)?;
            let pb = super::spinner("laying out the letters to the applicants");
            let ws = step::panel_letters(&p, a.reserves, a.singles, a.force);
            pb.finish_and_clear();
            for w in ws? {
                print(&w);
            }
        }
    }
    Ok(0)
}

/// Counts and file names only: the letters themselves hold personal data.
pub(crate) fn print(w: &step::Written) {
    println!(
        "{} letters: {} letters, {} pages, PDF {:.1} MB ({:.2} s)",
        w.kind.name(),
        w.letters,
        w.pages,
        w.pdf_bytes as f64 / 1e6,
        w.seconds
    );
    for f in &w.files {
        println!("  wrote {} (personal data, mode 0600)", f.display());
    }
    if !w.address_overflow.is_empty() {
        let shown: Vec<String> = w
            .address_overflow
            .iter()
            .take(20)
            .map(usize::to_string)
            .collect();
        let more = w.address_overflow.len().saturating_sub(20);
        eprintln!(
            "warning: {} address(es) do not fit the window's address field and would be cut off: letter number(s) {}{} — check them in the PDF before posting (address_overflow = \"error\" refuses such a batch)",
            w.address_overflow.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
}
