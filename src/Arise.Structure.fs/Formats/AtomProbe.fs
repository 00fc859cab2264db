module Arise.Structure.Formats.AtomProbe

open System
open System.Buffers.Binary
open System.Globalization
open System.IO
open Arise.Structure

type Range =
    { Low: float
      High: float
      Ion: (int * int) list }

type Mapping =
    { KeepUnranged: bool
      SplitMolecular: bool }

let defaults =
    { KeepUnranged = false
      SplitMolecular = false }

let private inv = CultureInfo.InvariantCulture

let private error (file: string) (line: int option) (message: string) =
    Error
        { File = file
          Line = line
          Message = message
          Needs = None }

let private number (text: string) =
    match Double.TryParse(text, NumberStyles.Float, inv) with
    | true, v when Double.IsFinite v -> Some v
    | _ -> None

/// Ranges sorted by their low edge, Error when two overlap.
let private checkRanges (file: string) (ranges: Range list) =
    let sorted = ranges |> List.sortBy (fun r -> r.Low)

    match sorted |> List.pairwise |> List.tryFind (fun (a, b) -> b.Low < a.High) with
    | Some(a, b) -> error file None (sprintf "ranges %g–%g Da and %g–%g Da overlap" a.Low a.High b.Low b.High)
    | None when sorted.IsEmpty -> error file None "no ranges"
    | None -> Ok sorted

