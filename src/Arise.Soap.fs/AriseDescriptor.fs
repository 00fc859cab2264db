namespace Arise.Soap

open System
open Arise.Structure

/// How the ARISE descriptor of a structure is computed.
type DescriptorOptions =
    {
        /// SOAP parameters in units of d_NN (the structure is divided by extrinsic scale × d_NN per species pair).
        Soap: SoapParameters
        /// How d_NN is estimated (ARISE's histogram rule by default: what the embedded model was trained with).
        Dnn: DnnMethod
        /// Extrinsic scaling factor (paper: 0.95, 1.0, 1.05): the structure is divided by this × d_NN.
        ExtrinsicScale: float
        /// Threads for the SOAP sums (default: all cores).
        Threads: int
    }

/// The descriptor of one structure and the per-pair d_NN used.
type Descriptor =
    {
        /// Mean over ordered species pairs of unit-norm SOAP vectors (316 components for ARISE's settings).
        Vector: float[]
        /// d_NN (same unit as the positions, Å usually) per ordered species pair (Z, Z′); None for pairs with a
        /// zero vector (a lone atom of a species in a finite structure).
        PairDnn: ((int * int) * float option) list
    }

/// The ARISE descriptor (paper S1.1–S1.2; notes soap.md §1.2): per ordered species pair (α, β), scale by that
/// pair's d_NN, SOAP of β atoms seen from α centres; then the plain mean over pairs.
module AriseDescriptor =
    /// The training set's R_C grid (in d_NN): 3.0 to 5.0 in steps of 0.2.
    let trainingCutoffs = [ for k in 0..10 -> Math.Round(3.0 + 0.2 * float k, 10) ]
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

    /// d_NN for every ordered species pair, or None for a pair that gets the zero vector (a lone atom of a species
    /// in a structure that is not fully periodic), with the cell list `cells` of `s`. Error when some d_NN cannot be
    /// found.
    let pairDnnsWith (cells: CellList) (method: DnnMethod) (s: Structure) : Result<((int * int) * float option) list, string> =
        if Structure.count s = 0 then
            Error "the structure has no atoms"
        else
            let species = Structure.species s
            let counts = Structure.speciesCounts s |> Map.ofArray

            let results =
                [ for za in species do
                      for zb in species do
                          if za = zb && counts.[za] <= 1 && not (Pbc.isFull s.Pbc) then
                              yield Ok((za, zb), None)
                          else
                              yield
                                  NearestNeighbour.dnnBetweenWith cells method (Some za) (Some zb) s
                                  |> Result.map (fun d -> (za, zb), Some d) ]

            match
                results
                |> List.tryPick (function
                    | Error e -> Some e
                    | Ok _ -> None)
            with
            | Some e -> Error e
            | None ->
                Ok(
                    results
                    |> List.choose (function
                        | Ok x -> Some x
                        | Error _ -> None)
                )

    /// d_NN for every ordered species pair (see pairDnnsWith).
    let pairDnns (method: DnnMethod) (s: Structure) =
        pairDnnsWith (CellList.build s) method s

    /// The descriptor from the species pairs' SOAP vectors (each `dim` long, in the order of `dnns`): their mean.
    let ofPairs (dim: int) (dnns: ((int * int) * float option) list) (vectors: float[] list) =
        let mean = Array.zeroCreate dim

        for v in vectors do
            for k in 0 .. dim - 1 do
                mean.[k] <- mean.[k] + v.[k]

        let n = float vectors.Length

        for k in 0 .. dim - 1 do
            mean.[k] <- mean.[k] / n

        { Vector = mean; PairDnn = dnns }

    /// The descriptor from known per-pair d_NN (from `pairDnns`) and a cell list of the unscaled structure: lets
    /// many SOAP settings share one d_NN search.
    let fromDnns
        (calc: SoapCalculator)
        (threads: int)
        (extrinsicScale: float)
        (cells: CellList)
        (s: Structure)
        (dnns: ((int * int) * float option) list)
        : Descriptor =
        let dim = SoapParameters.dimension calc.Parameters

        let vectors =
            dnns
            |> List.map (fun ((za, zb), d) ->
                match d with
                | None -> Array.zeroCreate dim
                | Some d ->
                    let acc, centres =
                        Soap.accumulate calc threads cells s (1.0 / (extrinsicScale * d)) (Some za) (Some zb)

                    Soap.powerSpectrum calc acc centres)

        ofPairs dim dnns vectors

    /// Computes the descriptor with a prepared calculator. Error when a d_NN cannot be found or the structure is empty.
    let computeWith (calc: SoapCalculator) (options: DescriptorOptions) (s: Structure) : Result<Descriptor, string> =
        if not (options.ExtrinsicScale > 0.0 && Double.IsFinite options.ExtrinsicScale) then
            Error(sprintf "extrinsic scale must be > 0 (got %g)" options.ExtrinsicScale)
        else
            let cells = CellList.build s

            pairDnnsWith cells options.Dnn s
            |> Result.map (fun dnns -> fromDnns calc options.Threads options.ExtrinsicScale cells s dnns)

    /// Computes the descriptor (builds the calculator from options.Soap).
    let compute (options: DescriptorOptions) (s: Structure) : Result<Descriptor, string> =
        Soap.create options.Soap |> Result.bind (fun calc -> computeWith calc options s)
