/// `arise classic FILE…`: classical per-atom structure identification (CNA, adaptive CNA, bond-angle analysis).
module Arise.Cli.ClassicCommand

open System
open Arise.Structure
open Arise.Classic

/// Runs `classic`: prints the share of each type per file; with `out`, writes the labelled atoms as extended XYZ.
let run (methodName: string) (cutoff: float option) (readOptions: StructureIO.ReadOptions) (files: string list) (out: string option) =
    let analyse =
        match methodName.ToLowerInvariant(), cutoff with
        | "cna", Some c -> Ok(fun s -> Cna.fixedCutoff c s)
        | "cna", None -> Error "--method cna needs --cutoff (between the first and second neighbour shells, Å)"
        | ("acna" | "a-cna" | "adaptive-cna"), _ -> Ok Cna.adaptive
        | ("baa" | "bond-angle"), _ -> Ok BondAngle.analyse
        | other, _ -> Error(sprintf "--method %s: unknown method (cna, acna, baa)" other)
    match analyse with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok analyse ->
        let mutable failures = 0
        let mutable total = 0
        for file, result in Inputs.readMany readOptions files do
            total <- total + 1
            match result with
            | Error e ->
                failures <- failures + 1
                eprintfn "error: %O" e
            | Ok frames ->
                let s = List.head frames
                let types = analyse s
                let shares =
                    types |> Array.countBy id |> Array.sortByDescending snd
                    |> Array.map (fun (t, k) -> sprintf "%A %.1f %%" t (100.0 * float k / float types.Length))
                printfn "%s: %d atoms: %s" file types.Length (String.Join(", ", shares))
                match out with
                | Some path ->
                    let labelled = s |> Structure.withProperty "structure_type" (Texts(1, types |> Array.map (sprintf "%A")))
                    let target = if total = 1 then path else IO.Path.ChangeExtension(path, sprintf ".%d.xyz" total)
                    StructureIO.writeXyz target [ labelled ]
                | None -> ()
        if total > 0 && failures = total then 1 else 0
