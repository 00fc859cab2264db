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
let run (json: Json.Style option) (options: DescriptorOptions) (readOptions: StructureIO.ReadOptions) (files: string list) =
    match Soap.create options.Soap with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok calc ->
        let mutable failures = 0
        use sink = new Json.Sink(defaultArg json Json.Lines)

        for file, result in Inputs.readMany readOptions files do
            let d =
                result
                |> Result.mapError Inputs.describe
                |> Result.bind (fun frames ->
                    AriseDescriptor.computeWith calc options (Inputs.firstFrame file frames)
                    |> Result.mapError (sprintf "%s: %s" file))

            if Result.isError d then
                failures <- failures + 1

            if json.IsSome then
                writeJson sink file d
            else
                match d with
                | Ok d -> writeText file options d
                | Error e -> eprintfn "error: %s" e

        if failures > 0 then 1 else 0
