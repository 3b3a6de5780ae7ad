//! The ids the repetition penalty reads for one stream. Built in one place, so a stream sees the
//! same window whether it was primed, stepped, added or branched.

/// The last `window` ids of the stream's text `prime ++ text` (the prime counts as text: the
/// penalty sees it while the stream is young). Pass an empty `prime` once the text is longer than
/// any window.
pub fn penalty_window(prime: &[u32], text: &[u32], window: usize) -> Vec<u32> {
    let own = text.len().min(window);
    let from_prime = (window - own).min(prime.len());
    let mut out = Vec::with_capacity(from_prime + own);
    out.extend_from_slice(&prime[prime.len() - from_prime..]);
    out.extend_from_slice(&text[text.len() - own..]);
    out
}

/// Appends `id` to a window built by [`penalty_window`], dropping old ids now and then (not at
/// every character, which would shift the whole window each time) so it never holds more than a
/// few times `window` ids, nor fewer than `window`.
pub fn push_to_window(recent: &mut Vec<u32>, id: u32, window: usize) {
    recent.push(id);
    let keep = window.max(1);
    if recent.len() > 4 * keep.max(256) {
        recent.drain(..recent.len() - keep);
    }
}
