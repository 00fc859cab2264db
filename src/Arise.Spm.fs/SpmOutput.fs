/// Writing SPM results: boxes.csv and per-atom labels as extended XYZ (spm.npz: SpmFile; pictures: Arise.Pictures.SpmMaps).
module Arise.Spm.SpmOutput

open System
open System.IO
open System.Globalization
open Arise.Structure
open Arise.Model

let private inv = CultureInfo.InvariantCulture

/// boxes.csv: x,y,z,atoms,class,probability,mutual_information (empty boxes: class "empty"; boxes whose descriptor
/// failed: "failed"); written atomically (AtomicFile).
let writeCsv (path: string) (r: SpmResult) =
    Arise.Numerics.AtomicFile.write path (fun tmp ->
        use w = new StreamWriter(tmp)
        w.WriteLine "x,y,z,atoms,class,probability,mutual_information"
        let c = r.Classes.Length

        for f in 0 .. r.Centres.Length - 1 do
            let p = r.Centres.[f]

            let cls, prob, mi =
                match BoxLabel.ofArgmax r.Argmax.[f] with
                | BoxLabel.Failed -> "failed", "", ""
                | BoxLabel.Empty -> "empty", "", ""
                | BoxLabel.Class k ->
                    r.Classes.[k],
                    (float r.Probabilities.[f * c + k]).ToString("0.######", inv),
                    r.MutualInformation.[f].ToString("0.######", inv)

            w.WriteLine(
                String.Join(",", p.X.ToString("R", inv), p.Y.ToString("R", inv), p.Z.ToString("R", inv), string r.Atoms.[f], cls, prob, mi)
            ))

/// The sample with per-atom arise_class, arise_probability, arise_mutual_information and arise_boxes from the means
/// (probabilities atoms × classes, mutual information, box counts).
let labelled (sample: Structure) (classes: string[]) (probs: float32[]) (mi: float[]) (boxes: int[]) =
    let c = classes.Length
    let n = Structure.count sample

    // the most probable class of each atom (the first on a tie, as Array.maxBy), −1 for an atom in no classified box
    let best =
        Array.init n (fun a ->
            if boxes.[a] = 0 then
                -1
            else
                let mutable k = 0

                for j in 1 .. c - 1 do
                    if probs.[a * c + j] > probs.[a * c + k] then
                        k <- j

                k)

    sample
    |> Structure.withProperty "arise_class" (Texts(1, best |> Array.map (fun b -> if b < 0 then "none" else classes.[b])))
    |> Structure.withProperty
        "arise_probability"
        (Reals(1, Array.init n (fun a -> if best.[a] < 0 then 0.0 else float probs.[a * c + best.[a]])))
    |> Structure.withProperty "arise_mutual_information" (Reals(1, Array.init n (fun a -> if Double.IsNaN mi.[a] then -1.0 else mi.[a])))
    |> Structure.withProperty "arise_boxes" (Integers(1, boxes))

/// atoms.xyz: the sample with per-atom arise_class, arise_probability, arise_mutual_information, arise_boxes
/// (averages over the boxes containing each atom), for OVITO or ASE.
let writeAtoms (path: string) (sample: Structure) (r: SpmResult) =
    StructureIO.writeXyz path [ labelled sample r.Classes r.AtomProbabilities r.AtomMutualInformation r.AtomBoxes ]

let writeAtomsPart (path: string) (part: Structure) (indices: int[]) =
    Arise.Numerics.AtomicFile.write path (fun tmp ->
        use w = new StreamWriter(tmp)
        Formats.Xyz.writeAtomsTo w part (seq { 0 .. Structure.count part - 1 }))

    // each line's length in bytes, '\n' included, beside its atom's index
    let lengths = Array.zeroCreate<int> indices.Length

    do
        use lines = File.OpenRead path
        let buffer = Array.zeroCreate<byte>(1 <<< 20)
        let mutable line, length, read = 0, 0, lines.Read(buffer, 0, buffer.Length)

        while read > 0 do
            let mutable start = 0

            while start < read do
                match ReadOnlySpan(buffer, start, read - start).IndexOf 10uy with
                | -1 ->
                    length <- length + read - start
                    start <- read
                | i ->
                    lengths.[line] <- length + i + 1
                    line <- line + 1
                    length <- 0
                    start <- start + i + 1

            read <- lines.Read(buffer, 0, buffer.Length)

    Arise.Numerics.AtomicFile.write (path + ".index") (fun tmp ->
        use w = new BinaryWriter(File.Create tmp)

        for k in 0 .. indices.Length - 1 do
            w.Write indices.[k]
            w.Write lengths.[k])

