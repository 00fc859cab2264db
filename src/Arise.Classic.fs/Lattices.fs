/// The ideal lattices the classical methods are defined for, as periodic test cells of about 150–260 atoms with
/// orthogonal boxes (so that LAMMPS reads the same cells), and the displacement series of the paper's Table 1.
/// Used by the tests against LAMMPS, by `arise benchmark` and by scripts/lammps-fixtures.fsx.
module Arise.Classic.Lattices

open Arise.Structure

/// One reference lattice: its cell, nearest-neighbour distance (Å), the fixed CNA cutoff of the LAMMPS
/// documentation for it (between the shells CNA needs), and what each method should call it.
type Lattice =
    { Name: string
      Structure: Structure
      NearestNeighbour: float
      CnaCutoff: float
      Cna: CnaType
      Ptm: Ptm.PtmType }

let private make name s d cutoffFactor cna ptm =
    { Name = name
      Structure = s
      NearestNeighbour = d
      CnaCutoff = cutoffFactor * d
      Cna = cna
      Ptm = ptm }

/// fcc Cu, bcc W, hcp Mg (ideal c/a), sc Po, cubic diamond Si, hexagonal diamond Si, graphene C.
let all =
    let fccA, bccA, hcpA, scA, siA = 3.61, 3.16, 3.21, 3.35, 5.431
    let mid = (1.0 + sqrt 2.0) / 2.0 // between the first and second shell of fcc/hcp

    [ make "fcc" (Crystals.fcc 29 fccA |> Supercell.repeat 4 4 4) (fccA / sqrt 2.0) mid CnaType.Fcc Ptm.PtmType.Fcc
      make "bcc" (Crystals.bcc 74 bccA |> Supercell.repeat 5 5 5) (bccA * sqrt 3.0 / 2.0) (mid * 2.0 / sqrt 3.0) CnaType.Bcc Ptm.PtmType.Bcc
      make "hcp" (Crystals.hcp 12 hcpA (hcpA * sqrt (8.0 / 3.0)) |> Supercell.repeat 5 3 4) hcpA mid CnaType.Hcp Ptm.PtmType.Hcp
      make "sc" (Crystals.simpleCubic 84 scA |> Supercell.repeat 6 6 6) scA mid CnaType.Other Ptm.PtmType.SimpleCubic
      make "dcub" (Crystals.diamond 14 siA |> Supercell.repeat 3 3 3) (siA * sqrt 3.0 / 4.0) mid CnaType.Other Ptm.PtmType.CubicDiamond
      make "dhex" (Crystals.lonsdaleite 14 2.35 |> Supercell.repeat 4 2 3) 2.35 mid CnaType.Other Ptm.PtmType.HexagonalDiamond
      make "graphene" (Crystals.graphene 6 1.42 20.0 |> Supercell.repeat 8 5 1) 1.42 mid CnaType.Other Ptm.PtmType.Graphene ]

/// The paper's displacement levels (fractions of the nearest-neighbour distance).
let displacements = [ 0.001; 0.006; 0.01; 0.02; 0.04; 0.07; 0.1 ]

/// A lattice with random displacements of δ·d_NN (seeded by the lattice's position in `all` and the level).
let displaced (lattice: Lattice) (delta: float) =
    let index = all |> List.findIndex (fun l -> l.Name = lattice.Name)
    let level = int (round (delta * 10000.0))
    Defects.displaceRelative (1000 * (index + 1) + level) delta lattice.NearestNeighbour lattice.Structure

/// Checksum of the positions wrapped into the orthogonal cell (Σ x + 2y + 3z, Å): detects drift between a
/// frozen fixture and the generator.
let positionChecksum (s: Structure) =
    match s.Cell with
    | Some c ->
        s.Positions
        |> Array.sumBy (fun p -> let w = Cell.wrapOrthogonal c p in w.X + 2.0 * w.Y + 3.0 * w.Z)
    | None -> s.Positions |> Array.sumBy (fun p -> p.X + 2.0 * p.Y + 3.0 * p.Z)
