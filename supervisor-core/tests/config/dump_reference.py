"""Loads each config file given on the command line with supervisor 4.3's own
ServerOptions and prints one JSON object per file: the normalized view that
supervisor-core/tests/config.rs compares ours with, or {"error": ...} when 4.3 refuses."""
import io, json, shlex, signal, sys, contextlib
from supervisor.options import ServerOptions
from supervisor import datatypes
from supervisor.events import getEventNameByType

def channel(pc, ch):
    lf = getattr(pc, ch + '_logfile')
    if lf is datatypes.Automatic:
        lf = 'AUTO'
    elif lf is None:
        lf = None
    return {
        'logfile': lf,
        'maxbytes': getattr(pc, ch + '_logfile_maxbytes'),
        'backups': getattr(pc, ch + '_logfile_backups'),
        'capture_maxbytes': getattr(pc, ch + '_capture_maxbytes'),
        'events_enabled': bool(getattr(pc, ch + '_events_enabled')),
    }

def dump(path):
    o = ServerOptions()
    err = io.StringIO()
    o.stderr = err
    o.stdout = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            o.realize(args=['-c', path])
    except SystemExit:
        return {'error': err.getvalue().strip()}
    except Exception as e:
        return {'error': '%s: %s' % (type(e).__name__, e)}
    out = {
        'identifier': o.identifier,
        'loglevel': o.loglevel,
        'minfds': o.minfds,
        'minprocs': o.minprocs,
        'nodaemon': bool(o.nodaemon),
        'processes': [],
        'pools': [],
        'servers': sorted(c['family'] == 1 and 'unix' or 'inet' for c in o.server_configs),
    }
    for g in sorted(o.process_group_configs, key=lambda g: g.name):
        if hasattr(g, 'buffer_size'):
            out['pools'].append({
                'name': g.name,
                'buffer_size': g.buffer_size,
                'events': sorted(getEventNameByType(e) for e in g.pool_events),
            })
        for pc in g.process_configs:
            out['processes'].append({
                'group': g.name,
                'name': pc.name,
                'argv': shlex.split(pc.command),
                'priority': pc.priority,
                'autostart': bool(pc.autostart),
                'autorestart': 'true' if pc.autorestart is datatypes.RestartUnconditionally else ('false' if pc.autorestart is False else 'unexpected'),
                'startsecs': pc.startsecs,
                'startretries': pc.startretries,
                'exitcodes': sorted(pc.exitcodes),
                'stopsignal': int(pc.stopsignal),
                'stopwaitsecs': pc.stopwaitsecs,
                'stopasgroup': bool(pc.stopasgroup),
                'killasgroup': bool(pc.killasgroup),
                'redirect_stderr': bool(pc.redirect_stderr),
                'directory': pc.directory,
                'umask': pc.umask,
                'environment': pc.environment or {},
                'stdout': channel(pc, 'stdout'),
                'stderr': channel(pc, 'stderr'),
            })
    out['processes'].sort(key=lambda p: (p['group'], p['name']))
    return out

for path in sys.argv[1:]:
    print(json.dumps(dump(path), sort_keys=True))
