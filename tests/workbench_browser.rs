//! The workbench end to end in a real browser: headless Chromium driven by chromedriver
//! over the WebDriver protocol (a few JSON requests; the client is below). The path of
//! stage 2 and 3 of the demo, by clicks: sign in, edit a target into infeasibility and
//! back, run LEXIMIN with its progress visible, cancel a second run, build the lottery,
//! enter the number twice (first mistyped), replace a member, generate and download the
//! report. Screenshots are kept in target/workbench/ for people to look at.
//!
//! Skips (with a message) when chromium or chromedriver is missing, unless
//! SORTES_REQUIRE_BROWSER is set (CI sets it and installs both).

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// chromium and chromedriver, or None when the test should skip.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("SORTES_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| which("chromium"));
    let driver = which("chromedriver");
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ if std::env::var_os("SORTES_REQUIRE_BROWSER").is_some() => panic!(
            "SORTES_REQUIRE_BROWSER is set but chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
        ),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: chromium or chromedriver not found (apt-get install chromium chromium-driver)"
            );
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request with a JSON body to chromedriver; the JSON answer.
fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // chromedriver may keep the connection open: read the head, then Content-Length
    // bytes (or chunks up to the last one).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let complete = |raw: &[u8]| -> bool {
        let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            return false;
        };
        let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
        let body = &raw[split + 4..];
        if let Some(l) = head.lines().find_map(|l| l.strip_prefix("content-length:")) {
            return body.len() >= l.trim().parse::<usize>().unwrap_or(0);
        }
        if head.contains("transfer-encoding: chunked") {
            return body.ends_with(b"0\r\n\r\n");
        }
        false
    };
    while !complete(&raw) {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut b = &body[..];
        while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
            let n =
                usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
            b = &b[eol + 4 + n..];
        }
        body = out;
    }
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

