namespace Arise.Structure

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
    val isTwoD: p: Prototype -> bool

    /// True for prototypes without a lattice (nanotubes): used as given.
    val isFinite: p: Prototype -> bool

    /// Loads every class below `root`, laid out as root/<material type>/<class>/<one geometry file>.
    /// A class is added by adding a folder. Classes are sorted by material type, then name.
    /// Unreadable files are collected in Errors; they do not stop the others.
    val load: root: string -> PrototypeLibrary

    /// The finite supercells of the ARISE training set for a prototype, with their replicas:
    /// n×n×n (2D: n×n×1) for the smallest n giving ≥ 100 atoms and the next two; a lattice-free prototype
    /// (nanotube) is its own single finite version.
    val finiteVersions: p: Prototype -> ((int * int * int) * Structure) list

    /// The periodic training version: the unit cell as given (None for lattice-free prototypes).
    val periodicVersion: p: Prototype -> Structure option

    /// Finds a class by name.
    val tryFind: name: string -> lib: PrototypeLibrary -> Prototype option

    /// The common name of a class whose data-release name is only a formula (the 2D materials: "C" is graphene,
    /// "BN" hexagonal boron nitride, "P" phosphorene); None for the others.
    val commonName: className: string -> string option

    /// The class as shown to a reader: "C (graphene; 2D_materials)", "fcc_Cu_A_cF4_225_a (Elemental_solids)".
    val displayName: className: string -> materialType: string -> string
