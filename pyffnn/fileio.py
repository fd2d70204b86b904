"""Files on disk, in one place: the atomic writer every output goes through, and the bounded reader of .npz archives
(model and project files) that turns every kind of corruption into one exception.

Writing (:func:`atomic_path`, :func:`atomic_write`, :func:`check_writable`):

- the data goes to a temporary file next to the target, is flushed to disk, then renamed over the target: a full
  disk, Ctrl-C or ``kill -9`` leaves the previous file exactly as it was;
- a symbolic link is followed: its target is replaced, the link stays;
- a device node, FIFO or socket is refused as a target (``-o /dev/null`` must not replace /dev/null);
- a new file gets the permissions the umask allows (0666 & ~umask); a replaced file keeps its permission bits;
- temporary files left by a killed process are removed by the next save to the same file;
- error messages name the user's path, never the temporary file.

Reading (:class:`NpzReader`): the file must be a regular file (never a FIFO or /dev/zero, which would block or read
forever); every archive member is checked (no encryption, stored or deflated only, no duplicate or unexpected
names, a plain ``.npy`` header of an allowed dtype whose shape matches the member's size) before its bytes are read,
so a small crafted file can neither allocate gigabytes nor run for long.
"""
import contextlib
import errno
import os
import re
import secrets
import socket
import stat
import time
import zipfile
import zlib

import numpy as np

from .errors import FFNNError, ModelFileError

_TMP_TAG = ".pyffnn-tmp-"
_STALE_SECONDS = 24 * 3600  # a temp file this old is stale whoever wrote it
_HOST = format(zlib.crc32(socket.gethostname().encode()), "08x")


# ---------------------------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------------------------

def _kind(mode):
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _resolve_target(path):
    """(user's path as text, real path to replace, its stat or None): symlinks followed, odd targets refused."""
    shown = os.fspath(path)
    if isinstance(shown, bytes):
        shown = os.fsdecode(shown)
    if not shown:
        raise FFNNError("cannot write to an empty file name")
    real = os.path.realpath(shown)  # a symlink (even a dangling one) names the file to write
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _renamed(exc, shown) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, f"cannot write {shown!r}: it is a directory, expected a file name",
                                    shown)
        if not stat.S_ISREG(st.st_mode):
            raise FFNNError(f"cannot write {shown!r}: it is {_kind(st.st_mode)}, not a regular file; "
                            "choose a file name")
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"cannot write {shown!r}: the folder "
                                f"{os.path.dirname(os.path.abspath(shown))!r} does not exist", shown)
    return shown, real, st


def _renamed(exc, shown):
    """The same OSError, naming the user's path instead of a temporary file."""
    if not isinstance(exc, OSError) or exc.errno is None:
        return exc
    try:
        new = type(exc)(exc.errno, exc.strerror or os.strerror(exc.errno), shown)
    except Exception:  # an OSError subclass with another signature
        new = OSError(exc.errno, exc.strerror or os.strerror(exc.errno), shown)
    return new


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


def _remove_stale(folder, base):
    """Delete temp files for ``base`` left behind by processes that died (or that are a day old)."""
    prefix = f".{base}{_TMP_TAG}"
    pattern = re.compile(re.escape(prefix) + r"([0-9a-f]{8})-(\d+)-[0-9a-f]{16}(\.[^./]*)?$")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    now = time.time()
    for name in names:
        m = pattern.match(name)
        if not m:
            continue
        full = os.path.join(folder, name)
        try:
            st = os.lstat(full)
        except OSError:
            continue
        ours_dead = m.group(1) == _HOST and not _pid_alive(int(m.group(2)))
        if stat.S_ISREG(st.st_mode) and (ours_dead or now - st.st_mtime > _STALE_SECONDS):
            with contextlib.suppress(OSError):
                os.unlink(full)


def _create_temp(real, st):
    """Create (O_EXCL) the temporary file next to ``real``; returns its path."""
    folder, base = os.path.split(real)
    ext = os.path.splitext(base)[1]
    if not re.fullmatch(r"\.[^./]*", ext or "."):
        ext = ""
    while True:
        tmp = os.path.join(folder, f".{base}{_TMP_TAG}{_HOST}-{os.getpid()}-{secrets.token_hex(8)}{ext}")
        try:
            # 0o666 goes through the umask, as for any new file; a replaced file keeps its own bits below
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        try:
            if st is not None:
                with contextlib.suppress(OSError):
                    os.fchmod(fd, stat.S_IMODE(st.st_mode))
        finally:
            os.close(fd)
        return tmp


