namespace Arise.Structure

/// Chemical elements: symbols and atomic numbers (1 = H … 118 = Og).
module Elements =

    /// The largest atomic number known.
    val maxNumber: int

    /// Element symbol of atomic number z ("X" for numbers out of range).
    val symbol: z: int -> string

    /// Atomic number of a symbol (case-insensitive, e.g. "Cu", "CU"), or None when unknown.
    val tryNumber: sym: string -> int option

    /// Atomic number from a symbol or a number written as text ("29"), or None.
    val tryParse: text: string -> int option
