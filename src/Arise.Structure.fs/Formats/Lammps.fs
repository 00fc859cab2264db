/// LAMMPS data files (atom styles atomic, charge, molecular, full) and dump files (text, multi-frame),
/// orthogonal and triclinic boxes. Atom types are numbers: the caller maps each type to an element.
module Arise.Structure.Formats.Lammps

open System
open Arise.Structure
open Arise.Structure.Formats.Text

/// How numeric LAMMPS atom types map to atomic numbers (type → Z).
type TypeMap = Map<int, int>

/// Parses "1=Ni,2=Al" (or "1:Ni 2:Al") into a type map.
let parseTypeMap (text: string) : Result<TypeMap, string> =
    try
        text.Split([| ','; ' ' |], StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun pair ->
            match pair.Split([| '='; ':' |]) with
            | [| t; e |] ->
                match Int32.TryParse t, Elements.tryParse e with
                | (true, ti), Some z -> ti, z
                | (false, _), _ -> failwithf "'%s' is not an atom type number" t
                | _, None -> failwithf "unknown element '%s'" e
            | _ -> failwithf "'%s' is not of the form TYPE=ELEMENT" pair)
        |> Map.ofArray
        |> Ok
    with ex ->
        Error ex.Message

let private elementOf (types: TypeMap) (line: int) (t: int) =
    match types.TryFind t with
    | Some z -> z
    | None when t < 1 -> failAt line (sprintf "atom type %d: LAMMPS atom types count from 1" t)
    | None ->
        let example =
            if t <= 4 then
                String.Join(",", [ for k in 1 .. max t 2 -> sprintf "%d=El" k ])
            else
                sprintf "1=El,2=El,…,%d=El" t

        failNeeding line ReadSetting.Types (sprintf "atom type %d has no element; give the element of each type, e.g. %s" t example)

/// The order of atoms by id, ties in file order (Array.sortBy is not stable).
let private idOrder (ids: int seq) =
    let keys =
        ids
        |> Seq.mapi (fun a id -> (uint64 (uint32 (id ^^^ Int32.MinValue)) <<< 32) ||| uint64 a)
        |> Array.ofSeq

    Array.Sort keys
    keys |> Array.map (fun k -> Operators.int (k &&& 0xFFFFFFFFUL))

/// Cell of a LAMMPS box from its edges and tilt factors.
let private boxCell lx ly lz xy xz yz =
    Cell.make (Vec3.make lx 0.0 0.0) (Vec3.make xy ly 0.0) (Vec3.make xz yz lz)

