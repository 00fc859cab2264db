/// Reading and writing structure files: format chosen from the file name, overridable.
module Arise.Structure.StructureIO

open System
open System.IO
open Arise.Structure.Formats

/// The file formats Arise reads.
[<RequireQualifiedAccess>]
type Format =
    | Xyz
    | Aims
    | Poscar
    | Cif
    | LammpsData
    | LammpsDump
    | Pos
    | Epos
    | Apt

/// Options for reading: an explicit format, the LAMMPS type → element map, and whether every atom is read as one
/// species.
type ReadOptions =
    { Format: Format option
      LammpsTypes: Lammps.TypeMap
      OneSpecies: bool
      Ranges: string option
      AtomProbe: AtomProbe.Mapping }

/// Defaults: format from the extension, no LAMMPS type map, species as in the file.
let defaults =
    { Format = None
      LammpsTypes = Map.empty
      OneSpecies = false
      Ranges = None
      AtomProbe = AtomProbe.defaults }

/// Parses a format name as given on the command line (xyz, extxyz, aims, poscar, vasp, cif, lammps-data, lammps-dump).
let tryParseFormat (name: string) =
    match name.Trim().ToLowerInvariant() with
    | "xyz"
    | "extxyz" -> Some Format.Xyz
    | "aims"
    | "fhi-aims"
    | "geometry.in" -> Some Format.Aims
    | "poscar"
    | "vasp"
    | "contcar" -> Some Format.Poscar
    | "cif" -> Some Format.Cif
    | "lammps-data"
    | "lammps"
    | "data"
    | "lmp" -> Some Format.LammpsData
    | "lammps-dump"
    | "dump"
    | "lammpstrj" -> Some Format.LammpsDump
    | "pos" -> Some Format.Pos
    | "epos" -> Some Format.Epos
    | "apt" -> Some Format.Apt
    | _ -> None

/// Guesses the format from a file name, or None.
let formatOfPath (path: string) =
    let name = Path.GetFileName(path).ToLowerInvariant()
    let ext = Path.GetExtension(name)

    match ext with
    | ".xyz"
    | ".extxyz" -> Some Format.Xyz
    | ".in"
    | ".aims" -> Some Format.Aims
    | ".vasp"
    | ".poscar" -> Some Format.Poscar
    | ".cif" -> Some Format.Cif
    | ".data"
    | ".lmp"
    | ".lammps" -> Some Format.LammpsData
    | ".dump"
    | ".lammpstrj" -> Some Format.LammpsDump
    | ".pos" -> Some Format.Pos
    | ".epos" -> Some Format.Epos
    | ".apt" -> Some Format.Apt
    | _ when name.StartsWith "poscar" || name.StartsWith "contcar" -> Some Format.Poscar
    | _ when name.StartsWith "geometry" -> Some Format.Aims
    | _ -> None

/// Parses text in a known format into all its frames.
let parseText (options: ReadOptions) (format: Format) (name: string) (text: string) : Result<Structure list, ReadError> =
    match format with
    | Format.Xyz -> Xyz.parse name text
    | Format.Aims -> Aims.parse name text |> Result.map List.singleton
    | Format.Poscar -> Poscar.parse name text |> Result.map List.singleton
    | Format.Cif -> Cif.parse name text
    | Format.LammpsData -> Lammps.parseData options.LammpsTypes name text |> Result.map List.singleton
    | Format.LammpsDump -> Lammps.parseDump options.LammpsTypes name text
    | Format.Pos
    | Format.Epos
    | Format.Apt ->
        Error
            { File = name
              Line = None
              Message = "an atom-probe file is binary: read it from its file"
              Needs = None }
    |> Result.map (fun frames ->
        if options.OneSpecies then
            List.map Structure.asOneSpecies frames
        else
            frames)

/// Whether text read from a file is binary: a NUL character, or more than 5 % of the first 4,096 characters
/// undecodable (U+FFFD) or control characters other than tab, line feed and carriage return.
let private looksBinary (text: string) =
    let n = min text.Length 4096
    let mutable bad = 0
    let mutable nul = false

    for i in 0 .. n - 1 do
        let c = text.[i]

        if c = '\000' then
            nul <- true
        elif c = '\uFFFD' || (Char.IsControl c && c <> '\t' && c <> '\n' && c <> '\r') then
            bad <- bad + 1

    nul || float bad > 0.05 * float n

/// The largest structure file read (bytes): 1 GB.
let maxFileBytes = 1_000_000_000L

