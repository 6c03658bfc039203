"""Per-patient results committed as each study finishes, so a cohort survives a crash.

Each finished study is one JSON file under ``parts/``, renamed into place after its masks and figures
are written: a file there means the patient is complete. It records the run's signature (the bundle
fingerprint, runtime, TTA and QA choice) and the study's own (its files' names, sizes and modification
times). A resumed run takes a part only where both signatures match and every file it lists still
exists; anything else is recomputed, after the outputs of the stale part are removed.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from mritool.engine.patient import PatientResult
from mritool.io import safe_name, write_text_atomic
from mritool.volumes.readers import Study

PARTS = "parts"


def study_signature(study: Study) -> list:
    signature = []
    for path in study.files:
        try:
            stat = Path(path).stat()
            signature.append([str(path), stat.st_size, stat.st_mtime_ns])
        except OSError:
            signature.append([str(path), None, None])
    return signature


@dataclass(frozen=True)
class ResultStore:
    folder: Path
    run_signature: dict  # what makes two runs' results for one study the same

    def path(self, study: Study) -> Path:
        key = hashlib.sha256(f"{study.reader}\0{study.location}\0{study.patient_id}".encode()).hexdigest()[:12]
        return Path(self.folder) / f"{safe_name(study.patient_id)[:60]}-{key}.json"

    def commit(self, study: Study, result: PatientResult) -> None:
        text = json.dumps({"run": self.run_signature, "study": study_signature(study), "result": asdict(result)})
        write_text_atomic(self.path(study), text)

    def _read(self, study: Study) -> dict | None:
        try:
            return json.loads(self.path(study).read_text())
        except (OSError, ValueError):
            return None

    def load(self, study: Study) -> PatientResult | None:
        """The study's committed result, where it is complete and from the same run settings and input."""
        part = self._read(study)
        if part is None or part.get("run") != self.run_signature or part.get("study") != study_signature(study):
            return None
        result = PatientResult(**part["result"])
        return result if all(Path(output).exists() for output in result.outputs) else None

    def discard(self, study: Study) -> None:
        """Remove a stale part and the files it lists, so nothing of it outlives the recomputation."""
        part = self._read(study)
        if part is not None:
            for output in part.get("result", {}).get("outputs", []):
                Path(output).unlink(missing_ok=True)
        self.path(study).unlink(missing_ok=True)
