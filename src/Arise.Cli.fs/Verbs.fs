/// Each verb: its arguments parsed into settings (defaults from Arise.Defaults, validation in one place, errors that
/// name the option), then one call into the command that does the work. Exit codes: 0 done, 1 failed on the input,
/// 2 bad usage.
module Arise.Cli.Verbs

open System
open Argu
open Arise
open Arise.Structure
open Arise.Cli.Arguments

/// Early returns for argument checks (Outputs.result).
let result = Outputs.result

let private require = Outputs.require

/// Prints an error and gives the exit code for bad parameters.
let fail (message: string) =
    eprintfn "error: %s" message
    2

/// Runs `run` on settings, or reports why there are none.
let private withSettings (settings: Result<'S, string>) (run: 'S -> int) =
    match settings with
    | Ok s -> run s
    | Error e -> fail e

/// Read options from the common flags; Error names the bad parameter.
let readOptionsWith (oneSpecies: bool) (format: string option) (types: string option) : Result<StructureIO.ReadOptions, string> =
    result {
        let! fmt =
            match format with
            | None -> Ok None
            | Some f ->
                match StructureIO.tryParseFormat f with
                | Some x -> Ok(Some x)
                | None -> Error(sprintf "--format %s: unknown format (xyz, aims, poscar, cif, lammps-data, lammps-dump)" f)

        let! map =
            match types with
            | None -> Ok Map.empty
            | Some t -> Formats.Lammps.parseTypeMap t |> Result.mapError (sprintf "--types %s: %s" t)

        return
            { StructureIO.defaults with
                Format = fmt
                LammpsTypes = map
                OneSpecies = oneSpecies }
    }

/// Read options with the atom-probe settings (--ranges, --keep-unranged, --split-molecular).
let withAtomProbe (ranges: string option) (keepUnranged: bool) (splitMolecular: bool) (ro: StructureIO.ReadOptions) =
    { ro with
        Ranges = ranges
        AtomProbe =
            { KeepUnranged = keepUnranged
              SplitMolecular = splitMolecular } }

/// Read options from the common flags, species as in the files.
let readOptions format types = readOptionsWith false format types

