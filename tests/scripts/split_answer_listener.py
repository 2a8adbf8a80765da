"""An event listener that writes its answer and its next READY in separate writes, 0.3 s
apart, so they reach supervisord in separate reads."""
import sys
import time

while True:
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    headers = dict(x.split(':') for x in sys.stdin.readline().split())
    sys.stdin.read(int(headers['len']))
    sys.stdout.write('RESULT 2\nOK')
    sys.stdout.flush()
    time.sleep(0.3)
