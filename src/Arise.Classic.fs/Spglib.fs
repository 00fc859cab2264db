/// Space groups from spglib (Togo & Tanaka), called through P/Invoke on the system library (Debian/Ubuntu:
/// `apt-get install libsymspg1`; the file is libsymspg.so.1). Periodic structures only.
module Arise.Classic.Spglib

open System
open System.Runtime.InteropServices
open Arise.Structure

/// Position tolerance (Å) and angle tolerance (degrees) of the symmetry search.
type Tolerance =
    { Position: float; AngleDegrees: float }

/// The paper's "loose" setting: 0.1 Å, 5°.
let loose = { Position = 0.1; AngleDegrees = 5.0 }
/// The paper's "tight" setting: 1e-4 Å, 1°.
let tight = { Position = 1e-4; AngleDegrees = 1.0 }

module private Native =
    [<DllImport("libsymspg.so.1", CallingConvention = CallingConvention.Cdecl)>]
    extern int spgat_get_international(
        byte[] symbol,
        double[] lattice,
        double[] position,
        int[] types,
        int numAtom,
        double symprec,
        double angleTolerance
    )

    [<DllImport("libsymspg.so.1", CallingConvention = CallingConvention.Cdecl)>]
    extern int spg_get_major_version()

    [<DllImport("libsymspg.so.1", CallingConvention = CallingConvention.Cdecl)>]
    extern int spg_get_minor_version()

let private missing =
    "spglib is not installed: the system library libsymspg.so.1 was not found (Debian/Ubuntu: apt-get install libsymspg1)"

/// The library's version ("2.0"), or an error saying how to install it.
let version () : Result<string, string> =
    try
        Ok(sprintf "%d.%d" (Native.spg_get_major_version ()) (Native.spg_get_minor_version ()))
    with
    | :? DllNotFoundException -> Error missing
    | :? EntryPointNotFoundException as e -> Error(sprintf "libsymspg.so.1 lacks %s (spglib ≥ 1.8 is needed)" e.Message)

/// True when spglib can be called.
let isAvailable () = Result.isOk (version ())

/// Space-group number (1–230) and international symbol of a fully periodic structure, or the reason there is none
/// (not periodic, library missing, or spglib found no space group at this tolerance).
let spaceGroup (tolerance: Tolerance) (s: Structure) : Result<int * string, string> =
    match s.Cell with
    | None -> Error "spglib needs a periodic cell"
    | Some _ when not (Pbc.isFull s.Pbc) -> Error "spglib needs periodicity along all three axes"
    | Some cell ->
        if Structure.count s = 0 then
            Error "no atoms"
        else
            // spglib's lattice[3][3] holds the cell vectors as columns
            let lattice =
                Array.init 9 (fun idx -> let i, j = idx / 3, idx % 3 in (Vec3.toArray (Cell.vector j cell)).[i])

            let positions =
                s.Positions
                |> Array.collect (fun r ->
                    let f = Cell.toFractional cell r |> Vec3.toArray
                    f |> Array.map (fun x -> x - floor x))

            let symbol = Array.zeroCreate<byte> 11

            try
                let n =
                    Native.spgat_get_international (
                        symbol,
                        lattice,
                        positions,
                        Array.copy s.Numbers,
                        Structure.count s,
                        tolerance.Position,
                        tolerance.AngleDegrees
                    )

                if n <= 0 then
                    Error(sprintf "spglib found no space group at %g Å / %g°" tolerance.Position tolerance.AngleDegrees)
                else
                    Ok(n, Text.Encoding.ASCII.GetString(symbol).TrimEnd('\000').Trim())
            with :? DllNotFoundException ->
                Error missing

/// The space group of a prototype class of the ARISE library where it is known (the paper scores spglib on the
/// AFLOW elemental solids and binaries only): from the AFLOW label in an elemental class name
/// (e.g. fcc_Cu_A_cF4_225_a → 225), or the binaries' structure types.
let expectedSpaceGroup (className: string) : int option =
    let binaries =
        dict
            [ "CrB", 63
              "CsCl", 221
              "FeB", 62
              "FeSi", 198
              "L10_CuAu", 123
              "L12_Cu3Au", 221
              "MnP", 62
              "NiAs", 194
              "RockSalt_NaCl", 225
              "Wurtzite_ZnS", 186
              "Zincblende_ZnS", 216 ]

    match binaries.TryGetValue className with
    | true, sg -> Some sg
    | _ ->
        let m = Text.RegularExpressions.Regex.Match(className, @"_A_[a-zA-Z]+\d+_(\d+)_")
        if m.Success then Some(int m.Groups.[1].Value) else None
