/// FHI-aims geometry.in: lattice_vector, atom (Cartesian, Å) and atom_frac (fractional) lines.
module Arise.Structure.Formats.Aims

open System
open Arise.Structure
open Arise.Structure.Formats.Text

/// Keywords of geometry.in that carry no atoms or cell and are skipped.
let private ignored =
    set
        [ "initial_moment"
          "initial_charge"
          "constrain_relaxation"
          "velocity"
          "hessian_block"
          "hessian_block_lv"
          "hessian_file"
          "trust_radius"
          "symmetry_n_params"
          "symmetry_params"
          "symmetry_lv"
          "symmetry_frac"
          "empty"
          "pseudocore"
          "homogeneous_field"
          "multipole"
          "esp_constraint"
          "verbatim_writeout"
          "calculate_friction"
          "symmetry_frac_change_threshold"
          "hessian_block_lv_atom" ]

type private Site =
    | Cartesian of Vec3
    | Fractional of Vec3

/// Parses an FHI-aims geometry text. Three lattice vectors make it periodic along all axes.
let parse (file: string) (text: string) : Result<Structure, ReadError> =
    guard file (fun () ->
        let lattice = ResizeArray<Vec3>()
        let sites = ResizeArray<Site * int * int>()

        lines text
        |> Array.iteri (fun i raw ->
            let ln = i + 1
            let t = tokens (stripComment '#' raw)

            if t.Length > 0 then
                let key = t.[0].ToLowerInvariant()

                let vec () =
                    if t.Length < 4 then
                        failAt ln (sprintf "%s needs three numbers" key)

                    Vec3.make (float ln "x" t.[1]) (float ln "y" t.[2]) (float ln "z" t.[3])

                match key with
                | "lattice_vector" ->
                    if t.Length <> 4 then
                        failAt ln (sprintf "lattice_vector has %d fields; expected 3 numbers" (t.Length - 1))

                    lattice.Add(vec ())
                | "atom"
                | "atom_frac" ->
                    if t.Length <> 5 then
                        failAt ln (sprintf "%s has %d fields; expected x y z and an element symbol" key (t.Length - 1))

                    let site =
                        if key = "atom" then
                            Cartesian(vec ())
                        else
                            Fractional(vec ())

                    sites.Add(site, element ln t.[4], ln)
                | k when ignored.Contains k -> ()
                | k -> failAt ln (sprintf "unknown keyword '%s'" k))

        if sites.Count = 0 then
            failFile "no atom or atom_frac lines (zero atoms)"

        let cell =
            match lattice.Count with
            | 0 -> None
            | 3 -> Some(Cell.make lattice.[0] lattice.[1] lattice.[2])
            | n -> failFile (sprintf "%d lattice_vector lines; expected 0 or 3" n)

        let positions =
            sites
            |> Seq.map (fun (site, _, ln) ->
                match site, cell with
                | Cartesian p, _ -> p
                | Fractional f, Some c -> Cell.toCartesian c f
                | Fractional _, None -> failAt ln "atom_frac needs three lattice_vector lines")
            |> Array.ofSeq

        let numbers = sites |> Seq.map (fun (_, z, _) -> z) |> Array.ofSeq
        validated (Structure.create positions numbers cell (if cell.IsSome then Pbc.all else Pbc.none)))
