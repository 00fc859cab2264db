/// `arise identify FILE…`: classical structure identification — per atom (CNA, adaptive CNA, bond-angle analysis)
/// with the per-structure majority vote, or per structure (spglib space groups).
module Arise.Cli.IdentifyCommand

open System
open Arise.Structure
open Arise.Classic

/// Calls `body index file structure` for the first frame of every file that reads (index: the file's position,
/// from 1); `body` says whether it succeeded. A file that does not read gets its error and the others go on.
/// Exit code 1 when every file failed.
let private eachStructure (readOptions: StructureIO.ReadOptions) (files: string list) (body: int -> string -> Structure -> bool) =
    let mutable failures, total = 0, 0

    for file, result in Inputs.readMany readOptions files do
        total <- total + 1

        match result with
        | Error e ->
            failures <- failures + 1
            eprintfn "error: %s" (Inputs.describe e)
        | Ok frames ->
            if not (body total file (Inputs.firstFrame file frames)) then
                failures <- failures + 1

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
                | Ok(n, symbol) -> true, sprintf "%s (%g Å, %g°) %d %s" name t.Position t.AngleDegrees n symbol
                | Error e -> false, sprintf "%s: %s" name e

            let okLoose, loose = show "loose" Spglib.loose
            let okTight, tight = show "tight" Spglib.tight
            printfn "%s: %d atoms: spglib %s: %s; %s" file (Structure.count s) v loose tight
            okLoose || okTight)

/// Per-atom labels of one method, and extra per-atom numbers to write with them (name, values), or why not.
type private Analysis = Structure -> Result<string[] * (string * float[]) list, string>

/// CNA's fixed cutoff lies between the first and second neighbour shells; beyond this multiple of d_NN it is a
/// mistake (and the neighbour lists would not fit in memory).
let private maxCutoffInDnn = 5.0

/// The PTM settings from --structures and --rmsd-cutoff.
let private ptmSettings (structures: string option) (rmsdCutoff: float option) =
    let types =
        match structures with
        | None -> Ok Ptm.defaults.Types
        | Some text ->
            let parsed =
                text.Split([| ','; ' ' |], StringSplitOptions.RemoveEmptyEntries)
                |> Array.map Ptm.parseType

            match
                parsed
                |> Array.tryPick (function
                    | Error e -> Some e
                    | Ok _ -> None)
            with
            | Some e -> Error("--structures: " + e)
            | None when parsed.Length = 0 -> Error "--structures: no structure type given (e.g. fcc,hcp,bcc)"
            | None ->
                Ok(
                    parsed
                    |> Array.choose (function
                        | Ok t -> Some t
                        | Error _ -> None)
                    |> List.ofArray
                )

    match types, rmsdCutoff with
    | Error e, _ -> Error e
    | _, Some c when c < 0.0 || Double.IsNaN c -> Error(sprintf "--rmsd-cutoff %g: must be ≥ 0 (0 = no cutoff)" c)
    | Ok ts, c ->
        Ok
            { Ptm.defaults with
                Types = ts
                RmsdCutoff = defaultArg c Ptm.defaults.RmsdCutoff }

let private cnaNames (types: CnaType[]) = types |> Array.map Cna.typeName

/// The per-atom analysis `--method` names (cna needs --cutoff), or why there is none.
let private analysisOf (methodKey: string) (cutoff: float option) (structures: string option) (rmsdCutoff: float option) =
    match methodKey, cutoff with
    | "cna", Some c when c > 0.0 ->
        Ok(fun s ->
            match NearestNeighbour.dnn DnnMethod.MostCommon s with
            | Ok d when c > maxCutoffInDnn * d ->
                Error(
                    sprintf
                        "--cutoff %g is more than %g × the nearest-neighbour distance %.3g: CNA's cutoff lies between the first \
                            and second neighbour shells"
                        c
                        maxCutoffInDnn
                        d
                )
            | _ -> Ok(cnaNames (Cna.fixedCutoff c s), []))
    | "cna", Some c -> Error(sprintf "--cutoff %g: must be a positive distance in Å" c)
    | "cna", None -> Error "--method cna needs --cutoff (between the first and second neighbour shells, Å)"
    | ("acna" | "a-cna" | "adaptive-cna"), _ -> Ok(fun s -> Ok(cnaNames (Cna.adaptive s), []))
    | ("baa" | "bond-angle"), _ -> Ok(fun s -> Ok(cnaNames (BondAngle.analyse s), []))
    | "ptm", _ ->
        ptmSettings structures rmsdCutoff
        |> Result.map (fun settings s ->
            let r = Ptm.analyseWith settings s

            let finiteOr fallback x =
                if Double.IsFinite x then x else fallback

            Ok(
                r |> Array.map Ptm.label,
                [ "ptm_rmsd", r |> Array.map (fun m -> finiteOr -1.0 m.Rmsd)
                  "interatomic_distance", r |> Array.map (fun m -> finiteOr 0.0 m.InteratomicDistance) ]
            ))
    | other, _ -> Error(sprintf "--method %s: unknown method (cna, acna, baa, ptm, spglib)" other)

