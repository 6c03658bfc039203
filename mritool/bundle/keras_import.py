"""Keras (and TensorFlow under it) imported only where a command needs it, and quietly.

TensorFlow's native logging writes several lines to stderr on import whatever TF_CPP_MIN_LOG_LEVEL says;
importing it with the stderr descriptor pointed at /dev/null keeps every error one line. Screening on a
cached OpenVINO or ONNX graph never gets here: TensorFlow is not imported at all.
"""

import os

VERBOSE = "MRITOOL_VERBOSE"  # set (``mritool --verbose``) to see the libraries' own lines


def import_keras():
    if os.environ.get(VERBOSE):
        import keras

        return keras
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        import keras
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
    return keras
