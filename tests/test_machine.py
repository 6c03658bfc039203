from pathlib import Path

import pytest

from mritool.machine import Gpu, Machine, cpu_flags, cpu_model, describe_machine, training_policy

EPYC_GENOA = """processor\t: 0
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512_vnni avx512_bf16 sha_ni
"""
ZEN3 = """model name\t: AMD EPYC 7R13 Processor
flags\t\t: fpu sse2 avx avx2 fma
"""
SAPPHIRE_RAPIDS = "flags : avx2 fma avx512f avx512_vnni amx_bf16 amx_int8 amx_tile\n"
XEON_WITHOUT_AMX = """model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu avx2 fma avx512f avx512_vnni avx512_bf16 avx512_fp16
"""


def test_flags_and_model_from_cpuinfo():
    assert cpu_flags(EPYC_GENOA) == ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16")
    assert cpu_flags(ZEN3) == ("avx2", "fma")
    assert cpu_flags(SAPPHIRE_RAPIDS) == ("avx2", "fma", "avx512f", "avx512_vnni", "amx_bf16", "amx_int8")
    assert cpu_flags("") == ()
    assert cpu_model(EPYC_GENOA) == "AMD EPYC 9R14 96-Core Processor"


@pytest.mark.parametrize(("cpuinfo", "policy"), [
    (EPYC_GENOA, "mixed_bfloat16"),
    (SAPPHIRE_RAPIDS, "mixed_bfloat16"),  # AMX without AVX-512 BF16
    (XEON_WITHOUT_AMX, "float32"),  # AVX-512 BF16 on an Intel CPU whose AMX is not exposed: measured slower
    (ZEN3, "float32"),
    ("", "float32"),  # no /proc/cpuinfo (macOS, Apple silicon): nothing says bfloat16 is native
])
def test_cpu_policy_follows_native_bfloat16(cpuinfo, policy):
    machine = Machine(cpu_model(cpuinfo), 2, cpu_flags(cpuinfo))
    chosen, reason = training_policy(machine)
    assert chosen == policy
    assert ("natively" in reason) == (policy == "mixed_bfloat16")


@pytest.mark.parametrize(("capabilities", "policy"), [
    ([(9, 0)], "mixed_bfloat16"),  # Hopper
    ([(8, 0)], "mixed_bfloat16"),  # Ampere
    ([(7, 5)], "mixed_float16"),  # Turing: float16 tensor cores only
    ([(8, 6), (7, 0)], "mixed_float16"),  # the slowest GPU decides
    ([(6, 1)], "float32"),  # Pascal
    ([None], "float32"),  # capability unknown
])
def test_gpu_policy_follows_tensor_cores(capabilities, policy):
    machine = Machine("cpu", 2, cpu_flags(ZEN3), tuple(Gpu(f"gpu{k}", c) for k, c in enumerate(capabilities)))
    assert training_policy(machine)[0] == policy


def test_a_gpu_decides_over_the_cpu():
    machine = Machine("cpu", 2, cpu_flags(EPYC_GENOA), (Gpu("old", (6, 1)),))
    assert training_policy(machine)[0] == "float32"


def test_this_machine_is_described():
    machine = describe_machine(gpus=False)
    assert machine.cores >= 1 and machine.cpu in str(machine) and "no GPU" in str(machine)
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        text = cpuinfo.read_text()
        fast = " amx_bf16" in text or (" avx512_bf16" in text and machine.cpu.startswith("AMD"))
        assert (training_policy(machine)[0] == "mixed_bfloat16") == fast
