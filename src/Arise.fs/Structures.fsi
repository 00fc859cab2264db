namespace Arise

open System.Runtime.InteropServices

/// Reading, building and damaging structures. Lengths are in Å (or the file's own unit, e.g. pixels).
[<AbstractClass; Sealed; Class>]
type Structures =

    /// The periodic conventional cell of bcc `element` with lattice constant `a` (Å), 2 atoms.
    static member Bcc: element: string * a: float -> Structure.Structure

    /// Number of atoms.
    static member Count: structure: Structure.Structure -> int

    /// The periodic conventional cell of diamond `element` (lattice constant `a`, Å), 8 atoms.
    static member Diamond: element: string * a: float -> Structure.Structure

    /// A copy with every atom displaced uniformly by up to `fraction` × d_NN along each axis (the paper's δ),
    /// reproducible with `seed`.
    static member Displace:
        structure: Structure.Structure * fraction: float * [<Optional; DefaultParameterValue(1)>] seed: int -> Structure.Structure

    /// The periodic conventional cell of fcc `element` with lattice constant `a` (Å), 4 atoms.
    static member Fcc: element: string * a: float -> Structure.Structure

    /// The chemical formula, e.g. "Cu475".
    static member Formula: structure: Structure.Structure -> string

    /// A graphene sheet cell of `element` with bond length `bond` (Å), periodic in plane, `vacuum` Å thick.
    static member Graphene:
        [<Optional; DefaultParameterValue("C")>] element: string *
        [<Optional; DefaultParameterValue(1.42)>] bond: float *
        [<Optional; DefaultParameterValue(20.0)>] vacuum: float ->
            Structure.Structure

    /// A periodic orthohexagonal hcp cell of `element` (a and c in Å; c defaults to the ideal √(8/3)·a).
    static member Hcp: element: string * a: float * [<Optional; DefaultParameterValue(0.0)>] c: float -> Structure.Structure

    /// The nearest-neighbour distance d_NN of a structure (ARISE's histogram rule), in its length unit: from atoms
    /// of `element` to atoms of `toElement` (symbols; null = any species; d_FeFe: element = "Fe", toElement = "Fe").
    /// Raises AriseException when there is none.
    static member NearestNeighbourDistance:
        structure: Structure.Structure *
        [<Optional; DefaultParameterValue(null: string)>] element: string *
        [<Optional; DefaultParameterValue(null: string)>] toElement: string ->
            float

    /// Moves `moving` rigidly onto `reference` (a particle measured twice): rotation, translation, the RMSD of the
    /// matched atoms (same species, within half d_NN) and the aligned structure. Any rotation is found. Raises
    /// AriseException when the two cannot be aligned (fewer than 4 atoms, no species in common).
    static member Align: moving: Structure.Structure * reference: Structure.Structure -> Structure.Registration.Alignment

    /// Parses structure text in a named format (see Read); `name` is used in error messages.
    static member Parse: text: string * format: string * [<Optional; DefaultParameterValue("text")>] name: string -> Structure.Structure

    /// A polycrystal of Voronoi grains filling a box of lx × ly × lz (Å), one grain per crystal in `grains` (periodic
    /// cells, e.g. from Fcc and Bcc), randomly oriented (`columnar`: rotated about z only, for slabs); atoms closer
    /// than `minDistance` (Å) across grain boundaries are removed. Reproducible with `seed`.
    static member Polycrystal:
        grains: Structure.Structure array *
        lx: float *
        ly: float *
        lz: float *
        [<Optional; DefaultParameterValue(1)>] seed: int *
        [<Optional; DefaultParameterValue(true)>] columnar: bool *
        [<Optional; DefaultParameterValue(1.5)>] minDistance: float ->
            Structure.Structure

    /// Reads the first frame of a structure file: extended XYZ, FHI-aims, POSCAR, CIF, LAMMPS data or dump, the
    /// format chosen from the name unless `format` names it ("xyz", "aims", "poscar", "cif", "lammps-data",
    /// "lammps-dump"); `types` gives the elements of LAMMPS atom types ("1=Fe,2=Pt"). Raises AriseException naming
    /// the file and line on bad input.
    static member Read:
        path: string *
        [<Optional; DefaultParameterValue(null: string)>] format: string *
        [<Optional; DefaultParameterValue(null: string)>] types: string ->
            Structure.Structure

    /// Reads every frame of a structure file (see Read).
    static member ReadAll:
        path: string *
        [<Optional; DefaultParameterValue(null: string)>] format: string *
        [<Optional; DefaultParameterValue(null: string)>] types: string ->
            Structure.Structure array

    /// A copy with every atom of one species (the most common element): for atom columns found in an image, whose
    /// chemistry is not reliable (the command line's --one-species).
    static member OneSpecies: structure: Structure.Structure -> Structure.Structure

    /// A copy with a random `fraction` (0–1) of the atoms removed (vacancies), reproducible with `seed`.
    static member RemoveAtoms:
        structure: Structure.Structure * fraction: float * [<Optional; DefaultParameterValue(1)>] seed: int -> Structure.Structure

    /// The periodic conventional cell of simple cubic `element` (lattice constant `a`, Å).
    static member SimpleCubic: element: string * a: float -> Structure.Structure

    /// `n0 × n1 × n2` copies of a periodic structure (n1 and n2 default to n0); with `finite`, a cluster cut from
    /// them (no cell).
    static member Supercell:
        structure: Structure.Structure *
        n0: int *
        [<Optional; DefaultParameterValue(0)>] n1: int *
        [<Optional; DefaultParameterValue(0)>] n2: int *
        [<Optional; DefaultParameterValue(false)>] finite: bool ->
            Structure.Structure

    /// Writes structures as extended XYZ (per-atom properties kept), for OVITO or ASE.
    static member WriteXyz: path: string * [<System.ParamArray>] structures: Structure.Structure array -> unit

    /// The embedded sample: a cluster of 475 fcc Cu atoms with 5 % vacancies and 1 % displacements.
    static member Sample: Structure.Structure
