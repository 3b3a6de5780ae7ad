//! The x86-64 kernels: register-blocked matrix-vector products for AVX-512 and for AVX2+FMA. The
//! per-part work compiled for each feature level is in `dispatch.rs`.

use std::arch::x86_64::*;

/// Rows `0..R` × streams `0..NB` with AVX-512: per 16 columns, R weight loads feed R·NB fused
/// multiply-adds. Adds each dot product into `out[b * os + r]`.
///
/// # Safety
/// The CPU has AVX-512F; `w` holds `R` rows of `k` floats (`k` a multiple of 16), `x` `NB` rows of
/// `k` floats `xs` apart, and `out` `NB` rows of `R` floats `os` apart that no one else touches.
#[cfg(tempest_avx512)]
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn block512<const R: usize, const NB: usize>(
    w: *const f32,
    k: usize,
    x: *const f32,
    xs: usize,
    out: *mut f32,
    os: usize,
) {
    let mut acc = [[_mm512_setzero_ps(); NB]; R];
    let mut j = 0;
    while j < k {
        let mut xv = [_mm512_setzero_ps(); NB];
        for (b, v) in xv.iter_mut().enumerate() {
            // SAFETY: column `j..j + 16` of input row `b` is inside `x` (the caller's contract).
            *v = unsafe { _mm512_loadu_ps(x.add(b * xs + j)) };
        }
        for (r, a) in acc.iter_mut().enumerate() {
            // SAFETY: column `j..j + 16` of weight row `r` is inside `w`.
            let wv = unsafe { _mm512_loadu_ps(w.add(r * k + j)) };
            for b in 0..NB {
                a[b] = _mm512_fmadd_ps(wv, xv[b], a[b]);
            }
        }
        j += 16;
    }
    for (r, a) in acc.iter().enumerate() {
        for (b, v) in a.iter().enumerate() {
            // SAFETY: output `r` of stream `b` is the caller's to write.
            unsafe { *out.add(b * os + r) += _mm512_reduce_add_ps(*v) };
        }
    }
}

/// The sum of the eight lanes.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn hsum256(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// As `block512`, with 8-wide AVX2 registers (16 of them: R·NB accumulators + NB inputs + 1).
///
/// # Safety
/// The CPU has AVX2 and FMA; otherwise as `block512` (`k` a multiple of 8).
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn block256<const R: usize, const NB: usize>(
    w: *const f32,
    k: usize,
    x: *const f32,
    xs: usize,
    out: *mut f32,
    os: usize,
) {
    let mut acc = [[_mm256_setzero_ps(); NB]; R];
    let mut j = 0;
    while j < k {
        let mut xv = [_mm256_setzero_ps(); NB];
        for (b, v) in xv.iter_mut().enumerate() {
            // SAFETY: column `j..j + 8` of input row `b` is inside `x` (the caller's contract).
            *v = unsafe { _mm256_loadu_ps(x.add(b * xs + j)) };
        }
        for (r, a) in acc.iter_mut().enumerate() {
            // SAFETY: column `j..j + 8` of weight row `r` is inside `w`.
            let wv = unsafe { _mm256_loadu_ps(w.add(r * k + j)) };
            for b in 0..NB {
                a[b] = _mm256_fmadd_ps(wv, xv[b], a[b]);
            }
        }
        j += 8;
    }
    for (r, a) in acc.iter().enumerate() {
        for (b, v) in a.iter().enumerate() {
            // SAFETY: output `r` of stream `b` is the caller's to write; the CPU has AVX2.
            unsafe { *out.add(b * os + r) += hsum256(*v) };
        }
    }
}

/// All `rows` in blocks of `$r` (then one at a time), for `$nb` (1 to 4) streams.
macro_rules! rows {
    ($block:ident, $r:literal, $w:expr, $rows:expr, $k:expr, $x:expr, $xs:expr, $nb:expr, $out:expr, $os:expr) => {{
        let (w, rows, k, x, xs, out, os) = ($w, $rows, $k, $x, $xs, $out, $os);
        let mut r = 0;
        // SAFETY (every call below): rows `r..r + $r` (or `r`) are inside `w` and `out`, and the
        // enclosing function's caller guarantees the CPU features and the extents.
        while r + $r <= rows {
            unsafe {
                match $nb {
                    1 => $block::<$r, 1>(w.add(r * k), k, x, xs, out.add(r), os),
                    2 => $block::<$r, 2>(w.add(r * k), k, x, xs, out.add(r), os),
                    3 => $block::<$r, 3>(w.add(r * k), k, x, xs, out.add(r), os),
                    _ => $block::<$r, 4>(w.add(r * k), k, x, xs, out.add(r), os),
                }
            }
            r += $r;
        }
        while r < rows {
            unsafe {
                match $nb {
                    1 => $block::<1, 1>(w.add(r * k), k, x, xs, out.add(r), os),
                    2 => $block::<1, 2>(w.add(r * k), k, x, xs, out.add(r), os),
                    3 => $block::<1, 3>(w.add(r * k), k, x, xs, out.add(r), os),
                    _ => $block::<1, 4>(w.add(r * k), k, x, xs, out.add(r), os),
                }
            }
            r += 1;
        }
    }};
}

/// `out[b * os + r] += w[r] · x[b]` for every row `r < rows` and stream `b < nb`, with AVX-512.
///
/// # Safety
/// The CPU has AVX-512F; `w` holds `rows × k` floats, `x` holds `nb` rows of `k` floats `xs`
/// apart and `out` `nb` rows of `rows` floats `os` apart that no one else touches; `nb <= 4`.
#[cfg(tempest_avx512)]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matvec_avx512(
    w: &[f32],
    rows: usize,
    k: usize,
    x: &[f32],
    xs: usize,
    nb: usize,
    out: *mut f32,
    os: usize,
) {
    rows!(block512, 4, w.as_ptr(), rows, k, x.as_ptr(), xs, nb, out, os)
}

/// As [`matvec_avx512`], with AVX2 and FMA.
///
/// # Safety
/// As [`matvec_avx512`], with AVX2 and FMA in place of AVX-512F.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matvec_avx2(
    w: &[f32],
    rows: usize,
    k: usize,
    x: &[f32],
    xs: usize,
    nb: usize,
    out: *mut f32,
    os: usize,
) {
    rows!(block256, 2, w.as_ptr(), rows, k, x.as_ptr(), xs, nb, out, os)
}
