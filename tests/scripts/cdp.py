"""A real headless chromium driven over the DevTools protocol on a pipe, with the standard
library only: launch, send a command, evaluate an expression, wait for a condition, close.
Used by browser_click.py and console_check.py."""
import json
import os
import signal
import subprocess
import tempfile
import time


class Chromium:
    def __init__(self, chromium):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def child_fds():
            # Chromium reads commands on fd 3 and writes answers on fd 4; move the pipe ends
            # out of the way first so neither overwrites the other, and make both inheritable.
            high_r, high_w = os.dup(to_chrome_r) + 100, os.dup(from_chrome_w) + 100
            os.dup2(to_chrome_r, high_r)
            os.dup2(from_chrome_w, high_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        profile = tempfile.mkdtemp(prefix='chromium-')
        self.proc = subprocess.Popen(
            [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--disable-dev-shm-usage', '--remote-debugging-pipe', '--user-data-dir=' + profile,
             '--window-size=1200,1600', 'about:blank'],
            preexec_fn=child_fds, close_fds=False, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.write_fd, self.read_fd = to_chrome_w, from_chrome_r
        self.buffered = b''
        self.next_id = 0

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session:
            msg['sessionId'] = session
        os.write(self.write_fd, json.dumps(msg).encode() + b'\0')
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b'\0' in self.buffered:
                raw, self.buffered = self.buffered.split(b'\0', 1)
                reply = json.loads(raw)
                if reply.get('id') == self.next_id:
                    if 'error' in reply:
                        raise RuntimeError('%s: %s' % (method, reply['error']))
                    return reply['result']
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                raise RuntimeError('chromium closed the pipe')
            self.buffered += chunk
        raise RuntimeError('no answer to ' + method)

    def open(self, url):
        """A new page at URL; returns its session."""
        target = self.send('Target.createTarget', {'url': 'about:blank'})['targetId']
        session = self.send('Target.attachToTarget',
                            {'targetId': target, 'flatten': True})['sessionId']
        self.send('Page.navigate', {'url': url}, session)
        return session

    def evaluate(self, session, expr):
        r = self.send('Runtime.evaluate', {'expression': expr, 'returnByValue': True}, session)
        return r['result'].get('value')

    def wait_for(self, session, expr, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(session, expr):
                return
            time.sleep(0.1)
        raise RuntimeError('timed out waiting for ' + what + ': ' + str(
            self.evaluate(session, 'document.body ? document.body.innerText : ""')))

    def close(self):
        try:
            self.send('Browser.close', timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # Chromium's helpers share its new session's process group, whose id is its pid.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
