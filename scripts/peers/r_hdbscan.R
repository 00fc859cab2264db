# Reference HDBSCAN labels from R's dbscan package (Debian r-cran-dbscan) for tests/fixtures.
# Usage: Rscript r_hdbscan.R DATA.csv MINPTS OUT.csv   (DATA.csv: label,x0,x1,... rows; OUT.csv: one label per row,
# 0 = noise as R writes it). R's minPts = m matches hdbscan's min_cluster_size = m, min_samples = m - 1.
suppressMessages(library(dbscan))
args <- commandArgs(trailingOnly = TRUE)
raw <- as.matrix(read.csv(args[1], header = FALSE))
x <- raw[, -1, drop = FALSE]
t0 <- proc.time()[["elapsed"]]
h <- hdbscan(x, minPts = as.integer(args[2]))
cat(sprintf("R dbscan %s hdbscan minPts=%s: %d clusters, %d noise, %.2f s\n", packageVersion("dbscan"), args[2],
            length(setdiff(unique(h$cluster), 0)), sum(h$cluster == 0), proc.time()[["elapsed"]] - t0))
write.table(h$cluster, args[3], row.names = FALSE, col.names = FALSE)
