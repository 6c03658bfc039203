import numpy as np

from mritool.volumes.volume import copied_sequences


def _slice(seed):
    return np.random.default_rng(seed).integers(1, 255, (8, 8, 3)).astype(np.uint8)


def test_a_channel_is_missing_only_where_it_copies_the_flair_on_every_slice():
    slices = [_slice(k) for k in range(3)]
    assert copied_sequences(slices) == []
    for image in slices:
        image[..., 2] = image[..., 1]
    assert copied_sequences(slices + [None]) == ["t1ce"]  # unreadable slices do not count
    slices[0][..., 0] = slices[0][..., 1]
    assert copied_sequences(slices) == ["t1ce"]  # one slice alike is chance, not a missing sequence
    for image in slices:
        image[..., 0] = image[..., 1]
    assert copied_sequences(slices) == ["t1", "t1ce"]


def test_empty_or_single_channel_stacks_name_no_missing_sequence():
    assert copied_sequences([np.zeros((8, 8, 3), np.uint8)] * 2) == []
    assert copied_sequences([np.ones((8, 8), np.uint8)]) == []
    assert copied_sequences([]) == []
