namespace Arise.Model

open System
open System.Numerics
open System.Threading.Tasks
open System.Numerics.Tensors

/// The Monte Carlo dropout prediction for one input.
type Prediction =
    {
        /// Mean class probabilities over the T stochastic passes (paper Eq. 4).
        Probabilities: float[]
        /// Mutual information between prediction and weights (Eq. 5), in nats: H[mean p] − mean H[p_t].
        MutualInformation: float
        /// Predictive entropy H[mean p], in nats.
        Entropy: float
    }

/// Monte Carlo dropout (Gal & Ghahramani): T forward passes with dropout on, batched.
module Prediction =
    /// Shannon entropy −Σ p ln p (nats) of a probability vector (terms with p = 0 contribute 0).
    let entropy (p: float[]) =
        let mutable h = 0.0

        for x in p do
            if x > 0.0 then
                h <- h - x * log x

        h

    /// Mean probabilities, mutual information and entropy from T sampled probability vectors.
    let summarise (samples: float[][]) : Prediction =
        let classes = samples.[0].Length
        let mean = Array.init classes (fun c -> samples |> Array.averageBy (fun s -> s.[c]))
        let h = entropy mean
        let expected = samples |> Array.averageBy entropy

        { Probabilities = mean
          MutualInformation = max 0.0 (h - expected)
          Entropy = h }

    /// Adds one pass's probabilities (classes values of p from offset o) to the float64 running sums `acc`, each
    /// element widened and added as a scalar loop would (vectorised across classes, so the sums are the same), and
    /// returns Σ_c p ln p of the pass (lnp holds ln p), summed in class order.
    let private addPass (p: float32[]) (lnp: float32[]) (o: int) (classes: int) (acc: float[]) =
        let w = Vector<float32>.Count
        let half = Vector<float>.Count
        let mutable c = 0

        if Vector.IsHardwareAccelerated && half * 2 = w then
            while c + w <= classes do
                let mutable lo = Vector<float>.Zero
                let mutable hi = Vector<float>.Zero
                Vector.Widen(Vector<float32>(p, o + c), &lo, &hi)
                (Vector<float>(acc, c) + lo).CopyTo(acc, c)
                (Vector<float>(acc, c + half) + hi).CopyTo(acc, c + half)
                c <- c + w

        while c < classes do
            acc.[c] <- acc.[c] + float p.[o + c]
            c <- c + 1

        let mutable plnp = 0.0f

        for c in 0 .. classes - 1 do
            plnp <- plnp + p.[o + c] * lnp.[o + c]

        plnp

    /// Predicts `count` inputs (rows of x, count × Inputs) with T = `samples` dropout passes each, in chunks of
    /// about 4,096 rows; chunks run in parallel on up to `threads` threads. Seeded: the dropout masks are
    /// Dropout.passKey/hash of (seed, input, pass, element), so the same seed gives the same result on any thread
    /// count, batching or engine.
    let monteCarlo (threads: int) (seed: int) (samples: int) (net: Network) (x: float32[]) (count: int) : Prediction[] =
        let a = net.Architecture
        let inputs, classes = a.Inputs, a.Classes

        if samples < 1 then
            invalidArg "samples" "T must be ≥ 1"

        let perChunk = max 1 (4096 / samples)
        let chunks = (count + perChunk - 1) / perChunk
        let results = Array.zeroCreate count
        let maxRows = 4096
        let rowsNeeded = min maxRows (min count perChunk * samples)
        // per-thread buffers, reused by every chunk the thread runs: a chunk's inputs, probabilities and their logs
        // are megabytes, allocated and zeroed once per thread instead of once per chunk
        let newBuffers () =
            Workspace(net, rowsNeeded),
            Array.zeroCreate<float32>(rowsNeeded * inputs),
            Array.zeroCreate<float32>(rowsNeeded * classes),
            Array.zeroCreate<float32>(rowsNeeded * classes)

        let runChunk (ws: Workspace, xb: float32[], pb: float32[], lb: float32[]) (ch: int) =
            let first = ch * perChunk
            let n = min perChunk (count - first)
            // rows: each input repeated T times (passes of one input are contiguous); big chunks split by rows
            let keys = Array.zeroCreate<uint32> maxRows
            // running sums per input: probabilities and the entropy of each pass
            let sumP = Array.init n (fun _ -> Array.zeroCreate classes)
            let sumH = Array.zeroCreate n
            let total = n * samples
            let mutable start = 0

            while start < total do
                let rows = min maxRows (total - start)

                for r in 0 .. rows - 1 do
                    let input = first + (start + r) / samples
                    Array.blit x (input * inputs) xb (r * inputs) inputs
                    keys.[r] <- Dropout.passKey seed input ((start + r) % samples)

                let logits = Network.sampleKeyed 1 ws net xb rows keys
                Network.softmax logits rows classes pb
                // ln p for the whole block (p floored at 1e-30 inside the log, so p = 0 contributes 0 to −Σ p ln p)
                let cells = rows * classes
                TensorPrimitives.Max(ReadOnlySpan(pb, 0, cells), 1e-30f, Span(lb, 0, cells))
                TensorPrimitives.Log(ReadOnlySpan(lb, 0, cells), Span(lb, 0, cells))

                for r in 0 .. rows - 1 do
                    let i = (start + r) / samples
                    let plnp = addPass pb lb (r * classes) classes sumP.[i]
                    sumH.[i] <- sumH.[i] - float plnp

                start <- start + rows

            for i in 0 .. n - 1 do
                let mean = sumP.[i] |> Array.map (fun v -> v / float samples)
                let h = entropy mean

                results.[first + i] <-
                    { Probabilities = mean
                      MutualInformation = max 0.0 (h - sumH.[i] / float samples)
                      Entropy = h }

        if threads > 1 && chunks > 1 then
            Parallel.For(
                0,
                chunks,
                ParallelOptions(MaxDegreeOfParallelism = threads),
                newBuffers,
                (fun ch _ buffers ->
                    runChunk buffers ch
                    buffers),
                ignore
            )
            |> ignore
        else
            let buffers = newBuffers ()

            for ch in 0 .. chunks - 1 do
                runChunk buffers ch

        results

    /// Class probabilities with dropout off (one deterministic pass), count × classes.
    let deterministic (threads: int) (net: Network) (x: float32[]) (count: int) : float32[] =
        let a = net.Architecture
        let out = Array.zeroCreate (count * a.Classes)
        let chunk = 2048
        let ws = Workspace(net, min chunk (max 1 count))
        let mutable start = 0

        while start < count do
            let rows = min chunk (count - start)

            let logits =
                Network.forward threads ws net x.[start * a.Inputs .. (start + rows) * a.Inputs - 1] rows None

            Network.softmaxInto logits rows a.Classes out start
            start <- start + rows

        out

    /// Pre-activation outputs of every dense layer (dropout off) for `count` inputs: one array (count × width) per
    /// layer, for the clustering and embedding of hidden representations.
    let hidden (net: Network) (x: float32[]) (count: int) : float32[][] =
        let a = net.Architecture
        let ws = Workspace(net, max 1 count)
        Network.forward 1 ws net x count None |> ignore
        net.Layers |> Array.mapi (fun i l -> ws.Z.[i].[.. count * l.Outputs - 1])
