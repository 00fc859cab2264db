namespace Arise.Soap

/// Everything the SOAP sums need that depends only on the parameters: build once, reuse for many structures.
type SoapCalculator =
    {
        Parameters: SoapParameters
        Basis: RadialBasis

        /// Spherical-harmonic constants.
        Harmonics: SphericalHarmonics.Tables

        /// Number of (l, m) components, (L+1)².
        LmCount: int
    }

/// quippy-compatible averaged SOAP (notes soap.md §2): Gaussian densities of neighbour atoms expanded in the
/// orthonormal radial basis and real spherical harmonics, summed over centres, power spectrum, unit norm.
module Soap =

    /// Prepares a calculator; Error names an invalid parameter.
    val create: p: SoapParameters -> Result<SoapCalculator, string>

    /// Smooth cutoff: 1 below r_c − w, ½[cos(π(r − r_c + w)/w) + 1] up to r_c, 0 beyond.
    val internal cutoffFunction: rc: float -> w: float -> r: float -> float

    /// The weight of a neighbour at distance r (already scaled): the cutoff function, doubled in half-pair mode (each
    /// unordered pair of like species once); 0 for coincident atoms, which are left out.
    val internal weight: calc: SoapCalculator -> half: bool -> r: float -> float

    /// The centres of species `centreZ` (all when None), in order.
    val internal centresOf: s: Arise.Structure.Structure -> centreZ: int option -> int array

    /// Calls `add dx dy dz r` for each neighbour of centre i of species `neighbourZ` (all when None) within the cutoff
    /// (vectors and r multiplied by `scale`; `cells` built on the unscaled structure), found into `buffer`: in
    /// half-pair mode only j > i, or i's own periodic images with a lexicographically positive offset.
    val internal neighboursOf:
        calc: SoapCalculator ->
        cells: Arise.Structure.CellList ->
        s: Arise.Structure.Structure ->
        buffer: Arise.Structure.NeighbourBuffer ->
        scale: float ->
        i: int ->
        half: bool ->
        neighbourZ: int option ->
        add: (float -> float -> float -> float -> unit) ->
            unit

    /// Profiling aid: runs the per-neighbour kernel over the given neighbour vectors (full pairs, one thread) and
    /// returns the seconds spent in (spherical harmonics, radial terms, accumulation).
    val internal profileKernel: calc: SoapCalculator -> vectors: Arise.Structure.Vec3 array -> float * float * float

    /// Summed expansion coefficients A[a·(L+1)² + lm] (before the radial transform) over centres of species
    /// `centreZ` (all when None), counting neighbours of species `neighbourZ` (all when None). Positions are
    /// multiplied by `scale` first (1/d_NN in ARISE); `cells` must be built on the unscaled structure.
    /// Uses up to `threads` threads; the sum is bit-identical for any number of threads. Returns the sum and the number
    /// of centres.
    val internal accumulate:
        calc: SoapCalculator ->
        threads: int ->
        cells: Arise.Structure.CellList ->
        s: Arise.Structure.Structure ->
        scale: float ->
        centreZ: int option ->
        neighbourZ: int option ->
            float array * int

    /// Summed coefficients A[a·(L+1)² + lm] of one centre whose neighbours sit at the given vectors
    /// (only those closer than the cutoff count).
    val internal accumulateVectors: calc: SoapCalculator -> vectors: Arise.Structure.Vec3 array -> float array

    /// Orthonormal-basis coefficients C[b·(L+1)² + lm] = Σ_a T[a, b] A[a, lm] (real spherical harmonics).
    val internal transform: calc: SoapCalculator -> acc: float array -> float array

    /// The normalised power spectrum of summed coefficients A (from `accumulate`) over `centres` centres:
    /// ordering a ≥ b, then l fastest; √2 for a ≠ b; 1/√(2l+1); unit norm; last element 0.
    val powerSpectrum: calc: SoapCalculator -> acc: float array -> centres: int -> float array

    /// Averaged SOAP of a structure as it is (no d_NN scaling): centres of species `centreZ`, density of species
    /// `neighbourZ` (None = all).
    val compute: calc: SoapCalculator -> centreZ: int option -> neighbourZ: int option -> s: Arise.Structure.Structure -> float array
