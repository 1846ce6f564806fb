//! Collapsing interchangeable agents into types.
//!
//! Two agents are interchangeable when they have the same attribute vector and neither is
//! in a household with another pool member (a household of size one constrains nothing).
//! Every agent in a household of size ≥ 2 is its own type.

use std::collections::BTreeMap;

use super::Instance;

/// Type-level view of an instance.
#[derive(Debug, Clone)]
pub(crate) struct TypeModel {
    /// Members of each type (sorted agent indices); types are ordered by lowest member.
    pub members: Vec<Vec<u32>>,
    /// Attribute vector of each type.
    pub attrs: Vec<Vec<usize>>,
    /// Groups of types (each a single agent) of which at most one may be selected.
    pub households: Vec<Vec<usize>>,
}

impl TypeModel {
    pub fn build(inst: &Instance, collapse: bool) -> TypeModel {
        let n = inst.agents.len();
        // Household id -> members, in id order (BTreeMap: deterministic).
        let mut hh: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        if let Some(h) = &inst.households {
            for (i, id) in h.iter().enumerate() {
                if let Some(id) = id {
                    hh.entry(*id).or_default().push(i);
                }
            }
        }
        let mut shared = vec![false; n];
        for m in hh.values().filter(|m| m.len() >= 2) {
            for &i in m {
                shared[i] = true;
            }
        }
        let mut members: Vec<Vec<u32>> = Vec::new();
        let mut attrs: Vec<Vec<usize>> = Vec::new();
        let mut type_of = vec![0usize; n];
        let mut by_attr: BTreeMap<&[usize], usize> = BTreeMap::new();
        for (i, a) in inst.agents.iter().enumerate() {
            let t = if shared[i] || !collapse {
                None
            } else {
                by_attr.get(a.as_slice()).copied()
            };
            let t = match t {
                Some(t) => t,
                None => {
                    let t = members.len();
                    members.push(Vec::new());
                    attrs.push(a.clone());
                    if !shared[i] && collapse {
                        by_attr.insert(a.as_slice(), t);
                    }
                    t
                }
            };
            members[t].push(i as u32);
            type_of[i] = t;
        }
        let households = hh
            .values()
            .filter(|m| m.len() >= 2)
            .map(|m| m.iter().map(|&i| type_of[i]).collect())
            .collect();
        TypeModel {
            members,
            attrs,
            households,
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn counts(&self) -> Vec<u32> {
        self.members.iter().map(|m| m.len() as u32).collect()
    }
}
