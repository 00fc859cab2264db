/// VASP POSCAR / CONTCAR (VASP 5 species line; scale factor, negative = target volume; Direct or Cartesian;
/// selective dynamics kept as the per-atom property "selective_dynamics").
module Arise.Structure.Formats.Poscar

/// Parses a POSCAR text. A VASP 4 file without a species line takes the species from the comment line.
val parse: file: string -> text: string -> Result<Arise.Structure.Structure, Arise.Structure.ReadError>

/// Writes a POSCAR (VASP 5, Cartesian, scale 1). Atoms are grouped by species in order of first appearance,
/// as the format requires. Fails for structures without a cell.
val write: s: Arise.Structure.Structure -> Result<string, string>
