"""Opens URL in a real headless chromium, clicks the button with value ACTION in the form for
process NAME, waits for the page the form's answer leads to and prints that page's text.
Usage: browser_click.py CHROMIUM URL NAME ACTION"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Chromium  # noqa: E402

chromium, url, name, action = sys.argv[1:5]
browser = Chromium(chromium)
try:
    session = browser.open(url)
    find = ("[...document.querySelectorAll('form')].filter(f => f.processname && "
            "f.processname.value === %s).map(f => f.querySelector('button[value=%s]'))"
            ".find(b => b)" % (json.dumps(name), json.dumps(action)))
    browser.wait_for(session, "document.readyState === 'complete' && !!(%s)" % find,
                     'the button')
    browser.evaluate(session, "(%s).click()" % find)
    browser.wait_for(session, "document.readyState === 'complete' && "
                     "location.search.indexOf('message=') >= 0", 'the answer page')
    print(browser.evaluate(session, 'document.body.innerText'))
finally:
    browser.close()
