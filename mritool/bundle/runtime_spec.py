"""Which runtime and precision a model folder's operating point was tuned on, as its cards record it."""

from dataclasses import asdict, dataclass

from mritool.errors import MritoolError

PRECISIONS = ("float32", "bfloat16", "int8")  # int8: OpenVINO only, after `mritool quantize`


@dataclass(frozen=True)
class RuntimeSpec:
    name: str = "openvino"
    precision: str = "bfloat16"

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise MritoolError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")

    def __str__(self) -> str:
        return f"{self.name} {self.precision}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RuntimeSpec":
        return cls(str(data.get("name", cls.name)), str(data.get("precision", cls.precision)))


DEFAULT_RUNTIME = RuntimeSpec()
