use crate::base::error::{Error, Result};
use std::net::IpAddr;
use std::path::PathBuf;

/// `sortes serve`: the coordinators' workbench in the browser.
#[derive(clap::Args)]
pub struct Args {
    /// The process file.
    #[arg(long, short, default_value_os_t = super::default_process())]
    process: PathBuf,
    /// Loopback address to listen on (127.0.0.1 or ::1; any other is refused).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port (default: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

pub fn run(a: Args) -> Result<i32> {
    crate::serve::check_bind(a.bind)?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::internal(format!("cannot find the sortes binary: {e}")))?;
    // The steps run with the process file's absolute path (the server's working
    // directory may differ from the page's idea of it).
    let process = std::path::absolute(&a.process).map_err(|e| Error::io(&a.process, e))?;
    crate::serve::serve(
        crate::serve::Options {
            process,
            bind: a.bind,
            port: a.port,
            exe,
        },
        |url, _| {
            // Written without panicking when nobody reads stdout any more (a closed
            // pipe must not stop the server).
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "sortes workbench: open {url}");
            let _ = writeln!(
                out,
                "  (the link works once; it signs this browser in. Stop with Ctrl-C.)"
            );
            let _ = out.flush();
        },
        crate::serve::shutdown_signal(),
    )?;
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "workbench stopped");
    Ok(0)
}
