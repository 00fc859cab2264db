namespace Arise.Model

open System
open System.Diagnostics
open System.Security.Cryptography
open System.Threading

/// Settings of a training run.
type TrainingOptions =
    {
        Hidden: int[]
        DropoutRate: float
        LearningRate: float
        BatchSize: int
        MaxEpochs: int
        /// Stop after this many epochs without a better validation accuracy (None: run all epochs).
        Patience: int option
        /// When > 0, epochs are judged (and kept) on an exponential moving average of the weights over about this many
        /// epochs, updated after every batch, instead of on the raw weights (Polyak averaging; 0 = off).
        AveragingEpochs: float
        Seed: int
        Threads: int

        /// Weights to start from instead of fresh Glorot-uniform ones (`arise train --from`): a network whose inputs,
        /// hidden sizes and classes are the set's and Hidden; None = a fresh network from Seed.
        Start: Network option
    }

/// What one epoch achieved.
type EpochReport =
    {
        Epoch: int
        Loss: float
        TrainingAccuracy: float
        ValidationAccuracy: float
        /// Accuracy on the pristine structures (MC dropout, with a margin; see selectionScore) and on the defective
        /// selection structures (dropout off), when the run selects on them.
        Selection: (float * float) option
        Seconds: float
        IsBest: bool
    }

/// How the defective structures of a checkpoint selection are scored.
type DefectScore =
    /// Accuracy over all defective structures together: the levels with most misses (large displacements) dominate.
    | Pooled
    /// Mean over the defect levels of −ln(error rate) (misses add-one smoothed): halving the errors at any level counts
    /// the same, whether 4 → 2 misses at 20 % vacancies or 60 → 30 at 10 % displacements.
    | PerLevel

/// Structures that, besides the validation split, choose which epoch's weights are kept (the paper's Methods:
/// candidate models are ranked on pristine and slightly defective structures at the prediction setting).
type CheckpointSelection =
    {
        /// Descriptors of defective structures at the prediction setting (TrainingSet.selectionSet).
        Defective: TrainingSet
        /// Defect level (index into the selection's levels) of each defective row (TrainingSet.selectionLevelOfRows).
        Level: int[]
        /// How the defective structures count in the score.
        Score: DefectScore
        /// Rows of the training set at the prediction setting: one per pristine structure.
        PristineRows: int[]
    }

/// Training with Adam and softmax cross-entropy, keeping the weights of the epoch with the best validation accuracy
/// or, with a checkpoint selection, the best selection score.
/// One optimisation step at a time on some device (forward with dropout, backpropagation, Adam).
type IStepper =
    inherit IDisposable
    /// One step on the first `rows` rows of x with labels y; returns (summed cross-entropy, correct predictions).
    abstract Step: x: float32[] * y: int[] * rows: int -> float * int
    /// Writes the current weights into the network the stepper was made for.
    abstract Sync: unit -> unit

/// The training data of a model's own classes.
type KnownData =
    | KnownLibrary of Arise.Structure.PrototypeLibrary
    | KnownSet of TrainingSet

/// What adding classes to a model describes and trains on.
type Addition =
    { Library: Arise.Structure.PrototypeLibrary
      Known: TrainingSet option
      Added: string[] }

