module Arise.Tests.DnnTests

open System
open Expecto
open Arise.Structure
open Arise.Tests.Common

/// The structure a reference row was computed on (soap.md §4 recipe).
let referenceStructure (row: MetaRow) =
    let s = StructureIO.read row.PrototypePath |> ok row.PrototypePath
    if row.Periodic || s.Cell.IsNone then s
    else
        let a, b, c = row.Replicas
        Supercell.finite a b c s

let fcc a = Crystals.fcc 29 a

[<Tests>]
let tests =
    testList "nearest-neighbour distance" [
        test "when all distances are equal the ARISE histogram rule returns x + 0.005 (numpy range rule)" {
            let x = 2.5
            Expect.equal (NearestNeighbour.histogramCentre (Array.create 10 x)) (x + 0.005) "equal distances"
        }

        test "the histogram rule weights counts by 1/r² using the left edge" {
            // 3 values at 1.0 and 4 at 3.0: unweighted mode would be 3.0, r⁻² weighting picks 1.0
            let d = NearestNeighbour.histogramCentre [| 1.0; 1.0; 1.0; 3.0; 3.0; 3.0; 3.0 |]
            Expect.floatClose Accuracy.veryHigh d 1.01 "first bin centre"
        }

        test "the clean d_NN of fcc copper is a/√2 exactly" {
            let s = fcc 3.61
            let d = NearestNeighbour.dnn DnnMethod.MostCommon s |> ok "dnn"
            Expect.floatClose Accuracy.veryHigh d (3.61 / sqrt 2.0) "a/√2"
        }

        test "a lone atom of a species in a cluster has no same-species d_NN, and says so" {
            let s = Structure.cluster [| Vec3.zero; Vec3.make 1.0 0.0 0.0; Vec3.make 0.0 1.0 0.0 |] [| 8; 1; 1 |]
            let pairs = NearestNeighbour.pairDnns DnnMethod.AriseHistogram s |> Map.ofList
            Expect.isError pairs.[(8, 8)] "O–O impossible"
            Expect.isOk pairs.[(1, 8)] "H–O fine"
        }

        test "per-pair scale factors equal the reference CSV for all 2,140 pair scalings (1e-9 relative)" {
            withData (fun data ->
                let rows = readMeta data
                let mutable count = 0
                let mutable worst = 0.0, ""
                let failures = ResizeArray<string>()
                for row in rows do
                    let s = referenceStructure row
                    let ours = NearestNeighbour.pairDnns DnnMethod.AriseHistogram s |> Map.ofList
                    for (pair, expected) in row.ScaleFactors do
                        count <- count + 1
                        match ours.TryFind pair with
                        | Some(Ok d) ->
                            let rel = abs (d - expected) / expected
                            if rel > fst worst then worst <- rel, sprintf "row %d %s %A" row.Row row.Label pair
                            if rel > 1e-9 then failures.Add(sprintf "row %d %s %A: ours %.12g, reference %.12g" row.Row row.Label pair d expected)
                        | other -> failures.Add(sprintf "row %d %s %A: %A" row.Row row.Label pair other)
                printfn "d_NN: %d pair scalings compared, worst relative difference %.2e (%s), %d beyond 1e-9" count (fst worst) (snd worst) failures.Count
                Expect.equal count 2140 "pair scalings in the CSV"
                Expect.isEmpty (Seq.truncate 20 failures |> List.ofSeq) "pairs beyond 1e-9")
        }
    ]
