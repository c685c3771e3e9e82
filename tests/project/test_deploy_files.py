"""The deployment files hold together: the image, the compose set-up, the entrypoint.
(What runs them is tested in tests/e2e/test_deploy.py and test_deploy_configs.py.)"""

import os
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTINGS = (ROOT / "bot" / "runtime" / "settings.py").read_text(encoding="utf-8")


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in (raw.strip() for raw in text.splitlines())
            if line and not line.startswith("#")]


def compose() -> dict[str, object]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_image_is_multi_stage_slim_unprivileged_and_checks_its_health() -> None:
    steps = dockerfile()
    froms = [args for op, args in steps if op == "FROM"]
    assert len(froms) >= 2, "a build stage and a runtime stage"
    assert re.search(r"ARG PYTHON=python:3\.11-slim", "\n".join(
        f"{op} {args}" for op, args in steps))
    assert froms[-1] == "${PYTHON}", "the runtime stage is the slim Python"
    runtime = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    users = [args for op, args in runtime if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(op == "COPY" and args.startswith("--from=") for op, args in runtime)
    assert not any(op == "RUN" and "pip install" in args for op, args in runtime), \
        "nothing is built in the runtime stage"
    build = steps[:len(steps) - len(runtime)]
    assert any(op == "RUN" and "pybabel compile" in args for op, args in build)
    health = [args for op, args in runtime if op == "HEALTHCHECK"]
    assert health and '"pakn-entrypoint", "health"' in health[0]
    assert ("ENTRYPOINT", '["pakn-entrypoint"]') in runtime


def test_everything_the_image_copies_is_in_its_build_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = {line[1:] for line in ignored if line.startswith("!")}
    for op, args in dockerfile():
        if op != "COPY" or args.startswith("--from="):
            continue
        *sources, _target = args.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source in allowed or source.split("/")[0] in allowed, source


def test_the_image_has_the_postgresql_client_of_the_compose_server() -> None:
    """`pakn backup|restore` run pg_dump and pg_restore, which must not be older than
    the server they read."""
    runtime = dockerfile()[max(i for i, (op, _) in enumerate(dockerfile()) if op == "FROM"):]
    major = next(args.split("=", 1)[1] for op, args in runtime
                 if op == "ARG" and args.startswith("PG_MAJOR="))
    assert any(op == "RUN" and 'postgresql-client-${PG_MAJOR}' in args for op, args in runtime)
    services = compose()["services"]
    assert isinstance(services, dict)
    server = services["db"]["image"].split(":", 1)[1]
    assert server.split("-")[0].split(".")[0] == major, (server, major)


def test_compose_runs_postgresql_several_workers_and_a_tls_proxy() -> None:
    spec = compose()
    services = spec["services"]
    assert isinstance(services, dict)
    db, pakn, proxy = services["db"], services["pakn"], services["proxy"]
    assert db["image"].startswith("postgres:")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert db["environment"]["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")
    assert (ROOT / pakn["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert (DEPLOY / pakn["build"]["context"]).resolve() == ROOT
    workers = int(pakn["environment"]["PAKN_WORKERS"]) * pakn["deploy"]["replicas"]
    assert workers >= 2
    assert pakn["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(volume.endswith(":/var/lib/pakn") for volume in pakn["volumes"])
    assert proxy["image"].startswith("caddy:")
    assert "443:443" in proxy["ports"]
    assert any(volume.startswith("./Caddyfile:") and (DEPLOY / "Caddyfile").is_file()
               for volume in proxy["volumes"])
    volumes = spec["volumes"]
    assert isinstance(volumes, dict)
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./") or source in volumes, volume


def test_compose_gives_secrets_as_files_the_service_reads() -> None:
    spec = compose()
    services, secrets = spec["services"], spec["secrets"]
    assert isinstance(services, dict) and isinstance(secrets, dict)
    for service in services.values():
        for secret in service.get("secrets", []):
            assert secret in secrets
    pakn = services["pakn"]
    for name, value in pakn["environment"].items():
        if name.endswith("_FILE"):
            assert f'get("{name.removesuffix("_FILE")}")' in SETTINGS, name
            assert value.removeprefix("/run/secrets/") in pakn["secrets"], name
        elif name != "PAKN_WORKERS":  # the entrypoint's
            assert f'get("{name}")' in SETTINGS, f"{name} is no setting"
    assert all(spec_["file"].startswith("./secrets/") for spec_ in secrets.values())
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "deploy/secrets/" in ignored, "secrets are never committed"


def test_the_entrypoint_is_an_executable_posix_script() -> None:
    script = DEPLOY / "entrypoint.sh"
    assert os.access(script, os.X_OK)
    assert script.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    checked = subprocess.run(["/bin/sh", "-n", str(script)], capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, checked.stderr
