//! What a sweep covers: temperatures, samplers, seeds and length, and how they are written down
//! (`0:2:0.1`, `top-p=0.9`), shared by `tempest sweep` and the explorer's sweep screen.

use serde::{Deserialize, Serialize};

use crate::analysis::{LoopSettings, NearLoopSettings};
use crate::limits::TEMPERATURE;
use crate::sampling::SamplerSettings;

/// Most temperatures one sweep may hold.
pub const MAX_TEMPERATURES: usize = 1000;

/// A sampler a sweep runs at every temperature: its name as given (`top-p=0.9`) and the settings
/// it stands for (the temperature is filled in per stream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplerSpec {
    /// The sampler as written (`plain`, `top-k=40,top-p=0.95`): its label in tables and plots.
    pub name: String,
    /// The sampler chain it stands for, at temperature 1 until a stream fills in its own.
    pub settings: SamplerSettings,
}

impl SamplerSpec {
    /// Parses `plain`, or one or more of `top-k=K`, `top-p=P`, `min-p=P`, `rep=R` (repetition
    /// penalty) joined with `,`: e.g. `top-k=40,top-p=0.95`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let name = text.trim();
        let mut s = SamplerSettings::default();
        if name != "plain" {
            if name.is_empty() {
                return Err("empty sampler: use plain, top-k=K, top-p=P, min-p=P or rep=R".into());
            }
            for part in name.split(',') {
                let (key, value) = part
                    .split_once('=')
                    .ok_or_else(|| format!("sampler {part:?} needs a value, e.g. top-p=0.9 (or use plain for none)"))?;
                let num = |v: &str| -> Result<f64, String> {
                    v.trim().parse::<f64>().map_err(|_| format!("sampler {part:?}: {v:?} is not a number"))
                };
                match key.trim() {
                    "top-k" | "top_k" => {
                        s.top_k =
                            value.trim().parse().map_err(|_| format!("sampler {part:?}: top-k takes a whole number"))?
                    }
                    "top-p" | "top_p" => s.top_p = num(value)? as f32,
                    "min-p" | "min_p" => s.min_p = num(value)? as f32,
                    "rep" | "repeat-penalty" => s.repeat_penalty = num(value)? as f32,
                    other => {
                        return Err(format!("unknown sampler setting {other:?}: use top-k, top-p, min-p or rep"));
                    }
                }
            }
        }
        s.validate().map_err(|e| format!("sampler {name:?}: {e}"))?;
        Ok(SamplerSpec { name: name.to_string(), settings: s })
    }
}

/// Parses temperatures: `START:STOP:STEP` (both ends included, e.g. `0:2:0.1` is 21 values) or a
/// comma-separated list (`0.2,0.5,1`). Values are rounded to 6 decimals, so `0.1 * 3` is `0.3`.
pub fn parse_temperatures(text: &str) -> Result<Vec<f32>, String> {
    let text = text.trim();
    let num = |v: &str| -> Result<f64, String> {
        v.trim().parse::<f64>().map_err(|_| format!("temperatures {text:?}: {v:?} is not a number"))
    };
    let values: Vec<f64> = if text.contains(':') {
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() != 3 {
            return Err(format!("temperatures {text:?}: write START:STOP:STEP, e.g. 0:2:0.1"));
        }
        let (a, b, step) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
        if step.is_nan() || step <= 0.0 || !step.is_finite() {
            return Err(format!("temperatures {text:?}: the step must be above 0"));
        }
        if b < a {
            return Err(format!("temperatures {text:?}: STOP is below START"));
        }
        let n = ((b - a) / step + 1e-9).floor() as usize + 1;
        if n > MAX_TEMPERATURES {
            return Err(format!("temperatures {text:?}: {n} values; at most {MAX_TEMPERATURES}"));
        }
        (0..n).map(|i| a + i as f64 * step).collect()
    } else {
        text.split(',').map(num).collect::<Result<_, _>>()?
    };
    if values.is_empty() || values.len() > MAX_TEMPERATURES {
        return Err(format!("temperatures {text:?}: give between 1 and {MAX_TEMPERATURES} values"));
    }
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        let v = (v * 1e6).round() / 1e6;
        if !TEMPERATURE.contains(v as f32) {
            return Err(format!("temperature {v} is outside {TEMPERATURE}"));
        }
        out.push(v as f32);
    }
    Ok(out)
}

/// Everything that decides a sweep's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// Temperatures, each in 0 to 100, at most [`MAX_TEMPERATURES`], in the order rows are reported.
    pub temperatures: Vec<f32>,
    /// Samplers run at every temperature.
    pub samplers: Vec<SamplerSpec>,
    /// Streams per (temperature, sampler), each with its own random sequence.
    pub seeds: usize,
    /// Characters generated per stream.
    pub length: usize,
    /// The text every stream starts from, as the model's ids.
    pub prime: Vec<u32>,
    /// Seed of every stream's random numbers: the same spec and seed give the same sweep.
    pub seed: u64,
    /// What counts as an exact loop in the figures.
    pub loops: LoopSettings,
    /// What counts as a near-loop in the figures.
    pub near_loops: NearLoopSettings,
}

