namespace Arise.Spm

open System
open Arise.Numerics
open Arise.Structure

/// An SPM run as `spm.npz` holds it, read back.
type SpmData =
    {
        Grid: SpmGrid
        Classes: string[]
        MaterialTypes: string[]
        /// Each box's label.
        Labels: BoxLabel[]
        /// Mutual information per box (nats; NaN when not classified).
        MutualInformation: float[]
        /// Hidden-layer pre-activations, one array boxes × width per hidden layer (index 0 = the first layer).
        /// (The grid's mode is not stored: it reads back as Bulk.)
        Hidden: float32[][]
    }

    /// Number of boxes.
    member d.Count = d.Labels.Length

    /// The width of hidden layer `layer` (1 = first).
    member d.Width(layer: int) =
        d.Hidden.[layer - 1].Length / max 1 d.Labels.Length

/// The `spm.npz` schema, in one place: its keys, writing a run, and reading one back with every array checked.
module SpmFile =
    /// Writes a run as spm.npz: grid (shape, origin, step, edge), centres, atoms, probabilities, mutual_information,
    /// argmax, classes, material_types, hidden_1.. (hidden_1 = the first hidden layer; numpy.load-able).
    let write (path: string) (r: SpmResult) =
        let nx, ny, nz = r.Grid.Shape
        let n = r.Centres.Length

        Npy.writeNpz
            path
            [ yield SpmKeys.Shape, Npy.int32Vector [| nx; ny; nz |]
              yield SpmKeys.Origin, Npy.float64Vector (Vec3.toArray r.Grid.Origin)
              yield SpmKeys.Step, Npy.float64Vector (Vec3.toArray r.Grid.Step)
              yield SpmKeys.Edge, Npy.float64Vector (Vec3.toArray r.Grid.Edge)
              yield
                  SpmKeys.Centres,
                  { Npy.float64Vector (r.Centres |> Array.collect Vec3.toArray) with
                      Shape = [ n; 3 ] }
              yield SpmKeys.Atoms, Npy.int32Vector r.Atoms
              yield SpmKeys.Probabilities, Npy.float32Matrix n r.Classes.Length r.Probabilities
              yield SpmKeys.MutualInformation, Npy.float64Vector r.MutualInformation
              yield SpmKeys.Argmax, Npy.int32Vector r.Argmax
              yield SpmKeys.Classes, Npy.stringVector r.Classes
              yield SpmKeys.MaterialTypes, Npy.stringVector r.MaterialTypes
              for h in 1 .. r.Hidden.Length -> SpmKeys.hidden h, Npy.float32Matrix n (r.Hidden.[h - 1].Length / max 1 n) r.Hidden.[h - 1] ]

    /// Reads spm.npz back, checking that every array is there with one row per box and class indices in range.
    let read (path: string) : Result<SpmData, string> =
        let bad reason =
            Error(sprintf "%s is not a valid spm.npz (written by arise spm): %s" path reason)

        match Npy.readNpz path with
        | Error e -> Error e
        | Ok arrays ->
            let missing =
                [ SpmKeys.Shape
                  SpmKeys.Origin
                  SpmKeys.Step
                  SpmKeys.Edge
                  SpmKeys.Argmax
                  SpmKeys.Classes
                  SpmKeys.MutualInformation ]
                |> List.filter (arrays.ContainsKey >> not)

            // hidden_1, hidden_2, …; files of earlier versions count from hidden_0
            let key =
                if arrays.ContainsKey(SpmKeys.legacyHidden 1) then
                    SpmKeys.legacyHidden
                else
                    SpmKeys.hidden

            let layers =
                Seq.initInfinite (fun k -> key (k + 1))
                |> Seq.takeWhile arrays.ContainsKey
                |> Seq.length

            if not missing.IsEmpty then
                bad (sprintf "no %s" (String.Join(", ", missing)))
            elif layers = 0 then
                bad "no hidden-layer activations"
            else
                try
                    let argmax = Npy.asInt32 arrays.[SpmKeys.Argmax]
                    let classes = Npy.asStrings arrays.[SpmKeys.Classes]
                    let shape = Npy.asInt32 arrays.[SpmKeys.Shape]
                    let vec (key: string) = Npy.asFloat64 arrays.[key]
                    let n = argmax.Length

                    let hidden =
                        Array.init layers (fun k ->
                            let a = arrays.[key (k + 1)]

                            match a.Shape with
                            | [ rows; width ] when rows = n && (Npy.asFloat32 a).Length = rows * width -> Some(Npy.asFloat32 a)
                            | _ -> None)

                    let materialTypes =
                        if arrays.ContainsKey SpmKeys.MaterialTypes then
                            Npy.asStrings arrays.[SpmKeys.MaterialTypes]
                        else
                            Array.create classes.Length ""

                    if
                        shape.Length <> 3
                        || shape |> Array.exists (fun d -> d < 1)
                        || Array.fold (*) 1 shape <> n
                    then
                        bad "the grid's shape does not match the boxes"
                    elif
                        [ SpmKeys.Origin; SpmKeys.Step; SpmKeys.Edge ]
                        |> List.exists (fun k -> (vec k).Length <> 3)
                    then
                        bad "origin, step and edge must hold 3 numbers"
                    elif (Npy.asFloat64 arrays.[SpmKeys.MutualInformation]).Length <> n then
                        bad "mutual_information has another length than argmax"
                    elif hidden |> Array.exists Option.isNone then
                        bad "a hidden layer's rows do not match the boxes"
                    elif argmax |> Array.exists (fun a -> a < -2 || a >= classes.Length) then
                        bad "argmax holds a class index out of range"
                    elif materialTypes.Length <> classes.Length then
                        bad "material_types do not match the classes"
                    else
                        Ok
                            { Grid =
                                { Mode = SpmMode.Bulk
                                  Shape = shape.[0], shape.[1], shape.[2]
                                  Origin = Vec3.ofArray (vec SpmKeys.Origin)
                                  Step = Vec3.ofArray (vec SpmKeys.Step)
                                  Edge = Vec3.ofArray (vec SpmKeys.Edge) }
                              Classes = classes
                              MaterialTypes = materialTypes
                              Labels = argmax |> Array.map BoxLabel.ofArgmax
                              MutualInformation = Npy.asFloat64 arrays.[SpmKeys.MutualInformation]
                              Hidden = hidden |> Array.map Option.get }
                with ex ->
                    bad ex.Message