let parseRrng (file: string) (text: string) : Result<Range list, ReadError> =
    let lines = text.Replace("\r", "").Split('\n')
    let mutable section = ""
    let ranges = ResizeArray<Range>()
    let mutable problem = None

    for i in 0 .. lines.Length - 1 do
        let l = lines.[i].Trim()

        if problem.IsNone && l <> "" && not (l.StartsWith "#") then
            if l.StartsWith "[" then
                section <- l.Trim('[', ']').ToLowerInvariant()
            elif
                section = "ranges"
                && l.StartsWith("Range", StringComparison.OrdinalIgnoreCase)
                && l.Contains "="
            then
                let fields =
                    l.Substring(l.IndexOf '=' + 1).Split([| ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries)

                let ion =
                    fields
                    |> Array.skip (min 2 fields.Length)
                    |> Array.choose (fun f ->
                        match f.Split ':' with
                        | [| name; count |] when
                            not (name.Equals("vol", StringComparison.OrdinalIgnoreCase))
                            && not (name.Equals("color", StringComparison.OrdinalIgnoreCase))
                            && not (name.Equals("name", StringComparison.OrdinalIgnoreCase))
                            ->
                            match Elements.tryNumber name, Int32.TryParse count with
                            | Some z, (true, n) when n >= 1 && n <= 100 -> Some(Ok(z, n))
                            | _ -> Some(Error f)
                        | _ -> None)

                match
                    fields.Length >= 2,
                    (if fields.Length >= 2 then
                         number fields.[0], number fields.[1]
                     else
                         None, None)
                with
                | true, (Some lo, Some hi) when hi > lo && lo >= 0.0 ->
                    match
                        ion
                        |> Array.tryPick (function
                            | Error f -> Some f
                            | Ok _ -> None)
                    with
                    | Some f -> problem <- Some(i + 1, sprintf "'%s' is not an element and a count" f)
                    | None when ion.Length = 0 -> problem <- Some(i + 1, "a range without an ion (e.g. Fe:1)")
                    | None ->
                        ranges.Add
                            { Low = lo
                              High = hi
                              Ion =
                                ion
                                |> Array.choose (function
                                    | Ok p -> Some p
                                    | Error _ -> None)
                                |> List.ofArray }
                | _ -> problem <- Some(i + 1, "a range needs a low and a high mass-to-charge (Da), low < high")

    match problem with
    | Some(line, message) -> error file (Some line) message
    | None -> checkRanges file (List.ofSeq ranges)

let parseRng (file: string) (text: string) : Result<Range list, ReadError> =
    let lines =
        text.Replace("\r", "").Split('\n')
        |> Array.mapi (fun i l -> i + 1, l.Trim())
        |> Array.filter (fun (_, l) -> l <> "")

    let header =
        if lines.Length = 0 then
            None
        else
            match (snd lines.[0]).Split([| ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries) with
            | [| a; b |] ->
                match Int32.TryParse a, Int32.TryParse b with
                | (true, ions), (true, n) when ions >= 1 && ions <= 1000 && n >= 0 && n <= 100000 -> Some(ions, n)
                | _ -> None
            | _ -> None

    match header with
    | None -> error file (Some 1) "the first line must give the number of ions and of ranges"
    | Some(ions, count) when lines.Length < 1 + 2 * ions + 1 + count ->
        error file None (sprintf "%d ions and %d ranges announced, but the file ends early" ions count)
    | Some(ions, count) ->
        let names = [| for k in 0 .. ions - 1 -> snd lines.[1 + 2 * k] |]
        let mutable problem = None

        let species =
            names
            |> Array.mapi (fun k n ->
                match Elements.tryNumber n with
                | Some z -> z
                | None ->
                    problem <- Some(fst lines.[1 + 2 * k], sprintf "'%s' is not an element" n)
                    0)

        let start = 1 + 2 * ions + 1

        let ranges =
            [ for r in 0 .. count - 1 do
                  let line, l = lines.[start + r]
                  let f = l.Split([| ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries)

                  if f.Length < 3 + ions then
                      problem <-
                          problem
                          |> Option.orElse (Some(line, sprintf "a range line needs '.', low, high and %d counts" ions))
                  else
                      match number f.[1], number f.[2] with
                      | Some lo, Some hi when hi > lo ->
                          let ion =
                              [ for k in 0 .. ions - 1 do
                                    match Int32.TryParse f.[3 + k] with
                                    | true, n when n > 0 -> yield species.[k], n
                                    | _ -> () ]

                          if ion.IsEmpty then
                              problem <- problem |> Option.orElse (Some(line, "a range without an ion"))
                          else
                              yield { Low = lo; High = hi; Ion = ion }
                      | _ -> problem <- problem |> Option.orElse (Some(line, "a range needs low < high (Da)")) ]

        match problem with
        | Some(line, message) -> error file (Some line) message
        | None -> checkRanges file ranges

let readRanges (path: string) : Result<Range list, ReadError> =
    try
        if not (File.Exists path) then
            error path None "no such range file"
        elif FileInfo(path).Length > 50_000_000L then
            error path None "a range file of more than 50 MB"
        else
            let text = File.ReadAllText path

            match Path.GetExtension(path).ToLowerInvariant() with
            | ".rng" -> parseRng path text
            | _ -> parseRrng path text
    with e ->
        error path None (sprintf "cannot be read (%s)" e.Message)

/// The range of mass-to-charge m: the index in `ranges` of the last range whose low edge is at most m, when m lies
/// below its high edge; −1 otherwise.
let private finder (ranges: Range[]) =
    let lows = ranges |> Array.map (fun r -> r.Low)
    let highs = ranges |> Array.map (fun r -> r.High)

    fun (m: float) ->
        let mutable lo, hi = 0, lows.Length - 1
        let mutable found = -1

        while lo <= hi do
            let mid = (lo + hi) / 2

            if lows.[mid] <= m then
                found <- mid
                lo <- mid + 1
            else
                hi <- mid - 1

        if found >= 0 && m < highs.[found] then found else -1

/// Visits piece k of n of `ions` ions (ions ⌊ions·k/n⌋ … ⌊ions·(k+1)/n⌋ − 1; (0, 1): all) block by block: `fill start
/// count values` loads ions start … start + count − 1 into `values` (4 an ion: x, y, z in nm, then mass-to-charge in
/// Da). Emits through `emit position element mass` the atoms of the ranged ions in file order: a molecular ion's atoms
/// when they are split (spread by 0.05 Å along x), an unranged ion as element 0 when kept; stops at the first ion with
/// a value that is not finite. Of all the ions, none ranged is an error; a piece may give none.
let private visitIons
    (mapping: Mapping)
    (ranges: Range list)
    (file: string)
    (ions: int64)
    (k: int, n: int)
    (fill: int64 -> int -> float[] -> unit)
    (emit: Vec3 -> int -> float -> unit)
    : Result<unit, ReadError> =
    let ranges = Array.ofList ranges
    let find = finder ranges
    // the element of each range of a single atom, −1 for a molecular ion
    let single =
        ranges
        |> Array.map (fun r ->
            match r.Ion with
            | [ (element, 1) ] -> element
            | _ -> -1)

    let values = Array.zeroCreate<float>(4 * 65536)
    let last = ions * int64 (k + 1) / int64 n
    let mutable done_ = ions * int64 k / int64 n
    let mutable bad = -1L
    let mutable emitted = 0L

    while done_ < last && bad < 0L do
        let count = int (min 65536L (last - done_))
        fill done_ count values
        let mutable i = 0

        while i < count && bad < 0L do
            let x, y, z, m =
                values.[4 * i], values.[4 * i + 1], values.[4 * i + 2], values.[4 * i + 3]

            if not (Double.IsFinite x && Double.IsFinite y && Double.IsFinite z && Double.IsFinite m) then
                bad <- done_ + int64 i
            else
                let p = Vec3.make (10.0 * x) (10.0 * y) (10.0 * z)
                let r = find m

                if r >= 0 && single.[r] >= 0 then
                    emitted <- emitted + 1L
                    emit p single.[r] m
                elif r >= 0 && mapping.SplitMolecular then
                    let mutable k = 0

                    for element, n in ranges.[r].Ion do
                        for _ in 1..n do
                            emitted <- emitted + 1L
                            emit (p + Vec3.make (0.05 * float k) 0.0 0.0) element m
                            k <- k + 1
                elif r < 0 && mapping.KeepUnranged then
                    emitted <- emitted + 1L
                    emit p 0 m

            i <- i + 1

        done_ <- done_ + int64 count

    if bad >= 0L then
        error file None (sprintf "ion %d has a position or mass-to-charge that is not a finite number" (bad + 1L))
    elif emitted = 0L && n = 1 then
        error file None (sprintf "none of its %d ions lies in a range of the range file" ions)
    else
        Ok()

/// The atoms a visit emits, as a structure with per-atom "mass_to_charge" (Da).
let private collect (keep: Vec3 -> int -> bool) (visit: (Vec3 -> int -> float -> unit) -> Result<unit, ReadError>) =
    let positions = Text.Gathered<Vec3>()
    let numbers = Text.Gathered<int>()
    let masses = Text.Gathered<float>()

    visit (fun p element m ->
        if keep p element then
            positions.Add p
            numbers.Add element
            masses.Add m)
    |> Result.map (fun () ->
        Structure.cluster (positions.ToArray()) (numbers.ToArray())
        |> Structure.withProperty "mass_to_charge" (Reals(1, masses.ToArray())))

/// Reads `count` bytes at `offset` of a stream into `buffer`.
let private readAt (stream: Stream) (offset: int64) (buffer: byte array) (count: int) =
    stream.Position <- offset
    stream.ReadExactly(buffer, 0, count)

/// The ions of a .pos (`extended` false) or .epos stream, visited block by block.
let private posIons mapping ranges (extended: bool) (file: string) (stream: Stream) piece emit =
    let size = if extended then 44 else 16
    let length = stream.Length

    if length = 0L || length % int64 size <> 0L then
        error file None (sprintf "%d bytes: not a whole number of %d-byte ions (%s)" length size (if extended then ".epos" else ".pos"))
    else
        let block = Array.zeroCreate<byte>(size * 65536)

        let fill (start: int64) (count: int) (values: float[]) =
            readAt stream (start * int64 size) block (count * size)

            for i in 0 .. count - 1 do
                for k in 0..3 do
                    values.[4 * i + k] <- float (BinaryPrimitives.ReadSingleBigEndian(ReadOnlySpan(block, i * size + 4 * k, 4)))

        visitIons mapping ranges file (length / int64 size) piece fill emit

/// The ions `keep` accepts of a file read block by block by `ions` (posIons or aptIons), never held whole.
let private streamFile ions (file: string) keep : Result<Structure, ReadError> =
    use stream =
        new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16)

    collect keep (ions file stream (0, 1))

/// The count and bounds (Å) of the atoms that piece k of n of a file's ions gives (`ions`: posIons or aptIons).
let private extentOfPiece ions (file: string) (k: int) (n: int) =
    use stream =
        new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16)

    let mutable count = 0L
    let mutable lo, hi = Vec3.zero, Vec3.zero

    ions file stream (k, n) (fun (p: Vec3) _ _ ->
        if count = 0L then
            lo <- p
            hi <- p
        else
            lo <- Vec3.lower lo p
            hi <- Vec3.upper hi p

        count <- count + 1L)
    |> Result.map (fun () -> count, lo, hi)

let ionsExtent (mapping: Mapping) (ranges: Range list) (extended: bool) (file: string) (k: int) (n: int) =
    extentOfPiece (posIons mapping ranges extended) file k n

let streamIons (mapping: Mapping) (ranges: Range list) (extended: bool) (file: string) (keep: Vec3 -> int -> bool) =
    streamFile (posIons mapping ranges extended) file keep

let parseIons (mapping: Mapping) (ranges: Range list) (extended: bool) (file: string) (bytes: byte array) : Result<Structure, ReadError> =
    use stream = new MemoryStream(bytes, false)
    collect (fun _ _ -> true) (posIons mapping ranges extended file stream (0, 1))

/// The sizes of an .apt file's header and of a section's header without extra fields (bytes).
let private aptHeaderSize, aptSectionSize = 540, 148

/// A UTF-16 name of `chars` characters at `offset`, up to its first NUL.
let private wideName (bytes: byte array) (offset: int) (chars: int) =
    let text = Text.Encoding.Unicode.GetString(bytes, offset, 2 * chars)
    let nul = text.IndexOf '\000'
    if nul >= 0 then text.Substring(0, nul) else text

/// An .apt section: its name, unit, record data type (3: float), bits per value, bytes per record, records and the
/// offset of its data.
type private AptSection =
    { Name: string
      Unit: string
      DataType: uint32
      Bits: int
      RecordSize: int
      Records: int64
      Bytes: int64
      Data: int64 }

/// The sections of an .apt stream after its header of `headerSize` bytes (only their headers are read), or why they
/// cannot be read.
let private aptSections (stream: Stream) (headerSize: int) : Result<AptSection list, string> =
    let length = stream.Length
    let bytes = Array.zeroCreate<byte> aptSectionSize

    let rec walk (offset: int64) (found: AptSection list) =
        if offset = length then
            Ok(List.rev found)
        elif offset + int64 aptSectionSize > length then
            Error(sprintf "truncated: a section header at byte %d is cut off" offset)
        else
            readAt stream offset bytes aptSectionSize

            if Text.Encoding.ASCII.GetString(bytes, 0, 4) <> "SEC\000" then
                Error(sprintf "byte %d: a section should start here (SEC), found other bytes" offset)
            else
                let int32At k =
                    BinaryPrimitives.ReadInt32LittleEndian(ReadOnlySpan(bytes, k, 4))

                let size = int32At 4
                let records = BinaryPrimitives.ReadInt64LittleEndian(ReadOnlySpan(bytes, 132, 8))
                let byteCount = BinaryPrimitives.ReadInt64LittleEndian(ReadOnlySpan(bytes, 140, 8))

                let section =
                    { Name = wideName bytes 12 32
                      Unit = wideName bytes 100 16
                      DataType = BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan(bytes, 88, 4))
                      Bits = int32At 92
                      RecordSize = int32At 96
                      Records = records
                      Bytes = byteCount
                      Data = offset + int64 size }

                if size < aptSectionSize || size > 4096 then
                    Error(sprintf "section %s: header size %d bytes is not valid" section.Name size)
                elif
                    records < 0L
                    || byteCount < 0L
                    || byteCount > length
                    || section.Data + byteCount > length
                then
                    Error(sprintf "truncated: section %s needs %d bytes of data, the file ends before" section.Name byteCount)
                else
                    walk (section.Data + byteCount) (section :: found)

    walk (int64 headerSize) []

