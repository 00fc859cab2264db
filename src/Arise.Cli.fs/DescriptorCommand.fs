/// `arise descriptor FILE…`: the 316-component ARISE descriptor and the per-pair d_NN used.
module Arise.Cli.DescriptorCommand

open System
open System.Globalization
open Arise.Structure
open Arise.Soap

let private pairName (za, zb) =
    sprintf "%s-%s" (Elements.symbol za) (Elements.symbol zb)

let private writeJson (sink: Json.Sink) (file: string) (result: Result<Descriptor, string>) =
    sink.Write(fun w ->
        w.WriteString("file", file)

        match result with
        | Ok d ->
            Json.numbers w "descriptor" d.Vector
            w.WriteStartObject("dnn")

            for (pair, dnn) in d.PairDnn do
                match dnn with
                | Some x -> Json.number w (pairName pair) x
                | None -> w.WriteNull(pairName pair)

            w.WriteEndObject()
            w.WriteNull("error")
        | Error e ->
            w.WriteNull("descriptor")
            w.WriteNull("dnn")
            w.WriteString("error", e))

let private writeText (file: string) (options: DescriptorOptions) (d: Descriptor) =
    let inv = CultureInfo.InvariantCulture
    printfn "# file: %s" file

    printfn
        "# R_C = %g d_NN, sigma = %g d_NN, n_max = %d, l_max = %d, d_NN rule: %s, extrinsic scale %g"
        options.Soap.Cutoff
        options.Soap.AtomSigma
        options.Soap.NMax
        options.Soap.LMax
        (DnnRule.name options.Dnn)
        options.ExtrinsicScale

    for (pair, dnn) in d.PairDnn do
        match dnn with
        | Some x -> printfn "# d_NN %s = %s" (pairName pair) (x.ToString("R", inv))
        | None -> printfn "# d_NN %s: none (lone atom of the species; zero vector)" (pairName pair)

    for x in d.Vector do
        printfn "%s" (x.ToString("R", inv))

/// Runs `descriptor`; returns the exit code (0 when every file worked, 1 otherwise).
/// One CSV row: the file, the error (empty when none), the components.
let private writeCsv (file: string) (dimension: int) (result: Result<Descriptor, string>) =
    let inv = CultureInfo.InvariantCulture

    let fields =
        match result with
        | Ok d -> [ file; "" ] @ [ for x in d.Vector -> x.ToString("R", inv) ]
        | Error e -> [ file; e ] @ List.replicate dimension ""

    printfn "%s" (String.Join(",", fields |> List.map Json.csvField))

let run
    (output: Json.Output)
    (options: DescriptorOptions)
    (readOptions: StructureIO.ReadOptions)
    (images: Inputs.ImageSettings)
    (files: string list)
    =
    match Soap.create options.Soap with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok calc ->
        let mutable failures = 0
        use sink = new Json.Sink(Json.styleOf output)
        let dimension = SoapParameters.dimension options.Soap

        if output = Json.AsCsv && Batch.headerDue () then
            printfn "file,error,%s" (String.Join(",", [ for k in 0 .. dimension - 1 -> sprintf "x%d" k ]))

        for file, result in Inputs.readManyWith images readOptions files do
            let d =
                result
                |> Result.mapError Inputs.describe
                |> Result.bind (fun frames ->
                    AriseDescriptor.computeWith calc options (Inputs.firstFrame file frames)
                    |> Result.mapError (sprintf "%s: %s" file))

            if Result.isError d then
                failures <- failures + 1

            match output, d with
            | Json.AsJson _, _ -> writeJson sink file d
            | Json.AsCsv, _ -> writeCsv file dimension d
            | Json.AsTable, Ok d -> writeText file options d
            | Json.AsTable, Error e -> eprintfn "error: %s" e

            Batch.written 1

        if failures > 0 then 1 else 0
