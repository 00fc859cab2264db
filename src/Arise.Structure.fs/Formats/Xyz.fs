/// XYZ and extended XYZ (ASE/OVITO conventions: Lattice=, Properties=, pbc=), multi-frame.
module Arise.Structure.Formats.Xyz

open System
open System.IO
open System.Text
open Arise.Structure
open Arise.Structure.Formats.Text

/// Parses the key=value pairs of an extended-XYZ comment line ("..." quotes allowed; bare keys are "T").
let internal parseComment (line: int) (comment: string) =
    let pairs = ResizeArray<string * string>()
    let mutable i = 0
    let n = comment.Length

    let readValue () =
        if i < n && comment.[i] = '"' then
            let close = comment.IndexOf('"', i + 1)

            if close < 0 then
                failAt line "unterminated quote in the comment line"

            let v = comment.Substring(i + 1, close - i - 1)
            i <- close + 1
            v
        else
            let start = i

            while i < n && not (Char.IsWhiteSpace comment.[i]) do
                i <- i + 1

            comment.Substring(start, i - start)

    while i < n do
        while i < n && Char.IsWhiteSpace comment.[i] do
            i <- i + 1

        if i < n then
            let start = i

            while i < n && comment.[i] <> '=' && not (Char.IsWhiteSpace comment.[i]) do
                i <- i + 1

            let key = comment.Substring(start, i - start)

            if i < n && comment.[i] = '=' then
                i <- i + 1
                pairs.Add(key, readValue ())
            elif key <> "" then
                pairs.Add(key, "T")

    List.ofSeq pairs

type private Column =
    { Name: string; Kind: char; Width: int }

let private parseProperties (line: int) (spec: string) =
    let parts = spec.Split ':'

    if parts.Length % 3 <> 0 then
        failAt line (sprintf "Properties='%s' is not a list of name:type:columns triples" spec)

    [ for k in 0..3 .. parts.Length - 1 do
          let kind = parts.[k + 1].ToUpperInvariant()

          if kind.Length <> 1 || not ("SRIL".Contains kind) then
              failAt line (sprintf "property '%s' has unknown type '%s' (expected S, R, I or L)" parts.[k] parts.[k + 1])

          let width =
              int line (sprintf "the column count of property '%s'" parts.[k]) parts.[k + 2]

          if width < 1 || width > 1000 then
              failAt line (sprintf "property '%s' has %d columns (1 to 1000 expected)" parts.[k] width)

          { Name = parts.[k]
            Kind = kind.[0]
            Width = width } ]

let private parseBool (line: int) (text: string) =
    match text.ToUpperInvariant() with
    | "T"
    | "TRUE"
    | "1" -> true
    | "F"
    | "FALSE"
    | "0" -> false
    | _ -> failAt line (sprintf "'%s' is not a logical value (T or F)" text)

/// A frame's first two lines: the atom count, the cell, periodicity, declared columns and info.
type private Head =
    { Natoms: int
      Cell: Cell option
      Pbc: Pbc
      Declared: Column list
      Info: (string * string) list
      CommentLine: int }

