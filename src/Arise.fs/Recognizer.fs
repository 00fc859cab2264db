namespace Arise

open System
open System.IO
open System.Runtime.InteropServices
open System.Threading
open System.Threading.Tasks
open Arise.Structure
open Arise.Model
open Arise.Spm
open Arise.Pictures
open Arise.Cluster

/// Defaults shared by the library face and the command line.
module Defaults =
    /// Monte Carlo dropout passes T for classifying structures.
    [<Literal>]
    let Samples = 1000

    /// Monte Carlo dropout passes T per SPM box.
    [<Literal>]
    let SpmSamples = 100

    /// Seed of the dropout masks.
    [<Literal>]
    let Seed = 1

    /// Classes shown per structure.
    [<Literal>]
    let Top = 3

    /// SPM box edge (Å): the paper's 16 Å.
    [<Literal>]
    let Box = 16.0

    /// SPM stride (Å): the paper's 1 Å.
    [<Literal>]
    let Stride = 1.0

    /// Boxes with fewer atoms are left empty.
    [<Literal>]
    let MinAtoms = 10

    /// Soft-clustering threshold: a box is an outlier when all its memberships are below it (paper: 0.1).
    [<Literal>]
    let Threshold = 0.1

    /// UMAP seed (a seeded UMAP is reproducible).
    [<Literal>]
    let UmapSeed = 42

    /// HDBSCAN's minimum cluster size for `boxes` explored boxes: a fourteenth of them, at least 5 and at most 500
    /// (the paper's 500 for the 6,979 classified boxes of the four-grain slab at stride 1 Å gives 498).
    let minClusterSize (boxes: int) = boxes / 14 |> max 5 |> min 500

/// The result of HDBSCAN (soft clustering) and UMAP over the hidden-layer activations of an SPM map's boxes.
[<StructuredFormatDisplay("{Display}")>]
type ClusterMap
    internal (boxes: int[], result: Exploration.Exploration, classOf: int -> string, miOf: int -> float, layer: int, minClusterSize: int) =
    /// The boxes explored (indices into the map's boxes), one per point.
    member _.Boxes = boxes
    /// Soft cluster of each explored box (−1 = outlier), in Boxes order.
    member _.Clusters = result.SoftLabels
    /// The highest membership probability of each explored box.
    member _.Membership = result.SoftMembership
    /// Hard HDBSCAN labels (−1 = noise).
    member _.HardLabels = result.Labels
    /// GLOSH outlier scores.
    member _.OutlierScores = result.OutlierScores
    /// The 2D UMAP embedding (x, y per box), or empty when UMAP was not run.
    member _.Embedding = result.Embedding
    /// Number of clusters found.
    member _.Count = result.Clusters
    /// Number of outliers (soft label −1).
    member _.Outliers = result.SoftLabels |> Array.filter ((=) -1) |> Array.length
    /// The hidden layer clustered (1 = first).
    member _.Layer = layer
    /// HDBSCAN's minimum cluster size used.
    member _.MinClusterSize = minClusterSize
    /// The predicted class of each explored box.
    member _.PredictedClasses = boxes |> Array.map classOf
    /// Mutual information (nats) of each explored box.
    member _.MutualInformation = boxes |> Array.map miOf

    /// One line per cluster: size, main predicted class, mean mutual information.
    member this.Display =
        let lines =
            result.SoftLabels
            |> Array.indexed
            |> Array.groupBy snd
            |> Array.sortBy fst
            |> Array.map (fun (label, members) ->
                let main, k =
                    members |> Array.countBy (fun (i, _) -> classOf boxes.[i]) |> Array.maxBy snd

                let mi = members |> Array.averageBy (fun (i, _) -> miOf boxes.[i])

                sprintf
                    "  %-9s %6d boxes  %-28s %3.0f %%  mean MI %.3f"
                    (if label < 0 then "outliers" else sprintf "cluster %d" label)
                    members.Length
                    main
                    (100.0 * float k / float members.Length)
                    mi)

        sprintf
            "%d clusters over %d boxes (hidden layer %d, min cluster size %d), %d outliers\n%s"
            this.Count
            boxes.Length
            layer
            minClusterSize
            this.Outliers
            (String.Join("\n", lines))

    override this.ToString() = this.Display

