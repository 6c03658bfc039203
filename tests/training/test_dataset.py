import numpy as np
import pytest

from mritool.data.labelled import labelled_data
from mritool.data.preprocessing import PreprocessConfig
from mritool.training.dataset import (
    classifier_training_dataset, evaluation_dataset, intensity_stats_per_slice, segmenter_training_dataset,
)


@pytest.fixture(scope="module")
def data(phantoms):
    return labelled_data(phantoms)


def test_volume_stats_are_shared_by_a_patient_and_differ_between_patients(data):
    slices = data.slices
    stats = intensity_stats_per_slice(data, slices, PreprocessConfig(image_size=32))
    first = slices["patient_id"] == slices["patient_id"].iloc[0]
    assert np.allclose(stats[first.to_numpy()], stats[0])
    assert not np.allclose(stats[~first.to_numpy()][0], stats[0])
    per_slice = intensity_stats_per_slice(data, slices, PreprocessConfig(image_size=32, normalization="slice"))
    assert not np.allclose(per_slice[first.to_numpy()], per_slice[0])


def test_classifier_batches_are_balanced(data):
    slices = data.slices
    config = PreprocessConfig(image_size=32)
    stats = intensity_stats_per_slice(data, slices, config)
    dataset = classifier_training_dataset(data, slices, stats, config, batch_size=32, seed=0, positive_fraction=0.5)
    labels = []
    for images, batch_labels in dataset.take(8):
        assert images.shape == (32, 32, 32, 3) and images.dtype == "float32"
        labels.append(batch_labels.numpy())
    share = np.concatenate(labels).mean()
    assert slices["has_tumor"].mean() < 0.45 and 0.4 < share < 0.6


def test_segmenter_batches_hold_tumor_masks(data):
    slices = data.slices
    config = PreprocessConfig(image_size=32)
    stats = intensity_stats_per_slice(data, slices, config)
    images, masks = next(iter(segmenter_training_dataset(data, slices, stats, config, batch_size=8, seed=0)))
    assert images.shape == (8, 32, 32, 3) and masks.shape == (8, 32, 32, 1)
    assert set(np.unique(masks.numpy())) <= {0.0, 1.0}
    assert (masks.numpy().reshape(8, -1).max(axis=1) == 1).all()  # positives only by default


def test_area_oversampling_draws_tumor_slices_with_their_own_masks(data):
    slices = data.slices
    config = PreprocessConfig(image_size=32)
    stats = intensity_stats_per_slice(data, slices, config)
    dataset = segmenter_training_dataset(data, slices, stats, config, batch_size=8, seed=0, area_oversampling=True)
    for images, masks in dataset.take(3):
        assert images.shape == (8, 32, 32, 3)
        assert (masks.numpy().reshape(8, -1).max(axis=1) == 1).all()


def test_evaluation_dataset_is_ordered_and_finite(data):
    slices = data.slices
    config = PreprocessConfig(image_size=32)
    stats = intensity_stats_per_slice(data, slices, config)
    labels = np.concatenate([y.numpy()[:, 0] for _, y in evaluation_dataset(data, slices, stats, config, 16, "label")])
    np.testing.assert_array_equal(labels, slices["has_tumor"].astype(float).to_numpy())


def test_training_inputs_with_neighbour_slices_are_the_screening_inputs(data):
    """The loader builds each slice alone; screening builds the volume at once: both must agree."""
    from mritool.data.preprocessing import volume_input

    config = PreprocessConfig(image_size=32, neighbour_slices=2)
    patient = data.slices[data.slices["volume"] == data.slices["volume"].iloc[0]]
    stats = intensity_stats_per_slice(data, patient, config)
    images = np.concatenate([x.numpy() for x, _ in evaluation_dataset(data, patient, stats, config, 8, "label")])
    volume = data.volumes[patient["volume"].iloc[0]]
    assert images.shape == (len(patient), 32, 32, 7)
    np.testing.assert_allclose(images, volume_input(volume, patient["position"].tolist(), config), atol=1e-5)