/// Parses a frame's header line (1-based line `lineNo`) and its comment line (null when the file ends).
let private parseHead (lineNo: int) (headerLine: string) (comment: string) (frameNo: int) =
    let header = headerLine.Trim()

    let natoms =
        match Int32.TryParse header with
        | true, n when n >= 0 -> n
        | _ -> failAt lineNo (sprintf "expected the number of atoms of frame %d, found '%s'" frameNo header)

    if natoms = 0 then
        failAt lineNo (sprintf "frame %d has zero atoms" frameNo)

    if isNull comment then
        failAt lineNo (sprintf "frame %d ends before its comment line" frameNo)

    let commentLine = lineNo + 1

    let pairs =
        if comment.Contains "=" then
            parseComment commentLine comment
        else
            []

    let find key =
        pairs
        |> List.tryFind (fun (k, _) -> String.Equals(k, key, StringComparison.OrdinalIgnoreCase))
        |> Option.map snd

    let cell =
        find "Lattice"
        |> Option.map (fun v ->
            let t = tokens v

            if t.Length <> 9 then
                failAt commentLine (sprintf "Lattice has %d numbers; expected 9" t.Length)

            let x = t |> Array.map (float commentLine "a Lattice component")
            Cell.make (Vec3.make x.[0] x.[1] x.[2]) (Vec3.make x.[3] x.[4] x.[5]) (Vec3.make x.[6] x.[7] x.[8]))

    let pbc =
        match find "pbc" with
        | Some v ->
            let t = tokens v

            if t.Length <> 3 then
                failAt commentLine (sprintf "pbc has %d values; expected 3" t.Length)

            Pbc.make (parseBool commentLine t.[0]) (parseBool commentLine t.[1]) (parseBool commentLine t.[2])
        | None -> if cell.IsSome then Pbc.all else Pbc.none

    if Pbc.any pbc && cell.IsNone then
        failAt commentLine "pbc is set but there is no Lattice"

    let declared =
        match find "Properties" with
        | Some spec -> parseProperties commentLine spec
        | None ->
            [ { Name = "species"
                Kind = 'S'
                Width = 1 }
              { Name = "pos"; Kind = 'R'; Width = 3 } ]

    let info =
        pairs
        |> List.filter (fun (k, _) -> not (List.contains (k.ToLowerInvariant()) [ "lattice"; "properties"; "pbc" ]))

    { Natoms = natoms
      Cell = cell
      Pbc = pbc
      Declared = declared
      Info =
        if pairs.IsEmpty && comment.Trim() <> "" then
            [ "comment", comment.Trim() ]
        else
            info
      CommentLine = commentLine }

/// How the atom lines of a frame are read: their columns, which is the species, and the others kept as properties.
type private Layout =
    { Columns: Column list
      Width: int
      Species: string
      Extras: Column list }

/// The layout of a frame's atom lines. Some writers declare a trailing Z:I:1 column (redundant with species) but do
/// not write it: such frames are accepted when `fits w` (every atom line has exactly the w columns before Z).
let private layoutOf (head: Head) (fits: int -> bool) =
    let columns =
        match List.rev head.Declared with
        | { Name = "Z"; Kind = 'I'; Width = 1 } :: (_ :: _ as before) when before |> List.exists (fun c -> c.Name = "species") ->
            let shorter = List.rev before

            if fits (shorter |> List.sumBy (fun c -> c.Width)) then
                shorter
            else
                head.Declared
        | _ -> head.Declared

    if not (columns |> List.exists (fun c -> c.Name = "pos" && c.Kind = 'R' && c.Width = 3)) then
        failAt head.CommentLine "Properties has no pos:R:3 column"

    if not (columns |> List.exists (fun c -> c.Name = "species" || c.Name = "Z")) then
        failAt head.CommentLine "Properties has no species column"

    let species =
        if columns |> List.exists (fun c -> c.Name = "species") then
            "species"
        else
            "Z"

    { Columns = columns
      Width = columns |> List.sumBy (fun c -> c.Width)
      Species = species
      Extras = columns |> List.filter (fun c -> c.Name <> "pos" && c.Name <> species) }

/// The error for a frame that declares more atoms than it has atom lines (`available`), its header at line `lineNo`.
let private truncated (lineNo: int) (frameNo: int) (natoms: int) (available: int) =
    failAt
        (lineNo + 2 + available)
        (sprintf "frame %d declares %d atoms but has only %d atom lines (truncated file?)" frameNo natoms available)

/// The tokens of an atom line (1-based line `ln`), checked against the layout's width.
let private atomTokens (layout: Layout) (ln: int) (line: string) =
    let t = tokens line

    if t.Length <> layout.Width then
        failAt
            ln
            (sprintf
                "atom line has %d columns; expected %d (%s)"
                t.Length
                layout.Width
                (layout.Columns
                 |> List.map (fun c -> sprintf "%s:%c:%d" c.Name c.Kind c.Width)
                 |> String.concat " "))

    t