/// Parses a LAMMPS data file. Types without an entry in `types` are taken from element symbols written as
/// comments in the Masses section ("1 58.69 # Ni"), else reported.
let parseData (types: TypeMap) (file: string) (text: string) : Result<Structure, ReadError> =
    guard file (fun () ->
        let ls = lines text

        if ls |> Array.forall String.IsNullOrWhiteSpace then
            failFile "the file is empty"

        let mutable natoms = -1
        let mutable lo = Array.create 3 nan
        let mutable hi = Array.create 3 nan
        let mutable tilt = [| 0.0; 0.0; 0.0 |]
        let mutable types = types
        let mutable i = 1 // line 1 is a comment
        let section (l: string) = (stripComment '#' l).Trim()
        // header
        let mutable inHeader = true

        while inHeader && i < ls.Length do
            let t = tokens (stripComment '#' ls.[i])
            let ln = i + 1

            if t.Length = 0 then
                i <- i + 1
            elif t.Length = 2 && t.[1] = "atoms" then
                natoms <- int ln "the atom count" t.[0]
                i <- i + 1
            elif t.Length = 4 && t.[2].EndsWith "lo" && t.[3].EndsWith "hi" then
                let k =
                    match t.[2] with
                    | "xlo" -> 0
                    | "ylo" -> 1
                    | "zlo" -> 2
                    | _ -> failAt ln (sprintf "unknown bounds '%s'" t.[2])

                lo.[k] <- float ln t.[2] t.[0]
                hi.[k] <- float ln t.[3] t.[1]

                if not (hi.[k] > lo.[k]) then
                    failAt ln (sprintf "%s (%s) must be greater than %s (%s)" t.[3] t.[1] t.[2] t.[0])

                i <- i + 1
            elif t.Length = 6 && t.[3] = "xy" then
                tilt <- [| float ln "xy" t.[0]; float ln "xz" t.[1]; float ln "yz" t.[2] |]
                i <- i + 1
            elif Char.IsDigit t.[0].[0] || t.[0].[0] = '-' then
                i <- i + 1 // other counts (bonds, atom types, …)
            else
                inHeader <- false

        if natoms <= 0 then
            failFile "no positive 'N atoms' line in the header"

        if lo |> Array.exists Double.IsNaN then
            failFile "the header lacks xlo xhi, ylo yhi or zlo zhi"

        let cell =
            boxCell (hi.[0] - lo.[0]) (hi.[1] - lo.[1]) (hi.[2] - lo.[2]) tilt.[0] tilt.[1] tilt.[2]

        let mutable atoms: (int * Vec3 * (int * int)) array option = None

        while i < ls.Length do
            let name = section ls.[i]
            let ln = i + 1
            i <- i + 1

            if name <> "" then
                let style =
                    match ls.[i - 1].IndexOf '#' with
                    | -1 -> ""
                    | k -> ls.[i - 1].Substring(k + 1).Trim().ToLowerInvariant()
                // skip the blank line(s) after a section keyword, then read until the next blank line
                while i < ls.Length && String.IsNullOrWhiteSpace ls.[i] do
                    i <- i + 1

                let start = i

                while i < ls.Length && not (String.IsNullOrWhiteSpace ls.[i]) do
                    i <- i + 1

                let body = [| for k in start .. i - 1 -> k + 1, ls.[k] |]

                match name with
                | "Masses" ->
                    for (lnm, l) in body |> Array.filter (fun (_, l) -> (tokens (stripComment '#' l)).Length > 0) do
                        let t = tokens (stripComment '#' l)
                        let ty = int lnm "an atom type" t.[0]

                        match l.IndexOf '#' with
                        | -1 -> ()
                        | k ->
                            match Elements.tryNumber (l.Substring(k + 1).Trim().Split(' ').[0]) with
                            | Some z when not (types.ContainsKey ty) -> types <- types.Add(ty, z)
                            | _ -> ()
                | "Atoms" ->
                    if body.Length <> natoms then
                        failAt ln (sprintf "the Atoms section has %d lines but the header declares %d atoms" body.Length natoms)

                    let parsed =
                        body
                        |> Array.map (fun (lna, l) ->
                            let t = tokens (stripComment '#' l)
                            let n = t.Length
                            // columns before x y z, by style or by count (with optional 3 image flags)
                            let typeCol, xCol =
                                match style with
                                | "atomic" -> 1, 2
                                | "charge" -> 1, 3
                                | "molecular"
                                | "bond"
                                | "angle" -> 2, 3
                                | "full" -> 2, 4
                                | "" ->
                                    match n with
                                    | 5
                                    | 8 -> 1, 2
                                    | 7
                                    | 10 -> 2, 4
                                    | _ -> failAt lna (sprintf "cannot tell the atom style from %d columns; name it after 'Atoms #'" n)
                                | s -> failAt ln (sprintf "atom style '%s' is not supported (atomic, charge, molecular, full)" s)

                            if n <> xCol + 3 && n <> xCol + 6 then
                                failAt
                                    lna
                                    (sprintf "atom line has %d columns; style expects %d (or %d with image flags)" n (xCol + 3) (xCol + 6))

                            let id = int lna "the atom id" t.[0]
                            let ty = int lna "the atom type" t.[typeCol]

                            let p =
                                Vec3.make (float lna "x" t.[xCol]) (float lna "y" t.[xCol + 1]) (float lna "z" t.[xCol + 2])

                            let p =
                                if n = xCol + 6 then
                                    let im k =
                                        float lna "an image flag" t.[xCol + 3 + k]

                                    p + Cell.toCartesian cell (Vec3.make (im 0) (im 1) (im 2))
                                else
                                    p

                            id, p, (ty, lna)) // type and line, resolved below

                    atoms <- Some parsed
                | _ -> ()

        match atoms with
        | None -> failFile "no Atoms section"
        | Some parsed ->
            let sorted =
                idOrder (parsed |> Array.map (fun (id, _, _) -> id))
                |> Array.map (fun a -> parsed.[a])

            let numbers =
                sorted |> Array.map (fun (_, _, (ty, line)) -> elementOf types line ty)

            validated (Structure.periodic cell (sorted |> Array.map (fun (_, p, _) -> p)) numbers))

