import json

import numpy as np
import pytest

from mritool.data.preprocessing import PreprocessConfig, intensity_stats, preprocess, volume_input
from mritool.errors import MritoolError


def test_config_round_trips_through_json():
    config = PreprocessConfig(image_size=128, channel_order=(1, 0, 2), normalization="slice")
    assert PreprocessConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize("bad", [{"normalization": "minmax"}, {"channel_order": (0, 0, 1)}, {"image_size": 4}])
def test_invalid_config_is_refused(bad):
    with pytest.raises(MritoolError):
        PreprocessConfig(**bad)


def test_volume_statistics_use_foreground_of_all_slices():
    rng = np.random.default_rng(0)
    volume = [np.zeros((8, 8, 3), np.float32) for _ in range(3)]
    for image in volume:
        image[2:6, 2:6] = rng.normal(100, 10, (4, 4, 3))
    stats = intensity_stats(volume)
    foreground = np.concatenate([image[2:6, 2:6].reshape(-1, 3) for image in volume])
    np.testing.assert_allclose(stats[0], foreground.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(stats[1], foreground.std(axis=0), rtol=1e-4)


def test_preprocess_zscores_and_reorders_channels():
    image = np.stack([np.full((4, 4), v, np.float32) for v in (10, 20, 30)], axis=-1)
    stats = np.array([[10, 10, 10], [5, 5, 5]], np.float32)
    out = preprocess(image, stats, PreprocessConfig(image_size=16, channel_order=(2, 1, 0)))
    np.testing.assert_allclose(out[0, 0], [4, 2, 0])
    assert out.dtype == np.float32


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1)])
def test_a_stack_of_slices_preprocesses_as_each_slice_alone(order):
    rng = np.random.default_rng(2)
    stack = rng.uniform(0, 255, (5, 8, 8, 3)).astype(np.float32)
    stats = intensity_stats(list(stack))
    config = PreprocessConfig(image_size=16, channel_order=order)
    np.testing.assert_array_equal(preprocess(stack, stats, config), np.stack([preprocess(s, stats, config) for s in stack]))


def test_volume_normalisation_removes_a_global_intensity_scale():
    """16-bit scans of the same anatomy at another scale give the same model input."""
    rng = np.random.default_rng(1)
    volume = [rng.uniform(1, 255, (8, 8, 3)).astype(np.float32) for _ in range(4)]
    config = PreprocessConfig(image_size=16)
    a = preprocess(volume[0], intensity_stats(volume), config)
    b = preprocess(volume[0] * 200, intensity_stats([v * 200 for v in volume]), config)
    np.testing.assert_allclose(a, b, atol=1e-4)


def _volume(slices: int, unreadable=()):
    from mritool.volumes import SliceRef, Volume

    rng = np.random.default_rng(4)
    images = [None if k in unreadable else rng.uniform(1, 255, (16, 16, 3)).astype(np.float32) for k in range(slices)]
    refs = [SliceRef(index=k, source=f"slice{k}.tif") for k in range(slices)]
    return Volume("p", "slices", refs, images, [None] * slices)


def test_neighbour_slices_append_the_neighbours_flair_repeated_at_the_ends():
    volume = _volume(5, unreadable={2})
    plain = volume_input(volume, volume.readable(), PreprocessConfig(image_size=16))
    config = PreprocessConfig(image_size=16, neighbour_slices=1, channel_order=(1, 0, 2))
    model_input = volume_input(volume, volume.readable(), config)
    assert model_input.shape == (4, 16, 16, 5) and config.channels == 5
    flair = plain[..., 1]  # file channel 1; the config above moves it to model channel 0
    np.testing.assert_allclose(model_input[..., 0], flair)
    np.testing.assert_allclose(model_input[..., 3], flair[[0, 0, 1, 2]])  # before: the first slice repeats
    np.testing.assert_allclose(model_input[..., 4], flair[[1, 2, 3, 3]])  # after: the unreadable one is skipped


def test_neighbour_slices_come_from_the_whole_stack_whatever_positions_are_asked():
    volume = _volume(6)
    config = PreprocessConfig(image_size=16, neighbour_slices=2)
    everything = volume_input(volume, volume.readable(), config)
    np.testing.assert_array_equal(volume_input(volume, [4, 1], config), everything[[4, 1]])


@pytest.mark.parametrize("neighbours", [0, 1])
def test_selected_slices_are_normalised_over_all_positions(neighbours):
    volume = _volume(6)
    config = PreprocessConfig(image_size=16, neighbour_slices=neighbours)
    everything = volume_input(volume, volume.readable(), config)
    np.testing.assert_array_equal(volume_input(volume, volume.readable(), config, selected=[4, 1]), everything[[4, 1]])
    assert volume_input(volume, volume.readable(), config, selected=[]).shape == (0, 16, 16, config.channels)


@pytest.mark.parametrize("order", [(0, 1, 2), (1, 0, 2)])
def test_a_model_shown_fewer_neighbours_reads_its_input_out_of_a_wider_one(order):
    volume = _volume(6, unreadable={3})
    wide = PreprocessConfig(image_size=16, channel_order=order, neighbour_slices=2)
    wide_input = volume_input(volume, volume.readable(), wide)
    for neighbours, channels in ((0, [0, 1, 2]), (1, [0, 1, 2, 4, 5]), (2, [0, 1, 2, 3, 4, 5, 6])):
        member = PreprocessConfig(image_size=16, channel_order=order, neighbour_slices=neighbours)
        assert wide.member_channels(member) == channels
        np.testing.assert_array_equal(wide_input[..., channels], volume_input(volume, volume.readable(), member))
    with pytest.raises(MritoolError, match="not part of"):
        PreprocessConfig(image_size=16, channel_order=order).member_channels(wide)
    with pytest.raises(MritoolError, match="not part of"):
        wide.member_channels(PreprocessConfig(image_size=16, channel_order=order, normalization="slice"))


def test_neighbour_slices_round_trip_and_are_bounded():
    config = PreprocessConfig(image_size=64, neighbour_slices=2)
    assert PreprocessConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert PreprocessConfig.from_dict({"image_size": 64}).neighbour_slices == 0  # cards written before the option
    with pytest.raises(MritoolError, match="neighbour_slices"):
        PreprocessConfig(neighbour_slices=5)