/// The ions of an .apt stream (APSuite 6), visited block by block from its Position and Mass sections.
let private aptIons mapping ranges (file: string) (stream: Stream) piece emit =
    let length = stream.Length
    let header = Array.zeroCreate<byte> aptHeaderSize

    if length < int64 aptHeaderSize then
        error file None (sprintf "%d bytes: shorter than the %d-byte header of an .apt (APSuite 6) file" length aptHeaderSize)
    else
        readAt stream 0L header aptHeaderSize

        if Text.Encoding.ASCII.GetString(header, 0, 4) <> "APT\000" then
            error file None "not an .apt (APSuite 6) file: it does not start with APT (an older IVAS .apt? export .pos or .epos)"
        else
            let ions = BinaryPrimitives.ReadInt64LittleEndian(ReadOnlySpan(header, 532, 8))
            let headerSize = BinaryPrimitives.ReadInt32LittleEndian(ReadOnlySpan(header, 4, 4))

            let take (name: string) (recordSize: int) =
                fun (sections: AptSection list) ->
                    match sections |> List.tryFind (fun s -> s.Name = name) with
                    | None -> Error(sprintf "no %s section (found: %s)" name (String.Join(", ", sections |> List.map (fun s -> s.Name))))
                    | Some s when s.DataType <> 3u || s.Bits <> 32 || s.RecordSize <> recordSize ->
                        Error(
                            sprintf
                                "section %s holds %d-byte records of %d-bit type %d; expected float32 (%d bytes)"
                                name
                                s.RecordSize
                                s.Bits
                                s.DataType
                                recordSize
                        )
                    | Some s when s.Bytes % int64 recordSize <> 0L || s.Bytes / int64 recordSize <> s.Records ->
                        Error(sprintf "section %s: %d bytes of data for %d records of %d bytes" name s.Bytes s.Records recordSize)
                    | Some s when s.Records <> ions ->
                        Error(sprintf "section %s has %d records for the header's %d ions" name s.Records ions)
                    | Some s -> Ok s

            let read =
                if headerSize < aptHeaderSize || int64 headerSize > length then
                    Error(sprintf "the header gives its size as %d bytes (at least %d)" headerSize aptHeaderSize)
                elif ions <= 0L then
                    Error(sprintf "the header gives %d ions" ions)
                else
                    aptSections stream headerSize
                    |> Result.bind (fun sections ->
                        take "Position" 12 sections
                        |> Result.bind (fun p -> take "Mass" 4 sections |> Result.map (fun m -> p, m)))

            match read with
            | Error message -> error file None message
            | Ok(p, m) ->
                // positions in nm (visitIons makes them Å), or Å when the section says so
                let scale =
                    match p.Unit with
                    | "nm"
                    | "" -> Some 1.0
                    | "Å"
                    | "A"
                    | "Angstrom" -> Some 0.1
                    | _ -> None

                match scale with
                | None -> error file None (sprintf "the Position section's unit is %s; nm or Å expected" p.Unit)
                | Some scale ->
                    let positions = Array.zeroCreate<byte>(12 * 65536)
                    let masses = Array.zeroCreate<byte>(4 * 65536)

                    let fill (start: int64) (count: int) (values: float[]) =
                        readAt stream (p.Data + 12L * start) positions (12 * count)
                        readAt stream (m.Data + 4L * start) masses (4 * count)

                        for i in 0 .. count - 1 do
                            for k in 0..2 do
                                values.[4 * i + k] <-
                                    scale
                                    * float (BinaryPrimitives.ReadSingleLittleEndian(ReadOnlySpan(positions, 12 * i + 4 * k, 4)))

                            values.[4 * i + 3] <- float (BinaryPrimitives.ReadSingleLittleEndian(ReadOnlySpan(masses, 4 * i, 4)))

                    visitIons mapping ranges file ions piece fill emit

