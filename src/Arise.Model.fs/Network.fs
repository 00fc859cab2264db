namespace Arise.Model

open System
open Arise.Numerics
open System.Numerics.Tensors
open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop

#nowarn "9"

/// Layer sizes and dropout of a multilayer perceptron classifier.
type Architecture =
    {
        Inputs: int
        Hidden: int[]
        Classes: int
        /// Dropout rate on the input and after every hidden layer (ARISE: 0.0317), also active at prediction (MC dropout).
        DropoutRate: float
    }

/// A dense layer y = x·W + b; W is Inputs × Outputs, row-major.
type DenseLayer =
    { Inputs: int
      Outputs: int
      Weights: float32[]
      Bias: float32[] }

/// A multilayer perceptron: dense layers with ReLU between them and softmax at the end.
type Network =
    { Architecture: Architecture
      Layers: DenseLayer[] }

/// Counter-based dropout masks for Monte Carlo prediction: whether an element is dropped is a hash of (seed, input,
/// pass, element), so that every engine, batching and thread count drops the same elements.
module Dropout =
    /// murmur3's 32-bit finaliser.
    let mix (h: uint32) =
        let a = h ^^^ (h >>> 16)
        let b = a * 0x85EBCA6Bu
        let c = b ^^^ (b >>> 13)
        let d = c * 0xC2B2AE35u
        d ^^^ (d >>> 16)

    /// The key of pass `pass` (0-based) over input `input` (0-based row of the call) under `seed`.
    let passKey (seed: int) (input: int) (pass: int) =
        mix (
            mix (mix (uint32 seed + 0x9E3779B9u) + uint32 input * 0x27D4EB2Fu)
            + uint32 pass * 0x165667B1u
        )

    /// An element is dropped when its hash is below this: rate × 2³², clamped.
    let threshold (rate: float) =
        if rate <= 0.0 then 0u
        elif rate >= 1.0 then UInt32.MaxValue
        else uint32 (rate * 4294967296.0)

    /// The hash of element `element` (numbered across the layers' inputs: the first layer's inputs are 0 … n₀−1, the
    /// second's follow) in the pass with key `key`; the element is dropped when it is below `threshold`.
    let hash (key: uint32) (element: int) =
        mix (key ^^^ (uint32 element * 0x9E3779B9u))

/// A fast seeded generator for dropout masks (xorshift64*), one per thread.
type MaskRng(seed: int64) =
    let mutable state = uint64 seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL

    do
        if state = 0UL then
            state <- 1UL

    /// Next 64 random bits.
    member _.Next64() =
        state <- state ^^^ (state >>> 12)
        state <- state ^^^ (state <<< 25)
        state <- state ^^^ (state >>> 27)
        state * 0x2545F4914F6CDD1DUL

/// Buffers for forward and backward passes of up to `capacity` rows.
type Workspace(net: Network, capacity: int) =
    let layers = net.Layers
    // backward buffers only when training asks for them
    let delta =
        lazy (layers |> Array.map (fun l -> Array.zeroCreate<float32>(capacity * l.Outputs)))

    let dActs =
        lazy (layers |> Array.map (fun l -> Array.zeroCreate<float32>(capacity * l.Inputs)))

    let gradW =
        lazy (layers |> Array.map (fun l -> Array.zeroCreate<float32> l.Weights.Length))

    let gradB =
        lazy (layers |> Array.map (fun l -> Array.zeroCreate<float32> l.Bias.Length))

    let masks =
        lazy (layers |> Array.map (fun l -> Array.zeroCreate<float32>(capacity * l.Inputs)))

    /// Input of each layer after dropout (layer i reads Acts[i]).
    member val Acts: float32[][] = layers |> Array.map (fun l -> Array.zeroCreate (capacity * l.Inputs))
    /// Pre-activation output of each layer.
    member val Z: float32[][] = layers |> Array.map (fun l -> Array.zeroCreate (capacity * l.Outputs))
    /// Dropout scale (0 or 1/(1−p)) applied to each layer's input; allocated when training first asks for it
    /// (Monte Carlo passes do not keep masks).
    member _.Masks: float32[][] = masks.Value
    member _.Delta: float32[][] = delta.Value
    member _.DActs: float32[][] = dActs.Value
    member _.GradW: float32[][] = gradW.Value
    member _.GradB: float32[][] = gradB.Value

