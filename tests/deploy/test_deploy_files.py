"""deploy/dvkheo.env.example as the README uses it: systemd reads it (EnvironmentFile=) and a shell sources it
(`set -a; . /etc/dvkheo/dvkheo.env`) before `flask db upgrade`; both must see the same values, and every name
in it must be one the app or the units read."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from config import BASE_DIR

DEPLOY = BASE_DIR / "deploy"
ENV_FILE = DEPLOY / "dvkheo.env.example"
ASSIGNMENT = re.compile(r"#?([A-Z][A-Z0-9_]*)=(.*)")


def systemd_values(path: Path) -> dict[str, str]:
    """EnvironmentFile= semantics for the simple lines used here: KEY=VALUE, surrounding double quotes removed."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[key.strip()] = value
    return values


def test_a_shell_sources_the_environment_file_to_the_values_systemd_reads(tmp_path):
    expected = systemd_values(ENV_FILE)
    finished = subprocess.run(
        ["bash", "-c", f"set -e; set -a; . {ENV_FILE}; set +a; env -0"],
        capture_output=True, env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path,
    )
    assert finished.returncode == 0 and not finished.stderr, finished.stderr.decode()
    seen = dict(item.split("=", 1) for item in finished.stdout.decode().split("\0") if "=" in item)
    assert {key: seen.get(key) for key in expected} == expected
    assert expected["MAIL_DEFAULT_SENDER"] == "Dân vận khéo <dvkheo@example.gov.vn>"
    assert not list(tmp_path.iterdir())  # no stray redirection made a file


def test_every_name_in_the_deploy_files_is_read_by_the_app_or_the_units():
    code = [BASE_DIR / "config.py", *sorted((BASE_DIR / "dvkheo").rglob("*.py"))]
    config_text = "\n".join(path.read_text(encoding="utf-8") for path in code)
    units = "\n".join(path.read_text(encoding="utf-8") for path in (DEPLOY / "systemd").glob("*.service"))
    named = {match.group(1) for line in ENV_FILE.read_text(encoding="utf-8").splitlines()
             if (match := ASSIGNMENT.fullmatch(line.strip()))}
    assert "DATABASE_URL" in named and "S3_SECRET_ACCESS_KEY" in named
    unknown = {name for name in named if f'"{name}"' not in config_text and f"${{{name}}}" not in units}
    assert not unknown
    used_by_units = set(re.findall(r"\$\{([A-Z0-9_]+)\}", units))
    assert used_by_units <= named


def test_the_folders_the_app_writes_are_writable_under_the_units_sandbox():
    """ProtectSystem=strict makes everything read-only but ReadWritePaths: UPLOAD_DIR and SCRATCH_DIR must lie
    under them, in both units (the worker writes print files), or the first upload fails."""
    text = ENV_FILE.read_text(encoding="utf-8")
    folders = [Path(match.group(2)) for line in text.splitlines()
               if (match := ASSIGNMENT.fullmatch(line.strip())) and match.group(1) in ("UPLOAD_DIR", "SCRATCH_DIR")]
    assert len(folders) == 2
    for unit in (DEPLOY / "systemd").glob("*.service"):
        writable = [Path(path) for line in unit.read_text(encoding="utf-8").splitlines()
                    if line.startswith("ReadWritePaths=") for path in line.split("=", 1)[1].split()]
        assert "ProtectSystem=strict" in unit.read_text(encoding="utf-8")
        for folder in folders:
            assert any(folder.is_relative_to(root) for root in writable), (unit.name, folder)


def test_every_flask_command_the_units_start_exists(app):
    """A unit that names a command the app lacks fails only at 6:30 some morning, silently: check them all."""
    import shlex

    runner = app.test_cli_runner()
    commands = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart=") and "flask --app wsgi" in line:
                arguments = shlex.split(re.sub(r"^ExecStart=\S*flask --app wsgi", "", line))
                commands.append((unit.name, arguments))
    assert len(commands) >= 4
    for unit_name, arguments in commands:
        result = runner.invoke(args=[*arguments, "--help"])
        assert result.exit_code == 0, f"{unit_name}: flask {' '.join(arguments)}: {result.output}"