module Training =
    /// The paper's settings (256-512-256, dropout 3.17 %, Adam 2.16e-4, batch 64, up to 300 epochs); stops 80 epochs
    /// after the best score. Measured here on the 108 classes with the checkpoint selection on Table 1's defect
    /// levels (`arise train` default): epoch 299 kept, validation 99.22 %, all 396 pristine structures right, and 15 of
    /// Table 1's 21 columns at or above the paper. Without the selection, 2.16e-4 kept an epoch that called
    /// rhombohedral graphite hexagonal; 5e-4 (the previous default) was less robust to displacements.
    let ariseOptions =
        { Hidden = [| 256; 512; 256 |]
          DropoutRate = 0.0317
          LearningRate = 2.16e-4
          BatchSize = 64
          MaxEpochs = 300
          Patience = Some 80
          AveragingEpochs = 0.0
          Seed = 42
          Threads = 1
          Start = None }

    /// SHA-256 (hex) of descriptors and labels.
    let dataHash (set: TrainingSet) =
        use sha = IncrementalHash.CreateHash HashAlgorithmName.SHA256
        let xb = Array.zeroCreate (set.X.Length * 4)
        Buffer.BlockCopy(set.X, 0, xb, 0, xb.Length)
        sha.AppendData xb
        let yb = Array.zeroCreate (set.Y.Length * 4)
        Buffer.BlockCopy(set.Y, 0, yb, 0, yb.Length)
        sha.AppendData yb
        Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant()

    /// The descriptors of `rows` of `set`, packed (rows × Dimension).
    let private gather (set: TrainingSet) (rows: int[]) =
        let d = set.Dimension
        let x = Array.zeroCreate (rows.Length * d)
        rows |> Array.iteri (fun k r -> Array.blit set.X (r * d) x (k * d) d)
        x

    /// For each of `rows` of `set`, with dropout off: whether the most probable class is the label, and the
    /// probability given to the label.
    let private labelHits (threads: int) (net: Network) (set: TrainingSet) (rows: int[]) =
        let p = Prediction.deterministic threads net (gather set rows) rows.Length
        let c = net.Architecture.Classes

        rows
        |> Array.mapi (fun k r ->
            let mutable best = 0

            for j in 1 .. c - 1 do
                if p.[k * c + j] > p.[k * c + best] then
                    best <- j

            best = set.Y.[r], float p.[k * c + set.Y.[r]])

    /// For `rows` of `set`, with dropout off: the fraction whose most probable class is the label, and the mean
    /// probability given to the label.
    let evaluate (threads: int) (net: Network) (set: TrainingSet) (rows: int[]) =
        if rows.Length = 0 then
            nan, nan
        else
            let hits = labelHits threads net set rows
            let correct = hits |> Array.filter fst |> Array.length
            float correct / float rows.Length, Array.averageBy snd hits

    /// Fraction of `rows` whose most probable class (dropout off) is the label.
    let accuracy (threads: int) (net: Network) (set: TrainingSet) (rows: int[]) = fst (evaluate threads net set rows)

    /// Fraction of `rows` whose Monte Carlo dropout prediction (T = `samples`, seed 1, as `arise classify`) gives
    /// the label a probability at least `margin` above every other class.
    let confidentAccuracy (threads: int) (samples: int) (margin: float) (net: Network) (set: TrainingSet) (rows: int[]) =
        if rows.Length = 0 then
            nan
        else
            let x = gather set rows
            let preds = Prediction.monteCarlo threads 1 samples net x rows.Length
            let mutable correct = 0

            rows
            |> Array.iteri (fun k r ->
                let p = preds.[k].Probabilities
                let y = set.Y.[r]
                let mutable ok = true

                for j in 0 .. p.Length - 1 do
                    if j <> y && p.[y] < p.[j] + margin then
                        ok <- false

                if ok then
                    correct <- correct + 1)

            float correct / float rows.Length

    /// The per-level defect term of the selection score: the mean over levels of −ln((misses + 1) / (structures + 1)),
    /// divided by 10 so that one pristine miss (10/396 of the score) still outweighs any gain here. `misses` and
    /// `structures` are per level.
    let perLevelTerm (misses: int[]) (structures: int[]) =
        if misses.Length = 0 then
            0.0
        else
            Array.map2 (fun m n -> -Math.Log((float m + 1.0) / (float n + 1.0))) misses structures
            |> Array.average
            |> fun v -> v / 10.0

    /// Misses per defect level of `net` (dropout off) on the selection's defective structures, with the number of
    /// structures per level; and the mean probability given to the label.
    let levelMisses (threads: int) (net: Network) (sel: CheckpointSelection) =
        if sel.Defective.Rows = 0 then
            [||], [||], nan
        else
            let levels = Array.max sel.Level + 1
            let misses = Array.zeroCreate levels
            let sizes = Array.zeroCreate levels
            let hits = labelHits threads net sel.Defective [| 0 .. sel.Defective.Rows - 1 |]

            hits
            |> Array.iteri (fun r (hit, _) ->
                let l = sel.Level.[r]
                sizes.[l] <- sizes.[l] + 1

                if not hit then
                    misses.[l] <- misses.[l] + 1)

            misses, sizes, Array.averageBy snd hits

    /// The score that picks the kept epoch. Without a selection: the validation accuracy. With one: 10 × pristine
    /// accuracy + validation accuracy + the defect term + 0.01 × mean probability of the true class on the
    /// defective structures, so that a pristine miss outweighs any gain elsewhere and the probability term only
    /// breaks ties. The defect term is the defective accuracy (Pooled) or `perLevelTerm` (PerLevel). A pristine
    /// structure counts as right when its MC-dropout prediction (T = 100) puts the true class at least 0.05 above
    /// every other: near-ties (rhombohedral against hexagonal graphite at R_C = 4 d_NN) flip
    /// between Monte Carlo runs, and the MC mean sits below the dropout-off probability. Defective structures are
    /// judged with dropout off. Also returns (pristine accuracy, defective accuracy).
    let selectionScore (threads: int) (net: Network) (set: TrainingSet) (validAcc: float) (selection: CheckpointSelection option) =
        match selection with
        | None -> validAcc, None
        | Some sel ->
            let pristine = confidentAccuracy threads 100 0.05 net set sel.PristineRows
            let misses, sizes, label = levelMisses threads net sel
            let defective = 1.0 - float (Array.sum misses) / float (max 1 (Array.sum sizes))

            let term =
                match sel.Score with
                | Pooled -> defective
                | PerLevel -> perLevelTerm misses sizes

            10.0 * pristine + validAcc + term + 0.01 * label, Some(pristine, defective)

    /// The managed engine's stepper: gradients and Adam on the CPU, dropout masks from one seeded stream.
    let managedStepper (options: TrainingOptions) (net: Network) =
        let opt = Network.adam options.LearningRate net
        let ws = Workspace(net, options.BatchSize)
        let rng = MaskRng(int64 options.Seed)

        { new IStepper with
            member _.Step(x, y, rows) =
                let l, c = Network.gradients options.Threads ws net x y rows (Some rng)
                Network.adamStep opt ws net
                l, c

            member _.Sync() = ()
          interface IDisposable with
              member _.Dispose() = () }

    /// Trains, a step at a time by the stepper `makeStepper` makes, on `trainRows`, validating on `validRows` after
    /// each epoch and keeping the weights of the epoch with the best `selectionScore` (the validation accuracy when
    /// `selection` is None); `report` sees every epoch. With AveragingEpochs > 0 the epochs are judged and kept on
    /// the moving average of the weights, not the raw ones.
    /// Stops at MaxEpochs, when patience (epochs without a better score) runs out, or when `cancel` fires (the best
    /// weights so far are returned).
    let trainSelectingWith
        (makeStepper: TrainingOptions -> Network -> IStepper)
        (options: TrainingOptions)
        (set: TrainingSet)
        (trainRows: int[])
        (validRows: int[])
        (selection: CheckpointSelection option)
        (report: EpochReport -> unit)
        (cancel: CancellationToken)
        : Network * TrainingInfo =
        let clock = Stopwatch.StartNew()

        let arch =
            { Inputs = set.Dimension
              Hidden = options.Hidden
              Classes = set.Classes.Length
              DropoutRate = options.DropoutRate }

        let net =
            match options.Start with
            | None -> Network.create options.Seed arch
            | Some s when
                s.Architecture.Inputs = arch.Inputs
                && s.Architecture.Hidden = arch.Hidden
                && s.Architecture.Classes = arch.Classes
                ->
                { Network.copy s with
                    Architecture = arch }
            | Some s ->
                invalidArg
                    "options"
                    (sprintf
                        "the starting network is %d-%s-%d, the training set and options ask for %d-%s-%d"
                        s.Architecture.Inputs
                        (String.Join("-", s.Architecture.Hidden))
                        s.Architecture.Classes
                        arch.Inputs
                        (String.Join("-", arch.Hidden))
                        arch.Classes)

        use stepper = makeStepper options net
        let bs = options.BatchSize
        let shuffle = Random(options.Seed)
        let order = Array.copy trainRows
        let xb = Array.zeroCreate (bs * set.Dimension)
        let yb = Array.zeroCreate bs
        // the moving average of the weights (Polyak), when asked for; its decay per batch follows from the horizon in
        // epochs, warmed up as (1 + t)/(10 + t) so that the first batches do not drag the initial weights along
        let averaged =
            if options.AveragingEpochs > 0.0 then
                Some(Network.copy net)
            else
                None

        let batchesPerEpoch = float ((trainRows.Length + bs - 1) / bs)
        let decay = 1.0 - 1.0 / max 1.0 (options.AveragingEpochs * batchesPerEpoch)
        let mutable batches = 0
        let mutable best = Network.copy net
        let mutable bestAcc = -1.0
        let mutable bestScore = -infinity
        let mutable bestEpoch = 0
        let mutable bestTrainAcc = 0.0
        let mutable epoch = 0
        let mutable stale = 0
        let mutable stop = false

        while not stop && epoch < options.MaxEpochs && not cancel.IsCancellationRequested do
            epoch <- epoch + 1
            let sw = Stopwatch.StartNew()

            for i in order.Length - 1 .. -1 .. 1 do
                let j = shuffle.Next(i + 1)
                let t = order.[i]
                order.[i] <- order.[j]
                order.[j] <- t

            let mutable loss = 0.0
            let mutable correct = 0
            let mutable start = 0

            while start < order.Length && not cancel.IsCancellationRequested do
                let rows = min bs (order.Length - start)

                for k in 0 .. rows - 1 do
                    let r = order.[start + k]
                    Array.blit set.X (r * set.Dimension) xb (k * set.Dimension) set.Dimension
                    yb.[k] <- set.Y.[r]

                let l, c = stepper.Step(xb, yb, rows)

                match averaged with
                | Some avg ->
                    stepper.Sync()
                    batches <- batches + 1
                    let b = min decay ((1.0 + float batches) / (10.0 + float batches))
                    Network.moveAverage avg net (float32 (1.0 - b))
                | None -> ()

                loss <- loss + l
                correct <- correct + c
                start <- start + rows

            if not cancel.IsCancellationRequested then
                stepper.Sync()
                let trainAcc = float correct / float order.Length
                let judged = averaged |> Option.defaultValue net

                let validAcc =
                    if validRows.Length > 0 then
                        accuracy options.Threads judged set validRows
                    else
                        trainAcc

                let score, selected = selectionScore options.Threads judged set validAcc selection
                let isBest = score > bestScore

                if isBest then
                    best <- Network.copy judged
                    bestScore <- score
                    bestAcc <- validAcc
                    bestEpoch <- epoch
                    bestTrainAcc <- trainAcc
                    stale <- 0
                else
                    stale <- stale + 1

                report
                    { Epoch = epoch
                      Loss = loss / float order.Length
                      TrainingAccuracy = trainAcc
                      ValidationAccuracy = validAcc
                      Selection = selected
                      Seconds = sw.Elapsed.TotalSeconds
                      IsBest = isBest }

                match options.Patience with
                | Some p when stale >= p -> stop <- true
                | _ -> ()

        best,
        { DataHash = dataHash set
          Seed = options.Seed
          Epochs = epoch
          BestEpoch = bestEpoch
          TrainingRows = trainRows.Length
          ValidationRows = validRows.Length
          TrainingAccuracy = bestTrainAcc
          ValidationAccuracy = bestAcc
          LearningRate = options.LearningRate
          BatchSize = options.BatchSize
          AveragingEpochs = options.AveragingEpochs
          WallSeconds = clock.Elapsed.TotalSeconds
          Created = DateTime.UtcNow.ToString("o") }

    /// Trains on `trainRows`, validating on `validRows` after each epoch and keeping the weights of the epoch with
    /// the best `selectionScore`, on the managed engine.
    let trainSelecting
        (options: TrainingOptions)
        (set: TrainingSet)
        (trainRows: int[])
        (validRows: int[])
        (selection: CheckpointSelection option)
        (report: EpochReport -> unit)
        (cancel: CancellationToken)
        : Network * TrainingInfo =
        trainSelectingWith managedStepper options set trainRows validRows selection report cancel

    /// Trains keeping the epoch with the best validation accuracy (see trainSelecting).
    let train
        (options: TrainingOptions)
        (set: TrainingSet)
        (trainRows: int[])
        (validRows: int[])
        (report: EpochReport -> unit)
        (cancel: CancellationToken)
        : Network * TrainingInfo =
        trainSelecting options set trainRows validRows None report cancel

    /// The descriptor settings of the ARISE training set (R_C = 4 d_NN, σ = 0.1 d_NN at prediction, d_NN by
    /// TrainingSet.dnnRule).
    let ariseDescriptor =
        { Cutoff = 4.0
          Sigma = 0.1
          NMax = 9
          LMax = 6
          TransitionWidth = 0.5
          CentralWeight = 0.0
          Dnn = TrainingSet.dnnRuleName
          ExtrinsicScale = 1.0 }

    /// Adding the classes of `lib` that `model` lacks: what to describe and train on.
    let planAddition (model: Model) (name: string) (known: KnownData) (knownName: string) (lib: Arise.Structure.PrototypeLibrary) =
        let classes = model.Metadata.Classes
        let has = Set.ofArray classes
        let added = lib.Prototypes |> List.filter (fun p -> not (has.Contains p.Name))

        let lacking (names: string[]) =
            Error(
                sprintf
                    "%s lacks %d of the %d classes of %s (e.g. %s): the model's own training data is needed to keep them (the \
                     library it was trained on, or its .training-set.npz)"
                    knownName
                    names.Length
                    classes.Length
                    name
                    (String.Join(", ", Array.truncate 3 names))
            )

        let addition library knownRows =
            Ok
                { Library = library
                  Known = knownRows
                  Added = added |> List.map (fun p -> p.Name) |> Array.ofList }

        if model.Metadata.Descriptor <> ariseDescriptor then
            Error(
                sprintf
                    "%s was trained on other descriptors (d_NN rule %s) than training makes (%s): classes cannot be added to it"
                    name
                    model.Metadata.Descriptor.Dnn
                    ariseDescriptor.Dnn
            )
        elif added.IsEmpty then
            Error(sprintf "every class of the library is already in %s: nothing to add" name)
        else
            match known with
            | KnownLibrary k ->
                let byName =
                    k.Prototypes @ lib.Prototypes
                    |> List.map (fun p -> p.Name, p)
                    |> List.rev
                    |> Map.ofList

                match classes |> Array.filter (byName.ContainsKey >> not) with
                | [||] ->
                    addition
                        { lib with
                            Prototypes = [ for c in classes -> byName.[c] ] @ added }
                        None
                | missing -> lacking missing
            | KnownSet set ->
                match TrainingSet.select classes [ set ] with
                | Ok old -> addition { lib with Prototypes = added } (Some old)
                | Error _ -> lacking (classes |> Array.filter (fun c -> not (Array.contains c set.Classes)))

    /// The known rows, then the described set's, in the model's class order and then the added classes'.
    let additionSet (model: Model) (addition: Addition) (described: TrainingSet) =
        match addition.Known with
        | None -> described
        | Some old ->
            TrainingSet.select (Array.append model.Metadata.Classes addition.Added) [ old; described ]
            |> Result.defaultWith (fun e -> invalidArg "described" e)

    /// Options that start from the model widened by `added` classes.
    let startFrom (model: Model) (added: int) (options: TrainingOptions) =
        { options with
            Hidden = model.Network.Architecture.Hidden
            Start = Some(Network.addClasses options.Seed added model.Network) }

    /// Model metadata for a network trained on `set` with `options`.
    let metadata (set: TrainingSet) (options: TrainingOptions) (info: TrainingInfo) : ModelMetadata =
        { Classes = set.Classes
          MaterialTypes = set.MaterialTypes
          Hidden = options.Hidden
          Inputs = set.Dimension
          DropoutRate = options.DropoutRate
          Descriptor = ariseDescriptor
          Training = info }
