//! What changed between two versions of a project, from their snapshot rows.

use super::snapshot::{Content, DATASET, Key, content_of, kind_of};
use entity::snapshot_row as row;
use std::collections::HashMap;
use uuid::Uuid;

/// One dataset or item in a comparison: its slash-separated path of names from the
/// project (`/train/cats` for a dataset, `/train/cats/cat.png` for an item) and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub path: String,
    pub name: String,
}

/// What changed from a base version to a target version.
#[derive(Default)]
pub struct Comparison {
    pub datasets_added: Vec<Entry>,
    pub datasets_removed: Vec<Entry>,
    pub datasets_changed: Vec<Entry>,
    pub items_added: Vec<Entry>,
    pub items_removed: Vec<Entry>,
    pub items_changed: Vec<Entry>,
}

/// The rows of a version by key, and a function naming each one's path.
struct VersionState(HashMap<Key, Content>);

impl VersionState {
    fn new(rows: Vec<row::Model>) -> Self {
        Self(rows.iter().map(|r| ((kind_of(&r.kind), r.stable_id), content_of(r))).collect())
    }
    fn dataset_path(&self, id: Uuid) -> String {
        let mut names = Vec::new();
        let mut cur = Some(id);
        // Bounded by the number of rows: a snapshot of a tree has no cycles.
        while let Some(c) = cur.and_then(|id| self.0.get(&(DATASET, id))) {
            names.push(c.name.as_str());
            cur = c.parent_id;
            if names.len() > self.0.len() {
                break;
            }
        }
        names.reverse();
        format!("/{}", names.join("/"))
    }
    fn entry(&self, key: &Key) -> Entry {
        let c = &self.0[key];
        let path = if key.0 == DATASET {
            self.dataset_path(key.1)
        } else {
            let parent = c.parent_id.map(|d| self.dataset_path(d)).unwrap_or_default();
            format!("{parent}/{}", c.name)
        };
        Entry { path, name: c.name.clone() }
    }
}

/// The changes from the rows of a base version to those of a target version, each list
/// sorted by path.
pub fn compare(base: Vec<row::Model>, target: Vec<row::Model>) -> Comparison {
    let old = VersionState::new(base);
    let new = VersionState::new(target);
    let mut out = Comparison::default();
    for (key, c) in &new.0 {
        let (added, changed) = if key.0 == DATASET {
            (&mut out.datasets_added, &mut out.datasets_changed)
        } else {
            (&mut out.items_added, &mut out.items_changed)
        };
        match old.0.get(key) {
            None => added.push(new.entry(key)),
            Some(o) if o != c => changed.push(new.entry(key)),
            Some(_) => {}
        }
    }
    for key in old.0.keys().filter(|k| !new.0.contains_key(k)) {
        let removed = if key.0 == DATASET { &mut out.datasets_removed } else { &mut out.items_removed };
        removed.push(old.entry(key));
    }
    for list in [
        &mut out.datasets_added,
        &mut out.datasets_removed,
        &mut out.datasets_changed,
        &mut out.items_added,
        &mut out.items_removed,
        &mut out.items_changed,
    ] {
        list.sort();
    }
    out
}
