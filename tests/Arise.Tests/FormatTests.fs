module Arise.Tests.FormatTests

open System
open System.IO
open Expecto
open Arise.Structure
open Arise.Structure.Formats
open Arise.Tests.Common

/// A random structure from a seed: 1–40 atoms, random species, cell or not, mixed periodicity and properties.
let randomStructure (seed: int) =
    let rng = Random(seed)
    let n = 1 + rng.Next 40

    let real () =
        (rng.NextDouble() - 0.5) * 10.0 ** float (rng.Next(-3, 4))

    let positions = Array.init n (fun _ -> Vec3.make (real ()) (real ()) (real ()))
    let numbers = Array.init n (fun _ -> 1 + rng.Next 118)
    let withCell = rng.Next 2 = 0

    let s =
        if withCell then
            let c =
                Cell.make
                    (Vec3.make (3.0 + rng.NextDouble()) 0.0 0.0)
                    (Vec3.make (real ()) (4.0 + rng.NextDouble()) 0.0)
                    (Vec3.make (real ()) (real ()) (5.0 + rng.NextDouble()))

            Structure.create positions numbers (Some c) (Pbc.make (rng.Next 2 = 0) (rng.Next 2 = 0) true)
        else
            Structure.cluster positions numbers

    let s =
        if rng.Next 2 = 0 then
            s
            |> Structure.withProperty "forces" (Reals(3, Array.init (3 * n) (fun _ -> real ())))
        else
            s

    let s =
        if rng.Next 2 = 0 then
            s
            |> Structure.withProperty "tags" (Integers(1, Array.init n (fun _ -> rng.Next(-5, 100))))
        else
            s

    let s =
        if rng.Next 2 = 0 then
            s
            |> Structure.withProperty "fixed" (Logicals(1, Array.init n (fun _ -> rng.Next 2 = 0)))
        else
            s

    if rng.Next 2 = 0 then
        s
        |> Structure.withProperty "grain" (Texts(1, Array.init n (fun i -> sprintf "g%d" (i % 3))))
    else
        s

/// A LAMMPS dump of `s` (and, at random, a second frame): ids in order, shuffled (with repeats) or absent; a type or
/// an element column; an orthogonal or a triclinic box. Returns the text and its type map.
let dumpOf (rng: Random) (s: Structure) =
    let f (x: float) =
        x.ToString("R", Globalization.CultureInfo.InvariantCulture)

    let n = Structure.count s
    let cell = s.Cell |> Option.defaultValue (Cell.orthorhombic 20.0 20.0 20.0)
    let species = s.Numbers |> Array.distinct
    let types = species |> Array.mapi (fun k z -> k + 1, z) |> Map.ofArray
    let typeOf z = 1 + Array.findIndex ((=) z) species
    let ids = Array.init n (fun a -> a + 1)

    match rng.Next 3 with
    | 0 -> ()
    | 1 -> rng.Shuffle ids
    | _ ->
        for a in 0 .. n - 1 do
            ids.[a] <- rng.Next(-3, n / 2 + 2)

    let withId = rng.Next 4 > 0
    let withElement = rng.Next 2 = 0
    let xy, xz, yz = cell.B.X, cell.C.X, cell.C.Y
    let triclinic = xy <> 0.0 || xz <> 0.0 || yz <> 0.0

    let frame (shift: float) =
        [ yield "ITEM: TIMESTEP"
          yield "0"
          yield "ITEM: NUMBER OF ATOMS"
          yield string n
          if triclinic then
              yield "ITEM: BOX BOUNDS xy xz yz pp pp pp"
              let lo = List.min [ 0.0; xy; xz; xy + xz ]
              let hi = List.max [ 0.0; xy; xz; xy + xz ]
              yield sprintf "%s %s %s" (f lo) (f (cell.A.X + hi)) (f xy)
              yield sprintf "%s %s %s" (f (min 0.0 yz)) (f (cell.B.Y + max 0.0 yz)) (f xz)
              yield sprintf "0 %s %s" (f cell.C.Z) (f yz)
          else
              yield "ITEM: BOX BOUNDS pp pp ff"
              yield sprintf "0 %s" (f cell.A.X)
              yield sprintf "0 %s" (f cell.B.Y)
              yield sprintf "0 %s" (f cell.C.Z)
          yield sprintf "ITEM: ATOMS %s%s x y z" (if withId then "id " else "") (if withElement then "element" else "type")
          for a in 0 .. n - 1 ->
              let p = s.Positions.[a]
              let z = s.Numbers.[a]
              let kind = if withElement then Elements.symbol z else string (typeOf z)
              let id = if withId then sprintf "%d " ids.[a] else ""
              sprintf "%s%s %s %s %s" id kind (f (p.X + shift)) (f p.Y) (f p.Z) ]

    let frames = if rng.Next 2 = 0 then frame 0.0 else frame 0.0 @ frame 0.25
    String.Join("\n", frames) + "\n", types

