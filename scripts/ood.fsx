// Out-of-distribution detection, measured (a leave-classes-out study). The library's classes are dealt into k groups
// (default 5), stratified by material type; for each group a model is trained without its classes by the embedded
// model's recipe (256-512-256, dropout 0.049, seed 7, Adam 2.16e-4, up to 300 epochs, the kept epoch chosen on the
// pristine structures and Table 1's 20 defect levels as `arise train` does). Each model then classifies Table 1's test
// structures (every supercell periodic and finite) pristine and at four defect levels (T = 100, seed 1, as classify),
// and the script scores how well the mutual information, the predictive entropy and 1 − max probability separate the
// held-out classes' structures (positives) from the known classes' (negatives) at the same level: AUROC and the
// false-positive rate at 95 % recall, pooled over the k models, per defect level and per material type of the held-out
// class. Prints the table and writes ood.csv. Resumable: descriptors, models and scores are cached in ood.cache/ (a
// killed run loses at most the model being trained).
//
//   ./arise --version
//   dotnet fsi scripts/ood.fsx [--groups 5] [--samples 100] [--realizations 2] [--epochs 300] [--selection table1|off]
//                              [--prototypes ../shared/data/prototypes] [--cache ood.cache] [--out ood.csv]
//                              [--trained-only yes]   (report on the models trained so far, train none)
#load "Common.fsx"

open System
open System.IO
open System.Globalization
open System.Threading
open Arise.Structure
open Arise.Model
open Common

let arg = ScriptArgs.get
let groups = int (arg "--groups" "5")
let samples = int (arg "--samples" "100")
let realizations = int (arg "--realizations" "2")
let epochs = int (arg "--epochs" "300")
let selectOn = arg "--selection" "table1"
let prototypesDir = arg "--prototypes" (Path.Combine(ScriptArgs.data, "prototypes"))
let cacheDir = arg "--cache" "ood.cache"
let outPath = arg "--out" "ood.csv"
let inv = CultureInfo.InvariantCulture

if not (Directory.Exists prototypesDir) then
    eprintfn "prototype folder not found: %s (give --prototypes DIR)" prototypesDir
    exit 2

Directory.CreateDirectory cacheDir |> ignore
let lib = Prototypes.load prototypesDir
let classes = lib.Prototypes |> List.map (fun p -> p.Name) |> Array.ofList

let typeOf =
    lib.Prototypes |> List.map (fun p -> p.Name, p.MaterialType) |> Map.ofList

let clock = Diagnostics.Stopwatch.StartNew()

let say fmt =
    Printf.kprintf (fun s -> printfn "[%5.0f s] %s" clock.Elapsed.TotalSeconds s) fmt

/// The group of each class: within each material type the classes in a seeded shuffle, dealt round robin, the deal
/// running on from one type to the next so that the groups differ by at most one class.
let groupOf =
    let rng = Random 11
    let mutable next = 0

    [ for t, members in lib.Prototypes |> List.groupBy (fun p -> p.MaterialType) |> List.sortBy fst do
          let names = members |> List.map (fun p -> p.Name) |> List.sort |> Array.ofList

          for i in names.Length - 1 .. -1 .. 1 do
              let j = rng.Next(i + 1)
              let x = names.[i]
              names.[i] <- names.[j]
              names.[j] <- x

          for n in names do
              yield n, next % groups
              next <- next + 1 ]
    |> Map.ofList

for g in 0 .. groups - 1 do
    let members = classes |> Array.filter (fun c -> groupOf.[c] = g)

    let types =
        members
        |> Array.countBy (fun c -> typeOf.[c])
        |> Array.map (fun (t, n) -> sprintf "%s %d" t n)

    say "group %d: %d classes (%s)" g members.Length (String.Join(", ", types))

