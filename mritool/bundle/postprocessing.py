"""The segmenter's post-processing settings, tuned on validation patients and carried in its card."""

from dataclasses import asdict, dataclass

from mritool.errors import MritoolError

LESION_RANKS = ("voxels", "evidence")


@dataclass(frozen=True)
class PostProcessConfig:
    threshold: float = 0.5
    min_area_px: int = 0  # at the model's input size
    largest_component_per_volume: bool = False
    # which lesion is the largest: by voxels, or by evidence (each voxel's probability times its slice's
    # classifier score), so that a large region the classifier doubts loses to the tumor it is sure of;
    # cards written before the choice existed rank by voxels
    lesion_rank: str = "voxels"
    # a screened slice keeps its outline only where the mean of its screening score and the segmenter's
    # highest probability on it reaches this: the two stages confirm each other, so a classifier gate
    # chosen for a higher sensitivity costs fewer false slices (0: every screened slice is kept)
    confirm_threshold: float = 0.0

    def __post_init__(self):
        if not 0 < self.threshold < 1:
            raise MritoolError(f"post-processing threshold must be between 0 and 1, not {self.threshold}")
        if self.min_area_px < 0:
            raise MritoolError(f"minimum area must be at least 0 pixels, not {self.min_area_px}")
        if self.lesion_rank not in LESION_RANKS:
            raise MritoolError(f"lesion rank must be one of {', '.join(LESION_RANKS)}, not {self.lesion_rank!r}")
        if not 0 <= self.confirm_threshold < 1:
            raise MritoolError(f"confirmation threshold must be at least 0 and below 1, not {self.confirm_threshold}")

    @property
    def confirms(self) -> bool:
        """Whether post-processing needs each slice's screening score to confirm it."""
        return self.confirm_threshold > 0

    @property
    def ranks_by_evidence(self) -> bool:
        """Whether post-processing needs each voxel's evidence: one lesion kept, ranked by evidence."""
        return self.largest_component_per_volume and self.lesion_rank == "evidence"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PostProcessConfig":
        keys = ("threshold", "min_area_px", "largest_component_per_volume", "lesion_rank", "confirm_threshold")
        return cls(**{key: data[key] for key in keys if key in data})
