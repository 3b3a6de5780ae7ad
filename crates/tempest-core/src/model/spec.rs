//! The shape of a char-RNN, and the PyTorch `state_dict` names and shapes that follow from it.

use serde::{Deserialize, Serialize};

/// The recurrent cell, as in char-rnn's `-model lstm|gru|rnn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    /// Long short-term memory: four gate blocks and a separate cell state.
    Lstm,
    /// Gated recurrent unit: three gate blocks, no separate cell state.
    Gru,
    /// Elman RNN with tanh, PyTorch's `nn.RNN` default.
    Rnn,
}

impl CellKind {
    /// Gate blocks stacked in the weight matrices, in PyTorch order (LSTM i,f,g,o; GRU r,z,n).
    pub fn gates(self) -> i64 {
        match self {
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
            CellKind::Rnn => 1,
        }
    }

    /// Every cell kind, for parsers and help texts.
    pub const ALL: [CellKind; 3] = [CellKind::Lstm, CellKind::Gru, CellKind::Rnn];

    /// The lowercase name used in model files, flags and config files.
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Lstm => "lstm",
            CellKind::Gru => "gru",
            CellKind::Rnn => "rnn",
        }
    }

    /// The cell kind called `s` (lowercase, as [`name`](Self::name) writes it), if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lstm" => Some(CellKind::Lstm),
            "gru" => Some(CellKind::Gru),
            "rnn" => Some(CellKind::Rnn),
            _ => None,
        }
    }
}

impl std::fmt::Display for CellKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Most parameters a model may have: 2 GiB of float32 weights, the size cap of a model file.
pub const MAX_PARAMETERS: i64 = 1 << 29;

/// The shape of a char-RNN: everything needed to lay out its tensors. [`validate`](Self::validate)
/// holds the ranges.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Which recurrent cell every layer uses.
    pub cell: CellKind,
    /// Stacked recurrent layers, 1 to 16.
    pub layers: i64,
    /// Hidden units per layer, 1 to 16,384.
    pub hidden: i64,
    /// Width of the character embedding, 1 to 16,384.
    pub embed: i64,
    /// Characters in the vocabulary, 1 to 2^20; the embedding's rows and the head's outputs.
    pub vocab: i64,
    /// Dropout between layers and before the head, used only while training.
    pub dropout: f64,
}

impl ModelSpec {
    /// Every tensor of the model with its shape, in the order PyTorch's `state_dict` lists them for
    /// `Embedding -> LSTM/GRU/RNN -> Linear` modules named `embed`, `rnn` and `head`.
    pub fn tensor_shapes(&self) -> Vec<(String, Vec<i64>)> {
        let g = self.cell.gates() * self.hidden;
        let mut out = vec![("embed.weight".to_string(), vec![self.vocab, self.embed])];
        for l in 0..self.layers {
            let input = if l == 0 { self.embed } else { self.hidden };
            out.push((format!("rnn.weight_ih_l{l}"), vec![g, input]));
            out.push((format!("rnn.weight_hh_l{l}"), vec![g, self.hidden]));
            out.push((format!("rnn.bias_ih_l{l}"), vec![g]));
            out.push((format!("rnn.bias_hh_l{l}"), vec![g]));
        }
        out.push(("head.weight".to_string(), vec![self.vocab, self.hidden]));
        out.push(("head.bias".to_string(), vec![self.vocab]));
        out
    }

    /// Weights and biases in all tensors together.
    pub fn parameter_count(&self) -> i64 {
        self.tensor_shapes().iter().map(|(_, s)| s.iter().product::<i64>()).sum()
    }

    /// Checks every size against its range and the total against [`MAX_PARAMETERS`], so a hostile or
    /// damaged file is refused before anything is allocated for it.
    pub fn validate(&self) -> Result<(), String> {
        let check = |name: &str, v: i64, lo: i64, hi: i64| {
            if v < lo || v > hi {
                Err(format!("{name} must be in [{lo}, {hi}], got {v}"))
            } else {
                Ok(())
            }
        };
        check("layers", self.layers, 1, 16)?;
        check("hidden", self.hidden, 1, 16384)?;
        check("embed", self.embed, 1, 16384)?;
        check("vocabulary size", self.vocab, 1, 1 << 20)?;
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(format!("dropout must be in [0, 1), got {}", self.dropout));
        }
        let params = self.parameter_count();
        if params > MAX_PARAMETERS {
            return Err(format!(
                "{} layers of hidden size {} make {params} parameters; at most {MAX_PARAMETERS} (2 GiB of float32 weights) are allowed",
                self.layers, self.hidden
            ));
        }
        Ok(())
    }
}