let streamApt (mapping: Mapping) (ranges: Range list) (file: string) (keep: Vec3 -> int -> bool) =
    streamFile (aptIons mapping ranges) file keep

let aptExtent (mapping: Mapping) (ranges: Range list) (file: string) (k: int) (n: int) =
    extentOfPiece (aptIons mapping ranges) file k n

let parseApt (mapping: Mapping) (ranges: Range list) (file: string) (bytes: byte array) : Result<Structure, ReadError> =
    use stream = new MemoryStream(bytes, false)
    collect (fun _ _ -> true) (aptIons mapping ranges file stream (0, 1))

let writePos (path: string) (ions: (float * float * float * float) array) =
    let bytes = Array.zeroCreate<byte>(16 * ions.Length)

    ions
    |> Array.iteri (fun i (x, y, z, m) ->
        for k, v in [ 0, x; 1, y; 2, z; 3, m ] do
            BinaryPrimitives.WriteSingleBigEndian(Span(bytes, 16 * i + 4 * k, 4), float32 v))

    Arise.Numerics.AtomicFile.write path (fun tmp -> File.WriteAllBytes(tmp, bytes))

/// A section header: name, unit, record size (bytes), records, extra header bytes.
let private aptSection (name: string) (unit: string) (recordSize: int) (records: int) (extra: byte array) =
    let b = Array.zeroCreate<byte>(aptSectionSize + extra.Length)
    Text.Encoding.ASCII.GetBytes("SEC\000").CopyTo(b, 0)

    let int32 (k: int) (v: int) =
        BinaryPrimitives.WriteInt32LittleEndian(Span(b, k, 4), v)

    int32 4 b.Length
    int32 8 2
    Text.Encoding.Unicode.GetBytes(name).CopyTo(b, 12)
    int32 76 1 // section version
    int32 80 1 // one record per ion
    int32 84 1 // fixed-size records
    int32 88 3 // float
    int32 92 32
    int32 96 recordSize
    Text.Encoding.Unicode.GetBytes(unit).CopyTo(b, 100)
    BinaryPrimitives.WriteInt64LittleEndian(Span(b, 132, 8), int64 records)
    BinaryPrimitives.WriteInt64LittleEndian(Span(b, 140, 8), int64 records * int64 recordSize)
    extra.CopyTo(b, aptSectionSize)
    b

