#!/usr/bin/env python3
"""Executed instructions from a qemu `-d in_asm,exec,nochain` log (see count.sh)."""
import sys, re, collections
# Sum of instructions executed, from a qemu `-d in_asm,exec,nochain` log: each translated block is
# listed once (IN: ... then its instructions), and every execution logs "Trace ...: [... pc ...]".
sizes = {}
counts = collections.Counter()
cur = None; n = 0
pc_re = re.compile(r'^0x([0-9a-f]+):')
with open(sys.argv[1], errors='replace') as f:
    for line in f:
        if line.startswith('IN:'):
            if cur is not None: sizes.setdefault(cur, n)
            cur = None; n = 0
            continue
        m = pc_re.match(line)
        if m:
            if cur is None: cur = int(m.group(1), 16)
            n += 1
            continue
        if line.startswith('Trace'):
            if cur is not None: sizes.setdefault(cur, n); cur = None; n = 0
            # Trace 0: 0x7f... [00000000/0000000000400580/...]
            m2 = re.search(r'\[[0-9a-f]+/([0-9a-f]+)/', line)
            if m2: counts[int(m2.group(1), 16)] += 1
if cur is not None: sizes.setdefault(cur, n)
total = sum(c * sizes.get(pc, 0) for pc, c in counts.items())
missing = sum(c for pc, c in counts.items() if pc not in sizes)
print(total, missing)