/// The position and atomic number of an atom line's tokens; `extra k column value` for the other columns' values
/// (k: the index of the column among the layout's extras).
let private parseAtom (layout: Layout) (ln: int) (t: string[]) (extra: int -> int -> string -> unit) =
    let mutable k = 0
    let mutable position = Vec3.zero
    let mutable number = 0
    let mutable e = 0

    for c in layout.Columns do
        if c.Name = "pos" then
            position <- Vec3.make (float ln "x" t.[k]) (float ln "y" t.[k + 1]) (float ln "z" t.[k + 2])
        elif c.Name = layout.Species then
            number <- element ln t.[k]
        else
            for w in 0 .. c.Width - 1 do
                extra e w t.[k + w]

            e <- e + 1

        k <- k + c.Width

    position, number

/// A column's values (atoms × width, as text) as a per-atom property; errors name line `ln`.
let private propertyOf (ln: int) (c: Column) (values: string[]) =
    match c.Kind with
    | 'R' -> Reals(c.Width, values |> Array.map (float ln (sprintf "property %s" c.Name)))
    | 'I' -> Integers(c.Width, values |> Array.map (int ln (sprintf "property %s" c.Name)))
    | 'L' -> Logicals(c.Width, values |> Array.map (parseBool ln))
    | _ -> Texts(c.Width, values)

/// The structure of a frame from its atoms and the values of its extra columns (atoms × width each, as text).
let private frameOf (head: Head) (layout: Layout) (positions: Vec3[]) (numbers: int[]) (values: string[][]) =
    let ln = head.CommentLine + 1

    let props =
        List.zip layout.Extras (List.ofArray values)
        |> List.map (fun (c, values) -> c.Name, propertyOf ln c values)

    let s =
        { Positions = positions
          Numbers = numbers
          Cell = head.Cell
          Pbc = head.Pbc
          AtomProperties = props
          Info = head.Info }

    // a frame of no atoms is a streamed part that kept none (streamFirst checks the frame otherwise)
    if positions.Length = 0 then s else validated s

/// Parses one frame starting at 0-based line index `start`; returns the structure and the next line index.
let private parseFrame (lines: string[]) (start: int) (frameNo: int) =
    let lineNo = start + 1
    // the empty string after a final newline is not a comment line (as a reader of lines sees it)
    let comment =
        if
            start + 1 < lines.Length
            && not (start + 2 = lines.Length && lines.[start + 1] = "")
        then
            lines.[start + 1]
        else
            null

    let head = parseHead lineNo lines.[start] comment frameNo
    let natoms = head.Natoms

    let atomLines =
        lines.[start + 2 .. int32 (min (int64 lines.Length - 1L) (int64 start + 1L + int64 natoms))]

    let layout =
        layoutOf head (fun w ->
            atomLines.Length = natoms
            && atomLines |> Array.forall (fun l -> (tokens l).Length = w))

    if atomLines.Length < natoms || atomLines |> Array.exists String.IsNullOrWhiteSpace then
        let available =
            lines.[start + 2 ..]
            |> Array.takeWhile (String.IsNullOrWhiteSpace >> not)
            |> Array.length

        truncated lineNo frameNo natoms available

    let positions = Array.zeroCreate natoms
    let numbers = Array.zeroCreate natoms
    let widths = layout.Extras |> List.map (fun c -> c.Width) |> Array.ofList
    let values = widths |> Array.map (fun w -> Array.zeroCreate<string>(natoms * w))

    for a in 0 .. natoms - 1 do
        let ln = lineNo + 2 + a
        let t = atomTokens layout ln atomLines.[a]
        let p, z = parseAtom layout ln t (fun e w v -> values.[e].[a * widths.[e] + w] <- v)
        positions.[a] <- p
        numbers.[a] <- z

    frameOf head layout positions numbers values, start + 2 + natoms

/// Parses every frame of an (extended) XYZ text. `file` names the source in errors.
let parse (file: string) (text: string) : Result<Structure list, ReadError> =
    guard file (fun () ->
        let lines = lines text
        let frames = ResizeArray()
        let mutable i = 0

        let skipBlank () =
            while i < lines.Length && String.IsNullOrWhiteSpace lines.[i] do
                i <- i + 1

        skipBlank ()

        if i >= lines.Length then
            failFile "the file is empty"

        while i < lines.Length do
            let s, next = parseFrame lines i (frames.Count + 1)
            frames.Add s
            i <- next
            skipBlank ()

        List.ofSeq frames)

