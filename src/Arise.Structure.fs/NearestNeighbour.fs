namespace Arise.Structure

open System
open System.Threading.Tasks

/// How the nearest-neighbour distance d_NN of a (sub)structure is estimated.
[<RequireQualifiedAccess>]
type DnnMethod =
    /// The ARISE/ai4materials rule (paper S1.1, notes soap.md §3): histogram (100 bins, numpy binning rules) of
    /// nearest-neighbour distances divided by r², centre of the most populated bin. Reproduces the trained model's inputs.
    | AriseHistogram
    /// The physically clean estimate: the most common nearest-neighbour distance (distances equal within 1e-4
    /// relative are grouped; the most populous group wins, ties to the shorter), averaged over its members.
    | MostCommon
    /// ARISE's histogram rule made tolerant of vacancies in periodic structures: when the structure is periodic along
    /// some axis, atoms whose nearest neighbour lies beyond `vacancyTolerance` (1.4) × the 10th percentile of the
    /// nearest-neighbour distances (their whole first shell removed) are left out of the histogram. Such an atom
    /// stretches the histogram's range and moves d_NN by half a bin (0.37 % in graphite with 10 % vacancies). Finite
    /// structures are never trimmed, because their edge atoms legitimately have distant nearest neighbours. Distances
    /// all equal but for rounding (1e-9 relative: an ideal crystal) give their mean, where ARISE's rule gives d − 0.005,
    /// d or d + 0.005 as the last bits of the coordinates decide, so that one crystal read from two file formats got
    /// two d_NN. On the pristine structures of the training library this equals AriseHistogram to 1e-9 but for those
    /// (359 of 5,344 species pairs, by 0.005; checked in tests).
    | AriseVacancyTolerant
    /// The vacancy-tolerant rule with a steadier choice of peak: the histogram (ARISE's bins and 1/r² weights) is
    /// smoothed with a Gaussian of `smoothingWidth` (1 %) of each bin's centre, and d_NN is the centre of the most
    /// populated raw bin within that width of the smoothed maximum. A neighbour shell split over several bins by
    /// noise then still wins against a narrower one (ARISE's rule jumps between shells, by up to 17 %, in small
    /// multi-species clusters with 1 % displacements). It differs from ARISE's rule on 30 of the library's 5,344
    /// pristine species pairs. Experimental: with the embedded model it meets the paper in more Table 1 columns, but
    /// on broad, noisy distributions (STEM graphene, Fig. 3b) it picks another d_NN (10.81 → 11.34 px) and the
    /// model calls the image MnS₂, so the model does not use it.
    | AriseSmoothed

/// The names of the d_NN rules in model files and on the command line.
module DnnRule =
    /// Revision of the rules' numbers (cache and run stamps); 2: equal distances averaged (F14).
    let revision = 2

    /// "arise", "arise-vacancy-tolerant", "arise-smoothed" or "clean".
    let name (m: DnnMethod) =
        match m with
        | DnnMethod.AriseHistogram -> "arise"
        | DnnMethod.AriseVacancyTolerant -> "arise-vacancy-tolerant"
        | DnnMethod.AriseSmoothed -> "arise-smoothed"
        | DnnMethod.MostCommon -> "clean"

    /// The rule of a name (case-insensitive), or an error listing the names.
    let parse (text: string) : Result<DnnMethod, string> =
        let wanted = text.ToLowerInvariant()

        [ DnnMethod.AriseHistogram
          DnnMethod.AriseVacancyTolerant
          DnnMethod.AriseSmoothed
          DnnMethod.MostCommon ]
        |> List.tryFind (fun m -> name m = wanted)
        |> function
            | Some m -> Ok m
            | None -> Error(sprintf "unknown d_NN rule '%s' (arise, arise-vacancy-tolerant, arise-smoothed or clean)" text)

