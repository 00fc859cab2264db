namespace Arise.Soap

open System
open Arise.Structure

/// How the ARISE descriptor of a structure is computed.
type DescriptorOptions =
    { /// SOAP parameters in units of d_NN (the structure is divided by extrinsic scale × d_NN per species pair).
      Soap: SoapParameters
      /// How d_NN is estimated (ARISE's histogram rule by default: what the embedded model was trained with).
      Dnn: DnnMethod
      /// Extrinsic scaling factor (paper: 0.95, 1.0, 1.05): the structure is divided by this × d_NN.
      ExtrinsicScale: float
      /// Threads for the SOAP sums (default: all cores).
      Threads: int }

/// The descriptor of one structure and the per-pair d_NN used.
type Descriptor =
    { /// Mean over ordered species pairs of unit-norm SOAP vectors (316 components for ARISE's settings).
      Vector: float[]
      /// d_NN (same unit as the positions, Å usually) per ordered species pair (Z, Z′); None for pairs with a
      /// zero vector (a lone atom of a species in a finite structure).
      PairDnn: ((int * int) * float option) list }

/// The ARISE descriptor (paper S1.1–S1.2; notes soap.md §1.2): per ordered species pair (α, β), scale by that
/// pair's d_NN, SOAP of β atoms seen from α centres; then the plain mean over pairs.
module AriseDescriptor =
    /// The training set's R_C grid (in d_NN): 3.0 to 5.0 in steps of 0.2.
    let trainingCutoffs = [ for k in 0 .. 10 -> Math.Round(3.0 + 0.2 * float k, 10) ]
    /// The training set's σ values (in d_NN).
    let trainingSigmas = [ 0.08; 0.1; 0.12 ]
    /// The training set's extrinsic scaling factors.
    let trainingExtrinsicScales = [ 0.95; 1.0; 1.05 ]

    /// ARISE's defaults: R_C = 4 d_NN, σ = 0.1 d_NN, n_max 9, l_max 6, histogram d_NN, extrinsic scale 1.
    let defaults =
        { Soap = SoapParameters.arise
          Dnn = DnnMethod.AriseHistogram
          ExtrinsicScale = 1.0
          Threads = Environment.ProcessorCount }

    /// Computes the descriptor with a prepared calculator. Error when a d_NN cannot be found or the structure is empty.
    let computeWith (calc: SoapCalculator) (options: DescriptorOptions) (s: Structure) : Result<Descriptor, string> =
        if Structure.count s = 0 then Error "the structure has no atoms"
        elif not (options.ExtrinsicScale > 0.0 && Double.IsFinite options.ExtrinsicScale) then
            Error(sprintf "extrinsic scale must be > 0 (got %g)" options.ExtrinsicScale)
        else
            let species = Structure.species s
            let counts = Structure.speciesCounts s |> Map.ofArray
            let cells = CellList.build s
            let dim = SoapParameters.dimension calc.Parameters
            let pairs = [ for a in species do for b in species -> a, b ]
            let results =
                pairs
                |> List.map (fun (za, zb) ->
                    if za = zb && counts.[za] <= 1 && not (Pbc.isFull s.Pbc) then Ok((za, zb), None, Array.zeroCreate dim)
                    else
                        match NearestNeighbour.dnnBetween options.Dnn (Some za) (Some zb) s with
                        | Error e -> Error e
                        | Ok d ->
                            let scale = 1.0 / (options.ExtrinsicScale * d)
                            let acc, centres = Soap.accumulate calc options.Threads cells s scale (Some za) (Some zb)
                            Ok((za, zb), Some d, Soap.powerSpectrum calc acc centres))
            match results |> List.tryPick (function Error e -> Some e | Ok _ -> None) with
            | Some e -> Error e
            | None ->
                let oks = results |> List.choose (function Ok x -> Some x | Error _ -> None)
                let mean = Array.zeroCreate dim
                for (_, _, v) in oks do
                    for k in 0 .. dim - 1 do
                        mean.[k] <- mean.[k] + v.[k]
                let n = float oks.Length
                for k in 0 .. dim - 1 do
                    mean.[k] <- mean.[k] / n
                Ok
                    { Vector = mean
                      PairDnn = oks |> List.map (fun (pair, d, _) -> pair, d) }

    /// Computes the descriptor (builds the calculator from options.Soap).
    let compute (options: DescriptorOptions) (s: Structure) : Result<Descriptor, string> =
        Soap.create options.Soap |> Result.bind (fun calc -> computeWith calc options s)
