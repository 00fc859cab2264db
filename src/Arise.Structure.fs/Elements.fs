namespace Arise.Structure

/// Chemical elements: symbols and atomic numbers (1 = H … 118 = Og).
module Elements =
    let private symbols =
        [| "X"
           "H"
           "He"
           "Li"
           "Be"
           "B"
           "C"
           "N"
           "O"
           "F"
           "Ne"
           "Na"
           "Mg"
           "Al"
           "Si"
           "P"
           "S"
           "Cl"
           "Ar"
           "K"
           "Ca"
           "Sc"
           "Ti"
           "V"
           "Cr"
           "Mn"
           "Fe"
           "Co"
           "Ni"
           "Cu"
           "Zn"
           "Ga"
           "Ge"
           "As"
           "Se"
           "Br"
           "Kr"
           "Rb"
           "Sr"
           "Y"
           "Zr"
           "Nb"
           "Mo"
           "Tc"
           "Ru"
           "Rh"
           "Pd"
           "Ag"
           "Cd"
           "In"
           "Sn"
           "Sb"
           "Te"
           "I"
           "Xe"
           "Cs"
           "Ba"
           "La"
           "Ce"
           "Pr"
           "Nd"
           "Pm"
           "Sm"
           "Eu"
           "Gd"
           "Tb"
           "Dy"
           "Ho"
           "Er"
           "Tm"
           "Yb"
           "Lu"
           "Hf"
           "Ta"
           "W"
           "Re"
           "Os"
           "Ir"
           "Pt"
           "Au"
           "Hg"
           "Tl"
           "Pb"
           "Bi"
           "Po"
           "At"
           "Rn"
           "Fr"
           "Ra"
           "Ac"
           "Th"
           "Pa"
           "U"
           "Np"
           "Pu"
           "Am"
           "Cm"
           "Bk"
           "Cf"
           "Es"
           "Fm"
           "Md"
           "No"
           "Lr"
           "Rf"
           "Db"
           "Sg"
           "Bh"
           "Hs"
           "Mt"
           "Ds"
           "Rg"
           "Cn"
           "Nh"
           "Fl"
           "Mc"
           "Lv"
           "Ts"
           "Og" |]

    let private bySymbol =
        symbols
        |> Array.mapi (fun z s -> s.ToUpperInvariant(), z)
        |> Array.filter (fun (_, z) -> z > 0)
        |> dict

    /// The largest atomic number known.
    let maxNumber = symbols.Length - 1

    /// Element symbol of atomic number z ("X" for numbers out of range).
    let symbol (z: int) =
        if z >= 1 && z <= maxNumber then symbols.[z] else "X"

    /// Atomic number of a symbol (case-insensitive, e.g. "Cu", "CU"), or None when unknown.
    let tryNumber (sym: string) =
        match bySymbol.TryGetValue(sym.Trim().ToUpperInvariant()) with
        | true, z -> Some z
        | _ -> None

    /// Atomic number from a symbol or a number written as text ("29"), or None.
    let tryParse (text: string) =
        match System.Int32.TryParse text with
        | true, z when z >= 1 && z <= maxNumber -> Some z
        | true, _ -> None
        | _ -> tryNumber text
