"""Putting a sequence acquired on its own grid onto the FLAIR's, in world coordinates.

Clinical studies rarely share one grid: a 2D axial FLAIR at 5 mm beside a 3D post-contrast T1 at 1 mm,
planned at another angle. Both sit in the scanner's space, so each voxel of the FLAIR's grid is looked
up where it lies in the other volume (linear for images, nearest for a truth mask); the FLAIR is never
resampled, so predicted masks go back onto its exact grid. Where the other volume does not reach, the
value is 0, which z-scoring treats as background.
"""

import numpy as np

from mritool.errors import MritoolError

MIN_COVERAGE = 0.5  # share of the FLAIR's voxels the other volume must reach: less is not the same region


def same_grid(shape, affine, target_shape, target_affine, atol: float = 1e-3) -> bool:
    return tuple(shape) == tuple(target_shape) and np.allclose(affine, target_affine, atol=atol)


def onto_grid(array: np.ndarray, affine: np.ndarray, target_affine: np.ndarray, target_shape, order: int) -> np.ndarray:
    """``array`` (its voxel indices placed in the world by ``affine``) sampled at every voxel of the target
    grid; ``order`` 1 is linear, 0 nearest. Both affines map voxel indices to one world space."""
    from scipy import ndimage

    to_source = np.linalg.inv(affine) @ target_affine  # target voxel -> source voxel
    return ndimage.affine_transform(np.asarray(array, np.float32), to_source[:3, :3], offset=to_source[:3, 3],
                                    output_shape=tuple(target_shape), order=order, mode="constant", cval=0.0)


def coverage(shape, affine: np.ndarray, target_shape, target_affine: np.ndarray) -> float:
    """The share of the target grid's voxels (sampled every 4th along each axis) inside the other volume."""
    axes = [np.arange(0, n, 4) for n in target_shape]
    voxels = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    source = (np.linalg.inv(affine) @ target_affine @ np.c_[voxels, np.ones(len(voxels))].T)[:3].T
    inside = np.all((source > -0.5) & (source < np.asarray(shape) - 0.5), axis=1)
    return float(inside.mean())


def check_coverage(shape, affine, target_shape, target_affine, where) -> None:
    share = coverage(shape, affine, target_shape, target_affine)
    if share < MIN_COVERAGE:
        raise MritoolError(f"{where}: covers {share:.0%} of the FLAIR's field of view, not the same region of "
                           "the head; it cannot be resampled onto the FLAIR")


def largest_rotation_degrees(affine: np.ndarray, target_affine: np.ndarray) -> float:
    """How far the volume's axes turn from the nearest of the target's axes (flips and swaps aside)."""
    own = affine[:3, :3] / np.linalg.norm(affine[:3, :3], axis=0)
    target = target_affine[:3, :3] / np.linalg.norm(target_affine[:3, :3], axis=0)
    cosines = np.abs(own.T @ target).max(axis=1)
    return float(np.degrees(np.arccos(np.clip(cosines.min(), -1.0, 1.0))))


def describe(role: str, shape, affine: np.ndarray, target_affine: np.ndarray) -> str:
    """One phrase for the patient's row: which sequence was resampled from what grid."""
    spacing = "x".join(f"{s:.2g}" for s in np.linalg.norm(affine[:3, :3], axis=0))
    size = "x".join(str(n) for n in shape)
    return (f"{role} resampled onto the FLAIR grid from {size} voxels at {spacing} mm, "
            f"axes turned {largest_rotation_degrees(affine, target_affine):.1f} deg")
