//! Branch-free `exp` and `log2` for f32, so loops over them vectorise (libm's are scalar calls).
//! Both are Cephes' polynomials: relative error ~2e-7, i.e. within a couple of f32 ulps, which is
//! far below what the model's logits carry.

// The coefficients are written as Cephes publishes them.
#![allow(clippy::excessive_precision)]

/// `e^x`. Below -87.3 (where f32 would go subnormal) it returns 0; above 88.7 it saturates at
/// about 1.7e38 instead of overflowing.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let c = x.clamp(-87.0, 88.0);
    // x = n ln2 + r, |r| <= ln2 / 2, with ln2 split in two for an exact product.
    // Round to nearest by adding and removing 1.5 * 2^23 (no `floor`, which is a libm call
    // without SSE4.1 and stops the loop vectorising).
    const MAGIC: f32 = 12_582_912.0;
    let n = (c * std::f32::consts::LOG2_E + MAGIC) - MAGIC;
    let r = c - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5e-1;
    let y = p * r * r + r + 1.0;
    // Scale by 2^n through the exponent bits (n ∈ [-126, 127] after the clamp).
    let e = y * f32::from_bits(((n as i32 + 127) as u32) << 23);
    if x < -87.0 {
        0.0
    } else {
        e
    }
}

/// `log2 x` for positive normal `x` (zero, negative and subnormal inputs give meaningless but
/// finite values: callers skip them).
#[inline(always)]
pub fn log2(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    // Mantissa in [1, 2), then folded into [sqrt(1/2), sqrt(2)) so the series converges fast.
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    m = if big { m * 0.5 } else { m };
    e += big as i32;
    let f = m - 1.0;
    let z = f * f;
    let mut p = 7.037_683_6e-2f32;
    p = p * f - 1.151_461e-1;
    p = p * f + 1.167_699_9e-1;
    p = p * f - 1.242_014_1e-1;
    p = p * f + 1.424_932_3e-1;
    p = p * f - 1.666_805_8e-1;
    p = p * f + 2.000_071_4e-1;
    p = p * f - 2.499_999_4e-1;
    p = p * f + 3.333_333e-1;
    let ln = f + (f * z * p - 0.5 * z);
    e as f32 + ln * std::f32::consts::LOG2_E
}

#[inline(always)]
/// `1 / (1 + e^-x)`, through [`exp`].
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh x = sign(x) (1 - e) / (1 + e)` with `e = e^{-2|x|} ∈ (0, 1]`: no overflow, absolute error
/// ~1e-7.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let e = exp(-2.0 * x.abs());
    ((1.0 - e) / (1.0 + e)).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(
        miri,
        ignore = "checks float accuracy against std, whose results Miri perturbs on purpose; no unsafe code"
    )]
    fn exp_matches_std_to_a_few_ulps() {
        let mut x = -90.0f32;
        while x < 89.0 {
            let (got, want) = (exp(x) as f64, (x as f64).exp());
            if x < -87.0 {
                assert_eq!(got, 0.0, "x {x}");
            } else if x <= 88.0 {
                assert!(((got - want) / want).abs() < 5e-7, "x {x}: {got} vs {want}");
            } else {
                assert!(got.is_finite() && got > 1e38, "x {x}: {got}");
            }
            x += 0.0137;
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "checks float accuracy against std, whose results Miri perturbs on purpose; no unsafe code"
    )]
    fn log2_matches_std() {
        let mut x = 1e-37f32;
        while x < 1e30 {
            let (got, want) = (log2(x) as f64, (x as f64).log2());
            assert!((got - want).abs() < 4e-7 * want.abs().max(1.0), "x {x}: {got} vs {want}");
            x *= 1.0173;
        }
        for k in -30..30 {
            assert_eq!(log2(2f32.powi(k)), k as f32);
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "checks float accuracy against std, whose results Miri perturbs on purpose; no unsafe code"
    )]
    fn sigmoid_and_tanh_match_std() {
        let mut x = -40.0f32;
        while x < 40.0 {
            assert!((tanh(x) as f64 - (x as f64).tanh()).abs() < 2e-7, "tanh {x}");
            let s = 1.0 / (1.0 + (-(x as f64)).exp());
            assert!((sigmoid(x) as f64 - s).abs() < 2e-7, "sigmoid {x}");
            x += 0.0071;
        }
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(1e30), 1.0);
        assert_eq!(tanh(-1e30), -1.0);
    }
}