/// Streams the first frame of an (extended) XYZ text: `visit position number` for every atom, in order, says whether
/// to keep it; returns the kept atoms with their per-atom properties and the frame's cell, periodicity and info (the
/// frames after the first are not read). `file` names the source in errors.
let streamFirst (file: string) (reader: TextReader) (visit: Vec3 -> int -> bool) : Result<Structure, ReadError> =
    guard file (fun () ->
        let mutable lineNo = 0

        let next () =
            lineNo <- lineNo + 1
            reader.ReadLine()

        let mutable header = next ()

        while not (isNull header) && String.IsNullOrWhiteSpace header do
            header <- next ()

        if isNull header then
            failFile "the file is empty"

        let headLine = lineNo
        let head = parseHead headLine header (next ()) 1
        let mutable line = next ()
        // the Z rule judged on the first atom line
        let layout = layoutOf head (fun w -> not (isNull line) && (tokens line).Length = w)

        let widths = layout.Extras |> List.map (fun c -> c.Width) |> Array.ofList
        let scratch = widths |> Array.map (fun w -> Array.zeroCreate<string> w)
        let values = widths |> Array.map (fun _ -> ResizeArray<string>())
        let positions = Text.Gathered<Vec3>()
        let numbers = Text.Gathered<int>()
        let mutable firstAtom = Vec3.zero, 0
        let extras = Array.ofList layout.Extras
        let faults: exn option[] = Array.create widths.Length None

        for a in 0 .. head.Natoms - 1 do
            if a > 0 then
                line <- next ()

            if isNull line || String.IsNullOrWhiteSpace line then
                truncated headLine 1 head.Natoms a

            let ln = headLine + 2 + a

            let p, z =
                parseAtom layout ln (atomTokens layout ln line) (fun e w v -> scratch.[e].[w] <- v)

            if a = 0 then
                firstAtom <- p, z

            // every atom's values are checked, kept or not; the first column at fault is reported after the atoms,
            // as parse does
            for e in 0 .. widths.Length - 1 do
                if faults.[e].IsNone then
                    try
                        propertyOf (head.CommentLine + 1) extras.[e] scratch.[e] |> ignore
                    with ParseFailure(_, _, _) as fault ->
                        faults.[e] <- Some fault

            if visit p z then
                positions.Add p
                numbers.Add z

                for e in 0 .. widths.Length - 1 do
                    values.[e].AddRange scratch.[e]

        match faults |> Array.tryPick id with
        | Some fault -> raise fault
        | None -> ()

        // no atom kept: the frame's cell and periodicity checked with its first atom, as when read whole
        if positions.Count = 0 then
            frameOf head layout [| fst firstAtom |] [| snd firstAtom |] (widths |> Array.map (fun w -> Array.create w "0"))
            |> ignore

        frameOf head layout (positions.ToArray()) (numbers.ToArray()) (values |> Array.map (fun v -> v.ToArray())))

let private quoteIfNeeded (v: string) =
    if v = "" || v |> Seq.exists (fun c -> Char.IsWhiteSpace c || c = '=') then
        "\"" + v.Replace("\"", "'") + "\""
    else
        v

let private flag b = if b then "T" else "F"

/// The per-atom properties written besides species and positions.
let private extraProperties (s: Structure) =
    s.AtomProperties
    |> List.filter (fun (name, _) -> name <> "species" && name <> "pos")

