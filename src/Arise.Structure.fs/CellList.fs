namespace Arise.Structure

open System

/// Reusable output of a neighbour query: inParallel arrays, valid up to Count. Allocate one per thread.
type NeighbourBuffer(capacity: int) =
    let mutable cap = max 16 capacity
    /// Number of neighbours found by the last query.
    member val Count = 0 with get, set
    /// Original atom index of each neighbour.
    member val Index: int[] = Array.zeroCreate cap with get, set
    /// Vector from the query point to the neighbour (x, y, z components), in the structure's units.
    member val Dx: float[] = Array.zeroCreate cap with get, set
    member val Dy: float[] = Array.zeroCreate cap with get, set
    member val Dz: float[] = Array.zeroCreate cap with get, set
    /// Squared distance.
    member val R2: float[] = Array.zeroCreate cap with get, set
    /// Periodic image of the neighbour, as integer lattice offsets (3 per neighbour) relative to the
    /// original (unwrapped) positions: neighbour = positions[j] + offset·cell.
    member val Offset: int[] = Array.zeroCreate (3 * cap) with get, set
    new() = NeighbourBuffer(256)

    /// Grows the arrays to hold at least n neighbours, keeping the first Count entries.
    member b.Reserve(n: int) =
        if n > cap then
            let c = max n (2 * cap)

            let grow (a: 'T[]) k =
                let r = Array.zeroCreate (k * c)
                Array.blit a 0 r 0 (k * b.Count)
                r

            b.Index <- grow b.Index 1
            b.Dx <- grow b.Dx 1
            b.Dy <- grow b.Dy 1
            b.Dz <- grow b.Dz 1
            b.R2 <- grow b.R2 1
            b.Offset <- grow b.Offset 3
            cap <- c

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
            Periodic: bool[]
            Bins: int[]
            /// bin widths measured normal to the lattice planes
            Widths: float[]
            BinStart: int[]
            Xs: float[]
            Ys: float[]
            Zs: float[]
            Sorted: int[]
            Wrap: int[]
            WrapOf: int[]
        }

    /// Number of atoms binned.
    member c.Count = c.Sorted.Length

