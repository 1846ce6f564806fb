//! Explaining infeasible quotas and proposing a minimal relaxation.

use std::collections::BTreeSet;
use std::fmt;

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, microlp,
    variable,
};

use super::pricing::Pricer;
use super::types::TypeModel;
use super::{Instance, Solver, validate};

/// A change of one quota proposed by the relaxation ILP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaChange {
    pub category: String,
    pub value: String,
    pub old_min: u32,
    pub old_max: u32,
    pub new_min: u32,
    pub new_max: u32,
}

/// Why no feasible panel exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasibility {
    /// Conflicting constraints in plain words.
    pub conflicts: Vec<String>,
    /// Quota changes of minimal total size that make the instance feasible; `None` if
    /// changing quotas cannot help (e.g. fewer applicants or households than seats).
    pub relaxation: Option<Vec<QuotaChange>>,
}

impl fmt::Display for Infeasibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "no panel satisfies all constraints:")?;
        for c in &self.conflicts {
            writeln!(f, "  - {c}")?;
        }
        match &self.relaxation {
            Some(ch) if !ch.is_empty() => {
                let total: u32 = ch
                    .iter()
                    .map(|c| c.old_min - c.new_min + c.new_max - c.old_max)
                    .sum();
                writeln!(f, "smallest change that makes it feasible (total {total}):")?;
                for c in ch {
                    write!(f, "  - {}={}: ", c.category, c.value)?;
                    if c.new_min != c.old_min {
                        write!(f, "minimum {} -> {}", c.old_min, c.new_min)?;
                    }
                    if c.new_max != c.old_max {
                        if c.new_min != c.old_min {
                            write!(f, ", ")?;
                        }
                        write!(f, "maximum {} -> {}", c.old_max, c.new_max)?;
                    }
                    writeln!(f)?;
                }
                Ok(())
            }
            _ => writeln!(
                f,
                "no change of quotas (within their min_flex/max_flex, where given) can make it feasible"
            ),
        }
    }
}

/// `Ok(())` if at least one panel satisfies every constraint, else an explanation.
pub fn feasibility(inst: &Instance) -> Result<(), Infeasibility> {
    feasibility_with(inst, Solver::default())
}

/// [`feasibility`] with the feasibility ILP solved by `solver`. The explanation of an
/// infeasible instance (conflicts and the relaxation ILP) is always computed with microlp,
/// so it does not depend on the backend. A backend that was not compiled in is reported as
/// the only conflict.
pub fn feasibility_with(inst: &Instance, solver: Solver) -> Result<(), Infeasibility> {
    let invalid = validate(inst).and_then(|()| solver.check_available());
    if let Err(e) = invalid {
        return Err(Infeasibility {
            conflicts: vec![e.to_string()],
            relaxation: None,
        });
    }
    let tm = TypeModel::build(inst, true);
    let pricer = Pricer::new(inst, &tm, solver);
    match pricer.best_panel(&vec![0.0; tm.len()]) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(explain(inst)),
        Err(e) => Err(Infeasibility {
            conflicts: vec![e.to_string()],
            relaxation: None,
        }),
    }
}

/// [`feasibility`] where the proposed relaxation must stay within flexible bounds:
/// `flex[c][v] = (min_flex, max_flex)` for value v of category c (the quota file's
/// `min_flex`/`max_flex` columns): a minimum may drop to min_flex at the lowest, a
/// maximum rise to max_flex at the highest.
pub fn feasibility_within_flex(
    inst: &Instance,
    flex: &[Vec<(u32, u32)>],
) -> Result<(), Infeasibility> {
    match feasibility(inst) {
        Ok(()) => Ok(()),
        Err(mut inf) => {
            if validate(inst).is_ok() {
                inf.relaxation = relax(inst, Some(flex)).ok().flatten();
            }
            Err(inf)
        }
    }
}

