/// CIF (crystallographic information file): cell parameters, fractional atom sites and symmetry operations,
/// expanded to the full cell with duplicates merged. One structure per data block that has atom sites.
module Arise.Structure.Formats.Cif

open System
open System.Globalization
open Arise.Structure
open Arise.Structure.Formats.Text

type private Token =
    { Text: string
      Line: int
      Quoted: bool }

let private tokenize (text: string) =
    let out = ResizeArray<Token>()
    let ls = lines text
    let mutable i = 0

    while i < ls.Length do
        let line = ls.[i]

        if line.StartsWith ";" then
            // semicolon-delimited text field
            let start = i
            let sb = Text.StringBuilder(line.Substring 1)
            i <- i + 1

            while i < ls.Length && not (ls.[i].StartsWith ";") do
                sb.Append('\n').Append(ls.[i]) |> ignore
                i <- i + 1

            if i >= ls.Length then
                failAt (start + 1) "unterminated text field (';' without a closing ';')"

            out.Add
                { Text = sb.ToString()
                  Line = start + 1
                  Quoted = true }

            i <- i + 1
        else
            let n = line.Length
            let mutable k = 0
            let mutable stop = false

            while k < n && not stop do
                let c = line.[k]

                if Char.IsWhiteSpace c then
                    k <- k + 1
                elif c = '#' then
                    stop <- true
                elif c = '\'' || c = '"' then
                    // a quote closes only when followed by whitespace or the end of the line
                    let mutable e = k + 1

                    while e < n && not (line.[e] = c && (e + 1 = n || Char.IsWhiteSpace line.[e + 1])) do
                        e <- e + 1

                    if e >= n then
                        failAt (i + 1) "unterminated quoted string"

                    out.Add
                        { Text = line.Substring(k + 1, e - k - 1)
                          Line = i + 1
                          Quoted = true }

                    k <- e + 1
                else
                    let s = k

                    while k < n && not (Char.IsWhiteSpace line.[k]) do
                        k <- k + 1

                    out.Add
                        { Text = line.Substring(s, k - s)
                          Line = i + 1
                          Quoted = false }

            i <- i + 1

    out

type private Block =
    { Name: string
      Line: int
      Items: Collections.Generic.Dictionary<string, Token>
      Loops: ResizeArray<string[] * Token[][]> }

let private isKeyword (t: Token) =
    not t.Quoted
    && (t.Text.StartsWith "_"
        || t.Text.StartsWith "data_"
        || t.Text.Equals("loop_", StringComparison.OrdinalIgnoreCase)
        || t.Text.StartsWith "save_"
        || t.Text.Equals("global_", StringComparison.OrdinalIgnoreCase))

let private parseBlocks (toks: ResizeArray<Token>) =
    let blocks = ResizeArray<Block>()
    let mutable i = 0

    let current () =
        if blocks.Count = 0 then
            failAt toks.[i].Line "content before the first data_ block"

        blocks.[blocks.Count - 1]

    while i < toks.Count do
        let t = toks.[i]

        if not t.Quoted && t.Text.StartsWith "data_" then
            blocks.Add
                { Name = t.Text.Substring 5
                  Line = t.Line
                  Items = Collections.Generic.Dictionary(StringComparer.OrdinalIgnoreCase)
                  Loops = ResizeArray() }

            i <- i + 1
        elif not t.Quoted && t.Text.Equals("loop_", StringComparison.OrdinalIgnoreCase) then
            let b = current ()
            i <- i + 1
            let tags = ResizeArray<string>()

            while i < toks.Count && not toks.[i].Quoted && toks.[i].Text.StartsWith "_" do
                tags.Add(toks.[i].Text)
                i <- i + 1

            if tags.Count = 0 then
                failAt t.Line "loop_ without tags"

            let values = ResizeArray<Token>()

            while i < toks.Count && not (isKeyword toks.[i]) do
                values.Add toks.[i]
                i <- i + 1

            if values.Count % tags.Count <> 0 then
                failAt t.Line (sprintf "loop with %d tags has %d values (not a multiple)" tags.Count values.Count)

            let rows =
                [| for r in 0 .. values.Count / tags.Count - 1 -> Array.init tags.Count (fun c -> values.[r * tags.Count + c]) |]

            b.Loops.Add(tags.ToArray(), rows)
        elif not t.Quoted && t.Text.StartsWith "_" then
            let b = current ()

            if i + 1 >= toks.Count || isKeyword toks.[i + 1] then
                failAt t.Line (sprintf "tag %s has no value" t.Text)

            b.Items.[t.Text] <- toks.[i + 1]
            i <- i + 2
        elif
            not t.Quoted
            && (t.Text.StartsWith "save_"
                || t.Text.Equals("global_", StringComparison.OrdinalIgnoreCase))
        then
            failAt t.Line (sprintf "%s frames are not supported" t.Text)
        else
            failAt t.Line (sprintf "unexpected value '%s' outside a loop" t.Text)

    blocks

