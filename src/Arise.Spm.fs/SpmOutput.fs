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

/// The sample with per-atom arise_class, arise_probability, arise_mutual_information and arise_boxes from its labels.
let labelledBy (sample: Structure) (classes: string[]) (labels: AtomLabels) =
    let best = labels.Best
    let n = Structure.count sample

    if best.Length <> n then
        invalidArg "labels" (sprintf "labels of %d atoms for %d" best.Length n)

    sample
    |> Structure.withProperty "arise_class" (Texts(1, best |> Array.map (fun b -> if b < 0 then "none" else classes.[b])))
    |> Structure.withProperty "arise_probability" (Reals(1, labels.Probability))
    |> Structure.withProperty
        "arise_mutual_information"
        (Reals(
            1,
            labels.MutualInformation
            |> Array.map (fun m -> if Double.IsNaN m then -1.0 else m)
        ))
    |> Structure.withProperty "arise_boxes" (Integers(1, labels.Boxes))

/// The sample with per-atom arise_class, arise_probability, arise_mutual_information and arise_boxes from the means
/// (probabilities atoms × classes, mutual information, box counts).
let labelled (sample: Structure) (classes: string[]) (probs: float32[]) (mi: float[]) (boxes: int[]) =
    labelledBy sample classes (Spm.labelsOfMeans classes.Length probs mi boxes)

/// atoms.xyz: the sample with per-atom arise_class, arise_probability, arise_mutual_information, arise_boxes
/// (averages over the boxes containing each atom), for OVITO or ASE. The labels come from the result's per-atom means
/// (Spm.run), or, when it has none (Spm.runMaps, Spm.assemble), from its boxes (Spm.atomLabels): the same lines.
let writeAtoms (path: string) (sample: Structure) (r: SpmResult) =
    let n = Structure.count sample

    let atoms =
        if r.AtomBoxes.Length = n then
            labelled sample r.Classes r.AtomProbabilities r.AtomMutualInformation r.AtomBoxes
        else
            labelledBy sample r.Classes (Spm.atomLabels r sample (Array.init n id))

    StructureIO.writeXyz path [ atoms ]

[<Literal>]
let private linesPerBlock = 4096

/// A process's lines of atoms.xyz in memory: blocks of whole lines (a block for each 4,096 atoms, about 0.5 MB), each
/// line's start in its block and length in bytes.
[<Sealed>]
type AtomLines internal (indices: int[], blocks: byte[][], starts: int[], lengths: int[]) =
    member _.Count = indices.Length
    member internal _.Indices = indices
    member internal _.Lengths = lengths

    /// Copies the line of atom `p` of the share into `target` at `at`.
    member internal _.Copy(p: int, target: byte[], at: int) =
        Buffer.BlockCopy(blocks.[p / linesPerBlock], starts.[p], target, at, lengths.[p])

let atomLines (part: Structure) (indices: int[]) =
    let n = Structure.count part

    if indices.Length <> n then
        invalidArg "indices" (sprintf "%d indices for %d atoms" indices.Length n)

    for p in 1 .. n - 1 do
        if indices.[p] <= indices.[p - 1] then
            invalidArg "indices" (sprintf "atom %d follows atom %d: the indices must ascend" (indices.[p] + 1) (indices.[p - 1] + 1))

    let starts = Array.zeroCreate<int> n
    let lengths = Array.zeroCreate<int> n

    let blocks = Formats.Xyz.atomLinesUtf8 part (Array.init n id) linesPerBlock

    // each line's start in its block and length ('\n' included)
    blocks
    |> Array.iteri (fun b (_, ends) ->
        for i in 0 .. ends.Length - 1 do
            let p = b * linesPerBlock + i
            starts.[p] <- if i = 0 then 0 else ends.[i - 1]
            lengths.[p] <- ends.[i] - starts.[p])

    let blocks = Array.map fst blocks

    AtomLines(indices, blocks, starts, lengths)

/// The first position p ≥ from in `sorted` (strictly ascending) whose value is at least `value`.
let private lowerBound (sorted: int[]) (from: int) (value: int) =
    let i = Array.BinarySearch(sorted, from, sorted.Length - from, value)
    if i >= 0 then i else ~~~i

/// A buffer kept from one window to the next, made longer when a window needs more.
type private Reused() =
    let mutable buffer: byte[] = Array.zeroCreate 0

    /// The buffer now; set to an array received in place of it (a longer one).
    member _.Array
        with get () = buffer
        and set (longer: byte[]) = buffer <- longer

    member _.Take(size: int) =
        if buffer.Length < size then
            buffer <- Array.zeroCreate (max size (buffer.Length + buffer.Length / 2))

        buffer

/// The share's lines of atoms w0 … w1 − 1, as one message in `into`: their number, each atom's place in the window and
/// line length (int32 pairs), then the lines.
let private message (lines: AtomLines) (w0: int) (w1: int) (into: Reused) =
    let p0 = lowerBound lines.Indices 0 w0
    let p1 = lowerBound lines.Indices p0 w1
    let mutable size = 4 + 8 * (p1 - p0)

    for p in p0 .. p1 - 1 do
        size <- size + lines.Lengths.[p]

    let bytes = into.Take size
    let span = Span bytes
    Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span, p1 - p0)
    let mutable at = 4 + 8 * (p1 - p0)

    for p in p0 .. p1 - 1 do
        let e = 4 + 8 * (p - p0)
        Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span.Slice e, lines.Indices.[p] - w0)
        Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span.Slice(e + 4), lines.Lengths.[p])
        lines.Copy(p, bytes, at)
        at <- at + lines.Lengths.[p]

    ArraySegment(bytes, 0, size)