/// Reads every frame of a file (a regular file of at most maxFileBytes). Errors name the file (and the line where one
/// is at fault).
let readAllWith (options: ReadOptions) (path: string) : Result<Structure list, ReadError> =
    let errNeeding needs m =
        Error
            { File = path
              Line = None
              Message = m
              Needs = needs }

    let err = errNeeding None

    if Directory.Exists path then
        err "is a directory, not a structure file"
    elif not (File.Exists path) then
        err "no such file"
    else
        // the size is read without opening: a pipe or a device has none, and opening a pipe could wait forever
        // (through symbolic links: a link named .xyz may point at /dev/zero)
        let size =
            try
                let info = FileInfo(path)

                match info.LinkTarget with
                | null -> info.Length
                | _ ->
                    match info.ResolveLinkTarget true with
                    | :? FileInfo as target -> target.Length
                    | _ -> 0L
            with _ ->
                -1L

        if size = 0L then
            err "empty, or not a regular file (a pipe or device): not read"
        elif size > maxFileBytes then
            err (sprintf "%.1f GB: larger than the %g GB a structure file may have" (float size / 1e9) (float maxFileBytes / 1e9))
        else
            match options.Format |> Option.orElse (formatOfPath path) with
            | None ->
                errNeeding
                    (Some ReadSetting.Format)
                    "unknown format: name it (xyz, aims, poscar, cif, lammps-data, lammps-dump, pos, epos, apt)"
            | Some((Format.Pos | Format.Epos | Format.Apt) as format) ->
                match options.Ranges with
                | None ->
                    errNeeding
                        (Some ReadSetting.Ranges)
                        "an atom-probe reconstruction needs its range file (.rrng or .rng) to tell the species"
                | Some rangeFile ->
                    try
                        AtomProbe.readRanges rangeFile
                        |> Result.bind (fun ranges ->
                            if format = Format.Apt then
                                AtomProbe.parseApt options.AtomProbe ranges path (File.ReadAllBytes path)
                            else
                                AtomProbe.parseIons options.AtomProbe ranges (format = Format.Epos) path (File.ReadAllBytes path))
                        |> Result.map (fun s -> [ (if options.OneSpecies then Structure.asOneSpecies s else s) ])
                    with
                    | :? IOException
                    | :? UnauthorizedAccessException as ex -> err (sprintf "cannot read the file (%s)" ex.Message)
            | Some format ->
                try
                    let text = File.ReadAllText path

                    if looksBinary text then
                        err "binary content (NUL bytes or undecodable characters), not a text structure file: not read"
                    else
                        parseText options format path text
                with
                | :? IOException
                | :? UnauthorizedAccessException as ex -> err (sprintf "cannot read the file (%s)" ex.Message)

/// Reads the first (or only) frame of a file.
let readWith (options: ReadOptions) (path: string) : Result<Structure, ReadError> =
    readAllWith options path |> Result.map List.head

type SamplePart =
    { Part: Structure
      Indices: int[]
      Count: int
      Lo: Vec3
      Hi: Vec3
      Centroid: Vec3
      Digest: string
      Streamed: bool }

/// The part of a sample held whole that `keep` accepts.
let private cut (s: Structure) (keep: Vec3 -> bool) =
    let indices =
        [| for i in 0 .. Structure.count s - 1 do
               if keep s.Positions.[i] then
                   i |]

    let lo, hi = Structure.bounds s

    { Part = Structure.select indices s
      Indices = indices
      Count = Structure.count s
      Lo = lo
      Hi = hi
      Centroid = Structure.centroid s
      Digest = Structure.digest s
      Streamed = false }

/// What a streamed read of `path` gathers of the whole sample (count, bounds, centroid, digest) while it keeps the
/// atoms `keep` accepts (their indices). A sample holds at most Int32.MaxValue atoms (Part says so past that).
type private Tally(path: string, keep: Vec3 -> bool) =
    let digest = AtomDigest()
    let indices = Text.Gathered<int>()
    let mutable count = 0
    let mutable over = false
    let mutable lo, hi, sum = Vec3.zero, Vec3.zero, Vec3.zero

    /// Counts an atom (the next in the file); true when it is kept.
    member _.Visit (p: Vec3) (element: int) =
        if count = Int32.MaxValue then
            over <- true
            false
        else
            digest.Add(element, p)

            if count = 0 then
                lo <- p
                hi <- p
            else
                lo <- Vec3.lower lo p
                hi <- Vec3.upper hi p

            sum <- sum + p
            let kept = keep p

            if kept then
                indices.Add count

            count <- count + 1
            kept

    /// The part: the kept atoms as `part` holds them, with the whole sample's tallies; Error past Int32.MaxValue atoms.
    member _.Part(part: Structure) : Result<SamplePart, ReadError> =
        if over then
            Error
                { File = path
                  Line = None
                  Message = sprintf "more than %d atoms: a sample holds at most that many (cut the file into parts)" Int32.MaxValue
                  Needs = None }
        else
            Ok
                { Part = part
                  Indices = indices.ToArray()
                  Count = count
                  Lo = lo
                  Hi = hi
                  Centroid = sum * (1.0 / float count)
                  Digest = digest.Hex()
                  Streamed = true }

/// An atom-probe file streamed: the kept atoms with their mass-to-charge.
let private streamIons (options: ReadOptions) (format: Format) (rangeFile: string) (path: string) (keep: Vec3 -> bool) =
    AtomProbe.readRanges rangeFile
    |> Result.bind (fun ranges ->
        let tally = Tally(path, keep)

        match format with
        | Format.Apt -> AtomProbe.streamApt options.AtomProbe ranges path tally.Visit
        | _ -> AtomProbe.streamIons options.AtomProbe ranges (format = Format.Epos) path tally.Visit
        |> Result.bind tally.Part)

