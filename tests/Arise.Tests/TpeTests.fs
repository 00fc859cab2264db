module Arise.Tests.TpeTests

open System
open Expecto
open Arise.Model
open Arise.Structure
open Arise.Tests.Common

let private space =
    [ Uniform("x", -5.0, 5.0)
      LogUniform("lr", 1e-5, 1e-1)
      Choice("act", [ "relu"; "tanh"; "sigmoid" ])
      IntRange("layers", 1, 6) ]

/// A loss with its minimum at x = 0.3, lr = 1e-3, act = tanh, layers = 4.
let private loss (p: Map<string, float>) =
    (p.["x"] - 0.3) ** 2.0
    + (log10 p.["lr"] + 3.0) ** 2.0
    + (if p.["act"] = 1.0 then 0.0 else 1.0)
    + 0.2 * (p.["layers"] - 4.0) ** 2.0

[<Tests>]
let tests =
    testList
        "tpe"
        [ test "TPE's median best over 20 seeds, 100 evaluations, is better than random search's with the same budget" {
              let budget, seeds = 100, 20

              let median (xs: float list) =
                  let s = List.sort xs in (s.[(s.Length - 1) / 2] + s.[s.Length / 2]) / 2.0

              let tpe =
                  [ for seed in 1..seeds ->
                        Tpe.minimize Tpe.defaults seed space budget loss
                        |> List.map (fun t -> t.Loss)
                        |> List.min ]

              let random =
                  [ for seed in 1..seeds ->
                        Tpe.randomSearch (1000 + seed) space budget loss
                        |> List.map (fun t -> t.Loss)
                        |> List.min ]

              Expect.isLessThan (median tpe) (median random) (sprintf "median best: TPE %.4f, random %.4f" (median tpe) (median random))
          }

          test "failed trials are recorded and skipped, the history resumes a search, parallel workers finish the budget" {
              let path =
                  IO.Path.Combine(IO.Path.GetTempPath(), sprintf "arise-tpe-%d.csv" (Random().Next()))
              // every third call fails (one by exception); the rest return the test loss
              let objective (k: int) (p: Map<string, float>) =
                  if k % 3 = 0 then
                      (if k % 2 = 0 then failwith "boom" else Error "diverged")
                  else
                      Ok(loss p)

              let run n workers =
                  TpeSearch.run Tpe.defaults 4 space n workers (Some path) objective (fun _ _ -> ()) Threading.CancellationToken.None
                  |> ok "run"

              let first = run 25 1
              Expect.equal first.Length 25 "25 trials"
              Expect.equal (first |> List.filter (fun t -> t.Error.IsSome) |> List.length) 8 "8 failed trials recorded"
              Expect.all (first |> List.filter (fun t -> t.Error.IsSome)) (fun t -> Double.IsNaN t.Loss) "failed: no loss"
              let reloaded = TrialHistory.load path space |> ok "load"

              Expect.equal
                  (reloaded |> List.map (fun t -> t.Point, t.Error))
                  (first |> List.map (fun t -> t.Point, t.Error))
                  "history round trip"

              let resumed = run 40 2
              Expect.equal resumed.Length 40 "resumed up to 40 trials with 2 workers"

              Expect.equal
                  (resumed |> List.truncate 25 |> List.map (fun t -> t.Point))
                  (first |> List.map (fun t -> t.Point))
                  "the first 25 kept"

              IO.File.WriteAllText(path, "trial,status,loss,error,x\n")
              Expect.isError (TrialHistory.load path space) "a history of another space is refused"
          }

          test "suggestions stay in the space and are reproducible from the seed" {
              let a = Tpe.minimize Tpe.defaults 3 space 40 loss
              let b = Tpe.minimize Tpe.defaults 3 space 40 loss
              Expect.equal (a |> List.map (fun t -> t.Point)) (b |> List.map (fun t -> t.Point)) "same seed, same trials"

              for t in a do
                  Expect.isTrue (t.Point.["x"] >= -5.0 && t.Point.["x"] <= 5.0) "uniform bounds"
                  Expect.isTrue (t.Point.["lr"] >= 1e-5 && t.Point.["lr"] <= 1e-1) "log-uniform bounds"
                  Expect.contains [ 0.0; 1.0; 2.0 ] t.Point.["act"] "choice index"

                  Expect.isTrue
                      (t.Point.["layers"] = Math.Round t.Point.["layers"]
                       && t.Point.["layers"] >= 1.0
                       && t.Point.["layers"] <= 6.0)
                      "integer range"
          } ]

[<Tests>]
let tuningTests =
    testList
        "tuning"
        [ test "a TPE search trains candidates and the robust selection picks one of the best on defective data" {
              let set, model = ModelTests.tinyModel.Force()
              let all = [| 0 .. set.Rows - 1 |]
              let trainRows, validRows = TrainingSet.split 1 0.8 set.Y

              let baseOptions =
                  { Training.ariseOptions with
                      MaxEpochs = 8
                      Patience = None
                      Seed = 3 }

              let folder =
                  IO.Path.Combine(IO.Path.GetTempPath(), sprintf "arise-tune-test-%d" (Random().Next()))

              let search n =
                  Tuning.search
                      { Tpe.defaults with Startup = 2 }
                      5
                      n
                      1
                      baseOptions
                      set
                      trainRows
                      validRows
                      (Some folder)
                      (fun _ _ -> ())
                      (fun _ _ _ -> ())
                      Threading.CancellationToken.None
                  |> ok "search"

              let first = search 2
              Expect.equal first.Length 2 "two trials"
              // a second run resumes from the saved history and trial models and adds one trial
              let candidates = search 3
              Expect.equal (IO.File.ReadAllLines(IO.Path.Combine(folder, "trials.csv")).Length) 4 "history: header + 3 trials"

              Expect.equal
                  (candidates |> List.truncate 2 |> List.map (fun c -> c.Trial.Point))
                  (first |> List.map (fun c -> c.Trial.Point))
                  "resumed trials kept"

              Expect.equal candidates.Length 3 "three trials"

              for c in candidates do
                  Expect.isTrue (c.Trial.Loss >= 0.0 && c.Trial.Loss <= 1.0) "loss = 1 − validation accuracy"
                  Expect.equal c.Network.Architecture.Hidden c.Options.Hidden "trained with the suggested layers"

              let lib =
                  { Prototypes =
                      [ { Name = "fcc_Cu"
                          MaterialType = "Elemental_solids"
                          File = ""
                          Structure = Crystals.fcc 29 3.61 }
                        { Name = "bcc_Fe"
                          MaterialType = "Elemental_solids"
                          File = ""
                          Structure = Crystals.bcc 26 2.87 } ]
                    Errors = [] }
              // labelled with the tiny model's class indices for fcc and bcc
              let defective = Tuning.defectiveSet set.Classes lib [ 0.05, 0.0; 0.0, 0.01 ] 1 9
              Expect.equal defective.Rows (2 * 6 * 2) "2 classes × 6 structures × 2 levels"
              let chosen, acc = Tuning.selectRobust 2 defective candidates

              Expect.isTrue
                  (candidates
                   |> List.sortBy (fun c -> c.Trial.Loss)
                   |> List.truncate 2
                   |> List.contains chosen)
                  "among the top 2"

              Expect.isTrue (acc >= 0.0 && acc <= 1.0) "accuracy"
              ignore all
              ignore model
          } ]
