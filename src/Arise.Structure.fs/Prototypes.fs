namespace Arise.Structure

open System.IO

/// One prototype class: a named ideal structure with its material type.
type Prototype =
    {
        /// Class name (the folder name), e.g. "Cu" or "armchair_cnt_nm_3_3_30.0_4.07".
        Name: string
        /// Material type (the parent folder name), e.g. "Elemental_solids", "2D_materials", "Nanotubes".
        MaterialType: string
        /// The geometry file the structure was read from.
        File: string
        Structure: Structure
    }

/// A library of prototype classes loaded from disk, and the files that could not be read.
type PrototypeLibrary =
    { Prototypes: Prototype list
      Errors: ReadError list }

/// Loading prototype libraries and building their training structures.
module Prototypes =
    /// True for the 2D-material type (replicated n × n × 1).
    let isTwoD (p: Prototype) = p.MaterialType.Contains "2D"

    /// True for prototypes without a lattice (nanotubes): used as given.
    let isFinite (p: Prototype) = p.Structure.Cell.IsNone

    /// Loads every class below `root`, laid out as root/<material type>/<class>/<one geometry file>.
    /// A class is added by adding a folder. Classes are sorted by material type, then name.
    /// Unreadable files are collected in Errors; they do not stop the others.
    let load (root: string) : PrototypeLibrary =
        if not (Directory.Exists root) then
            { Prototypes = []
              Errors =
                [ { File = root
                    Line = None
                    Message = "prototype folder not found"
                    Needs = None } ] }
        else
            let results =
                [ for typeDir in Directory.GetDirectories root |> Array.sort do
                      for classDir in Directory.GetDirectories typeDir |> Array.sort do
                          let files =
                              Directory.GetFiles classDir
                              |> Array.filter (fun f -> (StructureIO.formatOfPath f).IsSome)
                              |> Array.sort

                          match files with
                          | [||] ->
                              yield
                                  Error
                                      { File = classDir
                                        Line = None
                                        Message = "no structure file in the class folder"
                                        Needs = None }
                          | _ ->
                              let file = files.[0]

                              yield
                                  StructureIO.read file
                                  |> Result.map (fun s ->
                                      { Name = Path.GetFileName classDir
                                        MaterialType = Path.GetFileName typeDir
                                        File = file
                                        Structure = s }) ]

            { Prototypes =
                results
                |> List.choose (function
                    | Ok p -> Some p
                    | Error _ -> None)
              Errors =
                results
                |> List.choose (function
                    | Error e -> Some e
                    | Ok _ -> None) }

    /// The finite supercells of the ARISE training set for a prototype, with their replicas:
    /// n×n×n (2D: n×n×1) for the smallest n giving ≥ 100 atoms and the next two; a lattice-free prototype
    /// (nanotube) is its own single finite version.
    let finiteVersions (p: Prototype) : ((int * int * int) * Structure) list =
        if isFinite p then
            [ (1, 1, 1), p.Structure ]
        else
            Supercell.trainingReplicas (isTwoD p) p.Structure
            |> List.map (fun (a, b, c) -> (a, b, c), Supercell.finite a b c p.Structure)

    /// The periodic training version: the unit cell as given (None for lattice-free prototypes).
    let periodicVersion (p: Prototype) =
        if isFinite p then None else Some p.Structure

    /// Finds a class by name.
    let tryFind (name: string) (lib: PrototypeLibrary) =
        lib.Prototypes |> List.tryFind (fun p -> p.Name = name)

    let commonName (className: string) =
        match className with
        | "C" -> Some "graphene"
        | "BN" -> Some "hexagonal boron nitride"
        | "P" -> Some "phosphorene"
        | _ -> None

    let displayName (className: string) (materialType: string) =
        match commonName className with
        | Some n -> sprintf "%s (%s; %s)" className n materialType
        | None -> sprintf "%s (%s)" className materialType
