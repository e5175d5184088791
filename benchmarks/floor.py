"""The floor: the least any Python YAML tool does with a ResourceList.

A bare PyYAML load and dump through libyaml (the C loader and dumper), nothing else:
no checks, no transform, defaults for every dump option. The benchmark runs it as its
own process, ``python benchmarks/floor.py < rl.yaml > /dev/null``, so interpreter
start-up and ``import yaml`` count here exactly as they count for the function.

``--no-gc`` turns the cyclic garbage collector off first, as the function does: about
half of the floor's time at scale is the collector rescanning the loaded objects, so
this is the floor for a tool that knows that trick.
"""

import gc
import sys

import yaml

if "--no-gc" in sys.argv[1:]:
    gc.disable()
data = yaml.load(sys.stdin.buffer.read(), Loader=yaml.CSafeLoader)
sys.stdout.write(yaml.dump(data, Dumper=yaml.CSafeDumper))
