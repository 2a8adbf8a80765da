"""Runs supervisor 4.3.0's own end-to-end suite (supervisor/tests/test_end_to_end.py, from the
installed package) against another supervisord: the suite starts supervisord as
`sys.executable -m supervisor.supervisord ...`, so sys.executable is pointed at a shim that
runs the given binary for that and the real Python for everything else (supervisorctl,
pidproxy, echo_supervisord_conf).
Usage: upstream_e2e.py SUPERVISORD_BINARY SHIM_DIR [SKIPPED_TEST...]"""
import os
import stat
import sys
import unittest

binary, shim_dir, skipped = sys.argv[1], sys.argv[2], set(sys.argv[3:])
shim = os.path.join(shim_dir, 'python-shim')
with open(shim, 'w') as f:
    f.write('#!/bin/sh\n'
            'if [ "$1" = "-m" ] && [ "$2" = "supervisor.supervisord" ]; then\n'
            '    shift 2\n'
            '    exec %s "$@"\n'
            'fi\n'
            'exec %s "$@"\n' % (binary, sys.executable))
os.chmod(shim, stat.S_IRWXU)
os.environ['END_TO_END'] = '1'
real_python = sys.executable
sys.executable = shim

import supervisor.tests.test_end_to_end as suite_module  # noqa: E402

names = unittest.defaultTestLoader.getTestCaseNames(suite_module.EndToEndTests)
suite = unittest.TestSuite(
    suite_module.EndToEndTests(n) for n in names if n not in skipped)
result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
print('ran %d, skipped %d: %s' % (result.testsRun, len(skipped), ' '.join(sorted(skipped))))
sys.exit(0 if result.wasSuccessful() else 1)
