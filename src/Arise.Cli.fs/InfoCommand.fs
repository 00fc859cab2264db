/// `arise info FILE…`: a summary of each structure (atoms, species, cell, periodicity, d_NN, formula).
module Arise.Cli.InfoCommand

open System
open Spectre.Console
open Arise.Structure

/// What `info` reports for one structure.
type Summary =
    {
        Atoms: int
        Frames: int
        Species: (string * int) list
        Formula: string
        Cell: Cell option
        Periodic: Pbc
        /// d_NN over all atoms by the ARISE rule, in the file's length unit (Å for most formats).
        Dnn: Result<float, string>
    }

/// Summarises the first frame of a file (and counts the frames).
let summarise (frames: Structure list) =
    let s = List.head frames

    { Atoms = Structure.count s
      Frames = frames.Length
      Species =
        Structure.speciesCounts s
        |> Array.toList
        |> List.map (fun (z, n) -> Elements.symbol z, n)
      Formula = Structure.formula s
      Cell = s.Cell
      Periodic = s.Pbc
      Dnn = NearestNeighbour.dnn DnnMethod.AriseHistogram s }

let private writeJson (sink: Json.Sink) (file: string) (result: Result<Summary, string>) =
    sink.Write(fun w ->
        w.WriteString("file", file)

        match result with
        | Ok s ->
            w.WriteNumber("atoms", s.Atoms)
            w.WriteNumber("frames", s.Frames)
            w.WriteStartObject("species")

            for (el, n) in s.Species do
                w.WriteNumber(el, n)

            w.WriteEndObject()
            w.WriteString("formula", s.Formula)

            match s.Cell with
            | Some c ->
                w.WriteStartArray("cell")

                for v in [ c.A; c.B; c.C ] do
                    w.WriteStartArray()

                    for x in [ v.X; v.Y; v.Z ] do
                        w.WriteNumberValue x

                    w.WriteEndArray()

                w.WriteEndArray()
            | None -> w.WriteNull("cell")

            w.WriteStartArray("periodic")

            for b in [ s.Periodic.A; s.Periodic.B; s.Periodic.C ] do
                w.WriteBooleanValue b

            w.WriteEndArray()

            match s.Dnn with
            | Ok d ->
                Json.number w "dnn" d
                w.WriteNull("dnn_error")
            | Error e ->
                w.WriteNull("dnn")
                w.WriteString("dnn_error", e)

            w.WriteNull("error")
        | Error e ->
            for name in
                [ "atoms"
                  "frames"
                  "species"
                  "formula"
                  "cell"
                  "periodic"
                  "dnn"
                  "dnn_error" ] do
                w.WriteNull(name)

            w.WriteString("error", e))

let private cellText (c: Cell option) =
    match c with
    | None -> "none"
    | Some c ->
        let (a, b, cc), (al, be, ga) = Cell.parameters c
        sprintf "a=%.4f b=%.4f c=%.4f Å\nα=%.2f β=%.2f γ=%.2f°" a b cc al be ga

/// Runs `info`; returns the exit code (0 when every file read, 1 otherwise).
/// One CSV row (see the header in run).
let private writeCsv (file: string) (result: Result<Summary, string>) =
    let inv = Globalization.CultureInfo.InvariantCulture
    let f (x: float) = x.ToString("R", inv)

    let fields =
        match result with
        | Ok s ->
            let cell =
                match s.Cell with
                | Some c ->
                    let (a, b, cc), (al, be, ga) = Cell.parameters c
                    [ a; b; cc; al; be; ga ] |> List.map f
                | None -> List.replicate 6 ""

            let flag b = if b then "T" else "F"

            [ file; string s.Atoms; string s.Frames; s.Formula ]
            @ [ s.Species |> List.map (fun (e, n) -> sprintf "%s:%d" e n) |> String.concat " " ]
            @ cell
            @ [ flag s.Periodic.A + flag s.Periodic.B + flag s.Periodic.C
                (match s.Dnn with
                 | Ok d -> f d
                 | Error _ -> "")
                (match s.Dnn with
                 | Ok _ -> ""
                 | Error e -> "d_NN: " + e) ]
        | Error e -> [ file ] @ List.replicate 12 "" @ [ e ]

    printfn "%s" (String.Join(",", fields |> List.map Json.csvField))

let run (output: Json.Output) (options: StructureIO.ReadOptions) (files: string list) =
    let json =
        match output with
        | Json.AsJson style -> Some style
        | _ -> None

    if output = Json.AsCsv && Batch.headerDue () then
        printfn "file,atoms,frames,formula,species,a,b,c,alpha,beta,gamma,periodic,dnn,error"

    let mutable failures = 0
    use sink = new Json.Sink(defaultArg json Json.Lines)

    let table =
        Table().AddColumns("file", "atoms", "species", "formula", "cell", "periodic", "d_NN")

    table.Border <- TableBorder.Rounded

    for file, result in Inputs.readMany options files do
        let summary = result |> Result.map summarise |> Result.mapError Inputs.describe

        if Result.isError summary then
            failures <- failures + 1

        if json.IsSome then
            writeJson sink file summary
            Batch.written 1
        elif output = Json.AsCsv then
            writeCsv file summary
            Batch.written 1
        else
            match summary with
            | Ok s ->
                let flag b = if b then "T" else "F"

                table.AddRow(
                    Markup.Escape file,
                    (if s.Frames > 1 then
                         sprintf "%d (frame 1 of %d)" s.Atoms s.Frames
                     else
                         string s.Atoms),
                    Markup.Escape(s.Species |> List.map (fun (e, n) -> sprintf "%s: %d" e n) |> String.concat ", "),
                    Markup.Escape s.Formula,
                    Markup.Escape(cellText s.Cell),
                    sprintf "%s %s %s" (flag s.Periodic.A) (flag s.Periodic.B) (flag s.Periodic.C),
                    (match s.Dnn with
                     | Ok d -> sprintf "%.4f" d
                     | Error e -> Markup.Escape e)
                )
                |> ignore
            | Error e -> eprintfn "error: %s" e

    if output = Json.AsTable then
        if table.Rows.Count > 0 then
            AnsiConsole.Write table

        // the table is written at the end (a crash before loses its rows, which a new worker writes)
        Batch.written (failures + table.Rows.Count)

    if failures > 0 then 1 else 0
