//! A bounded memo of a pure function's values.

/// Values of a pure function remembered by key, for one setting `S` of its
/// other arguments (a new setting forgets them), at most `cap` of them
/// (when full, it starts afresh).
#[derive(Debug)]
pub(crate) struct Memo<S, K, V> {
    setting: Option<S>,
    values: hashbrown::HashMap<K, V>,
    cap: usize,
}

impl<S: PartialEq, K: std::hash::Hash + Eq, V: Copy> Memo<S, K, V> {
    pub(crate) fn new(cap: usize) -> Self {
        Memo {
            setting: None,
            values: hashbrown::HashMap::new(),
            cap,
        }
    }

    /// Forgets the values unless they were computed for `setting`.
    pub(crate) fn keep_for(&mut self, setting: S) {
        if self.setting.as_ref() != Some(&setting) {
            self.values.clear();
            self.setting = Some(setting);
        }
    }

    /// The value of `key`, computed by `f` if not remembered.
    pub(crate) fn get_or_insert_with(&mut self, key: K, f: impl FnOnce() -> V) -> V {
        if let Some(&v) = self.values.get(&key) {
            return v;
        }
        let v = f();
        if self.values.len() >= self.cap {
            self.values.clear();
        }
        self.values.insert(key, v);
        v
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
