// Regenerates tests/fixtures/umap-learn.json and tests/fixtures/r-hdbscan-*.csv from the real peers, on the seeded
// data sets of Arise.Cluster.Datasets (the tests rebuild the same rows). Needs Debian's umap-learn (run by
// /usr/bin/python3) and r-cran-dbscan:  apt-get install umap-learn r-cran-dbscan
// Run:  ./arise --version && dotnet fsi scripts/cluster-fixtures.fsx
#load "Common.fsx"

open System
open System.IO
open System.Diagnostics
open Common
open Arise.Cluster

let root = ScriptArgs.root
let fixtures = Path.Combine(root, "tests", "fixtures")
let work = Path.Combine(Path.GetTempPath(), "arise-cluster-fixtures")
Directory.CreateDirectory work |> ignore

let writeCsv = Datasets.writeCsv

let run (exe: string) (args: string) =
    let psi = ProcessStartInfo(exe, args, UseShellExecute = false)
    use p = Process.Start psi
    p.WaitForExit()

    if p.ExitCode <> 0 then
        failwithf "%s %s failed (exit %d)" exe args p.ExitCode

let digits, digitLabels = Datasets.digitsLike 7 180
let moons, moonLabels = Datasets.moonsAndBlobs 3
writeCsv (Path.Combine(work, "digits.csv")) digits digitLabels
writeCsv (Path.Combine(work, "moons.csv")) moons moonLabels

run
    "/usr/bin/python3"
    (sprintf
        "%s %s %s"
        (Path.Combine(root, "scripts", "peers", "umap_fixtures.py"))
        (Path.Combine(work, "digits.csv"))
        (Path.Combine(fixtures, "umap-learn.json")))

for name, minPts in [ "moons", 10; "digits", 11 ] do
    run
        "Rscript"
        (sprintf
            "%s %s %d %s"
            (Path.Combine(root, "scripts", "peers", "r_hdbscan.R"))
            (Path.Combine(work, name + ".csv"))
            minPts
            (Path.Combine(fixtures, sprintf "r-hdbscan-%s-%d.csv" name minPts)))

printfn "fixtures written to %s" fixtures
