/// CIF (crystallographic information file): cell parameters, fractional atom sites and symmetry operations,
/// expanded to the full cell with duplicates merged. One structure per data block that has atom sites.
module Arise.Structure.Formats.Cif

/// Parses one symmetry operation such as "-x+1/2, y, z+1/4" into rows (r0, r1, r2, t).
val internal parseOperation: line: int -> op: string -> (float array * float) array

/// Parses every data block with atom sites into a structure.
val parse: file: string -> text: string -> Result<Arise.Structure.Structure list, Arise.Structure.ReadError>
