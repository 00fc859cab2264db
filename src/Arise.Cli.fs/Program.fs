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

/// The verbs.
type Verb =
    | [<CliPrefix(CliPrefix.None)>] Info of ParseResults<InfoArgs>
    | Version

    interface IArgParserTemplate with
        member v.Usage =
            match v with
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
    with
    | :? ArguParseException as e ->
        eprintfn "%s" e.Message
        2
