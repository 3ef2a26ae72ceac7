"""The CPU at hand: model name, cores, the instruction sets that decide training speed,
a family label and the oneDNN ISA TensorFlow's CPU kernels use. No TensorFlow.

    from keras_models import machine
    machine.describe()
    # {"cpu": "Intel(R) Xeon(R) Processor", "cores": 2, "features": ["amx_bf16", "amx_tile",
    #  "avx512_bf16", "avx512f"], "family": "Intel Xeon (AMX)", "onednn_isa": "avx512_core_amx",
    #  "onednn_isa_source": "cpu flags"}

The same cloud instance types come as AMD EPYC with AVX512-BF16 and Intel Xeon with AMX,
and the fastest training levers differ between them (`keras_models.heartbeat.autorecipe`),
so benchmark rows, run metrics and the reproduction report name the family.

The flags come from /proc/cpuinfo (Linux); elsewhere the features are unknown (empty).
The oneDNN ISA is ``ONEDNN_MAX_CPU_ISA`` when set (oneDNN never goes above it), else the
highest ISA oneDNN dispatches to on these flags (``avx512_core_amx`` with AMX tiles,
``avx512_core_bf16`` with AVX512-BF16, ...), which is what oneDNN's verbose mode reports
(``ONEDNN_VERBOSE=1``) without starting TensorFlow.
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
#: the flags that decide which kernels oneDNN uses for training
FEATURES = ("amx_bf16", "amx_tile", "avx512_bf16", "avx512_vnni", "avx512f", "avx2")
#: oneDNN ISAs, best first, and the flags each needs
ONEDNN_ISAS = (("avx512_core_amx", ("amx_bf16", "amx_tile", "avx512_bf16")),
               ("avx512_core_bf16", ("avx512_bf16", "avx512f")),
               ("avx512_core_vnni", ("avx512_vnni", "avx512f")),
               ("avx512_core", ("avx512f",)),
               ("avx2", ("avx2",)))


def parse_cpuinfo(text: str) -> dict:
    """The model name, vendor and flags of the first processor in /proc/cpuinfo's `text`
    ({"cpu": str, "vendor": str, "flags": set of str}; empty where a field is missing)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break  # the first processor's block ends
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return {"cpu": fields.get("model name", ""), "vendor": fields.get("vendor_id", ""),
            "flags": set(fields.get("flags", "").split())}


def family(cpu: str, vendor: str, flags: set) -> str:
    """The family label benchmark tables are kept by: "Intel Xeon (AMX)", "AMD EPYC
    (AVX512-BF16)", else the vendor's name with its best feature."""
    if "amx_bf16" in flags and "amx_tile" in flags:
        return "Intel Xeon (AMX)" if "xeon" in cpu.lower() else "Intel (AMX)"
    if "avx512_bf16" in flags and ("AMD" in vendor or "AMD" in cpu):
        return "AMD EPYC (AVX512-BF16)" if "epyc" in cpu.lower() else "AMD (AVX512-BF16)"
    name = "AMD" if "AMD" in vendor else "Intel" if "Intel" in vendor else (vendor or platform.machine() or "other")
    best = next((label for label, flag in (("AVX512-BF16", "avx512_bf16"), ("AVX512", "avx512f"), ("AVX2", "avx2"))
                 if flag in flags), "")
    return f"{name} ({best})" if best else name


def onednn_isa(flags: set, environ=os.environ) -> tuple[str, str]:
    """(the oneDNN ISA, where it comes from): ``ONEDNN_MAX_CPU_ISA`` if set, else the best
    ISA the flags allow ("unknown" without flags)."""
    capped = environ.get("ONEDNN_MAX_CPU_ISA")
    if capped:
        return capped.lower(), "ONEDNN_MAX_CPU_ISA"
    if not flags:
        return "unknown", "no cpu flags"
    return next((isa for isa, needs in ONEDNN_ISAS if set(needs) <= flags), "sse41"), "cpu flags"


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def describe_text(text: str, environ=os.environ, n_cores: int | None = None) -> dict:
    """`describe()` of a /proc/cpuinfo `text` (tests give other machines' files)."""
    info = parse_cpuinfo(text)
    isa, source = onednn_isa(info["flags"], environ)
    return {"cpu": info["cpu"] or platform.processor() or platform.machine(),
            "cores": cores() if n_cores is None else n_cores,
            "features": sorted(f for f in FEATURES if f in info["flags"]),
            "family": family(info["cpu"], info["vendor"], info["flags"]),
            "onednn_isa": isa, "onednn_isa_source": source}


@lru_cache(maxsize=1)
def _cpuinfo() -> str:
    try:
        return CPUINFO.read_text()
    except OSError:
        return ""


def describe() -> dict:
    """This machine: {"cpu", "cores", "features", "family", "onednn_isa", "onednn_isa_source"}."""
    return describe_text(_cpuinfo())


def key(described: dict | None = None) -> str:
    """What makes two machines the same for speed: CPU model, cores and features
    (the auto recipe's cache key)."""
    d = describe() if described is None else described
    return f"{d['cpu']} | {d['cores']} cores | {' '.join(d['features'])} | {d['onednn_isa']}"


def package_version(name: str) -> str:
    """The installed version of the distribution `name` ("not installed" if it is not)."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def tensorflow_version() -> str:
    """TensorFlow's version, whether installed as tensorflow or tensorflow-cpu."""
    version = package_version("tensorflow")
    return package_version("tensorflow-cpu") if version == "not installed" else version


def heading(described: dict | None = None) -> str:
    """The line a benchmark table is headed by (tables are kept per CPU family)."""
    d = describe() if described is None else described
    return (f"CPU family: {d['family']} ({d['cpu']}, {d['cores']} cores, oneDNN {d['onednn_isa']}; "
            f"{' '.join(d['features']) or 'features unknown'})")


def row(described: dict | None = None) -> dict:
    """The column every benchmark row carries: {"cpu family": ...}."""
    return {"cpu family": (describe() if described is None else described)["family"]}
