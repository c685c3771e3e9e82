"""The files for a deployment without containers, checked by the programs that read
them: nginx's site (`nginx -t`), the systemd unit (`systemd-analyze verify`), and
Caddy's (`caddy validate`; it serves in tests/e2e/test_deploy.py). CI installs Debian's
nginx-light, caddy and systemd (.ci/run)."""

import shutil
import subprocess
from pathlib import Path

from tests.e2e.deployed import DEPLOY, ENTRYPOINT

SITE = DEPLOY / "nginx-pakn.conf"
UNIT = DEPLOY / "pakn.service"
CERTIFICATE = "/etc/letsencrypt/live/pakn.example.gov.vn/fullchain.pem"
KEY = "/etc/letsencrypt/live/pakn.example.gov.vn/privkey.pem"


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def self_signed(directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "cert.pem", directory / "key.pem"
    made = run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
               "-subj", "/CN=pakn.example.gov.vn", "-keyout", str(key),
               "-out", str(certificate))
    assert made.returncode == 0, made.stderr
    return certificate, key


def nginx_test(tmp_path: Path, site: str) -> subprocess.CompletedProcess[str]:
    """`nginx -t` of the site in a main configuration of its own (as Debian's
    nginx.conf includes sites-enabled), its certificate a self-signed one."""
    certificate, key = self_signed(tmp_path)
    (tmp_path / "site.conf").write_text(
        site.replace(CERTIFICATE, str(certificate)).replace(KEY, str(key)), encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8")
    return run("nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"))


def test_the_nginx_site_is_valid(tmp_path: Path) -> None:
    site = SITE.read_text(encoding="utf-8")
    assert CERTIFICATE in site and KEY in site
    checked = nginx_test(tmp_path, site)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_nginx_check_refuses_a_broken_site(tmp_path: Path) -> None:
    broken = SITE.read_text(encoding="utf-8").replace("proxy_pass http://pakn;",
                                                      "proxy_pass http://pakn")
    assert nginx_test(tmp_path, broken).returncode != 0


def unit_verify(tmp_path: Path, unit: str) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` of the unit, the checkout at /opt/pakn being this one."""
    path = tmp_path / "pakn.service"
    path.write_text(unit.replace("/opt/pakn/deploy/entrypoint.sh", str(ENTRYPOINT)),
                    encoding="utf-8")
    return run("systemd-analyze", "verify", str(path))


def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    unit = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/pakn/deploy/entrypoint.sh serve" in unit
    checked = unit_verify(tmp_path, unit)
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == checked.stdout == "", "warnings: " + checked.stderr


def test_the_unit_check_reports_a_mistake(tmp_path: Path) -> None:
    unit = UNIT.read_text(encoding="utf-8").replace("KillSignal=", "KillSingal=")
    assert "Unknown key" in unit_verify(tmp_path, unit).stderr


def test_the_caddyfile_is_valid() -> None:
    checked = subprocess.run(
        [shutil.which("caddy") or "/usr/bin/caddy", "validate", "--config",
         str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PAKN_DOMAIN": "pakn.example.gov.vn", "HOME": "/nonexistent"})
    assert checked.returncode == 0, checked.stderr
    assert "Valid configuration" in checked.stdout + checked.stderr
