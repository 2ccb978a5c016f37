"""Confinement of a query worker process: no network sockets, bounded memory.

The network guard is a seccomp filter (Linux, x86_64 and aarch64) that makes `socket()` fail
with EACCES for every address family but AF_UNIX: the worker keeps the pipe to the server, and
pyoxigraph's HTTP client (SERVICE) cannot open a connection anywhere, even if a query slipped
past the parser check (`cpkg.api.query_check`). It is installed with PR_SET_NO_NEW_PRIVS, which
any unprivileged process may do, and is inherited by nothing but the worker.

Memory: the server polls each busy worker's resident set and kills it past the limit
(`QueryPool`); the address-space rlimit set here is the backstop for an allocation burst faster
than the poll, at a multiple of that limit because address space counts reservations too.
"""

from __future__ import annotations

import ctypes
import platform
import resource
import socket
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_LOAD_WORD = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
_JUMP_IF_EQUAL = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
_RETURN = 0x06  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_DENY = 0x00050000 | 13  # SECCOMP_RET_ERRNO | EACCES
# seccomp_data: int nr (offset 0), u32 arch (4), u64 ip (8), u64 args[6] (16: the first one).
_NR, _ARCH, _ARG0 = 0, 4, 16
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # AUDIT_ARCH_*, __NR_socket


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _op(code: int, k: int, if_true: int = 0, if_false: int = 0) -> bytes:
    return struct.pack("HBBI", code, if_true, if_false, k)


def block_network() -> bool:
    """Make every later `socket()` call but AF_UNIX fail in this process; False where seccomp is
    not available (another OS or architecture), so the caller can say so."""
    arch = _ARCHES.get(platform.machine())
    if arch is None or not hasattr(ctypes, "CDLL"):
        return False
    audit_arch, socket_nr = arch
    program = b"".join(
        [
            _op(_LOAD_WORD, _ARCH),
            _op(_JUMP_IF_EQUAL, audit_arch, 1, 0),
            _op(_RETURN, _ALLOW),
            _op(_LOAD_WORD, _NR),
            _op(_JUMP_IF_EQUAL, socket_nr, 1, 0),
            _op(_RETURN, _ALLOW),
            _op(_LOAD_WORD, _ARG0),
            _op(_JUMP_IF_EQUAL, socket.AF_UNIX, 0, 1),
            _op(_RETURN, _ALLOW),
            _op(_RETURN, _DENY),
        ]
    )
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    buffer = ctypes.create_string_buffer(program)
    filters = _Program(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(filters), 0, 0) == 0


def network_blocked() -> bool:
    """Whether this process can no longer open an internet socket."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return True
    return False


def limit_address_space(limit_bytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS); allocations past it fail."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))
