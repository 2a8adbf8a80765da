"""Calls every supervisor.* and system.* method of supervisord 4.3, with good and bad
arguments, through plain xmlrpc.client over the unix socket, and prints one normalised line
per call (pids, times and temp paths replaced) so two daemons' transcripts can be compared.
Usage: every_method.py SOCKET_PATH TEMP_DIR"""
import re
import sys
import time
import xmlrpc.client
from http.client import HTTPConnection
import socket


class UnixConnection(HTTPConnection):
    def __init__(self, path):
        HTTPConnection.__init__(self, 'localhost')
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        xmlrpc.client.Transport.__init__(self)
        self.path = path

    def make_connection(self, host):
        return UnixConnection(self.path)


sock, tmp = sys.argv[1], sys.argv[2]
s = xmlrpc.client.ServerProxy('http://localhost', transport=UnixTransport(sock))
TIMEKEYS = {'start', 'stop', 'now'}
# Members our daemon adds beyond 4.3 (COMPATIBILITY.md): process info's 'ready', and the
# orchestration keys in getAllConfigInfo.
EXTENSIONS = {'ready', 'depends_on', 'ready_check', 'ready_timeout', 'ready_interval',
              'essential', 'backoff', 'backoff_max', 'fatal_retry_after'}


def norm(v, key=None):
    if isinstance(v, dict):
        return {k: norm(x, k) for k, x in sorted(v.items()) if k not in EXTENSIONS}
    if isinstance(v, list):
        items = [norm(x) for x in v]
        # Status structs come in completion order, which varies from run to run.
        if items and all(isinstance(x, dict) and 'status' in x and 'description' in x for x in items):
            items.sort(key=lambda x: (x['group'], x['name']))
        return items
    if key == 'pid' and isinstance(v, int) and v:
        return 'PID'
    if key in TIMEKEYS and isinstance(v, int) and v:
        return 'TIME'
    if isinstance(v, str):
        v = v.replace(tmp, 'TMP')
        v = re.sub(r'---supervisor-[a-z0-9_]{8}\.log', '---supervisor-AUTO.log', v)
        v = re.sub(r'[A-Z][a-z]{2} +\d+ \d\d:\d\d [AP]M', 'DATE', v)
        v = re.sub(r'pid \d+, uptime \d+:\d\d:\d\d', 'pid PID, uptime UPTIME', v)
        v = re.sub(r'[A-Z][a-z]{2} \d\d [A-Z][a-z]{2} \d\d:\d\d \w+', 'DATE', v)
        v = re.sub(r'[A-Z][a-z]{2} [A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d \d{4}', 'DATE', v)
    return v


def call(name, *args, show=True):
    method = s
    for part in name.split('.'):
        method = getattr(method, part)
    try:
        result = method(*args)
        out = norm(result) if show else type(result).__name__
        print('%s%r -> %r' % (name, args, out))
        return result
    except xmlrpc.client.Fault as f:
        print('%s%r -> FAULT %d %s' % (name, args, f.faultCode, norm(f.faultString)))
    except Exception as e:  # a broken response is part of the transcript
        print('%s%r -> ERROR %s' % (name, args, type(e).__name__))


def wait_state(name, state):
    for _ in range(200):
        if s.supervisor.getProcessInfo(name)['statename'] == state:
            return
        time.sleep(0.05)


wait_state('cat', 'RUNNING')
for m in ['getAPIVersion', 'getVersion', 'getSupervisorVersion', 'getIdentification', 'getState']:
    call('supervisor.' + m)
print('getPID matches:', s.supervisor.getPID() > 0)
methods = [m for m in s.system.listMethods() if m != 'supervisor.getPoolCounters']
print('listMethods:', methods)
for m in methods + ['supervisor.nosuch']:
    call('system.methodSignature', m)
    call('system.methodHelp', m, show=False)