/// A set saved in the cache under `name`, or made by `make` and saved (when it has no errors).
let cachedSet (name: string) (make: unit -> TrainingSet * string list) =
    let path = Path.Combine(cacheDir, name)

    match (if File.Exists path then TrainingSet.load path else Error "") with
    | Ok t -> t
    | Error _ ->
        let t, errors = make ()

        for e in errors do
            eprintfn "warning: %s" e

        if errors.IsEmpty then
            TrainingSet.save path t

        t

let threads = Environment.ProcessorCount

let full =
    say "training set of %d classes (descriptors cached in %s)" classes.Length cacheDir

    cachedSet (sprintf "training-set-r%d.npz" DnnRule.revision) (fun () ->
        TrainingSet.generate lib (Path.Combine(cacheDir, "descriptors")) threads (fun _ _ -> ()) CancellationToken.None)

let selectionFull =
    if selectOn = "off" then
        None
    else
        say "selection structures (Table 1's 20 levels, as arise train)"

        Some(
            cachedSet (sprintf "selection-r%d-d%d.npz" DnnRule.revision Defects.protocolVersion) (fun () ->
                TrainingSet.selectionSet lib TrainingSet.tableLevels 1 threads (fun _ _ -> ()) CancellationToken.None)
        )

/// The test levels (name, η, δ): pristine, then defects within Table 1's range.
let levels =
    [| "pristine", 0.0, 0.0
       "δ 1 %", 0.0, 0.01
       "δ 4 %", 0.0, 0.04
       "η 10 %", 0.10, 0.0
       "η 25 %", 0.25, 0.0 |]

/// Seeds apart from Table 1's and the selection's.
let testSeed (s: int) (l: int) (r: int) =
    ((s + 3) * 1_000_003 + l * 10_007 + r * 101 + 5) &&& 0x3FFFFFFF

/// The test structures: rows of (descriptor, class, level).
let tests =
    say "test structures: pristine once, %d realisations at each defect level" realizations

    let pristine =
        cachedSet (sprintf "test-pristine-r%d.npz" DnnRule.revision) (fun () ->
            TrainingSet.defectiveSet classes lib [| 0.0, 0.0 |] 1 testSeed threads (fun _ _ -> ()) CancellationToken.None)

    let defective =
        let lv = levels.[1..] |> Array.map (fun (_, e, d) -> e, d)

        cachedSet (sprintf "test-defective-%d-r%d-d%d.npz" realizations DnnRule.revision Defects.protocolVersion) (fun () ->
            TrainingSet.defectiveSet classes lib lv realizations testSeed threads (fun _ _ -> ()) CancellationToken.None)

    let level =
        Array.append
            (Array.zeroCreate pristine.Rows)
            (TrainingSet.selectionLevelOfRows (levels.Length - 1) realizations defective.Rows
             |> Array.map ((+) 1))

    Array.append pristine.X defective.X, Array.append pristine.Y defective.Y, level

let testX, testY, testLevel = tests
let dim = full.Dimension

/// The model without group g: trained once and cached.
let modelWithout (g: int) =
    let path =
        Path.Combine(cacheDir, sprintf "without-%d-of-%d-e%d-%s.model" g groups epochs selectOn)

    match (if File.Exists path then ModelFile.load path else Error "") with
    | Ok m -> m
    | Error _ ->
        let known = classes |> Array.filter (fun c -> groupOf.[c] <> g)
        let set = TrainingSet.select known [ full ] |> Result.defaultWith failwith

        let options =
            { Training.ariseOptions with
                Seed = 7
                DropoutRate = 0.049
                MaxEpochs = epochs }

        let selection =
            selectionFull
            |> Option.map (fun s ->
                let d = TrainingSet.select known [ s ] |> Result.defaultWith failwith

                { Defective = d
                  Level = TrainingSet.selectionLevelOfRows TrainingSet.tableLevels.Length 1 d.Rows
                  Score = Pooled
                  PristineRows = TrainingSet.predictionSettingRows set })

        let tr, va = TrainingSet.split options.Seed 0.8 set.Y
        say "model without group %d: %d classes, %d rows, up to %d epochs" g known.Length set.Rows epochs

        let report (r: EpochReport) =
            if r.Epoch % 25 = 0 then
                say "  epoch %d: validation %.4f%s" r.Epoch r.ValidationAccuracy (if r.IsBest then " (best)" else "")

        let net, info =
            Training.trainSelecting options set tr va selection report CancellationToken.None

        let model =
            { Network = net
              Metadata = Training.metadata set options info }

        ModelFile.save path model
        say "  kept epoch %d, validation %.4f; saved %s" info.BestEpoch info.ValidationAccuracy path
        model

