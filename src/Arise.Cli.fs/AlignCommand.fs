/// `arise align`: one structure moved rigidly onto another (Registration.align).
module Arise.Cli.AlignCommand

open System.IO
open Arise.Structure

/// Runs `align`; exit code 0 when aligned, 1 when a file cannot be read or the two cannot be aligned.
let run (readOptions: StructureIO.ReadOptions) (json: bool) (out: string option) (moving: string) (reference: string) =
    let read file =
        StructureIO.readAllWith readOptions file
        |> Result.map (Inputs.firstFrame file)
        |> Result.mapError Inputs.describe

    let target =
        out
        |> Option.defaultValue (
            Path.Combine(Path.GetDirectoryName(Path.GetFullPath moving), Path.GetFileNameWithoutExtension moving + "-aligned.xyz")
        )

    let result =
        match read moving, read reference with
        | Error e, _
        | _, Error e -> Error e
        | Ok m, Ok r ->
            Registration.align m r
            |> Result.mapError (sprintf "%s onto %s: %s" moving reference)
            |> Result.bind (fun a ->
                try
                    StructureIO.writeXyz target [ a.Aligned ]
                    Ok(a, m)
                with e ->
                    Error(sprintf "cannot write %s (%s)" target e.Message))

    match result with
    | Error e ->
        eprintfn "error: %s" e
        1
    | Ok(a, m) ->
        let r = a.Rotation

        if json then
            Json.writeLine (fun w ->
                Json.number w "rmsd" a.Rmsd
                w.WriteNumber("matched", a.Matched)
                w.WriteNumber("atoms", m.Positions.Length)
                Json.number w "angle" a.Angle
                Json.numbers w "axis" [ a.Axis.X; a.Axis.Y; a.Axis.Z ]
                Json.numbers w "rotation" r
                Json.numbers w "translation" [ a.Translation.X; a.Translation.Y; a.Translation.Z ]
                w.WriteString("output", target))
        else
            printfn "%s onto %s" moving reference
            printfn "  RMSD %.3f Å over %d of %d atoms matched (same species, within half d_NN)" a.Rmsd a.Matched m.Positions.Length
            printfn "  rotation %.2f° about (%.4f, %.4f, %.4f)" a.Angle a.Axis.X a.Axis.Y a.Axis.Z

            for i in 0..2 do
                printfn "    [% .6f % .6f % .6f]" r.[3 * i] r.[3 * i + 1] r.[3 * i + 2]

            printfn "  translation (%.3f, %.3f, %.3f) Å" a.Translation.X a.Translation.Y a.Translation.Z
            printfn "  aligned structure → %s" target

        0
