/// LAMMPS data files (atom styles atomic, charge, molecular, full) and dump files (text, multi-frame),
/// orthogonal and triclinic boxes. Atom types are numbers: the caller maps each type to an element.
module Arise.Structure.Formats.Lammps

/// How numeric LAMMPS atom types map to atomic numbers (type → Z).
type TypeMap = Map<int, int>

/// Parses "1=Ni,2=Al" (or "1:Ni 2:Al") into a type map.
val parseTypeMap: text: string -> Result<TypeMap, string>

/// Parses a LAMMPS data file. Types without an entry in `types` are taken from element symbols written as
/// comments in the Masses section ("1 58.69 # Ni"), else reported.
val parseData: types: TypeMap -> file: string -> text: string -> Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Parses every frame of a LAMMPS text dump (columns x y z, xs ys zs or xu yu zu; type or element).
val parseDump: types: TypeMap -> file: string -> text: string -> Result<Arise.Structure.Structure list, Arise.Structure.ReadError>

/// The first frame of a LAMMPS text dump streamed, for a sample larger than memory: `visit position number` is called
/// for each of its atoms in the order parseDump gives them (by id, ties in file order) and says whether to keep it.
/// Returns the kept atoms with the frame's cell and periodicity, as parseDump and a selection would give them; the
/// frames after the first are not read. Every atom line is checked as parseDump checks it, with the same errors.
/// `openText` opens the file (two passes; with ids out of order, one more for each 16.8 M atoms, holding their
/// ranks: 4 bytes an atom). `file` names the source in errors.
val streamFirstDump:
    types: TypeMap ->
    file: string ->
    openText: (unit -> System.IO.TextReader) ->
    visit: (Arise.Structure.Vec3 -> int -> bool) ->
        Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// streamFirstDump taking `span` atoms a pass when ids are out of order (tests).
val internal streamFirstIn:
    span: int ->
    types: TypeMap ->
    file: string ->
    openText: (unit -> System.IO.TextReader) ->
    visit: (Arise.Structure.Vec3 -> int -> bool) ->
        Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Writes a LAMMPS data file (atom style atomic) for a structure with an orthogonal, axis-aligned cell (periodic)
/// or none (a box around the atoms with 10 Å margins, for non-periodic boundaries). One atom type per element,
/// numbered by increasing Z and named in the Masses comments; positions are wrapped into the box.
val writeData: s: Arise.Structure.Structure -> Result<string, string>
