"""Wall time per pipeline stage, summed over a run, for the benchmark's breakdown."""

import time
from collections import defaultdict
from contextlib import contextmanager


class StageTimings:
    def __init__(self):
        self.seconds = defaultdict(float)

    @contextmanager
    def measure(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started
