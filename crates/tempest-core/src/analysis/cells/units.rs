//! Naming one recurrent unit: which quantity (the LSTM cell state `c` or the output `h`), which
//! layer, which index; and where it sits in a flat per-character activation row.

use serde::{Deserialize, Serialize};

use crate::model::{CellKind, ModelSpec, RowState};

/// Which recurrent quantity a unit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantity {
    /// The LSTM cell state (unbounded; GRU and plain RNN have none).
    C,
    /// The layer's output (in `[-1, 1]` for every cell kind).
    H,
}

impl Quantity {
    /// `c` or `h`, as unit names write it.
    pub fn letter(self) -> char {
        match self {
            Quantity::C => 'c',
            Quantity::H => 'h',
        }
    }
}

/// One unit. `layer` and `index` count from 0, like the tensors; [`std::fmt::Display`] shows the
/// layer from 1 (`L1 c 37`), as people number layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitRef {
    /// Cell state or output.
    pub quantity: Quantity,
    /// Layer, from 0.
    pub layer: usize,
    /// Unit within the layer, from 0.
    pub index: usize,
}

impl std::fmt::Display for UnitRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "L{} {} {}", self.layer + 1, self.quantity.letter(), self.index)
    }
}

/// The shape of a model's recurrent state, and the order of units in a flat activation row: every
/// layer's `c` (LSTM only), then every layer's `h`, each `hidden` long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitLayout {
    /// Stacked layers.
    pub layers: usize,
    /// Units per layer and quantity.
    pub hidden: usize,
    /// Whether there is a cell state `c` (LSTM only).
    pub has_cell: bool,
}

impl UnitLayout {
    /// The layout of a model of shape `spec`.
    pub fn of(spec: &ModelSpec) -> Self {
        UnitLayout { layers: spec.layers as usize, hidden: spec.hidden as usize, has_cell: spec.cell == CellKind::Lstm }
    }

    /// The quantities this model has: `c` and `h` for an LSTM, `h` otherwise.
    pub fn quantities(&self) -> &'static [Quantity] {
        if self.has_cell {
            &[Quantity::C, Quantity::H]
        } else {
            &[Quantity::H]
        }
    }

    /// Floats in one flat row.
    pub fn len(&self) -> usize {
        self.quantities().len() * self.layers * self.hidden
    }

    /// Whether a flat row has no floats (never, for a valid model).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where `u` sits in a flat row, or `None` when the model has no such unit.
    pub fn flat(&self, u: UnitRef) -> Option<usize> {
        if u.layer >= self.layers || u.index >= self.hidden {
            return None;
        }
        let q = self.quantities().iter().position(|&q| q == u.quantity)?;
        Some((q * self.layers + u.layer) * self.hidden + u.index)
    }

    /// The unit at flat index `i` (`i < len()`).
    pub fn unit(&self, i: usize) -> UnitRef {
        let per_q = self.layers * self.hidden;
        let quantity = self.quantities()[i / per_q];
        let r = i % per_q;
        UnitRef { quantity, layer: r / self.hidden, index: r % self.hidden }
    }

    /// Every unit, in flat order.
    pub fn units(&self) -> impl Iterator<Item = UnitRef> + '_ {
        (0..self.len()).map(|i| self.unit(i))
    }

    /// A stepper's row state as one flat row.
    pub fn flatten(&self, state: &RowState) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.len());
        if self.has_cell {
            state.c.iter().for_each(|l| out.extend_from_slice(l));
        }
        state.h.iter().for_each(|l| out.extend_from_slice(l));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_index_round_trips_for_every_unit() {
        for has_cell in [true, false] {
            let l = UnitLayout { layers: 3, hidden: 5, has_cell };
            for (i, u) in l.units().enumerate() {
                assert_eq!(l.flat(u), Some(i));
            }
            assert_eq!(l.units().count(), if has_cell { 30 } else { 15 });
            let c = UnitRef { quantity: Quantity::C, layer: 0, index: 0 };
            assert_eq!(l.flat(c).is_some(), has_cell);
            assert_eq!(l.flat(UnitRef { quantity: Quantity::H, layer: 3, index: 0 }), None);
        }
    }

    #[test]
    fn flatten_puts_cells_first_then_outputs() {
        let l = UnitLayout { layers: 2, hidden: 2, has_cell: true };
        let s = RowState { h: vec![vec![1.0, 2.0], vec![3.0, 4.0]], c: vec![vec![5.0, 6.0], vec![7.0, 8.0]] };
        let row = l.flatten(&s);
        assert_eq!(row, vec![5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0]);
        let u = UnitRef { quantity: Quantity::H, layer: 1, index: 0 };
        assert_eq!(row[l.flat(u).unwrap()], 3.0);
        assert_eq!(u.to_string(), "L2 h 0");
    }
}
