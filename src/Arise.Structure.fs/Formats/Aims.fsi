/// FHI-aims geometry.in: lattice_vector, atom (Cartesian, Å) and atom_frac (fractional) lines.
module Arise.Structure.Formats.Aims

/// Parses an FHI-aims geometry text. Three lattice vectors make it periodic along all axes.
val parse: file: string -> text: string -> Result<Arise.Structure.Structure, Arise.Structure.ReadError>