/// A CIF number without its standard uncertainty, e.g. "5.4309(2)" → 5.4309.
let private number (t: Token) (what: string) =
    let s =
        match t.Text.IndexOf '(' with
        | -1 -> t.Text
        | k -> t.Text.Substring(0, k)

    float t.Line what s

/// Parses one symmetry operation such as "-x+1/2, y, z+1/4" into rows (r0, r1, r2, t).
let internal parseOperation (line: int) (op: string) =
    let parts = op.Replace(" ", "").ToLowerInvariant().Split(',')

    if parts.Length <> 3 then
        failAt line (sprintf "symmetry operation '%s' does not have three components" op)

    parts
    |> Array.map (fun p ->
        let coef = Array.zeroCreate<float> 3
        let mutable shift = 0.0
        let mutable k = 0

        if p = "" then
            failAt line (sprintf "symmetry operation '%s' has an empty component" op)

        while k < p.Length do
            let sign =
                match p.[k] with
                | '-' ->
                    k <- k + 1
                    -1.0
                | '+' ->
                    k <- k + 1
                    1.0
                | _ -> 1.0

            let s = k

            while k < p.Length && (Char.IsDigit p.[k] || p.[k] = '.' || p.[k] = '/') do
                k <- k + 1

            let numText = p.Substring(s, k - s)

            let value =
                if numText = "" then
                    1.0
                else
                    match numText.Split '/' with
                    | [| a |] -> float line "a symmetry coefficient" a
                    | [| a; b |] -> float line "a symmetry fraction" a / float line "a symmetry fraction" b
                    | _ -> failAt line (sprintf "cannot read '%s' in symmetry operation '%s'" numText op)

            if k < p.Length && p.[k] = '*' then
                k <- k + 1

            if k < p.Length && (p.[k] = 'x' || p.[k] = 'y' || p.[k] = 'z') then
                let axis =
                    (match p.[k] with
                     | 'x' -> 0
                     | 'y' -> 1
                     | _ -> 2)

                coef.[axis] <- coef.[axis] + sign * value
                k <- k + 1
            elif numText <> "" then
                shift <- shift + sign * value
            else
                failAt line (sprintf "cannot read symmetry operation '%s'" op)

        coef, shift)

let private symbolOf (line: int) (typeSymbol: string option) (label: string) =
    let letters (s: string) =
        s |> Seq.takeWhile Char.IsLetter |> Seq.toArray |> String

    let candidates =
        [ match typeSymbol with
          | Some t -> letters t
          | None -> ()
          letters label ]

    candidates
    |> List.tryPick (fun l ->
        if l.Length >= 2 && (Elements.tryNumber (l.Substring(0, 2))).IsSome then
            Elements.tryNumber (l.Substring(0, 2))
        elif l.Length >= 1 then
            Elements.tryNumber (l.Substring(0, 1))
        else
            None)
    |> Option.defaultWith (fun () -> failAt line (sprintf "cannot tell the element of atom site '%s'" label))

