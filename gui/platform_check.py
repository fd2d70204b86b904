"""Before Qt starts: can its X11 platform plugin load? On a fresh Debian/Ubuntu, Qt 6 needs X libraries
(``libxcb-cursor0`` and friends) that a desktop usually has but a minimal system does not; without them Qt prints a
cryptic message and aborts the interpreter. This module finds the missing libraries with ``ldd`` and names the
packages to install."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import List, Optional

# Every library Qt 6's xcb plugin may need, as Debian/Ubuntu packages (also in the README).
XCB_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 "
                "libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1 "
                "libfontconfig1 libdbus-1-3")


def debian_package(soname: str) -> str:
    """``libxcb-cursor.so.0`` → ``libxcb-cursor0``, ``libxkbcommon-x11.so.0`` → ``libxkbcommon-x11-0``,
    ``libEGL.so.1`` → ``libegl1`` (Debian's naming rule for shared-library packages)."""
    m = re.fullmatch(r"(.+?)\.so\.(\d+)(?:\..*)?", soname)
    if not m:
        return soname.lower()
    base, version = m.group(1).lower(), m.group(2)
    return f"{base}-{version}" if base[-1].isdigit() else f"{base}{version}"


def xcb_plugin() -> Optional[str]:
    """Path of PySide6's ``libqxcb.so`` (None if PySide6 is not installed or has no xcb plugin)."""
    try:
        import PySide6
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(PySide6.__file__), "Qt", "plugins", "platforms", "libqxcb.so")
    return path if os.path.exists(path) else None


def missing_libraries(plugin: Optional[str] = None) -> List[str]:
    """Shared libraries the xcb plugin needs that the dynamic linker cannot find (empty if all are there or if
    this cannot be checked)."""
    plugin = plugin or xcb_plugin()
    ldd = shutil.which("ldd")
    if not plugin or not ldd:
        return []
    try:
        out = subprocess.run([ldd, plugin], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    missing = []
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s*=>\s*not found", line)
        if m and m.group(1) not in missing:
            missing.append(m.group(1))
    return missing


def platform_problem(environ=None) -> Optional[str]:
    """A message saying what to install when Qt would use its X11 plugin and that plugin cannot load; None if
    all is well (or another platform such as offscreen or wayland is chosen)."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not platform and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        return None
    missing = missing_libraries()
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(lib) for lib in missing))
    return (f"pyffnn-gui: error: Qt cannot load its X11 platform plugin (xcb): missing {', '.join(missing)}.\n"
            f"Install them, e.g. on Debian/Ubuntu: sudo apt-get install -y {packages}\n"
            f"(all the libraries Qt 6 may need: sudo apt-get install -y {XCB_PACKAGES})")
