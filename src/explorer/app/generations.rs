//! Generation bookkeeping: which engine replies still apply, and to which pane.
//!
//! Every request that changes the set or the text of the panes bumps the generation, and the engine
//! tags each reply with the newest generation it has seen. A reply from an older generation was
//! made before the engine saw the bump. After a reset it must be dropped (its text belongs to the
//! old prime or seed); after adding, removing or branching a pane, though, the *other* panes'
//! characters in it are real: the engine has already advanced them, so dropping them would leave a
//! gap in the app's copy of the text and shift every later position. Such replies are therefore
//! remapped to the current pane indices instead of dropped.

/// What a generation bump did to the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bump {
    Reset,
    Added,
    Removed(usize),
    /// Replies from before a branch still apply as they are: the engine answers in order, so they
    /// arrive before `Reply::Branched`, which then truncates the pane.
    Branched,
}

/// How many bumps since the last reset are remembered; replies older than that are dropped.
const REMEMBERED: usize = 64;

#[derive(Debug, Clone)]
pub struct Generations {
    /// Oldest generation whose replies can still be mapped.
    base: u64,
    /// `bumps[i]` led from generation `base + i` to `base + i + 1`.
    bumps: Vec<Bump>,
}

impl Generations {
    pub fn new(start: u64) -> Self {
        Generations { base: start, bumps: Vec::new() }
    }

    pub fn current(&self) -> u64 {
        self.base + self.bumps.len() as u64
    }

    /// Records a bump and returns the new generation.
    pub fn bump(&mut self, b: Bump) -> u64 {
        if b == Bump::Reset {
            self.base = self.current() + 1;
            self.bumps.clear();
        } else {
            self.bumps.push(b);
            if self.bumps.len() > REMEMBERED {
                self.bumps.remove(0);
                self.base += 1;
            }
        }
        self.current()
    }

    /// The bumps a reply from `generation` has missed, or `None` if it must be dropped.
    pub fn remap(&self, generation: u64) -> Option<Remap<'_>> {
        if generation < self.base || generation > self.current() {
            return None;
        }
        Some(Remap(&self.bumps[(generation - self.base) as usize..]))
    }
}

pub struct Remap<'a>(&'a [Bump]);

impl Remap<'_> {
    /// Where the reply's pane `i` is now, if it still exists.
    pub fn pane(&self, mut i: usize) -> Option<usize> {
        for b in self.0 {
            match *b {
                Bump::Removed(r) if i == r => return None,
                Bump::Removed(r) if i > r => i -= 1,
                Bump::Reset => return None,
                _ => {}
            }
        }
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_replies_map_to_themselves() {
        let g = Generations::new(1);
        assert_eq!(g.current(), 1);
        assert_eq!(g.remap(1).unwrap().pane(2), Some(2));
        assert!(g.remap(0).is_none());
        assert!(g.remap(2).is_none());
    }

    #[test]
    fn replies_from_before_a_reset_are_dropped() {
        let mut g = Generations::new(1);
        g.bump(Bump::Added);
        assert_eq!(g.bump(Bump::Reset), 3);
        assert!(g.remap(2).is_none());
        assert!(g.remap(1).is_none());
        assert_eq!(g.remap(3).unwrap().pane(0), Some(0));
    }

    #[test]
    fn removals_shift_later_panes_and_drop_the_removed_one() {
        let mut g = Generations::new(1);
        g.bump(Bump::Removed(1)); // panes 0 1 2 -> 0 2
        g.bump(Bump::Added); // -> 0 2 new
        g.bump(Bump::Branched);
        let r = g.remap(1).unwrap();
        assert_eq!((r.pane(0), r.pane(1), r.pane(2)), (Some(0), None, Some(1)));
        let r = g.remap(2).unwrap();
        assert_eq!((r.pane(0), r.pane(1), r.pane(2)), (Some(0), Some(1), Some(2)));
    }

    #[test]
    fn only_recent_bumps_are_remembered() {
        let mut g = Generations::new(1);
        for _ in 0..REMEMBERED + 5 {
            g.bump(Bump::Branched);
        }
        assert!(g.remap(1).is_none());
        assert!(g.remap(g.current() - REMEMBERED as u64).is_some());
    }
}