/// One scored test row: level, class, held out?, right?, mutual information, entropy, 1 − max p, the predicted class.
type Scored =
    { Level: int
      Class: string
      HeldOut: bool
      Right: bool
      MI: float
      Entropy: float
      OneMinusMax: float
      Predicted: string }

let scoresOf (g: int) =
    let path =
        Path.Combine(cacheDir, sprintf "scores-v2-%d-of-%d-e%d-%s-T%d-r%d.csv" g groups epochs selectOn samples realizations)

    if not (File.Exists path) then
        let model = modelWithout g

        let preds = Prediction.monteCarlo threads 1 samples model.Network testX testY.Length

        let lines =
            ResizeArray [ "level,class,held_out,right,mi,entropy,one_minus_max,predicted" ]

        for r in 0 .. preds.Length - 1 do
            let p = preds.[r]
            let c = classes.[testY.[r]]
            let top = Array.findIndex ((=) (Array.max p.Probabilities)) p.Probabilities
            let right = Array.IndexOf(model.Metadata.Classes, c) = top

            lines.Add(
                String.Join(
                    ",",
                    [| string testLevel.[r]
                       c
                       (if groupOf.[c] = g then "1" else "0")
                       (if right then "1" else "0")
                       p.MutualInformation.ToString("R", inv)
                       p.Entropy.ToString("R", inv)
                       (1.0 - Array.max p.Probabilities).ToString("R", inv)
                       model.Metadata.Classes.[top] |]
                )
            )

        File.WriteAllLines(path + ".partial", lines)
        File.Move(path + ".partial", path, true)

    File.ReadAllLines path
    |> Array.skip 1
    |> Array.map (fun l ->
        let f = l.Split ','

        { Level = int f.[0]
          Class = f.[1]
          HeldOut = f.[2] = "1"
          Right = f.[3] = "1"
          MI = Double.Parse(f.[4], inv)
          Entropy = Double.Parse(f.[5], inv)
          OneMinusMax = Double.Parse(f.[6], inv)
          Predicted = f.[7] })

// --trained-only: report on the groups whose model is already trained (a partial study), training none
let trainedOnly = arg "--trained-only" "no" <> "no"

let ready (g: int) =
    not trainedOnly
    || File.Exists(Path.Combine(cacheDir, sprintf "without-%d-of-%d-e%d-%s.model" g groups epochs selectOn))

let scored =
    [| for g in 0 .. groups - 1 do
           if ready g then
               yield scoresOf g |]

if scored.Length < groups then
    say "partial study: %d of %d groups have a trained model" scored.Length groups

let all = Array.concat scored

let measures =
    [ "MI", (fun s -> s.MI)
      "entropy", (fun s -> s.Entropy)
      "1-max p", (fun s -> s.OneMinusMax) ]

let rows = ResizeArray()

let evaluate (level: string) (kind: string) (pos: Scored[]) (neg: Scored[]) =
    let figures =
        [ for _, f in measures do
              let p = pos |> Array.map f
              let n = neg |> Array.map f
              yield Uncertainty.auroc p n, Uncertainty.falsePositiveRate 0.95 p n ]

    rows.Add(level, kind, pos.Length, neg.Length, figures)

