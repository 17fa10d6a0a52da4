"""Peak memory of `Ranker.update` over a stream of wide batches made by a
Python generator: 200,000 rows x 2,000 integer columns (3.2 GB of Arrow
data in all) in batches of 200 rows, each batch a fresh copy.

    python benches/scripts/wide_stream.py

Prints the rows, the seconds and the process's peak RSS. The binding holds
a group of batches until it is ranked; the group must stay small whatever
the width (BENCHMARKS.md, wide streams from Python).
"""

import resource, sys, time
import numpy as np, pyarrow as pa, cardrank
rng = np.random.default_rng(0)
cols = 2000
rows_per = 200
names = [f"c{i}" for i in range(cols)] + ["y"]
base = [pa.array(rng.integers(0, 50, rows_per)) for _ in range(cols)] + [pa.array(rng.integers(0, 2, rows_per))]
batch = pa.RecordBatch.from_arrays(base, names=names)
def gen():
    for _ in range(1000):  # 200,000 rows
        yield batch.take(pa.array(np.arange(rows_per)))
r = cardrank.Ranker("y", threads=2)
t = time.time()
r.update(pa.RecordBatchReader.from_batches(batch.schema, gen()))
print("rows", r.rows, "%.1f s" % (time.time() - t), "peak RSS MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
