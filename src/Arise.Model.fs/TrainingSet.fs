namespace Arise.Model

open System
open Arise.Numerics
open System.IO
open System.Threading
open System.Threading.Tasks
open Arise.Structure
open Arise.Soap

/// A labelled set of descriptors with the settings each was computed with.
type TrainingSet =
    {
        /// Class names, indexed by label.
        Classes: string[]
        /// Material type of each class.
        MaterialTypes: string[]
        /// Descriptor length (316).
        Dimension: int
        /// Descriptors, row-major (rows × Dimension).
        X: float32[]
        /// Class index of each row.
        Y: int[]
        /// R_C, σ (in d_NN) and extrinsic scale of each row.
        Cutoff: float[]
        Sigma: float[]
        ExtrinsicScale: float[]
        /// "periodic" or the replicas of the finite supercell ("5x5x5"; "tube" for nanotubes).
        Version: string[]
    }

    member t.Rows = t.Y.Length

/// The pristine training set of the paper (Methods, "Dataset creation"): every class × R_C × σ × extrinsic scale ×
/// (periodic cell + three finite supercells; nanotubes: the finite tube only).
module TrainingSet =
    /// The 99 descriptor settings of the training set: (R_C, σ, extrinsic scale), R_C slowest.
    let settings =
        [| for rc in AriseDescriptor.trainingCutoffs do
               for sigma in AriseDescriptor.trainingSigmas do
                   for exsf in AriseDescriptor.trainingExtrinsicScales -> rc, sigma, exsf |]

    /// The structures of one class: ("periodic", unit cell) unless lattice-free, then the finite supercells.
    let structures (p: Prototype) : (string * Structure) list =
        [ match Prototypes.periodicVersion p with
          | Some s -> yield "periodic", s
          | None -> ()
          for (a, b, c), s in Prototypes.finiteVersions p do
              yield
                  (if Prototypes.isFinite p then
                       "tube"
                   else
                       sprintf "%dx%dx%d" a b c),
                  s ]

    /// The defect-test structures of one class (paper's Table 1 protocol): each training supercell both periodic and
    /// finite ("5x5x5 periodic", "5x5x5 finite"); lattice-free classes (nanotubes): the finite tube only.
    let testStructures (p: Prototype) : (string * Structure) list =
        if Prototypes.isFinite p then
            [ "tube", p.Structure ]
        else
            [ for (a, b, c) in Supercell.trainingReplicas (Prototypes.isTwoD p) p.Structure do
                  let periodic = Supercell.repeat a b c p.Structure
                  yield sprintf "%dx%dx%d periodic" a b c, periodic
                  yield sprintf "%dx%dx%d finite" a b c, Structure.toCluster periodic ]

    /// Number of descriptors the library gives: structures × 99 settings.
    let expectedRows (lib: PrototypeLibrary) =
        lib.Prototypes |> List.sumBy (fun p -> (structures p).Length * settings.Length)

    /// The d_NN rule of the descriptors trained on and selected with (ARISE's histogram rule, vacancy-tolerant in
    /// periodic structures, equal distances averaged; on the pristine library ARISE's numbers but for 359 of 5,344
    /// species pairs, 0.005 apart). Models record it as `dnnRuleName`.
    let dnnRule = DnnMethod.AriseVacancyTolerant
    let dnnRuleName = DnnRule.name dnnRule

    /// All 99 descriptors of one structure (rows in `settings` order), sharing one d_NN search and cell list.
    let descriptorsOf (calcs: Map<float * float, SoapCalculator>) (s: Structure) : Result<float32[], string> =
        let cells = CellList.build s

        AriseDescriptor.pairDnnsWith cells dnnRule s
        |> Result.map (fun dnns ->
            let dim = SoapParameters.dimension SoapParameters.arise
            let out = Array.zeroCreate (settings.Length * dim)

            settings
            |> Array.iteri (fun row (rc, sigma, exsf) ->
                let d = AriseDescriptor.fromDnns calcs.[(rc, sigma)] 1 exsf cells s dnns

                for k in 0 .. dim - 1 do
                    out.[row * dim + k] <- float32 d.Vector.[k])

            out)

    let private calculators () =
        [ for rc in AriseDescriptor.trainingCutoffs do
              for sigma in AriseDescriptor.trainingSigmas ->
                  (rc, sigma),
                  (Soap.create
                      { SoapParameters.arise with
                          Cutoff = rc
                          AtomSigma = sigma }
                   |> Result.defaultWith failwith) ]
        |> Map.ofList

    let private safeName (s: string) =
        String(
            s
            |> Seq.map (fun c ->
                if Char.IsLetterOrDigit c || c = '.' || c = '-' || c = '_' then
                    c
                else
                    '_')
            |> Array.ofSeq
        )

    /// Structures a device describes together (the 99 settings each): the host holds their neighbour pairs.
    let private deviceGroup = 16

    /// The 99 descriptors of each structure (rows in `settings` order) by a device's `describeMany`, or why one has
    /// none: as descriptorsOf gives them, within float rounding.
    let private descriptorsBy describeMany (calcs: Map<float * float, SoapCalculator>) (structures: Structure[]) =
        let dim = SoapParameters.dimension SoapParameters.arise

        let out: Result<float32[], string>[] =
            structures |> Array.map (fun _ -> Ok(Array.zeroCreate (settings.Length * dim)))

        settings
        |> Array.iteri (fun row (rc, sigma, exsf) ->
            let calc = calcs.[(rc, sigma)]

            let options =
                { AriseDescriptor.defaults with
                    Soap = calc.Parameters
                    Dnn = dnnRule
                    ExtrinsicScale = exsf
                    Threads = 1 }

            match describeMany (calc, options, structures) with
            | Error e -> Array.fill out 0 out.Length (Error e)
            | Ok(described: Result<Descriptor, string>[]) ->
                described
                |> Array.iteri (fun k d ->
                    match out.[k], d with
                    | Ok a, Ok d ->
                        for j in 0 .. dim - 1 do
                            a.[row * dim + j] <- float32 d.Vector.[j]
                    | Ok _, Error e -> out.[k] <- Error e
                    | Error _, _ -> ()))

        out

    /// generate, or generateOn with a device's describeMany.
    let private generateBy
        describeMany
        (lib: PrototypeLibrary)
        (cacheDir: string)
        (threads: int)
        (progress: int -> int -> unit)
        (cancel: CancellationToken)
        : TrainingSet * string list =
        let dim = SoapParameters.dimension SoapParameters.arise
        let classes = lib.Prototypes |> Array.ofList

        let items =
            [| for ci in 0 .. classes.Length - 1 do
                   for version, s in structures classes.[ci] -> ci, version, s |]

        let calcs = calculators ()
        let results: float32[] option[] = Array.create items.Length None
        let errors = Collections.Concurrent.ConcurrentBag<string>()
        let finished = ref 0
        // the cache belongs to one descriptor recipe: another one (SOAP parameters, settings rows, defect protocol)
        // empties it
        let recipe =
            RunStore.sha256
                [ Text.Encoding.UTF8.GetBytes(
                      sprintf "%A|%A|%d|dnn r%d" SoapParameters.arise settings Defects.protocolVersion DnnRule.revision
                  ) ]

        RunStore.claim cacheDir "recipe.sha256" recipe (RunStore.Foreign.Replace "*.f32")
        |> ignore

        let fileOf k =
            let ci, version, _ = items.[k]
            Path.Combine(cacheDir, safeName classes.[ci].Name + "__" + version + ".f32")

        // a structure's descriptors read back from the cache (true), or not there
        let cached k =
            match RunStore.tryLoadFloats (fileOf k) (settings.Length * dim) with
            | Some a ->
                results.[k] <- Some a
                progress (Interlocked.Increment finished) items.Length
                true
            | None -> false

        let finish k (described: Result<float32[], string>) =
            let ci, version, _ = items.[k]

            match described with
            | Ok a ->
                RunStore.saveFloats (fileOf k) a
                results.[k] <- Some a
            | Error e -> errors.Add(sprintf "%s (%s): %s" classes.[ci].Name version e)

            progress (Interlocked.Increment finished) items.Length
        // largest first, so that the parallel tail is short
        let order =
            [| 0 .. items.Length - 1 |]
            |> Array.sortByDescending (fun k -> let _, _, s = items.[k] in Structure.count s * (Structure.species s).Length)

        let structureOf k =
            let _, _, s = items.[k]
            s

        try
            match describeMany with
            | Some describeMany ->
                for group in order |> Array.filter (cached >> not) |> Array.chunkBySize deviceGroup do
                    cancel.ThrowIfCancellationRequested()
                    Array.iter2 finish group (descriptorsBy describeMany calcs (group |> Array.map structureOf))
            | None ->
                Parallel.ForEach(
                    order,
                    ParallelOptions(MaxDegreeOfParallelism = threads, CancellationToken = cancel),
                    (fun k ->
                        if not (cached k) then
                            finish k (descriptorsOf calcs (structureOf k)))
                )
                |> ignore
        with :? OperationCanceledException ->
            errors.Add "cancelled: the structures done so far are cached; run again to continue"

        let rows =
            [| for k in 0 .. items.Length - 1 do
                   if results.[k].IsSome then
                       k |]

        let n = rows.Length * settings.Length
        let x = Array.zeroCreate (n * dim)
        let y = Array.zeroCreate n
        let cut = Array.zeroCreate n
        let sig' = Array.zeroCreate n
        let ex = Array.zeroCreate n
        let ver = Array.create n ""

        rows
        |> Array.iteri (fun r k ->
            let ci, version, _ = items.[k]
            let a = results.[k].Value
            Array.blit a 0 x (r * settings.Length * dim) a.Length

            for t in 0 .. settings.Length - 1 do
                let row = r * settings.Length + t
                let rc, sigma, exsf = settings.[t]
                y.[row] <- ci
                cut.[row] <- rc
                sig'.[row] <- sigma
                ex.[row] <- exsf
                ver.[row] <- version)

        { Classes = classes |> Array.map (fun p -> p.Name)
          MaterialTypes = classes |> Array.map (fun p -> p.MaterialType)
          Dimension = dim
          X = x
          Y = y
          Cutoff = cut
          Sigma = sig'
          ExtrinsicScale = ex
          Version = ver },
        List.ofSeq errors

    let generate lib cacheDir threads progress cancel =
        generateBy None lib cacheDir threads progress cancel

    let generateOn describeMany lib cacheDir progress cancel =
        generateBy (Some describeMany) lib cacheDir 1 progress cancel

    /// The defect levels (η, δ, as fractions) on which the paper ranks candidate models (Methods, "Neural network
    /// architecture and training procedure": ≤ 5 % atoms missing or < 1 % displacement): δ 0.1 and 0.6 %, η 1 and 5 %,
    /// and the pairs (η, δ) = (1, 0.1) and (5, 0.6) %.
    let selectionLevels =
        [| 0.0, 0.001; 0.0, 0.006; 0.01, 0.0; 0.05, 0.0; 0.01, 0.001; 0.05, 0.006 |]

    /// All 20 defect levels (η, δ) of the paper's Table 1, S2 and S3: δ 0.1–10 %, η 1–30 %, and the seven pairs.
    let tableLevels =
        [| for d in [ 0.001; 0.006; 0.01; 0.02; 0.04; 0.07; 0.10 ] -> 0.0, d
           for e in [ 0.01; 0.05; 0.10; 0.20; 0.25; 0.30 ] -> e, 0.0
           yield!
               [| 0.01, 0.001
                  0.05, 0.006
                  0.10, 0.01
                  0.15, 0.02
                  0.20, 0.04
                  0.25, 0.07
                  0.30, 0.10 |] |]

    /// Seed of one selection realisation. Different from scripts/table1.fsx's seeds, so that Table 1's realisations
    /// are never seen by the selection.
    let selectionSeed (structure: int) (level: int) (realisation: int) =
        (((structure + 1) * 104_729 + level * 7_907 + realisation * 15_485_863)
         &&& 0x3FFFFFFF)
        + 17

    /// Defective copies of the test structures (`testStructures`) of the library's classes that are in `classes` (a
    /// model's class order), at each (η, δ) of `levels` (η fraction removed, δ·d_NN displacements), `realisations`
    /// each, with their descriptors at the prediction setting (R_C = 4 d_NN, σ = 0.1 d_NN, extrinsic scale 1),
    /// labelled by their index in `classes`. `seedOf structure level realisation` seeds each copy. Parallel over
    /// structures; `progress done total` after each. Structures whose descriptor fails are listed in the errors and
    /// left out.
    let defectiveSet
        (classes: string[])
        (lib: PrototypeLibrary)
        (levels: (float * float)[])
        (realisations: int)
        (seedOf: int -> int -> int -> int)
        (threads: int)
        (progress: int -> int -> unit)
        (cancel: CancellationToken)
        : TrainingSet * string list =
        let dim = SoapParameters.dimension SoapParameters.arise
        let index = classes |> Array.indexed |> Array.map (fun (i, c) -> c, i) |> dict

        let items =
            [| for p in lib.Prototypes do
                   match index.TryGetValue p.Name with
                   | true, ci -> for version, s in testStructures p -> ci, p.Name, version, s
                   | _ -> () |]

        let calc =
            Soap.create
                { SoapParameters.arise with
                    Cutoff = 4.0
                    AtomSigma = 0.1 }
            |> Result.defaultWith failwith

        let perItem = levels.Length * realisations
        let results: float32[] option[] = Array.create items.Length None
        let errors = Collections.Concurrent.ConcurrentBag<string>()
        let finished = ref 0

        let work (k: int) =
            let _, name, version, s = items.[k]
            let dnn = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> Result.defaultValue 1.0
            let out = Array.zeroCreate (perItem * dim)
            let mutable failed = None

            for level in 0 .. levels.Length - 1 do
                let eta, delta = levels.[level]

                for r in 0 .. realisations - 1 do
                    if failed.IsNone then
                        let seed = seedOf k level r
                        let s2 = Defects.tableLevel seed eta delta dnn s
                        let cells = CellList.build s2

                        match AriseDescriptor.pairDnnsWith cells dnnRule s2 with
                        | Error e -> failed <- Some e
                        | Ok dnns ->
                            let d = AriseDescriptor.fromDnns calc 1 1.0 cells s2 dnns
                            let row = level * realisations + r

                            for j in 0 .. dim - 1 do
                                out.[row * dim + j] <- float32 d.Vector.[j]

            match failed with
            | Some e -> errors.Add(sprintf "%s (%s): %s" name version e)
            | None -> results.[k] <- Some out

            progress (Interlocked.Increment finished) items.Length

        let order =
            [| 0 .. items.Length - 1 |]
            |> Array.sortByDescending (fun k -> let _, _, _, s = items.[k] in Structure.count s)

        try
            Parallel.ForEach(order, ParallelOptions(MaxDegreeOfParallelism = threads, CancellationToken = cancel), (fun k -> work k))
            |> ignore
        with :? OperationCanceledException ->
            errors.Add "cancelled"

        let kept =
            [| for k in 0 .. items.Length - 1 do
                   if results.[k].IsSome then
                       k |]

        let n = kept.Length * perItem
        let x = Array.zeroCreate (n * dim)
        let y = Array.zeroCreate n
        let ver = Array.create n ""

        kept
        |> Array.iteri (fun r k ->
            let ci, _, version, _ = items.[k]
            Array.blit results.[k].Value 0 x (r * perItem * dim) (perItem * dim)

            for t in 0 .. perItem - 1 do
                y.[r * perItem + t] <- ci
                let eta, delta = levels.[t / realisations]
                ver.[r * perItem + t] <- sprintf "%s eta %g delta %g #%d" version (100.0 * eta) (100.0 * delta) (t % realisations))

        let types = lib.Prototypes |> List.map (fun p -> p.Name, p.MaterialType) |> dict

        { Classes = classes
          MaterialTypes =
            classes
            |> Array.map (fun c ->
                match types.TryGetValue c with
                | true, t -> t
                | _ -> "")
          Dimension = dim
          X = x
          Y = y
          Cutoff = Array.create n 4.0
          Sigma = Array.create n 0.1
          ExtrinsicScale = Array.create n 1.0
          Version = ver },
        List.ofSeq errors

    /// `defectiveSet` at `levels` (e.g. `selectionLevels`) for all classes of the library, seeded by
    /// `selectionSeed`: the structures that choose the kept epoch of a training run.
    let selectionSet
        (lib: PrototypeLibrary)
        (levels: (float * float)[])
        (realisations: int)
        (threads: int)
        (progress: int -> int -> unit)
        (cancel: CancellationToken)
        : TrainingSet * string list =
        let classes = lib.Prototypes |> List.map (fun p -> p.Name) |> Array.ofList
        defectiveSet classes lib levels realisations selectionSeed threads progress cancel

    /// The defect level (index into `levels`) of each row of a set made by `defectiveSet`/`selectionSet` with
    /// `levelCount` levels and `realisations` realisations: rows run structure by structure, level by level.
    let selectionLevelOfRows (levelCount: int) (realisations: int) (rows: int) =
        Array.init rows (fun r -> (r % (levelCount * realisations)) / realisations)

    /// Rows of `t` computed at the prediction setting (R_C = 4 d_NN, σ = 0.1 d_NN, extrinsic scale 1): one per
    /// pristine structure.
    let predictionSettingRows (t: TrainingSet) =
        [| for r in 0 .. t.Rows - 1 do
               if
                   abs (t.Cutoff.[r] - 4.0) < 1e-9
                   && abs (t.Sigma.[r] - 0.1) < 1e-9
                   && abs (t.ExtrinsicScale.[r] - 1.0) < 1e-9
               then
                   r |]

    /// Saves as .npz: x (float32 rows × 316), y (int32), cutoff, sigma, extrinsic_scale (float64), version,
    /// classes, material_types (strings). Read in Python with numpy.load(path).
    let save (path: string) (t: TrainingSet) =
        Npy.writeNpz
            path
            [ "x", Npy.float32Matrix t.Rows t.Dimension t.X
              "y", Npy.int32Vector t.Y
              "cutoff", Npy.float64Vector t.Cutoff
              "sigma", Npy.float64Vector t.Sigma
              "extrinsic_scale", Npy.float64Vector t.ExtrinsicScale
              "version", Npy.stringVector t.Version
              "classes", Npy.stringVector t.Classes
              "material_types", Npy.stringVector t.MaterialTypes ]

    /// Loads a set saved by `save`.
    let load (path: string) : Result<TrainingSet, string> =
        Npy.readNpz path
        |> Result.bind (fun m ->
            let need =
                [ "x"
                  "y"
                  "cutoff"
                  "sigma"
                  "extrinsic_scale"
                  "version"
                  "classes"
                  "material_types" ]

            match need |> List.tryFind (fun k -> not (m.ContainsKey k)) with
            | Some k -> Error(sprintf "%s: array '%s' missing" path k)
            | None ->
                let x = m.["x"]

                match x.Shape with
                | [ rows; dim ] ->
                    Ok
                        { Classes = Npy.asStrings m.["classes"]
                          MaterialTypes = Npy.asStrings m.["material_types"]
                          Dimension = dim
                          X = Npy.asFloat32 x
                          Y = Npy.asInt32 m.["y"]
                          Cutoff = Npy.asFloat64 m.["cutoff"]
                          Sigma = Npy.asFloat64 m.["sigma"]
                          ExtrinsicScale = Npy.asFloat64 m.["extrinsic_scale"]
                          Version = Npy.asStrings m.["version"] }
                    |> Result.bind (fun t ->
                        if t.Y.Length = rows then
                            Ok t
                        else
                            Error(sprintf "%s: x has %d rows but y %d" path rows t.Y.Length))
                | _ -> Error(sprintf "%s: x is not a matrix" path))

    /// The rows of `sets` whose class is in `classes`, relabelled by its index there.
    let select (classes: string[]) (sets: TrainingSet list) : Result<TrainingSet, string> =
        let index = classes |> Array.indexed |> Array.map (fun (i, c) -> c, i) |> dict
        // the first set holding each class gives its rows and material type
        let source =
            classes
            |> Array.map (fun c -> sets |> List.tryFindIndex (fun t -> Array.contains c t.Classes))

        let missing =
            Array.zip classes source |> Array.filter (snd >> Option.isNone) |> Array.map fst

        let dims = sets |> List.map (fun t -> t.Dimension) |> List.distinct

        match missing, dims with
        | _, [] -> Error "no training set to select from"
        | _, _ :: _ :: _ -> Error(sprintf "the training sets have descriptors of different lengths (%A)" dims)
        | m, _ when m.Length > 0 ->
            Error(sprintf "no training data for %d class(es): %s" m.Length (String.Join(", ", m |> Array.truncate 5)))
        | _, [ dim ] ->
            let picked =
                [| for k, t in List.indexed sets do
                       for r in 0 .. t.Rows - 1 do
                           match index.TryGetValue t.Classes.[t.Y.[r]] with
                           | true, ci when source.[ci] = Some k -> yield t, r, ci
                           | _ -> () |]

            let column (f: TrainingSet -> 'a[]) =
                picked |> Array.map (fun (t, r, _) -> (f t).[r])

            let typeOf ci (c: string) =
                let t = sets.[source.[ci].Value]
                t.MaterialTypes.[Array.IndexOf(t.Classes, c)]

            Ok
                { Classes = Array.copy classes
                  MaterialTypes = classes |> Array.mapi typeOf
                  Dimension = dim
                  X =
                    let x = Array.zeroCreate (picked.Length * dim)

                    picked
                    |> Array.iteri (fun i (t, r, _) -> Array.blit t.X (r * dim) x (i * dim) dim)

                    x
                  Y = picked |> Array.map (fun (_, _, ci) -> ci)
                  Cutoff = column (fun t -> t.Cutoff)
                  Sigma = column (fun t -> t.Sigma)
                  ExtrinsicScale = column (fun t -> t.ExtrinsicScale)
                  Version = column (fun t -> t.Version) }

    /// Stratified split: for each class, a seeded shuffle of its rows, the first `trainFraction` to training.
    /// Returns (training rows, validation rows).
    let split (seed: int) (trainFraction: float) (y: int[]) =
        let rng = Random(seed)
        let train = ResizeArray()
        let valid = ResizeArray()

        for _, rows in Array.indexed y |> Array.groupBy snd |> Array.sortBy fst do
            let idx = rows |> Array.map fst

            for i in idx.Length - 1 .. -1 .. 1 do
                let j = rng.Next(i + 1)
                let t = idx.[i]
                idx.[i] <- idx.[j]
                idx.[j] <- t

            let nTrain = int (Math.Round(trainFraction * float idx.Length))
            train.AddRange(idx.[.. nTrain - 1])
            valid.AddRange(idx.[nTrain..])

        train.ToArray(), valid.ToArray()