for l, (name, _, _) in Array.indexed levels do
    let at = all |> Array.filter (fun s -> s.Level = l)
    let neg = at |> Array.filter (fun s -> not s.HeldOut)
    let pos = at |> Array.filter (fun s -> s.HeldOut)
    evaluate name "all" pos neg

    for t in pos |> Array.map (fun s -> typeOf.[s.Class]) |> Array.distinct |> Array.sort do
        evaluate name t (pos |> Array.filter (fun s -> typeOf.[s.Class] = t)) neg

printfn ""
printfn "Held-out classes (positives) against known classes (negatives) at the same level; %d models, T = %d" scored.Length samples
printfn "(the known classes' accuracy: how often the model was right on the negatives)"
printfn ""
printfn "%-8s %-17s %6s %6s | %-23s | %-23s" "level" "held-out type" "pos" "neg" "AUROC MI / entropy / 1-p" "FPR@95 MI / entropy / 1-p"

for level, kind, np, nn, figures in rows do
    let au = figures |> List.map (fst >> sprintf "%.3f") |> String.concat " / "
    let fp = figures |> List.map (snd >> sprintf "%.3f") |> String.concat " / "
    printfn "%-8s %-17s %6d %6d | %-23s | %-23s" level kind np nn au fp

for l, (name, _, _) in Array.indexed levels do
    let neg = all |> Array.filter (fun s -> s.Level = l && not s.HeldOut)
    let right = neg |> Array.filter (fun s -> s.Right) |> Array.length
    printfn "known classes at %-8s: %d of %d right (%.2f %%)" name right neg.Length (100.0 * float right / float neg.Length)

for g, sc in Array.indexed scored do
    let at = sc |> Array.filter (fun s -> s.Level = 0)
    let pos = at |> Array.filter (fun s -> s.HeldOut) |> Array.map (fun s -> s.MI)
    let neg = at |> Array.filter (fun s -> not s.HeldOut) |> Array.map (fun s -> s.MI)
    printfn "model %d alone, pristine: AUROC (MI) %.3f" g (Uncertainty.auroc pos neg)

// each held-out class, pristine: the median mutual information, the share of its structures above the threshold
// that flags 95 % of all held-out structures... and what the model called it
let pristineKnown = all |> Array.filter (fun s -> s.Level = 0 && not s.HeldOut)
let pristineHeld = all |> Array.filter (fun s -> s.Level = 0 && s.HeldOut)
let knownMi = pristineKnown |> Array.map (fun s -> s.MI) |> Array.sort

let median (xs: float[]) =
    let v = Array.sort xs

    if v.Length % 2 = 1 then
        v.[v.Length / 2]
    else
        (v.[v.Length / 2 - 1] + v.[v.Length / 2]) / 2.0

printfn ""
printfn "held-out classes, pristine, least flagged first (median MI; share of known structures with a higher MI; called)"

for c, rows in
    pristineHeld
    |> Array.groupBy (fun s -> s.Class)
    |> Array.sortBy (fun (_, r) -> median (r |> Array.map (fun s -> s.MI))) do
    let m = median (rows |> Array.map (fun s -> s.MI))

    let above =
        float (knownMi |> Array.filter (fun v -> v > m) |> Array.length)
        / float knownMi.Length

    let called, n = rows |> Array.countBy (fun s -> s.Predicted) |> Array.maxBy snd
    printfn "  %-34s %-17s MI %.3f  known above %5.1f %%  called %s (%d of %d)" c typeOf.[c] m (100.0 * above) called n rows.Length

let header =
    "level,held_out_type,positives,negatives,auroc_mi,auroc_entropy,auroc_one_minus_max,fpr95_mi,fpr95_entropy,fpr95_one_minus_max"

File.WriteAllLines(
    outPath,
    [ yield header
      for level, kind, np, nn, figures in rows do
          let f = figures |> List.map (fun (a, _) -> a.ToString("R", inv))
          let r = figures |> List.map (fun (_, b) -> b.ToString("R", inv))
          yield String.Join(",", [ level; kind; string np; string nn ] @ f @ r) ]
)

say "wrote %s" outPath
