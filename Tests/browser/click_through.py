#!/usr/bin/env python3
"""Drives headless Chromium through a page flow and saves screenshots.

Talks the Chrome DevTools Protocol over --remote-debugging-pipe (file
descriptors 3 and 4, messages separated by NUL), so it needs nothing beyond
Python's standard library and Debian's chromium.

Usage: click_through.py STEPS_JSON
STEPS_JSON is a list of steps, each one of:
  {"goto": URL}
  {"click": CSS_SELECTOR}            clicks and waits for the next page load
  {"waitText": TEXT}                 waits until the page's text contains TEXT
  {"screenshot": PATH}               full-page PNG
  {"viewport": [WIDTH, HEIGHT]}      emulates that window (mobile below 600 px)
  {"scripts": false}                 turns page scripts off (or on again)
  {"fill": CSS_SELECTOR, "value": V} sets a form field
  {"waitSelector": CSS_SELECTOR}     waits until an element matches
  {"audit": NAME}                    runs a11y_check.js; violations fail the run
Prints one JSON line per step; exits non-zero on the first failing step.
"""
import base64
import json
import os
import select
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60.0  # a bound for a loaded machine, not a speed check
CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "a11y_check.js")


class Browser:
    def __init__(self):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="fb-chromium-")
        # Inside the child, fd 3 is what Chromium reads and fd 4 what it writes.
        def wire():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", "--no-first-run",
             "--user-data-dir=" + self.profile, "--window-size=1100,1400",
             "about:blank"],
            preexec_fn=wire, pass_fds=(3, 4, to_chrome_r, from_chrome_w),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], remaining)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate",
                           {"expression": expression, "returnByValue": True},
                           session=True)
        return result.get("result", {}).get("value")

    def on_element(self, selector, action):
        """Runs `action` (JavaScript, the element is `e`) on the first match."""
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" if (!e) return false; {action}; return true; }})()")
        if not found:
            raise RuntimeError(f"no element matches {selector}")

    def wait_until(self, expression, what):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                if self.evaluate(expression):
                    return
            except RuntimeError:
                pass  # the page is navigating; ask again
            time.sleep(0.1)
        raise TimeoutError(f"timed out waiting for {what}")

    def wait_for_new_page(self, old_marker):
        self.wait_until(
            f"window.__fbMarker !== {json.dumps(old_marker)} && document.readyState === 'complete'",
            "the next page")

    def mark_page(self):
        marker = f"m{time.monotonic_ns()}"
        self.evaluate(f"window.__fbMarker = {json.dumps(marker)}")
        return marker

    def close(self):
        self.proc.kill()
        self.proc.wait()
        subprocess.run(["rm", "-rf", self.profile], check=False)


def run(steps):
    browser = Browser()
    width = None
    try:
        for step in steps:
            if "goto" in step:
                marker = browser.mark_page()
                browser.call("Page.navigate", {"url": step["goto"]}, session=True)
                browser.wait_for_new_page(marker)
                outcome = {"goto": step["goto"]}
            elif "click" in step:
                marker = browser.mark_page()
                browser.on_element(step["click"], "e.click()")
                browser.wait_for_new_page(marker)
                outcome = {"click": step["click"]}
            elif "waitText" in step:
                text = json.dumps(step["waitText"])
                browser.wait_until(f"document.body && document.body.innerText.includes({text})",
                                   f"text {step['waitText']!r}")
                outcome = {"waitText": step["waitText"]}
            elif "screenshot" in step:
                metrics = browser.call("Page.getLayoutMetrics", session=True)
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
                shot = browser.call("Page.captureScreenshot",
                                    {"format": "png", "captureBeyondViewport": True, "clip": clip},
                                    session=True)
                with open(step["screenshot"], "wb") as out:
                    out.write(base64.b64decode(shot["data"]))
                outcome = {"screenshot": step["screenshot"]}
            elif "viewport" in step:
                width, height = step["viewport"]
                browser.call("Emulation.setDeviceMetricsOverride",
                             {"width": width, "height": height, "deviceScaleFactor": 1,
                              "mobile": width < 600}, session=True)
                outcome = {"viewport": step["viewport"]}
            elif "scripts" in step:
                browser.call("Emulation.setScriptExecutionDisabled",
                             {"value": not step["scripts"]}, session=True)
                outcome = {"scripts": step["scripts"]}
            elif "fill" in step:
                browser.on_element(step["fill"], f"e.value = {json.dumps(step['value'])}")
                outcome = {"fill": step["fill"]}
            elif "waitSelector" in step:
                selector = json.dumps(step["waitSelector"])
                browser.wait_until(f"document.querySelector({selector}) !== null",
                                   f"an element matching {step['waitSelector']}")
                outcome = {"waitSelector": step["waitSelector"]}
            elif "audit" in step:
                with open(CHECKER, encoding="utf-8") as source:
                    violations = browser.evaluate(source.read())
                if violations is None:
                    raise RuntimeError(f"{step['audit']}: the checker did not run")
                # Reflow against the emulated width: a phone's viewport may
                # widen to fit content, so the page cannot judge this itself.
                content = browser.evaluate(
                    "Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0)")
                if width is not None and content > width + 1:
                    widest = browser.evaluate(
                        f"[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width} + 1)"
                        ".slice(-1).map(e => { const path = []; for (let n = e; n && n !== document.body; n = n.parentElement)"
                        " path.unshift(n.tagName.toLowerCase() + (n.className ? '.' + n.className : '')); return path.join(' > '); }).join(', ')")
                    violations.append({"rule": "reflow", "element": "html",
                                       "detail": f"content is {content}px wide at {width}px: {widest}"})
                outcome = {"audit": step["audit"], "violations": violations}
                if violations:
                    outcome["url"] = browser.evaluate("location.href")
                    print(json.dumps(outcome, ensure_ascii=False), flush=True)
                    raise RuntimeError(f"{step['audit']}: {len(violations)} accessibility violations")
            else:
                raise ValueError(f"unknown step {step}")
            outcome["url"] = browser.evaluate("location.href")
            print(json.dumps(outcome, ensure_ascii=False), flush=True)
    finally:
        browser.close()


if __name__ == "__main__":
    try:
        run(json.loads(sys.argv[1]))
    except Exception as error:  # report the failing step in one line
        print(json.dumps({"error": str(error)}), flush=True)
        sys.exit(1)
