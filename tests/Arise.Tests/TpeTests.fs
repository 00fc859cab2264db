module Arise.Tests.TpeTests

open System
open Expecto
open Arise.Model

let private space =
    [ Uniform("x", -5.0, 5.0)
      LogUniform("lr", 1e-5, 1e-1)
      Choice("act", [ "relu"; "tanh"; "sigmoid" ])
      IntRange("layers", 1, 6) ]

/// A loss with its minimum at x = 0.3, lr = 1e-3, act = tanh, layers = 4.
let private loss (p: Map<string, float>) =
    (p.["x"] - 0.3) ** 2.0 + (log10 p.["lr"] + 3.0) ** 2.0 + (if p.["act"] = 1.0 then 0.0 else 1.0) + 0.2 * (p.["layers"] - 4.0) ** 2.0

[<Tests>]
let tests =
    testList "tpe" [
        test "TPE beats random search with the same budget on most seeds" {
            let budget = 150
            let wins =
                [ for seed in 1 .. 8 do
                      let tpe = Tpe.minimize Tpe.defaults seed space budget loss |> List.minBy (fun t -> t.Loss)
                      let random = Tpe.minimize { Tpe.defaults with Startup = budget } seed space budget loss |> List.minBy (fun t -> t.Loss)
                      yield tpe.Loss < random.Loss ]
            Expect.isGreaterThanOrEqual (wins |> List.filter id |> List.length) 6 (sprintf "TPE wins %A" wins)
        }

        test "suggestions stay in the space and are reproducible from the seed" {
            let a = Tpe.minimize Tpe.defaults 3 space 40 loss
            let b = Tpe.minimize Tpe.defaults 3 space 40 loss
            Expect.equal (a |> List.map (fun t -> t.Point)) (b |> List.map (fun t -> t.Point)) "same seed, same trials"
            for t in a do
                Expect.isTrue (t.Point.["x"] >= -5.0 && t.Point.["x"] <= 5.0) "uniform bounds"
                Expect.isTrue (t.Point.["lr"] >= 1e-5 && t.Point.["lr"] <= 1e-1) "log-uniform bounds"
                Expect.contains [ 0.0; 1.0; 2.0 ] t.Point.["act"] "choice index"
                Expect.isTrue (t.Point.["layers"] = Math.Round t.Point.["layers"] && t.Point.["layers"] >= 1.0 && t.Point.["layers"] <= 6.0) "integer range"
        }
    ]
