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

/// atoms.xyz: the sample with per-atom arise_class, arise_probability, arise_mutual_information, arise_boxes
/// (averages over the boxes containing each atom), for OVITO or ASE.
let writeAtoms (path: string) (sample: Structure) (r: SpmResult) =
    let c = r.Classes.Length
    let n = Structure.count sample

    let best =
        Array.init n (fun a ->
            if r.AtomBoxes.[a] = 0 then
                -1
            else
                (Array.init c (fun k -> r.AtomProbabilities.[a * c + k])
                 |> Array.indexed
                 |> Array.maxBy snd
                 |> fst))

    let labelled =
        sample
        |> Structure.withProperty "arise_class" (Texts(1, best |> Array.map (fun b -> if b < 0 then "none" else r.Classes.[b])))
        |> Structure.withProperty
            "arise_probability"
            (Reals(
                1,
                Array.init n (fun a ->
                    if best.[a] < 0 then
                        0.0
                    else
                        float r.AtomProbabilities.[a * c + best.[a]])
            ))
        |> Structure.withProperty
            "arise_mutual_information"
            (Reals(
                1,
                Array.init n (fun a ->
                    if Double.IsNaN r.AtomMutualInformation.[a] then
                        -1.0
                    else
                        r.AtomMutualInformation.[a])
            ))
        |> Structure.withProperty "arise_boxes" (Integers(1, r.AtomBoxes))

    StructureIO.writeXyz path [ labelled ]
