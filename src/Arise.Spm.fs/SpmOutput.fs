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

let placeAtoms (path: string) (template: Structure) (count: int) (parts: string list) (mine: int) =
    let header =
        use w = new StringWriter()
        w.NewLine <- "\n"
        Formats.Xyz.writeHeaderTo w count template
        Text.UTF8Encoding(false).GetBytes(w.ToString())

    // every atom's line length, from every share's index; this share's atoms in order
    let lengths = Array.create count -1
    let own = ResizeArray<int>()

    // each index read whole: 8 bytes an atom (a length asked of the file per atom costs a system call each)
    parts
    |> List.iteri (fun k part ->
        let index = File.ReadAllBytes(part + ".index")

        for e in 0 .. index.Length / 8 - 1 do
            let atom =
                Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(ReadOnlySpan(index, 8 * e, 4))

            let length =
                Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(ReadOnlySpan(index, 8 * e + 4, 4))

            if atom < 0 || atom >= count || lengths.[atom] >= 0 then
                failwithf "%s.index names atom %d, outside the sample or in another share too" part (atom + 1)

            lengths.[atom] <- length

            if k = mine then
                own.Add atom)

    match Array.tryFindIndex (fun l -> l < 0) lengths with
    | Some atom -> failwithf "atom %d is in no process's part (%s)" (atom + 1) (String.concat ", " parts)
    | None -> ()

    let offsets = Array.zeroCreate<int64> count
    let mutable total = int64 header.Length

    for a in 0 .. count - 1 do
        offsets.[a] <- total
        total <- total + int64 lengths.[a]

    use file =
        new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite)

    // every process sets the same length, then writes its own bytes: together they cover the file (written through
    // the page cache, not synchronised to disk, as the other outputs)
    file.SetLength total
    let handle = file.SafeFileHandle

    if mine = 0 then
        RandomAccess.Write(handle, ReadOnlySpan header, 0L)

    use lines = new BufferedStream(File.OpenRead(List.item mine parts), 1 <<< 20)
    // consecutive lines written together
    let run = Array.zeroCreate<byte>(1 <<< 20)
    let mutable start, length = 0L, 0

    let flush () =
        if length > 0 then
            RandomAccess.Write(handle, ReadOnlySpan(run, 0, length), start)
            length <- 0

    for atom in own do
        let offset, size = offsets.[atom], lengths.[atom]

        if length > 0 && (offset <> start + int64 length || length + size > run.Length) then
            flush ()

        if size > run.Length then
            let line = Array.zeroCreate<byte> size
            lines.ReadExactly(line.AsSpan())
            RandomAccess.Write(handle, ReadOnlySpan line, offset)
        else
            if length = 0 then
                start <- offset

            lines.ReadExactly(Span(run, length, size))
            length <- length + size

    flush ()