/// Adam optimiser state.
type Adam =
    { LearningRate: float
      Beta1: float
      Beta2: float
      Epsilon: float
      MW: float32[][]
      VW: float32[][]
      MB: float32[][]
      VB: float32[][]
      mutable Step: int }

/// Creating, running and training networks.
module Network =
    /// ARISE's network: 316 → 256 → 512 → 256 → classes, dropout 3.17 %.
    let ariseArchitecture (classes: int) =
        { Inputs = 316
          Hidden = [| 256; 512; 256 |]
          Classes = classes
          DropoutRate = 0.0317 }

    /// A network with Glorot-uniform weights and zero biases, from a seed.
    let create (seed: int) (a: Architecture) : Network =
        let rng = Random(seed)
        let sizes = Array.concat [ [| a.Inputs |]; a.Hidden; [| a.Classes |] ]

        { Architecture = a
          Layers =
            Array.init (sizes.Length - 1) (fun i ->
                let fin, fout = sizes.[i], sizes.[i + 1]
                let limit = sqrt (6.0 / float (fin + fout))

                { Inputs = fin
                  Outputs = fout
                  Weights = Array.init (fin * fout) (fun _ -> float32 ((2.0 * rng.NextDouble() - 1.0) * limit))
                  Bias = Array.zeroCreate fout }) }

    /// Number of trainable parameters.
    let parameterCount (net: Network) =
        net.Layers |> Array.sumBy (fun l -> l.Weights.Length + l.Bias.Length)

    /// input = (ReLU of source, or source itself for the first layer) × dropout scale; with `keepMask` the scales are
    /// also written to mask (backpropagation needs them; Monte Carlo prediction does not, and skips that pass over
    /// memory). Vectorised ReLU and scaling, then the dropped elements are visited directly: the gap to the next
    /// dropped element is geometric (each element is dropped independently with probability `rate`), so the
    /// generator runs about rate × n times instead of n. The random stream is the same with and without the mask.
    let private dropoutInput
        (r: MaskRng)
        (logKeepProbability: float)
        (keep: float32)
        (first: bool)
        (keepMask: bool)
        (source: float32[])
        (input: float32[])
        (mask: float32[])
        (n: int)
        =
        let src = ReadOnlySpan(source, 0, n)
        let dst = Span(input, 0, n)

        if first then
            TensorPrimitives.Multiply(src, keep, dst)
        else
            // ReLU and scaling in one pass over memory (TensorPrimitives.Max, then Multiply, made two passes over
            // megabytes); Vector256.Max and MathF.Max have TensorPrimitives.Max's IEEE semantics, so the values are
            // the same bit for bit
            let mutable i = 0

            if Vector256.IsHardwareAccelerated then
                use ps = fixed source
                use pd = fixed input
                let kv = Vector256.Create keep

                while i + 8 <= n do
                    Vector256.Store(Vector256.Max(Vector256.Load(NativePtr.add ps i), Vector256<float32>.Zero) * kv, NativePtr.add pd i)
                    i <- i + 8

            while i < n do
                input.[i] <- MathF.Max(source.[i], 0.0f) * keep
                i <- i + 1

        if keepMask then
            Array.Fill(mask, keep, 0, n)
        // gap = floor(ln U / ln(1 − rate)) with U uniform in (0, 1]
        let gap () =
            let u = float ((r.Next64() >>> 11) + 1UL) * (1.0 / 9007199254740992.0)
            int64 (Math.Floor(Math.Log u / logKeepProbability))

        let mutable k = gap ()

        while k < int64 n do
            input.[int k] <- 0.0f

            if keepMask then
                mask.[int k] <- 0.0f

            k <- k + 1L + gap ()

    /// input = (ReLU of source, or source itself for the first layer) × dropout scale, the dropped elements chosen by
    /// Dropout.hash of each row's key (row r of the block has key keys.[r]); `offset` numbers the layer's first element.
    let private dropoutKeyed
        (keys: uint32[])
        (threshold: uint32)
        (keep: float32)
        (first: bool)
        (offset: int)
        (width: int)
        (rows: int)
        (source: float32[])
        (input: float32[])
        =
        let g = 0x9E3779B9u

        for r in 0 .. rows - 1 do
            let key = keys.[r]
            let o = r * width
            let mutable e = 0

            if Vector256.IsHardwareAccelerated then
                use ps = fixed source
                use pd = fixed input
                let kv = Vector256.Create keep
                let keyv = Vector256.Create key
                let tv = Vector256.Create threshold
                let step = Vector256.Create 8u

                let mutable ev =
                    Vector256.Create(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u)
                    + Vector256.Create(uint32 offset)

                let gv = Vector256.Create g

                while e + 8 <= width do
                    let a = Vector256.Xor(keyv, ev * gv)
                    let a = Vector256.Xor(a, Vector256.ShiftRightLogical(a, 16))
                    let a = a * Vector256.Create 0x85EBCA6Bu
                    let a = Vector256.Xor(a, Vector256.ShiftRightLogical(a, 13))
                    let a = a * Vector256.Create 0xC2B2AE35u
                    let h = Vector256.Xor(a, Vector256.ShiftRightLogical(a, 16))
                    let dropped = Vector256.LessThan(h, tv).AsSingle()
                    let v = Vector256.Load(NativePtr.add ps (o + e))

                    let v =
                        if first then
                            v
                        else
                            Vector256.Max(v, Vector256<float32>.Zero)

                    Vector256.Store(Vector256.ConditionalSelect(dropped, Vector256<float32>.Zero, v * kv), NativePtr.add pd (o + e))
                    ev <- ev + step
                    e <- e + 8

            while e < width do
                let v = source.[o + e]
                let v = if first then v else MathF.Max(v, 0.0f)

                input.[o + e] <-
                    (if Dropout.hash key (offset + e) < threshold then
                         0.0f
                     else
                         v * keep)

                e <- e + 1

    let private forwardWith
        (keepMasks: bool)
        (threads: int)
        (ws: Workspace)
        (net: Network)
        (x: float32[])
        (rows: int)
        (rng: MaskRng option)
        (keys: uint32[])
        =
        let layers = net.Layers
        let rate = net.Architecture.DropoutRate
        let logKeepProbability = Math.Log(1.0 - rate)
        let keep = float32 (1.0 / (1.0 - rate))
        let threshold = Dropout.threshold rate
        let mutable offset = 0

        for i in 0 .. layers.Length - 1 do
            let l = layers.[i]
            let n = rows * l.Inputs
            let input = ws.Acts.[i]
            let source = if i = 0 then x else ws.Z.[i - 1]
            // the layer's input: x, or ReLU of the previous pre-activation; times the dropout scale, in one pass
            match rng with
            | _ when not (isNull keys) && rate > 0.0 -> dropoutKeyed keys threshold keep (i = 0) offset l.Inputs rows source input
            | Some r when rate > 0.0 ->
                dropoutInput r logKeepProbability keep (i = 0) keepMasks source input (if keepMasks then ws.Masks.[i] else null) n
            | _ ->
                if i = 0 then
                    Array.blit x 0 input 0 n
                else
                    for k in 0 .. n - 1 do
                        let v = source.[k]
                        input.[k] <- if v > 0.0f then v else 0.0f
            // z = bias (broadcast), then z += input · W
            let z = ws.Z.[i]

            for r in 0 .. rows - 1 do
                Array.blit l.Bias 0 z (r * l.Outputs) l.Outputs

            Gemm.multiply threads false false rows l.Outputs l.Inputs input l.Weights z true
            offset <- offset + l.Inputs

        ws.Z.[layers.Length - 1]

    /// Forward pass of `rows` inputs (rows × Inputs in x). With a generator, dropout is applied and its masks are
    /// kept in ws.Masks for backpropagation; without, it is off. Leaves pre-activations in ws.Z; returns the logits
    /// array (ws.Z of the last layer).
    let forward (threads: int) (ws: Workspace) (net: Network) (x: float32[]) (rows: int) (rng: MaskRng option) =
        forwardWith true threads ws net x rows rng null

    /// One Monte Carlo dropout pass for prediction: the same as `forward` with the generator (same masks, same
    /// logits) but the masks are not stored.
    let sample (threads: int) (ws: Workspace) (net: Network) (x: float32[]) (rows: int) (rng: MaskRng) =
        forwardWith false threads ws net x rows (Some rng) null

    /// One Monte Carlo dropout pass for prediction with counter-based masks: row r is dropped by Dropout.hash with
    /// key keys.[r] (see Dropout.passKey), so the pass does not depend on how rows are batched.
    let sampleKeyed (threads: int) (ws: Workspace) (net: Network) (x: float32[]) (rows: int) (keys: uint32[]) =
        forwardWith false threads ws net x rows None keys

    /// Row-wise softmax of rows × classes logits into `probs`, starting at row `firstRow` of `probs`: shifts by each
    /// row's maximum, one vectorised exp over the whole block, then each row scaled to sum 1 (per-row library calls on
    /// ~100 values cost more than the arithmetic).
    let softmaxInto (logits: float32[]) (rows: int) (classes: int) (probs: float32[]) (firstRow: int) =
        let q0 = firstRow * classes

        for r in 0 .. rows - 1 do
            let o = r * classes
            let q = q0 + o
            let mutable m = Single.NegativeInfinity

            for c in 0 .. classes - 1 do
                if logits.[o + c] > m then
                    m <- logits.[o + c]

            for c in 0 .. classes - 1 do
                probs.[q + c] <- logits.[o + c] - m

        let block = Span(probs, q0, rows * classes)
        TensorPrimitives.Exp(Span<float32>.op_Implicit block, block)

        for r in 0 .. rows - 1 do
            let q = q0 + r * classes
            let mutable sum = 0.0f

            for c in 0 .. classes - 1 do
                sum <- sum + probs.[q + c]

            let inv = 1.0f / sum

            for c in 0 .. classes - 1 do
                probs.[q + c] <- probs.[q + c] * inv

    /// Row-wise softmax of rows × classes logits into `probs`.
    let softmax (logits: float32[]) (rows: int) (classes: int) (probs: float32[]) = softmaxInto logits rows classes probs 0

    /// A fresh Adam state for a network.
    let adam (learningRate: float) (net: Network) =
        { LearningRate = learningRate
          Beta1 = 0.9
          Beta2 = 0.999
          Epsilon = 1e-7
          MW = net.Layers |> Array.map (fun l -> Array.zeroCreate l.Weights.Length)
          VW = net.Layers |> Array.map (fun l -> Array.zeroCreate l.Weights.Length)
          MB = net.Layers |> Array.map (fun l -> Array.zeroCreate l.Bias.Length)
          VB = net.Layers |> Array.map (fun l -> Array.zeroCreate l.Bias.Length)
          Step = 0 }

    /// Gradients of the mean softmax cross-entropy of a batch (forward with dropout, then backpropagation) into
    /// ws.GradW/GradB. Returns (summed loss, correct predictions).
    let gradients (threads: int) (ws: Workspace) (net: Network) (x: float32[]) (y: int[]) (rows: int) (rng: MaskRng option) =
        let layers = net.Layers
        let last = layers.Length - 1
        let classes = layers.[last].Outputs
        let logits = forward threads ws net x rows rng
        let delta = ws.Delta.[last]
        softmax logits rows classes delta
        let mutable loss = 0.0
        let mutable correct = 0
        let inv = 1.0f / float32 rows

        for r in 0 .. rows - 1 do
            let o = r * classes
            let p = delta.[o + y.[r]]
            loss <- loss - log (max (float p) 1e-30)
            let mutable best = 0

            for c in 1 .. classes - 1 do
                if delta.[o + c] > delta.[o + best] then
                    best <- c

            if best = y.[r] then
                correct <- correct + 1

            delta.[o + y.[r]] <- delta.[o + y.[r]] - 1.0f
            TensorPrimitives.Multiply(ReadOnlySpan(delta, o, classes), inv, Span(delta, o, classes))

        for i in last .. -1 .. 0 do
            let l = layers.[i]
            let d = ws.Delta.[i]
            // dW = actsᵀ · delta, db = column sums of delta
            Gemm.multiply threads true false l.Inputs l.Outputs rows ws.Acts.[i] d ws.GradW.[i] false
            let gb = ws.GradB.[i]
            Array.Clear gb

            for r in 0 .. rows - 1 do
                TensorPrimitives.Add(ReadOnlySpan(gb), ReadOnlySpan(d, r * l.Outputs, l.Outputs), Span(gb))

            if i > 0 then
                // d(input) = delta · Wᵀ; through dropout and the previous ReLU
                let da = ws.DActs.[i]
                Gemm.multiply threads false true rows l.Inputs l.Outputs d l.Weights da false
                let n = rows * l.Inputs
                let dPrev = ws.Delta.[i - 1]
                let zPrev = ws.Z.[i - 1]
                let useMask = rng.IsSome && net.Architecture.DropoutRate > 0.0
                let mask = ws.Masks.[i]

                for k in 0 .. n - 1 do
                    let g = if useMask then da.[k] * mask.[k] else da.[k]
                    dPrev.[k] <- if zPrev.[k] > 0.0f then g else 0.0f

        loss, correct

    /// One Adam update with the gradients in ws.
    let adamStep (opt: Adam) (ws: Workspace) (net: Network) =
        opt.Step <- opt.Step + 1
        let b1, b2 = opt.Beta1, opt.Beta2

        let lrT =
            opt.LearningRate * sqrt (1.0 - b2 ** float opt.Step)
            / (1.0 - b1 ** float opt.Step)

        let update (p: float32[]) (g: float32[]) (m: float32[]) (v: float32[]) =
            let fb1, fb2 = float32 b1, float32 b2
            let lr, eps = float32 lrT, float32 opt.Epsilon

            for k in 0 .. p.Length - 1 do
                let gk = g.[k]
                let mk = fb1 * m.[k] + (1.0f - fb1) * gk
                let vk = fb2 * v.[k] + (1.0f - fb2) * gk * gk
                m.[k] <- mk
                v.[k] <- vk
                p.[k] <- p.[k] - lr * mk / (sqrt vk + eps)

        for i in 0 .. net.Layers.Length - 1 do
            update net.Layers.[i].Weights ws.GradW.[i] opt.MW.[i] opt.VW.[i]
            update net.Layers.[i].Bias ws.GradB.[i] opt.MB.[i] opt.VB.[i]

    /// SHA-256 (hex) of every layer's weights and biases: the identity of a trained network, for resume checks.
    let weightsHash (net: Network) =
        use sha =
            Security.Cryptography.IncrementalHash.CreateHash(Security.Cryptography.HashAlgorithmName.SHA256)

        for l in net.Layers do
            sha.AppendData(Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan l.Weights))
            sha.AppendData(Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan l.Bias))

        Convert.ToHexString(sha.GetHashAndReset())

    /// Moves every weight and bias of `average` a fraction `weight` (0–1) of the way towards `net`'s:
    /// average ← average + weight·(net − average). One step of an exponential moving average of the weights.
    let moveAverage (average: Network) (net: Network) (weight: float32) =
        let blend (a: float32[]) (p: float32[]) =
            for k in 0 .. a.Length - 1 do
                a.[k] <- a.[k] + weight * (p.[k] - a.[k])

        for i in 0 .. net.Layers.Length - 1 do
            blend average.Layers.[i].Weights net.Layers.[i].Weights
            blend average.Layers.[i].Bias net.Layers.[i].Bias

    /// Deep copy (for keeping the best weights).
    let copy (net: Network) =
        { net with
            Layers =
                net.Layers
                |> Array.map (fun l ->
                    { l with
                        Weights = Array.copy l.Weights
                        Bias = Array.copy l.Bias }) }

    /// The network with `count` more output classes (new columns Glorot-uniform from `seed`, zero biases).
    let addClasses (seed: int) (count: int) (net: Network) =
        if count < 0 then
            invalidArg "count" (sprintf "cannot add %d classes" count)

        let rng = Random(seed)
        let last = net.Layers.[net.Layers.Length - 1]
        let outputs = last.Outputs + count
        let limit = sqrt (6.0 / float (last.Inputs + outputs))

        let weights =
            Array.init (last.Inputs * outputs) (fun k ->
                let i, j = k / outputs, k % outputs

                if j < last.Outputs then
                    last.Weights.[i * last.Outputs + j]
                else
                    float32 ((2.0 * rng.NextDouble() - 1.0) * limit))

        let copied = copy net

        copied.Layers.[copied.Layers.Length - 1] <-
            { last with
                Outputs = outputs
                Weights = weights
                Bias = Array.append last.Bias (Array.zeroCreate count) }

        { copied with
            Architecture =
                { net.Architecture with
                    Classes = net.Architecture.Classes + count } }
