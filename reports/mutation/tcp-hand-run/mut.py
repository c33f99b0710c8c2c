#!/usr/bin/env python3
# mut.py FILE LINE ORIGINAL REPLACEMENT TEST... : apply one mutant to the copy, run jest (60 s at most), restore.
import sys, subprocess, os, signal
f, line, orig, repl, *tests = sys.argv[1:]
p = os.path.join(os.environ.get('HAND', '/tmp/htcp/hand'), f)
src = open(p).read()
lines = src.split('\n')
i = int(line) - 1
if lines[i].count(orig) != 1:
    print(f'NOT UNIQUE/FOUND on line {line}: {lines[i]!r}'); sys.exit(3)
lines[i] = lines[i].replace(orig, repl)
open(p, 'w').write('\n'.join(lines))
try:
    pr = subprocess.Popen(['npx', 'jest', '--maxWorkers=1', *tests], cwd=os.environ.get('HAND', '/tmp/htcp/hand'), env={**os.environ, 'NODE_OPTIONS': '--experimental-vm-modules'}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = pr.communicate(timeout=int(os.environ.get('MUT_TIMEOUT', '60')))
        rc = pr.returncode
    except subprocess.TimeoutExpired:
        os.killpg(pr.pid, signal.SIGKILL)
        pr.communicate()
        print(f'{f}:{line} {orig!r} -> {repl!r}: KILLED (timeout: the test never ends)')
        sys.exit(0)
    fails = [l.strip() for l in out.split('\n') if l.strip().startswith('● ')]
    summary = [l for l in out.split('\n') if l.startswith('Tests:')]
    print(f'{f}:{line} {orig!r} -> {repl!r}:', 'KILLED' if rc else 'SURVIVED', summary)
    for x in dict.fromkeys(fails): print('   ', x[:200])
finally:
    open(p, 'w').write(src)
