"""The floor: the least any Python YAML tool does with a ResourceList.

A bare PyYAML load and dump through libyaml (the C loader and dumper), nothing else:
no checks, no transform, defaults for every dump option. The benchmark runs it as its
own process, ``python benchmarks/floor.py < rl.yaml > /dev/null``, so interpreter
start-up and ``import yaml`` count here exactly as they count for the function.
"""

import sys

import yaml

data = yaml.load(sys.stdin.buffer.read(), Loader=yaml.CSafeLoader)
sys.stdout.write(yaml.dump(data, Dumper=yaml.CSafeDumper))
