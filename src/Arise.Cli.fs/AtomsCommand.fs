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

/// Runs `atoms`; exit code 0 unless an image failed (1), 2 for an --out that cannot be used.
let run (images: Inputs.ImageSettings) (json: bool) (out: string option) (files: string list) =
    match files |> List.map (target out files.Length) |> List.tryPick (function Error e -> Some e | Ok _ -> None) with
    | Some e ->
        eprintfn "error: %s" e
        2
    | None ->
        let folder = out |> Option.filter (fun o -> not (o.EndsWith(".xyz", StringComparison.OrdinalIgnoreCase)))

        match folder |> Option.map (fun f -> try Directory.CreateDirectory f |> ignore; None with e -> Some e.Message) |> Option.flatten with
        | Some reason ->
            eprintfn "error: --out %s: cannot make the folder (%s)" folder.Value reason
            2
        | None ->
            let mutable failures = 0
            use sink = new Json.Sink(if json then Json.Array else Json.Lines)

            for file in files do
                let path = (target out files.Length file |> Result.toOption).Value

                let result =
                    Inputs.readImage images file
                    |> Result.mapError Inputs.describe
                    |> Result.bind (fun (found, s) ->
                        try
                            StructureIO.writeXyz path [ s ]
                            Ok(found, s)
                        with e ->
                            Error(sprintf "%s: cannot write %s (%s)" file path e.Message))

                match result with
                | Error e -> failures <- failures + 1

                             if json then
                                 sink.Write(fun w ->
                                     w.WriteString("image", file)
                                     w.WriteString("error", e))
                             else
                                 eprintfn "error: %s" e
                | Ok(found, s) ->
                    let classes = found.Columns |> Array.countBy (fun c -> c.Class) |> Array.sortBy fst
                    let unit = if (images.PixelSize |> Option.orElse found.PixelSize).IsSome then "Å" else "px"

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

                            for c, n in classes do
                                w.WriteStartObject()
                                w.WriteString("species", Elements.symbol s.Numbers.[Array.findIndex (fun (k: Columns.Column) -> k.Class = c) found.Columns])
                                w.WriteNumber("columns", n)
                                w.WriteEndObject()

                            w.WriteEndArray())
                    else
                        let species =
                            classes
                            |> Array.map (fun (c, n) ->
                                sprintf "%d %s" n (Elements.symbol s.Numbers.[Array.findIndex (fun (k: Columns.Column) -> k.Class = c) found.Columns]))

                        printfn
                            "%s: %d columns (%s), spacing %.2f px, column size %.2f px, noise %.3g; positions in %s → %s"
                            file
                            found.Columns.Length
                            (String.Join(", ", species))
                            found.Spacing
                            found.ColumnSize
                            found.Noise
                            unit
                            path

            if failures > 0 then 1 else 0
