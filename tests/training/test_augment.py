import numpy as np
import tensorflow as tf

from mritool.training.augment import AugmentConfig, augment_pair, random_affine, warp_pair


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
