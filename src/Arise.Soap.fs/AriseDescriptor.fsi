namespace Arise.Soap

/// How the ARISE descriptor of a structure is computed.
type DescriptorOptions =
    {

        /// SOAP parameters in units of d_NN (the structure is divided by extrinsic scale × d_NN per species pair).
        Soap: SoapParameters

        /// How d_NN is estimated (ARISE's histogram rule by default: what the embedded model was trained with).
        Dnn: Arise.Structure.DnnMethod

        /// Extrinsic scaling factor (paper: 0.95, 1.0, 1.05): the structure is divided by this × d_NN.
        ExtrinsicScale: float

        /// Threads for the SOAP sums (default: all cores).
        Threads: int
    }

/// The descriptor of one structure and the per-pair d_NN used.
type Descriptor =
    {

        /// Mean over ordered species pairs of unit-norm SOAP vectors (316 components for ARISE's settings).
        Vector: float array

        /// d_NN (same unit as the positions, Å usually) per ordered species pair (Z, Z′); None for pairs with a
        /// zero vector (a lone atom of a species in a finite structure).
        PairDnn: ((int * int) * float option) list
    }

/// The ARISE descriptor (paper S1.1–S1.2; notes soap.md §1.2): per ordered species pair (α, β), scale by that
/// pair's d_NN, SOAP of β atoms seen from α centres; then the plain mean over pairs.
module AriseDescriptor =

    /// The training set's R_C grid (in d_NN): 3.0 to 5.0 in steps of 0.2.
    val trainingCutoffs: float list

    /// The training set's σ values (in d_NN).
    val trainingSigmas: float list

    /// The training set's extrinsic scaling factors.
    val trainingExtrinsicScales: float list

    /// ARISE's defaults: R_C = 4 d_NN, σ = 0.1 d_NN, n_max 9, l_max 6, histogram d_NN, extrinsic scale 1.
    val defaults: DescriptorOptions

    /// d_NN for every ordered species pair, or None for a pair that gets the zero vector (a lone atom of a species
    /// in a structure that is not fully periodic), with the cell list `cells` of `s`. Error when some d_NN cannot be
    /// found.
    val pairDnnsWith:
        cells: Arise.Structure.CellList ->
        method: Arise.Structure.DnnMethod ->
        s: Arise.Structure.Structure ->
            Result<((int * int) * float option) list, string>

    /// d_NN for every ordered species pair (see pairDnnsWith).
    val pairDnns: method: Arise.Structure.DnnMethod -> s: Arise.Structure.Structure -> Result<((int * int) * float option) list, string>

    /// The descriptor from the species pairs' SOAP vectors (each `dim` long, in the order of `dnns`): their mean.
    val internal ofPairs: dim: int -> dnns: ((int * int) * float option) list -> vectors: float array list -> Descriptor

    /// The descriptor from known per-pair d_NN (from `pairDnns`) and a cell list of the unscaled structure: lets
    /// many SOAP settings share one d_NN search.
    val fromDnns:
        calc: SoapCalculator ->
        threads: int ->
        extrinsicScale: float ->
        cells: Arise.Structure.CellList ->
        s: Arise.Structure.Structure ->
        dnns: ((int * int) * float option) list ->
            Descriptor

    /// Computes the descriptor with a prepared calculator. Error when a d_NN cannot be found or the structure is empty.
    val computeWith: calc: SoapCalculator -> options: DescriptorOptions -> s: Arise.Structure.Structure -> Result<Descriptor, string>

    /// Computes the descriptor (builds the calculator from options.Soap).
    val compute: options: DescriptorOptions -> s: Arise.Structure.Structure -> Result<Descriptor, string>