/// The two header lines of a frame of `count` atoms with the cell, properties and info of `s`.
let writeHeaderTo (w: TextWriter) (count: int) (s: Structure) =
    let sb = StringBuilder()
    sb.Append(count).Append('\n') |> ignore
    let header = ResizeArray<string>()

    match s.Cell with
    | Some c ->
        let vs =
            [ c.A; c.B; c.C ]
            |> List.collect (fun v -> [ v.X; v.Y; v.Z ])
            |> List.map formatFloat

        header.Add(sprintf "Lattice=\"%s\"" (String.Join(" ", vs)))
    | None -> ()

    let propSpec (name, p) =
        match p with
        | Reals(c, _) -> sprintf "%s:R:%d" name c
        | Integers(c, _) -> sprintf "%s:I:%d" name c
        | Logicals(c, _) -> sprintf "%s:L:%d" name c
        | Texts(c, _) -> sprintf "%s:S:%d" name c

    header.Add(
        "Properties=species:S:1:pos:R:3"
        + (extraProperties s |> List.map (fun p -> ":" + propSpec p) |> String.concat "")
    )

    header.Add(sprintf "pbc=\"%s %s %s\"" (flag s.Pbc.A) (flag s.Pbc.B) (flag s.Pbc.C))

    for (k, v) in s.Info do
        if k <> "comment" then
            header.Add(sprintf "%s=%s" k (quoteIfNeeded v))

    sb.Append(String.Join(" ", header)).Append('\n') |> ignore
    w.Write(sb.ToString())

/// Lines of text formatted as UTF-8 bytes into a buffer that grows as needed; cleared, it keeps its room (no garbage
/// from one block of lines to the next).
[<Sealed>]
type private Utf8Lines() =
    let mutable buffer: byte[] = Array.zeroCreate (1 <<< 16)
    let mutable used = 0
    // room for a number (formatFloatInto)
    let chars: char[] = Array.zeroCreate 64

    member _.Buffer = buffer
    member _.Length = used
    member _.Clear() = used <- 0

    /// Room for `n` more bytes.
    member _.Room(n: int) =
        if used + n > buffer.Length then
            let bigger = Array.zeroCreate (max (used + n) (2 * buffer.Length))
            Buffer.BlockCopy(buffer, 0, bigger, 0, used)
            buffer <- bigger

    member this.Byte(b: byte) =
        this.Room 1
        buffer.[used] <- b
        used <- used + 1

    /// Text: byte for byte where it is ASCII (the common case), else encoded.
    member this.Text(text: ReadOnlySpan<char>) =
        this.Room(3 * text.Length)
        let target = Span(buffer, used, buffer.Length - used)
        let mutable written = 0

        used <-
            used
            + if Ascii.FromUtf16(text, target, &written) = Buffers.OperationStatus.Done then
                  written
              else
                  Encoding.UTF8.GetBytes(text, target)

    /// A number as formatFloat writes it.
    member this.Float(x: float) =
        this.Text(ReadOnlySpan(chars, 0, formatFloatInto x chars))

    member this.Int(v: int) =
        this.Room 11
        let mutable written = 0

        v.TryFormat(Span(buffer, used, 11), &written, ReadOnlySpan.Empty, Globalization.CultureInfo.InvariantCulture)
        |> ignore

        used <- used + written

/// Appends the line of atom `a` to `into`.
let private appendAtom (into: Utf8Lines) (props: (string * AtomProperty) list) (s: Structure) (a: int) =
    let p = s.Positions.[a]
    into.Text(Elements.symbol s.Numbers.[a])
    into.Byte ' 'B
    into.Float p.X
    into.Byte ' 'B
    into.Float p.Y
    into.Byte ' 'B
    into.Float p.Z

    for (_, p) in props do
        match p with
        | Reals(c, v) ->
            for w in 0 .. c - 1 do
                into.Byte ' 'B
                into.Float v.[a * c + w]
        | Integers(c, v) ->
            for w in 0 .. c - 1 do
                into.Byte ' 'B
                into.Int v.[a * c + w]
        | Logicals(c, v) ->
            for w in 0 .. c - 1 do
                into.Byte ' 'B
                into.Text(flag v.[a * c + w])
        | Texts(c, v) ->
            for w in 0 .. c - 1 do
                into.Byte ' 'B
                into.Text v.[a * c + w]

    into.Byte '\n'B

/// Appends the lines of atoms atoms.[from] … atoms.[until − 1] to `into`, each line's end in lineEnds.[i − from].
let private formatBlock into props s (atoms: int[]) (from: int) (until: int) (lineEnds: int[]) =
    for i in from .. until - 1 do
        appendAtom into props s atoms.[i]
        lineEnds.[i - from] <- (into: Utf8Lines).Length

/// Atoms a thread formats at once (formatAtoms): about 0.5 MB of text.
[<Literal>]
let private atomsPerBlock = 4096

