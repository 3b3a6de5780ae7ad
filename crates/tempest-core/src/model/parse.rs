//! Reading a model out of safetensors bytes and checking every part of it, without libtorch.
//!
//! This is the whole of the checkpoint's trust boundary: the header (with duplicate keys refused,
//! which the `safetensors` crate would silently resolve to the last one), the metadata, and each
//! tensor's name, dtype, shape and values. Building the libtorch model from the result cannot fail
//! on the file's account. Being free of libtorch, it is what the fuzz targets exercise.

use std::collections::{HashMap, HashSet};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use super::metadata::{Metadata, METADATA_KEY};
use super::{ModelSpec, Vocab};

/// Why bytes were refused as a model.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not a readable safetensors file at all (truncated, not one, broken header).
    NotSafetensors(String),
    /// A safetensors file whose content is not a valid tempest model.
    Bad(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotSafetensors(s) | Refusal::Bad(s) => f.write_str(s),
        }
    }
}

/// A model's parts, checked: the metadata, what it implies, and every weight as float32 values in
/// the order of [`ModelSpec::tensor_shapes`].
#[derive(Debug, Clone)]
pub struct ParsedModel {
    /// The metadata block as read.
    pub metadata: Metadata,
    /// The shape the metadata describes, validated.
    pub spec: ModelSpec,
    /// The vocabulary the metadata lists, checked for duplicates.
    pub vocab: Vocab,
    /// Every tensor, in [`ModelSpec::tensor_shapes`] order.
    pub weights: Vec<Weight>,
}

/// One checked tensor: its name, shape and values.
#[derive(Debug, Clone)]
pub struct Weight {
    /// The PyTorch `state_dict` name, such as `rnn.weight_hh_l0`.
    pub name: String,
    /// Dimensions, outermost first, as [`ModelSpec::tensor_shapes`] gives them.
    pub shape: Vec<i64>,
    /// The elements in row-major order; their count is the product of `shape`.
    pub values: Vec<f32>,
}

/// Parses the safetensors container: header bounds and layout (by the `safetensors` crate) and
/// unique keys (here). The metadata map is returned beside the tensors.
pub fn open(bytes: &[u8]) -> Result<(SafeTensors<'_>, HashMap<String, String>), Refusal> {
    let not = |e: String| Refusal::NotSafetensors(e);
    // Keys are checked first: the `safetensors` crate's own checks would see only the last of
    // two entries with one name.
    let header_len = bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    let json = header_len.and_then(|n| bytes.get(8..8usize.checked_add(usize::try_from(n).ok()?)?));
    if let Some(json) = json {
        let mut de = serde_json::Deserializer::from_slice(json);
        if let Err(e) = de.deserialize_map(UniqueKeys) {
            if e.to_string().contains("appears twice") {
                return Err(not(format!("header: {e}")));
            }
        }
    }
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| not(e.to_string()))?;
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| not(e.to_string()))?;
    Ok((tensors, header.metadata().clone().unwrap_or_default()))
}

/// Parses and checks a model file's bytes.
pub fn parse(bytes: &[u8]) -> Result<ParsedModel, Refusal> {
    let (tensors, metadata) = open(bytes)?;
    parse_parts(&tensors, &metadata, &|_| false)
}

