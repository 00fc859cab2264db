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
    Arise.Numerics.AtomicFile.write (path + ".index") (fun tmp ->
        use w = new BinaryWriter(File.Create tmp)

        for i in indices do
            w.Write i)

    Arise.Numerics.AtomicFile.write path (fun tmp ->
        use w = new StreamWriter(tmp)
        Formats.Xyz.writeAtomsTo w part (seq { 0 .. Structure.count part - 1 }))

/// The lines of a text file as raw bytes, copied one at a time (no decoding: a share of atoms.xyz is copied as it is).
type private LineCopier(path: string) =
    let stream = File.OpenRead path
    let buffer = Array.zeroCreate<byte>(1 <<< 20)
    let mutable start, stop = 0, 0

    /// Copies the next line, '\n' included, to `out`.
    member _.CopyLine(out: Stream) =
        let mutable copied = false

        while not copied do
            if start = stop then
                stop <- stream.Read(buffer, 0, buffer.Length)
                start <- 0

                if stop = 0 then
                    failwithf "%s ends before its index says" path

            let i = ReadOnlySpan(buffer, start, stop - start).IndexOf(10uy)

            if i >= 0 then
                out.Write(buffer, start, i + 1)
                start <- start + i + 1
                copied <- true
            else
                out.Write(buffer, start, stop - start)
                start <- stop

    interface IDisposable with
        member _.Dispose() = stream.Dispose()

let mergeAtoms (path: string) (template: Structure) (count: int) (parts: string list) =
    Arise.Numerics.AtomicFile.write path (fun tmp ->
        use out =
            new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 <<< 20)

        do
            use header = new StringWriter()
            header.NewLine <- "\n"
            Formats.Xyz.writeHeaderTo header count template
            let bytes = Text.UTF8Encoding(false).GetBytes(header.ToString())
            out.Write(bytes, 0, bytes.Length)

        let readers =
            parts
            |> List.map (fun p -> new BinaryReader(new BufferedStream(File.OpenRead(p + ".index"), 1 <<< 16)), new LineCopier(p))
            |> Array.ofList

        try
            let left (index: BinaryReader, _) =
                index.BaseStream.Position < index.BaseStream.Length

            let next =
                readers
                |> Array.map (fun r -> if left r then (fst r).ReadInt32() else Int32.MaxValue)

            for atom in 0 .. count - 1 do
                let k = Array.IndexOf(next, atom)

                if k < 0 then
                    failwithf "atom %d is in no process's part (%s)" (atom + 1) (String.concat ", " parts)

                (snd readers.[k]).CopyLine out

                next.[k] <-
                    if left readers.[k] then
                        (fst readers.[k]).ReadInt32()
                    else
                        Int32.MaxValue
        finally
            for index, lines in readers do
                index.Dispose()
                (lines :> IDisposable).Dispose())