let writeApt (path: string) (ions: (float * float * float * float) array) =
    let n = ions.Length
    let header = Array.zeroCreate<byte> aptHeaderSize
    Text.Encoding.ASCII.GetBytes("APT\000").CopyTo(header, 0)
    BinaryPrimitives.WriteInt32LittleEndian(Span(header, 4, 4), aptHeaderSize)
    BinaryPrimitives.WriteInt32LittleEndian(Span(header, 8, 4), 2)
    let name = Text.Encoding.Unicode.GetBytes(Path.GetFileName path)
    Array.Copy(name, 0, header, 12, min name.Length 510)
    BinaryPrimitives.WriteInt64LittleEndian(Span(header, 532, 8), int64 n)
    let positions = Array.zeroCreate<byte>(12 * n)
    let masses = Array.zeroCreate<byte>(4 * n)
    // the Position section's extra header: the bounds (nm), x min, x max, y min, y max, z min, z max
    let bounds = Array.zeroCreate<byte> 24

    if n > 0 then
        for k, pick in
            [ 0, (fun (x, _, _, _) -> x)
              1, (fun (_, y, _, _) -> y)
              2, (fun (_, _, z, _) -> z) ] do
            let values = ions |> Array.map pick
            BinaryPrimitives.WriteSingleLittleEndian(Span(bounds, 8 * k, 4), float32 (Array.min values))
            BinaryPrimitives.WriteSingleLittleEndian(Span(bounds, 8 * k + 4, 4), float32 (Array.max values))

    ions
    |> Array.iteri (fun i (x, y, z, m) ->
        for k, v in [ 0, x; 1, y; 2, z ] do
            BinaryPrimitives.WriteSingleLittleEndian(Span(positions, 12 * i + 4 * k, 4), float32 v)

        BinaryPrimitives.WriteSingleLittleEndian(Span(masses, 4 * i, 4), float32 m))

    Arise.Numerics.AtomicFile.write path (fun tmp ->
        use f = File.Create tmp

        for part in
            [ header
              aptSection "Position" "nm" 12 n bounds
              positions
              aptSection "Mass" "Da" 4 n [||]
              masses ] do
            f.Write(part, 0, part.Length))

