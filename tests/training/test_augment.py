import numpy as np
import tensorflow as tf

from mritool.training.augment import AugmentConfig, augment_image, augment_pair, drop_sequences, random_affine, warp_pair


def _square_pair():
    mask = np.zeros((48, 48, 1), np.float32)
    mask[8:20, 10:30] = 1
    image = np.repeat(mask * 100.0, 3, axis=2)  # the image is bright exactly where the mask is
    return tf.constant(image), tf.constant(mask)


def test_image_and_mask_move_together_and_the_mask_stays_binary():
    tf.random.set_seed(0)
    image, mask = _square_pair()
    moved = 0
    for _ in range(10):
        warped_image, warped_mask = augment_pair(image, mask, AugmentConfig(rotation_deg=30, zoom=0.2, shift=0.1, intensity=0.0))
        warped_image, warped_mask = warped_image.numpy(), warped_mask.numpy()[..., 0]
        assert set(np.unique(warped_mask)) <= {0.0, 1.0}
        bright = warped_image[..., 0] > 50
        agreement = (bright == (warped_mask > 0)).mean()
        assert agreement > 0.97  # edges may differ by interpolation only
        moved += (warped_mask != mask.numpy()[..., 0]).any()
    assert moved >= 8  # the transform really moves things


def test_moving_only_one_of_them_would_be_caught():
    tf.random.set_seed(1)
    image, mask = _square_pair()
    transform = random_affine((48, 48), 30.0, 0.2, 0.1)
    warped_image, _ = warp_pair(image, mask, transform)
    bright = warped_image.numpy()[..., 0] > 50
    assert (bright == (mask.numpy()[..., 0] > 0)).mean() < 0.97


def _channels_alike(image, a, b):
    return bool(np.array_equal(image[..., a], image[..., b]))


def test_missing_sequences_copy_flair_into_one_or_both_contrasts_and_nothing_else():
    tf.random.set_seed(2)
    rng = np.random.default_rng(0)
    # five channels: pre-contrast, post-contrast, FLAIR (index 2, as a channel order may put it), two neighbours
    image = tf.constant(rng.normal(size=(16, 16, 5)).astype(np.float32))
    patterns = set()
    for _ in range(60):
        out = drop_sequences(image, 1.0, flair_channel=2).numpy()
        assert np.array_equal(out[..., 2:], image.numpy()[..., 2:])  # FLAIR and the neighbours stay
        pattern = (_channels_alike(out, 0, 2), _channels_alike(out, 1, 2))
        assert pattern != (False, False)
        for channel, copied in enumerate(pattern):
            assert copied or np.array_equal(out[..., channel], image.numpy()[..., channel])
        patterns.add(pattern)
    assert patterns == {(True, False), (False, True), (True, True)}


def test_missing_sequences_touch_about_their_share_of_slices_and_none_at_zero():
    tf.random.set_seed(3)
    image = tf.constant(np.random.default_rng(1).normal(size=(8, 8, 3)).astype(np.float32))

    def dropped(probability):
        config = AugmentConfig(rotation_deg=0, zoom=0, shift=0, intensity=0.1, missing_sequences=probability)
        outs = [augment_image(image, config).numpy() for _ in range(200)]
        return sum(_channels_alike(out, 0, 1) or _channels_alike(out, 2, 1) for out in outs)

    assert dropped(0.0) == 0
    assert 35 <= dropped(0.3) <= 85  # 60 expected
