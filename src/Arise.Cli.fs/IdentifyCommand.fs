/// `arise identify FILE…`: classical structure identification — per atom (CNA, adaptive CNA, bond-angle analysis)
/// with the per-structure majority vote, or per structure (spglib space groups).
module Arise.Cli.IdentifyCommand

open System
open Arise.Structure
open Arise.Classic

let private inv = Globalization.CultureInfo.InvariantCulture

/// Where identify's results go: text lines (errors on standard error), JSON objects or CSV rows (file, method,
/// atoms, label, share, vote, error; for spglib the label is the tolerance and the vote the space group).
type private Report(output: Json.Output) =
    let sink = new Json.Sink(Json.styleOf output)

    let csv (fields: string list) =
        printfn "%s" (String.Join(",", fields |> List.map Json.csvField))

    do
        if output = Json.AsCsv && Batch.headerDue () then
            printfn "file,method,atoms,label,share,vote,error"

    /// A file that could not be read or analysed.
    member _.Failure(file: string, methodKey: string, error: string) =
        match output with
        | Json.AsJson _ ->
            sink.Write(fun w ->
                w.WriteString("file", file)
                w.WriteString("method", methodKey)
                w.WriteNull("atoms")
                w.WriteNull("labels")
                w.WriteNull("vote")
                w.WriteString("error", error))
        | Json.AsCsv -> csv [ file; methodKey; ""; ""; ""; ""; error ]
        | Json.AsTable -> eprintfn "error: %s" error

    /// The share of each label, the majority vote over the atoms with a label, the per-atom file written.
    member _.Labels(file: string, methodKey: string, labels: string[], written: string option) =
        let shares =
            labels
            |> Array.countBy id
            |> Array.sortByDescending snd
            |> Array.map (fun (l, k) -> l, float k / float labels.Length)

        let vote = Majority.vote (fun (l: string) -> l = "other") labels

        match output with
        | Json.AsJson _ ->
            sink.Write(fun w ->
                w.WriteString("file", file)
                w.WriteString("method", methodKey)
                w.WriteNumber("atoms", labels.Length)
                w.WriteStartObject("labels")

                for l, share in shares do
                    w.WriteNumber(l, share)

                w.WriteEndObject()

                match vote with
                | Some v -> w.WriteString("vote", v)
                | None -> w.WriteNull("vote")

                match written with
                | Some path -> w.WriteString("per_atom_file", path)
                | None -> w.WriteNull("per_atom_file")

                w.WriteNull("error"))
        | Json.AsCsv ->
            for l, share in shares do
                csv
                    [ file
                      methodKey
                      string labels.Length
                      l
                      share.ToString("R", inv)
                      defaultArg vote ""
                      "" ]
        | Json.AsTable ->
            let text = shares |> Array.map (fun (l, s) -> sprintf "%s %.1f %%" l (100.0 * s))

            printfn
                "%s: %d atoms: %s; majority vote over the atoms with a label (other left out): %s"
                file
                labels.Length
                (String.Join(", ", text))
                (defaultArg vote "none identified")

            written |> Option.iter (printfn "  per-atom labels: %s")

    /// spglib's space groups at the paper's loose and tight tolerances.
    member _.SpaceGroups
        (file: string, atoms: int, version: string, groups: (string * Spglib.Tolerance * Result<int * string, string>) list)
        =
        let text (g: Result<int * string, string>) =
            match g with
            | Ok(n, symbol) -> sprintf "%d %s" n symbol
            | Error e -> e

        match output with
        | Json.AsJson _ ->
            sink.Write(fun w ->
                w.WriteString("file", file)
                w.WriteString("method", "spglib")
                w.WriteNumber("atoms", atoms)

                for name, _, g in groups do
                    match g with
                    | Ok _ -> w.WriteString(name, text g)
                    | Error _ -> w.WriteNull(name)

                let errors =
                    groups
                    |> List.choose (fun (n, _, g) ->
                        match g with
                        | Error e -> Some(sprintf "%s: %s" n e)
                        | Ok _ -> None)

                if errors.IsEmpty then
                    w.WriteNull("error")
                else
                    w.WriteString("error", String.Join("; ", errors)))
        | Json.AsCsv ->
            for name, _, g in groups do
                match g with
                | Ok _ -> csv [ file; "spglib"; string atoms; name; ""; text g; "" ]
                | Error e -> csv [ file; "spglib"; string atoms; name; ""; ""; e ]
        | Json.AsTable ->
            let show (name: string, t: Spglib.Tolerance, g) =
                match g with
                | Ok _ -> sprintf "%s (%g Å, %g°) %s" name t.Position t.AngleDegrees (text g)
                | Error e -> sprintf "%s: %s" name e

            printfn "%s: %d atoms: spglib %s: %s" file atoms version (String.Join("; ", groups |> List.map show))

    interface IDisposable with
        member _.Dispose() = (sink :> IDisposable).Dispose()