/// Checks the model inside an opened file. Tensors for which `also_allowed` is true belong to
/// something else in the same file (a resume checkpoint's optimiser moments) and are left alone;
/// any other tensor the metadata does not imply is refused.
pub fn parse_parts(
    tensors: &SafeTensors<'_>,
    metadata: &HashMap<String, String>,
    also_allowed: &dyn Fn(&str) -> bool,
) -> Result<ParsedModel, Refusal> {
    let bad = Refusal::Bad;
    let json = metadata.get(METADATA_KEY).ok_or_else(|| {
        bad(format!(
            "no {METADATA_KEY:?} entry in the safetensors metadata; is this a tempest model? (see README: exporting from PyTorch)"
        ))
    })?;
    let metadata: Metadata = serde_json::from_str(json)
        .map_err(|e| bad(format!("metadata is not valid: {}", crate::display::excerpt(&e.to_string(), 200))))?;
    let (spec, vocab) = metadata.spec_and_vocab().map_err(bad)?;

    let expected = spec.tensor_shapes();
    let present: HashMap<String, TensorView<'_>> = tensors.tensors().into_iter().collect();
    let mut weights = Vec::with_capacity(expected.len());
    for (name, shape) in &expected {
        let view = present.get(name).ok_or_else(|| bad(format!("tensor {name:?} is missing")))?;
        let got: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
        if view.dtype() == Dtype::F32 && &got != shape {
            return Err(bad(mismatch(name, shape, &got, &spec)));
        }
        let values = f32_values(name, view).map_err(bad)?;
        if &got != shape {
            return Err(bad(mismatch(name, shape, &got, &spec)));
        }
        weights.push(Weight { name: name.clone(), shape: shape.clone(), values });
    }
    let known: HashSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    let mut extra: Vec<&String> = present.keys().filter(|k| !known.contains(k.as_str()) && !also_allowed(k)).collect();
    extra.sort();
    if let Some(name) = extra.first() {
        return Err(bad(format!(
            "unexpected tensor {:?} for a {}-layer {} model ({} unexpected in all)",
            crate::display::excerpt(name, 80),
            spec.layers,
            spec.cell,
            extra.len()
        )));
    }
    Ok(ParsedModel { metadata, spec, vocab, weights })
}

/// A tensor's values, checked: float32, and every value finite. The one place tensor bytes
/// become numbers, for models and resume checkpoints alike.
pub fn f32_values(name: &str, view: &TensorView<'_>) -> Result<Vec<f32>, String> {
    if view.dtype() != Dtype::F32 {
        return Err(format!(
            "tensor {name:?} has dtype {:?}; tempest reads float32 (in PyTorch: model.float())",
            view.dtype()
        ));
    }
    let values: Vec<f32> = view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!("tensor {name:?} holds a non-finite value at flat index {i}"));
    }
    Ok(values)
}

fn mismatch(name: &str, want: &[i64], got: &[i64], spec: &ModelSpec) -> String {
    let mut msg = format!("tensor {name:?} has shape {got:?}, but the metadata implies {want:?}");
    if (name == "embed.weight" || name == "head.weight" || name == "head.bias") && got.first() != want.first() {
        msg.push_str(&format!(" (the vocabulary has {} characters)", spec.vocab));
    }
    if name.starts_with("rnn.") && got.first() != want.first() {
        msg.push_str(&format!(
            " ({} gates x hidden {}: is the cell kind or hidden size right?)",
            spec.cell.gates(),
            spec.hidden
        ));
    }
    msg
}

/// Walks the header's top-level map and its `__metadata__` map, failing on a key seen twice.
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(UniqueKeys)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "__metadata__" {
                map.next_value::<UniqueKeys>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key {:?} appears twice",
                    crate::display::excerpt(&key, 80)
                )));
            }
        }
        Ok(UniqueKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_file(header: &str) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0u8; 8]);
        bytes
    }

    #[test]
    fn duplicate_tensor_keys_are_refused() {
        let t = r#"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#;
        let u = r#"{"dtype":"F32","shape":[1],"data_offsets":[4,8]}"#;
        let bytes = header_file(&format!(r#"{{"a":{t},"a":{u}}}"#));
        let err = open(&bytes).unwrap_err().to_string();
        assert!(err.contains("the key \"a\" appears twice"), "{err}");
        let bytes = header_file(&format!(r#"{{"a":{t},"b":{u}}}"#));
        assert!(open(&bytes).is_ok());
    }

    #[test]
    fn duplicate_metadata_keys_are_refused() {
        let bytes = header_file(r#"{"__metadata__":{"tempest":"{}","tempest":"{}"}}"#);
        let err = open(&bytes).unwrap_err().to_string();
        assert!(err.contains("appears twice"), "{err}");
    }

    #[test]
    fn every_dtype_but_f32_is_refused() {
        for (dtype, size) in [(Dtype::F16, 2), (Dtype::F64, 8), (Dtype::U8, 1), (Dtype::I64, 8)] {
            let data = vec![0u8; 4 * size];
            let view = TensorView::new(dtype, vec![4], &data).unwrap();
            let err = f32_values("optim.m.x", &view).unwrap_err();
            assert!(err.contains("has dtype"), "{err}");
        }
    }
}
