namespace Arise

open System
open System.IO
open System.Runtime.InteropServices
open Arise.Structure

/// Reading, building and damaging structures. Lengths are in Å (or the file's own unit, e.g. pixels).
[<AbstractClass; Sealed>]
type Structures =
    static member private Fail(file: string, e: ReadError) =
        let hint =
            e.Needs
            |> Option.map (function
                | ReadSetting.Format -> " (the format argument)"
                | ReadSetting.Types -> " (the types argument, e.g. \"1=Fe,2=Pt\")"
                | ReadSetting.Ranges -> " (an atom-probe file: read it with StructureIO and its range file)")

        raise (AriseException(file, Option.toNullable e.Line, e.Message + defaultArg hint ""))

    static member private Number(element: string) =
        match Elements.tryParse element with
        | Some z -> z
        | None -> raise (AriseException(null, Nullable(), sprintf "element '%s': not a chemical symbol or atomic number" element))

    static member private Positive(name: string, value: float) =
        if not (value > 0.0 && Double.IsFinite value) then
            raise (AriseException(null, Nullable(), sprintf "%s must be a finite number > 0 (got %g)" name value))

    static member Align(moving: Structure, reference: Structure) : Registration.Alignment =
        match Registration.align moving reference with
        | Ok a -> a
        | Error e -> raise (AriseException(null, Nullable(), e))

    /// Reads the first frame of a structure file: extended XYZ, FHI-aims, POSCAR, CIF, LAMMPS data or dump, the
    /// format chosen from the name unless `format` names it ("xyz", "aims", "poscar", "cif", "lammps-data",
    /// "lammps-dump"); `types` gives the elements of LAMMPS atom types ("1=Fe,2=Pt"). Raises AriseException naming
    /// the file and line on bad input.
    static member Read
        (
            path: string,
            [<Optional; DefaultParameterValue(null: string)>] format: string,
            [<Optional; DefaultParameterValue(null: string)>] types: string
        ) : Structure =
        Structures.ReadAll(path, format, types).[0]

    /// Reads every frame of a structure file (see Read).
    static member ReadAll
        (
            path: string,
            [<Optional; DefaultParameterValue(null: string)>] format: string,
            [<Optional; DefaultParameterValue(null: string)>] types: string
        ) : Structure[] =
        if isNull path then
            raise (AriseException(null, Nullable(), "no file given (null path)"))

        let options =
            if String.IsNullOrWhiteSpace format then
                StructureIO.defaults
            else
                match StructureIO.tryParseFormat format with
                | Some f ->
                    { StructureIO.defaults with
                        Format = Some f }
                | None ->
                    raise (
                        AriseException(
                            path,
                            Nullable(),
                            sprintf "unknown format '%s' (xyz, aims, poscar, cif, lammps-data, lammps-dump)" format
                        )
                    )

        let options =
            if String.IsNullOrWhiteSpace types then
                options
            else
                match Formats.Lammps.parseTypeMap types with
                | Ok map -> { options with LammpsTypes = map }
                | Error e -> raise (AriseException(path, Nullable(), sprintf "types '%s': %s" types e))

        match StructureIO.readAllWith options path with
        | Ok frames -> Array.ofList frames
        | Error e -> Structures.Fail(path, e)

    /// Parses structure text in a named format (see Read); `name` is used in error messages.
    static member Parse(text: string, format: string, [<Optional; DefaultParameterValue("text")>] name: string) =
        match StructureIO.tryParseFormat (defaultArg (Option.ofObj format) "") with
        | None -> raise (AriseException(name, Nullable(), sprintf "unknown format '%s'" format))
        | Some f ->
            match StructureIO.parseText StructureIO.defaults f name text with
            | Ok(s :: _) -> s
            | Ok [] -> raise (AriseException(name, Nullable(), "no structure in the text"))
            | Error e -> Structures.Fail(name, e)

    /// Writes structures as extended XYZ (per-atom properties kept), for OVITO or ASE.
    static member WriteXyz(path: string, [<ParamArray>] structures: Structure[]) = StructureIO.writeXyz path structures

    /// The embedded sample: a cluster of 475 fcc Cu atoms with 5 % vacancies and 1 % displacements.
    static member Sample = Embedded.sample.Value

    /// The periodic conventional cell of fcc `element` with lattice constant `a` (Å), 4 atoms.
    static member Fcc(element: string, a: float) =
        Structures.Positive("a", a)
        Crystals.fcc (Structures.Number element) a

    /// The periodic conventional cell of bcc `element` with lattice constant `a` (Å), 2 atoms.
    static member Bcc(element: string, a: float) =
        Structures.Positive("a", a)
        Crystals.bcc (Structures.Number element) a

    /// The periodic conventional cell of simple cubic `element` (lattice constant `a`, Å).
    static member SimpleCubic(element: string, a: float) =
        Structures.Positive("a", a)
        Crystals.simpleCubic (Structures.Number element) a

    /// The periodic conventional cell of diamond `element` (lattice constant `a`, Å), 8 atoms.
    static member Diamond(element: string, a: float) =
        Structures.Positive("a", a)
        Crystals.diamond (Structures.Number element) a

    /// A periodic orthohexagonal hcp cell of `element` (a and c in Å; c defaults to the ideal √(8/3)·a).
    static member Hcp(element: string, a: float, [<Optional; DefaultParameterValue(0.0)>] c: float) =
        Structures.Positive("a", a)
        let c = if c = 0.0 then a * sqrt (8.0 / 3.0) else c
        Structures.Positive("c", c)
        Crystals.hcp (Structures.Number element) a c

    /// A graphene sheet cell of `element` with bond length `bond` (Å), periodic in plane, `vacuum` Å thick.
    static member Graphene
        (
            [<Optional; DefaultParameterValue("C")>] element: string,
            [<Optional; DefaultParameterValue(1.42)>] bond: float,
            [<Optional; DefaultParameterValue(20.0)>] vacuum: float
        ) =
        Structures.Positive("bond", bond)
        Structures.Positive("vacuum", vacuum)
        Crystals.graphene (Structures.Number element) bond vacuum

    /// `n0 × n1 × n2` copies of a periodic structure (n1 and n2 default to n0); with `finite`, a cluster cut from
    /// them (no cell).
    static member Supercell
        (
            structure: Structure,
            n0: int,
            [<Optional; DefaultParameterValue(0)>] n1: int,
            [<Optional; DefaultParameterValue(0)>] n2: int,
            [<Optional; DefaultParameterValue(false)>] finite: bool
        ) =
        let n1 = if n1 = 0 then n0 else n1
        let n2 = if n2 = 0 then n0 else n2

        if n0 < 1 || n1 < 1 || n2 < 1 then
            raise (AriseException(null, Nullable(), sprintf "supercell repetitions must be ≥ 1 (got %d×%d×%d)" n0 n1 n2))

        if structure.Cell.IsNone then
            raise (AriseException(null, Nullable(), "a supercell needs a structure with a cell"))

        if finite then
            Supercell.finite n0 n1 n2 structure
        else
            Supercell.repeat n0 n1 n2 structure

    /// A copy with every atom of one species (the most common element): for atom columns found in an image, whose
    /// chemistry is not reliable (the command line's --one-species).
    static member OneSpecies(structure: Structure) = Structure.asOneSpecies structure

    /// A copy with a random `fraction` (0–1) of the atoms removed (vacancies), reproducible with `seed`.
    static member RemoveAtoms(structure: Structure, fraction: float, [<Optional; DefaultParameterValue(1)>] seed: int) =
        if not (fraction >= 0.0 && fraction < 1.0) then
            raise (AriseException(null, Nullable(), sprintf "fraction of removed atoms must be in [0, 1) (got %g)" fraction))

        Defects.removeFraction seed fraction structure

    /// A copy with every atom displaced uniformly by up to `fraction` × d_NN along each axis (the paper's δ),
    /// reproducible with `seed`.
    static member Displace(structure: Structure, fraction: float, [<Optional; DefaultParameterValue(1)>] seed: int) =
        if not (fraction >= 0.0 && Double.IsFinite fraction) then
            raise (AriseException(null, Nullable(), sprintf "displacement fraction must be ≥ 0 (got %g)" fraction))

        Defects.displaceRelative seed fraction (Structures.NearestNeighbourDistance structure) structure

    /// The nearest-neighbour distance d_NN of a structure (ARISE's histogram rule), in its length unit: from atoms
    /// of `element` to atoms of `toElement` (symbols; null = any species).
    static member NearestNeighbourDistance
        (
            structure: Structure,
            [<Optional; DefaultParameterValue(null: string)>] element: string,
            [<Optional; DefaultParameterValue(null: string)>] toElement: string
        ) =
        let species (name: string) (symbol: string) =
            if String.IsNullOrEmpty symbol then
                None
            else
                match Elements.tryNumber symbol with
                | Some z -> Some z
                | None -> raise (ArgumentException(sprintf "%s: no element is called %s" name symbol, name))

        let fromZ, toZ = species "element" element, species "toElement" toElement

        match NearestNeighbour.dnnBetween DnnMethod.AriseHistogram fromZ toZ structure with
        | Ok d -> d
        | Error e -> raise (AriseException(null, Nullable(), e))

    /// A polycrystal of Voronoi grains filling a box of lx × ly × lz (Å), one grain per crystal in `grains` (periodic
    /// cells, e.g. from Fcc and Bcc), randomly oriented (`columnar`: rotated about z only, for slabs); atoms closer
    /// than `minDistance` (Å) across grain boundaries are removed. Reproducible with `seed`.
    static member Polycrystal
        (
            grains: Structure[],
            lx: float,
            ly: float,
            lz: float,
            [<Optional; DefaultParameterValue(1)>] seed: int,
            [<Optional; DefaultParameterValue(true)>] columnar: bool,
            [<Optional; DefaultParameterValue(1.5)>] minDistance: float
        ) =
        if isNull grains || grains.Length = 0 then
            raise (AriseException(null, Nullable(), "no grain crystals given"))

        if grains |> Array.exists (fun g -> g.Cell.IsNone) then
            raise (AriseException(null, Nullable(), "grain crystals need a unit cell (e.g. Structures.Fcc)"))

        Structures.Positive("lx", lx)
        Structures.Positive("ly", ly)
        Structures.Positive("lz", lz)
        Polycrystal.voronoi seed (List.ofArray grains) (Vec3.make lx ly lz) columnar minDistance

    /// Number of atoms.
    static member Count(structure: Structure) = Structure.count structure

    /// The chemical formula, e.g. "Cu475".
    static member Formula(structure: Structure) = Structure.formula structure