/// A streaming reader's visit that keeps every `every`th atom and records each atom visited, and the check of what it
/// kept against the frame read whole: the kept atoms (with properties, cell, periodicity and info), every atom visited
/// in the frame's order.
let private keepEvery (every: int) =
    let mutable a = -1
    let mutable visited = []

    let visit (p: Vec3) (z: int) =
        a <- a + 1
        visited <- (p, z) :: visited
        a % every = 0

    let check (first: Structure) (part: Structure) =
        let kept = [| 0..every .. Structure.count first - 1 |]
        Expect.equal part (Structure.select kept first) "the kept atoms, properties, cell, periodicity and info"

        Expect.equal
            (List.rev visited)
            (List.zip (List.ofArray first.Positions) (List.ofArray first.Numbers))
            "every atom visited, in the frame's order"

    visit, check

let private neverThrows (name: string) (parse: string -> unit) (text: string) =
    try
        parse text
    with ex ->
        failtestf "%s reader threw %s on input %A" name (ex.GetType().Name) (text.Substring(0, min 200 text.Length))

let private readers: (string * (string -> unit)) list =
    let types = Map.ofList [ 1, 28; 2, 13 ]

    [ "xyz", (fun t -> Xyz.parse "f.xyz" t |> ignore)
      "aims", (fun t -> Aims.parse "geometry.in" t |> ignore)
      "poscar", (fun t -> Poscar.parse "POSCAR" t |> ignore)
      "cif", (fun t -> Cif.parse "f.cif" t |> ignore)
      "lammps-data", (fun t -> Lammps.parseData types "f.data" t |> ignore)
      "lammps-dump", (fun t -> Lammps.parseDump types "f.dump" t |> ignore) ]

let validSamples =
    [ "xyz", "2\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:q:R:1 pbc=\"T T T\"\nCu 0 0 0 0.1\nCu 2 2 0 -0.1\n"
      "aims", "lattice_vector 4 0 0\nlattice_vector 0 4 0\nlattice_vector 0 0 4\natom_frac 0 0 0 Fe\natom_frac 0.5 0.5 0.5 Fe\n"
      "poscar", "bcc Fe\n1.0\n2.87 0 0\n0 2.87 0\n0 0 2.87\nFe\n2\nSelective dynamics\nDirect\n0 0 0 T T F\n0.5 0.5 0.5 T T T\n"
      "cif",
      "data_fe\n_cell_length_a 2.87\n_cell_length_b 2.87\n_cell_length_c 2.87\n_cell_angle_alpha 90\n_cell_angle_beta \
            90\n_cell_angle_gamma 90\nloop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n'x+1/2, y+1/2, \
            z+1/2'\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nFe1 Fe \
            0.0 0.0 0.0\n"
      "lammps-data",
      "LAMMPS data\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n1 2 0.5 xy xz yz\n\nAtoms # atomic\n\n1 1 0 0 0\n2 \
            2 2 2 2\n"
      "lammps-dump",
      "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 4\n0 4\n0 4\nITEM: ATOMS id type x y z\n1 1 0 0 0\n2 2 \
            2 2 2\nITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 4\n0 4\n0 4\nITEM: ATOMS id type x y z\n1 1 \
            0.1 0 0\n2 2 2 2 2.1\n" ]

let private parseSample fmt text =
    let types = Map.ofList [ 1, 28; 2, 13 ]

    match fmt with
    | "xyz" -> Xyz.parse "f.xyz" text
    | "aims" -> Aims.parse "geometry.in" text |> Result.map List.singleton
    | "poscar" -> Poscar.parse "POSCAR" text |> Result.map List.singleton
    | "cif" -> Cif.parse "f.cif" text
    | "lammps-data" -> Lammps.parseData types "f.data" text |> Result.map List.singleton
    | _ -> Lammps.parseDump types "f.dump" text