/// Where each line of atoms w0 … w1 − 1 lies among every process's message (in process order): its message in
/// `source`, its offset and length; fails naming an atom that no message or two hold.
let private locate (messages: ArraySegment<byte>[]) (w0: int) (w1: int) (source: int[]) (offsets: int[]) (lengths: int[]) =
    Array.fill source 0 (w1 - w0) -1

    messages
    |> Array.iteri (fun k m ->
        let read (at: int) =
            Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(ReadOnlySpan(m.Array, m.Offset + at, 4))

        let count = read 0
        let mutable at = 4 + 8 * count

        for e in 0 .. count - 1 do
            let a, length = read (4 + 8 * e), read (8 + 8 * e)

            if a < 0 || a >= w1 - w0 || length <= 0 || at + length > m.Count then
                failwithf "process %d sent a line outside atoms %d to %d" k (w0 + 1) w1

            if source.[a] >= 0 then
                failwithf "atom %d is in the shares of processes %d and %d" (w0 + a + 1) source.[a] k

            source.[a] <- k
            offsets.[a] <- m.Offset + at
            lengths.[a] <- length
            at <- at + length)

    for a in 0 .. w1 - w0 - 1 do
        if source.[a] < 0 then
            failwithf "atom %d is in no process's share" (w0 + a + 1)

let placeAtoms (world: Arise.Numerics.Mpi.World) (path: string) (template: Structure) (count: int) (lines: AtomLines) =
    let n, mine = world.Size, world.Rank

    let header =
        use w = new StringWriter()
        w.NewLine <- "\n"
        Formats.Xyz.writeHeaderTo w count template
        Text.UTF8Encoding(false).GetBytes(w.ToString())

    // process k writes the lines of atoms stretch k … stretch (k + 1) − 1, one stretch of the file
    let stretch (k: int) = int (int64 count * int64 k / int64 n)

    if
        lines.Count > 0
        && (lines.Indices.[0] < 0 || lines.Indices.[lines.Count - 1] >= count)
    then
        invalidArg "lines" (sprintf "atoms outside the sample's %d" count)

    // the bytes of each stretch, summed over the shares: where each process's stretch begins
    let bytes = Array.zeroCreate<float> n
    let mutable k = 0

    for p in 0 .. lines.Count - 1 do
        while lines.Indices.[p] >= stretch (k + 1) do
            k <- k + 1

        bytes.[k] <- bytes.[k] + float lines.Lengths.[p]

    let bytes = world.SumAll bytes
    let total = Array.sum bytes
    let mutable at = int64 header.Length + int64 (Array.sum bytes.[0 .. mine - 1])

    use file =
        new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite)

    // every process sets the same length, then writes its own stretch: together they cover the file (written through
    // the page cache, not synchronised to disk, as the other outputs)
    file.SetLength(int64 header.Length + int64 total)
    let handle = file.SafeFileHandle

    if mine = 0 then
        RandomAccess.Write(handle, ReadOnlySpan header, 0L)

    // the stretches in windows of atoms, one window of each at a time: every process sends the others its lines in
    // their windows (a ring of MPI_Sendrecv) and writes its window's lines from what it receives and its own, in 1 MB
    // runs. The buffers are kept from one window to the next. A failure is kept until the end: the others still wait
    // for this process's messages.
    let window = max 16 (min (1 <<< 18) (count / (8 * n)))

    let windows (k: int) =
        (stretch (k + 1) - stretch k + window - 1) / window

    let rounds = Seq.init n windows |> Seq.max
    let buffers = Array.init n (fun _ -> Reused())
    let outgoing = Reused()

    let source, offsets, lengths =
        Array.zeroCreate<int> window, Array.zeroCreate<int> window, Array.zeroCreate<int> window

    let run = Array.zeroCreate<byte>(1 <<< 20)
    let mutable failure = None

    for r in 0 .. rounds - 1 do
        let range (k: int) =
            min (stretch (k + 1)) (stretch k + r * window), min (stretch (k + 1)) (stretch k + (r + 1) * window)

        let messages = Array.zeroCreate<ArraySegment<byte>> n
        messages.[mine] <- message lines (fst (range mine)) (snd (range mine)) buffers.[mine]

        for s in 1 .. n - 1 do
            let toRank, fromRank = (mine + s) % n, (mine - s + n) % n
            let w0, w1 = range toRank

            let received =
                world.SendReceive(message lines w0 w1 outgoing, toRank, fromRank, buffers.[fromRank].Array)

            // a longer array received in place of the buffer is kept for the next windows
            buffers.[fromRank].Array <- received.Array
            messages.[fromRank] <- received

        let w0, w1 = range mine

        if failure.IsNone && w1 > w0 then
            try
                locate messages w0 w1 source offsets lengths
                let mutable length = 0

                let flush () =
                    RandomAccess.Write(handle, ReadOnlySpan(run, 0, length), at)
                    at <- at + int64 length
                    length <- 0

                for a in 0 .. w1 - w0 - 1 do
                    let m, size = messages.[source.[a]], lengths.[a]

                    if length + size > run.Length then
                        flush ()

                    if size > run.Length then
                        RandomAccess.Write(handle, ReadOnlySpan(m.Array, offsets.[a], size), at)
                        at <- at + int64 size
                    else
                        Buffer.BlockCopy(m.Array, offsets.[a], run, length, size)
                        length <- length + size

                flush ()
            with e ->
                failure <- Some e.Message

    match failure with
    | Some e -> failwith e
    | None -> ()
