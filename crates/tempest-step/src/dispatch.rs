//! Which kernel does a part of a step. The per-part work (`kernels.rs`) is generic over the
//! kernel; for x86 it is compiled once more per feature level here, so that the gate
//! nonlinearities and copies are vectorised for that level too, not only the matrix products.

use crate::kernels::{head_part, layer_part, Bufs, Kernel};
use crate::layout::StepWeights;

/// Layer `l` for units `u0..u1` with `kernel`; returns the kernel that ran.
///
/// # Safety
/// As [`layer_part`], and `kernel` is available (see [`Kernel::is_available`]).
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn dispatch_layer(
    kernel: Kernel,
    w: &StepWeights,
    l: usize,
    batch: usize,
    ids: &[u32],
    b: &Bufs,
    u0: usize,
    u1: usize,
) -> Kernel {
    match kernel {
        #[cfg(all(target_arch = "x86_64", tempest_avx512))]
        // SAFETY: the CPU has AVX-512F (the caller checked), and the caller upholds the rest.
        Kernel::Avx512 => unsafe { x86_parts::layer_avx512(w, l, batch, ids, b, u0, u1) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX2 and FMA (the caller checked), and the caller upholds the rest.
        Kernel::Avx2 => unsafe { x86_parts::layer_avx2(w, l, batch, ids, b, u0, u1) },
        // SAFETY: the caller upholds `layer_part`'s contract.
        _ => unsafe { layer_part(Kernel::Portable, w, l, batch, ids, b, u0, u1) },
    }
}

/// Logit rows `r0..r1` with `kernel`; returns the kernel that ran.
///
/// # Safety
/// As [`head_part`], and `kernel` is available.
pub(crate) unsafe fn dispatch_head(
    kernel: Kernel,
    w: &StepWeights,
    batch: usize,
    b: &Bufs,
    r0: usize,
    r1: usize,
) -> Kernel {
    match kernel {
        #[cfg(all(target_arch = "x86_64", tempest_avx512))]
        // SAFETY: as in `dispatch_layer`.
        Kernel::Avx512 => unsafe { x86_parts::head_avx512(w, batch, b, r0, r1) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `dispatch_layer`.
        Kernel::Avx2 => unsafe { x86_parts::head_avx2(w, batch, b, r0, r1) },
        // SAFETY: the caller upholds `head_part`'s contract.
        _ => unsafe { head_part(Kernel::Portable, w, batch, b, r0, r1) },
    }
}

/// [`layer_part`] and [`head_part`] compiled for each x86 feature level.
#[cfg(target_arch = "x86_64")]
mod x86_parts {
    use super::{head_part, layer_part, Bufs, Kernel, StepWeights};

    /// [`layer_part`] compiled for AVX-512.
    ///
    /// # Safety
    /// The CPU has AVX-512F, AVX-512VL, AVX2 and FMA; otherwise as [`layer_part`].
    #[cfg(tempest_avx512)]
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn layer_avx512(
        w: &StepWeights,
        l: usize,
        batch: usize,
        ids: &[u32],
        b: &Bufs,
        u0: usize,
        u1: usize,
    ) -> Kernel {
        // SAFETY: the caller upholds `layer_part`'s contract and has checked the CPU.
        unsafe { layer_part(Kernel::Avx512, w, l, batch, ids, b, u0, u1) }
    }

    /// [`layer_part`] compiled for AVX2 and FMA.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA; otherwise as [`layer_part`].
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn layer_avx2(
        w: &StepWeights,
        l: usize,
        batch: usize,
        ids: &[u32],
        b: &Bufs,
        u0: usize,
        u1: usize,
    ) -> Kernel {
        // SAFETY: the caller upholds `layer_part`'s contract and has checked the CPU.
        unsafe { layer_part(Kernel::Avx2, w, l, batch, ids, b, u0, u1) }
    }

    /// [`head_part`] compiled for AVX-512.
    ///
    /// # Safety
    /// As [`layer_avx512`], for [`head_part`].
    #[cfg(tempest_avx512)]
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    pub(crate) unsafe fn head_avx512(w: &StepWeights, batch: usize, b: &Bufs, r0: usize, r1: usize) -> Kernel {
        // SAFETY: the caller upholds `head_part`'s contract and has checked the CPU.
        unsafe { head_part(Kernel::Avx512, w, batch, b, r0, r1) }
    }

    /// [`head_part`] compiled for AVX2 and FMA.
    ///
    /// # Safety
    /// As [`layer_avx2`], for [`head_part`].
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn head_avx2(w: &StepWeights, batch: usize, b: &Bufs, r0: usize, r1: usize) -> Kernel {
        // SAFETY: the caller upholds `head_part`'s contract and has checked the CPU.
        unsafe { head_part(Kernel::Avx2, w, batch, b, r0, r1) }
    }
}
