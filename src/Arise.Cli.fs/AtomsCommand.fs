/// `arise atoms`: the atom columns of STEM images, written as extended XYZ.
module Arise.Cli.AtomsCommand

open System
open System.IO
open Arise.Structure
open Arise.Imaging

/// Where an image's atoms go: `out` as the file when it ends in .xyz (one image), else IMAGE.xyz in the folder `out`
/// (default: the current folder).
let private target (out: string option) (count: int) (image: string) =
    match out with
    | Some o when o.EndsWith(".xyz", StringComparison.OrdinalIgnoreCase) && count = 1 -> Ok o
    | Some o when o.EndsWith(".xyz", StringComparison.OrdinalIgnoreCase) ->
        Error(sprintf "--out %s names one file, but %d images were given; give a folder" o count)
    | o -> Ok(Path.Combine(defaultArg o ".", Path.GetFileNameWithoutExtension image + ".xyz"))

/// The species of each intensity class that was found, with its number of columns.
let private speciesCounts (found: Columns.Found) (s: Structure) =
    found.Columns
    |> Array.countBy (fun c -> c.Class)
    |> Array.sortBy fst
    |> Array.map (fun (c, n) -> Elements.symbol s.Numbers.[Array.findIndex (fun (k: Columns.Column) -> k.Class = c) found.Columns], n)

/// Prints one image's result: a line of text, or a JSON object into the sink.
let private report (sink: Json.Sink) (json: bool) (images: Inputs.ImageSettings) (file: string) (path: string) (found: Columns.Found) s =
    let classes = speciesCounts found s

    let unit =
        if (images.PixelSize |> Option.orElse found.PixelSize).IsSome then
            "Å"
        else
            "px"

    if json then
        sink.Write(fun w ->
            w.WriteString("image", file)
            w.WriteString("output", path)
            w.WriteNumber("columns", found.Columns.Length)
            Json.number w "spacing_px" found.Spacing
            Json.number w "column_size_px" found.ColumnSize
            Json.number w "noise" found.Noise
            w.WriteString("unit", unit)
            w.WriteStartArray "classes"

            for species, n in classes do
                w.WriteStartObject()
                w.WriteString("species", species)
                w.WriteNumber("columns", n)
                w.WriteEndObject()

            w.WriteEndArray())
    else
        printfn
            "%s: %d columns (%s), spacing %.2f px, column size %.2f px, noise %.3g; positions in %s → %s"
            file
            found.Columns.Length
            (String.Join(", ", classes |> Array.map (fun (species, n) -> sprintf "%d %s" n species)))
            found.Spacing
            found.ColumnSize
            found.Noise
            unit
            path

/// Finds one image's columns and writes them to `path`.
let private atomsOf (images: Inputs.ImageSettings) (file: string) (path: string) =
    Inputs.readImage images file
    |> Result.mapError Inputs.describe
    |> Result.bind (fun (found, s) ->
        try
            StructureIO.writeXyz path [ s ]
            Ok(found, s)
        with e ->
            Error(sprintf "%s: cannot write %s (%s)" file path e.Message))

/// Runs `atoms`; exit code 0 unless an image failed (1), 2 for an --out that cannot be used.
let run (images: Inputs.ImageSettings) (json: bool) (out: string option) (files: string list) =
    let targets = files |> List.map (target out files.Length)

    let folder =
        out
        |> Option.filter (fun o -> not (o.EndsWith(".xyz", StringComparison.OrdinalIgnoreCase)))

    let problem =
        match
            targets
            |> List.tryPick (function
                | Error e -> Some e
                | Ok _ -> None),
            folder
        with
        | Some e, _ -> Some e
        | None, Some f ->
            try
                Directory.CreateDirectory f |> ignore
                None
            with e ->
                Some(sprintf "--out %s: cannot make the folder (%s)" f e.Message)
        | None, None -> None

    match problem with
    | Some e ->
        eprintfn "error: %s" e
        2
    | None ->
        let mutable failures = 0
        use sink = new Json.Sink(if json then Json.Array else Json.Lines)

        for file, target in List.zip files targets do
            let path = Result.defaultValue "" target

            match atomsOf images file path with
            | Ok(found, s) -> report sink json images file path found s
            | Error e ->
                failures <- failures + 1

                if json then
                    sink.Write(fun w ->
                        w.WriteString("image", file)
                        w.WriteString("error", e))
                else
                    eprintfn "error: %s" e

        if failures > 0 then 1 else 0
