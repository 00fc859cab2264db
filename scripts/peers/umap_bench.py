# umap-learn timing for bench/ (Debian's umap-learn, run with /usr/bin/python3): a cold and a warm fit of the
# same data in one process, seed 42, min_dist 0.1; writes the warm embedding as CSV and prints one JSON line.
# Usage: /usr/bin/python3 umap_bench.py DATA.csv N_NEIGHBORS EMBEDDING_OUT.csv
import json, resource, sys, time, numpy as np, umap
X = np.loadtxt(sys.argv[1], delimiter=",")[:, 1:].astype(np.float32)
k = int(sys.argv[2])
times = []
for _ in range(2):
    t = time.time()
    e = umap.UMAP(n_neighbors=k, min_dist=0.1, random_state=42).fit_transform(X)
    times.append(time.time() - t)
np.savetxt(sys.argv[3], e, delimiter=",")
print(json.dumps({"version": umap.__version__, "cold": times[0], "warm": times[1],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
