import keras
import numpy as np
import pytest

from mritool.data.index import index_folder
from mritool.data.preprocessing import PreprocessConfig, intensity_stats, preprocess
from tests.slice_files import read_image, read_mask
from mritool.segmenter.losses import FocalTverskyLoss
from mritool.metrics.dice import dice_score
from mritool.segmenter.model import build_resunet


def test_shapes_and_width():
    model = build_resunet(image_size=32, base_filters=4, depth=2)
    assert model.output_shape == (None, 32, 32, 1)
    widths = {layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)}
    assert {4, 8, 16} <= widths and max(widths) == 16
    with pytest.raises(ValueError):
        build_resunet(image_size=36, depth=3)


def test_tiny_model_overfits_a_few_phantom_slices(phantoms):
    keras.utils.set_random_seed(0)
    slices = index_folder(phantoms).slices
    chosen = slices[slices["has_tumor"]].groupby("patient_id").head(1).head(4)
    config = PreprocessConfig(image_size=32)
    images = [read_image(p, 32) for p in chosen["image_path"]]
    x = np.stack([preprocess(image, intensity_stats([image]), config) for image in images])
    y = np.stack([read_mask(p, 32) for p in chosen["mask_path"]])[..., None].astype("float32")
    model = build_resunet(32, base_filters=8, depth=2)
    model.compile(keras.optimizers.Adam(3e-3), loss=FocalTverskyLoss())
    # 150 epochs sat on the edge of convergence on an AVX2-only CPU (docs/PERFORMANCE.md)
    model.fit(x, y, epochs=250, batch_size=4, verbose=0)
    predicted = model.predict(x, verbose=0)[..., 0] >= 0.5
    assert dice_score(y[..., 0], predicted) > 0.9
