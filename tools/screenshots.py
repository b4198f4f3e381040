#!/usr/bin/env python3
# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Screenshots of the real screens for the Apps page (crm_loyalty/static/description/).

Run against the demo database served by ``tools/demo.sh`` (login admin / admin)::

    tools/demo.sh &            # wait until it serves http://localhost:8069
    python3 tools/screenshots.py [--url http://localhost:8069] [--db crm_loyalty_demo]
    python3 tools/screenshots.py --login demo --password demo --prefix salesperson_ --only dashboard,scores
    python3 tools/screenshots.py --lang zh_CN --prefix zh_CN_ --only dashboard,clv    # admin in Chinese

It logs in, opens each screen in a headless Chromium (Debian's ``chromium``) through the DevTools
protocol (``websocket-client``, as Odoo's own browser tests) and saves one PNG per screen (named with
``--prefix``). With ``--lang``, the language is installed if needed and the user works in it for the
screenshots (set back afterwards); Chinese needs a CJK font in Chromium (Debian's ``fonts-noto-cjk``).
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import requests
import websocket

OUT = os.path.join(os.path.dirname(__file__), "..", "crm_loyalty", "static", "description")
# file name, path in the web client, CSS selector that must be on the page
ACTION = "/odoo/action-crm_loyalty."
SCREENS = [
    (
        "screenshot_dashboard.png",
        ACTION + "crm_loyalty_dashboard_action",
        ".o_loyalty_trend_chart canvas",
    ),
    ("screenshot_pyramid.png", ACTION + "crm_loyalty_score_action_pyramid", ".o_pivot"),
    ("screenshot_scores.png", ACTION + "crm_loyalty_score_action", ".o_list_view .o_data_row"),
    ("screenshot_clv.png", ACTION + "crm_loyalty_score_action_clv", ".o_graph_renderer canvas"),
    (
        "screenshot_migration.png",
        ACTION + "crm_loyalty_migration_action/{migration}",
        ".o_loyalty_heatmap",
    ),
    ("screenshot_kpi.png", ACTION + "crm_loyalty_kpi_action", ".o_action_manager .o_view_controller"),
]


def find_browser():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("no Chromium found: install Debian's chromium package")


class DevTools:
    def __init__(self, port):
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
                    pages = [target for target in json.load(response) if target["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            sys.exit("Chromium did not open its DevTools port")
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.call(
                "Runtime.evaluate", expression=f"!!document.querySelector({json.dumps(selector)})", returnByValue=True
            )
            if found.get("result", {}).get("value"):
                return
            time.sleep(0.25)
        raise RuntimeError(f"{selector} did not appear")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="crm_loyalty_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--prefix", default="", help="prefix of the PNG files (e.g. salesperson_)")
    parser.add_argument("--lang", help="the user's language during the screenshots (e.g. zh_CN)")
    parser.add_argument("--only", help="comma-separated screens to take (e.g. dashboard,scores); default: all")
    args = parser.parse_args()

    session = requests.Session()
    response = session.post(
        f"{args.url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": args.db, "login": args.login, "password": args.password}},
        timeout=60,
    )
    if response.json().get("error"):
        sys.exit(f"login failed: {response.json()['error']['data']['message']}")
    uid = response.json()["result"]["uid"]

    def call(model, method, *args, **kwargs):
        reply = session.post(
            f"{args_url}/web/dataset/call_kw/{model}/{method}",
            json={"jsonrpc": "2.0", "params": {"model": model, "method": method, "args": args, "kwargs": kwargs}},
            timeout=300,
        ).json()
        if reply.get("error"):
            sys.exit(f"{model}.{method}: {reply['error']['data']['message']}")
        return reply["result"]

    args_url = args.url
    migration = call("crm.loyalty.migration", "search", [], limit=1)
    if not migration:
        sys.exit("the database has no migration matrix (or the user reads none): use the demo database")
    previous_lang = None
    if args.lang:
        if not call("res.lang", "search", [("code", "=", args.lang)]):
            languages = call("res.lang", "search", [("code", "=", args.lang), ("active", "=", False)], context={})
            wizard = call("base.language.install", "create", {"lang_ids": [(6, 0, languages)], "overwrite": False})
            call("base.language.install", "lang_install", [wizard])
        previous_lang = call("res.users", "read", [uid], ["lang"])[0]["lang"]
        call("res.users", "write", [uid], {"lang": args.lang})

    port = 9333
    profile = tempfile.mkdtemp(prefix="loyalty-shots-")
    chrome = subprocess.Popen(
        [
            find_browser(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            "--window-size=1440,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tools = DevTools(port)
        tools.call("Network.enable")
        tools.call("Network.setCookie", name="session_id", value=session.cookies["session_id"], url=args.url)
        tools.call("Emulation.setDeviceMetricsOverride", width=1440, height=900, deviceScaleFactor=1, mobile=False)
        only = set(args.only.split(",")) if args.only else None
        for name, path, selector in SCREENS:
            if only and name.removeprefix("screenshot_").removesuffix(".png") not in only:
                continue
            name = args.prefix + name
            tools.call("Page.navigate", url=args.url + path.format(migration=migration[0]))
            tools.wait_for(selector)
            time.sleep(1.5)  # charts animate
            # the top of the screen (the web client may have scrolled to a focused element)
            tools.call(
                "Runtime.evaluate",
                expression="document.querySelectorAll('.o_content, .o_form_sheet_bg').forEach((e) => e.scrollTo(0, 0));"
                "window.scrollTo(0, 0);",
            )
            time.sleep(0.3)
            shot = tools.call("Page.captureScreenshot", format="png")
            target = os.path.join(args.out, name)
            with open(target, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
            print(f"{target}: {path}")
    finally:
        if previous_lang:
            call("res.users", "write", [uid], {"lang": previous_lang})
        chrome.terminate()
        chrome.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
