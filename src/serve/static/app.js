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

  // The quota editor: seats or percentages of k, a feasibility check as you type, the
  // rows at fault marked, the smallest change applicable in one click.
  const form = document.getElementById("quotas-form");
  if (form) {
    const k = Number(document.getElementById("k").textContent);
    const rows = () => Array.from(form.querySelectorAll("tr[data-category]"));
    const num = (input) => (input.value.trim() === "" ? null : Number(input.value));
    const seat = (tr, bound) => tr.querySelector("input.seats[data-bound=" + bound + "]");
    const pct = (tr, bound) => tr.querySelector("input.pct[data-bound=" + bound + "]");
    const flex = (tr) => tr.querySelectorAll("input.flex");
    // Percentages follow the seats, except the one being typed in.
    const shares = (except) => {
      for (const tr of rows()) {
        for (const b of ["min", "max"]) {
          const p = pct(tr, b);
          if (p === except) continue;
          const x = num(seat(tr, b));
          p.value = x === null || !k ? "" : (100 * x / k).toFixed(1);
        }
      }
    };
    const markFault = (fault) => {
      rows().forEach((tr, i) => tr.classList.toggle("fault", fault.includes(i)));
    };
    const apply = document.getElementById("apply-proposal");
    const showProposal = (proposal) => {
      apply.dataset.proposal = JSON.stringify(proposal);
      apply.hidden = proposal.length === 0;
    };
    let timer = null;
    let asked = 0;
    const check = async () => {
      const mine = ++asked;
      const verdict = document.getElementById("verdict");
      document.getElementById("verdict-word").textContent = form.dataset.checking;
      const body = {
        rows: rows().map((tr) => {
          const f = flex(tr);
          return {
            category: tr.dataset.category, value: tr.dataset.value,
            min: num(seat(tr, "min")) ?? 0, max: num(seat(tr, "max")) ?? 0,
            min_flex: num(f[0]), max_flex: num(f[1]),
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
      verdict.className = "verdict " + (v.ok ? "pass" : "fail");
      verdict.dataset.ok = v.ok ? "1" : "0";
      document.getElementById("verdict-word").textContent = v.ok ? form.dataset.feasible : form.dataset.infeasible;
      document.getElementById("verdict-text").textContent = v.message;
      markFault(v.fault);
      showProposal(v.proposal);
    };
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    };
    form.addEventListener("input", (e) => {
      const t = e.target;
      if (t.classList.contains("pct")) {
        // A percentage of k becomes whole seats, rounded half up.
        const x = num(t);
        if (x !== null && k) seat(t.closest("tr"), t.dataset.bound).value = Math.floor(x * k / 100 + 0.5);
      }
      shares(t);
      later();
    });
    apply.addEventListener("click", () => {
      const all = rows();
      for (const p of JSON.parse(apply.dataset.proposal || "[]")) {
        seat(all[p.row], "min").value = p.min;
        seat(all[p.row], "max").value = p.max;
      }
      shares(null);
      check();
    });
    markFault(JSON.parse(form.dataset.fault || "[]"));
    shares(null);
  }
})();
