namespace Arise.Spm

/// How the box moves over the sample.
[<RequireQualifiedAccess>]
type SpmMode =

    /// In-plane over a slab; the box spans the whole thickness (the thinnest axis of the sample).
    | Slab

    /// Over a 3D grid.
    | Bulk

    /// Along the longest axis only; the box spans the other two.
    | Rod

/// Box and stride (edge lengths per Cartesian axis, in the sample's length unit) and the minimum atom count.
type SpmSettings =
    {
        Mode: SpmMode

        /// Box edge along x, y, z (for the spanning axes of slab/rod mode this is replaced by the sample extent).
        Box: float
        Stride: float

        /// Boxes with fewer atoms are marked empty, not classified.
        MinAtoms: int
    }

/// The regular grid of box centres over a sample.
type SpmGrid =
    {
        Mode: SpmMode

        /// Number of box positions along x, y, z.
        Shape: int * int * int

        /// Centre of the first box.
        Origin: Arise.Structure.Vec3

        /// Step between neighbouring centres along x, y, z (0 for an axis with a single position).
        Step: Arise.Structure.Vec3

        /// Box edge along x, y, z.
        Edge: Arise.Structure.Vec3
    }

    member Count: int

/// Building grids.
module SpmGrid =

    /// Paper defaults: box 16 Å, stride 1 Å, slab mode, at least 10 atoms per box.
    val defaults: SpmSettings

    /// Centre of box (i, j, k).
    val centre: g: SpmGrid -> i: int -> j: int -> k: int -> Arise.Structure.Vec3

    /// Flat index of box (i, j, k), x slowest.
    val index: g: SpmGrid -> i: int -> j: int -> k: int -> int

    /// The most boxes one SPM run may have: 2 million (the FePt nanoparticle at stride 1 Å has about 380,000).
    val maxBoxes: int

    /// The grid over a sample. Along each scanned axis the centres run from lo + box/2 to hi − box/2 in steps of
    /// the stride; an axis shorter than the box gets one centred position (reported in the warnings). Error for
    /// a non-positive box or stride, an empty sample, or more than maxBoxes boxes.
    val create: settings: SpmSettings -> s: Arise.Structure.Structure -> Result<(SpmGrid * string list), string>

    /// Atoms inside the box at `centre` (half-open along each axis), found through the cell list: their indices
    /// and positions relative to the centre (periodic images included for periodic samples).
    val atomsInBox:
        cells: Arise.Structure.CellList ->
        g: SpmGrid ->
        centre: Arise.Structure.Vec3 ->
        buffer: Arise.Structure.NeighbourBuffer ->
            int array * Arise.Structure.Vec3 array
