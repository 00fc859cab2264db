# Reference values from umap-learn (Debian's umap-learn 0.5.3, run with /usr/bin/python3) for tests/fixtures.
# Usage: /usr/bin/python3 umap_fixtures.py DIGITS.csv OUT.json
# DIGITS.csv: label,x0..x63 rows written by scripts/cluster-fixtures.fsx (Arise.Cluster.Datasets.digitsLike 7 180).
import json, sys, time, numpy as np, umap
from umap.umap_ import find_ab_params, fuzzy_simplicial_set
from sklearn.manifold import trustworthiness
from sklearn.metrics import pairwise_distances

raw = np.loadtxt(sys.argv[1], delimiter=",")
X = raw[:, 1:].astype(np.float32)
out = {"umap_learn_version": umap.__version__}

out["ab"] = [{"min_dist": md, "spread": 1.0, "a": float(a), "b": float(b)}
             for md in [0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.8, 0.99]
             for a, b in [find_ab_params(1.0, md)]]
a, b = find_ab_params(2.0, 0.3)
out["ab"].append({"min_dist": 0.3, "spread": 2.0, "a": float(a), "b": float(b)})

# exact kNN (itself first) on the first 300 rows, then umap-learn's smooth kNN and fuzzy union from it
S = X[:300]
k = 15
d = pairwise_distances(S)
idx = np.argsort(d, axis=1, kind="stable")[:, :k]
dist = np.take_along_axis(d, idx, axis=1).astype(np.float32)
graph, sigmas, rhos = fuzzy_simplicial_set(S, k, np.random.RandomState(0), "euclidean",
                                           knn_indices=idx, knn_dists=dist)
g = graph.tocoo()
out["graph"] = {"k": k, "n": 300, "knn_indices": idx.tolist(), "knn_dists": dist.astype(float).tolist(),
                "sigmas": sigmas.tolist(), "rhos": rhos.tolist(),
                "rows": g.row.tolist(), "cols": g.col.tolist(), "vals": g.data.astype(float).tolist()}

def knn_sets(Z, k):
    D = pairwise_distances(Z)
    np.fill_diagonal(D, np.inf)
    return np.argsort(D, axis=1, kind="stable")[:, :k]

def knn_preservation(A, B, k=15):
    a, b = knn_sets(A, k), knn_sets(B, k)
    return float(np.mean([len(set(a[i]) & set(b[i])) / k for i in range(len(A))]))

runs = []
for seed in range(5):
    t0 = time.time()
    emb = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=seed).fit_transform(X)
    t = time.time() - t0
    runs.append({"seed": seed, "seconds": t, "trust15": float(trustworthiness(X, emb, n_neighbors=15)),
                 "knn_pres15": knn_preservation(X, emb)})
    if seed == 0:
        out["embedding_seed0"] = emb.astype(float).tolist()
out["fit"] = runs

test = np.arange(len(X)) % 5 == 0
tr = []
for seed in range(5):
    m = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=seed).fit(X[~test])
    e = m.transform(X[test])
    tr.append({"seed": seed, "trust15": float(trustworthiness(X[test], e, n_neighbors=15))})
out["transform"] = tr
json.dump(out, open(sys.argv[2], "w"))
print("umap-learn", umap.__version__, "fit trust@15", np.mean([r["trust15"] for r in runs]),
      "knn-pres@15", np.mean([r["knn_pres15"] for r in runs]), "transform trust@15", np.mean([r["trust15"] for r in tr]))