/// A strided-pattern-matching map of a sample: class probabilities and uncertainty box by box.
/// Training for the face: Recognizer.Train and Recognizer.AddClasses.
module internal Fitting =

    /// Reports a line to `progress` when there is one.
    let sayer (progress: IProgress<string>) (text: string) =
        if not (isNull progress) then
            progress.Report text

    /// A prototype library; raises AriseException when no class can be read.
    let library (prototypes: string) (say: string -> unit) =
        let lib = Prototypes.load prototypes

        for e in lib.Errors do
            say (sprintf "skipped: %s: %s" e.File e.Message)

        if lib.Prototypes.IsEmpty then
            raise (AriseException(prototypes, Nullable(), "no prototype classes found (expected FOLDER/<material type>/<class>/<file>)"))

        lib

    /// Describes `lib` (cached in FOLDER/descriptors, or a temporary folder), puts a model's own rows first when
    /// classes are added to it, and trains with `options` keeping the best validation accuracy.
    let fit
        (engine: IEngine)
        (lib: PrototypeLibrary)
        (addition: (Model * Addition) option)
        (options: TrainingOptions)
        (folder: string)
        say
        =
        let temporary = isNull folder

        let cache =
            if temporary then
                Path.Combine(Path.GetTempPath(), "arise-train-" + Guid.NewGuid().ToString("N"))
            else
                Path.Combine(folder, "descriptors")

        Directory.CreateDirectory cache |> ignore

        try
            let structures = TrainingSet.expectedRows lib / TrainingSet.settings.Length
            say (sprintf "%d classes, %d structures × %d descriptor settings" lib.Prototypes.Length structures TrainingSet.settings.Length)

            let described, errors =
                Engines.trainingSet
                    engine
                    lib
                    cache
                    Environment.ProcessorCount
                    (fun d n ->
                        if d = n || d % max 1 (n / 5) = 0 then
                            say (sprintf "descriptors: %d of %d structures" d n))
                    CancellationToken.None

            for e in errors do
                say (sprintf "left out: %s" e)

            let set =
                match addition with
                | Some(model, a) -> Training.additionSet model a described
                | None -> described

            let trainRows, validRows = TrainingSet.split options.Seed 0.8 set.Y

            let report (r: EpochReport) =
                if r.IsBest || r.Epoch % 10 = 0 || r.Epoch = options.MaxEpochs then
                    say (
                        sprintf
                            "epoch %d/%d: loss %.4f, validation accuracy %.4f%s"
                            r.Epoch
                            options.MaxEpochs
                            r.Loss
                            r.ValidationAccuracy
                            (if r.IsBest then " (kept)" else "")
                    )

            let net, info =
                engine.Train(options, set, trainRows, validRows, None, report, CancellationToken.None)

            say (sprintf "trained in %.0f s: validation accuracy %.4f at epoch %d" info.WallSeconds info.ValidationAccuracy info.BestEpoch)

            { Network = net
              Metadata = Training.metadata set options info }
        finally
            if temporary then
                try
                    Directory.Delete(cache, true)
                with _ ->
                    ()