/// Prints the share of each label and the majority vote.
let private printShares (file: string) (labels: string[]) =
    let shares =
        labels
        |> Array.countBy id
        |> Array.sortByDescending snd
        |> Array.map (fun (t, k) -> sprintf "%s %.1f %%" t (100.0 * float k / float labels.Length))

    let vote =
        Majority.vote (fun (l: string) -> l.ToLowerInvariant() = "other") labels
        |> Option.defaultValue "none identified"

    printfn "%s: %d atoms: %s; majority vote: %s" file labels.Length (String.Join(", ", shares)) vote

/// Where the labelled atoms of input number `index` go: `out` (numbered after the first input), FILE-stem.METHOD.xyz
/// with `perAtom`, or nowhere; a name already written this run gets the input's number.
let private targetOf (out: string option) (perAtom: bool) (methodKey: string) (written: Collections.Generic.HashSet<string>) index file =
    match out with
    | Some path when index = 1 -> Some path
    | Some path -> Some(IO.Path.ChangeExtension(path, sprintf ".%d.xyz" index))
    | None when perAtom ->
        let stem =
            if (file: string).StartsWith "<" then
                "sample"
            else
                IO.Path.GetFileNameWithoutExtension file

        Some(sprintf "%s.%s.xyz" stem methodKey)
    | None -> None
    // two inputs with the same name (a/s.xyz, b/s.xyz) do not overwrite each other
    |> Option.map (fun path ->
        if written.Contains(IO.Path.GetFullPath path) then
            IO.Path.ChangeExtension(path, sprintf ".%d.xyz" index)
        else
            path)

/// Writes the atoms with their labels (and the method's extra numbers) as extended XYZ; false on failure.
let private writeLabelled (path: string) (file: string) (s: Structure) (labels: string[]) (extra: (string * float[]) list) =
    let labelled =
        extra
        |> List.fold
            (fun st (name, values) -> st |> Structure.withProperty name (Reals(1, values)))
            (s |> Structure.withProperty "structure_type" (Texts(1, labels)))

    match Outputs.tryWrite path (fun () -> StructureIO.writeXyz path [ labelled ]) with
    | Ok() ->
        printfn "  per-atom labels: %s" path
        true
    | Error e ->
        eprintfn "error: %s: %s" file e
        false

/// Runs `identify`: prints the share of each type per file and the majority vote; with `perAtom` or `out`, writes
/// the labelled atoms as extended XYZ (to `out`, else FILE-stem.METHOD.xyz in the current folder).
let run
    (methodName: string)
    (cutoff: float option)
    (structures: string option)
    (rmsdCutoff: float option)
    (readOptions: StructureIO.ReadOptions)
    (files: string list)
    (perAtom: bool)
    (out: string option)
    =
    let methodKey = methodName.ToLowerInvariant()

    let checkedOut () =
        match out with
        | Some path -> Outputs.checkFile path |> Result.mapError ((+) "--out ")
        | None -> Ok()

    let analysis () =
        analysisOf methodKey cutoff structures rmsdCutoff
        |> Result.bind (fun a -> checkedOut () |> Result.map (fun () -> a))

    if methodKey = "spglib" then
        spglib readOptions files
    else
        match analysis () with
        | Error e ->
            eprintfn "error: %s" e
            2
        | Ok analyse ->
            let written = Collections.Generic.HashSet<string>()

            let inputs =
                Collections.Generic.HashSet<string>(files |> List.map IO.Path.GetFullPath)

            eachStructure readOptions files (fun index file s ->
                match analyse s with
                | Error e ->
                    eprintfn "error: %s: %s" file e
                    false
                | Ok(labels, extra) ->
                    printShares file labels

                    match targetOf out perAtom methodKey written index file with
                    | Some path when inputs.Contains(IO.Path.GetFullPath path) ->
                        eprintfn
                            "error: %s: the per-atom labels would overwrite the input file %s; not written (choose another --out)"
                            file
                            path

                        false
                    | Some path ->
                        let ok = writeLabelled path file s labels extra

                        if ok then
                            written.Add(IO.Path.GetFullPath path) |> ignore

                        ok
                    | None -> true)
