"""Drives a real headless chromium over the DevTools protocol on a pipe (no extra packages):
opens URL, clicks the button with value ACTION in the form for process NAME, waits for the
page the form's answer leads to and prints that page's text.
Usage: browser_click.py CHROMIUM URL NAME ACTION"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

chromium, url, name, action = sys.argv[1:5]
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def child_fds():
    # Chromium reads commands on fd 3 and writes answers on fd 4; move the pipe ends out of
    # the way first so neither overwrites the other, and make both inheritable.
    high_r, high_w = os.dup(to_chrome_r) + 100, os.dup(from_chrome_w) + 100
    os.dup2(to_chrome_r, high_r)
    os.dup2(from_chrome_w, high_w)
    os.dup2(high_r, 3)
    os.dup2(high_w, 4)
    os.set_inheritable(3, True)
    os.set_inheritable(4, True)


profile = tempfile.mkdtemp(prefix='chromium-')
proc = subprocess.Popen(
    [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
     '--disable-dev-shm-usage', '--remote-debugging-pipe', '--user-data-dir=' + profile,
     'about:blank'],
    preexec_fn=child_fds, close_fds=False, start_new_session=True,
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_chrome_r)
os.close(from_chrome_w)
buffered = b''
next_id = 0


def send(method, params=None, session=None, timeout=30):
    global buffered, next_id
    next_id += 1
    msg = {'id': next_id, 'method': method, 'params': params or {}}
    if session:
        msg['sessionId'] = session
    os.write(to_chrome_w, json.dumps(msg).encode() + b'\0')
    deadline = time.time() + timeout
    while time.time() < deadline:
        while b'\0' in buffered:
            raw, buffered = buffered.split(b'\0', 1)
            reply = json.loads(raw)
            if reply.get('id') == next_id:
                if 'error' in reply:
                    raise RuntimeError('%s: %s' % (method, reply['error']))
                return reply['result']
        chunk = os.read(from_chrome_r, 65536)
        if not chunk:
            raise RuntimeError('chromium closed the pipe')
        buffered += chunk
    raise RuntimeError('no answer to ' + method)


def evaluate(session, expr):
    r = send('Runtime.evaluate', {'expression': expr, 'returnByValue': True}, session)
    return r['result'].get('value')


def wait_for(session, expr, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if evaluate(session, expr):
            return
        time.sleep(0.1)
    raise RuntimeError('timed out waiting for ' + what + ': ' +
                       str(evaluate(session, 'document.body ? document.body.innerText : ""')))


try:
    target = send('Target.createTarget', {'url': 'about:blank'})['targetId']
    session = send('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']
    send('Page.navigate', {'url': url}, session)
    find = ("[...document.querySelectorAll('form')].filter(f => f.processname && "
            "f.processname.value === %s).map(f => f.querySelector('button[value=%s]'))"
            ".find(b => b)" % (json.dumps(name), json.dumps(action)))
    wait_for(session, "document.readyState === 'complete' && !!(%s)" % find, 'the button')
    evaluate(session, "(%s).click()" % find)
    wait_for(session, "document.readyState === 'complete' && "
             "location.search.indexOf('message=') >= 0", 'the answer page')
    print(evaluate(session, 'document.body.innerText'))
    try:
        send('Browser.close', timeout=5)
    except Exception:
        pass
finally:
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    # Chromium's helpers share its new session's process group, whose id is its pid.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
