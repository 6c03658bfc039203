"""What a screening run says on stderr while it goes: patients done, slices per second and time left on
one line rewritten in place, then one closing line."""

import sys
import time


class Progress:
    def __init__(self):
        self.started, self.slices, self.done = time.monotonic(), 0, 0

    def __call__(self, done: int, total: int, slices: int) -> None:
        self.slices, self.done = self.slices + slices, done
        elapsed = max(time.monotonic() - self.started, 1e-9)
        left = elapsed / done * (total - done)
        sys.stderr.write(f"\rscreening: {done}/{total} patients, {self.slices / elapsed:.1f} slices/s, "
                         f"about {left:.0f} s left " + ("\n" if done == total else ""))
        sys.stderr.flush()

    def summary(self, resumed: int, errors: int) -> str:
        elapsed = time.monotonic() - self.started
        return (f"screened {self.done} patients ({self.slices} slices) in {elapsed:.0f} s, "
                f"{self.slices / max(elapsed, 1e-9):.1f} slices/s; {resumed} taken from an earlier run; "
                f"{errors} error rows")
