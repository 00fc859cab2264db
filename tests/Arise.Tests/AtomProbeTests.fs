/// Atom-probe input (issue 28, item 4): .pos/.epos/.apt with .rrng/.rng range files, from our own synthetic builder.
module Arise.Tests.AtomProbeTests

open System
open System.IO
open System.Buffers.Binary
open Expecto
open Arise.Structure
open Arise.Structure.Formats
open Arise.Tests.Common

let private folder () = freshFolder "arise-apt-"

/// A small superalloy (fcc Ni with an L1₂ Ni₃Al precipitate) measured at 37 % efficiency, written as .pos + .rrng.
let private measured (dir: string) =
    let alloy = Polycrystal.superalloy 1 3.57 30.0 14.0 0.05

    let ions, ranges =
        AtomProbe.synthetic 7 0.37 0.5 0.2 alloy |> Result.defaultWith failwith

    AtomProbe.writePos (Path.Combine(dir, "alloy.pos")) ions
    AtomProbe.writeRrng (Path.Combine(dir, "alloy.rrng")) ranges
    alloy, ions

let private withRanges (dir: string) =
    { StructureIO.defaults with
        Ranges = Some(Path.Combine(dir, "alloy.rrng")) }

[<Tests>]
let tests =
    testList
        "atom probe"
        [ test "a synthetic 37 % measurement of a superalloy, written as .pos + .rrng, reads back: ions, species, positions in Å" {
              let dir = folder ()
              let alloy, ions = measured dir

              let s =
                  StructureIO.readWith (withRanges dir) (Path.Combine(dir, "alloy.pos"))
                  |> ok "alloy.pos"

              Expect.equal s.Positions.Length ions.Length "every ion ranged"
              let share = float ions.Length / float alloy.Positions.Length
              Expect.floatClose { absolute = 0.02; relative = 0.0 } share 0.37 "37 % detected"

              let count z (a: int array) =
                  a |> Array.filter ((=) z) |> Array.length |> float

              let alShare (a: int array) = count 13 a / float a.Length
              Expect.floatClose { absolute = 0.02; relative = 0.0 } (alShare s.Numbers) (alShare alloy.Numbers) "the Al share kept"
              let (x, y, z, _) = ions.[0]
              Expect.floatClose Accuracy.low s.Positions.[0].X (10.0 * x) "nm → Å"
              Expect.floatClose Accuracy.low s.Positions.[0].Z (10.0 * z) "nm → Å"
          }

          test "range files: .rng (Oak Ridge) and .rrng with a molecular ion, dropped or split; unranged ions dropped or kept" {
              let rng =
                  "2 2\nFe\n1.0 0.0 0.0\nO\n0.0 0.0 1.0\n------------------- Fe O\n. 27.5 28.5 1 0\n. 15.5 16.5 0 1\n"

              let ranges = AtomProbe.parseRng "t.rng" rng |> ok "rng"
              Expect.equal (ranges |> List.map (fun r -> r.Ion)) [ [ 8, 1 ]; [ 26, 1 ] ] "O and Fe, sorted by mass"

              let rrng =
                  String.Join(
                      "\n",
                      [ "[Ions]"
                        "Number=2"
                        "Ion1=Fe"
                        "Ion2=O"
                        "[Ranges]"
                        "Number=2"
                        "Range1=27.5000 28.5000 vol:0.01 Fe:1 color:FF0000"
                        "Range2=35.5 36.5 vol:0.02 Fe:1 O:1 color:00FF00" ]
                  )

              let ranges = AtomProbe.parseRrng "t.rrng" rrng |> ok "rrng"
              let ion (x: float) (m: float) = x, 0.0, 0.0, m
              let dir = folder ()
              let pos = Path.Combine(dir, "t.pos")
              AtomProbe.writePos pos [| ion 0.0 28.0; ion 1.0 36.0; ion 2.0 50.0 |]
              let bytes = File.ReadAllBytes pos

              let read mapping =
                  AtomProbe.parseIons mapping ranges false pos bytes |> ok "pos"

              Expect.equal (read AtomProbe.defaults).Numbers [| 26 |] "the FeO and the unranged ion dropped"

              Expect.equal
                  (read
                      { AtomProbe.defaults with
                          SplitMolecular = true })
                      .Numbers
                  [| 26; 26; 8 |]
                  "FeO split into Fe and O"

              Expect.equal
                  (read
                      { AtomProbe.defaults with
                          KeepUnranged = true })
                      .Numbers
                  [| 26; 0 |]
                  "the unranged ion kept as X"
          }

          test ".epos ions (44 bytes) read as .pos ions" {
              let dir = folder ()
              let bytes = Array.zeroCreate<byte> 88

              for i, (x, m) in [ 0, (0.5, 28.0); 1, (1.5, 13.5) ] do
                  BinaryPrimitives.WriteSingleBigEndian(Span(bytes, 44 * i, 4), float32 x)
                  BinaryPrimitives.WriteSingleBigEndian(Span(bytes, 44 * i + 12, 4), float32 m)
                  BinaryPrimitives.WriteInt32BigEndian(Span(bytes, 44 * i + 40, 4), 1)

              let ranges =
                  [ ({ Low = 13.0
                       High = 14.0
                       Ion = [ 13, 1 ] }
                    : AtomProbe.Range)
                    { Low = 27.5
                      High = 28.5
                      Ion = [ 26, 1 ] } ]

              let s =
                  AtomProbe.parseIons AtomProbe.defaults ranges true "t.epos" bytes |> ok "epos"

              Expect.equal s.Numbers [| 26; 13 |] "Fe and Al"
              Expect.floatClose Accuracy.low s.Positions.[1].X 15.0 "1.5 nm"
          }

          test ".apt (APSuite 6) of the same ions reads as the .pos (same species and positions); damaged .apt files: clear errors" {
              let dir = folder ()
              let _, ions = measured dir
              let apt = Path.Combine(dir, "alloy.apt")
              AtomProbe.writeApt apt ions

              let fromPos =
                  StructureIO.readWith (withRanges dir) (Path.Combine(dir, "alloy.pos"))
                  |> ok "alloy.pos"

              let fromApt = StructureIO.readWith (withRanges dir) apt |> ok "alloy.apt"
              Expect.equal fromApt.Numbers fromPos.Numbers "same species, same order"
              Expect.equal fromApt.Positions fromPos.Positions "same positions (both float32, nm → Å)"
              let bytes = File.ReadAllBytes apt
              Expect.equal bytes.Length (540 + 172 + 12 * ions.Length + 148 + 4 * ions.Length) "header, Position (with bounds), Mass"

              let expectError (name: string) (content: byte array) (says: string) =
                  let f = Path.Combine(dir, name)
                  File.WriteAllBytes(f, content)
                  let e = StructureIO.readWith (withRanges dir) f |> err name
                  Expect.equal e.File f (name + ": names the file")
                  Expect.stringContains e.Message says name

              expectError "short.apt" (Array.sub bytes 0 300) "shorter than"
              expectError "cut.apt" (Array.sub bytes 0 (bytes.Length - 3)) "truncated"
              expectError "header-cut.apt" (Array.sub bytes 0 (540 + 100)) "truncated"
              let old = Array.copy bytes
              old.[0] <- byte 'X'
              expectError "old.apt" old "does not start with APT"
              // only the Position section: the Mass section is missing
              expectError "nomass.apt" (Array.sub bytes 0 (540 + 172 + 12 * ions.Length)) "no Mass section"
              // a Mass section of 64-bit values
              let wide = Array.copy bytes
              let mass = 540 + 172 + 12 * ions.Length
              BinaryPrimitives.WriteInt32LittleEndian(Span(wide, mass + 92, 4), 64)
              expectError "wide.apt" wide "expected float32"
              // 2^62 + n records in each section and the header: records × record size wraps round to the bytes held
              let huge = Array.copy bytes
              let records = (1L <<< 62) + int64 ions.Length
              BinaryPrimitives.WriteInt64LittleEndian(Span(huge, 532, 8), records)

              for section in [ 540; mass ] do
                  BinaryPrimitives.WriteInt64LittleEndian(Span(huge, section + 132, 8), records)

              expectError "huge.apt" huge "bytes of data for 4611686018427"

              let ranges = AtomProbe.readRanges (Path.Combine(dir, "alloy.rrng")) |> ok "ranges"

              Expect.isError (AtomProbe.parseApt AtomProbe.defaults ranges "huge.apt" huge) "parseApt: an Error, not an exception"

              // random damage: errors, never exceptions
              let rng = Random(6)

              for k in 0..299 do
                  let b = Array.copy bytes

                  match k % 3 with
                  | 0 ->
                      for _ in 1..20 do
                          b.[rng.Next(0, min b.Length 1200)] <- byte (rng.Next 256)
                  | 1 ->
                      for _ in 1..10 do
                          b.[rng.Next b.Length] <- byte (rng.Next 256)
                  | _ -> ()

                  let content = if k % 3 = 2 then Array.sub b 0 (rng.Next b.Length) else b

                  try
                      let f = Path.Combine(dir, "f.apt")
                      File.WriteAllBytes(f, content)

                      let whole =
                          AtomProbe.parseApt
                              AtomProbe.defaults
                              (AtomProbe.readRanges (Path.Combine(dir, "alloy.rrng")) |> ok "ranges")
                              f
                              content

                      // streamed, the damaged file gives the same atoms or the same error
                      let part = StructureIO.readPart (withRanges dir) f (fun _ -> true)

                      match whole, part with
                      | Ok s, Ok p -> Expect.equal p.Part s (sprintf "input %d: streamed as parsed" k)
                      | Error a, Error b -> Expect.equal b a (sprintf "input %d: the same error" k)
                      | _ -> failtestf "input %d: parsed %A, streamed %A" k whole part
                  with e ->
                      failtestf "input %d: %s out of the .apt reader: %s" k (e.GetType().Name) e.Message
          }

          test "bad atom-probe input: clear errors naming the file and what is missing" {
              let dir = folder ()
              let _ = measured dir
              let pos = Path.Combine(dir, "alloy.pos")
              let e = StructureIO.read pos |> err "no ranges"
              Expect.equal e.Needs (Some ReadSetting.Ranges) "asks for the range file"
              let cut = Path.Combine(dir, "cut.pos")
              File.WriteAllBytes(cut, Array.sub (File.ReadAllBytes pos) 0 17)
              let e = StructureIO.readWith (withRanges dir) cut |> err "17 bytes"
              Expect.stringContains e.Message "whole number" "a truncated file"
              let overlap = Path.Combine(dir, "overlap.rrng")
              File.WriteAllText(overlap, "[Ranges]\nRange1=1 3 Fe:1\nRange2=2 4 Ni:1\n")
              let e = AtomProbe.readRanges overlap |> err "overlap"
              Expect.stringContains e.Message "overlap" "overlapping ranges"
              let none = Path.Combine(dir, "none.rrng")
              File.WriteAllText(none, "[Ranges]\nRange1=500 501 Fe:1\n")

              let e =
                  StructureIO.readWith
                      { StructureIO.defaults with
                          Ranges = Some none }
                      pos
                  |> err "nothing ranged"

              Expect.stringContains e.Message "none of its" "no ion in any range"

              // random bytes and truncations of both files: errors, never exceptions
              let rng = Random(28)

              let seedPos, seedRanges =
                  File.ReadAllBytes pos, File.ReadAllBytes(Path.Combine(dir, "alloy.rrng"))

              for k in 0..299 do
                  let damaged (seed: byte array) =
                      match k % 3 with
                      | 0 -> Array.init (rng.Next 2048) (fun _ -> byte (rng.Next 256))
                      | 1 -> Array.sub seed 0 (rng.Next seed.Length)
                      | _ ->
                          let b = Array.copy seed

                          for _ in 1..10 do
                              b.[rng.Next b.Length] <- byte (rng.Next 256)

                          b

                  let p, r = Path.Combine(dir, "f.pos"), Path.Combine(dir, "f.rrng")
                  File.WriteAllBytes(p, damaged seedPos)
                  File.WriteAllBytes(r, damaged seedRanges)

                  try
                      StructureIO.readWith
                          { StructureIO.defaults with
                              Ranges = Some r }
                          p
                      |> ignore

                      AtomProbe.parseRng "f.rng" (Text.Encoding.Latin1.GetString(damaged seedRanges))
                      |> ignore
                  with e ->
                      failtestf "input %d: %s out of the reader: %s" k (e.GetType().Name) e.Message
          }

          test "readPart streams .pos, .apt, .xyz and LAMMPS dumps: kept atoms, indices, count, bounds, centroid, digest as read whole" {
              let dir = folder ()
              let _, ions = measured dir
              let options = withRanges dir
              AtomProbe.writeApt (Path.Combine(dir, "alloy.apt")) ions

              let whole =
                  StructureIO.readWith options (Path.Combine(dir, "alloy.pos"))
                  |> Result.defaultWith (fun e -> failwith (string e))

              let lo, hi = Structure.bounds whole
              let mid = 0.5 * (lo.X + hi.X)

              for file, keep in
                  List.allPairs
                      [ Path.Combine(dir, "alloy.pos"); Path.Combine(dir, "alloy.apt") ]
                      [ (fun (p: Vec3) -> p.X < mid)
                        (fun (p: Vec3) -> p.X >= mid - 3.0)
                        (fun _ -> false) ] do
                  let part =
                      StructureIO.readPart options file keep
                      |> Result.defaultWith (fun e -> failwith (string e))

                  let expected =
                      [| for a in 0 .. Structure.count whole - 1 do
                             if keep whole.Positions.[a] then
                                 a |]

                  Expect.isTrue part.Streamed (file + ": streamed")
                  Expect.equal part.Indices expected "the kept atoms"
                  Expect.equal part.Part (Structure.select expected whole) "positions, species and mass-to-charge"
                  Expect.equal part.Count (Structure.count whole) "count"
                  Expect.equal (part.Lo, part.Hi) (lo, hi) "bounds"
                  Expect.equal part.Centroid (Structure.centroid whole) "centroid"
                  Expect.equal part.Digest (Structure.digest whole) "digest"

              // an .xyz is streamed too, to the same effect
              StructureIO.writeXyz (Path.Combine(dir, "alloy.xyz")) [ whole ]

              let fromXyz =
                  StructureIO.read (Path.Combine(dir, "alloy.xyz"))
                  |> Result.defaultWith (fun e -> failwith (string e))

              let part =
                  StructureIO.readPart StructureIO.defaults (Path.Combine(dir, "alloy.xyz")) (fun p -> p.X < mid)
                  |> Result.defaultWith (fun e -> failwith (string e))

              let expected =
                  [| for a in 0 .. Structure.count fromXyz - 1 do
                         if fromXyz.Positions.[a].X < mid then
                             a |]

              Expect.isTrue part.Streamed "streamed"
              Expect.equal part.Indices expected "the kept atoms"
              Expect.equal part.Part (Structure.select expected fromXyz) "positions, species, mass-to-charge, info"
              Expect.equal (part.Count, part.Lo, part.Hi) (Structure.count fromXyz, lo, hi) "count and bounds"
              Expect.equal part.Centroid (Structure.centroid fromXyz) "centroid"
              Expect.equal part.Digest (Structure.digest fromXyz) "digest"
              // a LAMMPS dump with its ids shuffled is streamed in id order, as read whole
              let dump = Path.Combine(dir, "alloy.lammpstrj")
              let ids = Array.init (Structure.count whole) (fun a -> a + 1)
              Random(5).Shuffle ids

              let f (x: float) =
                  x.ToString("R", Globalization.CultureInfo.InvariantCulture)

              File.WriteAllLines(
                  dump,
                  [ yield "ITEM: TIMESTEP"
                    yield "0"
                    yield "ITEM: NUMBER OF ATOMS"
                    yield string (Structure.count whole)
                    yield "ITEM: BOX BOUNDS ff ff ff"
                    yield sprintf "%s %s" (f (lo.X - 1.0)) (f (hi.X + 1.0))
                    yield sprintf "%s %s" (f (lo.Y - 1.0)) (f (hi.Y + 1.0))
                    yield sprintf "%s %s" (f (lo.Z - 1.0)) (f (hi.Z + 1.0))
                    yield "ITEM: ATOMS id element x y z"
                    for a in 0 .. Structure.count whole - 1 ->
                        let p = whole.Positions.[a]
                        sprintf "%d %s %s %s %s" ids.[a] (Elements.symbol whole.Numbers.[a]) (f p.X) (f p.Y) (f p.Z) ]
              )

              let fromDump =
                  StructureIO.read dump |> Result.defaultWith (fun e -> failwith (string e))

              let part =
                  StructureIO.readPart StructureIO.defaults dump (fun p -> p.X < mid)
                  |> Result.defaultWith (fun e -> failwith (string e))

              let expected =
                  [| for a in 0 .. Structure.count fromDump - 1 do
                         if fromDump.Positions.[a].X < mid then
                             a |]

              Expect.notEqual fromDump.Positions whole.Positions "the dump's sample order is its id order"
              Expect.isTrue part.Streamed "dump streamed"
              Expect.equal part.Indices expected "the kept atoms of the dump"
              Expect.equal part.Part (Structure.select expected fromDump) "positions, species, cell of the dump"
              Expect.equal (part.Count, part.Lo, part.Hi) (Structure.count fromDump, lo, hi) "count and bounds of the dump"
              Expect.equal part.Centroid (Structure.centroid fromDump) "centroid of the dump"
              Expect.equal part.Digest (Structure.digest fromDump) "digest of the dump"

              // binary content is refused as readWith refuses it
              File.WriteAllBytes(Path.Combine(dir, "junk.xyz"), Array.init 600 (fun i -> byte (i % 7)))

              match StructureIO.readPart StructureIO.defaults (Path.Combine(dir, "junk.xyz")) (fun _ -> true) with
              | Error e -> Expect.stringContains e.Message "binary content" "junk refused"
              | Ok _ -> failtest "binary content read"
          }

          test "extentOfPiece: the pieces of a .pos, .epos or .apt give readPart's count and bounds; other files are not cut" {
              let dir = folder ()
              let _, ions = measured dir
              let options = withRanges dir
              AtomProbe.writeApt (Path.Combine(dir, "alloy.apt")) ions
              // the same ions as .epos: each .pos record, then 28 bytes of the .epos's other fields
              let pos = File.ReadAllBytes(Path.Combine(dir, "alloy.pos"))
              let epos = Array.zeroCreate<byte>(44 * (pos.Length / 16))

              for i in 0 .. pos.Length / 16 - 1 do
                  Buffer.BlockCopy(pos, 16 * i, epos, 44 * i, 16)

              File.WriteAllBytes(Path.Combine(dir, "alloy.epos"), epos)

              let split =
                  { options with
                      AtomProbe =
                          { options.AtomProbe with
                              SplitMolecular = true
                              KeepUnranged = true } }

              for options in [ options; split ] do
                  for file in
                      [ "alloy.pos"; "alloy.epos"; "alloy.apt" ]
                      |> List.map (fun f -> Path.Combine(dir, f)) do
                      let whole =
                          StructureIO.readPart options file (fun _ -> false)
                          |> Result.defaultWith (fun e -> failwith (string e))

                      // more pieces than ions too: those pieces hold none
                      for n in [ 1; 2; 3; 7; ions.Length + 2 ] do
                          let pieces =
                              [ for k in 0 .. n - 1 ->
                                    match StructureIO.extentOfPiece options file k n with
                                    | Some(Ok e) -> e
                                    | Some(Error e) -> failtestf "%s piece %d of %d: %O" file k n e
                                    | None -> failtestf "%s not cut" file ]

                          let held = pieces |> List.filter (fun e -> e.Count > 0L)
                          let name = sprintf "%s in %d pieces" (Path.GetFileName file) n
                          Expect.equal (pieces |> List.sumBy (fun e -> e.Count)) (int64 whole.Count) (name + ": count")
                          Expect.isLessThan held.Length (n + 1) name

                          let lo =
                              held
                              |> List.map (fun e -> e.Lo)
                              |> List.reduce (fun a b -> Vec3.make (min a.X b.X) (min a.Y b.Y) (min a.Z b.Z))

                          let hi =
                              held
                              |> List.map (fun e -> e.Hi)
                              |> List.reduce (fun a b -> Vec3.make (max a.X b.X) (max a.Y b.Y) (max a.Z b.Z))

                          Expect.equal (lo, hi) (whole.Lo, whole.Hi) (name + ": bounds")

                          if n > 1 then
                              Expect.isLessThan held.[0].Count (int64 whole.Count) (name + ": a piece is a part")

              // an .xyz is not cut; a damaged .pos's piece says what is wrong, naming the ion by its place in the file
              StructureIO.writeXyz (Path.Combine(dir, "alloy.xyz")) [ Structure.cluster [| Vec3.zero |] [| 29 |] ]
              Expect.isNone (StructureIO.extentOfPiece options (Path.Combine(dir, "alloy.xyz")) 0 2) "an .xyz is not cut"
              let file = Path.Combine(dir, "alloy.pos")
              let bytes = File.ReadAllBytes file
              let last = bytes.Length / 16 - 1
              BinaryPrimitives.WriteSingleBigEndian(Span(bytes, last * 16 + 8, 4), Single.NaN)
              File.WriteAllBytes(file, bytes)

              match StructureIO.extentOfPiece options file 0 2, StructureIO.extentOfPiece options file 1 2 with
              | Some(Ok _), Some(Error e) -> Expect.stringContains e.Message (sprintf "ion %d has a position" (last + 1)) "the ion named"
              | other -> failtestf "a NaN in the second piece: %A" other

              Expect.throwsT<ArgumentException> (fun () -> StructureIO.extentOfPiece options file 2 2 |> ignore) "piece 2 of 2"
          }

          test "readPart of a truncated or damaged .pos says what is wrong with the file, as readWith does" {
              let dir = folder ()
              let _ = measured dir
              let options = withRanges dir
              let file = Path.Combine(dir, "alloy.pos")
              let bytes = File.ReadAllBytes file
              File.WriteAllBytes(file, bytes.[.. bytes.Length - 4])

              match StructureIO.readPart options file (fun _ -> true) with
              | Error e -> Expect.stringContains e.Message "not a whole number of 16-byte ions" "truncated"
              | Ok _ -> failtest "a truncated file read"

              // ion 3's z is NaN
              let damaged = Array.copy bytes
              BinaryPrimitives.WriteSingleBigEndian(Span(damaged, 2 * 16 + 8, 4), Single.NaN)
              File.WriteAllBytes(file, damaged)

              match StructureIO.readPart options file (fun _ -> true) with
              | Error e -> Expect.stringContains e.Message "ion 3 has a position" "the ion named"
              | Ok _ -> failtest "a NaN read"

              let rng = Random 5

              for k in 0..20 do
                  let junk =
                      Array.zeroCreate<byte>(16 * rng.Next(1, 50) + (if k % 2 = 0 then 0 else rng.Next(1, 16)))

                  rng.NextBytes junk
                  File.WriteAllBytes(file, junk)

                  try
                      StructureIO.readPart options file (fun _ -> true) |> ignore
                  with e ->
                      failtestf "random bytes %d: %s out of readPart: %s" k (e.GetType().Name) e.Message
          }

          test "arise spm maps a synthetic atom-probe measurement (--ranges); without the range file it says so" {
              let dir = folder ()
              let _ = measured dir
              let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

              let code, out, errors =
                  runProcess
                      dir
                      "dotnet"
                      [ dll
                        "spm"
                        "alloy.pos"
                        "--ranges"
                        "alloy.rrng"
                        "--out"
                        "map"
                        "--mode"
                        "bulk"
                        "--stride"
                        "6"
                        "--samples"
                        "5" ]
                      300

              Expect.equal code 0 (sprintf "spm: exit 0 (%s)" errors)
              Expect.stringContains out "boxes classified" "a map"
              let code, _, errors = runProcess dir "dotnet" [ dll; "classify"; "alloy.pos" ] 300
              Expect.equal code 1 "no range file: the file fails"
              Expect.stringContains errors "--ranges" "names the option"
          } ]