[<StructuredFormatDisplay("{Display}")>]
type SpmMap internal (result: SpmResult, sample: Structure, settings: SpmSettings, samples: int, seconds: float, timing: SpmTiming) =
    let classified =
        [| for f in 0 .. result.Argmax.Length - 1 do
               if result.Argmax.[f] >= 0 then
                   f |]

    let cells = lazy (CellList.build sample)

    /// Everything the run produced, box by box (F#: the Arise.Spm record).
    member _.Result = result
    /// The sample mapped.
    member _.Sample = sample
    /// Box edge (Å, or the sample's unit).
    member _.Box = settings.Box
    /// Stride (Å, or the sample's unit).
    member _.Stride = settings.Stride
    /// "slab", "bulk" or "rod".
    member _.Mode = (sprintf "%A" settings.Mode).ToLowerInvariant()
    /// Monte Carlo dropout passes T per box.
    member _.Samples = samples
    /// Wall time of the run (s).
    member _.Seconds = seconds
    /// Time spent finding the boxes' atoms, computing descriptors and in the network (s; chunks read back from a
    /// folder cost none).
    member _.Timing = timing
    /// Number of boxes of the grid.
    member _.BoxCount = result.Argmax.Length
    /// Indices of the boxes that were classified (enough atoms, descriptor computed).
    member _.ClassifiedBoxes = classified
    /// Box centres (x, y, z per box).
    member _.Centres = result.Centres |> Array.map Vec3.toArray

    /// Most probable class of box `box`; "empty" for too few atoms, "failed" when its descriptor failed.
    member _.ClassOf(box: int) =
        match BoxLabel.ofArgmax result.Argmax.[box] with
        | BoxLabel.Empty -> "empty"
        | BoxLabel.Failed -> "failed"
        | BoxLabel.Class k -> result.Classes.[k]

    /// The atoms inside box `box` as a finite structure, positions relative to the box centre (sample's unit).
    member _.AtomsIn(box: int) =
        if box < 0 || box >= result.Argmax.Length then
            raise (ArgumentOutOfRangeException("box", sprintf "box %d is not one of the map's %d boxes" box result.Argmax.Length))

        let index, positions =
            SpmGrid.atomsInBox cells.Value result.Grid result.Centres.[box] (NeighbourBuffer 256)

        Structure.cluster positions (index |> Array.map (fun i -> sample.Numbers.[i]))

    member _.Shells([<Optional; DefaultParameterValue(2.0)>] width: float) =
        if not (width > 0.0 && Double.IsFinite width) then
            raise (AriseException(null, Nullable(), sprintf "the shell width must be a positive number of Å (got %g)" width))

        let centre = Structure.centroid sample

        Shells.profile width centre result

    /// Mutual information of box `box` (nats; NaN when not classified).
    member _.MutualInformationOf(box: int) = result.MutualInformation.[box]

    /// Probability of class `className` in every box (NaN when not classified).
    member _.ProbabilityOf(className: string) =
        match Array.IndexOf(result.Classes, className) with
        | -1 -> raise (AriseException(null, Nullable(), sprintf "no class '%s' in the model" className))
        | k -> Array.init result.Argmax.Length (fun f -> float result.Probabilities.[f * result.Classes.Length + k])

    /// The classes of the classified boxes, most frequent first.
    member _.Summary: ClassShare[] =
        classified
        |> Array.groupBy (fun f -> result.Argmax.[f])
        |> Array.sortByDescending (fun (_, fs) -> fs.Length)
        |> Array.map (fun (k, fs) ->
            { Class = result.Classes.[k]
              MaterialType = result.MaterialTypes.[k]
              Boxes = fs.Length
              Share = float fs.Length / float (max 1 classified.Length)
              MeanMutualInformation = fs |> Array.averageBy (fun f -> result.MutualInformation.[f]) })

    /// Writes spm.npz, boxes.csv, atoms.xyz and the HTML maps into `folder` (created when missing); returns the
    /// files written.
    member _.Save(folder: string) : string[] =
        Directory.CreateDirectory folder |> ignore
        let npz = Path.Combine(folder, "spm.npz")
        let csv = Path.Combine(folder, "boxes.csv")
        let xyz = Path.Combine(folder, "atoms.xyz")
        SpmFile.write npz result
        SpmOutput.writeCsv csv result
        SpmOutput.writeAtoms xyz sample result
        Array.append [| npz; csv; xyz |] (SpmMaps.writeMaps folder samples result |> Array.ofList)

    /// HDBSCAN (soft clustering) and a UMAP embedding of hidden layer `layer` (1 = first) over the classified boxes
    /// (only those classified as `filterClass`, when given). `minClusterSize` 0 picks a fourteenth of the boxes (5 to 500);
    /// `neighbors` 0 takes the same number for UMAP; `umap` false skips the embedding.
    member _.Explore
        (
            [<Optional; DefaultParameterValue(1)>] layer: int,
            [<Optional; DefaultParameterValue(0)>] minClusterSize: int,
            [<Optional; DefaultParameterValue(0)>] neighbors: int,
            [<Optional; DefaultParameterValue(true)>] umap: bool,
            [<Optional; DefaultParameterValue(null: string)>] filterClass: string,
            [<Optional; DefaultParameterValue(Defaults.UmapSeed)>] seed: int
        ) : ClusterMap =
        let layers = result.Hidden.Length

        if layer < 1 || layer > layers then
            raise (AriseException(null, Nullable(), sprintf "layer %d: the network has hidden layers 1 to %d" layer layers))

        let wanted =
            if isNull filterClass then
                None
            else
                match Array.IndexOf(result.Classes, filterClass) with
                | -1 -> raise (AriseException(null, Nullable(), sprintf "no class '%s' in the model" filterClass))
                | k -> Some k

        let boxes =
            classified
            |> Array.filter (fun f -> wanted.IsNone || wanted = Some result.Argmax.[f])

        if boxes.Length < 3 then
            raise (AriseException(null, Nullable(), sprintf "only %d boxes to explore; at least 3 are needed" boxes.Length))

        let h = result.Hidden.[layer - 1]
        let width = h.Length / result.Argmax.Length

        let points =
            boxes
            |> Array.map (fun f -> Array.init width (fun k -> float h.[f * width + k]))

        let mcs =
            if minClusterSize > 0 then
                minClusterSize
            else
                Defaults.minClusterSize boxes.Length

        let mcs = min mcs (max 2 (boxes.Length / 2))
        let k = if neighbors > 0 then neighbors else mcs

        let settings: Exploration.ExploreSettings =
            { Hdbscan =
                { Hdbscan.defaults with
                    MinClusterSize = mcs }
              Threshold = Defaults.Threshold
              Umap =
                if umap then
                    Some
                        { Umap.defaults with
                            Neighbours = k
                            Seed = Some seed }
                else
                    None
              Normalise = false }

        let r = Exploration.run settings points ignore
        ClusterMap(boxes, r, (fun f -> result.Classes.[result.Argmax.[f]]), (fun f -> result.MutualInformation.[f]), layer, mcs)

    /// The classes of the map and the share of the classified boxes at each uncertainty level.
    member this.Display =
        let nx, ny, nz = result.Grid.Shape

        let levels =
            classified
            |> Array.countBy (fun f -> Uncertainty.level result.MutualInformation.[f])
            |> dict

        let share l =
            match levels.TryGetValue l with
            | true, k -> 100.0 * float k / float (max 1 classified.Length)
            | _ -> 0.0

        let classes =
            this.Summary
            |> Array.truncate 6
            |> Array.map (fun c ->
                sprintf
                    "  %-40s %5.1f %%  mean MI %.3f"
                    (sprintf "%s (%s)" c.Class c.MaterialType)
                    (100.0 * c.Share)
                    c.MeanMutualInformation)

        sprintf
            "SPM %s, box %g, stride %g, T = %d: %d × %d × %d boxes, %d classified (%.1f s)\n%s\n  uncertainty: %s"
            this.Mode
            settings.Box
            settings.Stride
            samples
            nx
            ny
            nz
            classified.Length
            seconds
            (String.Join("\n", classes))
            (Uncertainty.levels
             |> Array.map (fun l -> sprintf "%s %.1f %%" (Uncertainty.name l) (share l))
             |> String.concat ", ")

    override this.ToString() = this.Display

