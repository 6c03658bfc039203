"""The exception types the CLI turns into a one-line message instead of a traceback."""


class MritoolError(Exception):
    """A user-facing error: bad input, a missing file, an incompatible model."""


class OutputError(MritoolError):
    """An output could not be written (a full disk, a read-only folder): a fault of the machine, never a
    result of the study being written, so a run stops on it instead of recording it as that study's error."""
