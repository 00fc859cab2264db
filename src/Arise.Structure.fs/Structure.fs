namespace Arise.Structure

/// Values of one per-atom property: row-major, atoms × columns.
type AtomProperty =
    | Reals of columns: int * values: float[]
    | Integers of columns: int * values: int[]
    | Logicals of columns: int * values: bool[]
    | Texts of columns: int * values: string[]

/// An atomic structure: a finite cluster, or a cell periodic along some of its axes.
/// Positions are Cartesian in Å (or in the input's own unit, e.g. pixels for STEM coordinates).
type Structure =
    {
        /// Cartesian positions.
        Positions: Vec3[]
        /// Atomic numbers Z, one per atom.
        Numbers: int[]
        /// Lattice vectors, when the structure has a cell.
        Cell: Cell option
        /// Periodicity along A, B, C; all false for clusters.
        Pbc: Pbc
        /// Per-atom properties in file order (name, values), besides species and positions.
        AtomProperties: (string * AtomProperty) list
        /// Per-structure key/value metadata in file order.
        Info: (string * string) list
    }

/// A read setting that a file needs and did not get (the command line and the library name it in their own words).
[<RequireQualifiedAccess>]
type ReadSetting =
    /// The file's format (its name does not tell).
    | Format
    /// The element of each LAMMPS atom type.
    | Types
    | Ranges

/// What went wrong reading a file: where, and why.
type ReadError =
    {
        File: string
        /// 1-based line number, when the problem is on one line.
        Line: int option
        Message: string
        /// The setting that would let the file be read, when one would.
        Needs: ReadSetting option
    }

    /// "file:line: message"; control characters of a binary file's text become '?' and a long message is cut.
    override e.ToString() =
        let printable =
            System.String(
                e.Message
                |> Seq.truncate 300
                |> Seq.map (fun c -> if System.Char.IsControl c || c = '\uFFFD' then '?' else c)
                |> Array.ofSeq
            )
            + (if e.Message.Length > 300 then "…" else "")

        match e.Line with
        | Some l -> sprintf "%s:%d: %s" e.File l printable
        | None -> sprintf "%s: %s" e.File printable

    /// ToString, followed by the missing setting as `name` calls it (" (--format)" on the command line).
    member e.Describe(name: ReadSetting -> string) =
        match e.Needs with
        | Some s -> sprintf "%O (%s)" e (name s)
        | None -> string e

/// Pure functions over structures.
/// SHA-256 of atoms fed one by one (atomic number as int32, then x, y, z as float64, little-endian), buffered.
type internal AtomDigest() =
    let hash =
        System.Security.Cryptography.IncrementalHash.CreateHash System.Security.Cryptography.HashAlgorithmName.SHA256

    let buffer = Array.zeroCreate<byte>(28 * 4096)
    let mutable used = 0

    member _.Add(number: int, p: Vec3) =
        if used = buffer.Length then
            hash.AppendData(buffer, 0, used)
            used <- 0

        let span = System.Span<byte>(buffer, used, 28)
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span, number)
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(span.Slice 4, p.X)
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(span.Slice 12, p.Y)
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(span.Slice 20, p.Z)
        used <- used + 28

    member _.Hex() =
        hash.AppendData(buffer, 0, used)
        used <- 0
        System.Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant()

