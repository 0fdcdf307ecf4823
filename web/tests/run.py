#!/usr/bin/env python3
"""Runs a test page of web/ in headless Chromium and fails on any failed check.

A small WebDriver client (the W3C protocol over HTTP, standard library only) drives
chromedriver; the page is served from 127.0.0.1 by a thread of this process. The page
sets `window.__report` to a promise of `{checks: [{name, ok, detail}], figures}`.

    run.py PAGE [--screenshot FILE] [--json FILE] [--without-webgpu]

PAGE is a path under web/ (tests/api.html). Chromium gets --enable-unsafe-webgpu
(WebGPU is off on Linux without it); on a machine without a GPU its adapter is
SwiftShader. Exit status: 0 when every check passed, 1 when one failed, 2 when the
browser, its driver or WebGPU could not be had.
"""

import argparse
import base64
import functools
import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--enable-unsafe-webgpu",
    "--window-size=1200,1000",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    """Serves `directory` on 127.0.0.1 (ES modules do not load from file://)."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


class WebDriver:
    """The few W3C WebDriver commands the tests need."""

    def __init__(self, port: int, webgpu: bool) -> None:
        self.base = f"http://127.0.0.1:{port}"
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        args = [a for a in CHROMIUM_ARGS if webgpu or a != "--enable-unsafe-webgpu"]
        options: dict[str, object] = {"args": args}
        if chromium:
            options["binary"] = chromium
        session = self.call("POST", "/session", {
            "capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}
        })
        self.session = f"/session/{session['sessionId']}"

    def call(self, method: str, path: str, body: object = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=900) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"WebDriver {method} {path}: {error.read().decode()}") from None

    def __call__(self, method: str, path: str, body: object = None) -> dict:
        return self.call(method, self.session + path, body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--without-webgpu", action="store_true",
                        help="start Chromium without --enable-unsafe-webgpu")
    parser.add_argument("--root", type=Path, default=WEB,
                        help="the folder served (default web/; the page is relative to it)")
    args = parser.parse_args()

    if args.root == WEB and not (WEB / "pkg" / "wgpu_sigmoid.js").exists():
        print("run.py: web/pkg is missing: run scripts/build-web.sh first", file=sys.stderr)
        return 2
    chromedriver = shutil.which("chromedriver")
    if chromedriver is None:
        print("run.py: chromedriver not found (apt-get install chromium chromium-driver)",
              file=sys.stderr)
        return 2
    server, http_port = serve(args.root)
    driver_port = free_port()
    driver_process = subprocess.Popen([chromedriver, f"--port={driver_port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{driver_port}/status", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        driver = WebDriver(driver_port, webgpu=not args.without_webgpu)
        try:
            driver("POST", "/timeouts", {"script": 600_000})
            driver("POST", "/url", {"url": f"http://127.0.0.1:{http_port}/{args.page}"})
            started = time.monotonic()
            report = driver("POST", "/execute/async", {
                "script": "const done = arguments[arguments.length - 1];"
                          "window.__report.then(done, (e) => done({checks: [{name: 'page',"
                          " ok: false, detail: String(e)}]}));",
                "args": [],
            })
            seconds = time.monotonic() - started
            if args.screenshot:
                png = driver("GET", "/screenshot")
                args.screenshot.write_bytes(base64.b64decode(png))
        finally:
            driver("DELETE", "")
    finally:
        driver_process.terminate()
        driver_process.wait(timeout=30)
        server.shutdown()

    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    failed = [c for c in report["checks"] if not c["ok"]]
    for check in report["checks"]:
        mark = "ok  " if check["ok"] else "FAIL"
        detail = f" ({check['detail']})" if check["detail"] and not check["ok"] else ""
        print(f"{mark} {check['name']}{detail}")
    if report.get("figures"):
        print("figures:", json.dumps(report["figures"]))
    print(f"{len(report['checks']) - len(failed)} of {len(report['checks'])} checks passed "
          f"in {seconds:.1f} s")
    no_webgpu = any("NoAdapter" in c["detail"] for c in failed)
    return 2 if no_webgpu and len(failed) == 1 else (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
