/// The `arise` command line: verbs over structure files.
module Arise.Cli.Program

open System
open Argu
open Spectre.Console
open Arise.Structure
open Arise.Cli.Arguments

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

/// Prints an error and gives the exit code for bad parameters.
let private fail (message: string) =
    eprintfn "error: %s" message
    2

/// Argu passes unknown options on as file names: the first such "file" that starts with '-' and does not exist, as
/// an error naming it.
let private unknownOption (command: string) (files: string list) =
    files
    |> List.tryFind (fun f -> f.StartsWith "-" && f.Length > 1 && not (IO.File.Exists f) && not (IO.Directory.Exists f))
    |> Option.map (fun f ->
        let hint = if f.Contains '=' then " (give the value after a space: --samples 10)" else ""
        sprintf "unknown option '%s'%s; see arise %s --help" f hint command)

/// Runs `run files` unless the file list holds an unknown option.
let private withFiles (command: string) (files: string list) (run: string list -> int) =
    match unknownOption command files with
    | Some e -> fail e
    | None -> run files

/// Runs `run file` when the command got exactly one input file (and no unknown option).
let private withOneFile (command: string) (what: string) (files: string list) (run: string -> int) =
    match unknownOption command files, files with
    | Some e, _ -> fail e
    | None, [ file ] -> run file
    | None, _ -> fail (sprintf "%s reads one %s at a time; got %d files (%s)" command what files.Length (String.Join(", ", files)))

/// Argu's usage errors exit with 2 (as bad option values do), help with 0.
type private UsageExiter() =
    interface IExiter with
        member _.Name = "arise"
        member _.Exit(message, code) =
            if code = ErrorCode.HelpText then
                printfn "%s" message
                exit 0
            else
                eprintfn "%s" message
                exit 2

