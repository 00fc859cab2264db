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

/// Where the box positions lie along a scanned axis.
[<RequireQualifiedAccess>]
type GridLayout =

    /// Every box inside the sample: centres from lo + box/2 to hi − box/2 in steps of the stride.
    | Inside

    /// The reference implementation's (ai4materials' get_boxes_from_xyz as ARISE's calc_local calls it): the extent
    /// padded by one box on both sides of every scanned axis longer than the box, ⌊(extent + 2·pad)/stride⌋ + 1
    /// centres spaced by the stride and centred on the sample's midpoint; boxes reaching past the sample included.
    | Reference

/// Box and stride (edge lengths per Cartesian axis, in the sample's length unit) and the minimum atom count.
type SpmSettings =
    {
        Mode: SpmMode

        /// Box edge along x, y, z (for the spanning axes of slab/rod mode this is replaced by the sample extent).
        Box: float
        Stride: float

        /// Boxes with fewer atoms are marked empty, not classified.
        MinAtoms: int

        /// Where the boxes lie (the paper's Fig. 2 grid: Reference with MinAtoms 51, i.e. more than 50 atoms).
        Layout: GridLayout
    }

/// Why no grid can be laid over a sample. ToString words it with the settings' own names (box, stride);
/// `Describe name` lets a caller name them its way (the command line: --box, --stride).
type GridError =

    /// The box edge is not a finite length > 0.
    | BadBox of box: float

    /// The stride is not a finite length > 0.
    | BadStride of stride: float

    /// The sample has no atoms.
    | EmptySample

    /// Atom `atom` (1-based) lies `distance` from the other atoms' extent: with it the grid has `boxes` boxes,
    /// without the outermost 0.1 % of the atoms per side `withoutOutliers`.
    | StrayAtom of atom: int * distance: float * boxes: float * withoutOutliers: float

    /// More boxes than a run allows (`limit`): the count, per axis, for a sample of `extent` (x, y, z) at `stride`.
    | TooManyBoxes of boxes: float * perAxis: float array * extent: float array * stride: float * limit: int

    /// The reason in words, each setting called `name setting` ("box", "stride").
    member Describe: name: (string -> string) -> string

    /// The reason in words, naming the settings "box" and "stride".
    override ToString: unit -> string

/// What a grid did that the user may not expect (the wording as for GridError).
type GridWarning =

    /// A bulk scan of a sample only `thickness` thick along `axis`: slab mode suits it better.
    | ThinForBulk of thickness: float * axis: char

    /// The box is smaller than the stride: atoms between boxes get no label.
    | BoxBelowStride of box: float * stride: float

    /// The box is longer than the sample along `axis`: one centred position there.
    | BoxBeyondSample of box: float * axis: char * extent: float

    /// The warning in words, each setting called `name setting` ("mode").
    member Describe: name: (string -> string) -> string

    /// The warning in words.
    override ToString: unit -> string

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

    /// Number of boxes.
    member Count: int

/// Building grids.
module SpmGrid =

    /// Defaults: box 16 Å, stride 1 Å, slab mode, at least 10 atoms per box, every box inside the sample.
    val defaults: SpmSettings

    /// Centre of box (i, j, k).
    val centre: g: SpmGrid -> i: int -> j: int -> k: int -> Arise.Structure.Vec3

    /// Flat index of box (i, j, k), x slowest.
    val index: g: SpmGrid -> i: int -> j: int -> k: int -> int

    /// The most boxes one SPM run may have: 2 million (the FePt nanoparticle at stride 1 Å has about 380,000).
    val maxBoxes: int

    /// The grid over a sample. Along each scanned axis the centres run from lo + box/2 to hi − box/2 in steps of
    /// the stride (GridLayout.Inside; an axis shorter than the box gets one centred position, reported in the
    /// warnings), or as the reference implementation lays them (GridLayout.Reference). Error for
    /// a non-positive box or stride, an empty sample, or more than maxBoxes boxes.
    val create: settings: SpmSettings -> s: Arise.Structure.Structure -> Result<(SpmGrid * GridWarning list), GridError>

    /// The value at index `k` of `values` sorted ascending (finite values), in expected linear time; reorders `values`.
    val internal selectInPlace: values: float array -> k: int -> float

    /// The grid create lays over a sample of `count` atoms within `lo` .. `hi` (its bounds), without the check for a stray
    /// atom (which needs every position): for a sample streamed in parts.
    val createFromBounds:
        settings: SpmSettings ->
        lo: Arise.Structure.Vec3 ->
        hi: Arise.Structure.Vec3 ->
        count: int ->
            Result<(SpmGrid * GridWarning list), GridError>

    /// The flat indices of the boxes in the reference implementation's order (z outermost, x fastest), for comparing
    /// box by box with its outputs; `index` is x slowest.
    val referenceOrder: g: SpmGrid -> int array

    /// Atoms inside the box at `centre` (half-open along each axis), found through the cell list: their indices
    /// (ascending) and positions relative to the centre (periodic images included for periodic samples: an atom seen
    /// twice, in a box wider than a lattice vector, once an image, those by lattice offset). The order does not depend on
    /// the cell list's bins, so a part of the sample gives the whole's box bit for bit.
    val atomsInBox:
        cells: Arise.Structure.CellList ->
        g: SpmGrid ->
        centre: Arise.Structure.Vec3 ->
        buffer: Arise.Structure.NeighbourBuffer ->
            int array * Arise.Structure.Vec3 array