let private blockStructure (b: Block) =
    let item tag =
        match b.Items.TryGetValue tag with
        | true, t -> t
        | _ -> failAt b.Line (sprintf "data block '%s' has no %s" b.Name tag)

    let a, bb, c =
        number (item "_cell_length_a") "_cell_length_a",
        number (item "_cell_length_b") "_cell_length_b",
        number (item "_cell_length_c") "_cell_length_c"

    let al, be, ga =
        number (item "_cell_angle_alpha") "_cell_angle_alpha",
        number (item "_cell_angle_beta") "_cell_angle_beta",
        number (item "_cell_angle_gamma") "_cell_angle_gamma"

    let cell =
        match Cell.tryOfParameters a bb c al be ga with
        | Some cell -> cell
        | None -> failAt (item "_cell_length_a").Line "the cell parameters describe no cell (zero volume)"

    let loopWith (tag: string) =
        b.Loops
        |> Seq.tryFind (fun (tags, _) ->
            tags
            |> Array.exists (fun t -> t.Equals(tag, StringComparison.OrdinalIgnoreCase)))

    let column (tags: string[]) (tag: string) =
        tags
        |> Array.tryFindIndex (fun t -> t.Equals(tag, StringComparison.OrdinalIgnoreCase))

    let tags, rows =
        match loopWith "_atom_site_fract_x" with
        | Some l -> l
        | None ->
            if (loopWith "_atom_site_Cartn_x").IsSome then
                failAt b.Line "atom sites given only as Cartesian coordinates (_atom_site_Cartn_*); fractional coordinates are supported"
            else
                failAt b.Line (sprintf "data block '%s' has no _atom_site_fract_x loop" b.Name)

    let col tag = column tags tag

    let fx, fy, fz =
        match col "_atom_site_fract_x", col "_atom_site_fract_y", col "_atom_site_fract_z" with
        | Some x, Some y, Some z -> x, y, z
        | _ -> failAt b.Line "the atom-site loop lacks _atom_site_fract_y or _atom_site_fract_z"

    let labelCol, typeCol, occCol =
        col "_atom_site_label", col "_atom_site_type_symbol", col "_atom_site_occupancy"

    if labelCol.IsNone && typeCol.IsNone then
        failAt b.Line "the atom-site loop has neither _atom_site_label nor _atom_site_type_symbol"

    let sites =
        rows
        |> Array.map (fun r ->
            let line = r.[fx].Line

            let label =
                match labelCol with
                | Some k -> r.[k].Text
                | None -> r.[typeCol.Value].Text

            let z = symbolOf line (typeCol |> Option.map (fun k -> r.[k].Text)) label

            match occCol with
            | Some k when r.[k].Text <> "?" && r.[k].Text <> "." ->
                let occ = number r.[k] "_atom_site_occupancy"

                if occ < 0.999 then
                    failAt
                        line
                        (sprintf "site %s has occupancy %s < 1: partially occupied (disordered) sites are not supported" label r.[k].Text)
            | _ -> ()

            let f =
                Vec3.make (number r.[fx] "_atom_site_fract_x") (number r.[fy] "_atom_site_fract_y") (number r.[fz] "_atom_site_fract_z")

            f, z)

    let operations =
        let opTags = [ "_symmetry_equiv_pos_as_xyz"; "_space_group_symop_operation_xyz" ]

        let fromLoop =
            opTags
            |> List.tryPick (fun tag ->
                loopWith tag
                |> Option.map (fun (tags, rows) ->
                    let k = (column tags tag).Value
                    rows |> Array.map (fun r -> parseOperation r.[k].Line r.[k].Text)))

        let fromItem =
            opTags
            |> List.tryPick (fun tag ->
                match b.Items.TryGetValue tag with
                | true, t -> Some [| parseOperation t.Line t.Text |]
                | _ -> None)

        match fromLoop |> Option.orElse fromItem with
        | Some ops -> ops
        | None ->
            let sg =
                [ "_symmetry_space_group_name_H-M"; "_space_group_name_H-M_alt" ]
                |> List.tryPick (fun t ->
                    match b.Items.TryGetValue t with
                    | true, v -> Some v.Text
                    | _ -> None)

            match sg with
            | Some name when name.Replace(" ", "") <> "P1" ->
                failAt
                    b.Line
                    (sprintf
                        "no symmetry operations listed, only the space group '%s'; expansion from a symbol alone is not \
                        supported"
                        name)
            | _ -> [| parseOperation b.Line "x,y,z" |]

    let wrap x =
        let w = x - floor x
        if w >= 1.0 - 1e-9 then 0.0 else w

    let expanded = ResizeArray<Vec3 * int>()
    let tolerance = 1e-2 // Å: images closer than this are the same atom

    for (f, z) in sites do
        for (rows: (float[] * float)[]) in operations do
            let apply (coef: float[], shift) =
                coef.[0] * f.X + coef.[1] * f.Y + coef.[2] * f.Z + shift

            let g =
                Vec3.make (wrap (apply rows.[0])) (wrap (apply rows.[1])) (wrap (apply rows.[2]))

            let duplicate =
                expanded
                |> Seq.exists (fun (h, _) ->
                    let d = g - h
                    let d = Vec3.make (d.X - round d.X) (d.Y - round d.Y) (d.Z - round d.Z)
                    Vec3.norm (Cell.toCartesian cell d) < tolerance)

            if not duplicate then
                expanded.Add(g, z)

    let positions = expanded |> Seq.map (fst >> Cell.toCartesian cell) |> Array.ofSeq
    let numbers = expanded |> Seq.map snd |> Array.ofSeq

    Structure.periodic cell positions numbers
    |> Structure.withInfo "cif_block" b.Name
    |> validated

/// Parses every data block with atom sites into a structure.
let parse (file: string) (text: string) : Result<Structure list, ReadError> =
    guard file (fun () ->
        if String.IsNullOrWhiteSpace text then
            failFile "the file is empty"

        let blocks = parseBlocks (tokenize text)

        if blocks.Count = 0 then
            failFile "no data_ block"

        let withAtoms =
            blocks
            |> Seq.filter (fun b ->
                b.Loops
                |> Seq.exists (fun (tags, _) ->
                    tags
                    |> Array.exists (fun t -> t.StartsWith("_atom_site_", StringComparison.OrdinalIgnoreCase))))
            |> List.ofSeq

        if withAtoms.IsEmpty then
            failFile "no data block has atom sites"

        withAtoms |> List.map blockStructure)
