"""The Ray runner: the per-patient screening function on Ray Data, for cohorts that outgrow one machine.

Studies go out one per batch to a pool of actors; each actor loads the model bundle and compiles its
runtime once, then reads, screens and writes its patients (``screen_patient``) and commits each
patient's result itself. So outputs go to one **shared path** every worker can write (the output
folder must be on a file system all nodes mount: NFS, Lustre, a FUSE-mounted bucket), and the driver
only gathers the small JSON results to assemble the tables and the report at the end. A worker lost
mid-patient (killed, its node gone) leaves no committed part for it: Ray Data starts a new actor and
hands it that patient again, so the run finishes with the same outputs (Ray's default of unbounded
retries: a patient that kills every worker it reaches, out of memory, keeps the run from finishing).
A run stopped any other way leaves its committed parts; ``--resume`` recomputes exactly the rest.

Ray is the optional extra ``mritool[ray]`` (installed on every node of a cluster); without an address a
local Ray is started on this machine.
"""

import json
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

from mritool.engine.patient import PatientResult, screen_patient
from mritool.engine.stages import Stages
from mritool.engine.store import ResultStore
from mritool.errors import MritoolError, OutputError
from mritool.volumes.readers import Study

FAULT = "output_fault"  # a reply that carries an OutputError instead of a result
REFUSED = "models_refused"  # a reply that carries why the worker could not load the models


class _Worker:
    """One actor of the pool: the stages loaded once, then one study per call."""

    def __init__(self, stages: Stages, masks_dir: Path, batch_size: int, after_write, store: ResultStore | None):
        try:
            self.stages, self.refused = stages.load(), None
        except MritoolError as exc:  # told to the driver with the first study: Ray would report an actor death
            self.stages, self.refused = None, str(exc)
        self.masks_dir, self.batch_size, self.after_write, self.store = masks_dir, batch_size, after_write, store
        Path(masks_dir).mkdir(parents=True, exist_ok=True)

    def __call__(self, batch: dict) -> dict:
        if self.refused:
            refused = json.dumps({REFUSED: self.refused})
            return {"position": batch["position"], "result": [refused] * len(batch["study"])}
        results = []
        for blob in batch["study"]:
            study = pickle.loads(blob)
            try:
                result = screen_patient(study, self.stages, self.masks_dir, self.batch_size, self.after_write)
                if self.store:
                    self.store.commit(study, result)
            except OutputError as exc:  # the driver stops the run with this one line, not Ray's traceback
                results.append(json.dumps({FAULT: str(exc)}))
                continue
            results.append(result.to_json())
        return {"position": batch["position"], "result": results}


def _start_ray(address: str | None, cpus: int):
    try:
        import ray
    except ImportError:
        raise MritoolError('the Ray engine needs the ray extra: pip install "mritool[ray]"') from None
    if not ray.is_initialized():
        # A local Ray's workers import mritool from where this driver did; a cluster's nodes have it installed.
        package_root = str(Path(__file__).resolve().parents[2])
        local = {"num_cpus": cpus, "runtime_env": {"env_vars": {
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}}}
        if not address:  # a local Ray's raylet nices its workers to 15; here the workers are the whole job
            os.environ.setdefault("RAY_worker_niceness", "0")
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="error",
                     **({} if address else local))
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise MritoolError(f"cannot start or join Ray{f' at {address}' if address else ''}: {exc}") from None
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # progress is ours, on one stderr line
    return ray


def screen_studies_ray(studies: list[Study], stages: Stages, masks_dir, batch_size: int = 32, after_write=None,
                       store: ResultStore | None = None, address: str | None = None, workers: int = 1,
                       cpus_per_worker: int | None = None) -> Iterator[tuple[int, PatientResult]]:
    """(position in ``studies``, result) for every study, as the workers finish them (not in order).
    ``cpus_per_worker`` defaults to this machine's cores shared among the workers: Ray limits each actor's
    math libraries to the CPUs it reserved, so one actor with one CPU would leave the others idle."""
    if not studies:
        return
    cpus_per_worker = cpus_per_worker or max((os.cpu_count() or 1) // workers, 1)
    ray = _start_ray(address, workers * cpus_per_worker)
    items = [{"position": position, "study": pickle.dumps(study)} for position, study in enumerate(studies)]
    dataset = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
        _Worker, batch_size=1, concurrency=workers, num_cpus=cpus_per_worker,
        fn_constructor_kwargs={"stages": stages, "masks_dir": Path(masks_dir), "batch_size": batch_size,
                               "after_write": after_write, "store": store},
    )
    for row in dataset.iter_rows():
        if FAULT in (reply := json.loads(row["result"])):
            raise OutputError(reply[FAULT])
        if REFUSED in reply:
            raise MritoolError(reply[REFUSED])
        yield int(row["position"]), PatientResult(**reply)
