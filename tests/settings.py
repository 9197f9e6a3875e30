"""Settings for pytest: the project's own, with a throw-away key when none is set (the
project refuses to start without one; tests sign nothing that outlives them)."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-key-signs-nothing-that-outlives-a-test")

from attendance_mis.settings import *  # noqa: E402, F403
