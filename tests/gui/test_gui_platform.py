"""A fresh machine without Qt's X11 libraries gets a message naming the packages, not Qt's abort."""
import os
import subprocess
import sys

from pyffnn_gui import platform_check


def test_debian_package_names():
    assert platform_check.debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert platform_check.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert platform_check.debian_package("libEGL.so.1") == "libegl1"
    assert platform_check.debian_package("libdbus-1.so.3") == "libdbus-1-3"


def test_missing_libraries_read_from_ldd(tmp_path, monkeypatch):
    fake_ldd = tmp_path / "ldd"
    fake_ldd.write_text("#!/bin/sh\necho '\tlibc.so.6 => /lib/libc.so.6 (0x1)'\n"
                        "echo '\tlibxcb-cursor.so.0 => not found'\necho '\tlibxcb-cursor.so.0 => not found'\n")
    fake_ldd.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    plugin = tmp_path / "libqxcb.so"
    plugin.write_text("")
    assert platform_check.missing_libraries(str(plugin)) == ["libxcb-cursor.so.0"]
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: str(plugin))
    msg = platform_check.platform_problem({"DISPLAY": ":0"})
    assert "sudo apt-get install -y libxcb-cursor0" in msg and "libxcb-cursor.so.0" in msg
    assert platform_check.platform_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_app_prints_the_message_instead_of_aborting(tmp_path):
    """Run the real app for the xcb platform with a fake ldd reporting a missing library."""
    fake_ldd = tmp_path / "ldd"
    fake_ldd.write_text("#!/bin/sh\necho '\tlibxcb-icccm.so.4 => not found'\n")
    fake_ldd.chmod(0o755)
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=":99", PATH=f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run([sys.executable, "-m", "pyffnn_gui"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2
    assert "apt-get install -y libxcb-icccm4" in proc.stderr
    assert "Aborted" not in proc.stderr and "Traceback" not in proc.stderr