/// Recognises crystal structures with a trained ARISE model: averaged SOAP descriptor, then a Bayesian network with
/// Monte Carlo dropout giving class probabilities and the mutual information as uncertainty. Built once (descriptor
/// settings checked, SOAP calculator prepared); safe to use from several threads.
[<Sealed>]
/// `calibrated`: the model whose uncertainty levels were measured (the embedded one), so results carry their error rate.
type Recognizer private (pipeline: Pipeline, name: string, calibrated: bool) =
    static let embedded =
        lazy
            (match Embedded.model.Value with
             | Ok m -> Recognizer(Pipeline.ofModel m, Embedded.modelName, true)
             | Error e -> raise (AriseException(null, Nullable(), e)))

    static let threadsOf (threads: int) =
        if threads > 0 then threads else Environment.ProcessorCount

    static let checkSamples (samples: int) =
        if samples < 1 || samples > 100_000 then
            raise (AriseException(null, Nullable(), sprintf "samples (Monte Carlo passes T) must lie in 1 to 100,000 (got %d)" samples))

    let meta = pipeline.Model.Metadata

    let recognition (source: string) (atoms: int) (samples: int) (top: int) (r: Result<Classification, string>) =
        match r with
        | Error e ->
            { Source = source
              Atoms = atoms
              Top = [||]
              Probabilities = [||]
              MutualInformation = nan
              Entropy = nan
              Uncertainty = ""
              ErrorRate = nan
              Samples = samples
              Error = e }
        | Ok c ->
            let level = Uncertainty.level c.Prediction.MutualInformation

            { Source = source
              Atoms = atoms
              Top =
                c.Ranked
                |> Array.truncate (max 1 top)
                |> Array.map (fun (k, p) ->
                    { Class = meta.Classes.[k]
                      MaterialType = meta.MaterialTypes.[k]
                      Probability = p })
              Probabilities = c.Prediction.Probabilities
              MutualInformation = c.Prediction.MutualInformation
              Entropy = c.Prediction.Entropy
              Uncertainty = Uncertainty.name level
              // the levels' error rates were measured for the embedded model on Table 1's structures
              ErrorRate = (if calibrated then Uncertainty.errorRate level else nan)
              Samples = samples
              Error = null }

    /// The model embedded in this library: 108 prototype classes, trained by us on the paper authors' ideal
    /// structures (models/arise-108.model).
    static member Default: Recognizer = embedded.Value

    /// A recognizer for a model file written by `arise train`; raises AriseException when it cannot be read.
    static member Load(path: string) =
        match ModelFile.load path with
        | Ok m ->
            match Pipeline.create m with
            | Ok p -> Recognizer(p, path, false)
            | Error e -> raise (AriseException(path, Nullable(), e))
        | Error e -> raise (AriseException(null, Nullable(), e))

    /// A recognizer for a model already in memory (F#).
    static member OfModel(model: Model, [<Optional; DefaultParameterValue("model")>] name: string) =
        match Pipeline.create model with
        | Ok p -> Recognizer(p, name, false)
        | Error e -> raise (AriseException(null, Nullable(), e))

    /// Trains a model on a prototype folder (laid out as `arise train` reads it: FOLDER/<material type>/<class>/<one
    /// geometry file>) with the embedded model's recipe; `epochs`, `dropout` and `seed` override it. Descriptors are
    /// cached in `folder` when given (a rerun reuses them), else in a temporary folder. `progress` gets one line per
    /// step. Raises AriseException when no class can be read.
    static member Train
        (
            prototypes: string,
            [<Optional; DefaultParameterValue(0)>] epochs: int,
            [<Optional; DefaultParameterValue(-1.0)>] dropout: float,
            [<Optional; DefaultParameterValue(7)>] seed: int,
            [<Optional; DefaultParameterValue(null: string)>] folder: string,
            [<Optional; DefaultParameterValue(null: IProgress<string>)>] progress: IProgress<string>,
            [<Optional; DefaultParameterValue("cpu")>] engine: string
        ) =
        let engine =
            match Arise.Gpu.Gpu.select engine with
            | Ok e -> e
            | Error m -> raise (AriseException(null, Nullable(), sprintf "engine %s: %s" engine m))

        let say = Fitting.sayer progress
        let lib = Fitting.library prototypes say

        if epochs < 0 then
            invalidArg "epochs" (sprintf "epochs must be at least 1 (0: the recipe's %d), not %d" Training.ariseOptions.MaxEpochs epochs)

        if dropout >= 1.0 || (dropout < 0.0 && dropout <> -1.0) then
            invalidArg "dropout" (sprintf "dropout must be in [0, 1), not %g" dropout)

        let options =
            { Training.ariseOptions with
                MaxEpochs =
                    (if epochs > 0 then
                         epochs
                     else
                         Training.ariseOptions.MaxEpochs)
                DropoutRate =
                    (if dropout >= 0.0 then
                         dropout
                     else
                         Training.ariseOptions.DropoutRate)
                Seed = seed
                Threads = Environment.ProcessorCount }

        let model = Fitting.fit engine lib None options folder say

        match Pipeline.createWith engine model with
        | Ok p -> Recognizer(p, sprintf "trained on %s" prototypes, false)
        | Error e -> raise (AriseException(null, Nullable(), e))

    /// Adds the classes of a prototype folder (laid out as for Train) that this model lacks: their descriptors are
    /// made as for the 108, the output layer grows by one column per class, and training starts from this model's
    /// weights on its own classes' data and theirs (`arise train --from`). `known` is this model's own training data:
    /// the folder it was trained on or its .training-set.npz (null: `prototypes` when it holds this model's classes,
    /// else the data release's library). `epochs` (0: 60) and `seed` (−1: the model's, which keeps its 80/20 split);
    /// the kept epoch has the best validation accuracy. Descriptors are cached in `folder` when given. Raises
    /// AriseException when nothing is new or the data lacks some of this model's classes.
    member this.AddClasses
        (
            prototypes: string,
            [<Optional; DefaultParameterValue(null: string)>] known: string,
            [<Optional; DefaultParameterValue(0)>] epochs: int,
            [<Optional; DefaultParameterValue(-1)>] seed: int,
            [<Optional; DefaultParameterValue(null: string)>] folder: string,
            [<Optional; DefaultParameterValue(null: IProgress<string>)>] progress: IProgress<string>
        ) =
        let say = Fitting.sayer progress
        let lib = Fitting.library prototypes say
        let model = pipeline.Model

        if epochs < 0 then
            invalidArg "epochs" (sprintf "epochs must be at least 1 (0: 60), not %d" epochs)

        let knownName, knownData =
            let holds (l: PrototypeLibrary) =
                let names = l.Prototypes |> List.map (fun p -> p.Name) |> Set.ofList
                model.Metadata.Classes |> Array.forall names.Contains

            if not (isNull known) && File.Exists known then
                match TrainingSet.load known with
                | Ok t -> known, KnownSet t
                | Error e -> raise (AriseException(known, Nullable(), e))
            elif not (isNull known) then
                known, KnownLibrary(Fitting.library known say)
            elif holds lib then
                prototypes, KnownLibrary lib
            else
                match DataRelease.prototypes () with
                | Ok dir -> dir, KnownLibrary(Fitting.library dir say)
                | Error _ -> prototypes, KnownLibrary lib

        match Training.planAddition model name knownData knownName lib with
        | Error e -> raise (AriseException(null, Nullable(), e))
        | Ok addition ->
            say (sprintf "adding %d classes to the %d of %s" addition.Added.Length model.Metadata.Classes.Length name)

            let options =
                { Training.ariseOptions with
                    MaxEpochs = (if epochs > 0 then epochs else 60)
                    DropoutRate = model.Network.Architecture.DropoutRate
                    Seed = (if seed >= 0 then seed else model.Metadata.Training.Seed)
                    Threads = Environment.ProcessorCount }
                |> Training.startFrom model addition.Added.Length

            let fitted =
                Fitting.fit pipeline.Engine addition.Library (Some(model, addition)) options folder say

            match Pipeline.createWith pipeline.Engine fitted with
            | Ok p -> Recognizer(p, sprintf "%s + %s" name (String.Join(", ", addition.Added)), false)
            | Error e -> raise (AriseException(null, Nullable(), e))

    /// Writes the model to a file that `Recognizer.Load` and `arise --model` read.
    member _.Save(path: string) = ModelFile.save path pipeline.Model

    /// The model's name: its file, or the embedded model's description.
    member _.Name = name
    /// The class names, in the network's output order.
    member _.Classes = Array.copy meta.Classes
    /// The material type of each class.
    member _.MaterialTypes = Array.copy meta.MaterialTypes
    /// The pipeline behind it (F#: model, descriptor options, SOAP calculator, engine).
    member _.Pipeline = pipeline

    /// The name of the engine that runs the network.
    member _.Engine = pipeline.Engine.Name

    /// The same recognizer with the network on another engine.
    member _.OnEngine(engine: string) =
        match Arise.Gpu.Gpu.select engine with
        | Ok e -> Recognizer({ pipeline with Engine = e }, name, calibrated)
        | Error m -> raise (AriseException(null, Nullable(), m))

    /// The trained model (F#).
    member _.Model = pipeline.Model

    /// The ARISE descriptor of a structure with the model's settings (316 numbers for the embedded model); raises
    /// AriseException when there is none (a lone atom, overlapping atoms, no neighbour within the cutoff).
    member _.Describe(structure: Structure) : float32[] =
        match Pipeline.describe pipeline structure with
        | Ok d -> d
        | Error e -> raise (AriseException(null, Nullable(), e.Message))

    /// Predictions for descriptors computed by Describe, classified together (the dropout masks run on through
    /// the batch).
    member _.Predict
        (
            descriptors: float32[][],
            [<Optional; DefaultParameterValue(Defaults.Samples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.Seed)>] seed: int,
            [<Optional; DefaultParameterValue(Defaults.Top)>] top: int
        ) : Recognition[] =
        checkSamples samples
        let x = Pipeline.pack pipeline descriptors

        Classifier.classifyDescriptors Environment.ProcessorCount seed samples pipeline x descriptors.Length
        |> Array.mapi (fun k c -> recognition (sprintf "descriptor %d" k) 0 samples top (Ok c))

    /// Hidden-layer pre-activations (dropout off) of descriptors: one array per layer (rows × width), the output
    /// logits last.
    member _.Hidden(descriptors: float32[][]) : float32[][] =
        Pipeline.hidden pipeline (Pipeline.pack pipeline descriptors) descriptors.Length

    /// Classifies one structure: the `top` classes with their probabilities and the mutual information, from T =
    /// `samples` Monte Carlo dropout passes. Its result depends only on the structure, T and `seed`. Raises
    /// AriseException when the structure has no descriptor.
    member this.Classify
        (
            structure: Structure,
            [<Optional; DefaultParameterValue(Defaults.Samples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.Seed)>] seed: int,
            [<Optional; DefaultParameterValue(Defaults.Top)>] top: int,
            [<Optional; DefaultParameterValue(null: string)>] name: string
        ) : Recognition =
        let r = this.ClassifyMany([| structure |], samples, seed, top).[0]

        let r =
            { r with
                Source = (if isNull name then r.Source else name) }

        if r.Succeeded then
            r
        else
            raise (AriseException(name, Nullable(), r.Error))

    /// Reads a structure file (first frame) and classifies it; raises AriseException for a bad file.
    member this.ClassifyFile
        (
            path: string,
            [<Optional; DefaultParameterValue(Defaults.Samples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.Seed)>] seed: int,
            [<Optional; DefaultParameterValue(Defaults.Top)>] top: int
        ) : Recognition =
        let r = this.ClassifyFiles([| path |], samples, seed, top).[0]

        if r.Succeeded then
            r
        else
            raise (AriseException(path, Nullable(), r.Error))

    /// Classifies structures, each on its own (its result does not depend on the others), on all cores; a
    /// structure without descriptor gets a Recognition with Error set, the others go on.
    member _.ClassifyMany
        (
            structures: Structure[],
            [<Optional; DefaultParameterValue(Defaults.Samples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.Seed)>] seed: int,
            [<Optional; DefaultParameterValue(Defaults.Top)>] top: int,
            [<Optional; DefaultParameterValue(0)>] threads: int
        ) : Recognition[] =
        checkSamples samples

        Classifier.classifyEach (threadsOf threads) seed samples pipeline structures
        |> Array.mapi (fun k r -> recognition (sprintf "structure %d" k) (Structure.count structures.[k]) samples top r)

    /// Reads and classifies files (the first frame of each); a file that cannot be read or classified gets a
    /// Recognition with Error set, the others go on.
    member this.ClassifyFiles
        (
            paths: string[],
            [<Optional; DefaultParameterValue(Defaults.Samples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.Seed)>] seed: int,
            [<Optional; DefaultParameterValue(Defaults.Top)>] top: int
        ) : Recognition[] =
        this.ClassifyFilesAsync(paths, samples, seed, top).GetAwaiter().GetResult()

    /// ClassifyFiles as a task, in batches of 16 files: `progress` gets the fraction done (0–1) after each batch,
    /// and `cancellationToken` stops between batches (the task is then cancelled).
    member _.ClassifyFilesAsync
        (
            paths: string[],
            [<Optional; DefaultParameterValue(Defaults.Samples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.Seed)>] seed: int,
            [<Optional; DefaultParameterValue(Defaults.Top)>] top: int,
            [<Optional; DefaultParameterValue(null: IProgress<float>)>] progress: IProgress<float>,
            [<Optional>] cancellationToken: CancellationToken
        ) : Task<Recognition[]> =
        checkSamples samples

        Task.Run(
            (fun () ->
                let results = ResizeArray()

                for batch in Array.chunkBySize 16 paths do
                    cancellationToken.ThrowIfCancellationRequested()

                    let read =
                        batch
                        |> Array.map (fun path ->
                            match StructureIO.readAllWith StructureIO.defaults path with
                            | Ok(s :: _) -> path, Ok s
                            | Ok [] -> path, Error "no structure in the file"
                            | Error e ->
                                path,
                                Error(
                                    match e.Line with
                                    | Some l -> sprintf "line %d: %s" l e.Message
                                    | None -> e.Message
                                ))

                    let structures = read |> Array.choose (fun (_, r) -> Result.toOption r)

                    let classified =
                        Classifier.classifyEach Environment.ProcessorCount seed samples pipeline structures

                    let mutable k = 0

                    for path, r in read do
                        match r with
                        | Error e -> results.Add(recognition path 0 samples top (Error e))
                        | Ok s ->
                            results.Add(recognition path (Structure.count s) samples top classified.[k])
                            k <- k + 1

                    if not (isNull progress) then
                        progress.Report(float results.Count / float (max 1 paths.Length))

                results.ToArray()),
            cancellationToken
        )

    /// Strided pattern matching: a box of edge `box` moves over the sample in steps of `stride` (Å, or the sample's
    /// unit) — "slab": in plane, spanning the thickness; "bulk": a 3D grid; "rod": along the longest axis — and the
    /// atoms of every box with at least `minAtoms` atoms are classified with T = `samples`. With `folder`, finished
    /// chunks are kept there and an interrupted run resumes.
    member this.Map
        (
            sample: Structure,
            [<Optional; DefaultParameterValue(Defaults.Box)>] box: float,
            [<Optional; DefaultParameterValue(Defaults.Stride)>] stride: float,
            [<Optional; DefaultParameterValue("slab")>] mode: string,
            [<Optional; DefaultParameterValue(Defaults.SpmSamples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.MinAtoms)>] minAtoms: int,
            [<Optional; DefaultParameterValue(null: string)>] folder: string
        ) : SpmMap =
        this.MapAsync(sample, box, stride, mode, samples, minAtoms, folder).GetAwaiter().GetResult()

    /// Map as a task: `progress` gets the fraction of boxes done (0–1) after each chunk of 512 boxes, and
    /// `cancellationToken` stops after the current chunk (the task is then cancelled; with `folder`, a later run
    /// resumes).
    member _.MapAsync
        (
            sample: Structure,
            [<Optional; DefaultParameterValue(Defaults.Box)>] box: float,
            [<Optional; DefaultParameterValue(Defaults.Stride)>] stride: float,
            [<Optional; DefaultParameterValue("slab")>] mode: string,
            [<Optional; DefaultParameterValue(Defaults.SpmSamples)>] samples: int,
            [<Optional; DefaultParameterValue(Defaults.MinAtoms)>] minAtoms: int,
            [<Optional; DefaultParameterValue(null: string)>] folder: string,
            [<Optional; DefaultParameterValue(null: IProgress<float>)>] progress: IProgress<float>,
            [<Optional>] cancellationToken: CancellationToken
        ) : Task<SpmMap> =
        checkSamples samples

        let spmMode =
            match (if isNull mode then "" else mode.ToLowerInvariant()) with
            | "slab" -> SpmMode.Slab
            | "bulk" -> SpmMode.Bulk
            | "rod" -> SpmMode.Rod
            | other -> raise (AriseException(null, Nullable(), sprintf "mode '%s': use slab, bulk or rod" other))

        if minAtoms < 2 then
            raise (AriseException(null, Nullable(), sprintf "minAtoms must be ≥ 2 (got %d)" minAtoms))

        let settings =
            { Mode = spmMode
              Box = box
              Stride = stride
              MinAtoms = minAtoms
              Layout = GridLayout.Inside }

        let grid =
            match SpmGrid.create settings sample with
            | Ok(g, _) -> g
            | Error e -> raise (AriseException(null, Nullable(), string e))

        Task.Run(
            (fun () ->
                let clock = Diagnostics.Stopwatch.StartNew()

                let chunks =
                    if isNull folder then
                        None
                    else
                        Some(Path.Combine(folder, "chunks"))

                let report done' total =
                    if not (isNull progress) then
                        progress.Report(float done' / float (max 1 total))

                let r, timing =
                    Spm.run pipeline samples 1 settings grid sample chunks report cancellationToken

                cancellationToken.ThrowIfCancellationRequested()
                SpmMap(r, sample, settings, samples, clock.Elapsed.TotalSeconds, timing)),
            cancellationToken
        )
