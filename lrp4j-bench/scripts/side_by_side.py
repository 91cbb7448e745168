"""lrp4j against PyTorch / Zennit, side by side in one run: for every workload, `torch_bench.py` then
`lrp4j bench --json`, one after the other, for several rounds (the machine's speed drifts between minutes; a
ratio of calls run back to back holds better than an absolute time). Prints one JSON line per call (with the
process's peak RSS from /usr/bin/time) and then the Markdown table of BENCHMARKS.md.

    ZENNIT=/path/to/zennit-0.5.1/src /usr/bin/python3 lrp4j-bench/scripts/side_by_side.py --rounds 2

Needs Debian's python3-torch, Zennit's source tree (fetched, not part of lrp4j) and /usr/bin/time (Debian's
`time`). `--only vgg16-b8` and friends pick workloads by name.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# name, model, batch, torch_bench method, lrp4j bench method, warm-up, timed calls
WORKLOADS = [
    ('vgg16 b1 forward', 'vgg16', 1, 'forward', 'forward', 2, 7),
    ('vgg16 b1 gradient', 'vgg16', 1, 'gradient', 'gradient', 2, 7),
    ('vgg16 b1 epsilon-plus-flat', 'vgg16', 1, 'epsilon-plus-flat', 'lrp:epsilon-plus-flat', 2, 7),
    ('vgg16 b1 epsilon-gamma-box', 'vgg16', 1, 'epsilon-gamma-box', 'lrp:epsilon-gamma-box', 2, 7),
    ('resnet50 b1 forward', 'resnet50', 1, 'forward', 'forward', 3, 15),
    ('resnet50 b1 gradient', 'resnet50', 1, 'gradient', 'gradient', 3, 15),
    ('resnet50 b1 epsilon-plus-flat', 'resnet50', 1, 'epsilon-plus-flat', 'lrp:epsilon-plus-flat', 3, 9),
    ('resnet50 b1 epsilon-gamma-box', 'resnet50', 1, 'epsilon-gamma-box', 'lrp:epsilon-gamma-box', 3, 9),
    ('small-cnn b256 epsilon-plus-flat', 'small-cnn', 256, 'epsilon-plus-flat', 'lrp:epsilon-plus-flat', 3, 15),
    ('small-cnn b256 epsilon-gamma-box', 'small-cnn', 256, 'epsilon-gamma-box', 'lrp:epsilon-gamma-box', 3, 15),
    ('small-cnn b64 train', 'small-cnn', 64, 'train', 'train', 5, 30),
    ('vgg16 b8 epsilon-plus-flat', 'vgg16', 8, 'epsilon-plus-flat', 'lrp:epsilon-plus-flat', 1, 3),
]


def run(side, model, batch, torch_method, lrp_method, warmup, reps, zennit, java_opts):
    with tempfile.NamedTemporaryFile('r') as rss:
        if side == 'torch':
            cmd = ['/usr/bin/python3', os.path.join(HERE, 'torch_bench.py'), '--model', model, '--batch', str(batch),
                   '--method', torch_method, '--warmup', str(warmup), '--reps', str(reps), '--threads', '2']
            env = dict(os.environ, PYTHONPATH=zennit)
        else:
            cmd = [os.path.join(ROOT, 'lrp4j'), 'bench', '--json', '--model', model, '--batch', str(batch),
                   '--method', lrp_method, '--warmup', str(warmup), '--reps', str(reps), '--threads', '2']
            env = dict(os.environ, LRP4J_JAVA_OPTS=java_opts) if java_opts else dict(os.environ)
        out = subprocess.run(['/usr/bin/time', '-f', '%M', '-o', rss.name] + cmd, env=env, check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
        line = [ln for ln in out.splitlines() if ln.startswith('{')][-1]
        d = json.loads(line)
        d['side'] = side
        d['maxrss_mb'] = int(rss.read().split()[-1]) / 1024
        return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--only', default='', help='comma-separated substrings of workload names')
    ap.add_argument('--java-opts', default='', help='LRP4J_JAVA_OPTS for the lrp4j calls (e.g. -Xmx2500m)')
    a = ap.parse_args()
    zennit = os.environ.get('ZENNIT')
    if not zennit:
        sys.exit('side_by_side.py: set ZENNIT to the src/ folder of a Zennit 0.5.1 checkout')
    chosen = [w for w in WORKLOADS if not a.only or any(s in w[0] for s in a.only.split(','))]
    results = {w[0]: {'torch': [], 'lrp4j': []} for w in chosen}
    for r in range(a.rounds):
        for w in chosen:
            for side in ('torch', 'lrp4j'):
                d = run(side, *w[1:], zennit, a.java_opts)
                d['workload'] = w[0]
                d['round'] = r + 1
                print(json.dumps(d), flush=True)
                results[w[0]][side].append(d)
    print()
    print('| workload | round | lrp4j min / median s | PyTorch/Zennit min / median s | lrp4j faster by (medians) '
          '| lrp4j % of FMA peak | peak RSS lrp4j / torch MB |')
    print('|---|---|---|---|---|---|---|')
    for w in chosen:
        for r, (t, j) in enumerate(zip(results[w[0]]['torch'], results[w[0]]['lrp4j'])):
            print(f"| {w[0]} | {r + 1} | {j['min_s']:.3f} / {j['median_s']:.3f} | {t['min_s']:.3f} / "
                  f"{t['median_s']:.3f} | {t['median_s'] / j['median_s']:.2f}x | {100 * j['peak_fraction']:.0f}% "
                  f"| {j['maxrss_mb']:.0f} / {t['maxrss_mb']:.0f} |")
    ratios = {w[0]: statistics.median([t['median_s'] / j['median_s'] for t, j in
                                       zip(results[w[0]]['torch'], results[w[0]]['lrp4j'])]) for w in chosen}
    print()
    print(json.dumps({'median_ratio_over_rounds': ratios}))


if __name__ == '__main__':
    main()
