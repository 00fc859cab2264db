// The paper's hyperparameter search and model selection (S1.4, Methods) on a reduced class set, in minutes:
// descriptors of N classes (99 settings per structure, as training), a TPE search over the paper's space
// (2–5 hidden layers × 256/512 neurons, batch 64/128, learning rate U(1e-4, 1e-2), dropout U(0.01, 0.05)), then the
// top candidates re-ranked by accuracy on defective structures (η 1 %, 5 %; δ 0.1 %, 0.6 %; (η, δ) (1, 0.1) %, (5, 0.6) %;
// R_C 4 d_NN, σ 0.1 d_NN).
// Prints the trials, the top candidates and the robustness ranking. The history and trial models go to
// tune-out/ and a rerun resumes (delete the folder to start again).
//
//   ./arise --version
//   dotnet fsi scripts/tune.fsx [--classes 36] [--trials 16] [--startup 8] [--epochs 8] [--top 5] [--seed 7]
#load "Common.fsx"

open System
open System.IO
open Arise.Structure
open Arise.Model
open Common

let arg = ScriptArgs.get
let classes = int (arg "--classes" "36")
let trials = int (arg "--trials" "16")
let startup = int (arg "--startup" "8")
let epochs = int (arg "--epochs" "8")
let top = int (arg "--top" "5")
let seed = int (arg "--seed" "7")
let folder = arg "--out" (sprintf "tune-out/%d-classes" classes)
let prototypes = Path.Combine(ScriptArgs.data, "prototypes")

if not (Directory.Exists prototypes) then
    eprintfn "prototype folder not found: %s (give --data DIR)" prototypes
    exit 2

let clock = Diagnostics.Stopwatch.StartNew()
// a reduced, varied class set: every k-th class of the 108
let full = Prototypes.load prototypes
let step = max 1 (full.Prototypes.Length / classes)

let lib =
    { full with
        Prototypes =
            full.Prototypes
            |> List.indexed
            |> List.filter (fun (i, _) -> i % step = 0)
            |> List.map snd
            |> List.truncate classes }

printfn "%d classes: %s" lib.Prototypes.Length (String.Join(", ", lib.Prototypes |> List.map (fun p -> p.Name)))

let set, errors =
    TrainingSet.generate
        lib
        (Path.Combine(folder, "descriptors"))
        Environment.ProcessorCount
        (fun _ _ -> ())
        Threading.CancellationToken.None

for e in errors do
    eprintfn "warning: %s" e

printfn "%d descriptors in %.0f s" set.Rows clock.Elapsed.TotalSeconds
let trainRows, validRows = TrainingSet.split seed 0.8 set.Y

let baseOptions =
    { Training.ariseOptions with
        MaxEpochs = epochs
        Seed = seed }

let describe (o: TrainingOptions) =
    sprintf "%d×%-3d batch %3d lr %.2e dropout %.4f" o.Hidden.Length o.Hidden.[0] o.BatchSize o.LearningRate o.DropoutRate

let candidates =
    Tuning.search
        { Tpe.defaults with Startup = startup }
        seed
        trials
        1
        baseOptions
        set
        trainRows
        validRows
        (Some folder)
        (fun _ _ -> ())
        (fun k trial c ->
            match trial.Error, c with
            | Some e, _ -> printfn "trial %2d: failed: %s" k e
            | None, Some c ->
                let best = c.Info.BestEpoch
                printfn "trial %2d: %s → validation %.4f (best epoch %d)" k (describe c.Options) c.Info.ValidationAccuracy best
            | None, None -> printfn "trial %2d: validation %.4f" k (1.0 - trial.Loss))
        Threading.CancellationToken.None
    |> Result.defaultWith (fun e -> failwith e)

printfn "\ntop %d by validation accuracy:" top

candidates
|> List.sortBy (fun c -> c.Trial.Loss)
|> List.truncate top
|> List.iteri (fun i c -> printfn "  %d. %s  validation %.4f" (i + 1) (describe c.Options) c.Info.ValidationAccuracy)

let defective =
    Tuning.defectiveSet set.Classes lib (List.ofArray TrainingSet.selectionLevels) 1 seed

printfn
    "\nrobustness ranking on %d defective structures (η 1 %%, 5 %%; δ 0.1 %%, 0.6 %%; (η, δ) (1, 0.1) %%, \
     (5, 0.6) %%):"
    defective.Rows

Tuning.rankRobust top defective candidates
|> List.iteri (fun i (c, acc) ->
    printfn "  %d. %s  validation %.4f  defective %.4f" (i + 1) (describe c.Options) c.Info.ValidationAccuracy acc)

printfn "\n%.0f s in total" clock.Elapsed.TotalSeconds