/// Reads lines from a share's file at their offsets through a 1 MB window: a share's lines in ascending order are
/// read once, in order.
type private LineReader(path: string) =
    let file = File.OpenHandle path
    let window = Array.zeroCreate<byte>(1 <<< 20)
    let mutable start, length = 0L, 0

    /// Copies the `size` bytes at `offset` into `target` at `at`.
    member _.Copy(offset: int64, size: int, target: byte[], at: int) =
        if size > window.Length then
            if RandomAccess.Read(file, Span(target, at, size), offset) <> size then
                failwithf "%s ends before the line at byte %d" path offset
        else
            if offset < start || offset + int64 size > start + int64 length then
                start <- offset
                length <- RandomAccess.Read(file, Span window, offset)

                if length < size then
                    failwithf "%s ends before the line at byte %d" path offset

            Buffer.BlockCopy(window, int (offset - start), target, at, size)

    interface IDisposable with
        member _.Dispose() = file.Dispose()

let placeAtoms (path: string) (template: Structure) (count: int) (parts: string list) (mine: int) =
    let header =
        use w = new StringWriter()
        w.NewLine <- "\n"
        Formats.Xyz.writeHeaderTo w count template
        Text.UTF8Encoding(false).GetBytes(w.ToString())

    // this process writes the lines of atoms a0 … a1 − 1, one stretch of the file, whichever shares hold them
    let a0 = int (int64 count * int64 mine / int64 parts.Length)
    let a1 = int (int64 count * int64 (mine + 1) / int64 parts.Length)
    let source = Array.create (a1 - a0) -1
    let offsets = Array.zeroCreate<int64>(a1 - a0)
    let lengths = Array.zeroCreate<int>(a1 - a0)
    // the bytes of the lines before a0, and of all
    let mutable before, total = 0L, 0L

    // each index read in blocks: 8 bytes an atom (its number, its line's length), in its share's file order
    parts
    |> List.iteri (fun k part ->
        use index = File.OpenRead(part + ".index")
        let block = Array.zeroCreate<byte>(1 <<< 20)
        let mutable offset = 0L
        let mutable read = index.ReadAtLeast(Span block, block.Length, false)

        while read > 0 do
            if read % 8 <> 0 then
                failwithf "%s.index is cut short" part

            for e in 0 .. read / 8 - 1 do
                let atom =
                    Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(ReadOnlySpan(block, 8 * e, 4))

                let length =
                    Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(ReadOnlySpan(block, 8 * e + 4, 4))

                if atom < 0 || atom >= count || length <= 0 then
                    failwithf "%s.index names atom %d, outside the sample" part (atom + 1)

                if atom < a0 then
                    before <- before + int64 length
                elif atom < a1 then
                    if source.[atom - a0] >= 0 then
                        failwithf "%s.index names atom %d, in another share too" part (atom + 1)

                    source.[atom - a0] <- k
                    offsets.[atom - a0] <- offset
                    lengths.[atom - a0] <- length

                total <- total + int64 length
                offset <- offset + int64 length

            read <- index.ReadAtLeast(Span block, block.Length, false))

    match Array.tryFindIndex (fun k -> k < 0) source with
    | Some a -> failwithf "atom %d is in no process's part (%s)" (a0 + a + 1) (String.concat ", " parts)
    | None -> ()

    use file =
        new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite)

    // every process sets the same length, then writes its own stretch: together they cover the file (written through
    // the page cache, not synchronised to disk, as the other outputs)
    file.SetLength(int64 header.Length + total)
    let handle = file.SafeFileHandle

    if mine = 0 then
        RandomAccess.Write(handle, ReadOnlySpan header, 0L)

    let readers = parts |> List.map (fun p -> new LineReader(p)) |> Array.ofList

    try
        // the stretch gathered in 1 MB runs, each written at once
        let run = Array.zeroCreate<byte>(1 <<< 20)
        let mutable at = int64 header.Length + before
        let mutable length = 0

        let flush () =
            if length > 0 then
                RandomAccess.Write(handle, ReadOnlySpan(run, 0, length), at)
                at <- at + int64 length
                length <- 0

        for a in 0 .. a1 - a0 - 1 do
            let size = lengths.[a]

            if length + size > run.Length then
                flush ()

            if size > run.Length then
                let line = Array.zeroCreate<byte> size
                readers.[source.[a]].Copy(offsets.[a], size, line, 0)
                RandomAccess.Write(handle, ReadOnlySpan line, at)
                at <- at + int64 size
            else
                readers.[source.[a]].Copy(offsets.[a], size, run, length)
                length <- length + size

        flush ()
    finally
        for r in readers do
            (r :> IDisposable).Dispose()
