/// Network engine throughput: MC-dropout inference against the GEMM rate, and training samples per second.
module Arise.Bench.ModelBench

open System
open System.Diagnostics
open Arise.Model

let run () =
    let arch = Network.ariseArchitecture 108
    let net = Network.create 1 arch
    let flopsPerRow = net.Layers |> Array.sumBy (fun l -> 2.0 * float l.Inputs * float l.Outputs)
    printfn "Network 316-256-512-256-108 (%d parameters), %.2f MFLOP per forward row" (Network.parameterCount net) (flopsPerRow / 1e6)
    let rng = Random(3)
    // GEMM rate at the network's shapes (rows of 4096), for the ratio
    let gemmRate threads =
        let rows = 4096
        let x = Array.init (rows * 316) (fun _ -> float32 (rng.NextDouble()))
        // outputs allocated before the clock starts: the rate is the products' alone
        let outs = net.Layers |> Array.map (fun l -> Array.zeroCreate<float32> (rows * l.Outputs))
        let mutable best = Double.MaxValue
        for _ in 1 .. 5 do
            let sw = Stopwatch.StartNew()
            let mutable input = x
            net.Layers |> Array.iteri (fun i l ->
                Gemm.multiply threads false false rows l.Outputs l.Inputs input l.Weights outs.[i] false
                input <- outs.[i])
            best <- min best sw.Elapsed.TotalSeconds
        flopsPerRow * float rows / best / 1e9
    for threads in [ 1; 2 ] do
        let inputs = 40
        let samples = 1000
        let x = Array.init (inputs * 316) (fun _ -> float32 (rng.NextDouble() * 0.1))
        Prediction.monteCarlo threads 1 100 net x 4 |> ignore
        let sw = Stopwatch.StartNew()
        Prediction.monteCarlo threads 1 samples net x inputs |> ignore
        let secs = sw.Elapsed.TotalSeconds
        let passesPerSecond = float (inputs * samples) / secs
        let rate = gemmRate threads
        printfn "MC dropout, %d thread(s): %d inputs × T = %d in %.2f s = %.0f passes/s = %.1f GFLOP/s, %.0f %% of the GEMM rate at these shapes (%.1f GFLOP/s)"
            threads inputs samples secs passesPerSecond (passesPerSecond * flopsPerRow / 1e9) (100.0 * passesPerSecond * flopsPerRow / 1e9 / rate) rate
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
        let options = { Training.ariseOptions with MaxEpochs = 2; Patience = None; Threads = threads }
        let mutable perEpoch = 0.0
        Training.train options set [| 0 .. n - 1 |] [||] (fun r -> perEpoch <- r.Seconds) Threading.CancellationToken.None |> ignore
        printfn "training, batch 64, %d thread(s): %.0f samples/s (reference: libtorch ≈ 9,500 on one thread)" threads (float n / perEpoch)
