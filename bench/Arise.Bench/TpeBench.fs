/// TPE against random search on standard test functions: median best value after 100 evaluations over 20 seeds.
module Arise.Bench.TpeBench

open System
open Arise.Model

let private branin (p: Map<string, float>) =
    let x1, x2 = p.["x1"], p.["x2"]
    let b, c, t = 5.1 / (4.0 * Math.PI * Math.PI), 5.0 / Math.PI, 1.0 / (8.0 * Math.PI)
    (x2 - b * x1 * x1 + c * x1 - 6.0) ** 2.0 + 10.0 * (1.0 - t) * cos x1 + 10.0

let private hartmann6 (p: Map<string, float>) =
    let alpha = [| 1.0; 1.2; 3.0; 3.2 |]

    let a =
        array2D
            [ [ 10.0; 3.0; 17.0; 3.5; 1.7; 8.0 ]
              [ 0.05; 10.0; 17.0; 0.1; 8.0; 14.0 ]
              [ 3.0; 3.5; 1.7; 10.0; 17.0; 8.0 ]
              [ 17.0; 8.0; 0.05; 10.0; 0.1; 14.0 ] ]

    let pp =
        array2D
            [ [ 1312.0; 1696.0; 5569.0; 124.0; 8283.0; 5886.0 ]
              [ 2329.0; 4135.0; 8307.0; 3736.0; 1004.0; 9991.0 ]
              [ 2348.0; 1451.0; 3522.0; 2883.0; 3047.0; 6650.0 ]
              [ 4047.0; 8828.0; 8732.0; 5743.0; 1091.0; 381.0 ] ]

    let x = Array.init 6 (fun j -> p.[sprintf "x%d" (j + 1)])

    -(Array.init 4 (fun i ->
        alpha.[i]
        * exp (
            -(Array.init 6 (fun j -> a.[i, j] * (x.[j] - pp.[i, j] * 1e-4) ** 2.0)
              |> Array.sum)
        ))
      |> Array.sum)

/// A mixed categorical / continuous / quantised function: min 0 at kind = b, x = 1, y = −2, n = 7.
let private mixed (p: Map<string, float>) =
    let bias = [| 0.5; 0.0; 1.0; 0.25 |]

    bias.[int p.["kind"]]
    + (p.["x"] - 1.0) ** 2.0
    + 0.5 * (p.["y"] + 2.0) ** 2.0
    + 0.1 * (p.["n"] - 7.0) ** 2.0

let private problems =
    [ "Branin (min 0.397887)", [ Uniform("x1", -5.0, 10.0); Uniform("x2", 0.0, 15.0) ], branin
      "Hartmann-6 (min −3.32237)", [ for j in 1..6 -> Uniform(sprintf "x%d" j, 0.0, 1.0) ], hartmann6
      "mixed: choice + uniform + q-uniform (min 0)",
      [ Choice("kind", [ "a"; "b"; "c"; "d" ])
        Uniform("x", -5.0, 5.0)
        Uniform("y", -5.0, 5.0)
        QUniform("n", 0.0, 10.0, 1.0) ],
      mixed ]

let run () =
    let seeds, budget = 20, 100
    printfn "\nTPE (hyperopt defaults: 20 start-up, γ 0.25, 24 candidates) vs random search, %d evaluations, %d seeds" budget seeds
    printfn "| function | TPE median best | random median best | TPE better on | TPE ms / suggestion |"
    printfn "|---|---|---|---|---|"

    for name, space, f in problems do
        let median (xs: float list) =
            let s = List.sort xs in (s.[(s.Length - 1) / 2] + s.[s.Length / 2]) / 2.0

        let sw = Diagnostics.Stopwatch.StartNew()

        let tpe =
            [ for seed in 1..seeds ->
                  Tpe.minimize Tpe.defaults seed space budget f
                  |> List.map (fun t -> t.Loss)
                  |> List.min ]

        let perSuggestion = sw.Elapsed.TotalMilliseconds / float (seeds * budget)

        let random =
            [ for seed in 1..seeds ->
                  Tpe.randomSearch (1000 + seed) space budget f
                  |> List.map (fun t -> t.Loss)
                  |> List.min ]

        let wins = List.zip tpe random |> List.filter (fun (a, b) -> a < b) |> List.length
        printfn "| %s | %.5f | %.5f | %d / %d seeds | %.2f |" name (median tpe) (median random) wins seeds perSuggestion