impl SweepSpec {
    /// The default grid: 21 temperatures from 0 to 2, plain / top-p 0.9 / min-p 0.1, 4 seeds,
    /// 1,000 characters.
    pub fn default_with_prime(prime: Vec<u32>) -> Self {
        SweepSpec {
            temperatures: parse_temperatures("0:2:0.1").expect("a valid range"),
            samplers: ["plain", "top-p=0.9", "min-p=0.1"]
                .iter()
                .map(|s| SamplerSpec::parse(s).expect("a valid sampler"))
                .collect(),
            seeds: 4,
            length: 1000,
            prime,
            seed: 0,
            loops: LoopSettings::default(),
            near_loops: NearLoopSettings::default(),
        }
    }

    /// Streams in the batch.
    pub fn streams(&self) -> usize {
        self.temperatures.len() * self.samplers.len() * self.seeds
    }

    /// Checks the grid: at least one temperature and sampler, 1 to 1,000 seeds, 10 to 1,000,000
    /// characters, a non-empty prime and at most 100,000 streams in all.
    pub fn validate(&self) -> Result<(), String> {
        if self.temperatures.is_empty() {
            return Err("a sweep needs at least one temperature".into());
        }
        if self.samplers.is_empty() {
            return Err("a sweep needs at least one sampler".into());
        }
        if !(1..=1000).contains(&self.seeds) {
            return Err(format!("seeds must be in [1, 1000], got {}", self.seeds));
        }
        if !(10..=1_000_000).contains(&self.length) {
            return Err(format!("length must be in [10, 1000000] characters, got {}", self.length));
        }
        if self.prime.is_empty() {
            return Err("the prime text is empty: give at least one character".into());
        }
        if self.streams() > 100_000 {
            return Err(format!("{} streams is too many for one sweep (at most 100000)", self.streams()));
        }
        self.loops.validate()
    }

    /// The settings of stream `i`: temperatures outermost, then samplers, then seeds.
    pub fn stream_settings(&self, i: usize) -> (usize, usize, usize, SamplerSettings) {
        let k = i % self.seeds;
        let s = (i / self.seeds) % self.samplers.len();
        let t = i / (self.seeds * self.samplers.len());
        let mut settings = self.samplers[s].settings;
        settings.temperature = self.temperatures[t];
        (t, s, k, settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_both_ends_without_drift() {
        let t = parse_temperatures("0:2:0.1").unwrap();
        assert_eq!(t.len(), 21);
        assert_eq!(t[3], 0.3);
        assert_eq!(t[20], 2.0);
        assert_eq!(parse_temperatures("0.2, 1,1.5").unwrap(), [0.2, 1.0, 1.5]);
        assert_eq!(parse_temperatures("1:1:0.5").unwrap(), [1.0]);
    }

    #[test]
    fn bad_ranges_are_refused_with_a_reason() {
        for (text, says) in [
            ("0:2", "START:STOP:STEP"),
            ("0:2:0", "step"),
            ("2:0:0.1", "below START"),
            ("0:200:1", "outside"),
            ("a,b", "not a number"),
            ("0:1000:0.0001", "at most"),
        ] {
            let e = parse_temperatures(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn samplers_parse_and_validate() {
        assert_eq!(SamplerSpec::parse("plain").unwrap().settings, SamplerSettings::default());
        let s = SamplerSpec::parse("top-k=40,top-p=0.95").unwrap().settings;
        assert_eq!((s.top_k, s.top_p), (40, 0.95));
        assert_eq!(SamplerSpec::parse("min-p=0.1").unwrap().settings.min_p, 0.1);
        assert!(SamplerSpec::parse("top-p=1.5").unwrap_err().contains("top_p"));
        assert!(SamplerSpec::parse("nucleus=0.9").unwrap_err().contains("unknown sampler setting"));
        assert!(SamplerSpec::parse("top-p").unwrap_err().contains("needs a value"));
    }

    #[test]
    fn streams_are_laid_out_temperature_sampler_seed() {
        let mut spec = SweepSpec::default_with_prime(vec![0]);
        spec.temperatures = vec![0.5, 1.0];
        spec.seeds = 3;
        assert_eq!(spec.streams(), 2 * 3 * 3);
        let (t, s, k, st) = spec.stream_settings(3 * 3 + 2 * 3 + 1);
        assert_eq!((t, s, k), (1, 2, 1));
        assert_eq!((st.temperature, st.min_p), (1.0, 0.1));
    }
}
