"""Calls every method of supervisord 4.3's API with one argument too many, and (where it
has required arguments) one too few, then the type faults 4.3 answers itself, through plain
xmlrpc.client over the unix socket; prints one line per call so two daemons' transcripts can
be compared. The daemon must still be RUNNING at the end: a stray argument to
supervisor.shutdown or supervisor.restart must not stop it.
Usage: arity.py SOCKET_PATH"""
import socket
import sys
import xmlrpc.client
from http.client import HTTPConnection


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


s = xmlrpc.client.ServerProxy('http://localhost', transport=UnixTransport(sys.argv[1]))
OPTIONAL_WAIT = {'startAllProcesses', 'startProcess', 'startProcessGroup',
                 'stopAllProcesses', 'stopProcess', 'stopProcessGroup'}


def call(name, *args):
    method = s
    for part in name.split('.'):
        method = getattr(method, part)
    try:
        result = method(*args)
        print('%s%r -> %s' % (name, args, type(result).__name__))
    except xmlrpc.client.Fault as f:
        print('%s%r -> FAULT %d %s' % (name, args, f.faultCode, f.faultString))
    except Exception as e:
        print('%s%r -> ERROR %s' % (name, args, type(e).__name__))


methods = [m for m in s.system.listMethods() if m != 'supervisor.getPoolCounters']
assert len(methods) == 41, methods
for m in methods:
    params = len(s.system.methodSignature(m)) - 1
    required = params - (1 if m.split('.')[1] in OPTIONAL_WAIT else 0)
    call(m, *(['x'] * (params + 1)))
    if required > 0:
        call(m, *(['x'] * (required - 1)))
call('supervisor.sendProcessStdin', 'cat', 5)
call('system.multicall', 5)
print(s.system.multicall([
    {'methodName': 'supervisor.getPID', 'params': [1]},
    {'methodName': 'supervisor.getPID', 'params': 5},
    {'methodName': 'supervisor.shutdown', 'params': [True]},
    {'methodName': 'supervisor.startProcess', 'params': ['cat', True, 1]},
    {'methodName': 'supervisor.readLog', 'params': [0]},
]))
print('state:', s.supervisor.getState()['statename'])
