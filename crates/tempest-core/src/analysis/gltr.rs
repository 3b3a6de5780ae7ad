//! GLTR-style rank buckets: how expected each character was, by its rank under the model. The
//! explorer's rank colouring and `tempest score --color` share them.

/// Upper ranks of the first three buckets. GLTR's top-1 / 10 / 100 suit word vocabularies; for a
/// character model of a hundred-odd characters "top 100" is nearly everything, so small
/// vocabularies use top-1 / 3 / 10.
pub fn rank_bounds(vocab: usize) -> [usize; 3] {
    if vocab <= 256 {
        [1, 3, 10]
    } else {
        [1, 10, 100]
    }
}

/// The bucket (0 to 3) of a character of `rank` (1 = most likely): the most likely, within the
/// second bound, within the third, or below.
pub fn rank_bucket(rank: u32, vocab: usize) -> usize {
    let b = rank_bounds(vocab);
    b.iter().position(|&top| rank as usize <= top).unwrap_or(3)
}

/// The buckets' names for a legend: `top-1`, `top-3`, `top-10`, `rest` (for a small vocabulary).
pub fn bucket_labels(vocab: usize) -> [String; 4] {
    let b = rank_bounds(vocab);
    [format!("top-{}", b[0]), format!("top-{}", b[1]), format!("top-{}", b[2]), "rest".into()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_vocabulary_size() {
        let small: Vec<usize> = [1, 2, 3, 4, 10, 11, 84].iter().map(|&r| rank_bucket(r, 84)).collect();
        assert_eq!(small, [0, 1, 1, 2, 2, 3, 3]);
        let large: Vec<usize> = [1, 3, 10, 11, 100, 101].iter().map(|&r| rank_bucket(r, 5000)).collect();
        assert_eq!(large, [0, 1, 1, 2, 2, 3]);
        assert_eq!(bucket_labels(84), ["top-1", "top-3", "top-10", "rest"]);
    }
}
