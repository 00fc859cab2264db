/// Neighbour search scaling: fcc crystals of 10^4, 10^5, 10^6 atoms, periodic and finite, cutoff 4·d_NN.
module Arise.Bench.NeighbourBench

open System
open System.Diagnostics
open Arise.Structure

/// fcc Cu with about `atoms` atoms (n×n×n conventional cells, n = round((atoms/4)^(1/3))).
let fcc (atoms: int) =
    let a = 3.61
    let n = int (Math.Round(Math.Cbrt(float atoms / 4.0)))
    Crystals.fcc 29 a |> Supercell.repeat n n n

/// Seconds to build the cell list and find every atom's neighbours (all pairs, both ways), and the pair count.
let time (s: Structure) (cutoff: float) =
    let sw = Stopwatch.StartNew()
    let cl = CellList.build s
    let pairs = CellList.countPairs cl s cutoff true
    sw.Elapsed.TotalSeconds, pairs

let run () =
    let dnn = 3.61 / sqrt 2.0
    let cutoff = 4.0 * dnn
    printfn "Neighbour search: fcc Cu, cutoff 4·d_NN = %.3f Å, build + query of every atom, %d cores" cutoff Environment.ProcessorCount
    printfn "%-10s %10s %10s %14s %10s %16s" "kind" "atoms" "seconds" "pairs/atom" "ratio" "ns/pair"
    // warm-up (JIT)
    for _ in 1..3 do
        time (fcc 30000) cutoff |> ignore

    for kind in [ "periodic"; "finite" ] do
        let mutable previous = None

        for target in [ 10_000; 100_000; 1_000_000 ] do
            let s0 = fcc target
            let s = if kind = "periodic" then s0 else Structure.toCluster s0
            GC.Collect()
            let secs, pairs = time s cutoff
            let n = Structure.count s

            let ratio =
                match previous with
                | Some(pn, ps) -> sprintf "%.2f" ((secs / ps) / (float n / float pn) * 10.0)
                | None -> "-"

            printfn "%-10s %10d %10.3f %14.1f %10s %16.2f" kind n secs (float pairs / float n) ratio (secs * 1e9 / float pairs)
            previous <- Some(n, secs)

    printfn "ratio = time ratio per tenfold size (normalised to exactly 10× atoms); target ≤ 12, and 10^6 atoms < 5 s."