[<EntryPoint>]
let main argv =
    // A table written to a file or a pipe would be wrapped at Spectre's default of 80 columns, splitting file and
    // class names over several lines; there, use $COLUMNS or 200 so that each row stays on one line.
    if Console.IsOutputRedirected then
        AnsiConsole.Profile.Width <-
            match Int32.TryParse(Environment.GetEnvironmentVariable "COLUMNS") with
            | true, w when w >= 40 -> w
            | _ -> 200
    let parser = ArgumentParser.Create<Verb>(programName = "arise", errorHandler = UsageExiter())
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
                fail e
            | Ok options -> withFiles "info" (args.GetResult(InfoArgs.Files, defaultValue = [])) (InfoCommand.run (args.Contains InfoArgs.Json) options)
        | Identify args ->
            match readOptions (args.TryGetResult IdentifyArgs.Format) (args.TryGetResult IdentifyArgs.Types) with
            | Error e ->
                fail e
            | Ok ro ->
                withFiles "identify" (args.GetResult(IdentifyArgs.Files, defaultValue = [])) (fun files ->
                    IdentifyCommand.run (args.GetResult(IdentifyArgs.Method, defaultValue = "acna")) (args.TryGetResult IdentifyArgs.Cutoff)
                        (args.TryGetResult IdentifyArgs.Structures) (args.TryGetResult IdentifyArgs.Rmsd_Cutoff) ro
                        files (args.Contains IdentifyArgs.Per_Atom) (args.TryGetResult IdentifyArgs.Out))
        | Explore args ->
            let mcs = args.GetResult(ExploreArgs.Min_Cluster_Size, defaultValue = 500)
            let k = args.GetResult(ExploreArgs.Neighbors, defaultValue = 500)
            let layer = args.GetResult(ExploreArgs.Layer, defaultValue = 1)
            let minDist = args.GetResult(ExploreArgs.Min_Dist, defaultValue = 0.1)
            let threshold = args.GetResult(ExploreArgs.Threshold, defaultValue = 0.1)
            if mcs < 2 then fail "--min-cluster-size must be ≥ 2"
            elif args.TryGetResult ExploreArgs.Min_Samples |> Option.exists (fun m -> m < 1) then fail "--min-samples must be ≥ 1"
            elif k < 2 then fail "--neighbors must be ≥ 2"
            elif layer < 1 then fail "--layer counts from 1 (the first hidden layer)"
            elif not (minDist >= 0.0 && minDist <= 1.0) then fail (sprintf "--min-dist must lie in [0, 1] (got %g)" minDist)
            elif not (threshold >= 0.0 && threshold <= 1.0) then fail (sprintf "--threshold must lie in [0, 1] (got %g)" threshold)
            else
            withOneFile "explore" "spm.npz" (args.GetResult ExploreArgs.File) (fun file ->
                let settings : Arise.Cluster.Exploration.ExploreSettings =
                    { Hdbscan = { Arise.Cluster.Hdbscan.defaults with MinClusterSize = mcs; MinSamples = args.TryGetResult ExploreArgs.Min_Samples }
                      Threshold = threshold
                      Umap =
                        if args.Contains ExploreArgs.No_Umap then None
                        else Some { Arise.Cluster.Umap.defaults with Neighbours = k; MinDist = minDist; Seed = Some (args.GetResult(ExploreArgs.Seed, defaultValue = 42)) }
                      Normalise = args.Contains ExploreArgs.Normalise }
                ExploreCommand.run file layer (args.TryGetResult ExploreArgs.Filter_Class) settings (args.TryGetResult ExploreArgs.Out))
        | Benchmark args ->
            let split (text: string) = text.Split([| ','; ' ' |], StringSplitOptions.RemoveEmptyEntries) |> List.ofArray
            if args.Contains BenchmarkArgs.Speed then
                let atoms = args.GetResult(BenchmarkArgs.Speed_Atoms, defaultValue = 1_000_000)
                if atoms < 100 || atoms > 20_000_000 then fail (sprintf "--speed-atoms must lie in 100 to 20,000,000 (got %d)" atoms)
                else BenchmarkCommand.speed atoms (args.GetResult(BenchmarkArgs.Lmp, defaultValue = "lmp"))
            elif args.GetResult(BenchmarkArgs.Samples, defaultValue = 100) < 1 then
                fail (sprintf "--samples must be ≥ 1 (got %d)" (args.GetResult BenchmarkArgs.Samples))
            else
                BenchmarkCommand.run (args.GetResult(BenchmarkArgs.Prototypes, defaultValue = IO.Path.Combine("..", "shared", "data", "prototypes")))
                    (args.TryGetResult BenchmarkArgs.Methods |> Option.map split |> Option.defaultValue BenchmarkCommand.methodNames)
                    (args.TryGetResult BenchmarkArgs.Levels |> Option.map split |> Option.defaultValue [])
                    (args.GetResult(BenchmarkArgs.Realizations, defaultValue = 2)) (args.GetResult(BenchmarkArgs.Samples, defaultValue = 100))
                    (args.GetResult(BenchmarkArgs.Out, defaultValue = "benchmark-out"))
        | Tune args ->
            let trials = args.GetResult(TuneArgs.Trials, defaultValue = 50)
            let epochs = args.GetResult(TuneArgs.Epochs, defaultValue = 50)
            let top = args.GetResult(TuneArgs.Top, defaultValue = 15)
            let workers = args.GetResult(TuneArgs.Workers, defaultValue = 1)
            let below = [ "--trials", trials; "--epochs", epochs; "--top", top; "--workers", workers ] |> List.filter (fun (_, v) -> v < 1)
            if not below.IsEmpty then
                fail (below |> List.map (fun (name, v) -> sprintf "%s must be ≥ 1 (got %d)" name v) |> String.concat "; ")
            else
                TuneCommand.run (args.GetResult(TuneArgs.Prototypes, defaultValue = IO.Path.Combine("..", "shared", "data", "prototypes")))
                    (args.TryGetResult TuneArgs.Data) (args.GetResult(TuneArgs.Out, defaultValue = "tuned.model"))
                    trials epochs top workers (args.GetResult(TuneArgs.Seed, defaultValue = 42))
        | Spm args ->
            let mode =
                match args.GetResult(SpmArgs.Mode, defaultValue = "slab").ToLowerInvariant() with
                | "slab" | "2d" -> Ok Arise.Spm.SpmMode.Slab
                | "bulk" | "3d" -> Ok Arise.Spm.SpmMode.Bulk
                | "rod" | "1d" -> Ok Arise.Spm.SpmMode.Rod
                | other -> Error(sprintf "--mode %s: unknown mode (slab, bulk or rod)" other)
            let samples = args.GetResult(SpmArgs.Samples, defaultValue = 100)
            match mode, readOptions (args.TryGetResult SpmArgs.Format) (args.TryGetResult SpmArgs.Types), Models.load (args.TryGetResult SpmArgs.Model) with
            | Error e, _, _
            | _, Error e, _
            | _, _, Error e ->
                fail e
            | _ when samples < 1 ->
                fail "--samples must be ≥ 1"
            | _ when args.GetResult(SpmArgs.Min_Atoms, defaultValue = 10) < 2 ->
                fail (sprintf "--min-atoms must be ≥ 2: a box needs neighbours to be classified (got %d)" (args.GetResult SpmArgs.Min_Atoms))
            | Ok m, Ok ro, Ok model ->
                let settings: Arise.Spm.SpmSettings =
                    { Mode = m
                      Box = args.GetResult(SpmArgs.Box, defaultValue = 16.0)
                      Stride = args.GetResult(SpmArgs.Stride, defaultValue = 1.0)
                      MinAtoms = args.GetResult(SpmArgs.Min_Atoms, defaultValue = 10) }
                withOneFile "spm" "sample" (args.GetResult SpmArgs.File) (fun file -> SpmCommand.run model settings samples ro file (args.GetResult SpmArgs.Out))
        | Classify args ->
            let output =
                if args.Contains ClassifyArgs.Json then ClassifyCommand.AsJson
                elif args.Contains ClassifyArgs.Csv then ClassifyCommand.AsCsv
                else ClassifyCommand.AsTable
            let top = args.GetResult(ClassifyArgs.Top, defaultValue = 3)
            let samples = args.GetResult(ClassifyArgs.Samples, defaultValue = 1000)
            if args.Contains ClassifyArgs.Json && args.Contains ClassifyArgs.Csv then fail "--json and --csv: choose one output format"
            elif top < 1 then fail (sprintf "--top must be ≥ 1 (got %d)" top)
            elif samples < 1 then fail (sprintf "--samples must be ≥ 1 (got %d)" samples)
            else
                match readOptions (args.TryGetResult ClassifyArgs.Format) (args.TryGetResult ClassifyArgs.Types), Models.load (args.TryGetResult ClassifyArgs.Model) with
                | Error e, _
                | _, Error e ->
                    fail e
                | Ok ro, Ok model ->
                    withFiles "classify" (args.GetResult(ClassifyArgs.Files, defaultValue = []))
                        (ClassifyCommand.run output model top samples (args.GetResult(ClassifyArgs.Seed, defaultValue = 1)) ro)
        | Train args ->
            let d = Arise.Model.Training.ariseOptions
            // hidden layer sizes from "256,512,256"; None when one is not an integer from 1 to 65536
            let hidden =
                match args.TryGetResult TrainArgs.Hidden with
                | None -> Some d.Hidden
                | Some text ->
                    let sizes = text.Split(',', StringSplitOptions.TrimEntries) |> Array.map (fun p ->
                        match Int32.TryParse p with
                        | true, n when n >= 1 && n <= 65536 -> Some n
                        | _ -> None)
                    if sizes |> Array.forall Option.isSome then Some(Array.choose id sizes) else None
            let options =
                { d with
                    MaxEpochs = args.GetResult(TrainArgs.Epochs, defaultValue = d.MaxEpochs)
                    Patience = (match args.GetResult(TrainArgs.Patience, defaultValue = 80) with 0 -> None | p -> Some p)
                    Seed = args.GetResult(TrainArgs.Seed, defaultValue = d.Seed)
                    LearningRate = args.GetResult(TrainArgs.Learning_Rate, defaultValue = d.LearningRate)
                    BatchSize = args.GetResult(TrainArgs.Batch_Size, defaultValue = d.BatchSize)
                    DropoutRate = args.GetResult(TrainArgs.Dropout, defaultValue = d.DropoutRate)
                    Hidden = defaultArg hidden d.Hidden
                    AveragingEpochs = args.GetResult(TrainArgs.Averaging, defaultValue = d.AveragingEpochs) }
            if options.MaxEpochs < 1 then fail (sprintf "--epochs must be ≥ 1 (got %d)" options.MaxEpochs)
            elif not (options.DropoutRate >= 0.0 && options.DropoutRate < 1.0) then
                fail (sprintf "--dropout must be in [0, 1) (got %g)" options.DropoutRate)
            elif hidden.IsNone then
                fail (sprintf "--hidden must be layer sizes from 1 to 65536, comma-separated, e.g. 256,512,256 (got '%s')" (args.GetResult TrainArgs.Hidden))
            elif options.BatchSize < 1 then fail (sprintf "--batch-size must be ≥ 1 (got %d)" options.BatchSize)
            elif not (options.LearningRate > 0.0) then fail (sprintf "--learning-rate must be > 0 (got %g)" options.LearningRate)
            elif args.GetResult(TrainArgs.Patience, defaultValue = 80) < 0 then
                fail (sprintf "--patience must be ≥ 0 epochs (0: off; got %d)" (args.GetResult TrainArgs.Patience))
            elif not (options.AveragingEpochs >= 0.0) then
                fail (sprintf "--averaging must be ≥ 0 epochs (got %g)" options.AveragingEpochs)
            elif args.GetResult(TrainArgs.Selection_Realizations, defaultValue = 1) < 1 then
                fail "--selection-realizations must be ≥ 1"
            else
                let selection =
                    match args.GetResult(TrainArgs.Selection, defaultValue = SelectionKind.Table1) with
                    | SelectionKind.Table1 -> Some("table1", Arise.Model.TrainingSet.tableLevels)
                    | SelectionKind.Paper -> Some("paper", Arise.Model.TrainingSet.selectionLevels)
                    | SelectionKind.Off -> Option.None
                TrainCommand.run (args.GetResult TrainArgs.Prototypes) (args.GetResult TrainArgs.Out) options selection
                    (args.GetResult(TrainArgs.Selection_Realizations, defaultValue = 1))
                    (match args.GetResult(TrainArgs.Selection_Score, defaultValue = SelectionScoreKind.Pooled) with
                     | SelectionScoreKind.Pooled -> Arise.Model.DefectScore.Pooled
                     | SelectionScoreKind.Per_Level -> Arise.Model.DefectScore.PerLevel)
        | Evaluate args ->
            match Models.load (args.TryGetResult EvaluateArgs.Model) with
            | Error e ->
                fail e
            | Ok _ when args.GetResult(EvaluateArgs.Samples, defaultValue = 100) < 1 ->
                fail (sprintf "--samples must be ≥ 1 (got %d)" (args.GetResult EvaluateArgs.Samples))
            | Ok model -> TrainCommand.evaluate model (args.GetResult EvaluateArgs.Prototypes) (args.GetResult(EvaluateArgs.Samples, defaultValue = 100))
        | Descriptor args ->
            let dnnRule =
                match args.TryGetResult DescriptorArgs.Dnn with
                | None -> Ok DnnMethod.AriseHistogram
                | Some rule -> DnnRule.parse rule |> Result.mapError (sprintf "--dnn: %s")
            let scale = args.GetResult(DescriptorArgs.Extrinsic_Scale, defaultValue = 1.0)
            match readOptions (args.TryGetResult DescriptorArgs.Format) (args.TryGetResult DescriptorArgs.Types), dnnRule with
            | Error e, _
            | _, Error e ->
                fail e
            | _ when not (scale >= 0.1 && scale <= 10.0) ->
                fail (sprintf "--extrinsic-scale must lie in [0.1, 10] (got %g; training 0.95, 1.0, 1.05)" scale)
            | _ when args.GetResult(DescriptorArgs.Cutoff, defaultValue = 4.0) > 20.0 ->
                fail (sprintf "--cutoff must be at most 20 d_NN (got %g; training range 3.0-5.0)" (args.GetResult DescriptorArgs.Cutoff))
            | Ok ro, Ok rule ->
                let d = Arise.Soap.AriseDescriptor.defaults
                let options =
                    { d with
                        Soap =
                            { d.Soap with
                                Cutoff = args.GetResult(DescriptorArgs.Cutoff, defaultValue = d.Soap.Cutoff)
                                AtomSigma = args.GetResult(DescriptorArgs.Sigma, defaultValue = d.Soap.AtomSigma) }
                        Dnn = rule
                        ExtrinsicScale = scale }
                withFiles "descriptor" (args.GetResult(DescriptorArgs.Files, defaultValue = [])) (DescriptorCommand.run (args.Contains DescriptorArgs.Json) options ro)
    with
    | :? ArguParseException as e ->
        eprintfn "%s" e.Message
        2
    | :? IO.IOException
    | :? UnauthorizedAccessException as e ->
        // a file or folder that could not be read or written (a full disk, a closed output, no permission)
        eprintfn "error: %s" (Outputs.reason e)
        2
