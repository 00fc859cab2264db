namespace Arise.Structure

/// Reusable output of a neighbour query: inParallel arrays, valid up to Count. Allocate one per thread.
type NeighbourBuffer =

    new: unit -> NeighbourBuffer

    new: capacity: int -> NeighbourBuffer

    /// Grows the arrays to hold at least n neighbours, keeping the first Count entries.
    member Reserve: n: int -> unit

    /// Number of neighbours found by the last query.
    member Count: int with get, set

    /// Vector from the query point to the neighbour (x, y, z components), in the structure's units.
    member Dx: float array with get, set

    /// y components of the vectors (see Dx).
    member Dy: float array with get, set

    /// z components of the vectors (see Dx).
    member Dz: float array with get, set

    /// Original atom index of each neighbour.
    member Index: int array with get, set

    /// Periodic image of the neighbour, as integer lattice offsets (3 per neighbour) relative to the
    /// original (unwrapped) positions: neighbour = positions[j] + offset·cell.
    member Offset: int array with get, set

    /// Squared distance.
    member R2: float array with get, set

/// A cell list (linked-cell binning) over a structure, periodic or not, orthogonal or triclinic.
/// Build once (O(N)), then query neighbours of any point within any cutoff; periodic images beyond the
/// nearest are found when the cutoff exceeds the cell.
type CellList =
    private
        {
            Frame: Cell
            Recip: Cell

            /// with some axes periodic and some open: the reciprocal of the structure's cell, which gives the
            /// fractional coordinates along the periodic axes (origin 0)
            WrapRecip: Cell option
            Origin: Vec3
            Periodic: bool array
            Bins: int array

            /// bin widths measured normal to the lattice planes
            Widths: float array
            BinStart: int array
            Xs: float array
            Ys: float array
            Zs: float array
            Sorted: int array
            Wrap: int array
            WrapOf: int array
        }

    /// Number of atoms binned.
    member Count: int

/// Building and querying cell lists.
module CellList =

    /// Builds the cell list of a structure with about `atomsPerBin` atoms per bin (default choice: 3).
    val buildWith: atomsPerBin: float -> s: Structure -> CellList

    /// Builds the cell list of a structure (about 2 atoms per bin).
    val build: s: Structure -> CellList

    /// Finds all atoms within `cutoff` (strictly less) of point p, writing them into `buffer`
    /// (Count is reset). `self` is an atom index to leave out at zero offset (the centre itself), or -1.
    /// `selfWrap` not needed: the centre's own wrapping is computed here.
    val queryPoint: cl: CellList -> p: Vec3 -> cutoff: float -> self: int -> buffer: NeighbourBuffer -> unit

    /// Finds the neighbours of atom i (its own periodic images included, itself excluded) within `cutoff`.
    val queryAtom: cl: CellList -> s: Structure -> i: int -> cutoff: float -> buffer: NeighbourBuffer -> unit

    /// Number of neighbour pairs (i, j, image) with distance below cutoff, counted from every atom.
    val countPairs: cl: CellList -> s: Structure -> cutoff: float -> inParallel: bool -> int64