call('supervisor.getAllProcessInfo')
call('supervisor.getProcessInfo', 'cat')
call('supervisor.getProcessInfo', 'grp:one')
call('supervisor.getProcessInfo', 'nosuch')
call('supervisor.getProcessInfo', 'grp')
call('supervisor.getProcessInfo')
call('supervisor.nosuch')
call('supervisor.startProcess', 'sleeper')
call('supervisor.startProcess', 'sleeper')
call('supervisor.startProcess', 'nosuch')
call('supervisor.startProcess', 'nosuch:*')
call('supervisor.signalProcess', 'sleeper', 'CONT')
call('supervisor.signalProcess', 'sleeper', 'NOSUCHSIG')
call('supervisor.signalProcess', 'sleeper', 18)
call('supervisor.stopProcess', 'sleeper')
call('supervisor.stopProcess', 'sleeper')
call('supervisor.signalProcess', 'sleeper', 'CONT')
call('supervisor.startProcessGroup', 'grp')
call('supervisor.signalProcessGroup', 'grp', 'CONT')
call('supervisor.signalProcessGroup', 'nosuch', 'CONT')
call('supervisor.stopProcessGroup', 'grp')
call('supervisor.startProcessGroup', 'nosuch')
call('supervisor.startProcess', 'grp:*')
call('supervisor.stopProcess', 'grp:*')
call('supervisor.signalAllProcesses', 'CONT')
call('supervisor.sendProcessStdin', 'cat', 'hello\n')
call('supervisor.sendProcessStdin', 'sleeper', 'x')
call('supervisor.sendProcessStdin', 'nosuch', 'x')
for _ in range(200):
    if 'hello' in s.supervisor.readProcessStdoutLog('cat', 0, 0):
        break
    time.sleep(0.05)
call('supervisor.readProcessStdoutLog', 'cat', 0, 0)
call('supervisor.readProcessLog', 'cat', 0, 3)
call('supervisor.readProcessStdoutLog', 'cat', -3, 0)
call('supervisor.readProcessStdoutLog', 'cat', 100, 0)
call('supervisor.readProcessStderrLog', 'cat', 0, 0)
call('supervisor.readProcessStdoutLog', 'nosuch', 0, 0)
call('supervisor.readProcessStdoutLog', 'cat', -1, -1)
call('supervisor.tailProcessStdoutLog', 'cat', 0, 100)
call('supervisor.tailProcessLog', 'cat', 2, 3)
call('supervisor.tailProcessStderrLog', 'cat', 0, 100)
call('supervisor.tailProcessStdoutLog', 'nosuch', 0, 100)
call('supervisor.readLog', 0, 0, show=False)
call('supervisor.readMainLog', -5, 0, show=False)
call('supervisor.readLog', -1, -1)
call('supervisor.sendRemoteCommEvent', 'type', 'data')
call('supervisor.clearProcessLogs', 'cat')
call('supervisor.readProcessStdoutLog', 'cat', 0, 0)
call('supervisor.clearProcessLog', 'nosuch')
call('supervisor.clearAllProcessLogs')
call('supervisor.clearLog')
call('supervisor.reloadConfig')
call('supervisor.addProcessGroup', 'cat')
call('supervisor.addProcessGroup', 'nosuch')
call('supervisor.removeProcessGroup', 'cat')
call('supervisor.removeProcessGroup', 'nosuch')
info = s.supervisor.getAllConfigInfo()
# Our extensions' keys (COMPATIBILITY.md) are left out of the comparison.
EXTENSION_KEYS = {'stdout_log_timestamps', 'stderr_log_timestamps', 'stoptree'}
print('getAllConfigInfo:', norm([{k: v for k, v in c.items()
                                  if not k.endswith('_logfile') and k not in EXTENSION_KEYS}
                                 for c in info]))
call('system.multicall', [
    {'methodName': 'supervisor.getAPIVersion', 'params': []},
    {'methodName': 'supervisor.nosuch', 'params': []},
    {'methodName': 'supervisor.getProcessInfo', 'params': ['nosuch']},
    {'methodName': 'system.multicall', 'params': []},
    {'params': []},
])
# system.multicall('notalist') is left out: 4.3 answers it with HTTP 500 (a traceback);
# we answer INCORRECT_PARAMETERS.
call('supervisor.stopAllProcesses')
call('supervisor.getAllProcessInfo')
call('supervisor.startAllProcesses')
call('supervisor.getAllProcessInfo')
