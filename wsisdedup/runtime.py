"""What the stages ask of the Python runtime: pausing the cycle collector, handing memory the
allocator holds free back to the system between stages, and packing arrays for the trip
between processes."""

from __future__ import annotations

import ctypes
import functools
import gc
import sys
from array import array
from collections.abc import Callable, Sequence

__all__ = ["collector_paused", "pack_arrays", "release_free_memory", "unpack_arrays"]


def collector_paused() -> _CollectorPaused:
    """Pause Python's cycle collector while a stage runs (`with collector_paused(): ...`).

    The stages build millions of small acyclic objects (tokens, units, spans, segments) that
    reference counting frees. The collector's passes over the growing heap find nothing to
    free, yet cost about a tenth of a whole read (1.2 s of 13.6 s on 20,000 messages) and, on
    one large body, grow faster than the body: `split_body` on 8 MB of header lines took 10x
    its time on 1 MB with the collector on, 8x with it paused. Restored on the way out, even
    on error, and left alone when the caller had paused it already. (The pause is process
    -wide: another thread's garbage waits for it too.)
    """
    return _CollectorPaused()


class _CollectorPaused:
    """The context manager of `collector_paused`. A class, not a `contextlib.contextmanager`
    generator: `split_body` enters it once a body, mostly inside a stage that paused the
    collector already, and the generator's entry and exit cost 1.75 us against 0.45."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            _promote_young()
            gc.enable()


def _promote_young() -> None:
    """Move every object the collector tracks to its oldest generation, without a pass.

    The objects a paused stage made are mostly its result, alive; with the collector on again,
    the first allocation would start a young collection over all of them, which frees nothing:
    0.15 s of CPU after reading 20,000 messages, inside the read. Freezing and unfreezing
    moves them (and the caller's young objects) to the oldest generation as that pass would,
    in constant time; garbage cycles among them are found at the next full collection, as
    those that outlive a young pass are. Not where the caller has frozen objects of its own
    (`gc.freeze` before forking, to keep pages shared): unfreezing would hand those back to
    the collector.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def release_free_memory() -> bool:
    """Hand the memory that the C allocator holds free back to the system (glibc's
    `malloc_trim`; elsewhere nothing happens). Returns whether it could.

    Python's own allocator takes fresh pages for small objects, so pages that glibc keeps
    after a stage freed its large buffers (the text-dump reader's arrays, joined texts)
    stayed resident under the next stage's peak: on a 10 MB dump of header lines the read
    peaked at 21x the input, 15x with a trim between reading and segmenting. One call costs
    a walk of the free lists (milliseconds), so the pipeline makes it once per read.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, if the process has it (not on musl, macOS or Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def pack_arrays(arrays: Sequence[array[int]]) -> tuple[bytes, str, tuple[int, ...]]:
    """Several arrays as one string of bytes, their type codes and their lengths in items:
    what `unpack_arrays` takes.

    Pickle writes each array by a call back into the `array` module (some 2 µs to write
    and 1 to read): the tokens, offset map and fingerprint of one message held 14 small
    arrays on average (20k synthetic archive), and these calls were most of the cost of
    sending them between processes.
    """
    return (
        b"".join(map(bytes, arrays)),
        "".join(a.typecode for a in arrays),
        tuple(map(len, arrays)),
    )


def unpack_arrays(data: bytes, typecodes: str, lengths: Sequence[int]) -> list[array[int]]:
    """The arrays `pack_arrays` packed, in order (machine byte order: for the processes of
    one machine)."""
    out: list[array[int]] = []
    view = memoryview(data)
    at = 0
    for code, n in zip(typecodes, lengths, strict=True):
        a = array(code)
        end = at + n * a.itemsize
        a.frombytes(view[at:end])
        out.append(a)
        at = end
    if at != len(data):
        raise ValueError(f"packed arrays hold {len(data)} bytes, not {at}")
    return out
