"""Checks the live web console in a real headless chromium: opens URL, waits until it is
live, stops process FLIPPER over XML-RPC and waits for its row to say STOPPED without a
reload, waits for the pools panel to mark pool POOL red, chooses process PAINTER's log and
checks its ANSI colours are rendered (not raw escapes), filters the event stream, and saves
a screenshot to SHOT. Prints one line per check that passed.
Usage: console_check.py CHROMIUM URL FLIPPER POOL PAINTER SHOT"""
import base64
import json
import os
import sys
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Chromium  # noqa: E402

chromium, url, flipper, pool, painter, shot = sys.argv[1:7]
browser = Chromium(chromium)
try:
    s = browser.open(url)
    browser.wait_for(s, "document.readyState === 'complete' && "
                     "document.querySelector('#live').textContent === 'live'", 'the console live')
    browser.evaluate(s, 'window.__notReloaded = true')
    row = "document.querySelector('tr[data-name=%s] td.state')" % json.dumps(flipper)
    if browser.evaluate(s, row + '.textContent') != 'RUNNING':
        raise RuntimeError('flipper is not RUNNING at first')
    base = url.rsplit('/', 1)[0]
    xmlrpc.client.ServerProxy(base + '/RPC2').supervisor.stopProcess(flipper)
    browser.wait_for(s, row + ".textContent === 'STOPPED' && window.__notReloaded === true",
                     'the state change without a reload')
    print('state change shown live')
    browser.wait_for(s, "!!document.querySelector('#pools tr.alarm[data-pool=%s]')"
                     % json.dumps(pool), 'the pools panel to show the drop')
    print('pools panel red on drops')
    browser.evaluate(s, "(() => { const sel = document.querySelector('#tail-name'); "
                     "sel.value = %s; sel.dispatchEvent(new Event('change')); })()"
                     % json.dumps(painter))
    browser.wait_for(s, "[...document.querySelectorAll('#tail span.fg-31')]"
                     ".some(e => e.textContent.indexOf('red') >= 0)", 'coloured output')
    raw = browser.evaluate(s, "document.querySelector('#tail').textContent")
    if '\x1b' in raw or '[31m' in raw:
        raise RuntimeError('raw escapes shown: %r' % raw)
    print('ansi colours rendered')
    browser.wait_for(s, "[...document.querySelectorAll('#events li')].some(li => "
                     "li.dataset.type === 'PROCESS_STATE_STOPPED' && "
                     "li.dataset.payload.indexOf('processname:%s ') >= 0)" % flipper,
                     'the stop in the event stream')
    browser.evaluate(s, "(() => { const i = document.querySelector('#event-type'); "
                     "i.value = 'PROCESS_STATE_STOPPED'; i.dispatchEvent(new Event('input')); })()")
    shown = browser.evaluate(s, "[...document.querySelectorAll('#events li')]"
                             ".filter(li => !li.hidden).map(li => li.dataset.type)")
    if not shown or any(t != 'PROCESS_STATE_STOPPED' for t in shown):
        raise RuntimeError('filter shows %r' % shown)
    print('event stream filtered')
    png = browser.send('Page.captureScreenshot', {'format': 'png'}, s)['data']
    with open(shot, 'wb') as f:
        f.write(base64.b64decode(png))
    print('screenshot saved')
finally:
    browser.close()
