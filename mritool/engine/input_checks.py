"""What can be checked about inputs the models were not made for, from the volume alone.

The models were trained on patients of 20-88 co-registered 256x256 axial slices, each with three
different sequences (pre-contrast T1, FLAIR, post-contrast T1; at most one missing sequence replaced by
the FLAIR), and their card records the range of two per-volume statistics over the training patients
(``data.input_statistics``). A slice or patient unlike that is still screened, and its rows say why
it is unlike: the predictions stay visible, the reader is warned.
"""

from mritool.data.input_statistics import unlike, volume_statistics
from mritool.volumes import Volume

ONE_SEQUENCE = "a single-channel image (one sequence, not three)"
ONE_SLICE = "a patient of one slice"
MIXED_SIZES = "slices of mixed sizes in one patient"
NOT_SQUARE = "not a square slice"


def input_flags(volume: Volume, ranges: dict) -> dict[int, str]:
    """Readable slice position -> the reasons (joined by "; ") it is unlike the training data, if any;
    ``ranges``: the training patients' per-volume statistics, from the classifier's card (none on old cards)."""
    readable = volume.readable()
    shapes = {volume.images[p].shape[:2] for p in readable}
    patient = ([ONE_SLICE] if len(volume.refs) == 1 else []) + ([MIXED_SIZES] if len(shapes) > 1 else [])
    if ranges and readable:
        patient += unlike(volume_statistics(volume.images[p] for p in readable), ranges)
    flags = {}
    for position in readable:
        image = volume.images[position]
        reasons = list(patient)
        # three channels that are copies are not flagged per slice: they are a missing sequence, reported
        # for the patient as ``missing_sequences`` by every reader (3 of the 62 training patients are so)
        if image.ndim == 2 or image.shape[2] == 1:
            reasons.append(ONE_SEQUENCE)
        height, width = image.shape[:2]
        if max(height, width) > 1.25 * min(height, width):
            reasons.append(NOT_SQUARE)
        if reasons:
            flags[position] = "; ".join(reasons)
    return flags
