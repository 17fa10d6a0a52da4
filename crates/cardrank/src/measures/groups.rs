//! Distinct counts with their multiplicities: the form every canonical
//! measure sums over.

/// Values below this are counted in a direct histogram by
/// [`distinct_counts`] (most cells and most levels of a large table are
/// small counts); the rest are sorted.
pub(super) const SMALL_COUNT: usize = 1 << 12;

/// Distinct nonzero values of `values` with their multiplicities, in
/// increasing value order.
///
/// Small values go to a histogram and only the large ones are sorted, so a
/// million level totals of a joint feature (mostly 1, 2, 3, ...) cost one
/// pass, not a sort.
pub(crate) fn distinct_counts(values: &[u64]) -> Vec<(u64, u64)> {
    let mut groups = CountGroups::default();
    for &c in values {
        groups.push(c);
    }
    groups.groups()
}

/// [`distinct_counts`] of values given one at a time.
pub(crate) struct CountGroups {
    small: [u64; SMALL_COUNT],
    large: Vec<u64>,
    nonzero: usize,
}

impl Default for CountGroups {
    fn default() -> Self {
        CountGroups {
            small: [0; SMALL_COUNT],
            large: Vec::new(),
            nonzero: 0,
        }
    }
}

impl CountGroups {
    #[inline]
    pub(crate) fn push(&mut self, c: u64) {
        match self.small.get_mut(c as usize) {
            Some(h) => *h += 1,
            None => self.large.push(c),
        }
        self.nonzero += usize::from(c > 0);
    }

    /// Adds `m` values equal to `c`.
    #[inline]
    pub(crate) fn push_many(&mut self, c: u64, m: u64) {
        if m == 0 {
            return;
        }
        match self.small.get_mut(c as usize) {
            Some(h) => *h += m,
            None => self.large.extend(std::iter::repeat_n(c, m as usize)),
        }
        if c > 0 {
            self.nonzero += m as usize;
        }
    }

    /// How many nonzero values were pushed.
    pub(crate) fn nonzero(&self) -> usize {
        self.nonzero
    }

    /// The distinct nonzero values with multiplicities, increasing.
    pub(crate) fn groups(mut self) -> Vec<(u64, u64)> {
        self.large.sort_unstable();
        let mut out: Vec<(u64, u64)> = self
            .small
            .iter()
            .enumerate()
            .skip(1)
            .filter(|&(_, &m)| m > 0)
            .map(|(c, &m)| (c as u64, m))
            .collect();
        for c in self.large {
            match out.last_mut() {
                Some((last, m)) if *last == c => *m += 1,
                _ => out.push((c, 1)),
            }
        }
        out
    }
}
