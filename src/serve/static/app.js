// The workbench's only script: live progress of a running step, and the quota
// editor's feasibility check as you type. Every page works without it.
"use strict";
(function () {
  const csrf = document.body.dataset.csrf;

  // A running step: poll its status; reload the page when it ends.
  const job = document.getElementById("job");
  if (job && job.dataset.state === "running") {
    const tick = async () => {
      try {
        const r = await fetch("/job", { credentials: "same-origin" });
        const s = await r.json();
        if (!s) return;
        document.getElementById("job-seconds").textContent = s.seconds.toFixed(1);
        const p = s.progress;
        if (p) {
          document.getElementById("job-progress").textContent =
            p.phase + " · " + p.fixed_agents + "/" + p.n_agents +
            " · bound " + Number(p.bound).toFixed(5) + " · gap " + Number(p.gap).toExponential(2) +
            " · " + p.columns + " panels";
        }
        if (s.state !== "running") {
          location.reload();
          return;
        }
      } catch (e) { /* the server stopped: keep the page as it is */ return; }
      setTimeout(tick, 400);
    };
    setTimeout(tick, 400);
  }

  // The quota editor.
  const form = document.getElementById("quotas-form");
  if (form) {
    const k = Number(document.getElementById("k").textContent);
    const rows = () => Array.from(form.querySelectorAll("tr[data-category]"));
    const num = (input) => (input.value.trim() === "" ? null : Number(input.value));
    const shares = () => {
      for (const tr of rows()) {
        const inputs = tr.querySelectorAll("input");
        const lo = num(inputs[0]), hi = num(inputs[1]);
        const pct = (x) => (x === null || !k ? "" : (100 * x / k).toFixed(1));
        tr.querySelector(".share").textContent = pct(lo) + "–" + pct(hi) + " %";
      }
    };
    let timer = null;
    let asked = 0;
    const check = async () => {
      const mine = ++asked;
      const verdict = document.getElementById("verdict");
      document.getElementById("verdict-word").textContent = form.dataset.checking;
      const body = {
        rows: rows().map((tr) => {
          const inputs = tr.querySelectorAll("input");
          return {
            category: tr.dataset.category, value: tr.dataset.value,
            min: num(inputs[0]) ?? 0, max: num(inputs[1]) ?? 0,
            min_flex: num(inputs[2]), max_flex: num(inputs[3]),
          };
        }),
      };
      const r = await fetch("/quotas/check", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
      const v = await r.json();
      if (mine !== asked) return;
      verdict.className = v.ok ? "pass" : "fail";
      verdict.dataset.ok = v.ok ? "1" : "0";
      document.getElementById("verdict-word").textContent = v.ok ? form.dataset.feasible : form.dataset.infeasible;
      document.getElementById("verdict-text").textContent = v.message;
    };
    form.addEventListener("input", () => {
      shares();
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
    shares();
  }
})();