/// Calls `body index file structure` for the first frame of every file that reads (index: the file's position,
/// from 1); `body` says whether it succeeded. A file that does not read gets its error and the others go on.
/// Exit code 1 when every file failed.
let private eachStructure (report: Report) methodKey readOptions (files: string list) (body: int -> string -> Structure -> bool) =
    let mutable failures, total = 0, 0

    for file, result in Inputs.readMany readOptions files do
        total <- total + 1

        match result with
        | Error e ->
            failures <- failures + 1
            report.Failure(file, methodKey, Inputs.describe e)
        | Ok frames ->
            if not (body total file (Inputs.firstFrame file frames)) then
                failures <- failures + 1

        Batch.written 1

    if total > 0 && failures = total then 1 else 0

/// spglib per file: the space group at the loose and the tight tolerance of the paper.
let private spglib (report: Report) (readOptions: StructureIO.ReadOptions) (files: string list) =
    match Spglib.version () with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok v ->
        eachStructure report "spglib" readOptions files (fun _ file s ->
            let groups =
                [ for name, t in [ "loose", Spglib.loose; "tight", Spglib.tight ] -> name, t, Spglib.spaceGroup t s ]

            report.SpaceGroups(file, Structure.count s, v, groups)
            groups |> List.exists (fun (_, _, g) -> Result.isOk g))

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

/// Writes the atoms with their labels (and the method's extra numbers) as extended XYZ.
let private writeLabelled (path: string) (file: string) (s: Structure) (labels: string[]) (extra: (string * float[]) list) =
    let labelled =
        extra
        |> List.fold
            (fun st (name, values) -> st |> Structure.withProperty name (Reals(1, values)))
            (s |> Structure.withProperty "structure_type" (Texts(1, labels)))

    Outputs.tryWrite path (fun () -> StructureIO.writeXyz path [ labelled ])

/// Writes the labelled atoms to `path` unless it is one of the `inputs`; true when written (or refused with a reason
/// on standard error: false).
let private keepLabels written inputs file s labels extra (path: string) =
    if (inputs: Collections.Generic.HashSet<string>).Contains(IO.Path.GetFullPath path) then
        eprintfn "error: %s: the per-atom labels would overwrite the input file %s; not written (choose another --out)" file path
        false
    else
        match writeLabelled path file s labels extra with
        | Ok() ->
            (written: Collections.Generic.HashSet<string>).Add(IO.Path.GetFullPath path)
            |> ignore

            true
        | Error e ->
            eprintfn "error: %s: %s" file e
            false

/// Runs `identify`: prints the share of each type per file and the majority vote; with `perAtom` or `out`, writes
/// the labelled atoms as extended XYZ (to `out`, else FILE-stem.METHOD.xyz in the current folder).
let run
    (output: Json.Output)
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

    let usage =
        if methodKey = "spglib" then
            Outputs.require
                (not perAtom && out.IsNone)
                "--per-atom and --out write per-atom labels, and spglib gives one space group per structure: drop them, or \
                 choose a per-atom --method (acna, cna, baa, ptm)"
            |> Result.map (fun () -> None)
        else
            analysisOf methodKey cutoff structures rmsdCutoff
            |> Result.bind (fun a ->
                match out with
                | Some path -> Outputs.checkFile path |> Result.mapError ((+) "--out ")
                | None -> Ok()
                |> Result.map (fun () -> Some a))

    match usage with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok None ->
        use report = new Report(output)
        spglib report readOptions files
    | Ok(Some analyse) ->
        use report = new Report(output)
        let written = Collections.Generic.HashSet<string>()

        let inputs =
            Collections.Generic.HashSet<string>(files |> List.map IO.Path.GetFullPath)

        eachStructure report methodKey readOptions files (fun index file s ->
            match analyse s with
            | Error e ->
                report.Failure(file, methodKey, sprintf "%s: %s" file e)
                false
            | Ok(labels, extra) ->
                let kept =
                    targetOf out perAtom methodKey written index file
                    |> Option.map (fun path -> path, keepLabels written inputs file s labels extra path)

                report.Labels(file, methodKey, labels, kept |> Option.filter snd |> Option.map fst)
                kept |> Option.forall snd)
