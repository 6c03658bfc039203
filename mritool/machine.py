"""The machine a model is trained or screened on, and the training precision it computes fastest.

bfloat16 is only fast where the hardware computes it fast: on a CPU without AVX-512 BF16 or AMX, Keras's
mixed_bfloat16 is emulated and a ResNet50 trains several times slower than in float32, and on an Intel
Xeon with AVX-512 BF16 but no AMX it also trained slower than float32, where an AMD EPYC with the same
flag trained twice as fast (docs/PERFORMANCE.md). So the policy follows the CPU flags, the CPU's maker
and the GPUs, bfloat16 only where it was measured faster, and cards, provenance and benchmarks name
the machine beside what ran on it.
"""

import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")  # native bfloat16 arithmetic on the CPU
FAST_AVX512_BF16 = ("AMD",)  # makers whose AVX-512 BF16 (without AMX) trains faster than float32
REPORTED_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
TENSOR_CORES = (7, 0)  # compute capability from which float16 has tensor cores (Volta)
BFLOAT16_TENSOR_CORES = (8, 0)  # and bfloat16 too (Ampere)


@dataclass(frozen=True)
class Gpu:
    name: str
    compute_capability: tuple[int, int] | None = None


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    flags: tuple[str, ...]  # those of REPORTED_FLAGS the CPU has
    gpus: tuple[Gpu, ...] = field(default_factory=tuple)

    @property
    def native_bfloat16(self) -> bool:
        return any(flag in self.flags for flag in BFLOAT16_FLAGS)

    def __str__(self) -> str:
        flags = " ".join(self.flags) or "none of " + " ".join(REPORTED_FLAGS)
        gpus = ", ".join(f"{gpu.name} (compute {'.'.join(map(str, gpu.compute_capability or ()))})"
                         for gpu in self.gpus) or "no GPU"
        return f"{self.cpu}, {self.cores} cores, flags: {flags}; {gpus}"

    def to_dict(self) -> dict:
        return asdict(self)


def cpu_flags(cpuinfo: str) -> tuple[str, ...]:
    """The reported flags in the first ``flags`` line of a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            present = set(line.partition(":")[2].split())
            return tuple(flag for flag in REPORTED_FLAGS if flag in present)
    return ()


def cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def visible_gpus() -> tuple[Gpu, ...]:
    """The GPUs TensorFlow sees (imports it: call where it is loaded anyway)."""
    import tensorflow as tf

    gpus = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        capability = details.get("compute_capability")
        gpus.append(Gpu(details.get("device_name", device.name), tuple(capability) if capability else None))
    return tuple(gpus)


def describe_machine(gpus: bool = True) -> Machine:
    """This machine; ``gpus=False`` skips asking TensorFlow (which would import it)."""
    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text(errors="replace") if cpuinfo.is_file() else ""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return Machine(cpu_model(text), cores, cpu_flags(text), visible_gpus() if gpus else ())


def training_policy(machine: Machine) -> tuple[str, str]:
    """(Keras dtype policy, why) fastest on ``machine``: a GPU's tensor cores where there are any,
    bfloat16 on a CPU with AMX or on an AMD CPU with AVX-512 BF16, float32 otherwise."""
    if machine.gpus:
        capabilities = [gpu.compute_capability or (0, 0) for gpu in machine.gpus]
        slowest = min(capabilities)
        if slowest >= BFLOAT16_TENSOR_CORES:
            return "mixed_bfloat16", f"GPU with bfloat16 tensor cores (compute capability {slowest[0]}.{slowest[1]})"
        if slowest >= TENSOR_CORES:
            return "mixed_float16", f"GPU with float16 tensor cores (compute capability {slowest[0]}.{slowest[1]})"
        return "float32", "GPU without tensor cores"
    if "amx_bf16" in machine.flags:
        return "mixed_bfloat16", "CPU computes bfloat16 natively (amx_bf16)"
    if machine.native_bfloat16 and machine.cpu.startswith(FAST_AVX512_BF16):
        return "mixed_bfloat16", "CPU computes bfloat16 natively (avx512_bf16)"
    if machine.native_bfloat16:
        return "float32", "CPU with avx512_bf16 but no AMX, not an AMD one: bfloat16 trains slower than float32 there"
    return "float32", f"CPU without native bfloat16 (no {' or '.join(BFLOAT16_FLAGS)})"
