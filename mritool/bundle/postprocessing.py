"""The segmenter's post-processing settings, tuned on validation patients and carried in its card."""

from dataclasses import asdict, dataclass

from mritool.errors import MritoolError


@dataclass(frozen=True)
class PostProcessConfig:
    threshold: float = 0.5
    min_area_px: int = 0  # at the model's input size
    largest_component_per_volume: bool = False

    def __post_init__(self):
        if not 0 < self.threshold < 1:
            raise MritoolError(f"post-processing threshold must be between 0 and 1, not {self.threshold}")
        if self.min_area_px < 0:
            raise MritoolError(f"minimum area must be at least 0 pixels, not {self.min_area_px}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PostProcessConfig":
        return cls(**{key: data[key] for key in ("threshold", "min_area_px", "largest_component_per_volume") if key in data})
