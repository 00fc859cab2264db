/// SOAP throughput: environments (centres) per second on the ARISE workloads, single thread and all cores.
module Arise.Bench.SoapBench

open System
open System.IO
open System.Diagnostics
open Arise.Structure
open Arise.Soap

let private envsPerSecond (calc: SoapCalculator) (threads: int) (s: Structure) =
    let options =
        { AriseDescriptor.defaults with
            Threads = threads }
    // best of the runs within about 2 s (the machine is shared; the best run is the least disturbed)
    let total = Stopwatch.StartNew()
    let times = ResizeArray<float>()

    while total.Elapsed.TotalSeconds < 2.0 || times.Count < 3 do
        let sw = Stopwatch.StartNew()
        AriseDescriptor.computeWith calc options s |> ignore
        times.Add sw.Elapsed.TotalSeconds

    let sorted = times |> Seq.sort |> Array.ofSeq
    // environments = centres × species pairs they are centres of
    let envs = float (Structure.count s * (Structure.species s |> Array.length))
    envs / sorted.[0], envs / sorted.[sorted.Length / 2]

/// Time split of one single-threaded run: d_NN, neighbour search, spherical harmonics, radial terms, accumulation.
let private split (calc: SoapCalculator) (s: Structure) =
    let sw = Stopwatch.StartNew()
    let d = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> Result.defaultValue 1.0
    let tDnn = sw.Elapsed.TotalSeconds
    sw.Restart()
    let cells = CellList.build s
    let b = NeighbourBuffer()
    let rc = calc.Parameters.Cutoff * d
    let vectors = ResizeArray<Vec3>()

    for i in 0 .. Structure.count s - 1 do
        CellList.queryAtom cells s i rc b

        for t in 0 .. b.Count - 1 do
            vectors.Add(Vec3.make (b.Dx.[t] / d) (b.Dy.[t] / d) (b.Dz.[t] / d))

    let tSearch = sw.Elapsed.TotalSeconds
    let vs = vectors.ToArray()
    Soap.profileKernel calc vs |> ignore // warm-up
    let tSh, tRadial, tAcc = Soap.profileKernel calc vs
    tDnn, tSearch, tSh, tRadial, tAcc, vs.Length

let run (dataDir: string option) =
    let calc = Soap.create SoapParameters.arise |> Result.defaultWith failwith
    let a = 3.61
    let fccCell = Crystals.fcc 29 a

    let workloads =
        [ yield "fcc Cu 10x10x10 periodic", Supercell.repeat 10 10 10 fccCell
          yield "fcc Cu cluster 14x14x14", Supercell.finite 14 14 14 fccCell
          match dataDir with
          | Some dir ->
              let file =
                  Path.Combine(dir, "prototypes", "Quaternaries", "Cu2BaGeSe4", "Cu2BaGeSe4_Ba3Cu6Ge3Se12.in")

              match StructureIO.read file with
              | Ok q -> yield "Cu2BaGeSe4 6x6x6 cluster", Supercell.finite 6 6 6 q
              | Error e -> eprintfn "skipping the quaternary workload: %O" e
          | None -> eprintfn "skipping the quaternary workload: ../shared/data not found" ]

    printfn "SOAP (R_C = 4 d_NN, sigma = 0.1 d_NN, n_max 9, l_max 6, average=True), %d cores" Environment.ProcessorCount
    printfn "%-28s %7s %6s %22s %22s %9s" "workload" "atoms" "pairs" "env/s 1 thread (med)" "env/s all (med)" "speed-up"
    // warm-up
    envsPerSecond calc 1 (Supercell.repeat 4 4 4 fccCell) |> ignore
    let splitOnly = Environment.GetEnvironmentVariable "ARISE_BENCH_SPLIT_ONLY" = "1"

    for name, s in (if splitOnly then [] else workloads) do
        let one, oneMed = envsPerSecond calc 1 s
        let all, allMed = envsPerSecond calc Environment.ProcessorCount s

        printfn
            "%-28s %7d %6d %13.0f (%6.0f) %13.0f (%6.0f) %9.2f"
            name
            (Structure.count s)
            (Array.length (Structure.species s) |> fun n -> n * n)
            one
            oneMed
            all
            allMed
            (all / one)

    printfn "env/s: best run (median run in brackets); an environment is one centre of one species pair."
    printfn "Peer: dscribe (C++) about 2,000 environments/s per core on this machine; target >= 20,000 per core (10x)."
    printfn ""
    printfn "Time split, one thread, all ordered pairs (fcc Cu 10x10x10 periodic; the descriptor itself uses half of them):"
    let tDnn, tSearch, tSh, tRadial, tAcc, pairs = split calc (snd workloads.Head)
    let total = tDnn + tSearch + tSh + tRadial + tAcc

    for label, t in
        [ "d_NN", tDnn
          "neighbour search", tSearch
          "spherical harmonics", tSh
          "radial terms", tRadial
          "accumulation", tAcc ] do
        printfn "  %-22s %8.1f ms %6.1f %%" label (t * 1000.0) (100.0 * t / total)

    printfn "  %d neighbour pairs, %.1f ns per pair in the SOAP sums" pairs ((tSh + tRadial + tAcc) * 1e9 / float pairs)