/// A text file streamed by `stream` (a reader's opener), unless its first 4 KB are binary: refused as readWith refuses it.
let private streamText (path: string) (stream: (unit -> TextReader) -> Result<SamplePart, ReadError>) =
    let start =
        use r = new StreamReader(path)
        let buffer = Array.zeroCreate<char> 4096
        String(buffer, 0, r.ReadBlock(buffer, 0, buffer.Length))

    if looksBinary start then
        Error
            { File = path
              Line = None
              Message = "binary content (NUL bytes or undecodable characters), not a text structure file: not read"
              Needs = None }
    else
        stream (fun () -> new StreamReader(path))

/// An (extended) XYZ file streamed: its first frame's kept atoms.
let private streamXyz (path: string) (keep: Vec3 -> bool) =
    streamText path (fun openText ->
        use r = openText ()
        let tally = Tally(path, keep)
        Xyz.streamFirst path r tally.Visit |> Result.bind tally.Part)

/// A LAMMPS text dump streamed: its first frame's kept atoms, in id order.
let private streamDump (options: ReadOptions) (path: string) (keep: Vec3 -> bool) =
    streamText path (fun openText ->
        let tally = Tally(path, keep)

        Lammps.streamFirstDump options.LammpsTypes path openText tally.Visit
        |> Result.bind tally.Part)

/// Whether `path` is a regular, non-empty file (not a link): what the streamed readers take.
let private isRegular (path: string) =
    try
        let info = FileInfo(path)
        info.Exists && isNull info.LinkTarget && info.Length > 0L
    with _ ->
        false

/// A streamed read of `path`, an I/O failure on the way an error naming the file.
let private streamedFrom (path: string) (read: unit -> Result<'T, ReadError>) =
    try
        read ()
    with
    | :? IOException
    | :? UnauthorizedAccessException as ex ->
        Error
            { File = path
              Line = None
              Message = sprintf "cannot read the file (%s)" ex.Message
              Needs = None }

/// An atom-probe file that the streamed readers take (its format and range file): .pos, .epos or .apt with a range
/// file, regular, not OneSpecies.
let private (|StreamedIons|_|) (options: ReadOptions, path: string) =
    match options.Format |> Option.orElse (formatOfPath path), options.Ranges with
    | Some((Format.Pos | Format.Epos | Format.Apt) as format), Some rangeFile when isRegular path && not options.OneSpecies ->
        Some(format, rangeFile)
    | _ -> None

let readPart (options: ReadOptions) (path: string) (keep: Vec3 -> bool) : Result<SamplePart, ReadError> =
    let regular = isRegular path
    let streamed read = streamedFrom path read

    match (options, path), options.Format |> Option.orElse (formatOfPath path) with
    | StreamedIons(format, rangeFile), _ -> streamed (fun () -> streamIons options format rangeFile path keep)
    | _, Some Format.Xyz when regular && not options.OneSpecies -> streamed (fun () -> streamXyz path keep)
    | _, Some Format.LammpsDump when regular && not options.OneSpecies -> streamed (fun () -> streamDump options path keep)
    | _ -> readWith options path |> Result.map (fun s -> cut s keep)

type Extent = { Count: int64; Lo: Vec3; Hi: Vec3 }

let extentOfPiece (options: ReadOptions) (path: string) (k: int) (n: int) : Result<Extent, ReadError> option =
    if n < 1 || k < 0 || k >= n then
        invalidArg "k" (sprintf "piece %d of %d" k n)

    let read (piece: AtomProbe.Mapping -> AtomProbe.Range list -> Result<int64 * Vec3 * Vec3, ReadError>) rangeFile =
        streamedFrom path (fun () ->
            AtomProbe.readRanges rangeFile
            |> Result.bind (piece options.AtomProbe)
            |> Result.map (fun (count, lo, hi) -> { Count = count; Lo = lo; Hi = hi }))

    match options, path with
    | StreamedIons(Format.Apt, rangeFile) -> Some(read (fun m r -> AtomProbe.aptExtent m r path k n) rangeFile)
    | StreamedIons(format, rangeFile) -> Some(read (fun m r -> AtomProbe.ionsExtent m r (format = Format.Epos) path k n) rangeFile)
    | _ -> None

/// Reads the first (or only) frame with default options.
let read (path: string) = readWith defaults path

/// Reads every frame with default options.
let readAll (path: string) = readAllWith defaults path

/// Writes frames as extended XYZ to a file.
let writeXyz (path: string) (frames: Structure seq) =
    Arise.Numerics.AtomicFile.write path (fun tmp ->
        use stream =
            new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 <<< 16)

        for s in frames do
            Xyz.writeUtf8 stream s)

/// Writes a POSCAR file; Error when the structure has no cell.
let writePoscar (path: string) (s: Structure) =
    Poscar.write s |> Result.map (Arise.Numerics.AtomicFile.writeText path)
