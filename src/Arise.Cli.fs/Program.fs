/// The `arise` command line: verbs over structure files.
module Arise.Cli.Program

open System
open Argu
open Arise.Structure

/// Options shared by the verbs that read structures.
type InfoArgs =
    | [<MainCommand>] Files of path: string list
    | Json
    | Format of name: string
    | Types of map: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Files _ -> "structure files (xyz/extxyz, FHI-aims .in, POSCAR, CIF, LAMMPS data/dump); none: the embedded sample."
            | Json -> "print one JSON object per file (file, atoms, species, formula, cell, periodic, dnn, error)."
            | Format _ -> "read every file in this format instead of guessing from the extension (xyz, aims, poscar, cif, lammps-data, lammps-dump)."
            | Types _ -> "LAMMPS atom types as elements, e.g. 1=Ni,2=Al."

/// Options of `descriptor`.
type DescriptorArgs =
    | [<MainCommand>] Files of path: string list
    | Json
    | Cutoff of r_c: float
    | Sigma of sigma: float
    | Dnn of rule: string
    | Extrinsic_Scale of factor: float
    | Format of name: string
    | Types of map: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Files _ -> "structure files; none: the embedded sample."
            | Json -> "print one JSON object per file: descriptor (316 numbers), dnn (per species pair), error."
            | Cutoff _ -> "SOAP cutoff R_C in units of d_NN (default 4.0; training range 3.0-5.0)."
            | Sigma _ -> "atom Gaussian width sigma in units of d_NN (default 0.1; training values 0.08, 0.1, 0.12)."
            | Dnn _ -> "d_NN rule: arise (default; the histogram rule the model was trained with) or clean (most common distance)."
            | Extrinsic_Scale _ -> "divide the structure by this factor times d_NN (default 1.0; training 0.95, 1.0, 1.05)."
            | Format _ -> "read every file in this format (xyz, aims, poscar, cif, lammps-data, lammps-dump)."
            | Types _ -> "LAMMPS atom types as elements, e.g. 1=Ni,2=Al."

/// The verbs.
type Verb =
    | [<CliPrefix(CliPrefix.None)>] Info of ParseResults<InfoArgs>
    | [<CliPrefix(CliPrefix.None)>] Descriptor of ParseResults<DescriptorArgs>
    | Version

    interface IArgParserTemplate with
        member v.Usage =
            match v with
            | Descriptor _ -> "the averaged-SOAP ARISE descriptor (316 numbers) and the per-pair d_NN used."
            | Info _ -> "summarise structures: atoms, species, cell, periodicity, nearest-neighbour distance d_NN, formula."
            | Version -> "print the version."

/// Read options from the common flags; Error names the bad parameter.
let readOptions (format: string option) (types: string option) : Result<StructureIO.ReadOptions, string> =
    let fmt =
        match format with
        | None -> Ok None
        | Some f ->
            match StructureIO.tryParseFormat f with
            | Some x -> Ok(Some x)
            | None -> Error(sprintf "--format %s: unknown format (xyz, aims, poscar, cif, lammps-data, lammps-dump)" f)
    let map =
        match types with
        | None -> Ok Map.empty
        | Some t -> Formats.Lammps.parseTypeMap t |> Result.mapError (sprintf "--types %s: %s" t)
    match fmt, map with
    | Ok f, Ok m -> Ok { StructureIO.Format = f; LammpsTypes = m }
    | Error e, _
    | _, Error e -> Error e

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<Verb>(programName = "arise", errorHandler = ProcessExiter())
    let results = parser.ParseCommandLine(argv, raiseOnUsage = true)
    try
        if results.Contains Version then
            printfn "arise %s" (Reflection.Assembly.GetExecutingAssembly().GetName().Version.ToString(3))
            0
        else
        match results.GetSubCommand() with
        | Version -> 0
        | Info args ->
            match readOptions (args.TryGetResult InfoArgs.Format) (args.TryGetResult InfoArgs.Types) with
            | Error e ->
                eprintfn "error: %s" e
                2
            | Ok options -> InfoCommand.run (args.Contains InfoArgs.Json) options (args.GetResult(InfoArgs.Files, defaultValue = []))
        | Descriptor args ->
            let dnnRule =
                match args.TryGetResult DescriptorArgs.Dnn |> Option.map (fun s -> s.ToLowerInvariant()) with
                | None | Some "arise" -> Ok DnnMethod.AriseHistogram
                | Some "clean" -> Ok DnnMethod.MostCommon
                | Some other -> Error(sprintf "--dnn %s: unknown rule (arise or clean)" other)
            match readOptions (args.TryGetResult DescriptorArgs.Format) (args.TryGetResult DescriptorArgs.Types), dnnRule with
            | Error e, _
            | _, Error e ->
                eprintfn "error: %s" e
                2
            | Ok ro, Ok rule ->
                let d = Arise.Soap.AriseDescriptor.defaults
                let options =
                    { d with
                        Soap =
                            { d.Soap with
                                Cutoff = args.GetResult(DescriptorArgs.Cutoff, defaultValue = d.Soap.Cutoff)
                                AtomSigma = args.GetResult(DescriptorArgs.Sigma, defaultValue = d.Soap.AtomSigma) }
                        Dnn = rule
                        ExtrinsicScale = args.GetResult(DescriptorArgs.Extrinsic_Scale, defaultValue = 1.0) }
                DescriptorCommand.run (args.Contains DescriptorArgs.Json) options ro (args.GetResult(DescriptorArgs.Files, defaultValue = []))
    with
    | :? ArguParseException as e ->
        eprintfn "%s" e.Message
        2
