"""A second process writing a store: ``python -m tests.store_spec.child KIND DIRECTORY COUNT``.

It opens the store of ``KIND`` in ``DIRECTORY`` as :class:`~tests.store_spec.adapter.SpecStore`,
appends ``COUNT`` values (and, for sessions, events), checkpointing now and then, prints the number
of each change once it is acknowledged, checkpoints a last time and closes. It starts writing once
it reads a line on stdin (the parent's first write is done: on a loaded machine the child could
otherwise finish before the parent is scheduled at all).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.store_spec.adapter import KINDS, SpecStore

CHECKPOINT_EVERY = 10


def main(argv: list[str]) -> None:
    kind, directory, count = KINDS[argv[0]], Path(argv[1]), int(argv[2])
    store = SpecStore(kind, directory)
    store.open()
    print("open", flush=True)
    sys.stdin.readline()  # "go": the parent has written too, so the two really write at once
    for n in range(count):
        store.set(f"child_{n}", n)
        store.set("last_writer", "child")
        if kind.events:
            store.record({"kind": "task_started", "task_id": f"child_{n}"})
        print(n, flush=True)
        if n % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1:
            store.checkpoint()
    store.checkpoint()
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
