//! The step the workbench is running: one at a time, as a child process of the same
//! binary with the CLI's arguments (so that it journals exactly as the CLI does and
//! holds the journal lock like it), with its progress and a cancel that leaves nothing
//! half written.

use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// State of the last step started.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// What the pages show of a step.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub id: u64,
    /// The CLI command, e.g. `sortes select -p forum.toml --algorithm leximin`.
    pub command: String,
    /// Which page started it (`selection`, `lottery`, …).
    pub page: String,
    pub state: State,
    pub seconds: f64,
    /// The last progress line (selection: stage, bound, gap).
    pub progress: Option<serde_json::Value>,
    /// What the command printed (aggregates only, as on the terminal).
    pub output: String,
    /// The error sentence, when it failed.
    pub error: String,
}

struct Job {
    status: Status,
    started: Instant,
    child: Option<Child>,
}

#[derive(Default)]
pub struct Jobs {
    current: Arc<Mutex<Option<Job>>>,
    next_id: Mutex<u64>,
}

impl Jobs {
    /// The last step's status (running or finished).
    pub fn status(&self) -> Option<Status> {
        let mut g = self.current.lock().ok()?;
        let job = g.as_mut()?;
        if job.status.state == State::Running {
            job.status.seconds = job.started.elapsed().as_secs_f64();
        }
        Some(job.status.clone())
    }

    /// Starts `exe args…`; refuses while another step runs.
    pub fn start(&self, exe: &Path, args: Vec<String>, page: &str) -> Result<u64, String> {
        let mut g = self
            .current
            .lock()
            .map_err(|_| "the workbench is in a bad state; restart it".to_string())?;
        if g.as_ref().is_some_and(|j| j.status.state == State::Running) {
            return Err(
                "another step is still running; wait until it has finished or cancel it"
                    .to_string(),
            );
        }
        let mut child = Command::new(exe)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start sortes: {e}"))?;
        let id = {
            let mut n = self.next_id.lock().map_err(|_| "bad state".to_string())?;
            *n += 1;
            *n
        };
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        *g = Some(Job {
            status: Status {
                id,
                command: format!("sortes {}", args.join(" ")),
                page: page.to_string(),
                state: State::Running,
                seconds: 0.0,
                progress: None,
                output: String::new(),
                error: String::new(),
            },
            started: Instant::now(),
            child: Some(child),
        });
        drop(g);
        let current = self.current.clone();
        std::thread::spawn(move || watch(current, id, stdout, stderr));
        Ok(id)
    }

    /// Stops the running step (if any) and removes the temporary files its atomic writes
    /// may have left under `out` (the process's output folder).
    pub fn cancel(&self, out: Option<&Path>) -> bool {
        let Ok(mut g) = self.current.lock() else {
            return false;
        };
        let Some(job) = g.as_mut() else {
            return false;
        };
        if job.status.state != State::Running {
            return false;
        }
        if let Some(mut c) = job.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        job.status.state = State::Cancelled;
        job.status.seconds = job.started.elapsed().as_secs_f64();
        drop(g);
        if let Some(out) = out {
            remove_temporaries(out);
        }
        true
    }
}

/// Reads the child's output and waits for it.
fn watch(
    current: Arc<Mutex<Option<Job>>>,
    id: u64,
    stdout: Option<std::process::ChildStdout>,
    stderr: Option<std::process::ChildStderr>,
) {
    let out_reader = stdout.map(|mut s| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = s.read_to_string(&mut text);
            text
        })
    });
    let mut errors = String::new();
    if let Some(e) = stderr {
        for line in BufReader::new(e).lines() {
            let Ok(line) = line else { break };
            if let Some(json) = line.strip_prefix("progress ") {
                if let Ok(v) = serde_json::from_str(json)
                    && let Ok(mut g) = current.lock()
                    && let Some(j) = g.as_mut().filter(|j| j.status.id == id)
                {
                    j.status.progress = Some(v);
                }
            } else {
                errors.push_str(&line);
                errors.push('\n');
            }
        }
    }
    let output = out_reader.and_then(|h| h.join().ok()).unwrap_or_default();
    loop {
        let Ok(mut g) = current.lock() else { return };
        let Some(job) = g.as_mut().filter(|j| j.status.id == id) else {
            return;
        };
        job.status.output = output.clone();
        let Some(child) = job.child.as_mut() else {
            // Cancelled: the child is gone already.
            job.status.error = errors;
            return;
        };
        match child.try_wait() {
            Ok(Some(exit)) => {
                job.status.state = if exit.success() {
                    State::Done
                } else {
                    State::Failed
                };
                job.status.error = errors
                    .lines()
                    .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                    .collect::<Vec<_>>()
                    .join("\n");
                job.status.seconds = job.started.elapsed().as_secs_f64();
                job.child = None;
                return;
            }
            Ok(None) => {}
            Err(_) => {
                job.status.state = State::Failed;
                job.child = None;
                return;
            }
        }
        drop(g);
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Removes the temporary files of interrupted atomic writes under `dir`.
fn remove_temporaries(dir: &Path) {
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e
                .file_name()
                .to_string_lossy()
                .starts_with(crate::base::fsio::TEMP_PREFIX)
            {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn wait_until(jobs: &Jobs, f: impl Fn(&Status) -> bool) -> Status {
        for _ in 0..200 {
            if let Some(s) = jobs.status().filter(|s| f(s)) {
                return s;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("no such status: {:?}", jobs.status());
    }

    #[test]
    fn a_step_reports_progress_output_and_its_end() {
        let jobs = Jobs::default();
        let script = "echo 'progress {\"phase\":\"Stage\"}' >&2; echo wrote x; echo 'error: no pool' >&2; exit 1";
        jobs.start(
            Path::new("/bin/sh"),
            vec!["-c".into(), script.into()],
            "selection",
        )
        .unwrap();
        let s = wait_until(&jobs, |s| s.state != State::Running);
        assert_eq!(s.state, State::Failed);
        assert_eq!(s.output, "wrote x\n");
        assert_eq!(s.error, "no pool");
        assert_eq!(s.progress.unwrap()["phase"], "Stage");
    }

    #[test]
    fn one_step_at_a_time_and_cancel_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("public");
        std::fs::create_dir_all(&sub).unwrap();
        let tmp = sub.join(format!("{}abc", crate::base::fsio::TEMP_PREFIX));
        std::fs::write(&tmp, "half").unwrap();
        let kept = sub.join("probabilities.csv");
        std::fs::write(&kept, "id,probability\n").unwrap();
        let jobs = Jobs::default();
        jobs.start(
            Path::new("/bin/sh"),
            vec!["-c".into(), "sleep 30".into()],
            "selection",
        )
        .unwrap();
        let second = jobs.start(
            Path::new("/bin/sh"),
            vec!["-c".into(), "true".into()],
            "lottery",
        );
        assert!(second.unwrap_err().contains("still running"));
        assert!(jobs.cancel(Some(dir.path())));
        let s = jobs.status().unwrap();
        assert_eq!(s.state, State::Cancelled);
        assert!(s.seconds < 25.0, "the child was killed, not waited for");
        assert!(
            !tmp.exists(),
            "the interrupted write's temporary file is removed"
        );
        assert!(kept.exists(), "finished files stay");
        // Nothing runs now: a new step may start.
        jobs.start(
            Path::new("/bin/sh"),
            vec!["-c".into(), "true".into()],
            "lottery",
        )
        .unwrap();
        let s = wait_until(&jobs, |s| s.state == State::Done);
        assert_eq!(s.page, "lottery");
    }
}
