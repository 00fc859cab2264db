namespace Arise.Spm

open System
open Arise.Structure

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
        /// Where the boxes lie.
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
    | TooManyBoxes of boxes: float * perAxis: float[] * extent: float[] * stride: float * limit: int

    member e.Describe(name: string -> string) =
        let g4 (x: float) =
            x.ToString("g4", Globalization.CultureInfo.InvariantCulture)

        match e with
        | BadBox b -> sprintf "%s must be > 0 (got %g)" (name "box") b
        | BadStride s -> sprintf "%s must be > 0 (got %g)" (name "stride") s
        | EmptySample -> "the sample has no atoms"
        | StrayAtom(i, d, total, robust) ->
            sprintf
                "atom %d lies %.4g from the other atoms' extent: with it the grid has %.0f boxes, without the outermost 0.1 %% \
                 (at least one) atoms per side %.0f; remove the stray atom or check the coordinates (units)"
                i
                d
                total
                robust
        | TooManyBoxes(total, perAxis, axes, stride, limit) ->
            sprintf
                "%s boxes (%s along x, y, z, for a sample spanning %.4g × %.4g × %.4g with stride %g): more than the %d a run \
                 allows; use a larger %s, or check for atoms far from the rest (wrong units or a stray atom)"
                (if Double.IsFinite total then
                     g4 total
                 else
                     "infinitely many")
                (String.Join(" × ", perAxis |> Array.map g4))
                axes.[0]
                axes.[1]
                axes.[2]
                stride
                limit
                (name "stride")

    override e.ToString() = e.Describe id

/// What a grid did that the user may not expect (the wording as for GridError).
type GridWarning =
    /// A bulk scan of a sample only `thickness` thick along `axis`: slab mode suits it better.
    | ThinForBulk of thickness: float * axis: char
    /// The box is smaller than the stride: atoms between boxes get no label.
    | BoxBelowStride of box: float * stride: float
    /// The box is longer than the sample along `axis`: one centred position there.
    | BoxBeyondSample of box: float * axis: char * extent: float

    member w.Describe(name: string -> string) =
        match w with
        | ThinForBulk(t, axis) ->
            sprintf "the sample is only %.3g thick along %c: a 2D sample is better scanned with %s slab" t axis (name "mode")
        | BoxBelowStride(b, s) -> sprintf "the box (%g) is smaller than the stride (%g): atoms between boxes get no label" b s
        | BoxBeyondSample(b, axis, extent) ->
            sprintf "the box (%g) is larger than the sample along %c (%.3g): one centred position" b axis extent

    override w.ToString() = w.Describe id

/// The regular grid of box centres over a sample.
type SpmGrid =
    {
        Mode: SpmMode
        /// Number of box positions along x, y, z.
        Shape: int * int * int
        /// Centre of the first box.
        Origin: Vec3
        /// Step between neighbouring centres along x, y, z (0 for an axis with a single position).
        Step: Vec3
        /// Box edge along x, y, z.
        Edge: Vec3
    }

    member g.Count = let nx, ny, nz = g.Shape in nx * ny * nz

