"""scripts/system-packages.sh installs only what is missing, and says what to do when it
cannot (run against stand-ins for dpkg, apt-get and id: nothing is installed here)."""

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-packages.sh"
BASH = "/bin/bash"


@pytest.fixture
def system(tmp_path):
    """A PATH holding only stand-ins: dpkg knows the packages in `installed`, apt-get
    writes what it was asked to do to `apt.log`, id says who we are."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"

    def make(missing=(), uid=0):
        scripts = {
            "dpkg": "#!/bin/bash\nfor p in "
            + " ".join(missing)
            + ' ; do [ "$2" = "$p" ] && exit 1; done\nexit 0\n',
            "apt-get": f'#!/bin/bash\necho "$*" >> {log}\n',
            "id": f"#!/bin/bash\necho {uid}\n",
        }
        for name, body in scripts.items():
            path = bin_dir / name
            path.write_text(body)
            path.chmod(0o755)
        done = subprocess.run(
            [BASH, str(SCRIPT)],
            env={"PATH": str(bin_dir)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        calls = log.read_text().splitlines() if log.exists() else []
        return done, calls

    return make


def test_with_everything_present_nothing_is_installed(system):
    done, calls = system()

    assert done.returncode == 0
    assert "all present" in done.stdout
    assert calls == []


def test_only_the_missing_packages_are_installed(system):
    done, calls = system(missing=["fonts-noto-cjk", "libpango-1.0-0"])

    assert done.returncode == 0
    assert calls[0] == "update -q"
    assert calls[1].endswith("--no-install-recommends libpango-1.0-0 fonts-noto-cjk")


def test_without_root_or_sudo_it_says_what_to_run_and_fails(system):
    done, calls = system(missing=["fonts-noto-core"], uid=1000)

    assert done.returncode == 1
    assert "apt-get install --no-install-recommends fonts-noto-core" in done.stderr
    assert calls == []