/// Building and querying cell lists.
module CellList =
    let private fractional (recip: Cell) (origin: Vec3) (p: Vec3) =
        let d = p - origin
        Vec3.make (Vec3.dot recip.A d) (Vec3.dot recip.B d) (Vec3.dot recip.C d)

    /// Builds the cell list of a structure with about `atomsPerBin` atoms per bin (default choice: 3).
    let buildWith (atomsPerBin: float) (s: Structure) : CellList =
        let n = Structure.count s
        let periodic = [| s.Pbc.A; s.Pbc.B; s.Pbc.C |]
        let anyPeriodic = Array.exists id periodic

        let baseFrame =
            match s.Cell with
            | Some c when not (Cell.isSingular c) -> c
            | Some _ when anyPeriodic -> invalidArg "s" "periodic structure with a singular cell"
            | _ -> Cell.orthorhombic 1.0 1.0 1.0
        // Stretch non-periodic axes over the data range so that f ∈ [0, 1] spans the atoms.
        let baseRecip = Cell.reciprocal baseFrame
        let mutable origin = Vec3.zero
        let vectors = [| baseFrame.A; baseFrame.B; baseFrame.C |]
        let fr = s.Positions |> Array.map (fractional baseRecip Vec3.zero)

        for k in 0..2 do
            if not periodic.[k] then
                let lo =
                    if n = 0 then
                        0.0
                    else
                        fr |> Array.fold (fun m f -> min m f.[k]) Double.MaxValue

                let hi =
                    if n = 0 then
                        1.0
                    else
                        fr |> Array.fold (fun m f -> max m f.[k]) Double.MinValue

                let len = Vec3.norm vectors.[k]
                let span = max (hi - lo) (1e-6 / len)
                origin <- origin + lo * vectors.[k]
                vectors.[k] <- span * vectors.[k]

        let frame = Cell.make vectors.[0] vectors.[1] vectors.[2]
        let recip = Cell.reciprocal frame
        // along periodic axes, fractional coordinates from the structure's own cell (origin 0): with some axes open,
        // the stretched frame and its origin depend on the atoms held, and a part of a sample must wrap its atoms as
        // the whole does, bit for bit (all periodic: the frame is the cell; none: nothing wraps)
        let mixed = anyPeriodic && not (Array.forall id periodic)
        let spacing = Array.init 3 (fun k -> Cell.planeSpacing k frame)
        // Bin counts: aim for atomsPerBin per bin on average over the occupied volume.
        let target = max 1.0 (float n / atomsPerBin)

        let binsFor (w: float) =
            Array.init 3 (fun k -> max 1 (int (floor (spacing.[k] / w))))

        let volume = spacing.[0] * spacing.[1] * spacing.[2]
        let mutable w = Math.Cbrt(volume / target)
        let mutable bins = binsFor w
        let total (b: int[]) = float b.[0] * float b.[1] * float b.[2]
        let mutable guard = 0

        while total bins < target / 2.0 && guard < 60 do
            w <- w * 0.85
            bins <- binsFor w
            guard <- guard + 1

        while total bins > 4.0 * target + 8.0 do
            w <- w * 1.25
            bins <- binsFor w

        let widths = Array.init 3 (fun k -> spacing.[k] / float bins.[k])
        // Wrap periodic axes; assign bins.
        let wrap = Array.zeroCreate (3 * n)
        let binOf = Array.zeroCreate n
        let wrapped = Array.zeroCreate n
        // an atom's bin along each axis (one array for all: 10⁷ atoms made 10⁷ of them)
        let idx = Array.zeroCreate 3

        for i in 0 .. n - 1 do
            let f = fractional recip origin s.Positions.[i]

            let fw = if mixed then fr.[i] else f

            let mutable p = s.Positions.[i]

            for k in 0..2 do
                let mutable fk = if periodic.[k] then fw.[k] else f.[k]

                if periodic.[k] then
                    let wk = floor fk
                    wrap.[3 * i + k] <- int wk
                    fk <- fk - wk
                    p <- p - wk * vectors.[k]

                idx.[k] <- min (bins.[k] - 1) (max 0 (int (floor (fk * float bins.[k]))))

            wrapped.[i] <- p
            binOf.[i] <- (idx.[0] * bins.[1] + idx.[1]) * bins.[2] + idx.[2]
        // Counting sort by bin.
        let nbins = bins.[0] * bins.[1] * bins.[2]
        let start = Array.zeroCreate (nbins + 1)

        for i in 0 .. n - 1 do
            start.[binOf.[i] + 1] <- start.[binOf.[i] + 1] + 1

        for b in 0 .. nbins - 1 do
            start.[b + 1] <- start.[b + 1] + start.[b]

        let fill = Array.copy start
        let sorted = Array.zeroCreate n

        for i in 0 .. n - 1 do
            sorted.[fill.[binOf.[i]]] <- i
            fill.[binOf.[i]] <- fill.[binOf.[i]] + 1

        { Frame = frame
          Recip = recip
          WrapRecip = if mixed then Some baseRecip else None
          Origin = origin
          Periodic = periodic
          Bins = bins
          Widths = widths
          BinStart = start
          Xs = sorted |> Array.map (fun i -> wrapped.[i].X)
          Ys = sorted |> Array.map (fun i -> wrapped.[i].Y)
          Zs = sorted |> Array.map (fun i -> wrapped.[i].Z)
          Sorted = sorted
          Wrap = Array.init (3 * n) (fun j -> wrap.[3 * sorted.[j / 3] + j % 3])
          WrapOf = wrap }

    /// Builds the cell list of a structure (about 2 atoms per bin).
    let build (s: Structure) = buildWith 2.0 s

    /// Finds all atoms within `cutoff` (strictly less) of point p, writing them into `buffer`
    /// (Count is reset). `self` is an atom index to leave out at zero offset (the centre itself), or -1.
    /// `selfWrap` not needed: the centre's own wrapping is computed here.
    let queryPoint (cl: CellList) (p: Vec3) (cutoff: float) (self: int) (buffer: NeighbourBuffer) =
        buffer.Count <- 0

        if cl.Sorted.Length > 0 && cutoff > 0.0 then
            let f = fractional cl.Recip cl.Origin p

            let fw =
                match cl.WrapRecip with
                | Some r -> fractional r Vec3.zero p
                | None -> f

            let a, b, c = cl.Frame.A, cl.Frame.B, cl.Frame.C
            // wrap the query point into the frame on periodic axes
            let mutable pw = p
            let pWrap = Array.zeroCreate 3
            let loBin = Array.zeroCreate 3
            let hiBin = Array.zeroCreate 3

            for k in 0..2 do
                let mutable fk = if cl.Periodic.[k] then fw.[k] else f.[k]

                if cl.Periodic.[k] then
                    let wk = floor fk
                    pWrap.[k] <- int wk
                    fk <- fk - wk
                    pw <- pw - wk * Cell.vector k cl.Frame
                // tight bin range along k: a neighbour within the cutoff differs in fractional coordinate k by
                // at most cutoff / (plane spacing of the frame along k)
                let nb = float cl.Bins.[k]
                let reach = cutoff / (cl.Widths.[k] * nb) * (1.0 + 1e-12) + 1e-12
                let l = int (floor ((fk - reach) * nb))
                let h = int (floor ((fk + reach) * nb))
                loBin.[k] <- if cl.Periodic.[k] then l else max 0 l
                hiBin.[k] <- if cl.Periodic.[k] then h else min (cl.Bins.[k] - 1) h

            let c2 = cutoff * cutoff
            let nbx, nby, nbz = cl.Bins.[0], cl.Bins.[1], cl.Bins.[2]
            let xs, ys, zs = cl.Xs, cl.Ys, cl.Zs
            let lo k = loBin.[k]
            let hi k = hiBin.[k]

            let inline wrapIndex t nb =
                let r = t % nb in if r < 0 then r + nb else r

            let selfWrap0, selfWrap1, selfWrap2 =
                if self >= 0 then
                    cl.WrapOf.[3 * self], cl.WrapOf.[3 * self + 1], cl.WrapOf.[3 * self + 2]
                else
                    0, 0, 0

            let lo2, hi2 = lo 2, hi 2

            for tx in lo 0 .. hi 0 do
                let bx = wrapIndex tx nbx
                let sx = (tx - bx) / nbx

                for ty in lo 1 .. hi 1 do
                    let by = wrapIndex ty nby
                    let sy = (ty - by) / nby
                    let column = (bx * nby + by) * nbz
                    // the z bins of a column are contiguous in the sorted arrays: scan them in runs that share
                    // one periodic image shift (at most a few runs when the range wraps)
                    let mutable t = lo2

                    while t <= hi2 do
                        let bz = wrapIndex t nbz
                        let sz = (t - bz) / nbz
                        let runEnd = min hi2 (t + (nbz - 1 - bz))
                        let s0 = cl.BinStart.[column + bz]
                        let s1 = cl.BinStart.[column + bz + (runEnd - t) + 1]
                        t <- runEnd + 1

                        if s1 > s0 then
                            let fsx, fsy, fsz = float sx, float sy, float sz
                            let shx = fsx * a.X + fsy * b.X + fsz * c.X - pw.X
                            let shy = fsx * a.Y + fsy * b.Y + fsz * c.Y - pw.Y
                            let shz = fsx * a.Z + fsy * b.Z + fsz * c.Z - pw.Z
                            let zeroShift = sx = 0 && sy = 0 && sz = 0
                            buffer.Reserve(buffer.Count + (s1 - s0))

                            let idx, dxs, dys, dzs, r2s, offs =
                                buffer.Index, buffer.Dx, buffer.Dy, buffer.Dz, buffer.R2, buffer.Offset

                            let wraps = cl.Wrap
                            let mutable cnt = buffer.Count

                            for j in s0 .. s1 - 1 do
                                let dx = xs.[j] + shx
                                let dy = ys.[j] + shy
                                let dz = zs.[j] + shz
                                let r2 = dx * dx + dy * dy + dz * dz

                                if r2 < c2 then
                                    let orig = cl.Sorted.[j]
                                    // the centre itself: same atom, same image
                                    let isSelf =
                                        orig = self
                                        && zeroShift
                                        && wraps.[3 * j] = selfWrap0
                                        && wraps.[3 * j + 1] = selfWrap1
                                        && wraps.[3 * j + 2] = selfWrap2

                                    if not isSelf then
                                        idx.[cnt] <- orig
                                        dxs.[cnt] <- dx
                                        dys.[cnt] <- dy
                                        dzs.[cnt] <- dz
                                        r2s.[cnt] <- r2
                                        offs.[3 * cnt] <- sx - wraps.[3 * j] + pWrap.[0]
                                        offs.[3 * cnt + 1] <- sy - wraps.[3 * j + 1] + pWrap.[1]
                                        offs.[3 * cnt + 2] <- sz - wraps.[3 * j + 2] + pWrap.[2]
                                        cnt <- cnt + 1

                            buffer.Count <- cnt

    /// Finds the neighbours of atom i (its own periodic images included, itself excluded) within `cutoff`.
    let queryAtom (cl: CellList) (s: Structure) (i: int) (cutoff: float) (buffer: NeighbourBuffer) =
        queryPoint cl s.Positions.[i] cutoff i buffer

    /// Number of neighbour pairs (i, j, image) with distance below cutoff, counted from every atom.
    let countPairs (cl: CellList) (s: Structure) (cutoff: float) (inParallel: bool) =
        let n = Structure.count s

        if inParallel then
            let total = ref 0L

            System.Threading.Tasks.Parallel.For(
                0,
                n,
                (fun () -> NeighbourBuffer(), 0L),
                (fun i _ (buffer: NeighbourBuffer, acc: int64) ->
                    queryAtom cl s i cutoff buffer
                    buffer, acc + int64 buffer.Count),
                (fun (_, acc) -> System.Threading.Interlocked.Add(total, acc) |> ignore)
            )
            |> ignore

            total.Value
        else
            let buffer = NeighbourBuffer()
            let mutable acc = 0L

            for i in 0 .. n - 1 do
                queryAtom cl s i cutoff buffer
                acc <- acc + int64 buffer.Count

            acc