module Structure =
    /// Number of atoms.
    let count (s: Structure) = s.Positions.Length

    /// Builds a structure; positions and numbers must have the same length.
    let create (positions: Vec3[]) (numbers: int[]) (cell: Cell option) (pbc: Pbc) =
        if positions.Length <> numbers.Length then
            invalidArg "numbers" (sprintf "%d positions but %d species" positions.Length numbers.Length)

        { Positions = positions
          Numbers = numbers
          Cell = cell
          Pbc = pbc
          AtomProperties = []
          Info = [] }

    /// A finite cluster (no cell, no periodicity).
    let cluster (positions: Vec3[]) (numbers: int[]) = create positions numbers None Pbc.none

    /// A structure periodic along all three lattice vectors.
    let periodic (cell: Cell) (positions: Vec3[]) (numbers: int[]) =
        create positions numbers (Some cell) Pbc.all

    /// True when periodic along at least one axis.
    let isPeriodic (s: Structure) = Pbc.any s.Pbc

    /// Distinct atomic numbers, ascending.
    let species (s: Structure) =
        s.Numbers |> Array.distinct |> Array.sort

    /// (atomic number, count) pairs, ascending by atomic number.
    let speciesCounts (s: Structure) =
        s.Numbers |> Array.countBy id |> Array.sortBy fst

    /// The structure with every atom of one species: the most common element (ties: the lighter). For atom columns
    /// found in an image, whose chemistry is not reliable.
    let asOneSpecies (s: Structure) =
        if s.Numbers.Length = 0 then
            s
        else
            let z = speciesCounts s |> Array.maxBy (fun (z, n) -> n, -z) |> fst

            { s with
                Numbers = Array.create s.Numbers.Length z }

    /// Chemical formula in Hill order (C, H, then alphabetical; alphabetical without carbon), e.g. "Cu3Au".
    let formula (s: Structure) =
        let counts = speciesCounts s |> Array.map (fun (z, n) -> Elements.symbol z, n)
        let hasC = counts |> Array.exists (fun (e, _) -> e = "C")

        let key (e: string, _) =
            if hasC && e = "C" then (0, "")
            elif hasC && e = "H" then (1, "")
            else (2, e)

        counts
        |> Array.sortBy key
        |> Array.map (fun (e, n) -> if n = 1 then e else sprintf "%s%d" e n)
        |> String.concat ""

    /// A fully periodic cell whose volume is below this fraction of |a|·|b|·|c| is refused as nearly flat: its
    /// neighbour search would need millions of images (a rhombohedral cell with 5° angles still has 0.007).
    let nearlyFlat = 1e-3

    /// Largest lattice-vector component of a periodic cell (Å) that is accepted: 10⁹ Å, far beyond any simulation
    /// box, and small enough that volumes and images stay finite.
    let maxCellEdge = 1e9

    /// The largest absolute Cartesian component of the lattice vectors (Å); it cannot overflow as a norm would.
    let private cellExtent (c: Cell) =
        [ c.A; c.B; c.C ]
        |> List.collect (fun v -> [ abs v.X; abs v.Y; abs v.Z ])
        |> List.max

    /// The shortest lattice vector along a periodic axis (the input's length unit, Å usually): the distance below
    /// which atoms are taken to overlap.
    let minLatticeVector = 0.1

    /// Checks invariants: equal lengths, finite positions, known elements, a non-singular (and, when fully periodic,
    /// not nearly flat) cell where periodic, with lattice vectors of at least minLatticeVector along periodic axes.
    let validate (s: Structure) : Result<Structure, string> =
        if s.Positions.Length <> s.Numbers.Length then
            Error(sprintf "%d positions but %d species" s.Positions.Length s.Numbers.Length)
        elif s.Positions.Length = 0 then
            Error "the structure has no atoms"
        else
            match s.Positions |> Array.tryFindIndex (Vec3.isFinite >> not) with
            | Some i -> Error(sprintf "atom %d has a non-finite coordinate (NaN or Inf)" (i + 1))
            | None ->
                match s.Numbers |> Array.tryFindIndex (fun z -> z < 1 || z > Elements.maxNumber) with
                | Some i -> Error(sprintf "atom %d has an unknown atomic number %d" (i + 1) s.Numbers.[i])
                | None ->
                    match s.Cell with
                    | None when isPeriodic s -> Error "periodic boundary conditions without a cell"
                    | Some c when not (Vec3.isFinite c.A && Vec3.isFinite c.B && Vec3.isFinite c.C) ->
                        Error "the cell has a non-finite component"
                    | Some c when isPeriodic s && cellExtent c > maxCellEdge ->
                        Error(
                            sprintf
                                "a lattice vector has a component of %.3g; periodic cells beyond 10⁹ Å (or the input's unit) are not \
                                    supported"
                                (cellExtent c)
                        )
                    | Some c when isPeriodic s && Cell.isSingular c -> Error "the cell is singular (zero volume)"
                    | Some c when Pbc.isFull s.Pbc && Cell.relativeVolume c < nearlyFlat ->
                        Error(
                            sprintf
                                "the cell is nearly flat: its volume is %.2g of |a|·|b|·|c| (lattice vectors almost in one plane); check \
                                    the lattice vectors"
                                (Cell.relativeVolume c)
                        )
                    | Some c when isPeriodic s ->
                        // a lattice vector shorter than the overlap distance puts each atom on its own periodic images
                        // and makes every neighbour search visit an unbounded number of them: refused before any search
                        let periodic = [| s.Pbc.A; s.Pbc.B; s.Pbc.C |]
                        let length k = Vec3.norm (Cell.vector k c)

                        match [ 0..2 ] |> List.tryFind (fun k -> periodic.[k] && length k < minLatticeVector) with
                        | Some k ->
                            Error(
                                sprintf
                                    "lattice vector %c is %.3g long, below %g: each atom would overlap its own periodic images; \
                                     check the lattice vectors (and that lengths are in Å)"
                                    "abc".[k]
                                    (length k)
                                    minLatticeVector
                            )
                        | None -> Ok s
                    | _ -> Ok s

    /// Multiplies positions and cell by s (an isotropic rescaling).
    let scale (factor: float) (s: Structure) =
        { s with
            Positions = s.Positions |> Array.map (fun p -> factor * p)
            Cell = s.Cell |> Option.map (Cell.scale factor) }

    /// Adds a vector to every position.
    let translate (shift: Vec3) (s: Structure) =
        { s with
            Positions = s.Positions |> Array.map (fun p -> p + shift) }

    /// Applies a linear map (e.g. a rotation) to positions and cell.
    let transform (f: Vec3 -> Vec3) (s: Structure) =
        { s with
            Positions = s.Positions |> Array.map f
            Cell = s.Cell |> Option.map (Cell.map f) }

    let private selectProperty (keep: int[]) (p: AtomProperty) =
        let pick (cols: int) (values: 'T[]) =
            [| for i in keep do
                   for c in 0 .. cols - 1 -> values.[i * cols + c] |]

        match p with
        | Reals(c, v) -> Reals(c, pick c v)
        | Integers(c, v) -> Integers(c, pick c v)
        | Logicals(c, v) -> Logicals(c, pick c v)
        | Texts(c, v) -> Texts(c, pick c v)

    /// The sub-structure made of the atoms at the given indices (in that order), properties kept.
    let select (indices: int[]) (s: Structure) =
        { s with
            Positions = indices |> Array.map (fun i -> s.Positions.[i])
            Numbers = indices |> Array.map (fun i -> s.Numbers.[i])
            AtomProperties = s.AtomProperties |> List.map (fun (n, p) -> n, selectProperty indices p) }

    /// Drops the cell and periodicity, giving a finite cluster with the same positions.
    let toCluster (s: Structure) = { s with Cell = None; Pbc = Pbc.none }

    /// Adds or replaces a per-atom property.
    let withProperty (name: string) (p: AtomProperty) (s: Structure) =
        { s with
            AtomProperties = (s.AtomProperties |> List.filter (fun (n, _) -> n <> name)) @ [ name, p ] }

    /// Adds or replaces a per-structure info entry.
    let withInfo (key: string) (value: string) (s: Structure) =
        { s with
            Info = (s.Info |> List.filter (fun (k, _) -> k <> key)) @ [ key, value ] }

    /// Axis-aligned bounding box (min corner, max corner) of the positions.
    let centroid (s: Structure) =
        s.Positions
        |> Array.fold (+) Vec3.zero
        |> fun c -> c * (1.0 / float (max 1 s.Positions.Length))

    let bounds (s: Structure) =
        let ps = s.Positions

        let lo = ps |> Array.fold Vec3.lower ps.[0]
        let hi = ps |> Array.fold Vec3.upper ps.[0]

        lo, hi

    let digest (s: Structure) =
        let d = AtomDigest()

        for i in 0 .. s.Positions.Length - 1 do
            d.Add(s.Numbers.[i], s.Positions.[i])

        d.Hex()
