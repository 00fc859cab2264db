/// Writing SPM results: .npz for numpy, boxes.csv, per-atom labels as extended XYZ (pictures: Arise.Pictures.SpmMaps).
module Arise.Spm.SpmOutput

open System
open Arise.Numerics
open System.IO
open System.Globalization
open Arise.Structure
open Arise.Model

let private inv = CultureInfo.InvariantCulture

/// spm.npz: grid (shape, origin, step, edge), centres, atoms, probabilities, mutual_information, argmax, classes,
/// material_types, hidden_0.. (numpy.load-able).
let writeNpz (path: string) (r: SpmResult) =
    let nx, ny, nz = r.Grid.Shape
    let n = r.Centres.Length

    Npy.writeNpz
        path
        [ yield "shape", Npy.int32Vector [| nx; ny; nz |]
          yield "origin", Npy.float64Vector (Vec3.toArray r.Grid.Origin)
          yield "step", Npy.float64Vector (Vec3.toArray r.Grid.Step)
          yield "edge", Npy.float64Vector (Vec3.toArray r.Grid.Edge)
          yield
              "centres",
              { Npy.float64Vector (r.Centres |> Array.collect Vec3.toArray) with
                  Shape = [ n; 3 ] }
          yield "atoms", Npy.int32Vector r.Atoms
          yield "probabilities", Npy.float32Matrix n r.Classes.Length r.Probabilities
          yield "mutual_information", Npy.float64Vector r.MutualInformation
          yield "argmax", Npy.int32Vector r.Argmax
          yield "classes", Npy.stringVector r.Classes
          yield "material_types", Npy.stringVector r.MaterialTypes
          for h in 0 .. r.Hidden.Length - 1 -> sprintf "hidden_%d" h, Npy.float32Matrix n (r.Hidden.[h].Length / max 1 n) r.Hidden.[h] ]

/// boxes.csv: x,y,z,atoms,class,probability,mutual_information (empty boxes: class "empty"; boxes whose descriptor
/// failed: "failed").
let writeCsv (path: string) (r: SpmResult) =
    use w = new StreamWriter(path)
    w.WriteLine "x,y,z,atoms,class,probability,mutual_information"
    let c = r.Classes.Length

    for f in 0 .. r.Centres.Length - 1 do
        let p = r.Centres.[f]

        let cls, prob, mi =
            if r.Argmax.[f] = -2 then
                "failed", "", ""
            elif r.Argmax.[f] < 0 then
                "empty", "", ""
            else
                r.Classes.[r.Argmax.[f]],
                (float r.Probabilities.[f * c + r.Argmax.[f]]).ToString("0.######", inv),
                r.MutualInformation.[f].ToString("0.######", inv)

        w.WriteLine(
            String.Join(",", p.X.ToString("R", inv), p.Y.ToString("R", inv), p.Z.ToString("R", inv), string r.Atoms.[f], cls, prob, mi)
        )

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