let private mutate (rng: Random) (text: string) =
    let lines = ResizeArray(text.Split '\n')

    for _ in 0 .. rng.Next(1, 4) do
        if lines.Count > 0 then
            let k = rng.Next lines.Count

            match rng.Next 7 with
            | 0 -> lines.RemoveAt k
            | 1 -> lines.Insert(k, lines.[rng.Next lines.Count])
            | 2 -> lines.[k] <- lines.[k] + " 1.5 x"
            | 3 ->
                lines.[k] <-
                    (if lines.[k].Length > 1 then
                         lines.[k].Substring(0, rng.Next lines.[k].Length)
                     else
                         "")
            | 4 -> lines.[k] <- lines.[k].Replace("0", "nan").Replace("2", "Inf")
            | 5 -> lines.[k] <- lines.[k].Replace("Fe", "Xx").Replace("Cu", "Qq").Replace(" 1 ", " 9 ")
            | _ -> lines.[k] <- String(Array.init (rng.Next 30) (fun _ -> char (rng.Next(1, 255))))

    String.Join("\n", lines)

[<Tests>]
let tests =
    testList
        "formats"
        [ test "what a streamed read keeps (Text.Gathered) comes back whole and in order, across its blocks of 65,536" {
              for n in [ 0; 1; 65535; 65536; 65537; 200003 ] do
                  let kept = Text.Gathered<Vec3>()

                  for i in 0 .. n - 1 do
                      kept.Add(Vec3.make (float i) (float (-i)) 0.5)

                  Expect.equal kept.Count n "count"
                  Expect.equal (kept.ToArray()) (Array.init n (fun i -> Vec3.make (float i) (float (-i)) 0.5)) (sprintf "%d items" n)
          }
          test "Text.formatFloatInto writes what .NET's \"R\" writes, on 2.25 × 10^6 numbers of nine kinds" {
              let random = Random(20261205)
              let chars = Array.zeroCreate<char> 32
              let inv = Globalization.CultureInfo.InvariantCulture

              let checks =
                  Environment.GetEnvironmentVariable "ARISE_FORMAT_CHECKS"
                  |> Option.ofObj
                  |> Option.map int
                  |> Option.defaultValue 250000

              let nextUp (x: float) k =
                  BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits x + k)

              let kinds: (string * (unit -> float)) list =
                  [ "any bits",
                    (fun () -> BitConverter.Int64BitsToDouble(random.NextInt64() ||| (if random.Next 2 = 0 then Int64.MinValue else 0L)))
                    "log-uniform 1e-5 .. 1e15", (fun () -> Math.Pow(10.0, random.NextDouble() * 20.0 - 5.0))
                    "positions (Å) from nm as float32", (fun () -> 10.0 * float (float32 (random.NextDouble() * 100.0 - 5.0)))
                    "probabilities as float32", (fun () -> float (float32 (random.NextDouble())))
                    "short decimals", (fun () -> float (random.Next 2000000) / Math.Pow(10.0, float (random.Next 9)))
                    "near powers of ten", (fun () -> nextUp (Math.Pow(10.0, float (random.Next(-6, 17)))) (random.NextInt64(-3L, 4L)))
                    "near powers of two", (fun () -> nextUp (Math.Pow(2.0, float (random.Next(-16, 50)))) (random.NextInt64(-2L, 3L)))
                    "integers", (fun () -> float (random.NextInt64 100000000000000L))
                    "negative", (fun () -> -(random.NextDouble() * 1000.0)) ]

              for name, next in kinds do
                  for _ in 1..checks do
                      let x = next ()
                      let n = Text.formatFloatInto x chars
                      let expected = x.ToString("R", inv)

                      if String(chars, 0, n) <> expected then
                          failtestf "%s: %s (bits %x) written as %s" name expected (BitConverter.DoubleToInt64Bits x) (String(chars, 0, n))

              for x in
                  [ 0.0
                    -0.0
                    1e-4
                    1e14
                    0.1
                    0.5
                    1.0
                    100.0
                    nan
                    infinity
                    Double.Epsilon
                    Double.MaxValue ] do
                  let n = Text.formatFloatInto x chars
                  Expect.equal (String(chars, 0, n)) (x.ToString("R", inv)) (string x)
          }
          testProperty "extended XYZ write then read gives back the same structure exactly"
          <| fun (seed: int) ->
              let s = randomStructure seed
              let back = Xyz.parse "r.xyz" (Xyz.write s) |> ok "read back" |> List.exactlyOne
              Expect.equal back.Numbers s.Numbers "species"
              Expect.equal back.Positions s.Positions "positions"
              Expect.equal back.Cell s.Cell "cell"
              Expect.equal back.Pbc (if s.Cell.IsSome then s.Pbc else Pbc.none) "pbc"
              Expect.equal back.AtomProperties s.AtomProperties "per-atom properties"

          test "extended XYZ of 20,000 atoms, formatted a window of blocks at a time on all cores: each atom's own line, in order" {
              let rng = Random(5)
              let n = 20000

              let ps =
                  Array.init n (fun _ -> Vec3.make (rng.NextDouble() * 90.0) (rng.NextDouble()) (-rng.NextDouble()))

              let s =
                  Structure.cluster ps (Array.init n (fun a -> 1 + a % 90))
                  |> Structure.withProperty "q" (Reals(1, Array.init n (fun _ -> rng.NextDouble())))

              let lineOf (a: int) =
                  use w = new IO.StringWriter()
                  Xyz.writeAtomsTo w s [ a ]
                  w.ToString()

              let lines = (Xyz.write s).Split('\n')
              Expect.equal lines.Length (n + 3) "count, header, a line an atom and the last newline"

              for a in 0 .. n - 1 do
                  if lines.[a + 2] + "\n" <> lineOf a then
                      failtestf "the line of atom %d: %s, not %s" a lines.[a + 2] (lineOf a)

              // the atoms in another order, and none
              use w = new IO.StringWriter()
              Xyz.writeAtomsTo w s [ n - 1 .. -1 .. 0 ]
              Expect.equal (w.ToString().Split('\n').[0] + "\n") (lineOf (n - 1)) "the order asked for"
              Expect.equal (Xyz.write (Structure.cluster [||] [||])).[0..1] "0\n" "no atom: the header only"
          }

          testProperty "POSCAR write then read gives back the same atoms, grouped by species"
          <| fun (seed: int) ->
              let s0 = randomStructure seed

              let s =
                  { s0 with
                      Cell = Some(s0.Cell |> Option.defaultValue (Cell.orthorhombic 7.0 8.0 9.0))
                      Pbc = Pbc.all
                      AtomProperties = [] }

              let back = Poscar.write s |> ok "write" |> Poscar.parse "POSCAR" |> ok "read back"
              let order = s.Numbers |> Array.distinct

              let grouped =
                  order
                  |> Array.collect (fun z ->
                      [| for i in 0 .. s.Numbers.Length - 1 do
                             if s.Numbers.[i] = z then
                                 i |])

              Expect.equal back.Numbers (grouped |> Array.map (fun i -> s.Numbers.[i])) "species"
              Expect.equal back.Positions (grouped |> Array.map (fun i -> s.Positions.[i])) "positions"
              Expect.equal back.Cell s.Cell "cell"

          testProperty "Xyz.streamFirst keeps what parse and a selection give, on written and damaged files; never throws"
          <| fun (seed: int) ->
              let rng = Random(seed)
              let s = randomStructure seed

              let text =
                  if rng.Next 2 = 0 then
                      Xyz.write s
                  else
                      mutate rng (Xyz.write s)

              let every = 1 + rng.Next 3
              let visit, check = keepEvery every

              let streamed =
                  try
                      Xyz.streamFirst "f.xyz" (new StringReader(text)) visit
                  with ex ->
                      failtestf "streamFirst threw %s on %A" (ex.GetType().Name) text

              match Xyz.parse "f.xyz" text, streamed with
              | Ok(first :: _), Ok part -> check first part
              | Ok _, Error e -> failtestf "parse read it, streamFirst did not: %s" (string e)
              | Error _, Error _ -> ()
              | Error e, Ok _ ->
                  // only a later frame may be at fault
                  let lines = text.Replace("\r\n", "\n").Split('\n')
                  let lead = lines |> Array.takeWhile String.IsNullOrWhiteSpace |> Array.length
                  let natoms = int (lines.[lead].Trim())
                  Expect.isGreaterThan (defaultArg e.Line 0) (lead + 2 + natoms) "the error lies past the first frame"

          test "Xyz.streamFirst gives parse's error, file and line, for broken first frames" {
              let ok1 = "2\nProperties=species:S:1:pos:R:3:q:I:1\nCu 0 0 0 1\nAu 1 1 1 2\n"

              for text in
                  [ ""
                    "\n\n"
                    "x\n"
                    "3\n"
                    "0\ncomment\n"
                    ok1.Replace("Au 1 1 1 2\n", "")
                    ok1.Replace("Au 1 1 1 2\n", "\nAu 1 1 1 2\n")
                    ok1.Replace("q:I:1", "q:I:2")
                    ok1.Replace("Au 1 1 1 2", "Au 1 1 nan 2")
                    ok1.Replace("Au", "Qq")
                    ok1.Replace(" 2\n", " 2.5\n")
                    ok1.Replace("Properties", "pbc=\"T T T\" Properties")
                    ok1.Replace("Properties", "Lattice=\"1 0 0 0 1 0 0 0\" Properties")
                    ok1.Replace("Properties", "Lattice=\"1 0 0 2 0 0 0 0 1\" pbc=\"T T T\" Properties")
                    ok1.Replace("pos:R:3", "pos:R:2") ] do
                  let expected = Xyz.parse "f.xyz" text

                  for keep in [ (fun _ _ -> true); (fun _ _ -> false) ] do
                      let streamed = Xyz.streamFirst "f.xyz" (new StringReader(text)) keep

                      match expected, streamed with
                      | Error e, Error s -> Expect.equal s e (sprintf "the error for %A" text)
                      | _ -> failtestf "%A: parse gave %A, streamFirst %A" text expected streamed
          }

          testProperty "Lammps.streamFirstDump keeps what parseDump and a selection give, ids in order or not; never throws"
          <| fun (seed: int) ->
              let rng = Random(seed)
              let text, types = dumpOf rng (randomStructure seed)
              let text = if rng.Next 2 = 0 then text else mutate rng text
              let every = 1 + rng.Next 3
              let span = 1 + rng.Next 5
              let visit, check = keepEvery every

              let streamed =
                  try
                      Lammps.streamFirstIn span types "f.dump" (fun () -> new StringReader(text)) visit
                  with ex ->
                      failtestf "streamFirstDump threw %s on %A" (ex.GetType().Name) text

              match Lammps.parseDump types "f.dump" text, streamed with
              | Ok(first :: _), Ok part -> check first part
              | Ok _, Error e -> failtestf "parseDump read it, streamFirstDump did not: %s" (string e)
              | Error e, Error s -> Expect.equal s e "the first frame's fault, as parseDump names it"
              | Error _, Ok part ->
                  // only a later frame may be at fault: the first frame alone reads
                  let lines = text.Replace("\r\n", "\n").Split('\n')

                  let count =
                      1
                      + Array.findIndex (fun (l: string) -> l.StartsWith "ITEM: NUMBER OF ATOMS") lines

                  let atoms = Array.findIndex (fun (l: string) -> l.StartsWith "ITEM: ATOMS") lines
                  let alone = String.Join("\n", lines.[.. atoms + int (lines.[count].Trim())])

                  match Lammps.parseDump types "f.dump" alone with
                  | Ok [ first ] -> check first part
                  | other -> failtestf "the first frame alone gave %A" other

          test "Lammps.streamFirstDump gives parseDump's error, file and line, for broken first frames" {
              let ok2 =
                  "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 4\n0 4\n0 4\nITEM: ATOMS id type x y z\n\
                   2 1 0 0 0\n\
                   1 2 2 2 2\n"

              let types = Map.ofList [ 1, 28; 2, 13 ]

              for text in
                  [ ""
                    "\n \n"
                    "x\n"
                    "ITEM: TIMESTEP\n"
                    ok2.Replace("\n2\nITEM: BOX", "\n0\nITEM: BOX")
                    ok2.Replace("\n2\nITEM: BOX", "\n5\nITEM: BOX")
                    ok2.Replace("\n2\nITEM: BOX", "\n2000000000\nITEM: BOX")
                    ok2.Replace("1 2 2 2 2\n", "")
                    ok2.Replace("1 2 2 2 2\n", "1 2 2 2\n")
                    ok2.Replace("1 2 2 2 2", "1 2 2 nan 2")
                    ok2.Replace("1 2 2 2 2", "1 7 2 2 2")
                    ok2.Replace("1 2 2 2 2", "x 2 2 2 2")
                    ok2.Replace("0 4\n0 4\n0 4", "0 4\n4 4\n0 4")
                    ok2.Replace("x y z", "x z")
                    ok2.Replace("id type", "id q")
                    ok2.Replace("ITEM: ATOMS", "ITEM: ATOM")
                    ok2 + "ITEM: TIMESTEP\n1\n" ] do
                  let expected = Lammps.parseDump types "f.dump" text |> Result.map List.head

                  for keep in [ (fun _ _ -> true); (fun _ _ -> false) ] do
                      let streamed =
                          Lammps.streamFirstIn 1 types "f.dump" (fun () -> new StringReader(text)) keep

                      match expected, streamed with
                      | Error e, Error s -> Expect.equal s e (sprintf "the error for %A" text)
                      | Ok whole, Ok part when keep Vec3.zero 0 -> Expect.equal part whole (sprintf "read %A" text)
                      | Ok _, Ok part -> Expect.equal (Structure.count part) 0 "none kept"
                      | Error e, Ok _ when text.EndsWith "ITEM: TIMESTEP\n1\n" -> Expect.equal e.Line (Some 14) "a later frame"
                      | _ -> failtestf "%A: parseDump gave %A, streamFirstDump %A" text expected streamed
          }

          testProperty "every reader returns an error or a structure on random bytes, never throws"
          <| fun (seed: int) ->
              let rng = Random(seed)
              let bytes = Array.init (rng.Next 400) (fun _ -> byte (rng.Next 256))
              let text = Text.Encoding.Latin1.GetString bytes

              for name, parse in readers do
                  neverThrows name parse text

          testProperty "every reader survives random line mutations of a valid file"
          <| fun (seed: int) ->
              let rng = Random(seed)

              for fmt, text in validSamples do
                  let parse = readers |> List.find (fst >> (=) fmt) |> snd
                  neverThrows fmt parse (mutate rng text)

          test "the valid samples of every format read" {
              for fmt, text in validSamples do
                  let frames = parseSample fmt text |> ok fmt
                  Expect.isNonEmpty frames fmt

                  for f in frames do
                      Expect.equal (Structure.count f) 2 (fmt + " atom count")
          }

          test "multi-frame XYZ and LAMMPS dump files read as sequences" {
              let xyz = "1\nframe 1\nH 0 0 0\n1\nframe 2\nH 0 0 1\n"
              Expect.equal (Xyz.parse "f.xyz" xyz |> ok "xyz" |> List.length) 2 "xyz frames"
              let dump = validSamples |> List.find (fst >> (=) "lammps-dump") |> snd
              let frames = parseSample "lammps-dump" dump |> ok "dump"
              Expect.equal frames.Length 2 "dump frames"
              Expect.floatClose Accuracy.veryHigh frames.[1].Positions.[0].X 0.1 "second frame x"
          }

          test "a declared but unwritten trailing Z column is tolerated, a partly written one is not" {
              let header = "2\nProperties=species:S:1:pos:R:3:Z:I:1 pbc=\"F F F\"\n"

              let s =
                  Xyz.parse "f.xyz" (header + "Fe 0 0 0\nFe 1 1 1\n")
                  |> ok "no Z column"
                  |> List.exactlyOne

              Expect.equal s.Numbers [| 26; 26 |] "species from the symbols"
              Expect.isError (Xyz.parse "f.xyz" (header + "Fe 0 0 0 26\nFe 1 1 1\n")) "mixed widths"
          }

          test "an atom count far beyond the file is an error naming the line, not an allocation" {
              let clock = Diagnostics.Stopwatch.StartNew()
              let e = Xyz.parse "big.xyz" "2000000000\ncomment\nCu 0 0 0\n" |> err "XYZ count"
              Expect.stringContains e.Message "declares 2000000000 atoms" "the declared count"
              Expect.equal e.Line (Some 4) "the line after the last atom line"

              let poscar =
                  "big\n1.0\n3 0 0\n0 3 0\n0 0 3\nCu Au\n2000000000 2000000000\nDirect\n0 0 0\n"

              let p = Poscar.parse "POSCAR" poscar |> err "POSCAR count"
              Expect.stringContains p.Message "4000000000 atoms" "the sum, without overflowing"
              Expect.equal p.Line (Some 7) "the counts line"
              Expect.isLessThan clock.Elapsed.TotalSeconds 5.0 "refused at once (it used to allocate gigabytes)"
          }

          test "LAMMPS data beyond 100,000 atoms keeps every atom's type (types were packed with the line number)" {
              let n = 100_010
              let sb = Text.StringBuilder()

              sb.Append(sprintf "big\n\n%d atoms\n2 atom types\n0 150 xlo xhi\n0 150 ylo yhi\n0 150 zlo zhi\n\nAtoms # atomic\n\n" n)
              |> ignore

              for i in 1..n do
                  sb.Append(sprintf "%d 1 %g %g %g\n" i (float (i % 50) * 3.0) (float ((i / 50) % 50) * 3.0) (float (i / 2500) * 3.0))
                  |> ignore

              let s =
                  Lammps.parseData (Map.ofList [ 1, 29; 2, 28 ]) "many.data" (sb.ToString())
                  |> ok "many atoms"

              Expect.equal (Structure.count s) n "all atoms"
              Expect.isTrue (s.Numbers |> Array.forall ((=) 29)) "every atom is type 1 = Cu"

              let e =
                  Lammps.parseData
                      Map.empty
                      "neg.data"
                      "x\n\n1 atoms\n1 atom types\n0 3 xlo xhi\n0 3 ylo yhi\n0 3 zlo zhi\n\nAtoms # atomic\n\n1 -1 0 0 0\n"
                  |> err "negative type"

              Expect.equal e.Line (Some 11) "the atom's line"
          }

          test "LAMMPS boxes whose upper bound is not above the lower one are refused at their line" {
              let e =
                  Lammps.parseData
                      Map.empty
                      "inv.data"
                      "x\n\n1 atoms\n1 atom types\n3 0 xlo xhi\n0 3 ylo yhi\n0 3 zlo zhi\n\nAtoms # atomic\n\n1 1 0 0 0\n"
                  |> err "xlo > xhi"

              Expect.equal e.Line (Some 5) "the xlo xhi line"
              Expect.stringContains e.Message "xhi (0) must be greater than xlo (3)" "both bounds named"

              let dump =
                  "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 3\n3 3\n0 3\nITEM: ATOMS id type x y z\n1 \
                        1 0 0 0\n"

              let e =
                  Lammps.parseDump (Map.ofList [ 1, 29 ]) "inv.lammpstrj" dump
                  |> err "dump ylo = yhi"

              Expect.equal e.Line (Some 7) "the y bounds line"
          }

          test "a LAMMPS dump or XYZ property declaring absurd sizes is refused before allocating" {
              let dump =
                  "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n2000000000\nITEM: BOX BOUNDS pp pp pp\n0 3\n0 3\n0 3\nITEM: ATOMS id type \
                        x y z\n1 1 0 0 0\n"

              let e =
                  Lammps.parseDump (Map.ofList [ 1, 29 ]) "big.lammpstrj" dump |> err "dump count"

              Expect.equal e.Line (Some 4) "the count's line"

              let noY =
                  "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 3\n0 3\n0 3\nITEM: ATOMS id type x z\n1 1 \
                        0 0\n"

              Expect.stringContains
                  (Lammps.parseDump (Map.ofList [ 1, 29 ]) "noy.lammpstrj" noY |> err "no y").Message
                  "no y"
                  "the missing column named"

              let xyz = "1\nProperties=species:S:1:pos:R:3:foo:R:2000000000\nCu 0 0 0 1\n"
              Expect.stringContains (Xyz.parse "p.xyz" xyz |> err "property width").Message "2000000000 columns" "the width named"
          }

          test "a truncated multi-frame XYZ names the line" {
              let e =
                  Xyz.parse "f.xyz" "2\nok\nH 0 0 0\nH 0 0 1\n3\nbroken\nH 0 0 0\n"
                  |> err "truncated"

              Expect.equal e.File "f.xyz" "file named"
              Expect.isSome e.Line "line named"
          }

          test "bad inputs give clear errors naming the problem" {
              let cases =
                  [ "xyz", "2\n\nH 0 0 nan\nH 0 0 1\n", "NaN"
                    "xyz", "1\n\nQq 0 0 0\n", "element"
                    "xyz", "", "empty"
                    "xyz", "2\n\nH 0 0\nH 0 0 1\n", "column"
                    "aims", "atom 0 0 0 H\natom 0 0 abc H\n", "abc"
                    "aims", "lattice_vector 1 0 0\nlattice_vector 2 0 0\nlattice_vector 0 0 1\natom 0 0 0 H\n", "singular"
                    "poscar", "x\n1.0\n1 0 0\n0 1 0\n0 0 1\nH\n0\nDirect\n", "atom"
                    "cif",
                    "data_x\n_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 3\n_cell_angle_alpha 90\n_cell_angle_beta \
                            90\n_cell_angle_gamma \
                            90\nloop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n\
                            _atom_site_fract_z\n_atom_site_occupancy\nFe 0 0 0 0.5\n",
                    "occupancy" ]

              for fmt, text, word in cases do
                  let e = parseSample fmt text |> err (sprintf "%s %A" fmt text)
                  Expect.stringContains (e.Message.ToLowerInvariant()) (word.ToLowerInvariant()) (sprintf "%s error %A" fmt e)
          }

          test "CIF symmetry operations expand the asymmetric unit and merge duplicates" {
              let bcc = validSamples |> List.find (fst >> (=) "cif") |> snd
              let s = parseSample "cif" bcc |> ok "bcc" |> List.exactlyOne
              Expect.equal (Structure.count s) 2 "bcc Fe has 2 atoms in the conventional cell"
              // an inversion that maps the origin onto itself must not duplicate it
              let inv = bcc.Replace("'x+1/2, y+1/2, z+1/2'", "'-x, -y, -z'")
              let s2 = parseSample "cif" inv |> ok "inversion" |> List.exactlyOne
              Expect.equal (Structure.count s2) 1 "duplicate merged"
          }

          test "POSCAR negative scale is the cell volume" {
              let text = "x\n-64.0\n1 0 0\n0 1 0\n0 0 1\nH\n1\nDirect\n0.5 0.5 0.5\n"
              let s = Poscar.parse "POSCAR" text |> ok "poscar"
              Expect.floatClose Accuracy.veryHigh (Cell.volume s.Cell.Value) 64.0 "volume"
              Expect.floatClose Accuracy.veryHigh s.Positions.[0].X 2.0 "scaled position"
          }

          test "LAMMPS triclinic data boxes keep their tilt and map types to elements" {
              let text = validSamples |> List.find (fst >> (=) "lammps-data") |> snd
              let s = parseSample "lammps-data" text |> ok "data" |> List.exactlyOne
              Expect.equal s.Cell.Value.B (Vec3.make 1.0 4.0 0.0) "tilt xy"
              Expect.equal s.Cell.Value.C (Vec3.make 2.0 0.5 4.0) "tilt xz yz"
              Expect.equal s.Numbers [| 28; 13 |] "types mapped"
              let e = Lammps.parseData Map.empty "f.data" text |> err "no map"
              Expect.stringContains e.Message "type" "missing map is reported"
          }

          test "an atomic write that fails leaves the previous file whole and no .partial behind (issue 26 F10)" {
              let path = tempFile "boxes.csv" "the finished run's file\n"

              Expect.throws
                  (fun () ->
                      Arise.Numerics.AtomicFile.write path (fun tmp ->
                          File.WriteAllText(tmp, "half of a new fi")
                          failwith "killed midway"))
                  "the failure is passed on"

              Expect.equal (File.ReadAllText path) "the finished run's file\n" "the previous content intact"
              Expect.isFalse (File.Exists(path + ".partial")) "no partial file left"
              Arise.Numerics.AtomicFile.writeText path "new content"
              Expect.equal (File.ReadAllText path) "new content" "a write that finishes replaces it"
              StructureIO.writeXyz path [ Crystals.fcc 29 3.61 ]
              Expect.isFalse (File.Exists(path + ".partial")) "writeXyz goes through it"
          }

          test "the format is chosen by extension and can be overridden" {
              Expect.equal (StructureIO.formatOfPath "a/b/POSCAR") (Some StructureIO.Format.Poscar) "POSCAR"
              Expect.equal (StructureIO.formatOfPath "x.cif") (Some StructureIO.Format.Cif) "cif"
              let path = tempFile "weird.txt" "1\n\nH 0 0 0\n"

              try
                  Expect.isError (StructureIO.read path) "unknown extension is an error"

                  let opts =
                      { StructureIO.defaults with
                          Format = Some StructureIO.Format.Xyz }

                  Expect.equal (StructureIO.readWith opts path |> ok "override" |> Structure.count) 1 "override"
              finally
                  Directory.Delete(Path.GetDirectoryName path, true)
          } ]
