"""Patient volumes and the plug-ins that read them from disk and write predicted masks back."""

from mritool.volumes.volume import Problem, SliceRef, Volume

__all__ = ["Problem", "SliceRef", "Volume"]
