"""Settings fail closed: no published key, HTTPS settings from the environment, and
`check --deploy` clean with the environment docker-compose.yml gives the web service."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# ${NAME:-default} and ${NAME:?message}, as docker compose interpolates them.
COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")
# What an operator supplies (compose refuses to start without SECRET_KEY).
OPERATOR = {"SECRET_KEY": "k3y-for-the-deploy-check-only-" + "x7Qz9" * 8}


def compose_environment(service: str = "web") -> dict[str, str]:
    """The web service's environment from docker-compose.yml, interpolated as compose
    would with only SECRET_KEY given (so the file, not this test, says what is set)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["services"][service]["environment"]

    def interpolate(match):
        name, op, rest = match.groups()
        if name in OPERATOR:
            return OPERATOR[name]
        if op == "-":
            return rest
        raise AssertionError(f"docker-compose.yml needs {name} from the operator: {rest}")

    return {
        key: COMPOSE_VARIABLE.sub(interpolate, str(value)) for key, value in environment.items()
    }


def manage(*args, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "attendance_mis.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _no_dotenv_key(env: dict) -> dict:
    # A developer's .env (written by `make run`) would supply a key; this must not.
    return {**env, "SECRET_KEY": ""}


def test_without_a_secret_key_the_app_refuses_to_start_and_says_why():
    done = manage("check", env=_no_dotenv_key({"DEBUG": "0"}))
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr
    assert "make run" in done.stderr


def test_the_production_environment_of_docker_compose_passes_check_deploy():
    env = compose_environment()
    # The database is not reached by `check`; SQLite spares the test a PostgreSQL login.
    env["DATABASE_URL"] = "sqlite:////tmp/deploy-check.sqlite3"
    env["REDIS_URL"] = ""
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_docker_compose_turns_on_https_only_settings():
    env = compose_environment()
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert env[name] == "1", name
    assert int(env["SECURE_HSTS_SECONDS"]) >= 31536000
    assert env["DEBUG"] == "0"


def test_without_the_https_settings_check_deploy_warns():
    # The check is not vacuous: the laptop defaults are reported.
    env = {"SECRET_KEY": OPERATOR["SECRET_KEY"], "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}
    done = manage("check", "--deploy", env=env)
    for warning in ("security.W004", "security.W008", "security.W012"):
        assert warning in done.stdout + done.stderr


def test_check_deploy_warns_when_two_factor_sign_in_is_not_enforced():
    env = compose_environment()
    env["DATABASE_URL"] = "sqlite:////tmp/deploy-check.sqlite3"
    env["REDIS_URL"] = ""
    env["TWO_FACTOR_ENFORCED"] = "0"  # the demo's setting, by mistake in production

    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert done.returncode != 0
    assert "registers.W003" in done.stdout + done.stderr
