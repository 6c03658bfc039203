"""``pack``: a trained model folder made into a bundle to ship, such as the package's default.

The weights are stored as float16 (half the size: the ResNet50 alone is 96 MB in float32, over PyPI's
and git hosts' per-file limits), which is only how the numbers are kept: every runtime rebuilds the
model at its own precision on loading. Cards, split and ``bundle.json`` (name, version, provenance)
go beside them; other files already in the destination (licences, the model card) are left alone.
"""

import json
import shutil
from dataclasses import replace
from pathlib import Path

from mritool.bundle.card import KINDS, weights_path, write_card
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.default import BUNDLE_INFO
from mritool.io import save_atomic, write_text_atomic

STORED_AS = "float16"


def pack_bundle(models_dir, out_dir, name: str, version: str, command: str | None = None) -> dict:
    """Write the bundle of ``models_dir`` into ``out_dir``; returns what ``bundle.json`` records."""
    from mritool.runtimes.precision import for_storage

    folder, out_dir = ModelFolder.open(models_dir), Path(out_dir)
    loaded = {kind: (folder.keras_model(kind), folder.card(kind)) for kind in KINDS}  # checked before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, (model, card) in loaded.items():
        target = weights_path(out_dir, kind)
        save_atomic(target, for_storage(model).save)
        write_card(out_dir, replace(card, model={**card.model, "stored_as": STORED_AS}))
    shutil.copyfile(folder.path / "split.json", out_dir / "split.json")
    info = {
        "name": name,
        "version": version,
        "packed_from": str(folder.path),
        "stored_as": STORED_AS,
        "weights_mb": {kind: round(weights_path(out_dir, kind).stat().st_size / 2**20, 1) for kind in KINDS},
        "reproduce": command,
    }
    write_text_atomic(out_dir / BUNDLE_INFO, json.dumps(info, indent=2) + "\n")
    return info