/// Building grids.
module SpmGrid =
    /// Defaults: box 16 Å, stride 1 Å, slab mode, at least 10 atoms per box, every box inside the sample.
    let defaults =
        { Mode = SpmMode.Slab
          Box = 16.0
          Stride = 1.0
          MinAtoms = 10
          Layout = GridLayout.Inside }

    /// Centre of box (i, j, k).
    let centre (g: SpmGrid) (i: int) (j: int) (k: int) =
        g.Origin
        + Vec3.make (float i * g.Step.X) (float j * g.Step.Y) (float k * g.Step.Z)

    /// Flat index of box (i, j, k), x slowest.
    let index (g: SpmGrid) i j k =
        let _, ny, nz = g.Shape in (i * ny + j) * nz + k

    /// The most boxes one SPM run may have: 2 million (the FePt nanoparticle at stride 1 Å has about 380,000).
    let maxBoxes = 2_000_000

    /// The value at index k of `values` sorted ascending (finite values), found by selection (Hoare's partition around
    /// a median of three, expected linear time); `values` is reordered.
    let internal selectInPlace (values: float[]) (k: int) =
        let mutable lo = 0
        let mutable hi = values.Length - 1

        while lo < hi do
            let a, b, c = values.[lo], values.[(lo + hi) / 2], values.[hi]
            let pivot = max (min a b) (min (max a b) c)
            let mutable i = lo
            let mutable j = hi

            while i <= j do
                while values.[i] < pivot do
                    i <- i + 1

                while values.[j] > pivot do
                    j <- j - 1

                if i <= j then
                    let t = values.[i]
                    values.[i] <- values.[j]
                    values.[j] <- t
                    i <- i + 1
                    j <- j - 1

            // values[lo .. j] <= pivot <= values[i .. hi]; between them, values equal to the pivot
            if k <= j then hi <- j
            elif k >= i then lo <- i
            else lo <- hi

        values.[k]

    /// The grid over the sample of `count` atoms within lo .. hi; the stray-atom check when `points` are given.
    let private over (settings: SpmSettings) (lo: Vec3) (hi: Vec3) (count: int) (points: Vec3[] option) =
        if not (settings.Box > 0.0 && Double.IsFinite settings.Box) then
            Error(BadBox settings.Box)
        elif not (settings.Stride > 0.0 && Double.IsFinite settings.Stride) then
            Error(BadStride settings.Stride)
        elif count = 0 then
            Error EmptySample
        else
            let extent = hi - lo
            let axes = [| extent.X; extent.Y; extent.Z |]
            let thinnest = Array.findIndex ((=) (Array.min axes)) axes
            let longest = Array.findIndex ((=) (Array.max axes)) axes
            let warnings = ResizeArray<GridWarning>()
            // scanned axes and box edges per axis
            let scanned k =
                match settings.Mode with
                | SpmMode.Bulk -> true
                | SpmMode.Slab -> k <> thinnest
                | SpmMode.Rod -> k = longest

            if settings.Mode = SpmMode.Bulk && Array.min axes < 0.25 * settings.Box then
                warnings.Add(ThinForBulk(Array.min axes, "xyz".[thinnest]))

            if settings.Box < settings.Stride then
                warnings.Add(BoxBelowStride(settings.Box, settings.Stride))

            let margin = 1e-6 * (Array.max axes + 1.0)

            let edge =
                Array.init 3 (fun k ->
                    if scanned k then
                        settings.Box
                    else
                        axes.[k] + 2.0 * margin + 1e-9)

            let counts = Array.zeroCreate 3
            let origin = Array.zeroCreate 3
            let step = Array.zeroCreate 3
            let los = [| lo.X; lo.Y; lo.Z |]

            // positions along a scanned axis of this extent: inside the sample, or the reference's padded count
            let positions k (extent: float) =
                match settings.Layout with
                | GridLayout.Inside ->
                    let span = extent - edge.[k]

                    if span > 0.0 then
                        floor (span / settings.Stride + 1e-9) + 1.0
                    else
                        1.0
                | GridLayout.Reference ->
                    let pad = if extent > settings.Box then settings.Box else 0.0
                    floor ((extent + 2.0 * pad) / settings.Stride + 1e-9) + 1.0

            let perAxis =
                Array.init 3 (fun k -> if scanned k then positions k axes.[k] else 1.0)

            let total = Array.fold (*) 1.0 perAxis

            // the grid without the 0.1 % outermost atoms along each axis: a stray atom far from the rest (a typo, a
            // wrong unit) multiplies the grid, and is named before any work
            let stray =
                match points with
                | Some points when points.Length >= 100 ->
                    let n = points.Length

                    let coordinate k (p: Vec3) =
                        if k = 0 then p.X
                        elif k = 1 then p.Y
                        else p.Z

                    let quantiles k =
                        let c = points |> Array.map (coordinate k)
                        let cut = max 1 (n / 1000)
                        // the values a sort would put at cut and n − 1 − cut, found in linear time
                        let low = selectInPlace c cut
                        low, selectInPlace c (n - 1 - cut)

                    let q = Array.init 3 quantiles

                    let robust =
                        Array.init 3 (fun k ->
                            if scanned k then
                                positions k (snd q.[k] - fst q.[k])
                            else
                                1.0)
                        |> Array.fold (*) 1.0

                    if total > 4.0 * robust && total - robust > 10_000.0 then
                        let outside (p: Vec3) =
                            [ 0..2 ]
                            |> List.sumBy (fun k ->
                                let x = coordinate k p
                                let lo, hi = q.[k]
                                let d = max 0.0 (max (lo - x) (x - hi))
                                d * d)
                            |> sqrt

                        let i = [| 0 .. n - 1 |] |> Array.maxBy (fun i -> outside points.[i])
                        Some(i, outside points.[i], robust)
                    else
                        None
                | _ -> None

            match stray with
            | Some(i, d, robust) -> Error(StrayAtom(i + 1, d, total, robust))
            | None ->

                if not (Double.IsFinite total) || total > float maxBoxes then
                    Error(TooManyBoxes(total, perAxis, axes, settings.Stride, maxBoxes))
                else
                    for k in 0..2 do
                        let span = axes.[k] - edge.[k]

                        if scanned k && settings.Layout = GridLayout.Reference then
                            // centred on the sample's midpoint: mid + (m − (n − 1)/2)·stride
                            let n = int perAxis.[k]
                            counts.[k] <- n
                            origin.[k] <- los.[k] + axes.[k] / 2.0 - float (n - 1) / 2.0 * settings.Stride
                            step.[k] <- if n > 1 then settings.Stride else 0.0
                        elif not (scanned k) || span <= 0.0 then
                            if scanned k then
                                warnings.Add(BoxBeyondSample(settings.Box, "xyz".[k], axes.[k]))

                            counts.[k] <- 1
                            origin.[k] <- los.[k] + axes.[k] / 2.0
                            step.[k] <- 0.0
                        else
                            counts.[k] <- int (floor (span / settings.Stride + 1e-9)) + 1
                            origin.[k] <- los.[k] + edge.[k] / 2.0
                            step.[k] <- settings.Stride

                    Ok(
                        { Mode = settings.Mode
                          Shape = counts.[0], counts.[1], counts.[2]
                          Origin = Vec3.ofArray origin
                          Step = Vec3.ofArray step
                          Edge = Vec3.ofArray edge },
                        List.ofSeq warnings
                    )

    /// The grid over a sample. Along each scanned axis the centres run from lo + box/2 to hi − box/2 in steps of
    /// the stride (GridLayout.Inside; an axis shorter than the box gets one centred position, reported in the
    /// warnings), or as the reference implementation lays them (GridLayout.Reference). Error for
    /// a non-positive box or stride, an empty sample, or more than maxBoxes boxes.
    let create (settings: SpmSettings) (s: Structure) : Result<SpmGrid * GridWarning list, GridError> =
        if Structure.count s = 0 then
            over settings Vec3.zero Vec3.zero 0 None
        else
            let lo, hi = Structure.bounds s
            over settings lo hi (Structure.count s) (Some s.Positions)

    let createFromBounds (settings: SpmSettings) (lo: Vec3) (hi: Vec3) (count: int) = over settings lo hi count None

    /// The flat indices of the boxes in the reference implementation's order (z outermost, x fastest), for comparing
    /// box by box with its outputs; `index` is x slowest.
    let referenceOrder (g: SpmGrid) =
        let nx, ny, nz = g.Shape

        [| for k in 0 .. nz - 1 do
               for j in 0 .. ny - 1 do
                   for i in 0 .. nx - 1 -> index g i j k |]

    /// Atoms inside the box at `centre` (half-open along each axis), found through the cell list: their indices
    /// and positions relative to the centre (periodic images included for periodic samples).
    let atomsInBox (cells: CellList) (g: SpmGrid) (centre: Vec3) (buffer: NeighbourBuffer) : int[] * Vec3[] =
        let h = 0.5 * g.Edge
        let radius = Vec3.norm h * (1.0 + 1e-9)
        CellList.queryPoint cells centre radius -1 buffer
        let idx = ResizeArray()
        let slots = ResizeArray()

        for t in 0 .. buffer.Count - 1 do
            let dx, dy, dz = buffer.Dx.[t], buffer.Dy.[t], buffer.Dz.[t]

            if dx >= -h.X && dx < h.X && dy >= -h.Y && dy < h.Y && dz >= -h.Z && dz < h.Z then
                idx.Add buffer.Index.[t]
                slots.Add t

        // in the order of the atoms in the sample, whatever the cell list's bins: a part of the sample (one process
        // of several) gives the same box, bit for bit; the images of one atom (a box wider than a lattice vector of a
        // periodic sample) by their lattice offset
        let idx, slots = idx.ToArray(), slots.ToArray()
        Array.Sort(idx, slots)

        let offset t =
            struct (buffer.Offset.[3 * t], buffer.Offset.[3 * t + 1], buffer.Offset.[3 * t + 2])

        let mutable s = 0

        while s < idx.Length do
            let mutable e = s + 1

            while e < idx.Length && idx.[e] = idx.[s] do
                e <- e + 1

            // rare (a box wider than a lattice vector): the comparer is made only then, not for every box
            if e - s > 1 then
                Array.Sort(slots, s, e - s, Collections.Generic.Comparer<int>.Create(fun a b -> compare (offset a) (offset b)))

            s <- e

        idx,
        slots
        |> Array.map (fun t -> Vec3.make buffer.Dx.[t] buffer.Dy.[t] buffer.Dz.[t])