let writeRrng (path: string) (ranges: Range list) =
    let elements =
        ranges |> List.collect (fun r -> r.Ion |> List.map fst) |> List.distinct

    let text =
        [ yield "[Ions]"
          yield sprintf "Number=%d" elements.Length
          for k, z in List.indexed elements -> sprintf "Ion%d=%s" (k + 1) (Elements.symbol z)
          yield "[Ranges]"
          yield sprintf "Number=%d" ranges.Length
          for k, r in List.indexed ranges ->
              let ion =
                  r.Ion
                  |> List.map (fun (z, c) -> sprintf "%s:%d" (Elements.symbol z) c)
                  |> String.concat " "

              String.Format(inv, "Range{0}={1:0.0000} {2:0.0000} vol:0.01000 {3} color:999999", k + 1, r.Low, r.High, ion) ]

    Arise.Numerics.AtomicFile.writeText path (String.Join("\n", text) + "\n")

/// Standard atomic weights (Da) of elements common in atom probe; others are taken as 2 Z.
let private weights =
    Map.ofList
        [ 1, 1.008
          5, 10.81
          6, 12.011
          7, 14.007
          8, 15.999
          12, 24.305
          13, 26.982
          14, 28.085
          15, 30.974
          22, 47.867
          23, 50.942
          24, 51.996
          25, 54.938
          26, 55.845
          27, 58.933
          28, 58.693
          29, 63.546
          30, 65.38
          40, 91.224
          41, 92.906
          42, 95.95
          72, 178.49
          73, 180.95
          74, 183.84
          75, 186.21
          78, 195.08
          79, 196.97 ]