/// Lines read one by one, as TextReader.ReadLine splits them (\n, \r\n or \r; no empty line after a final newline),
/// numbered from 1.
type private LineSource(reader: IO.TextReader) =
    let mutable number = 0
    let mutable ahead: string = null

    /// The next line, or null past the end; Number is then its number.
    member _.Next() =
        let l =
            if isNull ahead then
                reader.ReadLine()
            else
                let l = ahead
                ahead <- null
                l

        if not (isNull l) then
            number <- number + 1

        l

    /// The number of the last line read.
    member _.Number = number

    /// Puts the last line read back.
    member _.Back(line: string) =
        ahead <- line
        number <- number - 1

    /// The number of lines in the whole text (the rest read).
    member this.Total() =
        while not (isNull (this.Next())) do
            ()

        number

    /// Skips blank lines; false at the end of the text.
    member this.SkipBlank() =
        let mutable l = this.Next()

        while not (isNull l) && String.IsNullOrWhiteSpace l do
            l <- this.Next()

        if isNull l then
            false
        else
            this.Back l
            true

/// A dump frame's head: its atom count, box and ATOMS columns.
type private DumpHead =
    { Natoms: int
      Cell: Cell
      Pbc: Pbc
      Origin: Vec3
      Scaled: bool
      PosCols: int[]
      ElementCol: int option
      TypeCol: int option
      IdCol: int option
      Columns: int }

/// The line that starts with `prefix` after blank lines (frame `frame`, 1-based, named in errors).
let private expect (src: LineSource) frame (prefix: string) =
    let found = src.SkipBlank()
    let l = src.Next()

    if not found then
        failAt (src.Number + 1) (sprintf "the file ends where '%s' was expected (truncated frame %d?)" prefix frame)

    if not (l.StartsWith prefix) then
        failAt src.Number (sprintf "expected '%s', found '%s'" prefix l)

    l

/// The next line's number and tokens; `what` names what the end of the file cut off.
let private nextLine (src: LineSource) frame what =
    match src.Next() with
    | null -> failAt (src.Number + 1) (sprintf "the file ends before %s (truncated frame %d)" what frame)
    | l -> src.Number, tokens l

/// A frame's TIMESTEP and NUMBER OF ATOMS items: the count and its line.
let private countOf (src: LineSource) frame =
    expect src frame "ITEM: TIMESTEP" |> ignore
    nextLine src frame "the timestep" |> ignore
    expect src frame "ITEM: NUMBER OF ATOMS" |> ignore
    let lnN, tN = nextLine src frame "the number of atoms"
    let n = int lnN "the number of atoms" (if tN.Length > 0 then tN.[0] else "")

    if n <= 0 then
        failAt lnN "zero atoms"

    lnN, n