/// Builds the explanation for an instance known to be infeasible (and valid).
pub(crate) fn explain(inst: &Instance) -> Infeasibility {
    let n = inst.agents.len();
    let k = inst.k;
    let mut conflicts = Vec::new();
    if k > n {
        conflicts.push(format!(
            "the panel needs {k} members, only {n} people applied"
        ));
    }
    // Households: at most one per household.
    let units = match &inst.households {
        Some(h) => {
            let ids: BTreeSet<u32> = h.iter().flatten().copied().collect();
            ids.len() + h.iter().filter(|x| x.is_none()).count()
        }
        None => n,
    };
    if units < k && units < n {
        conflicts.push(format!(
            "the panel needs {k} members, but with at most one per household only {units} can be selected"
        ));
    }
    for (c, cat) in inst.categories.iter().enumerate() {
        let mut avail = vec![0u32; cat.values.len()];
        for a in &inst.agents {
            avail[a[c]] += 1;
        }
        for (v, val) in cat.values.iter().enumerate() {
            if avail[v] < val.min {
                conflicts.push(format!(
                    "{}={} needs at least {} members, only {} applied",
                    cat.name, val.name, val.min, avail[v]
                ));
            }
        }
        let sum_min: u64 = cat.values.iter().map(|v| v.min as u64).sum();
        if sum_min > k as u64 {
            conflicts.push(format!(
                "the minimums of {} add up to {sum_min}, more than the panel size {k}",
                cat.name
            ));
        }
        let sum_max: u64 = cat
            .values
            .iter()
            .zip(&avail)
            .map(|(v, &a)| v.max.min(a) as u64)
            .sum();
        if sum_max < k as u64 {
            conflicts.push(format!(
                "at most {sum_max} members can be selected under the {} maximums (and applicants), fewer than the panel size {k}",
                cat.name
            ));
        }
    }
    let relaxation = relax(inst, None).ok().flatten();
    if conflicts.is_empty() && inst.households.is_some() {
        // The quotas alone may be satisfiable, the household rule being what breaks them.
        let alone = Instance {
            households: None,
            ..inst.clone()
        };
        let tm = TypeModel::build(&alone, true);
        if let Ok(Some(_)) =
            Pricer::new(&alone, &tm, Solver::Microlp).best_panel(&vec![0.0; tm.len()])
        {
            conflicts.push(
                "the household rule makes it impossible: the quotas could be met, but only by selecting two or more people of one household (at most one per household may be selected)"
                    .to_string(),
            );
        }
    }
    if conflicts.is_empty() {
        let which: Vec<String> = relaxation
            .iter()
            .flatten()
            .map(|c| format!("{}={}", c.category, c.value))
            .collect();
        conflicts.push(if which.is_empty() {
            "the quotas of several categories conflict with each other".to_string()
        } else {
            format!(
                "the quotas of several categories conflict with each other (involving {})",
                which.join(", ")
            )
        });
    }
    Infeasibility {
        conflicts,
        relaxation,
    }
}

/// Relaxation ILP: integer type counts m_t ∈ [0, c_t] and slacks a_f ∈ [0, l_f], b_f ≥ 0:
/// `min Σ_f (a_f + b_f)  s.t.  Σ_t m_t = k,  l_f − a_f ≤ Σ_{t∈T_f} m_t ≤ u_f + b_f,
/// households ≤ 1`. The new quotas are [l_f − a_f, u_f + b_f]. With `flex`, also
/// `a_f ≤ l_f − min_flex_f` and `b_f ≤ max_flex_f − u_f`.
fn relax(
    inst: &Instance,
    flex: Option<&[Vec<(u32, u32)>]>,
) -> Result<Option<Vec<QuotaChange>>, String> {
    let flat: Option<Vec<(u32, u32)>> = flex.map(|f| f.iter().flatten().copied().collect());
    let tm = TypeModel::build(inst, true);
    let pricer = Pricer::new(inst, &tm, Solver::Microlp);
    let counts = tm.counts();
    let mut vars = ProblemVariables::new();
    let m: Vec<Variable> = counts
        .iter()
        .map(|&c| vars.add(variable().integer().min(0).max(c as f64)))
        .collect();
    let n = inst.agents.len() as f64;
    let slack: Vec<(Variable, Variable)> = pricer
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (down, up) = match flat.as_ref().and_then(|f| f.get(i)) {
                Some(&(lo, hi)) => (
                    r.min.saturating_sub(lo) as f64,
                    hi.saturating_sub(r.max) as f64,
                ),
                None => (r.min as f64, n),
            };
            (
                vars.add(variable().integer().min(0).max(down)),
                vars.add(variable().integer().min(0).max(up)),
            )
        })
        .collect();
    let objective: Expression = slack.iter().map(|&(a, b)| Expression::from(a) + b).sum();
    let mut model = vars.minimise(objective).using(microlp);
    let size: Expression = m.iter().map(|&v| Expression::from(v)).sum();
    model.add_constraint(size.eq(inst.k as f64));
    for (row, &(a, b)) in pricer.rows.iter().zip(&slack) {
        let e: Expression = row.types.iter().map(|&t| Expression::from(m[t])).sum();
        model.add_constraint((e.clone() + a).geq(row.min as f64));
        model.add_constraint((e - b).leq(row.max as f64));
    }
    for h in &tm.households {
        let e: Expression = h.iter().map(|&t| Expression::from(m[t])).sum();
        model.add_constraint(e.leq(1.0));
    }
    let sol = match model.solve() {
        Ok(s) => s,
        Err(ResolutionError::Infeasible) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut changes = Vec::new();
    let mut r = 0;
    for cat in &inst.categories {
        for val in &cat.values {
            let (a, b) = slack[r];
            r += 1;
            let a = sol.value(a).round().max(0.0) as u32;
            let b = sol.value(b).round().max(0.0) as u32;
            if a > 0 || b > 0 {
                changes.push(QuotaChange {
                    category: cat.name.clone(),
                    value: val.name.clone(),
                    old_min: val.min,
                    old_max: val.max,
                    new_min: val.min.saturating_sub(a),
                    new_max: val.max.saturating_add(b),
                });
            }
        }
    }
    Ok(Some(changes))
}
