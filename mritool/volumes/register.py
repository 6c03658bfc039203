"""Rigid registration of a sequence onto the FLAIR (``--register``), with SimpleITK (the ``register`` extra).

For a sequence whose header cannot place it on the FLAIR (another frame of reference) or a patient who
moved between series. Six degrees of freedom, driven by Mattes mutual information (the sequences have
different contrasts), coarse to fine over three levels. It starts from the headers' placement where both
share one space, else from the two volumes' centres aligned. The FLAIR is the fixed image and is never
resampled.
"""

import numpy as np

from mritool.errors import MritoolError

SEED = 20261130  # the metric samples voxels at random; a fixed seed makes a re-run give the same transform


def _image(array: np.ndarray, affine: np.ndarray):
    """A SimpleITK image whose index (i, j, k) is ``array[i, j, k]``, placed in the world by ``affine``."""
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(np.ascontiguousarray(np.transpose(array, (2, 1, 0)), dtype=np.float32))
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    image.SetSpacing([float(s) for s in spacing])
    image.SetDirection([float(v) for v in (affine[:3, :3] / spacing).ravel()])
    image.SetOrigin([float(v) for v in affine[:3, 3]])
    return image


def register_onto(moving: np.ndarray, moving_affine: np.ndarray, fixed: np.ndarray, fixed_affine: np.ndarray,
                  same_space: bool) -> tuple[np.ndarray, np.ndarray]:
    """``moving`` registered rigidly onto ``fixed`` and sampled (linearly) at every voxel of its grid; also the
    4x4 world transform found, from a point of the fixed volume to the same anatomy in the moving one."""
    try:
        import SimpleITK as sitk
    except ImportError:
        raise MritoolError("--register needs SimpleITK: pip install 'mritool[register]'") from None
    fixed_image, moving_image = _image(fixed, fixed_affine), _image(moving, moving_affine)
    if same_space:
        initial = sitk.Euler3DTransform()
        middle = [(n - 1) / 2 for n in fixed_image.GetSize()]
        initial.SetCenter(fixed_image.TransformContinuousIndexToPhysicalPoint(middle))
    else:
        initial = sitk.CenteredTransformInitializer(fixed_image, moving_image, sitk.Euler3DTransform(),
                                                    sitk.CenteredTransformInitializerFilter.GEOMETRY)
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=32)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(0.2, SEED)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(learningRate=2.0, minStep=1e-4, numberOfIterations=300,
                                                    relaxationFactor=0.5)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel([4, 2, 1])
    method.SetSmoothingSigmasPerLevel([2.0, 1.0, 0.0])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    method.SetInitialTransform(initial, inPlace=False)
    try:
        found = method.Execute(fixed_image, moving_image)
    except RuntimeError as exc:
        raise MritoolError(f"registration onto the FLAIR failed ({str(exc).strip().splitlines()[-1]})") from None
    resampled = sitk.Resample(moving_image, fixed_image, found, sitk.sitkLinear, 0.0, sitk.sitkFloat32)
    return np.transpose(sitk.GetArrayFromImage(resampled), (2, 1, 0)), _matrix(found)


def _matrix(transform) -> np.ndarray:
    """The 4x4 matrix of a SimpleITK rigid transform (a composite of one Euler transform)."""
    import SimpleITK as sitk

    euler = sitk.Euler3DTransform(sitk.CompositeTransform(transform).GetNthTransform(0))
    matrix = np.eye(4)
    matrix[:3, :3] = np.asarray(euler.GetMatrix()).reshape(3, 3)
    center, translation = np.asarray(euler.GetCenter()), np.asarray(euler.GetTranslation())
    matrix[:3, 3] = translation + center - matrix[:3, :3] @ center
    return matrix


def describe_registration(role: str, transform: np.ndarray, fixed_affine: np.ndarray, fixed_shape) -> str:
    """One phrase for the patient's row: how far the registration turned the sequence and moved the centre
    of the FLAIR's grid."""
    centre = (fixed_affine @ [*((np.asarray(fixed_shape) - 1) / 2), 1.0])[:3]
    angle = np.degrees(np.arccos(np.clip((np.trace(transform[:3, :3]) - 1) / 2, -1.0, 1.0)))
    moved = np.linalg.norm(transform[:3, :3] @ centre + transform[:3, 3] - centre)
    return f"{role} registered onto the FLAIR (rigid, mutual information): turned {angle:.1f} deg, moved {moved:.1f} mm"