/// The rest of a frame of n atoms counted on line lnN: a failure where the file has fewer than n lines after that
/// line is reported as the truncation (each atom needs a line; the count is never an allocation).
let private framed (src: LineSource) lnN n (body: unit -> 'T) =
    try
        body ()
    with ParseFailure _ ->
        let more = src.Total() - lnN

        if n > more then
            failAt lnN (sprintf "the frame declares %d atoms but the file has only %d more lines (truncated file?)" n more)

        reraise ()

/// A frame's BOX BOUNDS and ATOMS items, after its count.
let private headOf (src: LineSource) frame n =
    let boxLine = expect src frame "ITEM: BOX BOUNDS"
    let boxTokens = tokens (boxLine.Substring "ITEM: BOX BOUNDS".Length)
    let triclinic = boxTokens.Length >= 3 && boxTokens.[0] = "xy"
    let flags = if triclinic then boxTokens.[3..] else boxTokens

    let pbc =
        if flags.Length = 3 then
            Pbc.make (flags.[0] = "pp") (flags.[1] = "pp") (flags.[2] = "pp")
        else
            Pbc.all

    let bounds =
        Array.init 3 (fun _ ->
            let ln, t = nextLine src frame "the box bounds"

            if t.Length < (if triclinic then 3 else 2) then
                failAt ln "box bounds line has too few numbers"

            let b = t |> Array.map (float ln "a box bound")

            if not (b.[1] > b.[0]) then
                failAt ln (sprintf "the upper box bound (%s) must be greater than the lower one (%s)" t.[1] t.[0])

            b)

    let tiltOf k =
        if triclinic then bounds.[k].[2] else 0.0

    let xy, xz, yz = tiltOf 0, tiltOf 1, tiltOf 2
    let xlo = bounds.[0].[0] - (List.min [ 0.0; xy; xz; xy + xz ])
    let xhi = bounds.[0].[1] - (List.max [ 0.0; xy; xz; xy + xz ])
    let ylo = bounds.[1].[0] - min 0.0 yz
    let yhi = bounds.[1].[1] - max 0.0 yz

    let cell =
        boxCell (xhi - xlo) (yhi - ylo) (bounds.[2].[1] - bounds.[2].[0]) xy xz yz

    let atomsLine = expect src frame "ITEM: ATOMS"
    let cols = tokens (atomsLine.Substring "ITEM: ATOMS".Length)
    let at = src.Number

    let find names =
        names |> List.tryPick (fun nm -> cols |> Array.tryFindIndex ((=) nm))

    let posCols, scaled =
        let column (name: string) =
            match find [ name ] with
            | Some k -> k
            | None -> failAt at (sprintf "the ATOMS columns have %s but no %s" (name.Replace('y', 'x').Replace('z', 'x')) name)

        match find [ "x" ], find [ "xs" ], find [ "xu" ], find [ "xsu" ] with
        | Some x, _, _, _ -> [| x; column "y"; column "z" |], false
        | _, Some x, _, _ -> [| x; column "ys"; column "zs" |], true
        | _, _, Some x, _ -> [| x; column "yu"; column "zu" |], false
        | _, _, _, Some x -> [| x; column "ysu"; column "zsu" |], true
        | _ -> failAt at "the ATOMS columns have no positions (x y z, xs ys zs, xu yu zu)"

    let elementCol, typeCol = find [ "element" ], find [ "type" ]

    if elementCol.IsNone && typeCol.IsNone then
        failAt at "the ATOMS columns have neither type nor element"

    { Natoms = n
      Cell = cell
      Pbc = pbc
      Origin = Vec3.make xlo ylo bounds.[2].[0]
      Scaled = scaled
      PosCols = posCols
      ElementCol = elementCol
      TypeCol = typeCol
      IdCol = find [ "id" ]
      Columns = cols.Length }

/// Atom `a` of a frame from its line: id (a without an id column), position (Å) and atomic number.
let private atomOf (types: TypeMap) (h: DumpHead) frame (src: LineSource) (a: int) =
    let ln, t = nextLine src frame (sprintf "atom %d of %d" (a + 1) h.Natoms)

    if t.Length <> h.Columns then
        failAt ln (sprintf "atom line has %d columns; the ATOMS header names %d (truncated frame?)" t.Length h.Columns)

    let v =
        Vec3.make (float ln "x" t.[h.PosCols.[0]]) (float ln "y" t.[h.PosCols.[1]]) (float ln "z" t.[h.PosCols.[2]])

    let p = if h.Scaled then h.Origin + Cell.toCartesian h.Cell v else v

    let z =
        match h.ElementCol with
        | Some k -> element ln t.[k]
        | None -> elementOf types ln (int ln "the atom type" t.[h.TypeCol.Value])

    let id =
        match h.IdCol with
        | Some k -> int ln "the atom id" t.[k]
        | None -> a

    id, p, z

/// Parses every frame of a LAMMPS text dump (columns x y z, xs ys zs or xu yu zu; type or element).
let parseDump (types: TypeMap) (file: string) (text: string) : Result<Structure list, ReadError> =
    guard file (fun () ->
        if String.IsNullOrWhiteSpace text then
            failFile "the file is empty"

        use reader = new IO.StringReader(text)
        let src = LineSource reader
        let frames = ResizeArray<Structure>()
        let mutable more = true

        while more do
            let frame = frames.Count + 1
            let lnN, n = countOf src frame

            let rows =
                framed src lnN n (fun () ->
                    let h = headOf src frame n
                    let rows = ResizeArray(min n 65536)

                    for a in 0 .. n - 1 do
                        rows.Add(atomOf types h frame src a)

                    h, rows.ToArray())

            let h, rows = rows

            let rows =
                idOrder (rows |> Array.map (fun (id, _, _) -> id))
                |> Array.map (fun a -> rows.[a])

            let s =
                Structure.create (rows |> Array.map (fun (_, p, _) -> p)) (rows |> Array.map (fun (_, _, z) -> z)) (Some h.Cell) h.Pbc

            frames.Add(validated s)
            more <- src.SkipBlank()

        List.ofSeq frames)

/// The atoms of a first frame whose ids are out of order taken this many at a time (28 bytes each) in id order.
let internal window = 1 <<< 24

/// streamFirstDump with `span` atoms a pass when ids are out of order.
let internal streamFirstIn (span: int) types file (openText: unit -> IO.TextReader) (visit: Vec3 -> int -> bool) =
    guard file (fun () ->
        // the first pass checks every line as parseDump does and reads the ids
        let h, first, ids, sorted, one, bad =
            use reader = openText ()
            let src = LineSource reader

            if not (src.SkipBlank()) then
                failFile "the file is empty"

            let lnN, n = countOf src 1

            framed src lnN n (fun () ->
                let h = headOf src 1 n
                let first = src.Number
                let ids = ResizeArray<int>(min n (1 <<< 20))
                let mutable sorted = true
                let mutable one = Vec3.zero, 0
                let bad = ResizeArray()

                for a in 0 .. n - 1 do
                    let id, p, z = atomOf types h 1 src a

                    if not (Vec3.isFinite p) || z < 1 || z > Elements.maxNumber then
                        bad.Add(a, p, z)

                    if a = 0 then
                        one <- p, z
                    elif id < ids.[a - 1] then
                        sorted <- false

                    ids.Add id

                h, first, ids, sorted, one, bad)

        // the frame checked as when read whole: its atoms (the first at fault in id order named), cell and periodicity
        if bad.Count > 0 then
            // the first in id order is the one of least (id, file index); its rank is its number when read whole
            let key (a: int) = ids.[a], a

            let rankOf a =
                ids |> Seq.indexed |> Seq.filter (fun (b, _) -> key b < key a) |> Seq.length

            let finite, infinite =
                bad |> Seq.toArray |> Array.partition (fun (_, p, _) -> Vec3.isFinite p)

            if infinite.Length > 0 then
                let a, _, _ = infinite |> Array.minBy (fun (a, _, _) -> key a)
                failFile (sprintf "atom %d has a non-finite coordinate (NaN or Inf)" (rankOf a + 1))

            let a, _, z = finite |> Array.minBy (fun (a, _, _) -> key a)
            failFile (sprintf "atom %d has an unknown atomic number %d" (rankOf a + 1) z)

        validated (Structure.create [| fst one |] [| snd one |] (Some h.Cell) h.Pbc)
        |> ignore

        let positions = Text.Gathered<Vec3>()
        let numbers = Text.Gathered<int>()

        let atoms (each: LineSource -> int -> unit) =
            use reader = openText ()
            let src = LineSource reader

            while src.Number < first do
                src.Next() |> ignore

            for a in 0 .. h.Natoms - 1 do
                each src a

        let keep (p: Vec3) z =
            if visit p z then
                positions.Add p
                numbers.Add z

        if sorted then
            atoms (fun src a ->
                let _, p, z = atomOf types h 1 src a
                keep p z)
        else
            // sample order is id order (ties in file order): each atom's rank, then the atoms `span` ranks at a time
            let rank = Array.zeroCreate<int> h.Natoms
            idOrder ids |> Array.iteri (fun r a -> rank.[a] <- r)
            let slots = Array.zeroCreate<Vec3>(min span h.Natoms)
            let zs = Array.zeroCreate<int> slots.Length

            for start in 0..span .. h.Natoms - 1 do
                atoms (fun src a ->
                    let r = rank.[a] - start

                    if r >= 0 && r < slots.Length then
                        let _, p, z = atomOf types h 1 src a
                        slots.[r] <- p
                        zs.[r] <- z
                    else
                        src.Next() |> ignore)

                for r in 0 .. min slots.Length (h.Natoms - start) - 1 do
                    keep slots.[r] zs.[r]

        Structure.create (positions.ToArray()) (numbers.ToArray()) (Some h.Cell) h.Pbc)

/// The first frame of a LAMMPS text dump streamed: `visit position number` is called for each of its atoms in the
/// order parseDump gives them (by id) and says whether to keep it.
let streamFirstDump (types: TypeMap) (file: string) (openText: unit -> IO.TextReader) (visit: Vec3 -> int -> bool) =
    streamFirstIn window types file openText visit

/// Writes a LAMMPS data file (atom style atomic) for a structure with an orthogonal, axis-aligned cell (periodic)
/// or none (a box around the atoms with 10 Å margins, for non-periodic boundaries). One atom type per element,
/// numbered by increasing Z and named in the Masses comments; positions are wrapped into the box.
let writeData (s: Structure) : Result<string, string> =
    let species = s.Numbers |> Array.distinct |> Array.sort
    let typeOf = species |> Array.mapi (fun k z -> z, k + 1) |> dict

    let box =
        match s.Cell with
        | Some c when abs c.A.Y + abs c.A.Z + abs c.B.X + abs c.B.Z + abs c.C.X + abs c.C.Y < 1e-9 * (c.A.X + c.B.Y + c.C.Z) ->
            Ok(Vec3.zero, Vec3.make c.A.X c.B.Y c.C.Z)
        | Some _ -> Error "writeData: only orthogonal, axis-aligned cells can be written (use an orthogonal supercell)"
        | None ->
            let lo =
                Vec3.make
                    (s.Positions |> Array.map (fun p -> p.X) |> Array.min)
                    (s.Positions |> Array.map (fun p -> p.Y) |> Array.min)
                    (s.Positions |> Array.map (fun p -> p.Z) |> Array.min)

            let hi =
                Vec3.make
                    (s.Positions |> Array.map (fun p -> p.X) |> Array.max)
                    (s.Positions |> Array.map (fun p -> p.Y) |> Array.max)
                    (s.Positions |> Array.map (fun p -> p.Z) |> Array.max)

            let m = Vec3.make 10.0 10.0 10.0
            Ok(lo - m, hi + m)

    box
    |> Result.map (fun (lo, hi) ->
        let inv = Globalization.CultureInfo.InvariantCulture
        let sb = Text.StringBuilder()
        let line (t: string) = sb.Append(t).Append('\n') |> ignore
        line "# written by Arise"
        line ""
        line (sprintf "%d atoms" s.Positions.Length)
        line (sprintf "%d atom types" species.Length)
        line ""
        line (String.Format(inv, "{0:R} {1:R} xlo xhi", lo.X, hi.X))
        line (String.Format(inv, "{0:R} {1:R} ylo yhi", lo.Y, hi.Y))
        line (String.Format(inv, "{0:R} {1:R} zlo zhi", lo.Z, hi.Z))
        line ""
        line "Masses"
        line ""

        for z in species do
            line (String.Format(inv, "{0} {1} # {2}", typeOf.[z], max 1.0 (2.0 * Convert.ToDouble z), Elements.symbol z))

        line ""
        line "Atoms # atomic"
        line ""

        s.Positions
        |> Array.iteri (fun i p ->
            let w =
                match s.Cell with
                | Some c -> Cell.wrapOrthogonal c p
                | None -> p

            line (String.Format(inv, "{0} {1} {2:R} {3:R} {4:R}", i + 1, typeOf.[s.Numbers.[i]], w.X, w.Y, w.Z)))

        sb.ToString())
