/// VASP POSCAR / CONTCAR (VASP 5 species line; scale factor, negative = target volume; Direct or Cartesian;
/// selective dynamics kept as the per-atom property "selective_dynamics").
module Arise.Structure.Formats.Poscar

open System
open System.Text
open Arise.Structure
open Arise.Structure.Formats.Text

/// Parses a POSCAR text. A VASP 4 file without a species line takes the species from the comment line.
let parse (file: string) (text: string) : Result<Structure, ReadError> =
    guard file (fun () ->
        let all = lines text
        let mutable i = 0

        let next what =
            // skips nothing: POSCAR is positional; a missing line is an error
            if i >= all.Length || String.IsNullOrWhiteSpace all.[i] then
                failAt
                    (i + 1)
                    (sprintf
                        "expected %s, found %s"
                        what
                        (if i >= all.Length then
                             "the end of the file"
                         else
                             "an empty line"))

            let l = all.[i]
            i <- i + 1
            i, tokens (stripComment '!' l)

        if all |> Array.forall String.IsNullOrWhiteSpace then
            failFile "the file is empty"

        let comment = all.[0].Trim()
        i <- 1
        let ln, scaleTokens = next "the scale factor"
        let scales = scaleTokens |> Array.map (float ln "the scale factor")

        if scales.Length <> 1 && scales.Length <> 3 then
            failAt ln "the scale line needs one or three numbers"

        let vectors =
            [| for k in 0..2 ->
                   let ln, t = next (sprintf "lattice vector %d" (k + 1))

                   if t.Length <> 3 then
                       failAt ln (sprintf "lattice vector has %d numbers; expected 3" t.Length)

                   Vec3.make (float ln "x" t.[0]) (float ln "y" t.[1]) (float ln "z" t.[2]) |]

        let raw = Cell.make vectors.[0] vectors.[1] vectors.[2]

        if Cell.isSingular raw then
            failAt (ln + 1) "the lattice vectors are singular (zero volume)"

        let cell =
            if scales.Length = 3 then
                if scales |> Array.exists (fun s -> s <= 0.0) then
                    failAt ln "per-axis scale factors must be positive"

                raw
                |> Cell.map (fun v -> Vec3.make (v.X * scales.[0]) (v.Y * scales.[1]) (v.Z * scales.[2]))
            elif scales.[0] < 0.0 then
                Cell.scale (Math.Cbrt(-scales.[0] / abs (Cell.volume raw))) raw
            elif scales.[0] = 0.0 then
                failAt ln "the scale factor is zero"
            else
                Cell.scale scales.[0] raw

        let ln6, t6 = next "the species or counts line"

        let symbols, counts, lnCounts =
            if t6 |> Array.forall (fun t -> fst (Int32.TryParse t)) then
                let fromComment = tokens comment |> Array.truncate t6.Length

                if
                    fromComment.Length = t6.Length
                    && fromComment |> Array.forall (Elements.tryNumber >> Option.isSome)
                then
                    fromComment |> Array.map (element 1), t6 |> Array.map (int ln6 "an atom count"), ln6
                else
                    failAt ln6 "no species line (VASP 4 format) and the comment line does not list the elements"
            else
                let ln7, t7 = next "the atom counts line"

                if t7.Length <> t6.Length then
                    failAt ln7 (sprintf "%d counts for %d species" t7.Length t6.Length)

                t6 |> Array.map (fun s -> element ln6 (s.Split('/').[0].Split('_').[0])), t7 |> Array.map (int ln7 "an atom count"), ln7

        if counts |> Array.exists (fun c -> c < 0) then
            failAt lnCounts "negative atom count"

        let declared = counts |> Array.sumBy int64

        if declared = 0L then
            failAt lnCounts "zero atoms"
        // each atom needs a line: a count beyond the file's length is an error, not an allocation
        if declared > int64 (all.Length - i) then
            failAt
                lnCounts
                (sprintf "the counts declare %d atoms but the file has only %d more lines (truncated file?)" declared (all.Length - i))

        let natoms = int32 declared
        let mutable lnMode, mode = next "Direct or Cartesian"

        let selective =
            mode.Length > 0 && (mode.[0].StartsWith "s" || mode.[0].StartsWith "S")

        if selective then
            let l, m = next "Direct or Cartesian"
            lnMode <- l
            mode <- m

        let first =
            if mode.Length > 0 then
                Char.ToUpperInvariant mode.[0].[0]
            else
                ' '

        let cartesian =
            match first with
            | 'C'
            | 'K' -> true
            | 'D' -> false
            | _ -> failAt lnMode (sprintf "expected Direct or Cartesian, found '%s'" (String.Join(" ", mode)))

        let numbers =
            Array.concat [ for k in 0 .. symbols.Length - 1 -> Array.create counts.[k] symbols.[k] ]

        let flags = Array.zeroCreate (if selective then 3 * natoms else 0)

        let positions =
            Array.init natoms (fun a ->
                let ln, t = next (sprintf "the position of atom %d of %d" (a + 1) natoms)
                let need = if selective then 6 else 3

                if t.Length < need then
                    failAt ln (sprintf "position line has %d fields; expected %d" t.Length need)

                if t.Length > need + 1 then
                    failAt ln (sprintf "position line has %d fields; expected %d" t.Length need)

                if t.Length = need + 1 && Elements.tryNumber t.[need] |> Option.isNone then
                    failAt ln (sprintf "unexpected extra field '%s'" t.[need])

                if selective then
                    for k in 0..2 do
                        flags.[3 * a + k] <-
                            match t.[3 + k].ToUpperInvariant() with
                            | "T" -> true
                            | "F" -> false
                            | f -> failAt ln (sprintf "selective dynamics flag '%s' is not T or F" f)

                let v = Vec3.make (float ln "x" t.[0]) (float ln "y" t.[1]) (float ln "z" t.[2])

                if cartesian then
                    if scales.Length = 3 then
                        Vec3.make (v.X * scales.[0]) (v.Y * scales.[1]) (v.Z * scales.[2])
                    elif scales.[0] < 0.0 then
                        Math.Cbrt(-scales.[0] / abs (Cell.volume raw)) * v
                    elif scales.[0] = 1.0 then
                        v
                    else
                        scales.[0] * v
                else
                    Cell.toCartesian cell v)

        let s = Structure.periodic cell positions numbers

        let s =
            if selective then
                Structure.withProperty "selective_dynamics" (Logicals(3, flags)) s
            else
                s

        validated (
            if comment <> "" then
                Structure.withInfo "comment" comment s
            else
                s
        ))