/// Formats the lines of atoms `atoms` of `s`, in that order, as UTF-8, in blocks of `perBlock` atoms (the last fewer):
/// on all cores, a window of blocks at a time (two a core), each window's blocks handed to `take` in order (the buffer
/// and its length in bytes, then each of the block's lines' ends: the offset just past its '\n').
let private formatAtoms (s: Structure) (atoms: int[]) (perBlock: int) (take: byte[] -> int -> int[] -> unit) =
    let props = extraProperties s

    let blocks =
        Operators.int ((int64 atoms.Length + int64 perBlock - 1L) / int64 perBlock)
    // (at least 1: a range's step cannot be 0, even when it has no atoms)
    let window = max 1 (min blocks (2 * Environment.ProcessorCount))
    // a buffer for each block of the window, kept from window to window
    let buffers = Array.init window (fun _ -> Utf8Lines())

    let lineEnds = Array.init window (fun _ -> Array.zeroCreate<int> perBlock)

    let format (first: int) (k: int) =
        buffers.[k].Clear()
        let b = first + k
        let from = Operators.int (min (int64 atoms.Length) (int64 b * int64 perBlock))

        let until =
            Operators.int (min (int64 atoms.Length) (int64 (b + 1) * int64 perBlock))

        formatBlock buffers.[k] props s atoms from until lineEnds.[k]

    for first in 0..window .. blocks - 1 do
        let count = min window (blocks - first)
        Threading.Tasks.Parallel.For(0, count, (fun k -> format first k)) |> ignore

        for k in 0 .. count - 1 do
            take buffers.[k].Buffer buffers.[k].Length lineEnds.[k]

/// Writes the lines of atoms `atoms` of `s`, in that order (formatAtoms: the same text as one thread writes).
let writeAtomsTo (w: TextWriter) (s: Structure) (atoms: int seq) =
    let mutable chars: char[] = Array.zeroCreate 0

    formatAtoms s (Seq.toArray atoms) atomsPerBlock (fun bytes length _ ->
        let n = Encoding.UTF8.GetMaxCharCount length

        if chars.Length < n then
            chars <- Array.zeroCreate n

        w.Write(chars, 0, Encoding.UTF8.GetChars(bytes, 0, length, chars, 0)))

let writeAtomsUtf8 (stream: Stream) (s: Structure) (atoms: int seq) =
    formatAtoms s (Seq.toArray atoms) atomsPerBlock (fun bytes length _ -> stream.Write(bytes, 0, length))

let atomLinesUtf8 (s: Structure) (atoms: int[]) (perBlock: int) =
    if perBlock < 1 then
        invalidArg "perBlock" (sprintf "%d lines a block" perBlock)

    let blocks = ResizeArray<byte[] * int[]>()
    let mutable done_ = 0

    formatAtoms s atoms perBlock (fun bytes length ends ->
        let count = min perBlock (atoms.Length - done_)
        // a copy of the block's bytes, kept (not zeroed first: every byte is written)
        let kept = GC.AllocateUninitializedArray<byte> length
        Buffer.BlockCopy(bytes, 0, kept, 0, length)
        blocks.Add(kept, ends.[.. count - 1])
        done_ <- done_ + count)

    blocks.ToArray()

/// Writes one frame as extended XYZ to a writer, atom by atom (no text of the whole frame is held).
let writeTo (w: TextWriter) (s: Structure) =
    let n = Structure.count s
    writeHeaderTo w n s
    writeAtomsTo w s (seq { 0 .. n - 1 })

let writeUtf8 (stream: Stream) (s: Structure) =
    let n = Structure.count s

    let header =
        use w = new StringWriter()
        writeHeaderTo w n s
        Encoding.UTF8.GetBytes(w.ToString())

    stream.Write(header, 0, header.Length)
    writeAtomsUtf8 stream s (seq { 0 .. n - 1 })

/// Writes one frame as extended XYZ (positions with round-trip precision; per-atom properties kept).
let write (s: Structure) =
    use w = new StringWriter()
    w.NewLine <- "\n"
    writeTo w s
    w.ToString()