struct Driver {
    child: Child,
    port: u16,
    session: String,
    shots: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            call(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    fn start(chromium: &Path, driver: &Path, profile: &Path, shots: PathBuf) -> Driver {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut d = Driver {
            child,
            port,
            session: String::new(),
            shots,
        };
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {"download.default_directory": profile.join("downloads").to_string_lossy()},
            }
        }}});
        let r = call(port, "POST", "/session", Some(&caps));
        d.session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        // Headless Chromium downloads only where it is told to.
        d.cmd(
            "POST",
            "/chromium/send_command",
            Some(json!({"cmd": "Page.setDownloadBehavior", "params": {
                "behavior": "allow",
                "downloadPath": profile.join("downloads").to_string_lossy(),
            }})),
        );
        d
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = call(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        );
        if let Some(e) = r["value"]["error"].as_str() {
            panic!("{method} {path}: {e}: {}", r["value"]["message"]);
        }
        r["value"].clone()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let t0 = Instant::now();
        loop {
            let r = call(
                self.port,
                "POST",
                &format!("/session/{}/element", self.session),
                Some(&json!({"using": "css selector", "value": css})),
            );
            if let Some(id) = r["value"][ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "no element {css}: {}",
                self.body_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.cmd("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The current value of an input.
    fn value(&self, css: &str) -> String {
        let id = self.find(css);
        self.cmd("GET", &format!("/element/{id}/property/value"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Sets the browser window's size (the page's viewport in headless mode).
    fn size(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    fn run(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    fn body_text(&self) -> String {
        let r = call(
            self.port,
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(
                &json!({"script": "return document.body ? document.body.innerText : ''", "args": []}),
            ),
        );
        r["value"].as_str().unwrap_or_default().to_string()
    }

    /// Waits until the script returns true (a script error, e.g. an element not there
    /// yet while the page reloads, counts as not yet).
    fn wait_for(&self, what: &str, script: &str, secs: u64) {
        let t0 = Instant::now();
        let guarded = format!("try {{ {script} }} catch (e) {{ return false; }}");
        loop {
            let r = self.cmd(
                "POST",
                "/execute/sync",
                Some(json!({ "script": guarded, "args": [] })),
            );
            if r == Value::Bool(true) {
                return;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what}: {}",
                self.body_text()
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn shot(&self, name: &str) {
        use base64::Engine as _;
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

/// The example process at the demo's scale of stage 2: 2,000 invitations on a
/// 20,000-resident synthetic register, k = 50 with the Dortmund quotas, replies taken in.
fn demo_like() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::sortes()
        .args(["generate-register", "--population", "20000", "--out"])
        .arg(root.join("data"))
        .assert()
        .success();
    let repo = env!("CARGO_MANIFEST_DIR");
    let toml = include_str!("../examples/dortmund/forum.toml")
        .replace(
            "../../templates/letters",
            &format!("{repo}/templates/letters"),
        )
        .replace(
            "\"../../quotas/dortmund-50.csv\"",
            &format!("\"{repo}/quotas/dortmund-50.csv\""),
        );
    let p = root.join("forum.toml");
    std::fs::write(&p, toml).unwrap();
    let run = |args: &[&str]| {
        common::sortes()
            .args(args)
            .arg("-p")
            .arg(&p)
            .assert()
            .success();
    };
    run(&[
        "commit",
        "--seed-source",
        "test",
        "--seed-form",
        "rfc3797:3",
    ]);
    run(&["draw", "--seed", "1.2.3./"]);
    let apps = root.join("applications.csv");
    run(&["generate-applications", "--out", apps.to_str().unwrap()]);
    run(&["intake", "--applications", apps.to_str().unwrap()]);
    (dir, p)
}

#[test]
fn stage_two_and_three_by_clicks() {
    let Some((chromium, chromedriver)) = tools() else {
        return;
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("workbench");
    std::fs::create_dir_all(&shots).unwrap();
    let (dir, process) = demo_like();
    // The quota file is the repository's: work on a copy.
    let quotas = dir.path().join("quotas.csv");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("quotas/dortmund-50.csv"),
        &quotas,
    )
    .unwrap();
    let toml = std::fs::read_to_string(&process).unwrap();
    let repo_quotas = format!("\"{}/quotas/dortmund-50.csv\"", env!("CARGO_MANIFEST_DIR"));
    std::fs::write(&process, toml.replace(&repo_quotas, "\"quotas.csv\"")).unwrap();

    let mut server = Command::new(env!("CARGO_BIN_EXE_sortes"))
        .args(["serve", "-p"])
        .arg(&process)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let base = url.split("/login").next().unwrap().to_string();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _server = Kill(server);

    let profile = tempfile::tempdir().unwrap();
    let d = Driver::start(&chromium, &chromedriver, profile.path(), shots.clone());

    // Sign in with the printed link: the process timeline.
    d.go(&url);
    d.find("#timeline");
    d.shot("1-process");

    // A target into infeasibility and back, checked as typed.
    d.go(&format!("{base}/quotas"));
    let verdict_ok = "return document.getElementById('verdict').classList.contains('pass')";
    let verdict_bad = "return document.getElementById('verdict').classList.contains('fail')";
    d.wait_for("a feasible start", verdict_ok, 30);
    // A percentage of k becomes seats: 10 % of 50 is 5.
    let min1 = d.value("#min_1");
    d.type_into("#minpct_1", "10");
    d.wait_for(
        "seats from the percentage",
        "return document.getElementById('min_1').value === '5'",
        10,
    );
    d.type_into("#min_1", &min1);
    // min above max: the row is marked at once.
    let max0 = d.value("#max_0");
    d.type_into("#min_0", "49");
    d.wait_for("the infeasible verdict", verdict_bad, 60);
    d.wait_for(
        "the row with min above max marked",
        "return document.getElementById('row_0').classList.contains('fault')",
        10,
    );
    // Minimums adding up to more than k: the category is marked, a change proposed.
    d.type_into("#max_0", "49");
    d.wait_for(
        "the proposal",
        "return !document.getElementById('apply-proposal').hidden",
        60,
    );
    let message = d.text("#verdict-text");
    assert!(!message.is_empty());
    d.wait_for(
        "the row at fault marked",
        "return document.getElementById('row_0').classList.contains('fault')",
        10,
    );
    d.shot("2-quotas-infeasible");
    // The smallest change, in one click: feasible again, the minimum lowered.
    d.click("#apply-proposal");
    d.wait_for("feasible by the proposal", verdict_ok, 60);
    let proposed: u32 = d.value("#min_0").parse().unwrap();
    assert!(proposed < 49, "the proposal lowers the minimum: {proposed}");
    d.shot("2b-quotas-relaxed");
    let original = std::fs::read_to_string(&quotas).unwrap();
    let first_min = original
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .to_string();
    d.type_into("#min_0", &first_min);
    d.type_into("#max_0", &max0);
    d.wait_for("feasible again", verdict_ok, 60);
    d.click("#save");
    d.find("#quotas");
    assert_eq!(
        std::fs::read_to_string(&quotas)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(2)
            .unwrap(),
        first_min
    );

    // LEXIMIN with live progress, to the end.
    d.go(&format!("{base}/selection"));
    d.click("#alg-leximin");
    d.click("#start");
    d.wait_for(
        "progress on the page",
        "return document.getElementById('job-progress').textContent.includes('bound')",
        120,
    );
    d.shot("3-selection-progress");
    d.wait_for(
        "the finished selection",
        "return !!document.getElementById('curve')",
        600,
    );
    d.shot("4-selection-done");
    let selection = dir.path().join("out/public/selection/probabilities.csv");
    let bytes = std::fs::read(&selection).unwrap();

    // A second run (Goldilocks), cancelled: nothing of it is written.
    d.click("#alg-goldilocks");
    d.click("#start");
    d.find("#cancel");
    d.click("#cancel");
    d.wait_for(
        "the cancelled state",
        "return document.getElementById('job').dataset.state === 'cancelled'",
        60,
    );
    d.shot("5-selection-cancelled");
    assert_eq!(
        std::fs::read(&selection).unwrap(),
        bytes,
        "the cancel wrote nothing"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out/public/selection"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".sortes-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left");

    // The lottery: built, the ceremony, a mistyped number, then 187 twice.
    d.go(&format!("{base}/lottery"));
    d.click("#build");
    d.wait_for(
        "the commitment",
        "return !!document.getElementById('lottery-hash')",
        300,
    );
    d.shot("6-lottery-built");
    d.click("#ceremony-link");
    d.type_into("#number", "187");
    d.type_into("#number_again", "178");
    d.click("#draw");
    d.find("#error");
    d.type_into("#number", "187");
    d.type_into("#number_again", "187");
    d.shot("7-ceremony");
    d.click("#draw");
    d.wait_for(
        "the drawn panel",
        "return !!document.getElementById('panel')",
        120,
    );
    assert_eq!(d.text("#drawn-number"), "187");
    d.shot("8-panel");

    // Replace a member: preview first, then confirm.
    let mut replaced = false;
    for seat in 1..=50 {
        d.go(&format!("{base}/replace"));
        d.click(&format!("#drop-{seat}"));
        d.click("#preview-button");
        d.find("#preview");
        if d_has(&d, "#confirm") {
            d.shot("9-replacement-preview");
            d.click("#confirm");
            d.wait_for(
                "the replacement",
                // The page shows the last step, which before the confirm is the
                // draw (done): wait for the replacement's own job to end.
                "const j = document.getElementById('job'); \
                 return !!j && j.dataset.page === 'replace' && j.dataset.state !== 'running'",
                120,
            );
            assert_eq!(
                d.run("return document.getElementById('job').dataset.state"),
                json!("done"),
                "the replacement failed: {}",
                d.body_text()
            );
            replaced = true;
            break;
        }
    }
    assert!(replaced, "some seat can be refilled");
    let journal = std::fs::read_to_string(dir.path().join("out/journal.jsonl")).unwrap();
    assert!(journal.contains("\"step\":\"replace\""));

    // The report: generated and downloaded.
    d.go(&format!("{base}/outputs"));
    d.click("#gen-report button");
    d.wait_for(
        "the report",
        "return !!document.querySelector('a[data-file=\"public/report.html\"]')",
        300,
    );
    d.click("a[data-file=\"public/report.html\"]");
    let downloaded = profile.path().join("downloads/report.html");
    let t0 = Instant::now();
    while !downloaded.is_file() {
        assert!(t0.elapsed() < Duration::from_secs(30), "no download");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        std::fs::read(&downloaded).unwrap(),
        std::fs::read(dir.path().join("out/public/report.html")).unwrap()
    );
    d.shot("10-outputs");

    // Letters after the lottery: generated, the first pages shown as pictures.
    d.click("#gen-panel-letters button");
    d.wait_for(
        "the letter previews",
        "return document.querySelectorAll('.preview img').length > 0",
        600,
    );
    d.run("document.querySelectorAll('.preview img').forEach(i => i.loading = 'eager')");
    d.wait_for(
        "the preview pictures loaded",
        "return Array.from(document.querySelectorAll('.preview img')).every(i => i.complete && i.naturalWidth > 700)",
        120,
    );
    d.shot("11-letter-previews");

    // Every page at a laptop's 1280×800 and a projector's 1920×1080: shown without a
    // horizontal scroll bar, with a screenshot of each.
    for (w, h) in [(1280, 800), (1920, 1080)] {
        d.size(w, h);
        for (name, path) in [
            ("process", "/"),
            ("pool", "/pool"),
            ("quotas", "/quotas"),
            ("selection", "/selection"),
            ("lottery", "/lottery"),
            ("ceremony", "/lottery/ceremony"),
            ("replace", "/replace"),
            ("outputs", "/outputs"),
        ] {
            d.go(&format!("{base}{path}"));
            d.find("main");
            let fits = d.run("return document.documentElement.scrollWidth <= window.innerWidth");
            assert_eq!(fits, json!(true), "{path} at {w}x{h} scrolls sideways");
            d.shot(&format!("{w}x{h}-{name}"));
        }
    }
    drop(d);
}

/// Whether an element exists now (no waiting).
fn d_has(d: &Driver, css: &str) -> bool {
    let r = call(
        d.port,
        "POST",
        &format!("/session/{}/element", d.session),
        Some(&json!({"using": "css selector", "value": css})),
    );
    r["value"][ELEMENT].is_string()
}