/// Argu passes unknown options on as file names: the first such "file" that starts with '-' and does not exist, as
/// an error naming it.
let private unknownOption (command: string) (files: string list) =
    files
    |> List.tryFind (fun f ->
        f.StartsWith "-"
        && f.Length > 1
        && not (IO.File.Exists f)
        && not (IO.Directory.Exists f))
    |> Option.map (fun f ->
        let hint =
            if f.Contains '=' then
                " (give the value after a space: --samples 10)"
            else
                ""

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

/// The most Monte Carlo passes T a verb takes: a typo such as 2147483647 would otherwise run for days.
let maxSamples = 100_000

/// Ok when T lies in 1 to maxSamples, else the message naming the option.
let private checkSamples (option: string) (samples: int) =
    require
        (samples >= 1 && samples <= maxSamples)
        (sprintf "%s must lie in 1 to %d (got %d); T = 1000 is the paper's, 100 the calibration's" option maxSamples samples)

/// The output of a verb with --json, --jsonl and --csv: one of them, or the table.
let private outputOf (json: bool) (jsonl: bool) (csv: bool) : Result<Json.Output, string> =
    if (json || jsonl) && csv then
        Error "--json and --csv: choose one output format"
    elif jsonl then
        Ok(Json.AsJson Json.Lines)
    elif json then
        Ok(Json.AsJson Json.Array)
    elif csv then
        Ok Json.AsCsv
    else
        Ok Json.AsTable

/// The prototype library: the option's folder, or the data release's (ARISE_SHARED_DATA, or shared/data found above
/// the current folder or the program).
let private prototypesOr (given: string option) : Result<string, string> =
    match given with
    | Some dir -> Ok dir
    | None ->
        DataRelease.prototypes ()
        |> Result.mapError (fun e -> e + "; the folder is given with --prototypes DIR")

/// The read options and the output of a verb that reads files and prints results.
let private readAndOutput format types (json: bool, jsonl: bool, csv: bool) =
    result {
        let! ro = readOptions format types
        let! output = outputOf json jsonl csv
        return ro, output
    }

let info (args: ParseResults<InfoArgs>) =
    let settings =
        readAndOutput
            (args.TryGetResult InfoArgs.Format)
            (args.TryGetResult InfoArgs.Types)
            (args.Contains InfoArgs.Json, args.Contains InfoArgs.Jsonl, args.Contains InfoArgs.Csv)

    withSettings settings (fun (options, output) ->
        withFiles
            "info"
            (args.GetResult(InfoArgs.Files, defaultValue = []))
            (Inputs.expandFolders (args.Contains InfoArgs.Recursive) options
             >> Inputs.batch Batch.FailsWhenAny options (InfoCommand.run output options)))

let identify (args: ParseResults<IdentifyArgs>) =
    let settings =
        readAndOutput
            (args.TryGetResult IdentifyArgs.Format)
            (args.TryGetResult IdentifyArgs.Types)
            (args.Contains IdentifyArgs.Json, args.Contains IdentifyArgs.Jsonl, args.Contains IdentifyArgs.Csv)

    withSettings settings (fun (ro, output) ->
        withFiles "identify" (args.GetResult(IdentifyArgs.Files, defaultValue = [])) (fun files ->
            (Inputs.expandFolders (args.Contains IdentifyArgs.Recursive) ro files)
            |> Inputs.batch Batch.FailsWhenAll ro (fun files ->
                IdentifyCommand.run
                    output
                    (args.GetResult(IdentifyArgs.Method, defaultValue = "acna"))
                    (args.TryGetResult IdentifyArgs.Cutoff)
                    (args.TryGetResult IdentifyArgs.Structures)
                    (args.TryGetResult IdentifyArgs.Rmsd_Cutoff)
                    ro
                    files
                    (args.Contains IdentifyArgs.Per_Atom)
                    (args.TryGetResult IdentifyArgs.Out))))

/// `explore` settings; a minimum cluster size or neighbour count of 0 means: from the number of boxes explored.
let exploreSettings (args: ParseResults<ExploreArgs>) : Result<int * Cluster.Exploration.ExploreSettings, string> =
    result {
        let mcs = args.GetResult(ExploreArgs.Min_Cluster_Size, defaultValue = 0)
        let k = args.GetResult(ExploreArgs.Neighbors, defaultValue = 0)
        let layer = args.GetResult(ExploreArgs.Layer, defaultValue = 1)
        let minDist = args.GetResult(ExploreArgs.Min_Dist, defaultValue = 0.1)

        let threshold =
            args.GetResult(ExploreArgs.Threshold, defaultValue = Defaults.Threshold)

        do! require (mcs = 0 || mcs >= 2) "--min-cluster-size must be ≥ 2"
        do! require (args.TryGetResult ExploreArgs.Min_Samples |> Option.forall (fun m -> m >= 1)) "--min-samples must be ≥ 1"
        do! require (k = 0 || k >= 2) "--neighbors must be ≥ 2"
        do! require (layer >= 1) "--layer counts from 1 (the first hidden layer)"
        do! require (minDist >= 0.0 && minDist <= 1.0) (sprintf "--min-dist must lie in [0, 1] (got %g)" minDist)
        do! require (threshold >= 0.0 && threshold <= 1.0) (sprintf "--threshold must lie in [0, 1] (got %g)" threshold)

        let umap =
            if args.Contains ExploreArgs.No_Umap then
                None
            else
                Some
                    { Cluster.Umap.defaults with
                        Neighbours = k
                        MinDist = minDist
                        Seed = Some(args.GetResult(ExploreArgs.Seed, defaultValue = Defaults.UmapSeed)) }

        return
            layer,
            { Hdbscan =
                { Cluster.Hdbscan.defaults with
                    MinClusterSize = mcs
                    MinSamples = args.TryGetResult ExploreArgs.Min_Samples }
              Threshold = threshold
              Umap = umap
              Normalise = args.Contains ExploreArgs.Normalise }
    }

let explore (args: ParseResults<ExploreArgs>) =
    let settings =
        result {
            let! layer, settings = exploreSettings args

            let! output =
                outputOf (args.Contains ExploreArgs.Json) (args.Contains ExploreArgs.Jsonl) (args.Contains ExploreArgs.Csv)

            return layer, settings, output
        }

    withSettings settings (fun (layer, settings, output) ->
        withOneFile "explore" "spm.npz (or SPM folder)" (args.GetResult ExploreArgs.File) (fun file ->
            ExploreCommand.run output file layer (args.TryGetResult ExploreArgs.Filter_Class) settings (args.TryGetResult ExploreArgs.Out)))

let benchmark (args: ParseResults<BenchmarkArgs>) =
    let split (text: string) =
        text.Split([| ','; ' ' |], StringSplitOptions.RemoveEmptyEntries)
        |> List.ofArray

    if args.Contains BenchmarkArgs.Speed then
        let atoms = args.GetResult(BenchmarkArgs.Speed_Atoms, defaultValue = 1_000_000)

        if atoms < 100 || atoms > 20_000_000 then
            fail (sprintf "--speed-atoms must lie in 100 to 20,000,000 (got %d)" atoms)
        else
            BenchmarkCommand.speed atoms (args.GetResult(BenchmarkArgs.Lmp, defaultValue = "lmp"))
    else
        let samples =
            args.GetResult(BenchmarkArgs.Samples, defaultValue = Defaults.SpmSamples)

        let inputs =
            result {
                do! checkSamples "--samples" samples
                return! prototypesOr (args.TryGetResult BenchmarkArgs.Prototypes)
            }

        withSettings inputs (fun prototypes ->
            BenchmarkCommand.run
                prototypes
                (args.TryGetResult BenchmarkArgs.Methods
                 |> Option.map split
                 |> Option.defaultValue BenchmarkCommand.methodNames)
                (args.TryGetResult BenchmarkArgs.Levels
                 |> Option.map split
                 |> Option.defaultValue [])
                (args.GetResult(BenchmarkArgs.Realizations, defaultValue = 2))
                samples
                (args.GetResult(BenchmarkArgs.Out, defaultValue = "benchmark-out")))

let tune (args: ParseResults<TuneArgs>) =
    let trials = args.GetResult(TuneArgs.Trials, defaultValue = 50)
    let epochs = args.GetResult(TuneArgs.Epochs, defaultValue = 50)
    let top = args.GetResult(TuneArgs.Top, defaultValue = 15)
    let workers = args.GetResult(TuneArgs.Workers, defaultValue = 1)

    let below =
        [ "--trials", trials; "--epochs", epochs; "--top", top; "--workers", workers ]
        |> List.filter (fun (_, v) -> v < 1)

    if not below.IsEmpty then
        fail (
            below
            |> List.map (fun (name, v) -> sprintf "%s must be ≥ 1 (got %d)" name v)
            |> String.concat "; "
        )
    else
        let prototypes =
            Models.useEngine (args.TryGetResult TuneArgs.Engine)
            |> Result.bind (fun () -> prototypesOr (args.TryGetResult TuneArgs.Prototypes))

        withSettings prototypes (fun prototypes ->
            TuneCommand.run
                prototypes
                (args.TryGetResult TuneArgs.Data)
                (args.GetResult(TuneArgs.Out, defaultValue = "tuned.model"))
                trials
                epochs
                top
                workers
                (args.GetResult(TuneArgs.Seed, defaultValue = 42)))

/// `spm` settings: the grid settings and T.
let spmSettings (args: ParseResults<SpmArgs>) : Result<Spm.SpmSettings * int, string> =
    result {
        let! mode =
            match args.GetResult(SpmArgs.Mode, defaultValue = "slab").ToLowerInvariant() with
            | "slab"
            | "2d" -> Ok Spm.SpmMode.Slab
            | "bulk"
            | "3d" -> Ok Spm.SpmMode.Bulk
            | "rod"
            | "1d" -> Ok Spm.SpmMode.Rod
            | other -> Error(sprintf "--mode %s: unknown mode (slab, bulk or rod)" other)

        let samples = args.GetResult(SpmArgs.Samples, defaultValue = Defaults.SpmSamples)

        let! layout =
            match args.GetResult(SpmArgs.Grid, defaultValue = "inside").ToLowerInvariant() with
            | "inside" -> Ok Spm.GridLayout.Inside
            | "reference" -> Ok Spm.GridLayout.Reference
            | other -> Error(sprintf "--grid must be inside or reference (got '%s')" other)

        // the reference classifies boxes of more than 50 atoms
        let minAtoms =
            args.GetResult(
                SpmArgs.Min_Atoms,
                defaultValue =
                    (if layout = Spm.GridLayout.Reference then
                         51
                     else
                         Defaults.MinAtoms)
            )

        do! checkSamples "--samples" samples
        do! require (minAtoms >= 2) (sprintf "--min-atoms must be ≥ 2: a box needs neighbours to be classified (got %d)" minAtoms)

        return
            { Spm.SpmSettings.Mode = mode
              Box = args.GetResult(SpmArgs.Box, defaultValue = Defaults.Box)
              Stride = args.GetResult(SpmArgs.Stride, defaultValue = Defaults.Stride)
              MinAtoms = minAtoms
              Layout = layout },
            samples
    }

let spm (world: Arise.Numerics.Mpi.World option) (args: ParseResults<SpmArgs>) =
    let inputs =
        result {
            let! settings, samples = spmSettings args

            let! ro =
                readOptionsWith (args.Contains SpmArgs.One_Species) (args.TryGetResult SpmArgs.Format) (args.TryGetResult SpmArgs.Types)
                |> Result.map (
                    withAtomProbe
                        (args.TryGetResult SpmArgs.Ranges)
                        (args.Contains SpmArgs.Keep_Unranged)
                        (args.Contains SpmArgs.Split_Molecular)
                )

            let! images =
                Inputs.imageSettings
                    (args.TryGetResult SpmArgs.Pixel_Size)
                    (args.TryGetResult SpmArgs.Column_Spacing)
                    (args.TryGetResult SpmArgs.Column_Size)
                    None
                    (args.TryGetResult SpmArgs.Species)

            let shells = args.TryGetResult SpmArgs.Shells

            do!
                require
                    (shells |> Option.forall (fun w -> w > 0.0 && Double.IsFinite w))
                    (sprintf "--shells must be a positive width in Å (got %g)" (defaultArg shells 0.0))

            let! model = Models.load (args.TryGetResult SpmArgs.Model)
            do! Models.useEngine (args.TryGetResult SpmArgs.Engine)
            return settings, samples, ro, images, shells, model
        }

    withSettings inputs (fun (settings, samples, ro, images, shells, model) ->
        withOneFile "spm" "sample" (args.GetResult SpmArgs.File) (fun file ->
            SpmCommand.run model settings samples ro images shells world file (args.GetResult SpmArgs.Out)))

/// `classify` settings: output format, top, T and seed.
type ClassifySettings =
    { Output: Json.Output
      Top: int
      Samples: int
      Seed: int }

let classifySettings (args: ParseResults<ClassifyArgs>) : Result<ClassifySettings, string> =
    result {
        let top = args.GetResult(ClassifyArgs.Top, defaultValue = Defaults.Top)
        let samples = args.GetResult(ClassifyArgs.Samples, defaultValue = Defaults.Samples)

        let! output =
            outputOf (args.Contains ClassifyArgs.Json) (args.Contains ClassifyArgs.Jsonl) (args.Contains ClassifyArgs.Csv)

        do! require (top >= 1) (sprintf "--top must be ≥ 1 (got %d)" top)
        do! checkSamples "--samples" samples

        return
            { Output = output
              Top = top
              Samples = samples
              Seed = args.GetResult(ClassifyArgs.Seed, defaultValue = Defaults.Seed) }
    }

let classify (args: ParseResults<ClassifyArgs>) =
    let inputs =
        result {
            let! s = classifySettings args

            let! ro =
                readOptionsWith
                    (args.Contains ClassifyArgs.One_Species)
                    (args.TryGetResult ClassifyArgs.Format)
                    (args.TryGetResult ClassifyArgs.Types)
                |> Result.map (
                    withAtomProbe
                        (args.TryGetResult ClassifyArgs.Ranges)
                        (args.Contains ClassifyArgs.Keep_Unranged)
                        (args.Contains ClassifyArgs.Split_Molecular)
                )

            let! images =
                Inputs.imageSettings
                    (args.TryGetResult ClassifyArgs.Pixel_Size)
                    (args.TryGetResult ClassifyArgs.Column_Spacing)
                    (args.TryGetResult ClassifyArgs.Column_Size)
                    None
                    (args.TryGetResult ClassifyArgs.Species)

            return s, ro, images
        }

    // the model is loaded where the files are classified (in a supervised batch's workers, not in the supervisor)
    let model () =
        result {
            let! model = Models.load (args.TryGetResult ClassifyArgs.Model)
            do! Models.useEngine (args.TryGetResult ClassifyArgs.Engine)
            return model
        }

    withSettings inputs (fun (s, ro, images) ->
        withFiles
            "classify"
            (args.GetResult(ClassifyArgs.Files, defaultValue = []))
            (Inputs.expandFolders (args.Contains ClassifyArgs.Recursive) ro
             >> Inputs.batch Batch.FailsWhenAll ro (fun files ->
                 withSettings (model ()) (fun model -> ClassifyCommand.run s.Output model s.Top s.Samples s.Seed ro images files))))

/// Hidden layer sizes from "256,512,256" (each 1 to 65536).
let private hiddenSizes (text: string) =
    let sizes =
        text.Split(',', StringSplitOptions.TrimEntries)
        |> Array.map (fun p ->
            match Int32.TryParse p with
            | true, n when n >= 1 && n <= 65536 -> Some n
            | _ -> None)

    if sizes |> Array.forall Option.isSome then
        Ok(Array.choose id sizes)
    else
        Error(sprintf "--hidden must be layer sizes from 1 to 65536, comma-separated, e.g. 256,512,256 (got '%s')" text)

/// `train` settings: the training options, the checkpoint selection, its realisations and score.
let trainSettings (args: ParseResults<TrainArgs>) =
    result {
        let d = Model.Training.ariseOptions

        let! hidden =
            args.TryGetResult TrainArgs.Hidden
            |> Option.map hiddenSizes
            |> Option.defaultValue (Ok d.Hidden)

        let patience = args.GetResult(TrainArgs.Patience, defaultValue = 80)

        let realisations =
            args.GetResult(TrainArgs.Selection_Realizations, defaultValue = 1)

        let options =
            { d with
                MaxEpochs = args.GetResult(TrainArgs.Epochs, defaultValue = d.MaxEpochs)
                Patience = (if patience = 0 then None else Some patience)
                Seed = args.GetResult(TrainArgs.Seed, defaultValue = d.Seed)
                LearningRate = args.GetResult(TrainArgs.Learning_Rate, defaultValue = d.LearningRate)
                BatchSize = args.GetResult(TrainArgs.Batch_Size, defaultValue = d.BatchSize)
                DropoutRate = args.GetResult(TrainArgs.Dropout, defaultValue = d.DropoutRate)
                Hidden = hidden
                AveragingEpochs = args.GetResult(TrainArgs.Averaging, defaultValue = d.AveragingEpochs) }

        do! require (options.MaxEpochs >= 1) (sprintf "--epochs must be ≥ 1 (got %d)" options.MaxEpochs)

        do!
            require
                (options.DropoutRate >= 0.0 && options.DropoutRate < 1.0)
                (sprintf "--dropout must be in [0, 1) (got %g)" options.DropoutRate)

        do! require (options.BatchSize >= 1) (sprintf "--batch-size must be ≥ 1 (got %d)" options.BatchSize)
        do! require (options.LearningRate > 0.0) (sprintf "--learning-rate must be > 0 (got %g)" options.LearningRate)
        do! require (patience >= 0) (sprintf "--patience must be ≥ 0 epochs (0: off; got %d)" patience)
        do! require (options.AveragingEpochs >= 0.0) (sprintf "--averaging must be ≥ 0 epochs (got %g)" options.AveragingEpochs)
        do! require (realisations >= 1) "--selection-realizations must be ≥ 1"

        let selection =
            match args.GetResult(TrainArgs.Selection, defaultValue = SelectionKind.Table1) with
            | SelectionKind.Table1 -> Some("table1", Model.TrainingSet.tableLevels)
            | SelectionKind.Paper -> Some("paper", Model.TrainingSet.selectionLevels)
            | SelectionKind.Off -> Option.None

        let score =
            match args.GetResult(TrainArgs.Selection_Score, defaultValue = SelectionScoreKind.Pooled) with
            | SelectionScoreKind.Pooled -> Model.DefectScore.Pooled
            | SelectionScoreKind.Per_Level -> Model.DefectScore.PerLevel

        return options, selection, realisations, score
    }

/// `train --from`: the model to extend and where its data is; the options then default to its dropout, its seed (so
/// that its classes keep its 80/20 split) and 60 epochs,
/// and --hidden must not ask for other sizes.
let private extension (args: ParseResults<TrainArgs>) (options: Model.TrainingOptions) (prototypes: string) =
    match args.TryGetResult TrainArgs.From with
    | None when args.Contains TrainArgs.Known -> Error "--known is for --from (the data of the model classes are added to)"
    | None -> Ok(options, None)
    | Some from ->
        result {
            let! model =
                Models.load (if from = "embedded" then None else Some from)
                |> Result.mapError (fun e -> sprintf "--from %s" e)

            let hidden = model.Network.Architecture.Hidden

            do!
                require
                    (not (args.Contains TrainArgs.Hidden) || options.Hidden = hidden)
                    (sprintf "--hidden: %s has hidden layers %s; added classes keep them" from (String.Join(",", hidden)))

            let! ext =
                TrainCommand.extension model from (args.TryGetResult TrainArgs.Known) prototypes

            return
                { options with
                    DropoutRate = args.GetResult(TrainArgs.Dropout, defaultValue = model.Network.Architecture.DropoutRate)
                    MaxEpochs = args.GetResult(TrainArgs.Epochs, defaultValue = 60)
                    Seed = args.GetResult(TrainArgs.Seed, defaultValue = model.Metadata.Training.Seed) },
                Some ext
        }

let train (args: ParseResults<TrainArgs>) =
    let settings =
        trainSettings args
        |> Result.bind (fun s ->
            Models.useEngine (args.TryGetResult TrainArgs.Engine)
            |> Result.map (fun () -> s))

    withSettings settings (fun (options, selection, realisations, score) ->
        withSettings (prototypesOr (args.TryGetResult TrainArgs.Prototypes)) (fun prototypes ->
            withSettings (extension args options prototypes) (fun (options, ext) ->
                TrainCommand.run prototypes (args.GetResult TrainArgs.Out) options selection realisations score ext)))

let evaluate (args: ParseResults<EvaluateArgs>) =
    let inputs =
        result {
            let! model = Models.load (args.TryGetResult EvaluateArgs.Model)
            do! Models.useEngine (args.TryGetResult EvaluateArgs.Engine)

            let samples =
                args.GetResult(EvaluateArgs.Samples, defaultValue = Defaults.SpmSamples)

            do! checkSamples "--samples" samples

            let! output =
                outputOf (args.Contains EvaluateArgs.Json) (args.Contains EvaluateArgs.Jsonl) (args.Contains EvaluateArgs.Csv)

            return model, samples, output
        }

    withSettings inputs (fun (model, samples, output) ->
        withSettings (prototypesOr (args.TryGetResult EvaluateArgs.Prototypes)) (fun prototypes ->
            TrainCommand.evaluate output model prototypes samples))

/// `descriptor` settings: the descriptor options, by default the embedded model's (so that `descriptor` prints the
/// vector `classify` classifies).
let descriptorSettings (args: ParseResults<DescriptorArgs>) : Result<Soap.DescriptorOptions, string> =
    result {
        let d = Recognizer.Default.Pipeline.Options

        let! rule =
            match args.TryGetResult DescriptorArgs.Dnn with
            | None -> Ok d.Dnn
            | Some rule -> DnnRule.parse rule |> Result.mapError (sprintf "--dnn: %s")

        let scale =
            args.GetResult(DescriptorArgs.Extrinsic_Scale, defaultValue = d.ExtrinsicScale)

        let cutoff = args.GetResult(DescriptorArgs.Cutoff, defaultValue = d.Soap.Cutoff)

        do!
            require
                (scale >= 0.1 && scale <= 10.0)
                (sprintf "--extrinsic-scale must lie in [0.1, 10] (got %g; training 0.95, 1.0, 1.05)" scale)

        do! require (cutoff <= 20.0) (sprintf "--cutoff must be at most 20 d_NN (got %g; training range 3.0-5.0)" cutoff)

        return
            { d with
                Soap =
                    { d.Soap with
                        Cutoff = cutoff
                        AtomSigma = args.GetResult(DescriptorArgs.Sigma, defaultValue = d.Soap.AtomSigma) }
                Dnn = rule
                ExtrinsicScale = scale }
    }

let descriptor (args: ParseResults<DescriptorArgs>) =
    let inputs =
        result {
            let! ro =
                readOptionsWith
                    (args.Contains DescriptorArgs.One_Species)
                    (args.TryGetResult DescriptorArgs.Format)
                    (args.TryGetResult DescriptorArgs.Types)

            let! options = descriptorSettings args

            let! output =
                outputOf (args.Contains DescriptorArgs.Json) (args.Contains DescriptorArgs.Jsonl) (args.Contains DescriptorArgs.Csv)

            let! images =
                Inputs.imageSettings
                    (args.TryGetResult DescriptorArgs.Pixel_Size)
                    (args.TryGetResult DescriptorArgs.Column_Spacing)
                    (args.TryGetResult DescriptorArgs.Column_Size)
                    None
                    (args.TryGetResult DescriptorArgs.Species)

            return ro, options, output, images
        }

    withSettings inputs (fun (ro, options, output, images) ->
        withFiles
            "descriptor"
            (args.GetResult(DescriptorArgs.Files, defaultValue = []))
            (Inputs.expandFolders (args.Contains DescriptorArgs.Recursive) ro
             >> Inputs.batch Batch.FailsWhenAny ro (DescriptorCommand.run output options ro images)))

let atoms (args: ParseResults<AtomsArgs>) =
    let inputs =
        Inputs.imageSettings
            (args.TryGetResult AtomsArgs.Pixel_Size)
            (args.TryGetResult AtomsArgs.Column_Spacing)
            (args.TryGetResult AtomsArgs.Column_Size)
            (args.TryGetResult AtomsArgs.Threshold)
            (args.TryGetResult AtomsArgs.Species)

    withSettings inputs (fun images ->
        withFiles "atoms" (args.GetResult AtomsArgs.Images) (fun files ->
            AtomsCommand.run images (args.Contains AtomsArgs.Json) (args.TryGetResult AtomsArgs.Out) files))

let align (args: ParseResults<AlignArgs>) =
    withSettings (readOptions (args.TryGetResult AlignArgs.Format) (args.TryGetResult AlignArgs.Types)) (fun ro ->
        match args.GetResult AlignArgs.Files with
        | [ moving; reference ] when not (moving.StartsWith "-" || reference.StartsWith "-") ->
            AlignCommand.run ro (args.Contains AlignArgs.Json) (args.TryGetResult AlignArgs.Out) moving reference
        | files ->
            match unknownOption "align" files with
            | Some e -> fail e
            | None -> fail (sprintf "align takes two structure files, MOVING and REFERENCE; got %d" files.Length))