def _fsync_folder(folder):
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def check_writable(path):
    """Raise now, not after an hour of training, if :func:`atomic_write` could not write ``path``: a missing folder,
    a directory, a device or FIFO, or a folder without write permission.  Leaves no file behind."""
    shown, real, st = _resolve_target(path)
    try:
        tmp = _create_temp(real, st)
    except OSError as exc:
        raise _renamed(exc, shown) from None
    os.unlink(tmp)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; when the block succeeds the file is synced to disk and renamed over
    ``path`` (a symlink's target), when it fails the temporary file is removed and ``path`` is left as it was.

    This is the one way pyffnn writes files; :func:`atomic_write` is the file-object form of it.
    """
    shown, real, st = _resolve_target(path)
    folder = os.path.dirname(real)
    _remove_stale(folder, os.path.basename(real))
    try:
        tmp = _create_temp(real, st)
    except OSError as exc:
        raise _renamed(exc, shown) from None
    try:
        try:
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, real)
        except OSError as exc:
            raise _renamed(exc, shown) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def atomic_write(path, write, mode="wb", **open_args):
    """Call ``write(fileobj)`` on a temporary file (opened with ``mode``, ``open_args``: e.g. ``mode="w",
    newline="", encoding="utf-8"`` for text) and move it over ``path`` only on success."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, **open_args) as f:
            write(f)


# ---------------------------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------------------------

def open_regular(path, what="file", error=FFNNError):
    """Open ``path`` for binary reading after checking it is a regular file (a FIFO or device such as /dev/zero is
    refused instead of blocking or reading forever).  Missing files raise FileNotFoundError."""
    shown = os.fsdecode(os.fspath(path))
    try:
        fd = os.open(shown, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, f"{what} not found: {shown}", shown) from None
    except IsADirectoryError:
        raise error(f"{shown} is a directory, not a {what}") from None
    except OSError as exc:
        raise _renamed(exc, shown) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{shown} is a directory, not a {what}")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{shown} is {_kind(st.st_mode)}, not a {what}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


_DTYPES = {np.dtype(t) for t in ("<f4", "<f8", "<i8", "<i4", ">f4", ">f8", ">i8", ">i4", "|b1")}
_ZIP_FLAG_ENCRYPTED = 0x1
_MAX_DEFLATE_RATIO = 1100  # deflate cannot expand more than ~1032:1; a member claiming more is crafted
_MAX_NPY_HEADER = 4096


class NpzReader:
    """A validated, bounded view of an ``.npz`` archive written by ``np.savez``.

    ``allowed(name)`` says which member names (without ``.npy``) may appear; every failure, whatever its cause,
    is raised as ``error`` (:class:`ModelFileError` by default) naming ``path``.  Use as a context manager::

        with NpzReader(path, allowed={"header", "params"}.__contains__) as z:
            shape, dtype = z.info("params")
            params = z.read("params")
    """

    def __init__(self, path, allowed, what="pyffnn model file", error=ModelFileError):
        self.path = os.fsdecode(os.fspath(path))
        self.what, self.error = what, error
        self._file = open_regular(self.path, what, error)
        try:
            self._members = self._check_archive(allowed)
        except BaseException:
            self._file.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        zf = getattr(self, "_zip", None)
        if zf is not None:
            zf.close()
        self._file.close()

    def _fail(self, reason):
        return self.error(f"{self.path} is not a readable {self.what} ({reason})")

    def _check_archive(self, allowed):
        head = self._file.read(4)
        self._file.seek(0)
        if head[:2] == b"\x93N":
            raise self.error(f"{self.path} is a single .npy array, not a {self.what} (.npz)")
        if head != b"PK\x03\x04":
            raise self._fail("not a zip/.npz archive")
        size = os.fstat(self._file.fileno()).st_size
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except Exception as exc:  # BadZipFile, struct/overflow errors of crafted directories, ...
            raise self._fail(f"corrupt or truncated: {exc}") from None
        members = {}
        for info in infos:
            name = info.filename
            if not name.endswith(".npy") or not allowed(name[:-4]):
                raise self._fail(f"unexpected member {name!r}")
            if name[:-4] in members:
                raise self._fail(f"duplicate member {name!r}")
            if info.flag_bits & _ZIP_FLAG_ENCRYPTED:
                raise self._fail(f"member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._fail(f"member {name!r} uses an unsupported compression method ({info.compress_type})")
            if info.compress_size > size or (info.compress_type == zipfile.ZIP_STORED and
                                             info.file_size != info.compress_size):
                raise self._fail(f"member {name!r} declares sizes that do not fit the file")
            if info.file_size > _MAX_DEFLATE_RATIO * max(info.compress_size, 1) + 1024:
                raise self._fail(f"member {name!r} declares {info.file_size} bytes from {info.compress_size}")
            self._check_local_header(info)
            members[name[:-4]] = info
        return members

    def _check_local_header(self, info):
        """The member's local header must agree with the central directory (flags, method, name length)."""
        try:
            if not 0 <= info.header_offset < os.fstat(self._file.fileno()).st_size:
                raise ValueError(f"offset {info.header_offset} is outside the file")
            self._file.seek(info.header_offset)
            local = self._file.read(30)
        except (OSError, ValueError, OverflowError) as exc:
            raise self._fail(f"member {info.filename!r}: {exc}") from None
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise self._fail(f"member {info.filename!r} has no local header")
        flags, method = int.from_bytes(local[6:8], "little"), int.from_bytes(local[8:10], "little")
        if flags & _ZIP_FLAG_ENCRYPTED or method != info.compress_type:
            raise self._fail(f"member {info.filename!r} has a local header that disagrees with the archive "
                             "directory (encrypted or another compression method)")

    @property
    def names(self):
        """The member names (without ``.npy``)."""
        return list(self._members)

    def __contains__(self, name):
        return name in self._members

    def _open_member(self, name):
        if name not in self._members:
            raise self.error(f"{self.path} is not a {self.what} (missing {name!r})")
        info = self._members[name]
        try:
            f = self._zip.open(info)
        except Exception as exc:  # a local header that disagrees with the directory, an unsupported feature, ...
            raise self._fail(f"member {name!r}: {exc}") from None
        try:
            magic = f.read(8)
            if len(magic) != 8 or magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2, 3):
                raise self._fail(f"member {name!r} is not a .npy array")
            len_size = 2 if magic[6] == 1 else 4
            n = int.from_bytes(f.read(len_size), "little")
            if n > _MAX_NPY_HEADER:
                raise self._fail(f"member {name!r} has a {n}-byte array header")
            text = f.read(n)
            try:
                shape, dtype = _parse_npy_header(text, "utf8" if magic[6] == 3 else "latin1")
            except ValueError as exc:
                raise self._fail(f"member {name!r}: {exc}") from None
            count = 1
            for d in shape:
                count *= d
            if 8 + len_size + n + count * dtype.itemsize != info.file_size:
                raise self._fail(f"member {name!r} declares shape {shape} of {dtype}, which does not match its "
                                 f"size ({info.file_size} bytes)")
        except self.error:
            f.close()
            raise
        except Exception as exc:
            f.close()
            raise self._fail(f"member {name!r}: {exc}") from None
        return f, shape, dtype

    def info(self, name):
        """(shape, dtype) of member ``name`` from its header, without reading its data."""
        f, shape, dtype = self._open_member(name)
        f.close()
        return shape, dtype

    def read(self, name, max_bytes=None):
        """Member ``name`` as a native-endian, writeable array (at most ``max_bytes`` of data, if given)."""
        f, shape, dtype = self._open_member(name)
        with f:
            nbytes = dtype.itemsize
            for d in shape:
                nbytes *= d
            if max_bytes is not None and nbytes > max_bytes:
                raise self._fail(f"member {name!r} holds {nbytes} bytes, more than the {max_bytes} expected")
            try:
                data = f.read(nbytes)
                if len(data) != nbytes or f.read(1):
                    raise self._fail(f"member {name!r} is truncated")
            except self.error:
                raise
            except Exception as exc:  # zlib.error, CRC mismatch (BadZipFile), EOFError, ...
                raise self._fail(f"member {name!r} is corrupt: {exc}") from None
        arr = np.frombuffer(data, dtype=dtype).reshape(shape)
        return arr.astype(dtype.newbyteorder("="), copy=True)


_HEADER = re.compile(r"""\{\s*'descr'\s*:\s*'([<>|=]?[a-zA-Z]\d*)'\s*,\s*'fortran_order'\s*:\s*(False|True)\s*,"""
                     r"""\s*'shape'\s*:\s*\(\s*((?:\d+\s*,\s*)*\d*)\s*\)\s*,?\s*\}\s*$""")


def _parse_npy_header(raw, encoding):
    """(shape, dtype) from an ``np.save`` header, parsed by a regular expression (never literal_eval); raises
    ValueError saying what is wrong."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise ValueError("its array header is not text") from None
    m = _HEADER.match(text)
    if not m:
        if "'descr': '|O'" in text or "'O'" in text:
            raise ValueError("it holds Python objects, which pyffnn never writes or reads")
        raise ValueError("its array header is malformed")
    if m.group(2) != "False":
        raise ValueError("it is in Fortran order, which pyffnn never writes")
    try:
        dtype = np.dtype(m.group(1))
    except TypeError:
        raise ValueError(f"unknown dtype {m.group(1)!r}") from None
    if dtype.kind == "O":
        raise ValueError("it holds Python objects, which pyffnn never writes or reads")
    if (dtype.kind != "U" and dtype not in _DTYPES) or dtype.itemsize > 64 << 20:
        raise ValueError(f"unsupported dtype {dtype}")
    dims = [d for d in m.group(3).replace(" ", "").split(",") if d]
    if len(dims) > 8 or any(len(d) > 15 for d in dims):
        raise ValueError(f"implausible shape ({m.group(3)})")
    return tuple(int(d) for d in dims), dtype
