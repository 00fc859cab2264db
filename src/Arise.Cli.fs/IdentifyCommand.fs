/// `arise identify FILE…`: classical structure identification — per atom (CNA, adaptive CNA, bond-angle analysis)
/// with the per-structure majority vote, or per structure (spglib space groups).
module Arise.Cli.IdentifyCommand

open System
open Arise.Structure
open Arise.Classic

/// Calls `body index file structure` for the first frame of every file that reads; a file that does not gets its
/// error and the others go on. Exit code 1 when every file failed.
let private eachStructure (readOptions: StructureIO.ReadOptions) (files: string list) (body: int -> string -> Structure -> unit) =
    let mutable failures, total = 0, 0
    for file, result in Inputs.readMany readOptions files do
        total <- total + 1
        match result with
        | Error e ->
            failures <- failures + 1
            eprintfn "error: %O" e
        | Ok frames -> body total file (List.head frames)
    if total > 0 && failures = total then 1 else 0

/// spglib per file: the space group at the loose and the tight tolerance of the paper.
let private spglib (readOptions: StructureIO.ReadOptions) (files: string list) =
    match Spglib.version () with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok v ->
        eachStructure readOptions files (fun _ file s ->
                let show (name: string) (t: Spglib.Tolerance) =
                    match Spglib.spaceGroup t s with
                    | Ok (n, symbol) -> sprintf "%s (%g Å, %g°) %d %s" name t.Position t.AngleDegrees n symbol
                    | Error e -> sprintf "%s: %s" name e
                printfn "%s: %d atoms: spglib %s: %s; %s" file (Structure.count s) v (show "loose" Spglib.loose) (show "tight" Spglib.tight))

/// Runs `identify`: prints the share of each type per file and the majority vote; with `out`, writes the labelled
/// atoms as extended XYZ.
let run (methodName: string) (cutoff: float option) (readOptions: StructureIO.ReadOptions) (files: string list) (out: string option) =
    if methodName.ToLowerInvariant() = "spglib" then spglib readOptions files else
    let analyse =
        match methodName.ToLowerInvariant(), cutoff with
        | "cna", Some c -> Ok(fun s -> Cna.fixedCutoff c s)
        | "cna", None -> Error "--method cna needs --cutoff (between the first and second neighbour shells, Å)"
        | ("acna" | "a-cna" | "adaptive-cna"), _ -> Ok Cna.adaptive
        | ("baa" | "bond-angle"), _ -> Ok BondAngle.analyse
        | other, _ -> Error(sprintf "--method %s: unknown method (cna, acna, baa, spglib)" other)
    match analyse with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok analyse ->
        eachStructure readOptions files (fun index file s ->
                let types = analyse s
                let shares =
                    types |> Array.countBy id |> Array.sortByDescending snd
                    |> Array.map (fun (t, k) -> sprintf "%A %.1f %%" t (100.0 * float k / float types.Length))
                let vote = Cna.majority types |> sprintf "%A"
                printfn "%s: %d atoms: %s; majority vote: %s" file types.Length (String.Join(", ", shares)) vote
                match out with
                | Some path ->
                    let labelled = s |> Structure.withProperty "structure_type" (Texts(1, types |> Array.map (sprintf "%A")))
                    let target = if index = 1 then path else IO.Path.ChangeExtension(path, sprintf ".%d.xyz" index)
                    StructureIO.writeXyz target [ labelled ]
                | None -> ())
