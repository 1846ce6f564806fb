//! The coordinators' workbench (`sortes serve`): the process in a local web page.
//!
//! A thin layer like the CLI: every page reads the process folder and its journal (the
//! server keeps no state of its own beyond the browser session and the step it is
//! running), and every action that changes the process runs the very CLI command that a
//! coordinator would type — the same binary as a child process — so that the journal
//! entries and files are those of the CLI, byte for byte, and the journal lock covers
//! them. Read-only checks (quota feasibility, replacement preview, verify) call the
//! library directly.
//!
//! Security (the server holds personal data and can change the process):
//! * it listens on a loopback address only (any other is refused before binding);
//! * the printed URL carries a random one-time token; the first request with it becomes
//!   a session (an HttpOnly, SameSite=Strict cookie) and the token is spent;
//! * every state-changing request (POST) carries the session's CSRF token;
//! * the Host header must name the server itself (no DNS rebinding);
//! * no personal value in URLs, titles or logs (the server logs nothing per request);
//!   every response is `Cache-Control: no-store`; pages with personal data say so.

mod guard;
mod jobs;
mod pages;
mod texts;

use crate::base::error::{Error, Result};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// How to start the workbench.
pub struct Options {
    /// The process file.
    pub process: PathBuf,
    /// Address to listen on: a loopback address.
    pub bind: IpAddr,
    /// Port (0: a free one).
    pub port: u16,
    /// The sortes binary that runs the steps (normally the running one).
    pub exe: PathBuf,
}

/// Shared state of a running workbench.
pub(crate) struct App {
    pub process: PathBuf,
    pub exe: PathBuf,
    pub guard: guard::Guard,
    pub jobs: jobs::Jobs,
    /// Eligible residents per register category value, by register file (path, size,
    /// time stamp): aggregates only, read once because a city's register takes seconds.
    pub population: std::sync::Mutex<Option<(PopulationKey, Option<PopulationCounts>)>>,
    /// The preview pictures of journaled letters PDFs, by journal entry and output name:
    /// the file's size and time stamp, and its first pages as PNG. One render serves the
    /// page's three pictures; a file changed or removed since (e.g. by `retention`) is
    /// read again or not shown.
    pub previews: std::sync::Mutex<PreviewCache>,
}

pub(crate) type PreviewCache =
    std::collections::BTreeMap<(u64, String), ((u64, Option<std::time::SystemTime>), Vec<Vec<u8>>)>;

pub(crate) type PopulationKey = (PathBuf, u64, Option<std::time::SystemTime>);
pub(crate) type PopulationCounts =
    Arc<std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>>;

/// Refuses any address that is not a loopback address.
pub fn check_bind(bind: IpAddr) -> Result<()> {
    if bind.is_loopback() {
        Ok(())
    } else {
        Err(Error::refused(format!(
            "the workbench listens on this computer only (127.0.0.1 or ::1), not on {bind}: it shows personal data and changes the process"
        )))
    }
}

/// 32 random bytes as hex (tokens, session ids).
pub(crate) fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| Error::internal(format!("no randomness from the system: {e}")))?;
    Ok(hex::encode(b))
}

/// Starts the server, calls `ready` with the URL to open, and serves until Ctrl-C (or
/// until `stop` resolves, for tests).
pub fn serve(
    opts: Options,
    ready: impl FnOnce(&str, SocketAddr),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    check_bind(opts.bind)?;
    // The process file must load now, not on the first page.
    crate::base::process::Process::load(&opts.process)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the server runtime: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind((opts.bind, opts.port))
            .await
            .map_err(|e| {
                Error::refused(format!("cannot listen on {}:{}: {e}", opts.bind, opts.port))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::internal(e.to_string()))?;
        let token = random_token()?;
        let app = Arc::new(App {
            process: opts.process.clone(),
            exe: opts.exe.clone(),
            guard: guard::Guard::new(addr, token.clone()),
            jobs: jobs::Jobs::default(),
            population: std::sync::Mutex::new(None),
            previews: std::sync::Mutex::new(PreviewCache::new()),
        });
        let url = format!("http://{}/login?token={token}", guard::host_of(addr));
        ready(&url, addr);
        let router = pages::router(app.clone());
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await;
        // A step still running is stopped; its atomic writes leave no half file.
        let out = crate::base::process::Process::load(&app.process)
            .ok()
            .map(|p| p.out_dir());
        app.jobs.cancel(out.as_deref());
        served.map_err(|e| Error::internal(format!("the server stopped: {e}")))
    })
}

/// Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