/// Writes a POSCAR (VASP 5, Cartesian, scale 1). Atoms are grouped by species in order of first appearance,
/// as the format requires. Fails for structures without a cell.
let write (s: Structure) : Result<string, string> =
    match s.Cell with
    | None -> Error "POSCAR needs a cell, and this structure is a finite cluster without one"
    | Some c ->
        let order = s.Numbers |> Array.distinct

        let groups =
            order
            |> Array.map (fun z ->
                z,
                [| for i in 0 .. s.Numbers.Length - 1 do
                       if s.Numbers.[i] = z then
                           i |])

        let sb = StringBuilder()
        sb.Append(Structure.formula s).Append('\n').Append("1.0\n") |> ignore

        for v in [ c.A; c.B; c.C ] do
            sb.AppendFormat("  {0} {1} {2}\n", formatFloat v.X, formatFloat v.Y, formatFloat v.Z)
            |> ignore

        sb.Append(String.Join(" ", groups |> Array.map (fst >> Elements.symbol))).Append('\n')
        |> ignore

        sb.Append(String.Join(" ", groups |> Array.map (fun (_, ix) -> string ix.Length))).Append('\n')
        |> ignore

        sb.Append("Cartesian\n") |> ignore

        for (_, ix) in groups do
            for i in ix do
                let p = s.Positions.[i]

                sb.AppendFormat("  {0} {1} {2}\n", formatFloat p.X, formatFloat p.Y, formatFloat p.Z)
                |> ignore

        Ok(sb.ToString())