/// Nearest-neighbour distances and the d_NN used to scale structures.
module NearestNeighbour =
    /// The neighbour-search cutoffs the ARISE rule tries in turn (Å); a pair search at cutoff c lists neighbours
    /// closer than 2c + 0.1 (ASE NeighborList with skin 0.1).
    let ariseCutoffs = [ 10.0; 20.0; 30.0; 40.0; 50.0 ]

    /// Lattice rows with non-periodic rows zeroed (what ai4materials uses for image offsets).
    let private zeroedCell (s: Structure) =
        match s.Cell with
        | None -> Cell.make Vec3.zero Vec3.zero Vec3.zero
        | Some c -> Cell.make (if s.Pbc.A then c.A else Vec3.zero) (if s.Pbc.B then c.B else Vec3.zero) (if s.Pbc.C then c.C else Vec3.zero)

    /// A rough length scale: (volume per atom)^(1/3), from the cell or the bounding box.
    let typicalSpacing (s: Structure) =
        let n = max 1 (Structure.count s)

        let volume =
            match s.Cell with
            | Some c when Pbc.isFull s.Pbc -> abs (Cell.volume c)
            | _ ->
                if Structure.count s = 0 then
                    1.0
                else
                    let lo, hi = Structure.bounds s
                    let d = hi - lo
                    max 1e-9 ((max d.X 1e-3) * (max d.Y 1e-3) * (max d.Z 1e-3))

        Math.Cbrt(volume / float n)

    /// Indices of the atoms of species `z` (all atoms when None).
    let private atomsOf (z: int option) (s: Structure) =
        [| for i in 0 .. s.Numbers.Length - 1 do
               if z.IsNone || s.Numbers.[i] = z.Value then
                   i |]

    /// For every atom of species `fromZ` (all atoms when None): the distance to its nearest atom of species `toZ`
    /// (any when None), itself excluded but its periodic images included, computed as
    /// ‖r_j + offset·cell − r_i‖. Only neighbours closer than `searchRadius` count; atoms with no neighbour of any
    /// species within it are skipped. Returns None when some atom has neighbours but none of species `toZ`.
    /// `cl` is the cell list of `s`.
    let nearestDistances (cl: CellList) (searchRadius: float) (fromZ: int option) (toZ: int option) (s: Structure) : float[] option =
        let cell = zeroedCell s

        let centres = atomsOf fromZ s

        let result = Array.create centres.Length nan
        let failed = ref 0
        let start = min searchRadius (2.0 * typicalSpacing s)

        let work (k: int) (buffer: NeighbourBuffer) =
            let i = centres.[k]
            let pi = s.Positions.[i]
            let mutable r = start
            let mutable fin = false

            while not fin do
                CellList.queryAtom cl s i r buffer
                let mutable best = Double.PositiveInfinity

                for t in 0 .. buffer.Count - 1 do
                    let j = buffer.Index.[t]

                    if toZ.IsNone || s.Numbers.[j] = toZ.Value then
                        let o0, o1, o2 =
                            float buffer.Offset.[3 * t], float buffer.Offset.[3 * t + 1], float buffer.Offset.[3 * t + 2]

                        let pj = s.Positions.[j]
                        let sx = o0 * cell.A.X + o1 * cell.B.X + o2 * cell.C.X
                        let sy = o0 * cell.A.Y + o1 * cell.B.Y + o2 * cell.C.Y
                        let sz = o0 * cell.A.Z + o1 * cell.B.Z + o2 * cell.C.Z
                        let dx = pj.X + sx - pi.X
                        let dy = pj.Y + sy - pi.Y
                        let dz = pj.Z + sz - pi.Z
                        let d = sqrt (dx * dx + dy * dy + dz * dz)

                        if d < best then
                            best <- d

                if not (Double.IsPositiveInfinity best) then
                    result.[k] <- best
                    fin <- true
                elif r >= searchRadius then
                    // no neighbour of species toZ: fail if it has any neighbour, skip otherwise
                    if buffer.Count > 0 then
                        Threading.Interlocked.Increment(failed) |> ignore

                    fin <- true
                else
                    r <- min searchRadius (2.0 * r)

        if centres.Length > 512 then
            Parallel.For(
                0,
                centres.Length,
                (fun () -> NeighbourBuffer()),
                (fun k _ b ->
                    work k b
                    b),
                ignore
            )
            |> ignore
        else
            let b = NeighbourBuffer()

            for k in 0 .. centres.Length - 1 do
                work k b

        if failed.Value > 0 then
            None
        else
            Some(result |> Array.filter (fun d -> not (Double.IsNaN d)))

    /// Work allowed to the sparse-species search (centres × atoms of the neighbour species × periodic images).
    let sparseSearchBudget = 400_000_000L

    /// For every atom of species `fromZ`: the distance to its nearest atom of species `toZ` anywhere in the structure
    /// (itself excluded; periodic images of the neighbouring cells included), by direct search over the `toZ` atoms.
    /// For species too sparse for the ARISE cutoffs (a few dopants far apart). None when there is no such atom or
    /// the search would exceed `sparseSearchBudget`.
    let sparseDistances (fromZ: int option) (toZ: int option) (s: Structure) : float[] option =
        let cell = zeroedCell s

        let centres, targets = atomsOf fromZ s, atomsOf toZ s

        let range periodic =
            if periodic then [ -1; 0; 1 ] else [ 0 ]

        let images =
            [| for a in range s.Pbc.A do
                   for b in range s.Pbc.B do
                       for c in range s.Pbc.C -> float a * cell.A + float b * cell.B + float c * cell.C |]

        if
            targets.Length = 0
            || int64 centres.Length * int64 targets.Length * int64 images.Length > sparseSearchBudget
        then
            None
        else
            let nearest (i: int) =
                let pi = s.Positions.[i]
                let mutable best = Double.PositiveInfinity

                for j in targets do
                    for shift in images do
                        if j <> i || Vec3.normSquared shift > 0.0 then
                            let d = Vec3.norm (s.Positions.[j] + shift - pi)

                            if d < best then
                                best <- d

                best

            let distances =
                centres
                |> Array.map nearest
                |> Array.filter (fun d -> not (Double.IsPositiveInfinity d))

            if distances.Length = 0 then None else Some distances

    /// ARISE's histogram of nearest-neighbour distances, bit-compatible with numpy 1.x `np.histogram(nn, bins=100)`:
    /// per bin its count divided by the squared left edge, and its centre.
    let private ariseHistogram (distances: float[]) =
        if distances.Length = 0 then
            invalidArg "distances" "no distances"

        let bins = 100
        let mutable lo = Array.min distances
        let mutable hi = Array.max distances

        if lo = hi then
            lo <- lo - 0.5
            hi <- hi + 0.5

        let step = (hi - lo) / float bins

        let edges =
            Array.init (bins + 1) (fun k -> if k = bins then hi else float k * step + lo)

        let norm = float bins / (hi - lo)
        let hist = Array.zeroCreate bins

        for v in distances do
            let mutable i = int ((v - lo) * norm)

            if i = bins then
                i <- bins - 1

            if v < edges.[i] then
                i <- i - 1

            if v >= edges.[i + 1] && i <> bins - 1 then
                i <- i + 1

            hist.[i] <- hist.[i] + 1

        Array.init bins (fun k -> float hist.[k] / (edges.[k] * edges.[k])), Array.init bins (fun k -> (edges.[k] + edges.[k + 1]) / 2.0)

    /// The first index of the largest value among those where `allowed` holds (numpy argmax: the first NaN wins).
    let private firstMaximum (values: float[]) (allowed: int -> bool) =
        match Array.tryFindIndex Double.IsNaN values with
        | Some k -> k
        | None ->
            let mutable best = -1

            for t in 0 .. values.Length - 1 do
                if allowed t && (best < 0 || values.[t] > values.[best]) then
                    best <- t

            best

    /// The ARISE histogram rule on a set of nearest-neighbour distances: the centre of the first bin with the most
    /// counts / r² (see ariseHistogram).
    let histogramCentre (distances: float[]) =
        let scaled, centres = ariseHistogram distances
        centres.[firstMaximum scaled (fun _ -> true)]

    /// AriseSmoothed's Gaussian width, relative to each bin's centre.
    let smoothingWidth = 0.01

    /// The smoothed-histogram rule (DnnMethod.AriseSmoothed) on a set of nearest-neighbour distances.
    let smoothedCentre (distances: float[]) =
        let scaled, centres = ariseHistogram distances

        let smoothed =
            centres
            |> Array.map (fun c ->
                let s = smoothingWidth * c
                Array.fold2 (fun acc v cj -> acc + v * exp (-(c - cj) * (c - cj) / (2.0 * s * s))) 0.0 scaled centres)

        let peak = centres.[firstMaximum smoothed (fun _ -> true)]
        centres.[firstMaximum scaled (fun j -> abs (centres.[j] - peak) <= smoothingWidth * peak)]

    /// Periodic structures under AriseVacancyTolerant: nearest-neighbour distances beyond this multiple of their
    /// 10th percentile come from atoms whose first shell was removed and are left out.
    let vacancyTolerance = 1.4

    /// At most this fraction of the atoms are left out as isolated; more distant nearest neighbours than that are
    /// a site of the crystal (in Ti4C3O2, say), not removed shells.
    let isolatedFraction = 0.05

    /// The distances at most `vacancyTolerance` × their 10th percentile (the lower-decile element of the sorted list).
    let withoutIsolatedAtoms (distances: float[]) =
        if distances.Length = 0 then
            distances
        else
            let sorted = Array.sort distances

            let cut =
                vacancyTolerance
                * sorted.[min (sorted.Length - 1) (int (0.1 * float sorted.Length))]

            let kept = distances |> Array.filter (fun d -> d <= cut)

            if
                float (distances.Length - kept.Length)
                <= isolatedFraction * float distances.Length
            then
                kept
            else
                distances

    /// The most common distance: values within 1e-4 relative of their group's first member are grouped; the
    /// largest group wins (ties: the shorter distance); its mean is returned.
    let mostCommon (distances: float[]) =
        if distances.Length = 0 then
            invalidArg "distances" "no distances"

        let sorted = Array.sort distances
        let mutable bestStart, bestLen = 0, 0
        let mutable start = 0

        while start < sorted.Length do
            let mutable stop = start

            while stop < sorted.Length && sorted.[stop] - sorted.[start] <= 1e-4 * sorted.[start] do
                stop <- stop + 1

            if stop - start > bestLen then
                bestStart <- start
                bestLen <- stop - start

            start <- stop

        Array.average sorted.[bestStart .. bestStart + bestLen - 1]

    /// Distances within this fraction of their largest are equal but for rounding.
    let private roundingTolerance = 1e-9

    /// Whether the distances are all equal but for rounding.
    let private allEqual (distances: float[]) =
        let lo, hi = Array.min distances, Array.max distances
        hi - lo <= roundingTolerance * hi

    /// d_NN of a set of nearest-neighbour distances under `method`; the vacancy-tolerant and smoothed rules leave out
    /// isolated atoms when the structure is `periodic`, and give distances equal but for rounding (an ideal crystal)
    /// their mean: ARISE's rule returns d − 0.005, d or d + 0.005 for them, decided by the last bits of the
    /// coordinates, so that the same crystal in two file formats got two d_NN (issue 26, F14).
    let private centre (method: DnnMethod) (periodic: bool) (nn: float[]) =
        match method with
        | DnnMethod.AriseHistogram -> histogramCentre nn
        | DnnMethod.MostCommon -> mostCommon nn
        | DnnMethod.AriseVacancyTolerant
        | DnnMethod.AriseSmoothed ->
            // trimmed once: withoutIsolatedAtoms sorts the distances
            let trimmed = if periodic then withoutIsolatedAtoms nn else nn

            if trimmed.Length > 0 && allEqual trimmed then
                Array.average trimmed
            elif method = DnnMethod.AriseVacancyTolerant then
                histogramCentre trimmed
            else
                smoothedCentre trimmed

    /// d_NN of the sparse-species distances: as `centre` without trimming, but distances equal but for rounding (a lone
    /// pair, a regular dopant lattice) give their mean, not the histogram's d ± 0.005 that the last bit decides.
    let private sparseCentre (method: DnnMethod) (nn: float[]) =
        if allEqual nn then
            Array.average nn
        else
            centre method false nn

    /// Distance below which two atoms are taken to overlap (the input's length unit): d_NN must exceed it.
    let overlapDistance = 0.1

    /// pileUp past its first pass, when two of the `atoms` share a grid cell (of edge h, by `key`).
    let private sharedCells (h: float) (key: Vec3 -> struct (int64 * int64 * int64)) (atoms: int[]) (s: Structure) =
        let buckets =
            Collections.Generic.Dictionary<struct (int64 * int64 * int64), ResizeArray<int>>()

        for i in atoms do
            let k = key s.Positions.[i]

            match buckets.TryGetValue k with
            | true, l -> l.Add i
            | _ -> buckets.[k] <- ResizeArray [ i ]

        let closest (members: int seq) =
            let m = Array.ofSeq members

            seq {
                for a in 0 .. m.Length - 2 do
                    for b in a + 1 .. m.Length - 1 do
                        yield m.[a], m.[b], Vec3.norm (s.Positions.[m.[a]] - s.Positions.[m.[b]])
            }
            |> Seq.minBy (fun (_, _, d) -> d)

        match buckets.Values |> Seq.tryFind (fun l -> l.Count > 8) with
        | Some crowded ->
            let i, j, d = closest (Seq.truncate 64 crowded)
            Some(i, j, d, crowded.Count, atoms.Length)
        | None ->
            let mutable first = None
            let mutable withPartner = 0

            for i in atoms do
                let struct (x, y, z) = key s.Positions.[i]
                let mutable found = false

                for dx in -1L .. 1L do
                    for dy in -1L .. 1L do
                        for dz in -1L .. 1L do
                            match buckets.TryGetValue(struct (x + dx, y + dy, z + dz)) with
                            | true, l ->
                                for j in l do
                                    if j <> i then
                                        let d = Vec3.norm (s.Positions.[i] - s.Positions.[j])

                                        if d <= h then
                                            found <- true

                                            if first.IsNone then
                                                first <- Some(min i j, max i j, d)
                            | _ -> ()

                if found then
                    withPartner <- withPartner + 1

            if atoms.Length > 1 && 2 * withPartner >= atoms.Length then
                first |> Option.map (fun (i, j, d) -> i, j, d, withPartner, atoms.Length)
            else
                None

    /// Atoms piled onto each other, found in O(N) by hashing positions (of species `fromZ`, None = all) on a grid of
    /// the overlap distance, before any neighbour search (which would take quadratic time on them): the closest pair
    /// (0-based indices) and its distance when more than 8 atoms share a grid cell, or when at least half of the atoms
    /// have a partner closer than the overlap distance (then d_NN cannot be found above it either; looked for only
    /// when some grid cell holds two atoms). None otherwise: a few duplicated atoms among many are left to the d_NN
    /// rule.
    let pileUp (fromZ: int option) (s: Structure) : (int * int * float * int * int) option =
        let h = overlapDistance

        let atoms =
            [| for i in 0 .. s.Positions.Length - 1 do
                   if fromZ.IsNone || s.Numbers.[i] = fromZ.Value then
                       i |]

        let key (p: Vec3) =
            struct (int64 (floor (p.X / h)), int64 (floor (p.Y / h)), int64 (floor (p.Z / h)))

        // the usual case in one pass with one small set: no two atoms share a grid cell, so none is piled up
        let cells =
            Collections.Generic.HashSet<struct (int64 * int64 * int64)>(atoms.Length)

        let mutable distinct = 0

        while distinct < atoms.Length && cells.Add(key s.Positions.[atoms.[distinct]]) do
            distinct <- distinct + 1

        if distinct = atoms.Length then
            None
        else
            sharedCells h key atoms s

    /// d_NN from species `fromZ` to species `toZ` (None = any), trying the ARISE cutoffs in turn
    /// (same length unit as the positions), with the cell list `cl` of `s`. Error when no cutoff gives a distance in
    /// (0.1, 1500).
    let dnnBetweenWith (cl: CellList) (method: DnnMethod) (fromZ: int option) (toZ: int option) (s: Structure) : Result<float, string> =
        match (if fromZ = toZ then pileUp fromZ s else None) with
        | Some(i, j, d, overlapping, atoms) ->
            Error(
                sprintf
                    "atoms %d and %d overlap (%.3g apart, below %g); %d of the %d atoms have an overlapping partner: duplicated \
                     atoms, or coordinates not in Å?"
                    (i + 1)
                    (j + 1)
                    d
                    overlapDistance
                    overlapping
                    atoms
            )
        | None ->
            // tooShort: the last d_NN at or below 0.1 (overlapping atoms), for the error
            let rec attempt tooShort cutoffs =
                match cutoffs with
                | [] ->
                    let name z =
                        z |> Option.map Elements.symbol |> Option.defaultValue "any"

                    match tooShort with
                    | Some d ->
                        Error(
                            sprintf
                                "d_NN %s→%s is %.3g, below 0.1: atoms overlap (duplicated atoms, or coordinates not in Å?)"
                                (name fromZ)
                                (name toZ)
                                d
                        )
                    | None ->
                        // species too sparse for ARISE's cutoffs (a few dopants far apart): every atom's nearest
                        // atom of the other species, wherever it is, under the same rule
                        let sparse = sparseDistances fromZ toZ s |> Option.map (sparseCentre method)

                        match sparse with
                        | Some d when d > 0.1 && d < 1500.0 -> Ok d
                        | _ ->
                            Error(
                                sprintf
                                    "d_NN %s→%s: no nearest-neighbour distance in (0.1, 1500) within %g of the atoms, nor \
                                     between the %s and %s atoms anywhere in the structure; if the species are not reliable \
                                     (atom columns found in an image), treat all atoms as one species (--one-species)"
                                    (name fromZ)
                                    (name toZ)
                                    (2.0 * List.last ariseCutoffs + 0.1)
                                    (name fromZ)
                                    (name toZ)
                            )
                | c :: rest ->
                    match nearestDistances cl (2.0 * c + 0.1) fromZ toZ s with
                    | Some nn when nn.Length > 0 ->
                        let d = centre method (Structure.isPeriodic s) nn

                        if d > 0.1 && d < 1500.0 then
                            Ok d
                        else
                            attempt (if d <= 0.1 then Some d else tooShort) rest
                    | _ -> attempt tooShort rest

            if Structure.count s < 2 && not (Structure.isPeriodic s) then
                Error "d_NN needs at least two atoms or a periodic cell"
            else
                attempt None ariseCutoffs

    /// d_NN from species `fromZ` to species `toZ` (None = any); see dnnBetweenWith.
    let dnnBetween (method: DnnMethod) (fromZ: int option) (toZ: int option) (s: Structure) =
        dnnBetweenWith (CellList.build s) method fromZ toZ s

    /// d_NN over all atoms regardless of species.
    let dnn (method: DnnMethod) (s: Structure) = dnnBetween method None None s

    /// d_NN for every ordered species pair (Z → Z′) present, in ascending (Z, Z′) order; each pair succeeds or
    /// fails on its own (e.g. a lone atom of a species in a cluster has no same-species neighbour).
    let pairDnns (method: DnnMethod) (s: Structure) : ((int * int) * Result<float, string>) list =
        let species = Structure.species s
        let cl = CellList.build s

        [ for a in species do
              for b in species -> (a, b), dnnBetweenWith cl method (Some a) (Some b) s ]

    /// Queries the neighbours of atom i with a radius grown from `start` by 1.5× until at least `count` are found
    /// (at most 12 steps); the buffer holds the last query. Returns the radius used.
    let queryAtLeast (cl: CellList) (s: Structure) (i: int) (count: int) (start: float) (buffer: NeighbourBuffer) =
        let mutable r = start
        let mutable tries = 0
        CellList.queryAtom cl s i r buffer

        while buffer.Count < count && tries < 12 do
            r <- r * 1.5
            tries <- tries + 1
            CellList.queryAtom cl s i r buffer

        r