let synthetic (seed: int) (efficiency: float) (lateral: float) (depth: float) (s: Structure) =
    if not (efficiency > 0.0 && efficiency <= 1.0) then
        Error(sprintf "the detection efficiency must lie in (0, 1] (got %g)" efficiency)
    elif not (lateral >= 0.0 && depth >= 0.0) then
        Error "the noise must be ≥ 0"
    else
        let metal (z: int) =
            not (List.contains z [ 1; 2; 5; 6; 7; 8; 9; 10; 14; 15; 16; 17; 18 ])

        let peak (z: int) =
            let w = weights |> Map.tryFind z |> Option.defaultValue (2.0 * float z)
            if metal z then w / 2.0 else w

        let elements = s.Numbers |> Array.distinct |> Array.sort

        let ranges =
            [ for z in elements ->
                  { Low = peak z - 0.3
                    High = peak z + 0.3
                    Ion = [ z, 1 ] } ]

        match checkRanges "synthetic" ranges with
        | Error e -> Error e.Message
        | Ok ranges ->
            let rng = Random(seed)

            let gauss () =
                sqrt (-2.0 * log (1.0 - rng.NextDouble()))
                * cos (2.0 * Math.PI * rng.NextDouble())

            let ions =
                [| for i in 0 .. s.Positions.Length - 1 do
                       if rng.NextDouble() < efficiency then
                           let p = s.Positions.[i]
                           let z = s.Numbers.[i]

                           yield
                               (p.X + lateral * gauss ()) / 10.0,
                               (p.Y + lateral * gauss ()) / 10.0,
                               (p.Z + depth * gauss ()) / 10.0,
                               peak z + 0.05 * gauss () |]

            Ok(ions, ranges)
