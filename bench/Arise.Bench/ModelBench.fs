/// Network engine throughput: MC-dropout inference against the GEMM rate, and training samples per second.
module Arise.Bench.ModelBench

open System
open Arise.Numerics
open System.Diagnostics
open Arise.Model

let run () =
    let arch = Network.ariseArchitecture 108
    let net = Network.create 1 arch

    let flopsPerRow =
        net.Layers |> Array.sumBy (fun l -> 2.0 * float l.Inputs * float l.Outputs)

    printfn "Network 316-256-512-256-108 (%d parameters), %.2f MFLOP per forward row" (Network.parameterCount net) (flopsPerRow / 1e6)
    let rng = Random(3)
    // GEMM rate at the network's shapes (rows of 4096): the same products a pass does, best of three, for the ratio
    let gemmX = Array.init (4096 * 316) (fun _ -> float32 (rng.NextDouble()))
    // outputs allocated before the clock starts: the rate is the products' alone
    let outs =
        net.Layers |> Array.map (fun l -> Array.zeroCreate<float32>(4096 * l.Outputs))

    let gemmRate threads =
        let rows = 4096
        let mutable best = Double.MaxValue

        for _ in 1..3 do
            let sw = Stopwatch.StartNew()
            let mutable input = gemmX

            net.Layers
            |> Array.iteri (fun i l ->
                Gemm.multiply threads false false rows l.Outputs l.Inputs input l.Weights outs.[i] false
                input <- outs.[i])

            best <- min best sw.Elapsed.TotalSeconds

        flopsPerRow * float rows / best / 1e9

    for threads in [ 1; 2 ] do
        let inputs = 40
        let samples = 1000
        let x = Array.init (inputs * 316) (fun _ -> float32 (rng.NextDouble() * 0.1))
        // one run first: it also JIT-compiles the hot loops to their final tier (timed alone it measured 27 µs per
        // pass instead of 19); then five pairs of (MC rate, GEMM rate) taken back to back, so that both see the same
        // load on this shared machine, each the best of three runs (the GEMM rate always was; a single MC run against
        // a best of three made the ratio lower, the noisier the machine); the ratio is the median of the pairs'
        Prediction.monteCarlo threads 1 samples net x inputs |> ignore

        let pairs =
            [ for _ in 1..5 ->
                  let best =
                      List.min
                          [ for _ in 1..3 ->
                                let sw = Stopwatch.StartNew()
                                Prediction.monteCarlo threads 1 samples net x inputs |> ignore
                                sw.Elapsed.TotalSeconds ]

                  let passesPerSecond = float (inputs * samples) / best
                  let rate = gemmRate threads
                  passesPerSecond, rate, 100.0 * passesPerSecond * flopsPerRow / 1e9 / rate ]
            |> List.sortBy (fun (_, _, r) -> r)

        let passesPerSecond, rate, ratio = pairs.[2]
        let _, _, lo = List.head pairs
        let _, _, hi = List.last pairs

        printfn
            "MC dropout, %d thread(s): %d inputs × T = %d: %.0f passes/s = %.1f GFLOP/s, %.0f %% of the GEMM rate at these shapes \
                measured beside it (%.1f GFLOP/s); median of 5 pairs, range %.0f–%.0f %%"
            threads
            inputs
            samples
            passesPerSecond
            (passesPerSecond * flopsPerRow / 1e9)
            ratio
            rate
            lo
            hi
    // training throughput, batch 64
    let n = 64 * 200
    let x = Array.init (n * 316) (fun _ -> float32 (rng.NextDouble() * 0.1))
    let y = Array.init n (fun i -> i % 108)

    let set =
        { Classes = Array.init 108 string
          MaterialTypes = Array.create 108 "t"
          Dimension = 316
          X = x
          Y = y
          Cutoff = Array.zeroCreate n
          Sigma = Array.zeroCreate n
          ExtrinsicScale = Array.zeroCreate n
          Version = Array.create n "" }

    for threads in [ 1; 2 ] do
        let options =
            { Training.ariseOptions with
                MaxEpochs = 2
                Patience = None
                Threads = threads }

        let mutable perEpoch = 0.0

        Training.train options set [| 0 .. n - 1 |] [||] (fun r -> perEpoch <- r.Seconds) Threading.CancellationToken.None
        |> ignore

        let rate = float n / perEpoch
        printfn "training, batch 64, %d thread(s): %.0f samples/s (reference: libtorch ≈ 9,500 on one thread)" threads rate
