/// `arise classify FILE…`: the most probable prototype classes and the model's uncertainty, per file.
module Arise.Cli.ClassifyCommand

open System
open System.Globalization
open Spectre.Console
open Arise.Structure
open Arise.Model

let private inv = CultureInfo.InvariantCulture

/// Fewer atoms than this get a warning: the descriptor of so small a structure is far from the training data.
let fewAtoms = 20

let private csvQuote = Json.csvField

/// One file that could not be read or classified: its error in the output's form.
let private writeFailure (output: Json.Output) (sink: Json.Sink) (file: string) (e: string) =
    match output with
    | Json.AsJson _ ->
        sink.Write(fun w ->
            w.WriteString("file", file)
            w.WriteNull("atoms")
            w.WriteNull("top")
            w.WriteNull("mutual_information")
            w.WriteNull("uncertainty")
            w.WriteNull("entropy")
            w.WriteString("error", e))
    | Json.AsCsv -> printfn "%s,,,,,,,%s" (csvQuote file) (csvQuote e)
    | Json.AsTable -> eprintfn "error: %s" e

/// Warnings on standard error: a small finite structure, a high uncertainty (with the level's measured error rate).
let private warn (file: string) (s: Structure) (mi: float) =
    let atoms = Structure.count s

    if atoms < fewAtoms && not (Structure.isPeriodic s) then
        eprintfn "warning: %s: only %d atoms; the classification of so small a structure is unreliable" file atoms

    let uncertainty = Uncertainty.level mi

    if uncertainty = High || uncertainty = VeryHigh then
        eprintfn
            "warning: %s: %s uncertainty (mutual information %.3f nats; %s %% of the predictions at this level were wrong \
                on Table 1's structures). Possible causes: strong defects or disorder, too few atoms, a class the model was \
                not trained on, several grains or phases (arise spm maps those), or a pristine class the model separates \
                less sharply from its neighbours; compare the classes ranked next (--top)"
            file
            (Uncertainty.name uncertainty)
            mi
            ((100.0 * Uncertainty.errorRate uncertainty).ToString("0.##", inv))

/// Table rows of one file: one row per class, so that a wrapped class name cannot shift the probabilities beside it.
let private tableRows (table: Table) (file: string) (atoms: int) (best: (string * float)[]) (mi: float, uncertainty: string) =
    best
    |> Array.iteri (fun rank (name, p) ->
        let first (text: string) = if rank = 0 then text else ""

        table.AddRow(
            first (Markup.Escape file),
            first (string atoms),
            Markup.Escape name,
            p.ToString("0.0000", inv),
            first (sprintf "%s (%s)" (mi.ToString("0.0000", inv)) uncertainty)
        )
        |> ignore)

/// One classified file in the output's form: a JSON object, CSV rows (one per class) or table rows.
let private writeResult
    (output: Json.Output)
    (sink: Json.Sink)
    (table: Table)
    (meta: ModelMetadata)
    (top: int)
    (file: string)
    (s: Structure)
    (c: Classification)
    =
    let atoms = Structure.count s
    let best = c.Ranked |> Array.truncate top
    let mi = c.Prediction.MutualInformation
    let uncertainty = Uncertainty.name (Uncertainty.level mi)

    let name ci =
        Prototypes.displayName meta.Classes.[ci] meta.MaterialTypes.[ci]

    match output with
    | Json.AsJson _ ->
        sink.Write(fun w ->
            w.WriteString("file", file)
            w.WriteNumber("atoms", atoms)
            w.WriteStartArray("top")

            for (ci, p) in best do
                w.WriteStartObject()
                w.WriteString("class", meta.Classes.[ci])
                w.WriteString("type", meta.MaterialTypes.[ci])
                w.WriteNumber("probability", p)
                w.WriteEndObject()

            w.WriteEndArray()
            w.WriteNumber("mutual_information", mi)
            w.WriteString("uncertainty", uncertainty)
            w.WriteNumber("entropy", c.Prediction.Entropy)
            w.WriteNull("error"))
    | Json.AsCsv ->
        best
        |> Array.iteri (fun rank (ci, p) ->
            printfn
                "%s,%d,%s,%s,%s,%s,%s,"
                (csvQuote file)
                (rank + 1)
                (csvQuote meta.Classes.[ci])
                meta.MaterialTypes.[ci]
                (p.ToString("R", inv))
                (mi.ToString("R", inv))
                uncertainty)
    | Json.AsTable -> tableRows table file atoms (best |> Array.map (fun (ci, p) -> name ci, p)) (mi, uncertainty)

/// Reads and classifies a batch of files together: each file with its structure and classification, or its error.
let private classifyBatch pipeline samples seed (batch: (string * Result<Structure list, ReadError>)[]) =
    let read =
        batch
        |> Array.map (fun (file, r) -> file, r |> Result.mapError Inputs.describe |> Result.map (Inputs.firstFrame file))

    let structures = read |> Array.choose (snd >> Result.toOption)
    Batch.together (read |> Array.filter (snd >> Result.isOk) |> Array.map fst)

    let predictions =
        Classifier.classifyEach Environment.ProcessorCount seed samples pipeline structures

    let mutable k = 0

    read
    |> Array.map (fun (file, r) ->
        match r with
        | Error e -> file, Error e
        | Ok s ->
            let p = predictions.[k]
            k <- k + 1
            file, p |> Result.map (fun c -> s, c) |> Result.mapError (sprintf "%s: %s" file))

/// Runs `classify`; exit code 0 unless every file failed.
let run
    (output: Json.Output)
    (model: Model)
    (top: int)
    (samples: int)
    (seed: int)
    (readOptions: StructureIO.ReadOptions)
    (images: Inputs.ImageSettings)
    (files: string list)
    =
    let pipeline = Models.pipeline model
    let mutable failures = 0
    let mutable total = 0

    use sink = new Json.Sink(Json.styleOf output)

    if samples < Uncertainty.calibratedSamples then
        eprintfn
            "warning: --samples %d: the mutual information of so few passes is underestimated, and its levels (calibrated at T = %d) read \
                too low"
            samples
            Uncertainty.calibratedSamples

    if output = Json.AsCsv && Batch.headerDue () then
        printfn "file,rank,class,type,probability,mutual_information,uncertainty,error"
    // batches of files, printed batch by batch; each structure's prediction depends only on it, T and the seed
    for batch in Inputs.readManyWith images readOptions files |> Seq.chunkBySize 16 do
        let table =
            Table().AddColumns("file", "atoms", "class (type)", "probability", "mutual information (uncertainty)")

        table.Border <- TableBorder.Rounded

        for file, result in classifyBatch pipeline samples seed batch do
            total <- total + 1

            match result with
            | Error e ->
                failures <- failures + 1
                writeFailure output sink file e
            | Ok(s, c) ->
                warn file s c.Prediction.MutualInformation
                writeResult output sink table model.Metadata top file s c

        if output = Json.AsTable && table.Rows.Count > 0 then
            AnsiConsole.Write table

        Batch.written batch.Length

    if total > 0 && failures = total then 1 else 0
