namespace Arise.Model

/// Layer sizes and dropout of a multilayer perceptron classifier.
type Architecture =
    {
        Inputs: int
        Hidden: int array
        Classes: int

        /// Dropout rate on the input and after every hidden layer (ARISE: 0.0317), also active at prediction (MC dropout).
        DropoutRate: float
    }

/// A dense layer y = x·W + b; W is Inputs × Outputs, row-major.
type DenseLayer =
    { Inputs: int
      Outputs: int
      Weights: float32 array
      Bias: float32 array }

/// A multilayer perceptron: dense layers with ReLU between them and softmax at the end.
type Network =
    { Architecture: Architecture
      Layers: DenseLayer array }

/// Counter-based dropout masks for Monte Carlo prediction: whether an element is dropped is a hash of (seed, input,
/// pass, element), so that every engine, batching and thread count drops the same elements.
module Dropout =

    /// murmur3's 32-bit finaliser.
    val mix: h: uint32 -> uint32

    /// The key of pass `pass` (0-based) over input `input` (0-based row of the call) under `seed`.
    val passKey: seed: int -> input: int -> pass: int -> uint32

    /// An element is dropped when its hash is below this: rate × 2³², clamped.
    val threshold: rate: float -> uint32

    /// The hash of element `element` (numbered across the layers' inputs: the first layer's inputs are 0 … n₀−1, the
    /// second's follow) in the pass with key `key`; the element is dropped when it is below `threshold`.
    val hash: key: uint32 -> element: int -> uint32

/// A fast seeded generator for dropout masks (xorshift64*), one per thread.
type internal MaskRng =

    new: seed: int64 -> MaskRng

    /// Next 64 random bits.
    member Next64: unit -> uint64

/// Buffers for forward and backward passes of up to `capacity` rows.
type internal Workspace =

    new: net: Network * capacity: int -> Workspace

    /// Input of each layer after dropout (layer i reads Acts[i]).
    member Acts: float32 array array

    /// Gradients of the loss with respect to each layer's input (backpropagation).
    member DActs: float32 array array

    /// Gradients of the loss with respect to each layer's pre-activations.
    member Delta: float32 array array

    /// Bias gradients of each layer.
    member GradB: float32 array array

    /// Weight gradients of each layer.
    member GradW: float32 array array

    /// Dropout scale (0 or 1/(1−p)) applied to each layer's input; allocated when training first asks for it
    /// (Monte Carlo passes do not keep masks).
    member Masks: float32 array array

    /// Pre-activation output of each layer.
    member Z: float32 array array

/// Adam optimiser state.
type internal Adam =
    { LearningRate: float
      Beta1: float
      Beta2: float
      Epsilon: float
      MW: float32 array array
      VW: float32 array array
      MB: float32 array array
      VB: float32 array array
      mutable Step: int }

/// Creating, running and training networks.
module Network =

    /// ARISE's network: 316 → 256 → 512 → 256 → classes, dropout 3.17 %.
    val ariseArchitecture: classes: int -> Architecture

    /// A network with Glorot-uniform weights and zero biases, from a seed.
    val create: seed: int -> a: Architecture -> Network

    /// Number of trainable parameters.
    val parameterCount: net: Network -> int

    /// Forward pass of `rows` inputs (rows × Inputs in x). With a generator, dropout is applied and its masks are
    /// kept in ws.Masks for backpropagation; without, it is off. Leaves pre-activations in ws.Z; returns the logits
    /// array (ws.Z of the last layer).
    val internal forward:
        threads: int -> ws: Workspace -> net: Network -> x: float32 array -> rows: int -> rng: MaskRng option -> float32 array

    /// One Monte Carlo dropout pass for prediction: the same as `forward` with the generator (same masks, same
    /// logits) but the masks are not stored.
    val internal sample: threads: int -> ws: Workspace -> net: Network -> x: float32 array -> rows: int -> rng: MaskRng -> float32 array

    /// One Monte Carlo dropout pass for prediction with counter-based masks: row r is dropped by Dropout.hash with
    /// key keys.[r] (see Dropout.passKey), so the pass does not depend on how rows are batched.
    val internal sampleKeyed:
        threads: int -> ws: Workspace -> net: Network -> x: float32 array -> rows: int -> keys: uint32 array -> float32 array

    /// Row-wise softmax of rows × classes logits into `probs`, starting at row `firstRow` of `probs`: shifts by each
    /// row's maximum, one vectorised exp over the whole block, then each row scaled to sum 1 (per-row library calls on
    /// ~100 values cost more than the arithmetic).
    val internal softmaxInto: logits: float32 array -> rows: int -> classes: int -> probs: float32 array -> firstRow: int -> unit

    /// Row-wise softmax of rows × classes logits into `probs`.
    val softmax: logits: float32 array -> rows: int -> classes: int -> probs: float32 array -> unit

    /// A fresh Adam state for a network.
    val internal adam: learningRate: float -> net: Network -> Adam

    /// Gradients of the mean softmax cross-entropy of a batch (forward with dropout, then backpropagation) into
    /// ws.GradW/GradB. Returns (summed loss, correct predictions).
    val internal gradients:
        threads: int -> ws: Workspace -> net: Network -> x: float32 array -> y: int array -> rows: int -> rng: MaskRng option -> float * int

    /// One Adam update with the gradients in ws.
    val internal adamStep: opt: Adam -> ws: Workspace -> net: Network -> unit

    /// SHA-256 (hex) of every layer's weights and biases: the identity of a trained network, for resume checks.
    val weightsHash: net: Network -> string

    /// Moves every weight and bias of `average` a fraction `weight` (0–1) of the way towards `net`'s:
    /// average ← average + weight·(net − average). One step of an exponential moving average of the weights.
    val moveAverage: average: Network -> net: Network -> weight: float32 -> unit

    /// Deep copy (for keeping the best weights).
    val copy: net: Network -> Network

    /// The network with `count` more classes: every layer copied, the output layer widened by `count` columns drawn
    /// as `create` draws them (Glorot-uniform from `seed`, zero biases). The old classes keep their indices and
    /// weights, so the widened network ranks them as before until it is trained further (`arise train --from`).
    val addClasses: seed: int -> count: int -> net: Network -> Network
